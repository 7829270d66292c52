// The path of one license application, from submission to a closed case.
// Orchestration only: every read and write happens in an activity.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, TaskChanges, Transition } from '../../activities';
import type { TaskSchedule } from '../../activities/sla';
import { TASK_ROLE } from '../../domain/access';
import type { AgencyResult, Correction, Deficiency, ReviewDecisionInput } from '../../domain/application';
import {
  AGENCIES,
  CaseEvent,
  ROLE_FOR_REVIEW,
  SMS_EVENTS,
  Stage,
  Status,
  TASK_KIND_FOR_REVIEW,
  TaskKind,
  WaitingOn,
  correctionTaskId,
  reviewTaskId,
  type Agency,
  type ExclusionReason,
  type ReviewKind,
} from '../../domain/status';
import {
  answerVisitUpdate,
  claimTaskUpdate,
  extendDeadlineUpdate,
  DEFAULT_REVIEW_SLA_MS,
  DEFAULT_VISIT_REMINDER_BEFORE_MS,
  proposeVisitUpdate,
  decideReviewUpdate,
  getStateQuery,
  reassignTaskUpdate,
  releaseTaskUpdate,
  reassignOfficeUpdate,
  recheckAgenciesSignal,
  SA_NEEDS_ATTENTION,
  SA_OFFICE,
  SA_STAGE,
  SA_STATUS,
  SA_WAITING_ON,
  submitCorrectionUpdate,
  type ApplicationWorkflowInput,
  type CaseOutcome,
  type CaseState,
  type OpenTask,
  type UpdateResult,
} from './contract';

/** A projection write is one short transaction; longer means the database is in trouble. */
const DB_ACTIVITY_TIMEOUT = '15s';
/** The database coming back must resume the case, never fail it: retry without limit. */
const DB_RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' };
/** Past this, a failing database write waits on a server timer instead of in worker memory. */
const DB_LOCAL_RETRY_THRESHOLD = '10s';
/** One agency call; the HTTP client gives up sooner, this only catches a hung worker. */
const AGENCY_CALL_TIMEOUT = '30s';
/** Patch id: the correction deadline is waited on as it stands, so it can be extended. */
const PATCH_EXTENDABLE_DEADLINE = 'extendable-correction-deadline';
/** Patch id: review tasks get due times in working days and are watched (reminder, escalation). */
const PATCH_TASK_SLA = 'task-sla-working-days';
/** An overdue task's priority: above anything set by hand (0–1). */
const ESCALATED_PRIORITY = 2;
/** Patch id: the two `*_check_started` transitions are no longer written. */
const PATCH_NO_CHECK_STARTED = 'no-check-started-transitions';
/** Patch id: an operator's recheck cuts short an agency call's retry backoff and asks again at once. */
const PATCH_RECHECK_CUTS_BACKOFF = 'recheck-cuts-agency-backoff';
/** Patch id: the review tasks' SLA schedule comes with the conditions check, not from its own local activity. */
const PATCH_SLA_WITH_CONDITIONS = 'sla-with-conditions-check';
/** A blip should not show on the case; after this many tries it is reported as waiting. */
const AGENCY_QUICK_ATTEMPTS = 3;

// Database work is short and runs next to the database, so it runs as local
// activities: no task-queue round trip per write, which is most of the
// workflow's steps. Agency calls stay regular activities: they can wait for
// hours, and operators see their attempts and last error in the description.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: DB_ACTIVITY_TIMEOUT,
  retry: DB_RETRY,
  localRetryThreshold: DB_LOCAL_RETRY_THRESHOLD,
});
// Writes made from an Update handler go through a regular activity: with SDK
// 1.24 a local activity completing inside an update handler's task recorded a
// history that then failed to replay (nondeterminism on UpdateCompleted).
const dbFromHandler = proxyActivities<Activities>({ startToCloseTimeout: DB_ACTIVITY_TIMEOUT, retry: DB_RETRY });

export async function licenseApplication(input: ApplicationWorkflowInput): Promise<CaseOutcome> {
  const { timing } = input;
  const agencyRetry = {
    initialInterval: timing.agencyRetryInitialMs,
    maximumInterval: timing.agencyRetryMaxMs,
    backoffCoefficient: 2,
    nonRetryableErrorTypes: ['AgencyRequestError'],
  };
  const agencyQuick = proxyActivities<Activities>({
    startToCloseTimeout: AGENCY_CALL_TIMEOUT,
    retry: { ...agencyRetry, maximumAttempts: AGENCY_QUICK_ATTEMPTS },
  });
  const agencyPatient = proxyActivities<Activities>({ startToCloseTimeout: AGENCY_CALL_TIMEOUT, retry: agencyRetry });

  const state: CaseState = {
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
  let seq = 0;
  let correction: Correction | undefined;
  let reviewOutcome: { decision: 'reject' | 'return'; deficiencies: Deficiency[] } | undefined;
  let recheckRequested = false;

  let indexed = '';
  /** The application data last sent to the projection (the API stored the submitted one). */
  let persistedData = input.data;
  /**
   * Brings the search attributes up to date. Called where the case may wait
   * (for a person, an agency, a timer) and when it closes: those are the states
   * operators search for. Steps that pass within one workflow task are not
   * indexed, since each upsert is a history event and a visibility write.
   */
  function index(): void {
    const needsAttention = Object.values(state.agencies).some((a) => a?.state === 'unavailable');
    const attributes = JSON.stringify([state.stage, state.status, state.waitingOn, needsAttention]);
    if (attributes === indexed) return;
    indexed = attributes;
    upsertSearchAttributes([
      { key: SA_STAGE, value: state.stage },
      { key: SA_STATUS, value: state.status },
      { key: SA_WAITING_ON, value: state.waitingOn },
      { key: SA_NEEDS_ATTENTION, value: needsAttention },
    ]);
  }

  /** Persists the state as it is now: projection, timeline, SMS (see recordTransition). Resolves to the row's time. */
  async function transition(event: CaseEvent, extra: Partial<Transition> = {}, fromHandler = false): Promise<string> {
    const { reviews: _reviews, data, tasks: _tasks, correctedBy: _c, filedBy: _f, overdueTasks, ...rest } = state;
    const snapshot = { ...rest, overdue: overdueTasks.length > 0 };
    // The application itself travels only when it changed: it is most of the payload.
    // A handler's write can land after a later main-loop write and be skipped by the
    // projection's seq guard, so only a main-loop write counts the data as stored.
    const withData = data !== persistedData ? { ...snapshot, data } : snapshot;
    if (!fromHandler) persistedData = data;
    const record: Transition = {
      seq: ++seq,
      event,
      at: new Date().toISOString(),
      state: JSON.parse(JSON.stringify(withData)) as Transition['state'],
      // Who to text, only with the events that send one.
      ...(SMS_EVENTS.has(event) ? { contact: { mobile: data.applicant.mobile, tradeName: data.establishment.tradeName } } : {}),
      ...extra,
    };
    await (fromHandler ? dbFromHandler : db).recordTransition(record);
    return record.at;
  }

  /** Takes open tasks out of the case's state and says how they closed, for the next transition. */
  function closeTasks(
    which: (t: OpenTask, id: string) => boolean,
    status: 'completed' | 'cancelled',
    how: { decision?: string; reasons?: string[]; comment?: string } = {},
  ) {
    const closed: NonNullable<TaskChanges['close']> = [];
    for (const [id, t] of Object.entries(state.tasks)) {
      if (!which(t, id)) continue;
      delete state.tasks[id];
      state.overdueTasks = state.overdueTasks.filter((o) => o !== id);
      closed.push({ ...how, id, status });
    }
    return closed;
  }

  function openTask(id: string, kind: TaskKind, dueAt: string): NonNullable<TaskChanges['open']>[number] {
    state.tasks[id] = { kind };
    return { id, kind, requiredRole: TASK_ROLE[kind], round: state.round, dueAt };
  }

  /** Separation of duties: who may not take (or decide) a review of this case. */
  function conflictOfDuty(person: string, kind: TaskKind): string | undefined {
    if (kind === TaskKind.correction) return undefined;
    if (person === state.filedBy) return `${person} filed this application and cannot review it`;
    if (state.correctedBy.includes(person)) return `${person} corrected this application and cannot review it`;
    const other = Object.values(state.tasks).find((t) => t.kind !== kind && t.kind !== TaskKind.correction && t.holder === person);
    const decidedOther = state.reviews.some((r) => r.round === state.round && TASK_KIND_FOR_REVIEW[r.kind] !== kind && r.reviewer.id === person);
    if (other || decidedOther) return `${person} takes part in the other review of this case; one person cannot make both decisions`;
    return undefined;
  }

  function taskFor(taskId: string): OpenTask {
    const task = state.tasks[taskId];
    if (!task) throw new Error(`task ${taskId} is not open: the case no longer waits for it`);
    return task;
  }

  setHandler(
    claimTaskUpdate,
    async ({ taskId, by }) => {
      const task = taskFor(taskId);
      if (task.holder === by.id) return { id: taskId, ...task };
      task.holder = by.id;
      const at = await transition(CaseEvent.taskClaimed, { touchesCase: false, actor: by.id, details: { taskId }, tasks: { assign: { id: taskId, assignee: by.id } } }, true);
      return { id: taskId, ...task, at };
    },
    {
      validator: ({ taskId, by }) => {
        const task = taskFor(taskId);
        if (task.kind === TaskKind.correction) throw new Error('a correction task waits for the applicant; it is not claimed');
        if (task.holder && task.holder !== by.id) throw new Error(`task ${taskId} is held by ${task.holder}`);
        const conflict = conflictOfDuty(by.id, task.kind);
        if (conflict) throw new Error(conflict);
      },
    },
  );

  setHandler(
    releaseTaskUpdate,
    async ({ taskId, by }) => {
      const task = taskFor(taskId);
      const holder = task.holder;
      task.holder = undefined;
      const at = await transition(CaseEvent.taskReleased, { touchesCase: false, actor: by.id, details: { taskId, holder }, tasks: { assign: { id: taskId, assignee: null } } }, true);
      return { id: taskId, ...task, at };
    },
    {
      validator: ({ taskId, by }) => {
        const task = taskFor(taskId);
        if (!task.holder) throw new Error(`task ${taskId} is not held by anyone`);
        if (task.holder !== by.id && !by.supervisor) throw new Error(`task ${taskId} is held by ${task.holder}; only they or a supervisor can release it`);
      },
    },
  );

  setHandler(
    reassignTaskUpdate,
    async ({ taskId, to, by, reason }) => {
      const task = taskFor(taskId);
      const from = task.holder;
      task.holder = to;
      const at = await transition(CaseEvent.taskReassigned, { touchesCase: false, actor: by.id, details: { taskId, from, to, reason }, tasks: { assign: { id: taskId, assignee: to } } }, true);
      return { id: taskId, ...task, at };
    },
    {
      validator: ({ taskId, to, by }) => {
        const task = taskFor(taskId);
        if (!by.supervisor) throw new Error('only a supervisor reassigns a task');
        if (task.kind === TaskKind.correction) throw new Error('a correction task waits for the applicant; it is not assigned');
        const conflict = conflictOfDuty(to, task.kind);
        if (conflict) throw new Error(conflict);
      },
    },
  );

  /**
   * A background coroutine ends quietly when the case is cancelled: the main
   * path closes the case, and an unhandled rejection would fail the workflow task.
   */
  async function quietOnCancel(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  }

  /** Tasks whose time is kept: a reminder when most of it is gone, an escalation on breach. */
  const watched = new Map<string, { kind: TaskKind; s: TaskSchedule; reminded: boolean }>();
  let watching = false;
  let newlyWatched = false;

  function watchTask(id: string, kind: TaskKind, s: TaskSchedule): void {
    watched.set(id, { kind, s, reminded: false });
    newlyWatched = true;
    if (!watching) {
      watching = true;
      void quietOnCancel(keepTime());
    }
  }

  /**
   * One clock for all the case's tasks: it sleeps until the earliest reminder
   * or due time and acts on what is still open then. A task that closes does
   * not wake it (no timer to cancel per task, which is most cases); a newly
   * opened task does, in case it is due sooner.
   */
  async function keepTime(): Promise<void> {
    for (;;) {
      for (const id of watched.keys()) if (!state.tasks[id]) watched.delete(id);
      if (watched.size === 0) {
        watching = false;
        return;
      }
      const next = Math.min(...[...watched.values()].map((w) => Date.parse(w.reminded ? w.s.dueAt : w.s.remindAt)));
      newlyWatched = false;
      await condition(() => newlyWatched, Math.max(1, next - Date.now()));
      for (const [id, w] of [...watched]) {
        if (!state.tasks[id]) continue;
        if (!w.reminded && Date.now() >= Date.parse(w.s.remindAt)) {
          w.reminded = true;
          await db.notifyOffice({ applicationId: state.applicationId, taskId: id, kind: w.kind, what: 'reminder', dueAt: w.s.dueAt });
        }
        if (w.reminded && Date.now() >= Date.parse(w.s.dueAt) && state.tasks[id]) {
          watched.delete(id);
          state.overdueTasks = [...state.overdueTasks, id];
          await transition(CaseEvent.taskOverdue, { details: { taskId: id, dueAt: w.s.dueAt }, tasks: { escalate: { id, priority: ESCALATED_PRIORITY } } });
          await db.notifyOffice({ applicationId: state.applicationId, taskId: id, kind: w.kind, what: 'overdue', dueAt: w.s.dueAt });
        }
      }
    }
  }

  const technicalTask = () => reviewTaskId(state.applicationId, 'technical', state.round);
  let deadlineMoved = false;
  let correctionTask: string | undefined;

  setHandler(
    extendDeadlineUpdate,
    async ({ until, by, reason }) => {
      const from = state.correctionDueAt;
      state.correctionDueAt = until;
      deadlineMoved = true;
      const due = correctionTask && state.tasks[correctionTask] ? { id: correctionTask, dueAt: until } : undefined;
      await transition(CaseEvent.deadlineExtended, { actor: by, details: { from, to: until, reason }, tasks: due ? { due } : {} }, true);
      return updateResult();
    },
    {
      validator: ({ until }) => {
        if (state.stage !== Stage.awaitingCorrection || !state.correctionDueAt) throw new Error(`the application is at stage ${state.stage}, not awaiting a correction`);
        if (!(Date.parse(until) > Date.parse(state.correctionDueAt))) throw new Error(`the new deadline must be after the current one (${state.correctionDueAt})`);
      },
    },
  );

  setHandler(
    proposeVisitUpdate,
    async ({ slot, by }) => {
      state.visit = { slot, status: 'proposed', proposedBy: by };
      await transition(CaseEvent.visitProposed, { actor: by, details: { slot } }, true);
      return state.visit;
    },
    {
      validator: ({ slot, by }) => {
        if (!state.visit || state.stage !== Stage.review) throw new Error('this application has no home visit to schedule');
        if (state.tasks[technicalTask()]?.holder !== by) throw new Error('only the inspector holding the technical review schedules its visit');
        if (!(Date.parse(slot) > Date.now())) throw new Error('a visit is proposed for a time still to come');
      },
    },
  );

  setHandler(
    answerVisitUpdate,
    async (a) => {
      const slot = 'slot' in a ? a.slot : state.visit!.slot!;
      state.visit = { ...state.visit!, slot, status: 'confirmed', confirmedBy: a.by };
      await transition(CaseEvent.visitConfirmed, { actor: a.by, details: { slot, moved: 'slot' in a } }, true);
      void quietOnCancel(remindVisit(slot));
      return state.visit;
    },
    {
      validator: (a) => {
        if (!state.visit || state.stage !== Stage.review) throw new Error('this application has no home visit to confirm');
        if (state.visit.status === 'to_schedule') throw new Error('the inspector has not proposed a visit yet');
        if ('slot' in a && !(Date.parse(a.slot) > Date.now())) throw new Error('a visit is moved to a time still to come');
      },
    },
  );

  /** Reminds the applicant of a confirmed visit, unless it moves or the review ends first. */
  async function remindVisit(slot: string): Promise<void> {
    const before = timing.visitReminderBeforeMs ?? DEFAULT_VISIT_REMINDER_BEFORE_MS;
    const changed = () => state.visit?.slot !== slot || state.visit?.status !== 'confirmed' || state.stage !== Stage.review;
    if (await condition(changed, Math.max(1, Date.parse(slot) - before - Date.now()))) return;
    await transition(CaseEvent.visitReminder, { details: { slot } });
  }

  const currentReviewOutcome = () => reviewOutcome;
  const updateResult = (): UpdateResult => ({ stage: state.stage, status: state.status, round: state.round });

  setHandler(getStateQuery, () => state);

  setHandler(
    submitCorrectionUpdate,
    async (c) => {
      correction = c;
      const { note: _n, submittedBy: _s, ...changes } = c;
      state.data = {
        ...state.data,
        ...(changes.requestedTermYears !== undefined ? { requestedTermYears: changes.requestedTermYears } : {}),
        applicant: { ...state.data.applicant, ...changes.applicant },
        establishment: { ...state.data.establishment, ...changes.establishment },
        documents: mergeDocuments(state.data.documents, changes.documents),
        workers: changes.workers ?? state.data.workers,
      };
      state.stage = Stage.completenessCheck;
      state.waitingOn = [];
      if (c.submittedBy && !state.correctedBy.includes(c.submittedBy)) state.correctedBy.push(c.submittedBy);
      const close = closeTasks((t) => t.kind === TaskKind.correction, 'completed', { decision: 'corrected' });
      index();
      await transition(CaseEvent.correctionReceived, { actor: c.submittedBy ?? 'applicant', details: { note: c.note }, tasks: { close } }, true);
      return updateResult();
    },
    {
      validator: (_c: Correction) => {
        if (state.stage !== Stage.awaitingCorrection) {
          throw new Error(`the application is at stage ${state.stage}, not awaiting a correction`);
        }
      },
    },
  );

  setHandler(
    decideReviewUpdate,
    async (d: ReviewDecisionInput) => {
      state.pendingReviews = state.pendingReviews.filter((k) => k !== d.kind);
      state.waitingOn = state.waitingOn.filter((w) => w !== ROLE_FOR_REVIEW[d.kind]);
      const record = { ...d, round: state.round, decidedAt: new Date().toISOString() };
      state.reviews.push(record);
      const taskId = reviewTaskId(state.applicationId, d.kind, state.round);
      const close = closeTasks((_t, id) => id === taskId, 'completed', { decision: d.decision, reasons: d.reasons, comment: d.comment });
      if (d.decision !== 'approve' && !reviewOutcome) {
        reviewOutcome = { decision: d.decision, deficiencies: d.deficiencies ?? [] };
      }
      // Still waiting on the other reviewer: worth indexing. Otherwise the case moves on at once.
      if (state.pendingReviews.length > 0 && !reviewOutcome) index();
      const at = await transition(CaseEvent.reviewDecided, {
        actor: d.reviewer.id,
        review: record,
        details: { kind: d.kind, decision: d.decision },
        tasks: { close },
      }, true);
      return { ...updateResult(), at };
    },
    {
      validator: (d: ReviewDecisionInput) => {
        validateDecision(state, d, reviewOutcome !== undefined);
        // Only the task's holder decides it.
        const taskId = reviewTaskId(state.applicationId, d.kind, state.round);
        const holder = state.tasks[taskId]?.holder;
        if (holder !== d.reviewer.id) {
          throw new Error(holder ? `the ${d.kind} review is held by ${holder}` : `claim the ${d.kind} review (task ${taskId}) before deciding it`);
        }
        const conflict = conflictOfDuty(d.reviewer.id, TASK_KIND_FOR_REVIEW[d.kind]);
        if (conflict) throw new Error(conflict);
        // A home visit's outcome is the technical decision: it comes after the visit.
        if (d.kind === 'technical' && state.visit) {
          if (state.visit.status !== 'confirmed') throw new Error('schedule the home visit, and have it confirmed, before deciding');
          if (Date.now() < Date.parse(state.visit.slot!)) throw new Error(`the home visit is on ${state.visit.slot}; decide after it`);
        }
      },
    },
  );

  setHandler(
    reassignOfficeUpdate,
    async (r) => {
      const from = state.data.officeId ?? null;
      state.data = { ...state.data, officeId: r.officeId };
      upsertSearchAttributes([{ key: SA_OFFICE, value: r.officeId }]);
      // The old office's reviewers no longer hold anything here.
      for (const t of Object.values(state.tasks)) t.holder = undefined;
      await transition(CaseEvent.officeReassigned, { actor: r.by, details: { from, to: r.officeId, reason: r.reason }, tasks: { retarget: r.officeId } }, true);
      return updateResult();
    },
    {
      validator: (r) => {
        if (state.status !== Status.inProgress || state.stage === Stage.closed) throw new Error('the application is closed');
        if (r.officeId === state.data.officeId) throw new Error(`the application is already with office ${r.officeId}`);
      },
    },
  );

  setHandler(recheckAgenciesSignal, () => {
    recheckRequested = true;
  });

  async function finish(status: CaseOutcome['status'], event: CaseEvent, reasons: Deficiency[], exclusionReason?: ExclusionReason): Promise<CaseOutcome> {
    state.stage = Stage.closed;
    state.status = status;
    state.exclusionReason = exclusionReason;
    state.waitingOn = [];
    state.pendingReviews = [];
    state.deficiencies = reasons;
    const close = closeTasks(() => true, 'cancelled');
    index();
    await transition(event, { details: exclusionReason ? { exclusionReason } : {}, tasks: { close } });
    // An update that was accepted must get its answer before the case closes.
    await condition(allHandlersFinished);
    return { status, exclusionReason, license: state.license, reasons };
  }

  /** Asks for a correction and waits for it; false when the deadline passed first. */
  async function awaitCorrection(event: CaseEvent, deficiencies: Deficiency[]): Promise<boolean> {
    correction = undefined;
    state.stage = Stage.awaitingCorrection;
    state.waitingOn = [WaitingOn.applicant];
    state.deficiencies = deficiencies;
    state.correctionDueAt = new Date(Date.now() + timing.correctionDeadlineMs).toISOString();
    // A review the other reviewer had not decided is moot: the next round reviews afresh.
    const close = closeTasks((t) => t.kind !== TaskKind.correction, 'cancelled');
    const open = [openTask(correctionTaskId(state.applicationId, seq + 1), TaskKind.correction, state.correctionDueAt)];
    index();
    await transition(event, { tasks: { open, close } });
    correctionTask = open[0]!.id;
    let corrected: boolean;
    if (patched(PATCH_EXTENDABLE_DEADLINE)) {
      // The deadline can move (extendDeadline): wait for the correction or for the deadline as it stands.
      for (;;) {
        const left = Date.parse(state.correctionDueAt) - Date.now();
        if (left <= 0) {
          corrected = correction !== undefined;
          break;
        }
        deadlineMoved = false;
        if (await condition(() => correction !== undefined || deadlineMoved, left)) {
          if (correction !== undefined) {
            corrected = true;
            break;
          }
        }
      }
    } else {
      corrected = await condition(() => correction !== undefined, timing.correctionDeadlineMs);
    }
    state.correctionDueAt = undefined;
    return corrected;
  }

  try {
    return await run();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An administrator cancelled the case: it closes as cancelled, whatever was in
    // flight, and the applicant is told. Nothing below may be cancelled again.
    return await CancellationScope.nonCancellable(() => finish(Status.cancelled, CaseEvent.cancelled, []));
  }

  async function run(): Promise<CaseOutcome> {
    await transition(CaseEvent.submitted, { actor: input.data.applicant.nationalId });

    for (;;) {
      state.stage = Stage.completenessCheck;
      state.waitingOn = [];
      // The checks take milliseconds: their start is not worth a write (and an
      // SMS-free timeline row) per case. Cases started before this change
      // replay the write they recorded.
      if (!patched(PATCH_NO_CHECK_STARTED)) await transition(CaseEvent.completenessCheckStarted);
      const completeness = await db.checkCompleteness(state.data);
      if (!completeness.complete) {
        if (!(await awaitCorrection(CaseEvent.correctionRequested, completeness.deficiencies))) {
          return finish(Status.excluded, CaseEvent.excluded, state.deficiencies, 'incomplete');
        }
        continue;
      }

      state.stage = Stage.conditionsCheck;
      state.deficiencies = [];
      if (!patched(PATCH_NO_CHECK_STARTED)) await transition(CaseEvent.conditionsCheckStarted);
      const slaWithConditions = patched(PATCH_SLA_WITH_CONDITIONS);
      const conditions = await db.checkConditions(state.data, ...(slaWithConditions ? [{ scheduleFrom: new Date().toISOString() }] : []));
      if (!conditions.met) return finish(Status.excluded, CaseEvent.excluded, conditions.reasons, 'conditions');
      state.healthReviewRequired = conditions.healthReviewRequired;

      state.stage = Stage.review;
      state.pendingReviews = conditions.healthReviewRequired ? ['health', 'technical'] : ['technical'];
      state.waitingOn = state.pendingReviews.map((k) => ROLE_FOR_REVIEW[k]);
      reviewOutcome = undefined;
      // Due and reminder times in working days (task_slas, holidays). Cases started
      // before SLAs existed keep the flat time they were given.
      const schedules = slaWithConditions
        ? conditions.schedules
        : patched(PATCH_TASK_SLA)
          ? await db.taskSchedules({ kinds: state.pendingReviews.map((k) => TASK_KIND_FOR_REVIEW[k]), from: new Date().toISOString() })
          : undefined;
      const flatDue = new Date(Date.now() + (timing.reviewSlaMs ?? DEFAULT_REVIEW_SLA_MS)).toISOString();
      // An owner of five or more establishments (or one who asked) gets the inspector at home.
      if (conditions.homeVisit && state.pendingReviews.includes('technical')) state.visit = { status: 'to_schedule' };
      const open = state.pendingReviews.map((k) =>
        openTask(reviewTaskId(state.applicationId, k, state.round), TASK_KIND_FOR_REVIEW[k], schedules?.[TASK_KIND_FOR_REVIEW[k]]?.dueAt ?? flatDue),
      );
      await transition(CaseEvent.reviewStarted, { details: { homeVisit: conditions.homeVisit, termMonths: conditions.termMonths }, tasks: { open } });
      if (schedules) for (const task of open) watchTask(task.id, task.kind, schedules[task.kind]!);
      index();
      await condition(() => state.pendingReviews.length === 0 || reviewOutcome !== undefined);
      // Re-read through a function: TypeScript cannot see the update handler assign it.
      const outcome = currentReviewOutcome();

      if (outcome?.decision === 'reject') {
        const reasons = state.reviews
          .filter((r) => r.round === state.round && r.decision === 'reject')
          .flatMap((r) => (r.reasons ?? []).map((code) => rejection(code, r.comment)));
        return finish(Status.rejected, CaseEvent.rejected, reasons);
      }
      if (outcome?.decision === 'return') {
        // A correction may change anything the other reviewer looked at, so the next round reviews afresh.
        state.round += 1;
        state.pendingReviews = [];
        if (!(await awaitCorrection(CaseEvent.returnedForCorrection, outcome.deficiencies))) {
          return finish(Status.excluded, CaseEvent.excluded, state.deficiencies, 'incomplete');
        }
        continue;
      }

      const linked = await linkAgencies();
      if (!linked) return finish(Status.excluded, CaseEvent.excluded, agencyReasons(state.agencies), 'conditions');

      state.stage = Stage.issuance;
      state.waitingOn = [];
      state.license = await db.issueLicense({
        applicationId: input.applicationId,
        licenseKind: state.data.licenseKind,
        termMonths: conditions.termMonths,
      });
      return finish(Status.issued, CaseEvent.issued, []);
    }
  }

  /**
   * Checks one agency. One that does not answer is shown as waited on and asked
   * again, with backoff, until it does. One that refuses the question (4xx) will
   * not change its mind by itself: the case waits, flagged as needing
   * attention, until an operator fixes the cause and signals a recheck.
   */
  async function checkAgency(agency: Agency): Promise<AgencyResult> {
    const cr = state.data.establishment.crNumber;
    let answer: Awaited<ReturnType<Activities['checkAgency']>> | undefined;
    let patient = false;
    while (!answer) {
      try {
        if (patient && patched(PATCH_RECHECK_CUTS_BACKOFF)) {
          // Retrying with backoff after an outage: an operator's recheck asks again now, not at the next attempt.
          answer = await untilRecheck(() => agencyPatient.checkAgency(agency, cr));
          continue;
        }
        answer = await (patient ? agencyPatient : agencyQuick).checkAgency(agency, cr);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const refused = isNonRetryable(err);
        const error = err.cause?.message ?? err.message;
        state.agencies[agency] = { state: 'unavailable', lastError: error };
        if (!state.waitingOn.includes(agency)) state.waitingOn = [...state.waitingOn, agency];
        index();
        await transition(CaseEvent.agencyUnavailable, { agency, details: { error, refused } });
        if (refused) {
          recheckRequested = false;
          await condition(() => recheckRequested);
        }
        patient = !refused;
      }
    }
    const result: AgencyResult = {
      state: answer.compliant ? 'compliant' : 'non_compliant',
      reference: answer.reference,
      reasons: answer.reasons,
      checkedAt: answer.checkedAt,
    };
    state.agencies[agency] = result;
    // On hold, a still non-compliant agency is still what the case waits on.
    const stillWaited = result.state !== 'compliant' && state.stage === Stage.onHold;
    state.waitingOn = state.waitingOn.filter((w) => w !== agency).concat(stillWaited ? [agency] : []);
    await transition(CaseEvent.agencyChecked, { agency, details: { state: result.state } });
    return result;
  }

  /**
   * Runs a retrying call until it settles or an operator asks for a recheck;
   * on a recheck the call (waiting out its backoff) is cancelled and nothing
   * is returned, so the caller asks again at once.
   */
  async function untilRecheck<T>(call: () => Promise<T>): Promise<T | undefined> {
    recheckRequested = false;
    let settled = false;
    const scope = new CancellationScope();
    const attempt = scope.run(call).finally(() => {
      settled = true;
    });
    // Handled here too: when the case itself is cancelled, the wait below throws first and nobody awaits the
    // cancelled call, whose rejection would then fail the workflow task as unhandled. Adds no command.
    attempt.catch(() => {});
    await condition(() => settled || recheckRequested);
    if (settled) return attempt;
    scope.cancel();
    await attempt.catch((err: unknown) => {
      if (!isCancellation(err)) throw err;
    });
    return undefined;
  }

  /** Both agencies in parallel; non-compliance puts the case on hold until fixed or the deadline. */
  async function linkAgencies(): Promise<boolean> {
    state.stage = Stage.agencyLinkage;
    state.waitingOn = [];
    state.agencies = Object.fromEntries(AGENCIES.map((a) => [a, { state: 'pending' } satisfies AgencyResult]));
    // Not indexed here: agencies usually answer at once; one that does not is indexed as it fails.
    await transition(CaseEvent.agencyLinkageStarted);
    await Promise.all(AGENCIES.map(checkAgency));

    const failing = () => AGENCIES.filter((a) => state.agencies[a]?.state !== 'compliant');
    if (failing().length === 0) return true;

    state.stage = Stage.onHold;
    state.waitingOn = failing();
    const holdEnds = Date.now() + timing.agencyHoldDeadlineMs;
    state.holdDueAt = new Date(holdEnds).toISOString();
    await transition(CaseEvent.onHold, { details: { agencies: failing() } });
    while (failing().length > 0) {
      const left = holdEnds - Date.now();
      if (left <= 0) return false;
      recheckRequested = false;
      index();
      await condition(() => recheckRequested, Math.min(left, timing.agencyRecheckIntervalMs));
      if (Date.now() >= holdEnds && !recheckRequested) return false;
      await Promise.all(failing().map(checkAgency));
      state.waitingOn = failing();
    }
    state.holdDueAt = undefined;
    return true;
  }
}

function mergeDocuments<T extends { type: string }>(current: T[], changes: T[] | undefined): T[] {
  if (!changes) return current;
  const byType = new Map(current.map((d) => [d.type, d]));
  for (const d of changes) byType.set(d.type, d);
  return [...byType.values()];
}

function isNonRetryable(err: ActivityFailure): boolean {
  return err.cause instanceof ApplicationFailure && err.cause.nonRetryable === true;
}

function rejection(code: string, comment?: string): Deficiency {
  return { code, field: 'review', messageAr: comment ?? code, messageEn: comment ?? code };
}

function agencyReasons(agencies: CaseState['agencies']): Deficiency[] {
  return AGENCIES.flatMap((a) =>
    agencies[a]?.state === 'non_compliant'
      ? (agencies[a]?.reasons?.length ? agencies[a]!.reasons! : ['NON_COMPLIANT']).map((code) => ({
          code,
          field: `agencies/${a}`,
          messageAr: a === 'laborOffice' ? 'عدم الالتزام لدى مكتب العمل' : 'عدم الالتزام لدى هيئة الزكاة والدخل',
          messageEn: a === 'laborOffice' ? 'Not compliant with the Labor Office' : 'Not compliant with Zakat & Income',
        }))
      : [],
  );
}

/**
 * Refuses a decision the case cannot take, before anything is written to
 * history. The message is what the API returns with its 409.
 */
function validateDecision(state: CaseState, d: ReviewDecisionInput, outcomeDecided: boolean): void {
  if (state.stage !== Stage.review || outcomeDecided) {
    throw new Error(`the application is at stage ${state.stage}, not in review`);
  }
  const kind: ReviewKind = d.kind;
  if (kind === 'health' && state.healthReviewRequired === false) {
    throw new Error('this application does not need a health review');
  }
  if (!state.pendingReviews.includes(kind)) {
    throw new Error(`the ${kind} review of round ${state.round} has already been decided`);
  }
  if (d.reviewer.role !== ROLE_FOR_REVIEW[kind]) {
    throw new Error(`a ${d.reviewer.role} cannot decide the ${kind} review; it needs a ${ROLE_FOR_REVIEW[kind]}`);
  }
  if (d.decision === 'return' && !d.deficiencies?.length) {
    throw new Error('returning for correction needs at least one deficiency for the applicant to fix');
  }
  if (d.decision === 'reject' && !d.reasons?.length) {
    throw new Error('a rejection needs at least one reason code');
  }
}
