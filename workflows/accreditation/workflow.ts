// One service office's accreditation and working life. Orchestration only:
// the check of the file is a pure function, every write is an activity.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, OfficeTransition } from '../../activities';
import { OfficeStatus } from '../../domain/access';
import { riyadhDate } from '../../domain/calendar';
import { amendOfficeApplication, checkOfficeApplication } from '../../domain/office';
import {
  amendOfficeUpdate,
  changeStandingUpdate,
  decideAccreditationUpdate,
  getOfficeStateQuery,
  OfficeStage,
  type AccreditationInput,
  type OfficeState,
  type OfficeUpdateResult,
} from './contract';

/** A registry write is one short transaction. */
const DB_ACTIVITY_TIMEOUT = '15s';
/** The database coming back must resume the office's file, never fail it. */
const DB_RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['RoundFull'] };

const acts = proxyActivities<Activities>({ startToCloseTimeout: DB_ACTIVITY_TIMEOUT, retry: DB_RETRY });

export async function officeAccreditation(input: AccreditationInput): Promise<OfficeState> {
  const state: OfficeState = input.resume ?? {
    officeId: input.officeId,
    roundId: input.roundId,
    status: input.imported ? OfficeStatus.accredited : OfficeStatus.applying,
    stage: input.imported ? OfficeStage.active : OfficeStage.documentCheck,
    deficiencies: [],
    application: input.application,
    seq: 0,
  };
  /** One handler at a time changes the office: a second concurrent call is refused by the validators. */
  let busy = false;
  let amended = false;
  /**
   * The file as last sent from the main loop. A handler's write can land after a
   * later main-loop write and be skipped by the registry's seq guard, so the
   * main loop sends the file again until one of its own writes carried it.
   */
  let persistedApplication = input.resume ? state.application : undefined;

  const result = (): OfficeUpdateResult => ({ status: state.status, stage: state.stage });

  async function record(event: string, actor: string, details: Record<string, unknown> = {}, fromHandler = false) {
    const { application, seq: _seq, ...rest } = state;
    const withApplication = application !== persistedApplication;
    if (!fromHandler) persistedApplication = application;
    const t: OfficeTransition = {
      officeId: state.officeId,
      seq: ++state.seq,
      event,
      actor,
      details,
      at: new Date().toISOString(),
      state: { ...rest, waitingOn: waitingOn(state.stage), ...(withApplication ? { application } : {}) },
    };
    await acts.recordOfficeTransition(JSON.parse(JSON.stringify(t)) as OfficeTransition);
  }

  setHandler(getOfficeStateQuery, () => state);

  setHandler(
    amendOfficeUpdate,
    async (a) => {
      busy = true;
      try {
        state.application = amendOfficeApplication(state.application, a);
        state.stage = OfficeStage.documentCheck;
        state.amendmentDueAt = undefined;
        amended = true;
        await record('amended', a.by, { note: a.note }, true);
        return result();
      } finally {
        busy = false;
      }
    },
    {
      validator: (_a) => {
        if (busy || state.stage !== OfficeStage.awaitingAmendment) {
          throw new Error(`the office's file is at stage ${state.stage}, not awaiting an amendment`);
        }
      },
    },
  );

  setHandler(
    decideAccreditationUpdate,
    async (d) => {
      busy = true;
      try {
        if (d.decision === 'approve') {
          // Fails with RoundFull (the update with it, nothing changed) when the round's cap is reached.
          const { accreditedAt } = await acts.accreditOffice({ officeId: state.officeId, roundId: state.roundId }).catch((err: unknown) => {
            if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'RoundFull') {
              throw ApplicationFailure.create({ message: err.cause.message, type: 'RoundFull', nonRetryable: true });
            }
            throw err;
          });
          state.status = OfficeStatus.accredited;
          state.stage = OfficeStage.active;
          state.accreditedAt = accreditedAt;
          state.statusReason = d.reason;
          await record('accredited', d.by, { reason: d.reason }, true);
        } else {
          state.status = OfficeStatus.refused;
          state.stage = OfficeStage.closed;
          state.statusReason = d.reason;
          await record('refused', d.by, { reason: d.reason }, true);
        }
        return result();
      } finally {
        busy = false;
      }
    },
    {
      validator: (d) => {
        if (busy || state.stage !== OfficeStage.awaitingDecision) {
          throw new Error(`the office's file is at stage ${state.stage}, not awaiting a decision`);
        }
        if (d.decision === 'refuse' && !d.reason?.trim()) throw new Error('a refusal needs a reason');
      },
    },
  );

  setHandler(
    changeStandingUpdate,
    async (c) => {
      busy = true;
      try {
        state.status = c.action === 'suspend' ? OfficeStatus.suspended : c.action === 'reinstate' ? OfficeStatus.accredited : OfficeStatus.revoked;
        if (c.action === 'revoke') state.stage = OfficeStage.closed;
        state.statusReason = c.reason;
        await record(c.action === 'suspend' ? 'suspended' : c.action === 'reinstate' ? 'reinstated' : 'revoked', c.by, { reason: c.reason }, true);
        return result();
      } finally {
        busy = false;
      }
    },
    {
      validator: (c) => {
        if (busy || state.stage !== OfficeStage.active) {
          throw new Error(`the office is ${state.status}; its standing cannot change now`);
        }
        if (c.action === 'suspend' && state.status !== OfficeStatus.accredited) throw new Error(`only an accredited office can be suspended; this one is ${state.status}`);
        if (c.action === 'reinstate' && state.status !== OfficeStatus.suspended) throw new Error(`only a suspended office can be reinstated; this one is ${state.status}`);
        if (!c.reason.trim()) throw new Error('a change of standing needs a reason');
      },
    },
  );

  if (!input.resume) await record(input.imported ? 'imported' : 'applied', input.actor);

  while (state.stage === OfficeStage.documentCheck) {
    // Documents expire on the local date.
    const deficiencies = checkOfficeApplication(state.application, riyadhDate(new Date()));
    state.deficiencies = deficiencies;
    if (deficiencies.length === 0) {
      state.stage = OfficeStage.awaitingDecision;
      await record('awaiting_decision', 'system');
      break;
    }
    state.stage = OfficeStage.awaitingAmendment;
    state.amendmentDueAt = new Date(Date.now() + input.timing.amendmentDeadlineMs).toISOString();
    await record('amendment_requested', 'system', { deficiencies: deficiencies.map((x) => x.code) });
    amended = false;
    if (!(await condition(() => amended, input.timing.amendmentDeadlineMs))) {
      state.status = OfficeStatus.refused;
      state.stage = OfficeStage.closed;
      state.statusReason = 'the file was not completed before the deadline';
      await record('lapsed', 'system');
    }
  }

  await condition(() => state.stage === OfficeStage.active || state.stage === OfficeStage.closed);
  // An accredited office's workflow lives as long as the office: it rolls over
  // to a fresh history when the server suggests it, between two changes.
  while (state.stage === OfficeStage.active) {
    await condition(() => state.stage !== OfficeStage.active || (workflowInfo().continueAsNewSuggested && !busy));
    if (state.stage === OfficeStage.active) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof officeAccreditation>({ ...input, resume: state });
    }
  }
  await condition(allHandlersFinished);
  return state;
}

function waitingOn(stage: OfficeState['stage']): string | null {
  if (stage === OfficeStage.awaitingAmendment) return 'office';
  if (stage === OfficeStage.awaitingDecision) return 'supervisor';
  return null;
}
