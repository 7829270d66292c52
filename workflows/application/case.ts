// The case as the workflow holds it: its state, and the few things every stage
// does with it (write a transition, index it for search, open and close its
// tasks, close the case). All of a case's mutable state is here, in one place.
import { allHandlersFinished, condition, upsertSearchAttributes } from '@temporalio/workflow';
import type { TaskChanges, Transition } from '../../activities';
import { TASK_ROLE } from '../../domain/access';
import type { ApplicationData, Correction, Deficiency } from '../../domain/application';
import type { CaseOutcome, CaseState, CaseTiming, OpenTask } from '../../domain/case';
import { SMS_EVENTS, Stage, Status, TASK_KIND_FOR_REVIEW, TaskKind, type CaseEvent, type ExclusionReason } from '../../domain/status';
import { db, dbFromHandler } from './activities';
import type { PaymentReceipt } from '../../domain/payments';
import { SA_NEEDS_ATTENTION, SA_STAGE, SA_STATUS, SA_WAITING_ON, type ApplicationWorkflowInput, type UpdateResult } from './contract';

/** Where a transition is written from: the case's own path, or an Update handler (see activities.ts). */
export type Writer = 'path' | 'handler';

/** A reviewer's decision that ends a round before both reviews are in. */
export interface RoundEnding {
  decision: 'reject' | 'return';
  deficiencies: Deficiency[];
}

export class ApplicationCase {
  readonly state: CaseState;
  readonly timing: CaseTiming;
  /** The correction the applicant sent while the case waits for one. */
  correction?: Correction;
  /** Set when the correction deadline moved (extendDeadline), so the wait for it starts over. */
  deadlineMoved = false;
  /** The open correction task, whose due time follows the deadline. */
  correctionTask?: string;
  /** The first reject or return of the current round. */
  roundEnding?: RoundEnding;
  /**
   * Rechecks asked for so far. A wait for one compares with the count when
   * its reason began (an agency call, a hold's round), not with a flag it
   * clears: a recheck delivered in the same activation as the refusal it
   * answers (the SDK hands signals over first) still counts.
   */
  rechecks = 0;
  /** The gateway's receipt for the case's invoice, once signalled. */
  receipt?: PaymentReceipt;

  private seq = 0;
  private indexed = '';
  /** The application data last sent to the projection (the API stored the submitted one). */
  private persistedData: ApplicationData;

  constructor(input: ApplicationWorkflowInput) {
    this.timing = input.timing;
    this.persistedData = input.data;
    this.state = {
      applicationId: input.applicationId,
      stage: Stage.submitted,
      status: Status.inProgress,
      waitingOn: [],
      round: 1,
      deficiencies: [],
      pendingReviews: [],
      reviews: [],
      agencies: {},
      data: input.data,
      tasks: {},
      filedBy: input.filedBy,
      correctedBy: [],
      overdueTasks: [],
    };
  }

  get id(): string {
    return this.state.applicationId;
  }

  /** The seq the next transition will carry (a correction task is named after the transition that opens it). */
  get nextSeq(): number {
    return this.seq + 1;
  }

  /**
   * Brings the search attributes up to date. Called where the case may wait
   * (for a person, an agency, a timer) and when it closes: those are the states
   * operators search for. Steps that pass within one workflow task are not
   * indexed, since each upsert is a history event and a visibility write.
   */
  index(): void {
    const s = this.state;
    const needsAttention = Object.values(s.agencies).some((a) => a?.state === 'unavailable');
    const attributes = JSON.stringify([s.stage, s.status, s.waitingOn, needsAttention]);
    if (attributes === this.indexed) return;
    this.indexed = attributes;
    upsertSearchAttributes([
      { key: SA_STAGE, value: s.stage },
      { key: SA_STATUS, value: s.status },
      { key: SA_WAITING_ON, value: s.waitingOn },
      { key: SA_NEEDS_ATTENTION, value: needsAttention },
    ]);
  }

  /** Persists the state as it is now: projection, timeline, SMS (see recordTransition). Resolves to the row's time. */
  async record(event: CaseEvent, extra: Partial<Transition> = {}, opts: { writer?: Writer } = {}): Promise<string> {
    const writer = opts.writer ?? 'path';
    const { reviews: _reviews, data, tasks: _tasks, correctedBy: _c, filedBy: _f, overdueTasks, ...rest } = this.state;
    const snapshot = { ...rest, overdue: overdueTasks.length > 0 };
    // The application itself travels only when it changed: it is most of the payload.
    // A handler's write can land after a later path write and be skipped by the
    // projection's seq guard, so only a path write counts the data as stored.
    const withData = data !== this.persistedData ? { ...snapshot, data } : snapshot;
    if (writer === 'path') this.persistedData = data;
    const transition: Transition = {
      seq: ++this.seq,
      event,
      at: new Date().toISOString(),
      state: JSON.parse(JSON.stringify(withData)) as Transition['state'],
      // Who to text, only with the events that send one.
      ...(SMS_EVENTS.has(event) ? { contact: { mobile: data.applicant.mobile, tradeName: data.establishment.tradeName } } : {}),
      ...extra,
    };
    await (writer === 'handler' ? dbFromHandler : db).recordTransition(transition);
    return transition.at;
  }

  openTask(id: string, kind: TaskKind, dueAt: string): NonNullable<TaskChanges['open']>[number] {
    this.state.tasks[id] = { kind };
    return { id, kind, requiredRole: TASK_ROLE[kind], round: this.state.round, dueAt };
  }

  /** Takes open tasks out of the state and says how they closed, for the next transition. */
  closeTasks(which: (t: OpenTask, id: string) => boolean, status: 'completed' | 'cancelled', how: { decision?: string; reasons?: string[]; comment?: string } = {}) {
    const closed: NonNullable<TaskChanges['close']> = [];
    for (const [id, t] of Object.entries(this.state.tasks)) {
      if (!which(t, id)) continue;
      delete this.state.tasks[id];
      this.state.overdueTasks = this.state.overdueTasks.filter((o) => o !== id);
      closed.push({ ...how, id, status });
    }
    return closed;
  }

  task(taskId: string): OpenTask {
    const task = this.state.tasks[taskId];
    if (!task) throw new Error(`task ${taskId} is not open: the case does not wait for it now (closed, or not reached yet)`);
    return task;
  }

  /** Separation of duties: why this person may not take (or decide) a review of this case, if they may not. */
  conflictOfDuty(person: string, kind: TaskKind): string | undefined {
    const s = this.state;
    if (kind === TaskKind.correction) return undefined;
    if (person === s.filedBy) return `${person} filed this application and cannot review it`;
    if (s.correctedBy.includes(person)) return `${person} corrected this application and cannot review it`;
    const other = Object.values(s.tasks).find((t) => t.kind !== kind && t.kind !== TaskKind.correction && t.holder === person);
    const decidedOther = s.reviews.some((r) => r.round === s.round && TASK_KIND_FOR_REVIEW[r.kind] !== kind && r.reviewer.id === person);
    if (other || decidedOther) return `${person} takes part in the other review of this case; one person cannot make both decisions`;
    return undefined;
  }

  updateResult(): UpdateResult {
    return { stage: this.state.stage, status: this.state.status, round: this.state.round };
  }

  /** Closes the case: its last transition (with the applicant's SMS), then the answers of accepted Updates. */
  async close(status: CaseOutcome['status'], event: CaseEvent, reasons: Deficiency[], exclusionReason?: ExclusionReason): Promise<CaseOutcome> {
    const s = this.state;
    s.stage = Stage.closed;
    s.status = status;
    s.exclusionReason = exclusionReason;
    s.waitingOn = [];
    s.pendingReviews = [];
    s.deficiencies = reasons;
    const close = this.closeTasks(() => true, 'cancelled');
    this.index();
    await this.record(event, { details: exclusionReason ? { exclusionReason } : {}, tasks: { close } });
    // An update that was accepted must get its answer before the case closes.
    await condition(allHandlersFinished);
    return { status, exclusionReason, license: s.license, reasons };
  }
}

