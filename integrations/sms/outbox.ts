// The SMS outbox's SQL: the workflow's activities insert a row in the same
// transaction as the state change it tells of (activities/transitions.ts); the
// dispatcher claims rows one at a time with a lease and settles each; operators
// read what is stuck and resend it. Every statement that changes a claimed row
// is fenced by the claim's number (`attempts`), so a dispatcher whose lease ran
// out can no longer settle a row another one has taken since.
import { sql } from 'drizzle-orm';
import { executeNamed, rowsOf, type Db } from '../../db/client';
import { SmsStatus } from '../../domain/status';

export interface ClaimedSms {
  id: number;
  applicationId: string;
  dedupeKey: string;
  mobile: string;
  bodyAr: string;
  bodyEn: string;
  /** This claim's number, 1 for the first: the fencing token of settle calls. */
  attempts: number;
}

const secs = (ms: number) => ms / 1000;

/**
 * Unsent, and not on a first try: it failed before, or a dispatcher claimed it
 * and died (its lease ran out). A row being sent for the first time right now
 * is not retrying.
 */
const RETRYING = sql`((status = 'pending' and attempts > 0) or (status = 'sending' and (attempts > 1 or next_attempt_at < now())))`;

/**
 * Takes the next message due: pending and due, or sending with its lease run
 * out (its dispatcher died or hung). SKIP LOCKED lets any number of
 * dispatchers claim side by side without waiting on each other or taking the
 * same row.
 */
export async function claimNext(db: Db, leaseMs: number): Promise<ClaimedSms | undefined> {
  const [row] = await executeNamed<ClaimedSms>(db, 'sms_claim', sql`
    update sms_outbox o
    set status = 'sending', attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => ${secs(leaseMs)})
    where o.id = (
      select id from sms_outbox
      where status in ('pending', 'sending') and next_attempt_at <= now()
      order by next_attempt_at, id
      limit 1
      for update skip locked)
    returning o.id::int as "id", o.application_id as "applicationId", o.dedupe_key as "dedupeKey", o.mobile,
      o.body_ar as "bodyAr", o.body_en as "bodyEn", o.attempts`);
  return row;
}

/** The gateway took it. False: the lease ran out and another claim owns the row now (its send repeats the reference). */
export async function markSent(db: Db, claim: ClaimedSms, providerMessageId: string): Promise<boolean> {
  const rows = await executeNamed(db, 'sms_sent', sql`
    update sms_outbox set status = 'sent', sent_at = now(), last_error = null, provider_message_id = ${providerMessageId}
    where id = ${claim.id} and attempts = ${claim.attempts} and status = 'sending'
    returning id`);
  return rows.length === 1;
}

/**
 * The attempt failed: try again after `retryInMs`, unless the gateway refused
 * the message for good or that next attempt would fall past the retry horizon
 * (counted from when the message was queued); then it is failed, for an
 * operator. Returns the row's new status, or undefined when another claim owns it.
 */
export async function markAttemptFailed(
  db: Db,
  claim: ClaimedSms,
  failure: { error: string; refused: boolean; retryInMs: number; horizonMs: number },
): Promise<SmsStatus | undefined> {
  const [row] = await executeNamed<{ status: SmsStatus }>(db, 'sms_attempt_failed', sql`
    update sms_outbox set
      status = case
        when ${failure.refused}::boolean or now() + make_interval(secs => ${secs(failure.retryInMs)}) > queued_at + make_interval(secs => ${secs(failure.horizonMs)})
        then 'failed' else 'pending' end::sms_status,
      next_attempt_at = now() + make_interval(secs => ${secs(failure.retryInMs)}),
      last_error = ${failure.error.slice(0, 1000)}
    where id = ${claim.id} and attempts = ${claim.attempts} and status = 'sending'
    returning status::text as status`);
  return row?.status;
}

/** What an operator and a scrape need to know of the outbox, in one pass over the unsent rows and one count. */
export interface OutboxHealth {
  byStatus: Record<SmsStatus, number>;
  /** Given up: an operator's resend is the only way on. */
  failed: number;
  /** Unsent and tried at least once without success (an outage, a refusal being retried, a dispatcher that died holding it). */
  retrying: number;
  /** Age of the oldest message not sent yet (failed ones aside), 0 when none waits. */
  oldestUnsentSeconds: number;
}

export async function outboxHealth(db: Db): Promise<OutboxHealth> {
  const rows = await rowsOf<{ status: SmsStatus; n: number; retrying: number; oldest: number | null }>(db, sql`
    select status::text as status, count(*)::int as n,
      (count(*) filter (where ${RETRYING}))::int as retrying,
      extract(epoch from now() - min(created_at) filter (where status in ('pending', 'sending')))::float8 as oldest
    from sms_outbox group by status`);
  const byStatus = Object.fromEntries(Object.values(SmsStatus).map((s) => [s, 0])) as Record<SmsStatus, number>;
  let retrying = 0;
  let oldest = 0;
  for (const r of rows) {
    byStatus[r.status] = r.n;
    retrying += r.retrying;
    oldest = Math.max(oldest, r.oldest ?? 0);
  }
  return { byStatus, failed: byStatus.failed, retrying, oldestUnsentSeconds: Math.floor(oldest) };
}

export const StuckSmsFilter = { failed: 'failed', retrying: 'retrying' } as const;
export type StuckSmsFilter = (typeof StuckSmsFilter)[keyof typeof StuckSmsFilter];

export interface StuckSms {
  id: number;
  applicationId: string;
  event: string;
  mobile: string;
  status: SmsStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string;
}

/** Messages that did not go: given up (`failed`) or still being retried (`retrying`), oldest first. */
export async function listStuckSms(db: Db, q: { status: StuckSmsFilter; applicationId?: string; limit: number }): Promise<StuckSms[]> {
  const rows = await rowsOf<StuckSms & { createdAt: Date; nextAttemptAt: Date }>(db, sql`
    select id::int as "id", application_id as "applicationId", event::text as event, mobile, status::text as status, attempts,
      last_error as "lastError", created_at as "createdAt", next_attempt_at as "nextAttemptAt"
    from sms_outbox
    where ${q.status === StuckSmsFilter.failed ? sql`status = 'failed'` : RETRYING}
      ${q.applicationId ? sql`and application_id = ${q.applicationId}` : sql``}
    order by id
    limit ${q.limit}`);
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), nextAttemptAt: new Date(r.nextAttemptAt).toISOString() }));
}

/**
 * An operator's resend: a failed message (or one waiting out its backoff) is
 * due now, with a fresh retry horizon. Sent messages and ones a dispatcher
 * holds right now are left as they are. Returns each id's status before.
 */
export async function resendSms(db: Db, ids: readonly number[]): Promise<Map<number, SmsStatus>> {
  const rows = await rowsOf<{ id: number; before: SmsStatus }>(db, sql`
    with target as (
      select id, status from sms_outbox where id = any(${`{${ids.join(',')}}`}::bigint[]) for update
    ), resent as (
      update sms_outbox o set status = 'pending', next_attempt_at = now(), queued_at = now()
      from target t where o.id = t.id and t.status in ('failed', 'pending')
    )
    select id::int as id, status::text as before from target`);
  return new Map(rows.map((r) => [r.id, r.before]));
}

/** The statuses of these messages now (to see a resend go out). */
export async function smsStatuses(db: Db, ids: readonly number[]): Promise<Map<number, SmsStatus>> {
  const rows = await rowsOf<{ id: number; status: SmsStatus }>(db, sql`
    select id::int as id, status::text as status from sms_outbox where id = any(${`{${ids.join(',')}}`}::bigint[])`);
  return new Map(rows.map((r) => [r.id, r.status]));
}
