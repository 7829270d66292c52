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
import { amendOfficeApplication, checkOfficeApplication, type OfficeAmendment } from '../../domain/office';
import {
  amendOfficeUpdate,
  changeStandingUpdate,
  decideAccreditationUpdate,
  getOfficeStateQuery,
  OfficeStage,
  type AccreditationDecision,
  type AccreditationInput,
  type OfficeState,
  type StandingChange,
  type OfficeUpdateResult,
} from './contract';

/** A registry write is one short transaction. */
const DB_ACTIVITY_TIMEOUT = '15s';
/** The database coming back must resume the office's file, never fail it. */
const DB_RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['RoundFull'] };

const acts = proxyActivities<Activities>({ startToCloseTimeout: DB_ACTIVITY_TIMEOUT, retry: DB_RETRY });

/** Who made a change: the path (the main loop) or a handler (an Update from a person). */
type Origin = 'path' | 'handler';

/** The office's file as the workflow holds it: the one place its mutable state lives. */
class OfficeFile {
  readonly state: OfficeState;
  /** One handler at a time changes the office: a second concurrent call is refused by the validators. */
  busy = false;
  /** The amendment the path waits for has come. */
  amended = false;
  /**
   * The file as last sent from the path. A handler's write can land after a
   * later path write and be skipped by the registry's seq guard, so the path
   * sends the file again until one of its own writes carried it.
   */
  private persistedApplication: OfficeState['application'] | undefined;

  constructor(input: AccreditationInput) {
    this.state = input.resume ?? {
      officeId: input.officeId,
      roundId: input.roundId,
      status: input.imported ? OfficeStatus.accredited : OfficeStatus.applying,
      stage: input.imported ? OfficeStage.active : OfficeStage.documentCheck,
      deficiencies: [],
      application: input.application,
      seq: 0,
    };
    this.persistedApplication = input.resume ? this.state.application : undefined;
  }

  result(): OfficeUpdateResult {
    return { status: this.state.status, stage: this.state.stage };
  }

  async record(event: string, actor: string, details: Record<string, unknown> = {}, origin: Origin = 'path') {
    const { application, seq: _seq, ...rest } = this.state;
    const withApplication = application !== this.persistedApplication;
    if (origin === 'path') this.persistedApplication = application;
    const t: OfficeTransition = {
      officeId: this.state.officeId,
      seq: ++this.state.seq,
      event,
      actor,
      details,
      at: new Date().toISOString(),
      state: { ...rest, waitingOn: waitingOn(this.state.stage), ...(withApplication ? { application } : {}) },
    };
    await acts.recordOfficeTransition(JSON.parse(JSON.stringify(t)) as OfficeTransition);
  }

  /** Runs a handler's change with the office held, so validators refuse a second one meanwhile. */
  async exclusively(change: () => Promise<void>): Promise<OfficeUpdateResult> {
    this.busy = true;
    try {
      await change();
      return this.result();
    } finally {
      this.busy = false;
    }
  }

  /** Refuses a change unless the file is at `stage` and no other change is under way. */
  requireStage(stage: OfficeState['stage'], refusal: string) {
    if (this.busy || this.state.stage !== stage) throw new Error(refusal);
  }
}

export async function officeAccreditation(input: AccreditationInput): Promise<OfficeState> {
  const office = new OfficeFile(input);
  const { state } = office;

  setHandler(getOfficeStateQuery, () => state);
  setHandler(amendOfficeUpdate, (a) => office.exclusively(() => amend(office, a)), {
    validator: (_a) => office.requireStage(OfficeStage.awaitingAmendment, `the office's file is at stage ${state.stage}, not awaiting an amendment`),
  });
  setHandler(decideAccreditationUpdate, (d) => office.exclusively(() => decide(office, d)), {
    validator: (d) => {
      office.requireStage(OfficeStage.awaitingDecision, `the office's file is at stage ${state.stage}, not awaiting a decision`);
      if (d.decision === 'refuse' && !d.reason?.trim()) throw new Error('a refusal needs a reason');
    },
  });
  setHandler(changeStandingUpdate, (c) => office.exclusively(() => changeStanding(office, c)), {
    validator: (c) => {
      office.requireStage(OfficeStage.active, `the office is ${state.status}; its standing cannot change now`);
      if (c.action === 'suspend' && state.status !== OfficeStatus.accredited) throw new Error(`only an accredited office can be suspended; this one is ${state.status}`);
      if (c.action === 'reinstate' && state.status !== OfficeStatus.suspended) throw new Error(`only a suspended office can be reinstated; this one is ${state.status}`);
      if (!c.reason.trim()) throw new Error('a change of standing needs a reason');
    },
  });

  if (!input.resume) await office.record(input.imported ? 'imported' : 'applied', input.actor);
  await checkDocuments(office, input.timing.amendmentDeadlineMs);
  await condition(() => state.stage === OfficeStage.active || state.stage === OfficeStage.closed);
  await liveAsAccredited(office, input);
  await condition(allHandlersFinished);
  return state;
}

/** The file is checked until it is complete (then it waits for a decision), or its amendment deadline passes. */
async function checkDocuments(office: OfficeFile, amendmentDeadlineMs: number) {
  const { state } = office;
  while (state.stage === OfficeStage.documentCheck) {
    // Documents expire on the local date.
    const deficiencies = checkOfficeApplication(state.application, riyadhDate(new Date()));
    state.deficiencies = deficiencies;
    if (deficiencies.length === 0) {
      state.stage = OfficeStage.awaitingDecision;
      await office.record('awaiting_decision', 'system');
      return;
    }
    state.stage = OfficeStage.awaitingAmendment;
    state.amendmentDueAt = new Date(Date.now() + amendmentDeadlineMs).toISOString();
    await office.record('amendment_requested', 'system', { deficiencies: deficiencies.map((x) => x.code) });
    office.amended = false;
    if (!(await condition(() => office.amended, amendmentDeadlineMs))) {
      state.status = OfficeStatus.refused;
      state.stage = OfficeStage.closed;
      state.statusReason = 'the file was not completed before the deadline';
      await office.record('lapsed', 'system');
    }
  }
}

/**
 * An accredited office's workflow lives as long as the office: it rolls over
 * to a fresh history when the server suggests it, between two changes.
 */
async function liveAsAccredited(office: OfficeFile, input: AccreditationInput) {
  const { state } = office;
  while (state.stage === OfficeStage.active) {
    await condition(() => state.stage !== OfficeStage.active || (workflowInfo().continueAsNewSuggested && !office.busy));
    if (state.stage === OfficeStage.active) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof officeAccreditation>({ ...input, resume: state });
    }
  }
}

async function amend(office: OfficeFile, a: OfficeAmendment & { by: string }) {
  const { state } = office;
  state.application = amendOfficeApplication(state.application, a);
  state.stage = OfficeStage.documentCheck;
  state.amendmentDueAt = undefined;
  office.amended = true;
  await office.record('amended', a.by, { note: a.note }, 'handler');
}

async function decide(office: OfficeFile, d: AccreditationDecision) {
  const { state } = office;
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
    await office.record('accredited', d.by, { reason: d.reason }, 'handler');
  } else {
    state.status = OfficeStatus.refused;
    state.stage = OfficeStage.closed;
    state.statusReason = d.reason;
    await office.record('refused', d.by, { reason: d.reason }, 'handler');
  }
}

const STANDING_EVENT = { suspend: 'suspended', reinstate: 'reinstated', revoke: 'revoked' } as const;

async function changeStanding(office: OfficeFile, c: StandingChange) {
  const { state } = office;
  state.status = c.action === 'suspend' ? OfficeStatus.suspended : c.action === 'reinstate' ? OfficeStatus.accredited : OfficeStatus.revoked;
  if (c.action === 'revoke') state.stage = OfficeStage.closed;
  state.statusReason = c.reason;
  await office.record(STANDING_EVENT[c.action], c.by, { reason: c.reason }, 'handler');
}

function waitingOn(stage: OfficeState['stage']): string | null {
  if (stage === OfficeStage.awaitingAmendment) return 'office';
  if (stage === OfficeStage.awaitingDecision) return 'supervisor';
  return null;
}
