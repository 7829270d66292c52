// The inbox's SQL: the task read model the case workflows write, the
// escalation notifications, and staff's comments on a case. Every method is
// one statement and answers in rows; what a missing row means (a 404, a 400)
// is the service's to say.
import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CaseScope, Role } from '../../domain/access';
import { TASK_KINDS } from '../../domain/status';
import type { Db } from '../../db/client';
import { caseComments, notifications, officeStaff, tasks } from '../../db/schema';
import { loadViolations } from '../../db/rules';
import type { TaskCountsQuery, TaskListQuery } from './schemas';

export type TaskRow = typeof tasks.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type CommentRow = typeof caseComments.$inferSelect;

/** A task still to be worked: waiting in the inbox, or held by a reviewer. */
export const ACTIVE_TASK_STATUSES = ['open', 'claimed'] as const;

/** The inbox's filters, within what the caller may see. */
export type TaskFilter = TaskCountsQuery & { scope: CaseScope };

/** Which tasks a page lists, beyond the shared filters. */
export interface TaskSelection {
  status: TaskListQuery['status'];
  /** A user id; null: nobody holds it. */
  assignee?: string | null;
  overdue?: boolean;
  dueBefore?: Date;
}

/** The sort key of the last task of the page before: [priority, due, id] by priority, [time, id] otherwise. */
export type TaskSortKey = [number, string, string] | [string, string];

/** Who an escalation is for: the municipality's supervisors, or one office's manager. */
export type NotificationAudience = { audience: 'supervisor' } | { audience: 'office_manager'; officeId: string };

/** LIKE pattern text with its wildcards taken literally. */
const likeText = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class InboxStore {
  // Prepared: every claim and decision starts with one of these.
  private readonly taskById;
  private readonly taskByIdInOffice;

  constructor(private readonly db: Db) {
    this.taskById = db.select().from(tasks).where(eq(tasks.id, sql.placeholder('id'))).prepare('task_by_id');
    this.taskByIdInOffice = db
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, sql.placeholder('id')), eq(tasks.officeId, sql.placeholder('officeId'))))
      .prepare('task_by_id_in_office');
  }

  /** Office staff see their office's tasks, as they see its cases; the municipality sees all. */
  private visible(scope: CaseScope): SQL | undefined {
    if ('all' in scope) return undefined;
    return 'officeId' in scope ? eq(tasks.officeId, scope.officeId) : sql`false`;
  }

  private filters(f: TaskFilter): SQL[] {
    const where: SQL[] = [];
    const visible = this.visible(f.scope);
    if (visible) where.push(visible);
    if (f.kind) where.push(eq(tasks.kind, f.kind));
    // The counts index leads with the kind, and PostgreSQL before 18 cannot skip over it to an office: one office's
    // inbox of every kind would read all offices' entries. Naming each kind makes it three descents into the office's
    // own (its counts: 1,192 index pages read → 74, 8.6 → 1.0 ms; its "mine" list 7.1 → 1.9 ms, bench/README.md).
    else if (visible || f.officeId) where.push(inArray(tasks.kind, TASK_KINDS));
    if (f.role) where.push(eq(tasks.requiredRole, f.role));
    if (f.officeId) where.push(eq(tasks.officeId, f.officeId));
    if (f.licenseKind) where.push(eq(tasks.licenseKind, f.licenseKind));
    if (f.q) {
      const text = f.q.trim();
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

  /** One page of the inbox in the order asked, after the task `after` names; `more` says whether another page follows. */
  async taskPage(f: TaskFilter, s: TaskSelection, sort: TaskListQuery['sort'], after: TaskSortKey | undefined, limit: number) {
    const where = this.filters(f);
    where.push(s.status === 'active' ? inArray(tasks.status, [...ACTIVE_TASK_STATUSES]) : eq(tasks.status, s.status));
    if (s.assignee === null) where.push(sql`${tasks.assignee} is null`);
    else if (s.assignee) where.push(eq(tasks.assignee, s.assignee));
    if (s.overdue !== undefined) where.push(s.overdue ? sql`${tasks.dueAt} < now()` : sql`${tasks.dueAt} >= now()`);
    if (s.dueBefore) where.push(lt(tasks.dueAt, s.dueBefore));

    let order: SQL[];
    if (sort === 'priority') {
      order = [sql`${tasks.priority} desc nulls last`, asc(tasks.dueAt), asc(tasks.id)];
      if (after) {
        const [pr, due, id] = after as [number, string, string];
        where.push(sql`(${tasks.priority} < ${pr} or (${tasks.priority} = ${pr} and (${tasks.dueAt}, ${tasks.id}) > (${new Date(due)}, ${id})))`);
      }
    } else {
      const column = sort === 'created' ? tasks.createdAt : tasks.dueAt;
      order = [asc(column), asc(tasks.id)];
      if (after) {
        const [at, id] = after as [string, string];
        where.push(sql`(${column}, ${tasks.id}) > (${new Date(at)}, ${id})`);
      }
    }
    const rows = await this.db.select().from(tasks).where(and(...where)).orderBy(...order).limit(limit + 1);
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  /** The inbox badges in one pass over the active tasks the filter finds; `mine` counts those `userId` holds. */
  async activeTaskCounts(f: TaskFilter, userId: string) {
    const where = [...this.filters(f), inArray(tasks.status, [...ACTIVE_TASK_STATUSES])];
    const [row] = await this.db
      .select({
        active: sql<number>`count(*)::int`,
        open: sql<number>`count(*) filter (where ${tasks.status} = 'open')::int`,
        claimed: sql<number>`count(*) filter (where ${tasks.status} = 'claimed')::int`,
        mine: sql<number>`count(*) filter (where ${tasks.assignee} = ${userId})::int`,
        unassigned: sql<number>`count(*) filter (where ${tasks.assignee} is null)::int`,
        overdue: sql<number>`count(*) filter (where ${tasks.dueAt} < now())::int`,
        health: sql<number>`count(*) filter (where ${tasks.kind} = 'health_review')::int`,
        technical: sql<number>`count(*) filter (where ${tasks.kind} = 'technical_review')::int`,
        correction: sql<number>`count(*) filter (where ${tasks.kind} = 'applicant_correction')::int`,
        objection: sql<number>`count(*) filter (where ${tasks.kind} = 'objection_review')::int`,
        inspection: sql<number>`count(*) filter (where ${tasks.kind} = 'inspection')::int`,
      })
      .from(tasks)
      .where(and(...where));
    return row!;
  }

  /** The task, if the scope sees it. */
  async task(id: string, scope: CaseScope): Promise<TaskRow | undefined> {
    const [row] =
      'all' in scope
        ? await this.taskById.execute({ id })
        : 'officeId' in scope
          ? await this.taskByIdInOffice.execute({ id, officeId: scope.officeId })
          : [];
    return row;
  }

  /** The violation codes named, as the table has them; none named, all of them. */
  violations(codes?: string[]) {
    return loadViolations(this.db, codes);
  }

  /** Whether the user is on the office's staff in this role (a task with no office has none). */
  async isOfficeStaff(officeId: string | null, userId: string, role: Role): Promise<boolean> {
    const [member] = await this.db
      .select()
      .from(officeStaff)
      .where(and(eq(officeStaff.officeId, officeId ?? ''), eq(officeStaff.userId, userId), eq(officeStaff.role, role as never)));
    return member !== undefined;
  }

  private forAudience(a: NotificationAudience): SQL {
    return a.audience === 'supervisor'
      ? eq(notifications.audience, 'supervisor')
      : and(eq(notifications.audience, 'office_manager'), eq(notifications.officeId, a.officeId))!;
  }

  /** The audience's escalations, newest first. */
  async notifications(a: NotificationAudience, q: { unacknowledged?: boolean; limit: number }): Promise<NotificationRow[]> {
    const where: SQL[] = [this.forAudience(a)];
    if (q.unacknowledged) where.push(sql`${notifications.acknowledgedAt} is null`);
    return this.db.select().from(notifications).where(and(...where)).orderBy(desc(notifications.id)).limit(q.limit);
  }

  /**
   * Marks the audience's escalation seen, keeping the first acknowledgement,
   * in one statement: one outside the audience is not there, like a missing one.
   */
  async acknowledgeNotification(id: number, a: NotificationAudience, by: string): Promise<NotificationRow | undefined> {
    const [row] = await this.db
      .update(notifications)
      .set({ acknowledgedAt: sql`coalesce(${notifications.acknowledgedAt}, now())`, acknowledgedBy: sql`coalesce(${notifications.acknowledgedBy}, ${by})` })
      .where(and(eq(notifications.id, id), this.forAudience(a)))
      .returning();
    return row;
  }

  /** The case's comments, in the order they were written. */
  async comments(applicationId: string): Promise<CommentRow[]> {
    return this.db.select().from(caseComments).where(eq(caseComments.applicationId, applicationId)).orderBy(asc(caseComments.id));
  }

  async addComment(c: { applicationId: string; authorId: string; authorName: string | null; authorRoles: Role[]; body: string }): Promise<CommentRow> {
    const [row] = await this.db.insert(caseComments).values(c).returning();
    return row!;
  }
}
