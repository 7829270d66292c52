// The audit log as auditors read it (newest first, by case, office or actor),
// and the caller's own identity (GET /me). The rows are written by the audit
// plugin; nothing here changes them.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { can, Operation, type Principal } from '../../domain/access';
import type { Db } from '../../db/client';
import { auditLog } from '../../db/schema';
import type { AuditQuery } from './schemas';

type AuditRow = typeof auditLog.$inferSelect;

const entryView = (r: AuditRow) => ({
  id: r.id,
  at: r.at.toISOString(),
  actor: { kind: r.actorKind, id: r.actorId, name: r.actorName, roles: r.roles, officeId: r.officeId },
  client: r.client,
  ip: r.ip,
  userAgent: r.userAgent,
  requestId: r.requestId,
  method: r.method,
  route: r.route,
  operation: r.operation,
  target: r.targetType ? { type: r.targetType, id: r.targetId } : null,
  statusCode: r.statusCode,
  details: r.details,
});

export class AuditService {
  constructor(private readonly db: Db) {}

  async page(q: AuditQuery) {
    const where: SQL[] = [];
    if (q.applicationId) where.push(and(eq(auditLog.targetType, 'application'), eq(auditLog.targetId, q.applicationId))!);
    if (q.officeId) where.push(and(eq(auditLog.targetType, 'office'), eq(auditLog.targetId, q.officeId))!);
    if (q.actorId) where.push(eq(auditLog.actorId, q.actorId));
    if (q.before) where.push(lt(auditLog.id, q.before));
    const rows = await this.db.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.id)).limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    return { items: page.map(entryView), nextBefore: rows.length > q.limit ? page[page.length - 1]!.id : null };
  }
}

/** For GET /me: what the caller is and may do. */
export function describePrincipal(p: Principal) {
  return {
    kind: p.kind,
    id: p.id,
    name: p.name ?? null,
    roles: p.roles,
    officeId: p.officeId ?? null,
    client: p.client ?? null,
    operations: Object.values(Operation).filter((op) => can(p, op)),
  };
}
