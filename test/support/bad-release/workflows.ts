// A release with a bug, for the reset test. It is today's workflow code plus a
// timer no other release starts; it replays every case as today's code does,
// so it runs their next workflow task and completes it, timer and all. Today's
// code then cannot replay those cases (a command it never gives): their
// workflow tasks fail until an operator resets them to before the bad task.
import { condition, sleep, workflowInfo } from '@temporalio/workflow';
import type { ApplicationWorkflowInput, CaseOutcome } from '../../../workflows/application/contract';
import { licenseApplication as today } from '../../../workflows/application/workflow';

export * from '../../../workflows/index';

/** The bug's timer, long and odd so a test can tell it from the case's own. */
export const BAD_TIMER_MS = 3_333_333_000;

export async function licenseApplication(input: ApplicationWorkflowInput): Promise<CaseOutcome> {
  void (async () => {
    // Only in a task this release runs itself, not while replaying what others decided.
    await condition(() => !workflowInfo().unsafe.isReplaying);
    await sleep(BAD_TIMER_MS);
  })();
  return today(input);
}
