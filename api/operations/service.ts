// Finding stuck cases and saying why. The projection answers most of it in one
// query (who or what a case waits on, since when); Temporal is asked only for
// what it alone knows: whether any worker polls the task queue, and, for one
// case at a time, its pending activities and last events. The SQL is in
// store.ts.
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
// A CommonJS package: Node's ESM loader sees only its default export (types come by name).
import proto, { type temporal as TemporalProto } from '@temporalio/proto';
import type { Config } from '../../config';
import { durationMs } from '../../domain/duration';
import type { Db } from '../../db/client';
import { badRequest, conflict, notFound } from '../errors';
import { extendDeadlineUpdate, recheckAgenciesSignal, SA_STATUS, WORKFLOW_TYPE, workflowIdFor } from '../../workflows/application/contract';
import { SmsStatus, Status } from '../../domain/status';
import { listStuckSms, outboxHealth, resendSms, smsStatuses, type StuckSmsFilter } from '../../integrations/sms/outbox';
import { RepairAction, StuckReason } from '../../domain/operations';
import { OperationsStore, type StuckCaseFilter, type StuckCaseRow } from './store';

/** How long a repair waits to see the case move before it reports that it did not. */
const RECHECK_TIMEOUT_MS = 10_000;
/** Bulk repairs go one case at a time, at most this many a second: the agencies and Temporal take the load. */
const BULK_PER_SECOND = 10;
/** At most this many quiet cases are described one by one in a stuck list. */
const MAX_DESCRIBED = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { temporal } = proto;

/** How the SDK's nondeterminism failure names the first event the code did not replay. */
const DIVERGING_EVENT = /HistoryEvent\(id: (\d+)/;

/**
 * Where a reset starts the new run: the last workflow task completed before
 * the first event today's code does not replay. A bad release may have run
 * several of the case's tasks (a timer fired while it was deployed); resetting
 * only its last one would keep its other decisions and fail again. When the
 * failure does not name an event (or there is none), the last completed task.
 */
export function resetPoint(events: TemporalProto.api.history.v1.IHistoryEvent[]): TemporalProto.api.history.v1.IHistoryEvent | undefined {
  const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
  const completed = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const failure = events
    .filter((e) => e.workflowTaskFailedEventAttributes?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR)
    .at(-1);
  const named = DIVERGING_EVENT.exec(failure?.workflowTaskFailedEventAttributes?.failure?.message ?? '');
  if (!named) return completed.at(-1);
  return completed.filter((e) => Number(e.eventId) < Number(named[1])).at(-1);
}

/** The stuck list's query: the store's filter, with the age as people write it (30m, 2h). */
export type StuckQuery = Omit<StuckCaseFilter, 'ageSeconds' | 'closedIds'> & { olderThan: string };

export type BulkRepair = Awaited<ReturnType<OperationsService['bulk']>>;

/** The audit row of a bulk repair: every case the run touched (or, dry, would touch), and how each ended. */
export function bulkAuditDetails(result: BulkRepair) {
  return { dryRun: result.dryRun, cases: result.dryRun ? result.cases.map((c) => c.id) : result.results.map((r) => ({ id: r.id, ok: r.ok })) };
}

export class OperationsService {
  private readonly store: OperationsStore;

  constructor(
    private readonly db: Db,
    private readonly temporalClient: Client,
    private readonly config: Config,
  ) {
    this.store = new OperationsStore(db);
  }

  private async pollers(): Promise<{ workflow: number; activity: number }> {
    const ask = (type: TemporalProto.api.enums.v1.TaskQueueType) =>
      this.temporalClient.workflowService
        .describeTaskQueue({ namespace: this.config.temporal.namespace, taskQueue: { name: this.config.temporal.taskQueue }, taskQueueType: type })
        .then((r) => r.pollers?.length ?? 0);
    const [workflow, activity] = await Promise.all([
      ask(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
      ask(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
    ]);
    return { workflow, activity };
  }

  /**
   * Workflows Temporal has closed while their case still shows open. A case
   * that ends normally indexes its outcome as it closes, so a closed workflow
   * still indexed `in_progress` ended some other way: one visibility query,
   * not a look at every case.
   */
  private async closedWhileOpen(): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus != 'Running' AND ${SA_STATUS.name} = '${Status.inProgress}'`;
    try {
      for await (const w of this.temporalClient.workflow.list({ query, pageSize: MAX_DESCRIBED })) {
        found.set(w.workflowId, w.status.name);
        if (found.size >= MAX_DESCRIBED) break;
      }
    } catch {
      // Visibility down: the projection's own reasons still stand.
    }
    return found;
  }

  async stuck(q: StuckQuery) {
    const ms = durationMs(q.olderThan);
    if (ms === undefined) throw badRequest('querystring/olderThan', 'querystring/olderThan: not a duration like 30m, 2h or 3d');
    const age = ms / 1000;
    const closed = await this.closedWhileOpen();
    const rows = await this.store.stuckCases({
      ageSeconds: age,
      closedIds: [...closed.keys()],
      reason: q.reason,
      officeId: q.officeId,
      licenseKind: q.licenseKind,
      agency: q.agency,
      ids: q.ids,
      limit: q.limit,
    });
    const counts: Record<string, number> = Object.fromEntries(Object.values(StuckReason).map((r) => [r, 0]));
    for (const r of rows) counts[r.reason] = (counts[r.reason] ?? 0) + 1;
    const pollers = await this.pollers().catch(() => undefined);
    const noWorker = pollers !== undefined && (pollers.workflow === 0 || pollers.activity === 0);
    // Cases that do not move while workers poll are few: ask Temporal about each of them (and only them).
    const causes = new Map<string, string>();
    if (!noWorker) {
      const quiet = rows.filter((r) => r.reason === StuckReason.notMoving).slice(0, MAX_DESCRIBED);
      await Promise.all(quiet.map(async (r) => causes.set(r.id, await this.cause(r.id))));
    }
    // A failed workflow: say whether an activity failed for good or the workflow's own code did.
    const failed = rows.filter((r) => r.reason === StuckReason.inconsistent && closed.get(r.id) === 'FAILED');
    await Promise.all(failed.map(async (r) => causes.set(r.id, await this.failedBy(this.temporalClient.workflow.getHandle(workflowIdFor(r.id))))));
    const causeOf = (r: StuckCaseRow): string | null => {
      if (r.reason === StuckReason.inconsistent) return causes.get(r.id) ?? `workflow_${closed.get(r.id)!.toLowerCase()}`;
      if (r.reason !== StuckReason.notMoving) return null;
      return noWorker ? 'no_worker' : (causes.get(r.id) ?? null);
    };
    const sms = await outboxHealth(this.db);
    return {
      olderThan: q.olderThan,
      workers: pollers ?? null,
      // Messages the applicants have not received: given up, or still being retried.
      sms: { failed: sms.failed, retrying: sms.retrying, oldestUnsentSeconds: sms.oldestUnsentSeconds },
      // With nobody polling, nothing moves: that is the first thing to fix.
      diagnosis: noWorker ? 'no worker is polling the task queue: start one before repairing cases' : null,
      counts,
      items: rows.map((r) => ({
        id: r.id,
        reason: r.reason,
        cause: causeOf(r),
        stage: r.stage,
        waitingOn: r.waiting_on,
        officeId: r.office_id,
        licenseKind: r.license_kind,
        since: new Date(r.since).toISOString(),
        ageSeconds: Math.round((Date.now() - new Date(r.since).getTime()) / 1000),
      })),
    };
  }

  /** Messages that did not go out: given up, or being retried. */
  async stuckSms(q: { status: StuckSmsFilter; applicationId?: string; limit: number }) {
    return { items: await listStuckSms(this.db, q) };
  }

  /**
   * Puts messages back in line with a fresh retry horizon, then reports for
   * each whether it actually went out (checked, like a case repair's `moved`).
   */
  async resendSms(ids: number[]) {
    const before = await resendSms(this.db, ids);
    const queued = ids.filter((id) => before.get(id) === SmsStatus.failed || before.get(id) === SmsStatus.pending);
    const deadline = Date.now() + RECHECK_TIMEOUT_MS;
    let now = await smsStatuses(this.db, queued);
    while (Date.now() < deadline && queued.some((id) => now.get(id) !== SmsStatus.sent)) {
      await sleep(200);
      now = await smsStatuses(this.db, queued);
    }
    return {
      results: ids.map((id) => {
        const was = before.get(id);
        const error = was === undefined ? 'no such message' : was === SmsStatus.sent ? 'already sent' : was === SmsStatus.sending ? 'being sent right now' : null;
        return { id, resent: error === null, sent: error === null && now.get(id) === SmsStatus.sent, status: now.get(id) ?? was ?? null, error };
      }),
    };
  }

  /** Why a case that nobody waits on does not move, as Temporal sees it. */
  private async cause(id: string): Promise<string> {
    try {
      const handle = this.temporalClient.workflow.getHandle(workflowIdFor(id));
      const d = await handle.describe();
      if (d.status.name === 'FAILED') return this.failedBy(handle);
      if (d.status.name !== 'RUNNING') return 'workflow_closed';
      if ((d.raw.pendingWorkflowTask?.attempt ?? 0) > 1) return 'workflow_task_failing';
      if ((d.raw.pendingActivities ?? []).some((a) => (a.attempt ?? 0) > 1)) return 'activity_retrying';
      return 'unknown';
    } catch {
      return 'no_workflow';
    }
  }

  /**
   * What a failed workflow failed on: an activity that failed for good (not
   * retryable, or out of attempts) is named as such, since its fix is in the
   * activity's world (data, an agency), not in the workflow's code.
   */
  private async failedBy(handle: WorkflowHandle): Promise<'activity_failed' | 'workflow_failed'> {
    const history = await handle.fetchHistory().catch(() => undefined);
    const failure = history?.events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
    // The application workflow never throws a non-retryable failure of its own: one in the chain came from an activity.
    for (let f: typeof failure | null | undefined = failure; f; f = f.cause) {
      if (f.activityFailureInfo || f.applicationFailureInfo?.nonRetryable) return 'activity_failed';
    }
    return 'workflow_failed';
  }

  /**
   * Runs one repair and then checks that the case actually moved (a new
   * transition in the projection), instead of only that Temporal took the call.
   */
  async repair(id: string, action: RepairAction, opts: { until?: string; reason?: string; by?: string } = {}) {
    if (action === RepairAction.extendDeadline && !opts.until) throw badRequest('body/until', 'body/until: extending a deadline needs the new one');
    const before = await this.store.progress(id);
    if (!before) throw notFound(`no application ${id}`);
    if (before.status !== 'in_progress') throw conflict(`the application is closed (${before.status})`, 'refused');
    const handle = this.temporalClient.workflow.getHandle(workflowIdFor(id));
    if (action === RepairAction.reset) return { id, action, ...(await this.reset(id, handle, opts.reason ?? 'reset by an administrator')) };
    if (action === RepairAction.recheckAgencies) await handle.signal(recheckAgenciesSignal);
    else if (action === RepairAction.terminate) {
      await handle.terminate(opts.reason ?? 'terminated by an administrator').catch((err: unknown) => {
        // Already closed in Temporal (an inconsistent case): closing the read model is what is left to do.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
      await this.store.closeTerminated(id, before.seq, opts.by ?? 'operations', opts.reason ?? '');
    } else if (action === RepairAction.extendDeadline) {
      await handle.executeUpdate(extendDeadlineUpdate, { args: [{ until: new Date(opts.until!).toISOString(), by: opts.by ?? 'operations', reason: opts.reason ?? '' }] });
    } else {
      // Temporal takes a cancellation of a workflow it has already closed, and nothing comes of it.
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING') {
        throw conflict(`the workflow is ${status.name.toLowerCase()}, so there is nothing to cancel: terminate closes the case in the read model`, 'closed');
      }
      await handle.cancel();
    }
    const deadline = Date.now() + RECHECK_TIMEOUT_MS;
    let after = before;
    while (Date.now() < deadline) {
      after = (await this.store.progress(id)) ?? after;
      if (after.seq > before.seq) break;
      await sleep(200);
    }
    return { id, action, accepted: true, moved: after.seq > before.seq, status: after.status };
  }

  /**
   * Resets the case's workflow to before what a bad release decided (see
   * resetPoint), then checks that the new run completes a workflow task of its
   * own: that is the case moving again, whether or not the step it takes
   * writes anything yet.
   */
  private async reset(id: string, handle: WorkflowHandle, reason: string) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') throw conflict(`the workflow is ${description.status.name.toLowerCase()}; only a running one is reset`, 'refused');
    const EventType = temporal.api.enums.v1.EventType;
    const point = resetPoint((await handle.fetchHistory()).events ?? []);
    if (!point?.eventId) throw conflict('the workflow has no completed workflow task to reset to (before the first event its code cannot replay)', 'refused');
    const resetTo = Number(point.eventId);
    const { runId } = await this.temporalClient.workflowService.resetWorkflowExecution({
      namespace: this.config.temporal.namespace,
      workflowExecution: { workflowId: handle.workflowId, runId: description.runId },
      reason,
      workflowTaskFinishEventId: point.eventId,
      // The same reset asked twice (a retried request) is done once.
      requestId: `reset:${description.runId}:${resetTo}`,
      resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL,
    });
    const newRun = this.temporalClient.workflow.getHandle(handle.workflowId, runId ?? undefined);
    const deadline = Date.now() + RECHECK_TIMEOUT_MS;
    let moved = false;
    while (!moved && Date.now() < deadline) {
      const after = (await newRun.fetchHistory().catch(() => undefined))?.events ?? [];
      moved = after.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && Number(e.eventId) > resetTo);
      if (!moved) await sleep(200);
    }
    const status = (await this.store.progress(id))?.status ?? 'in_progress';
    return { accepted: true, moved, status, runId: runId ?? null, resetToEventId: resetTo };
  }

  /**
   * A repair over every stuck case a filter finds: a dry run lists them; a real run repairs them one by one.
   * `ids`: only those of them (the list a dry run showed and the operator confirmed), so that a case that
   * became stuck in between is not repaired unseen; one of them no longer stuck is left alone.
   */
  async bulk(filter: StuckQuery, action: RepairAction, dryRun: boolean, opts: { until?: string; reason?: string; by?: string; ids?: readonly string[] } = {}) {
    if (action === RepairAction.extendDeadline && !opts.until) throw badRequest('body/until', 'body/until: extending a deadline needs the new one');
    const { ids, ...repairOpts } = opts;
    const { items } = await this.stuck({ ...filter, ids });
    const cases = items.map((i) => ({ id: i.id, reason: i.reason, stage: i.stage }));
    if (dryRun) return { dryRun, action, cases, results: [] };
    const results: { id: string; ok: boolean; moved: boolean; status: string | null; error: string | null }[] = [];
    for (const item of items) {
      const started = Date.now();
      try {
        const r = await this.repair(item.id, action, repairOpts);
        results.push({ id: item.id, ok: true, moved: r.moved, status: r.status, error: null });
      } catch (err) {
        results.push({ id: item.id, ok: false, moved: false, status: null, error: (err as Error).message });
      }
      await sleep(Math.max(0, 1000 / BULK_PER_SECOND - (Date.now() - started)));
    }
    return { dryRun, action, cases, results };
  }

  /** One case, fully: its projection, open tasks, what Temporal says it is doing, its last events, the pollers. */
  async diagnose(id: string) {
    const row = await this.store.projection(id);
    if (!row) throw notFound(`no application ${id}`);
    const openTasks = await this.store.openTasks(id);
    const handle = this.temporalClient.workflow.getHandle(id);
    const [description, history, pollers] = await Promise.all([
      handle.describe().catch((err: Error) => ({ error: err.message }) as const),
      handle.fetchHistory().catch(() => undefined),
      this.pollers().catch(() => undefined),
    ]);
    const EventType = temporal.api.enums.v1.EventType;
    const events = history?.events ?? [];
    const workflow =
      'error' in description
        ? { found: false, error: description.error }
        : {
            found: true,
            status: description.status.name,
            historyLength: description.historyLength,
            // A workflow task failing again and again: a bug, or code that no longer replays this history.
            workflowTask: description.raw.pendingWorkflowTask
              ? {
                  attempt: description.raw.pendingWorkflowTask.attempt ?? 0,
                  failing: (description.raw.pendingWorkflowTask.attempt ?? 0) > 1,
                }
              : null,
            pendingActivities: (description.raw.pendingActivities ?? []).map((a) => ({
              activityType: a.activityType?.name ?? null,
              attempt: a.attempt ?? 0,
              state: a.state !== undefined && a.state !== null ? temporal.api.enums.v1.PendingActivityState[a.state] : null,
              lastFailure: a.lastFailure?.message ?? null,
              nextAttemptAt: a.nextAttemptScheduleTime?.seconds ? new Date(Number(a.nextAttemptScheduleTime.seconds) * 1000).toISOString() : null,
            })),
          };
    return {
      id,
      projection: {
        status: row.status,
        stage: row.stage,
        waitingOn: row.waiting_on,
        agencies: row.agencies,
        overdue: row.overdue,
        updatedAt: new Date(row.updated_at).toISOString(),
      },
      openTasks: openTasks.map(({ due_at, ...t }) => ({ ...t, dueAt: new Date(due_at).toISOString() })),
      workflow,
      // The projection says open, Temporal says otherwise: the read model and the workflow disagree.
      inconsistent: workflow.found ? (row.status === 'in_progress') !== (workflow.status === 'RUNNING') : row.status === 'in_progress',
      lastEvents: events.slice(-10).map((e) => ({
        id: Number(e.eventId ?? 0),
        type: EventType[e.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(e.eventType),
        at: e.eventTime?.seconds ? new Date(Number(e.eventTime.seconds) * 1000).toISOString() : null,
      })),
      workers: pollers ?? null,
    };
  }
}
