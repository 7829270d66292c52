// The reviewer workbench: the task inbox (a read model the case workflows
// write), its badge counts, and claiming, releasing, reassigning and deciding
// tasks, each delivered to the case workflow as an Update so the workflow stays
// the judge of who holds what. Comments on a case live here too.
import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { caseScope, isMunicipality, Role, type Principal } from '../../domain/access';
import type { Db } from '../../db/client';
import { caseComments, notifications, officeStaff, tasks } from '../../db/schema';
import { claimTaskUpdate, proposeVisitUpdate, reassignTaskUpdate, releaseTaskUpdate, workflowIdFor, type TaskChange } from '../../workflows/application/contract';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { ApplicationService } from '../applications/service';
import { TASK_ID_PATTERN, type CommentBody, type ReassignTaskBody, type TaskCountsQuery, type TaskDecisionBody, type TaskListQuery } from './schemas';
import { CursorPart, decodeCursor, encodeCursor } from '../cursor';

type TaskRow = typeof tasks.$inferSelect;
const ACTIVE = ['open', 'claimed'] as const;
const isActive = (t: TaskRow) => (ACTIVE as readonly string[]).includes(t.status);
const isSupervisor = (p: Principal) => p.kind === 'user' && p.roles.includes(Role.supervisor);

/** LIKE pattern text with its wildcards taken literally. */
const likeText = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const TASK_ID = new RegExp(TASK_ID_PATTERN);
const BY_PRIORITY = [CursorPart.integer, CursorPart.instant, CursorPart.matching(TASK_ID)];
const BY_TIME = [CursorPart.instant, CursorPart.matching(TASK_ID)];

export class TaskService {
  // Prepared: every claim and decision starts with one of these.
  private readonly taskById;
  private readonly taskByIdInOffice;

  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly applications: ApplicationService,
  ) {
    this.taskById = db.select().from(tasks).where(eq(tasks.id, sql.placeholder('id'))).prepare('task_by_id');
    this.taskByIdInOffice = db
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, sql.placeholder('id')), eq(tasks.officeId, sql.placeholder('officeId'))))
      .prepare('task_by_id_in_office');
  }

  /** Office staff see their office's tasks, as they see its cases; the municipality sees all. */
  private scope(p: Principal): SQL | undefined {
    const scope = caseScope(p);
    if ('all' in scope) return undefined;
    return 'officeId' in scope ? eq(tasks.officeId, scope.officeId) : sql`false`;
  }

  private filters(q: TaskCountsQuery, p: Principal): SQL[] {
    const where: SQL[] = [];
    const scope = this.scope(p);
    if (scope) where.push(scope);
    if (q.kind) where.push(eq(tasks.kind, q.kind));
    if (q.role) where.push(eq(tasks.requiredRole, q.role));
    if (q.officeId) where.push(eq(tasks.officeId, q.officeId));
    if (q.licenseKind) where.push(eq(tasks.licenseKind, q.licenseKind));
    if (q.q) {
      const text = q.q.trim();
      where.push(
        or(
          sql`${tasks.tradeName} ilike ${`%${likeText(text)}%`}`,
          sql`${tasks.applicationId} like ${`${likeText(text.toUpperCase())}%`}`,
          eq(tasks.crNumber, text),
        )!,
      );
    }
    return where;
  }

  async list(q: TaskListQuery, p: Principal) {
    const where = this.filters(q, p);
    where.push(q.status === 'active' ? inArray(tasks.status, [...ACTIVE]) : eq(tasks.status, q.status));
    if (q.assignee === 'me') where.push(eq(tasks.assignee, p.id));
    else if (q.assignee === 'unassigned') where.push(sql`${tasks.assignee} is null`);
    else if (q.assignee) where.push(eq(tasks.assignee, q.assignee));
    if (q.overdue !== undefined) where.push(q.overdue ? sql`${tasks.dueAt} < now()` : sql`${tasks.dueAt} >= now()`);
    if (q.dueBefore) where.push(lt(tasks.dueAt, new Date(q.dueBefore)));

    let order: SQL[];
    let cursorOf: (t: TaskRow) => (string | number)[];
    if (q.sort === 'priority') {
      order = [sql`${tasks.priority} desc nulls last`, asc(tasks.dueAt), asc(tasks.id)];
      cursorOf = (t) => [t.priority, t.dueAt.toISOString(), t.id];
      if (q.cursor) {
        const [pr, due, id] = decodeCursor<[number, string, string]>(q.cursor, BY_PRIORITY);
        where.push(sql`(${tasks.priority} < ${pr} or (${tasks.priority} = ${pr} and (${tasks.dueAt}, ${tasks.id}) > (${new Date(due)}, ${id})))`);
      }
    } else {
      const column = q.sort === 'created' ? tasks.createdAt : tasks.dueAt;
      order = [asc(column), asc(tasks.id)];
      cursorOf = (t) => [(q.sort === 'created' ? t.createdAt : t.dueAt).toISOString(), t.id];
      if (q.cursor) {
        const [at, id] = decodeCursor<[string, string]>(q.cursor, BY_TIME);
        where.push(sql`(${column}, ${tasks.id}) > (${new Date(at)}, ${id})`);
      }
    }
    const rows = await this.db.select().from(tasks).where(and(...where)).orderBy(...order).limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    return { items: page.map((t) => this.view(t)), nextCursor: rows.length > q.limit ? encodeCursor(cursorOf(page[page.length - 1]!)) : null };
  }

  /** The inbox badges in one pass over the caller's active tasks. */
  async counts(q: TaskCountsQuery, p: Principal) {
    const where = [...this.filters(q, p), inArray(tasks.status, [...ACTIVE])];
    const [row] = (await this.db
      .select({
        active: sql<number>`count(*)::int`,
        open: sql<number>`count(*) filter (where ${tasks.status} = 'open')::int`,
        claimed: sql<number>`count(*) filter (where ${tasks.status} = 'claimed')::int`,
        mine: sql<number>`count(*) filter (where ${tasks.assignee} = ${p.id})::int`,
        unassigned: sql<number>`count(*) filter (where ${tasks.assignee} is null)::int`,
        overdue: sql<number>`count(*) filter (where ${tasks.dueAt} < now())::int`,
        health: sql<number>`count(*) filter (where ${tasks.kind} = 'health_review')::int`,
        technical: sql<number>`count(*) filter (where ${tasks.kind} = 'technical_review')::int`,
        correction: sql<number>`count(*) filter (where ${tasks.kind} = 'applicant_correction')::int`,
      })
      .from(tasks)
      .where(and(...where)))!;
    const { health, technical, correction, ...rest } = row!;
    return { ...rest, byKind: { health_review: health, technical_review: technical, applicant_correction: correction } };
  }

  async get(id: string, p: Principal) {
    return this.view(await this.task(id, p));
  }

  private async task(id: string, p: Principal): Promise<TaskRow> {
    const scope = caseScope(p);
    const [row] =
      'all' in scope
        ? await this.taskById.execute({ id })
        : 'officeId' in scope
          ? await this.taskByIdInOffice.execute({ id, officeId: scope.officeId })
          : [];
    if (!row) throw notFound(`no task ${id}`);
    return row;
  }

  private requireOpen(t: TaskRow): void {
    if (!isActive(t)) throw conflict(`task ${t.id} is ${t.status}`, 'refused');
  }

  /**
   * The task as the change left it. The case workflow wrote the change and
   * says when; the row is otherwise the one read before, so there is no need
   * to read it back. Without a time (nothing changed, an older worker) it is read.
   */
  private async after(t: TaskRow, p: Principal, at: string | undefined, change: (at: Date) => Partial<TaskRow>) {
    return at ? this.view({ ...t, ...change(new Date(at)) }) : this.get(t.id, p);
  }

  private afterHolder(t: TaskRow, p: Principal, { holder, at }: TaskChange) {
    return this.after(t, p, at, (when) => ({ assignee: holder ?? null, status: holder ? 'claimed' : 'open', claimedAt: holder ? when : null }));
  }

  async claim(id: string, p: Principal) {
    const t = await this.task(id, p);
    if (!p.roles.includes(t.requiredRole)) throw forbidden(`task ${id} is worked by a ${t.requiredRole}`);
    this.requireOpen(t);
    const result = await this.temporal.workflow.getHandle(workflowIdFor(t.applicationId)).executeUpdate(claimTaskUpdate, { args: [{ taskId: id, by: { id: p.id } }] });
    return this.afterHolder(t, p, result);
  }

  async release(id: string, p: Principal) {
    const t = await this.task(id, p);
    this.requireOpen(t);
    const result = await this.temporal.workflow
      .getHandle(workflowIdFor(t.applicationId))
      .executeUpdate(releaseTaskUpdate, { args: [{ taskId: id, by: { id: p.id, supervisor: isSupervisor(p) } }] });
    return this.afterHolder(t, p, result);
  }

  async reassign(id: string, body: ReassignTaskBody, p: Principal) {
    const t = await this.task(id, p);
    this.requireOpen(t);
    const [member] = await this.db
      .select()
      .from(officeStaff)
      .where(and(eq(officeStaff.officeId, t.officeId ?? ''), eq(officeStaff.userId, body.assignee), eq(officeStaff.role, t.requiredRole as never)));
    if (!member) throw badRequest('body/assignee', `body/assignee: ${body.assignee} is not a ${t.requiredRole} of office ${t.officeId}`);
    const result = await this.temporal.workflow
      .getHandle(workflowIdFor(t.applicationId))
      .executeUpdate(reassignTaskUpdate, { args: [{ taskId: id, to: body.assignee, by: { id: p.id, supervisor: isSupervisor(p) }, reason: body.reason }] });
    return this.afterHolder(t, p, result);
  }

  async decide(id: string, body: TaskDecisionBody, p: Principal) {
    const t = await this.task(id, p);
    if (t.kind === 'applicant_correction') throw conflict('a correction task is completed by the applicant’s correction', 'refused');
    this.requireOpen(t);
    const result = await this.applications.decideTask(t.applicationId, { ...body, kind: t.kind === 'health_review' ? 'health' : 'technical' }, p);
    return this.after(t, p, result.at, (when) => ({
      status: 'completed',
      decision: body.decision,
      reasons: body.reasons ?? [],
      comment: body.comment ?? null,
      decidedAt: when,
    }));
  }

  /** The inspector holding a home-visit case's technical review proposes a time. */
  async proposeVisit(id: string, slot: string, p: Principal) {
    const t = await this.task(id, p);
    if (t.kind !== 'technical_review') throw conflict('only a technical review is a home visit', 'refused');
    this.requireOpen(t);
    const visit = await this.temporal.workflow
      .getHandle(workflowIdFor(t.applicationId))
      .executeUpdate(proposeVisitUpdate, { args: [{ slot: new Date(slot).toISOString(), by: p.id }] });
    return { id: t.applicationId, visit };
  }

  /** Escalations for the caller: the municipality's supervisors see every office's, a manager their office's. */
  private notificationScope(p: Principal): SQL {
    return isMunicipality(p)
      ? eq(notifications.audience, 'supervisor')
      : and(eq(notifications.audience, 'office_manager'), eq(notifications.officeId, p.officeId ?? ''))!;
  }

  async notifications(q: { unacknowledged?: boolean; limit: number }, p: Principal) {
    const where: SQL[] = [this.notificationScope(p)];
    if (q.unacknowledged) where.push(sql`${notifications.acknowledgedAt} is null`);
    const rows = await this.db.select().from(notifications).where(and(...where)).orderBy(desc(notifications.id)).limit(q.limit);
    return { items: rows.map((n) => this.notificationView(n)) };
  }

  /** One statement: a notification outside the caller's sight is not found, exactly like a missing one. */
  async acknowledge(id: number, p: Principal) {
    const [row] = await this.db
      .update(notifications)
      .set({ acknowledgedAt: sql`coalesce(${notifications.acknowledgedAt}, now())`, acknowledgedBy: sql`coalesce(${notifications.acknowledgedBy}, ${p.id})` })
      .where(and(eq(notifications.id, id), this.notificationScope(p)))
      .returning();
    if (!row) throw notFound(`no notification ${id}`);
    return this.notificationView(row);
  }

  private notificationView(n: typeof notifications.$inferSelect) {
    return {
      id: n.id,
      kind: n.kind,
      officeId: n.officeId,
      applicationId: n.applicationId,
      taskId: n.taskId,
      messageAr: n.messageAr,
      messageEn: n.messageEn,
      createdAt: n.createdAt.toISOString(),
      acknowledgedAt: n.acknowledgedAt?.toISOString() ?? null,
      acknowledgedBy: n.acknowledgedBy,
    };
  }

  async comments(applicationId: string, p: Principal) {
    await this.applications.visible(applicationId, p);
    const rows = await this.db.select().from(caseComments).where(eq(caseComments.applicationId, applicationId)).orderBy(asc(caseComments.id));
    return { items: rows.map((c) => ({ id: c.id, authorId: c.authorId, authorName: c.authorName, authorRoles: c.authorRoles, body: c.body, at: c.at.toISOString() })) };
  }

  async comment(applicationId: string, body: CommentBody, p: Principal) {
    await this.applications.visible(applicationId, p);
    const [c] = await this.db
      .insert(caseComments)
      .values({ applicationId, authorId: p.id, authorName: p.name ?? null, authorRoles: p.roles, body: body.body })
      .returning();
    return { id: c!.id, authorId: c!.authorId, authorName: c!.authorName, authorRoles: c!.authorRoles, body: c!.body, at: c!.at.toISOString() };
  }

  private view(t: TaskRow) {
    return {
      id: t.id,
      applicationId: t.applicationId,
      kind: t.kind,
      requiredRole: t.requiredRole,
      officeId: t.officeId,
      status: t.status,
      assignee: t.assignee,
      priority: t.priority,
      round: t.round,
      createdAt: t.createdAt.toISOString(),
      dueAt: t.dueAt.toISOString(),
      overdue: isActive(t) && t.dueAt.getTime() < Date.now(),
      claimedAt: t.claimedAt?.toISOString() ?? null,
      decidedAt: t.decidedAt?.toISOString() ?? null,
      decision: t.decision,
      reasons: t.reasons,
      comment: t.comment,
      licenseKind: t.licenseKind,
      tradeName: t.tradeName,
      crNumber: t.crNumber,
    };
  }
}

