// The audit log: every state-changing call (allowed or refused) becomes one
// append-only row: who, in which roles and office, from which client and
// address, what route and target, and how it ended. It is written before the
// answer leaves, so a caller that got an answer can rely on the row existing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { GroupCommit } from '../../db/group-commit';
import { sql } from 'drizzle-orm';
import { executeNamed } from '../../db/client';
import { auditLog } from '../../db/schema';

declare module 'fastify' {
  interface FastifyRequest {
    /** What a handler adds to its call's audit row (a bulk repair: the cases it touched). */
    auditDetails?: Record<string, unknown>;
  }
  interface FastifyContextConfig {
    /** What the route's `:id` (or the created resource's id) names, for the audit trail. */
    /** `task`: recorded against the task's case, with the task in the details. */
    target?: 'application' | 'office' | 'api_key' | 'round' | 'task' | 'document' | 'agency_report' | 'license' | 'license_import' | 'payment' | 'payment_mismatch' | 'fee_schedule' | 'reconciliation';
    /** A POST that writes nothing (a draft's validation): no audit row. */
    readOnly?: true;
  }
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A string field of a JSON answer: the id of what a call created, or the error code of a refusal. */
function answerField(payload: unknown, field: 'id' | 'error'): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  try {
    const value = (JSON.parse(payload) as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

type AuditRow = Omit<typeof auditLog.$inferInsert, 'id' | 'at'>;

/** Most characters kept of what a caller wrote: ids and names, a user agent, an operator's reason (its schemas allow 2,000). */
const KEEP = { id: 200, userAgent: 500, reason: 2_000 } as const;

/**
 * Caller-supplied text as the log can always store it, so a refusal is never
 * lost on its bytes: NUL (which text and jsonb refuse) and half surrogate
 * pairs (which have no UTF-8 form) written as \u0000-style escapes, and the
 * whole cut to `max` characters (by code point: a cut never splits a pair).
 */
function auditText(value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  let out = '';
  let kept = 0;
  for (const ch of text) {
    if (kept++ === max) return `${out}…`;
    const code = ch.codePointAt(0)!;
    out += code === 0 || (code >= 0xd800 && code <= 0xdfff) ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}

/**
 * One insert for a batch of rows, read from one JSON parameter: the statement's
 * text is the same whatever the batch size, so it is planned once per
 * connection (executeNamed) instead of being built and planned per batch.
 */
const INSERT = (rows: AuditRow[]) => sql`
  insert into audit_log (actor_kind, actor_id, actor_name, roles, office_id, client, ip, user_agent, request_id, method, route, operation,
    target_type, target_id, status_code, details)
  select "actorKind", "actorId", "actorName", "roles", "officeId", "client", "ip", "userAgent", "requestId", "method", "route", "operation",
    "targetType", "targetId", "statusCode", coalesce("details", '{}'::jsonb)
  from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x("actorKind" text, "actorId" text, "actorName" text, "roles" text[], "officeId" text,
    "client" text, "ip" text, "userAgent" text, "requestId" text, "method" text, "route" text, "operation" text, "targetType" text,
    "targetId" text, "statusCode" int, "details" jsonb)`;

/** Seconds a caller should wait before retrying a call the audit log could not record. */
const AUDIT_RETRY_AFTER_S = 1;

/**
 * `anonymousMax`: refusals of callers nobody could identify (no or a bad
 * credential, or throttled before that) are stored for the first this many
 * from one address in a window (`windowMs`), then only counted, and the count
 * is one summary row when the window ends. A flood of forged keys, up to the
 * per-address rate limit of thousands a minute, then costs one row a window.
 */
export default fp(async function audit(app, opts: { windowMs: number; anonymousMax: number }) {
  // Concurrent calls' rows share one insert (group commit); each answer still waits for its own row.
  const rows = new GroupCommit<AuditRow>({ flush: async (items) => void (await executeNamed(app.db, 'audit_insert', INSERT(items))) });

  // Anonymous refusals per address in the current window; past the allowance they are counted here and summed up in one row.
  let anonymous = new Map<string, { stored: number; suppressed: number; statuses: Record<string, number> }>();
  const rollWindow = async () => {
    const ended = anonymous;
    anonymous = new Map();
    const summaries = [...ended].filter(([, a]) => a.suppressed > 0);
    await Promise.all(
      summaries.map(([ip, a]) =>
        rows.write({
          actorKind: 'anonymous',
          actorId: 'anonymous',
          roles: [],
          ip,
          requestId: `summary-${randomUUID()}`,
          method: '*',
          route: '*',
          statusCode: 401,
          details: { suppressed: a.suppressed, statuses: a.statuses, windowSeconds: opts.windowMs / 1000 },
        }),
      ),
    ).catch((err: unknown) => app.log.error({ err }, 'audit log: could not write the anonymous refusals summary'));
  };
  const timer = setInterval(() => void rollWindow(), opts.windowMs);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await rollWindow();
  });
  /** True when this anonymous refusal is only counted, not stored. */
  const suppressAnonymous = (req: FastifyRequest, status: number): boolean => {
    if (req.principal || (status !== 401 && status !== 429)) return false;
    const a = anonymous.get(req.ip) ?? { stored: 0, suppressed: 0, statuses: {} };
    anonymous.set(req.ip, a);
    if (a.stored < opts.anonymousMax) {
      a.stored += 1;
      return false;
    }
    a.suppressed += 1;
    a.statuses[status] = (a.statuses[status] ?? 0) + 1;
    return true;
  };

  app.decorateRequest('auditDetails', undefined);
  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!CHANGES.has(req.method) || !req.routeOptions.url || req.routeOptions.config.readOnly) return payload;
    if (suppressAnonymous(req, reply.statusCode)) return payload;
    const p = req.principal;
    const config = req.routeOptions.config;
    const params = req.params as { id?: string; keyId?: string; number?: string } | undefined;
    const op = config.operation;
    const ok = reply.statusCode < 400;
    const id = (v: unknown) => auditText(v, KEEP.id);
    const reason = (req.body as { reason?: unknown } | undefined)?.reason;
    try {
      await rows.write({
        actorKind: p?.kind ?? 'anonymous',
        actorId: id(p?.id) ?? 'anonymous',
        actorName: id(p?.name),
        roles: p?.roles ?? [],
        officeId: id(p?.officeId),
        client: id(p?.client),
        ip: id(req.ip),
        userAgent: auditText(req.headers['user-agent'], KEEP.userAgent),
        requestId: req.id,
        method: req.method,
        route: req.routeOptions.url,
        operation: op === undefined ? null : typeof op === 'string' ? op : op.join('|'),
        // A task's actions belong to its case's trail: the task id is `<application id>:<kind>:<n>`.
        targetType: config.target === 'task' ? 'application' : (config.target ?? null),
        targetId: id((config.target === 'task' ? params?.id?.split(':')[0] : undefined) ?? params?.keyId ?? params?.id ?? params?.number ?? (ok ? answerField(payload, 'id') : undefined)),
        statusCode: reply.statusCode,
        details: {
          ...(ok ? {} : { error: answerField(payload, 'error') }),
          ...(req.headers['idempotency-key'] ? { idempotencyKey: id(req.headers['idempotency-key']) } : {}),
          ...(config.target === 'task' ? { taskId: id(params?.id) } : {}),
          // Operators' actions say why; the log keeps it with who and when.
          ...(typeof reason === 'string' ? { reason: auditText(reason, KEEP.reason) } : {}),
          ...req.auditDetails,
        },
      });
    } catch (err) {
      // Fail closed: no answer goes out that the log cannot back. The change itself may have been made; the caller
      // is told so, and a retry (idempotent for every change here) is recorded when the log is back.
      req.log.error({ err, route: req.routeOptions.url, actor: p?.id }, 'audit log write failed');
      reply.code(503).header('retry-after', String(AUDIT_RETRY_AFTER_S)).header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify({
        error: 'audit_unavailable',
        message: 'the audit log could not record this call, so it is not confirmed; it may have taken effect: retry it (a submission with the same Idempotency-Key starts no second case)',
      });
    }
    return payload;
  });
});
