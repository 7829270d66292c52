// The reviewer workbench: the task inbox (a read model the case workflows
// write), its badge counts, and claiming, releasing, reassigning and deciding
// tasks; home visits proposed and answered; comments on a case; escalations.
// Each change goes to the case workflow as an Update, so the workflow stays the
// judge of who holds what. The rules and access checks are here; the SQL is in
// store.ts, the JSON views in views.ts.
import type { Client } from '@temporalio/client';
import { can, caseScope, isMunicipality, Operation, Role, type Principal } from '../../domain/access';
import { OBJECTION_DECISIONS, REVIEW_DECISIONS, type ObjectionDecision, type ReviewDecision } from '../../domain/status';
import type { Db } from '../../db/client';
import { answerVisitUpdate, claimTaskUpdate, proposeVisitUpdate, reassignTaskUpdate, releaseTaskUpdate, workflowIdFor, type TaskChange } from '../../workflows/application/contract';
import { decideObjectionUpdate, decideRenewalReviewUpdate, licenseWorkflowId, recordInspectionUpdate } from '../../workflows/license/contract';
import type { Finding } from '../../domain/license';
import { durationMs } from '../../domain/duration';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { ApplicationService } from '../applications/service';
import { TASK_ID_PATTERN, type CommentBody, type InspectionBody, type NotificationQuery, type ReassignTaskBody, type TaskCountsQuery, type TaskDecisionBody, type TaskListQuery, type VisitAnswerBody } from './schemas';
import { CursorPart, decodeCursor, encodeCursor } from '../cursor';
import { InboxStore, type NotificationAudience, type TaskRow, type TaskSortKey } from './store';
import { commentView, isActiveTask, notificationView, taskView } from './views';

const isSupervisor = (p: Principal) => p.kind === 'user' && p.roles.includes(Role.supervisor);
const isObjectionDecision = (d: string): d is ObjectionDecision => (OBJECTION_DECISIONS as readonly string[]).includes(d);
const isReviewDecision = (d: string): d is ReviewDecision => (REVIEW_DECISIONS as readonly string[]).includes(d);

const TASK_ID = new RegExp(TASK_ID_PATTERN);
const BY_PRIORITY = [CursorPart.integer, CursorPart.instant, CursorPart.matching(TASK_ID)];
const BY_TIME = [CursorPart.instant, CursorPart.matching(TASK_ID)];

/** A task's place in the order a list is sorted by: what its cursor holds. */
const sortKey = (t: TaskRow, sort: TaskListQuery['sort']): TaskSortKey =>
  sort === 'priority' ? [t.priority, t.dueAt.toISOString(), t.id] : [(sort === 'created' ? t.createdAt : t.dueAt).toISOString(), t.id];

/** Escalations for the caller: the municipality's supervisors see every office's, a manager their office's. */
const audienceOf = (p: Principal): NotificationAudience =>
  isMunicipality(p) ? { audience: 'supervisor' } : { audience: 'office_manager', officeId: p.officeId ?? '' };

export class InboxService {
  private readonly store: InboxStore;

  constructor(
    db: Db,
    private readonly temporal: Client,
    private readonly applications: ApplicationService,
  ) {
    this.store = new InboxStore(db);
  }

  async list(q: TaskListQuery, p: Principal) {
    const { status, assignee, overdue, dueBefore, sort, limit, cursor, ...filters } = q;
    const after = cursor ? decodeCursor<TaskSortKey>(cursor, sort === 'priority' ? BY_PRIORITY : BY_TIME) : undefined;
    const { rows, more } = await this.store.taskPage(
      { ...filters, scope: caseScope(p) },
      {
        status,
        assignee: assignee === 'me' ? p.id : assignee === 'unassigned' ? null : assignee,
        overdue,
        dueBefore: dueBefore ? new Date(dueBefore) : undefined,
      },
      sort,
      after,
      limit,
    );
    return { items: rows.map(taskView), nextCursor: more ? encodeCursor(sortKey(rows[rows.length - 1]!, sort)) : null };
  }

  /** The inbox badges in one pass over the caller's active tasks. */
  async counts(q: TaskCountsQuery, p: Principal) {
    const { health, technical, correction, objection, inspection, ...rest } = await this.store.activeTaskCounts({ ...q, scope: caseScope(p) }, p.id);
    return { ...rest, byKind: { health_review: health, technical_review: technical, applicant_correction: correction, objection_review: objection, inspection } };
  }

  async get(id: string, p: Principal) {
    return taskView(await this.task(id, p));
  }

  private async task(id: string, p: Principal): Promise<TaskRow> {
    const row = await this.store.task(id, caseScope(p));
    if (!row) throw notFound(`no task ${id}`);
    return row;
  }

  private requireOpen(t: TaskRow): void {
    if (!isActiveTask(t)) throw conflict(`task ${t.id} is ${t.status}`, 'refused');
  }

  /**
   * The task as the change left it. The case workflow wrote the change and
   * says when; the row is otherwise the one read before, so there is no need
   * to read it back. Without a time (nothing changed, an older worker) it is read.
   */
  private async after(t: TaskRow, p: Principal, at: string | undefined, change: (at: Date) => Partial<TaskRow>) {
    return at ? taskView({ ...t, ...change(new Date(at)) }) : this.get(t.id, p);
  }

  /** The workflow that holds the task: its license's for a license's task (an objection), its case's otherwise. */
  private holderOf(t: TaskRow) {
    return this.temporal.workflow.getHandle(t.licenseNumber ? licenseWorkflowId(t.licenseNumber) : workflowIdFor(caseOf(t)));
  }

  private afterHolder(t: TaskRow, p: Principal, { holder, at }: TaskChange) {
    return this.after(t, p, at, (when) => ({ assignee: holder ?? null, status: holder ? 'claimed' : 'open', claimedAt: holder ? when : null }));
  }

  async claim(id: string, p: Principal) {
    const t = await this.task(id, p);
    if (!p.roles.includes(t.requiredRole)) throw forbidden(`task ${id} is worked by a ${t.requiredRole}`);
    this.requireOpen(t);
    const result = await this.holderOf(t).executeUpdate(claimTaskUpdate, { args: [{ taskId: id, by: { id: p.id } }] });
    return this.afterHolder(t, p, result);
  }

  async release(id: string, p: Principal) {
    const t = await this.task(id, p);
    this.requireOpen(t);
    const result = await this.holderOf(t).executeUpdate(releaseTaskUpdate, { args: [{ taskId: id, by: { id: p.id, supervisor: isSupervisor(p) } }] });
    return this.afterHolder(t, p, result);
  }

  async reassign(id: string, body: ReassignTaskBody, p: Principal) {
    const t = await this.task(id, p);
    this.requireOpen(t);
    // The municipality's own tasks (a license's, with no office) have no roster here: the supervisor names them. An office's task goes to its staff.
    if ((!t.licenseNumber || t.officeId !== null) && !(await this.store.isOfficeStaff(t.officeId, body.assignee, t.requiredRole))) {
      throw badRequest('body/assignee', `body/assignee: ${body.assignee} is not a ${t.requiredRole} of office ${t.officeId}`);
    }
    const result = await this.holderOf(t).executeUpdate(reassignTaskUpdate, { args: [{ taskId: id, to: body.assignee, by: { id: p.id, supervisor: isSupervisor(p) }, reason: body.reason }] });
    return this.afterHolder(t, p, result);
  }

  async decide(id: string, body: TaskDecisionBody, p: Principal) {
    const t = await this.task(id, p);
    if (t.kind === 'applicant_correction') throw conflict('a correction task is completed by the applicant’s correction', 'refused');
    if (t.kind === 'inspection') throw conflict(`an inspection's result is recorded at /tasks/${id}/inspection`, 'refused');
    this.requireOpen(t);
    const result =
      t.kind === 'objection_review' ? await this.decideObjection(t, body, p) : t.licenseNumber ? await this.decideRenewalReview(t, body, p) : await this.decideReview(t, body, p);
    return this.after(t, p, result.at, (when) => ({
      status: 'completed',
      decision: body.decision,
      reasons: body.reasons ?? [],
      comment: body.comment ?? null,
      decidedAt: when,
    }));
  }

  private decideReview(t: TaskRow, body: TaskDecisionBody, p: Principal) {
    const { decision } = body;
    if (!isReviewDecision(decision)) throw badRequest('body/decision', `body/decision: a review is decided approve, reject or return, not ${decision}`);
    return this.applications.decideTask(caseOf(t), { ...body, decision, kind: t.kind === 'health_review' ? 'health' : 'technical' }, p);
  }

  /**
   * A renewal's review, decided as a case's is (approve; reject with reason codes; return with the deficiencies to
   * correct) by the reviewer holding it, who has the task's role: the license's office's reviewer, or for a license
   * with no office the municipal inspector. The license's workflow judges the rest (who holds it, separation of duties).
   */
  private decideRenewalReview(t: TaskRow, body: TaskDecisionBody, p: Principal) {
    const { decision, reasons, comment, deficiencies } = body;
    if (!p.roles.includes(t.requiredRole)) throw forbidden(`task ${t.id} is decided by a ${t.requiredRole}`);
    if (!isReviewDecision(decision)) throw badRequest('body/decision', `body/decision: a review is decided approve, reject or return, not ${decision}`);
    if (decision === 'return' && !deficiencies?.length) throw badRequest('body/deficiencies', 'body/deficiencies: returning for correction needs at least one deficiency');
    if (decision === 'reject' && !reasons?.length) throw badRequest('body/reasons', 'body/reasons: a rejection needs at least one reason code');
    return this.holderOf(t).executeUpdate(decideRenewalReviewUpdate, { args: [{ taskId: t.id, by: p.id, decision, reasons, comment, deficiencies }] });
  }

  /** An objection is the municipality's: upheld or accepted, with a comment at most, by the supervisor holding it. */
  private decideObjection(t: TaskRow, body: TaskDecisionBody, p: Principal) {
    const { decision, comment } = body;
    if (!can(p, Operation.objectionDecide)) throw forbidden(`task ${t.id} is decided by a ${t.requiredRole}`);
    if (!isObjectionDecision(decision)) throw badRequest('body/decision', `body/decision: an objection is upheld or accepted, not ${decision}`);
    for (const field of ['reasons', 'deficiencies'] as const) {
      if (body[field]?.length) throw badRequest(`body/${field}`, `body/${field}: an objection takes a decision and a comment, no ${field}`);
    }
    return this.holderOf(t).executeUpdate(decideObjectionUpdate, { args: [{ taskId: t.id, decision, comment, by: p.id }] });
  }

  /** The municipal inspector holding an inspection records what they found: violations by the table's codes. */
  async recordInspection(id: string, body: InspectionBody, p: Principal) {
    const t = await this.task(id, p);
    if (t.kind !== 'inspection') throw conflict(`task ${id} is a ${t.kind}, not an inspection`, 'refused');
    this.requireOpen(t);
    const found = body.violations ?? [];
    if (body.result === 'pass' && found.length) throw badRequest('body/violations', 'body/violations: a pass records no violations');
    if (body.result === 'violations' && !found.length) throw badRequest('body/violations', 'body/violations: name at least one violation code');
    const known = new Map((await this.store.violations(found.map((v) => v.code))).map((v) => [v.code, v]));
    const findings = found.map(({ code, note }, i): Finding => {
      const v = known.get(code);
      if (!v) throw badRequest(`body/violations/${i}/code`, `body/violations/${i}/code: ${code} is not a violation code`);
      return { code, severity: v.severity, textAr: v.textAr, textEn: v.textEn, ...(v.fixWithin ? { fixWithinMs: durationMs(v.fixWithin) } : {}), ...(note ? { note } : {}) };
    });
    const result = await this.holderOf(t).executeUpdate(recordInspectionUpdate, { args: [{ taskId: id, by: p.id, findings, comment: body.comment }] });
    return this.after(t, p, result.at, (when) => ({ status: 'completed', decision: body.result, reasons: findings.map((f) => f.code), comment: body.comment ?? null, decidedAt: when }));
  }

  /** What an inspector may find (violation_codes), by code: the findings an inspection is recorded with. */
  violationCodes() {
    return this.store.violations();
  }

  /** The inspector holding a home-visit case's technical review proposes a time. */
  async proposeVisit(id: string, slot: string, p: Principal) {
    const t = await this.task(id, p);
    if (t.kind !== 'technical_review') throw conflict('only a technical review is a home visit', 'refused');
    if (t.licenseNumber) throw conflict("a renewal's technical review has no home visit", 'refused');
    this.requireOpen(t);
    const visit = await this.temporal.workflow
      .getHandle(workflowIdFor(caseOf(t)))
      .executeUpdate(proposeVisitUpdate, { args: [{ slot: new Date(slot).toISOString(), by: p.id }] });
    return { id: caseOf(t), visit };
  }

  /** The applicant (or their office) confirms the inspector's proposed visit, or moves it. */
  async answerVisit(applicationId: string, body: VisitAnswerBody, p: Principal) {
    await this.applications.requireOpen(applicationId, p);
    const answer = 'slot' in body ? { slot: new Date(body.slot).toISOString(), by: p.id } : { confirm: true as const, by: p.id };
    const visit = await this.temporal.workflow.getHandle(workflowIdFor(applicationId)).executeUpdate(answerVisitUpdate, { args: [answer] });
    return { id: applicationId, visit };
  }

  async notifications(q: NotificationQuery, p: Principal) {
    return { items: (await this.store.notifications(audienceOf(p), q)).map(notificationView) };
  }

  /** A notification outside the caller's sight is not found, exactly like a missing one. */
  async acknowledge(id: number, p: Principal) {
    const row = await this.store.acknowledgeNotification(id, audienceOf(p), p.id);
    if (!row) throw notFound(`no notification ${id}`);
    return notificationView(row);
  }

  async comments(applicationId: string, p: Principal) {
    await this.applications.visible(applicationId, p);
    return { items: (await this.store.comments(applicationId)).map(commentView) };
  }

  async comment(applicationId: string, body: CommentBody, p: Principal) {
    await this.applications.visible(applicationId, p);
    return commentView(await this.store.addComment({ applicationId, authorId: p.id, authorName: p.name ?? null, authorRoles: p.roles, body: body.body }));
  }
}

/** A case's task is always of its case; only a license's task (of a license imported from before Tarkhees) has none. */
function caseOf(t: TaskRow): string {
  if (t.applicationId === null) throw new Error(`task ${t.id} is of no case`);
  return t.applicationId;
}
