// What the audit log holds for one answer, found by the request id the answer
// carried (x-request-id): the join a reviewer of the log would make.
import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client';

export interface AuditRowSeen {
  actorKind: string;
  actorId: string;
  method: string;
  route: string;
  statusCode: number;
  targetId: string | null;
  details: Record<string, unknown>;
}

export function auditRowsFor(db: Db, requestId: string): Promise<AuditRowSeen[]> {
  return rowsOf<AuditRowSeen>(db, sql`
    select actor_kind as "actorKind", actor_id as "actorId", method, route, status_code as "statusCode", target_id as "targetId", details
    from audit_log where request_id = ${requestId} order by id`);
}

/** The request id of an answer, whichever client produced it (fetch, inject, the raw socket). */
export function requestIdOf(answer: { headers: Headers | Record<string, unknown> }): string {
  const h = answer.headers;
  const id = h instanceof Headers ? h.get('x-request-id') : h['x-request-id'];
  if (typeof id !== 'string' || id === '') throw new Error('the answer names no request (x-request-id)');
  return id;
}
