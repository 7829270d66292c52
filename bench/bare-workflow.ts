// The baseline: a workflow of the application's shape (the same number of
// activities and updates, in the same order) whose activities do nothing. What
// the real workflow costs on top of this is the application's own work.
import { allHandlersFinished, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export const bareDecisionUpdate = defineUpdate<void, [string]>('decide');
export const bareClaimUpdate = defineUpdate<void, [string]>('claim');

type Noop = { noop(n: number): Promise<void> };
// As in the application: database steps are local activities, the two agency calls regular ones.
const local = proxyLocalActivities<Noop>({ startToCloseTimeout: '15s' });
const remote = proxyActivities<Noop>({ startToCloseTimeout: '15s' });

/**
 * A health case issued on first submission: 4 database steps before review
 * (2 transitions, 2 checks), 1 per decision, then a transition, the two agency
 * calls in parallel each followed by a transition, issuance and a last transition.
 */
export const BARE_SHAPE = { before: 4, decisions: 2, lastSteps: 2 } as const;

export async function bareApplication(): Promise<void> {
  let decided = 0;
  let claimed = 0;
  let ready = false;
  setHandler(
    bareClaimUpdate,
    async (_who: string) => {
      claimed++;
      // As in the application: a claim is a write from an update handler.
      await remote.noop(100 + claimed);
    },
    {
      validator: (_who: string) => {
        if (!ready) throw new Error('not in review yet');
      },
    },
  );
  setHandler(
    bareDecisionUpdate,
    async (_decision: string) => {
      decided++;
      // As in the application, a write from an update handler is a regular activity.
      await remote.noop(decided);
    },
    {
      validator: (_decision: string) => {
        if (!ready) throw new Error('not in review yet');
      },
    },
  );
  for (let i = 0; i < BARE_SHAPE.before; i++) await local.noop(i);
  ready = true;
  await condition(() => decided === BARE_SHAPE.decisions);
  await local.noop(-1);
  await Promise.all([remote.noop(-2).then(() => local.noop(-4)), remote.noop(-3).then(() => local.noop(-5))]);
  for (let i = 0; i < BARE_SHAPE.lastSteps; i++) await local.noop(100 + i);
  // As in the application: an Update whose write is still in flight must finish before the case closes.
  await condition(allHandlersFinished);
}
