// Writes a license's state changes: the timeline row, the licenses row (the
// projection GET /licenses/:number reads) and the holder's SMS, in one
// statement hung off the timeline insert, as a case's transitions are.
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import { riyadhDate } from '../../domain/calendar';
import type { LicenseState } from '../../domain/license';
import { renderLicenseSms } from '../../domain/sms';
import { formatSar, type InvoiceRef } from '../../domain/payments';
import { Agency, AGENCIES, LICENSE_SMS_EVENTS, type LicenseEvent } from '../../domain/status';
import { executeNamed, type Db } from '../../db/client';
import type { TaskChanges } from '../application/transitions';

/** One change of a license, as its workflow saw it. */
export interface LicenseTransition {
  /** The workflow's own counter: (number, seq) identifies the change across retries and runs. */
  seq: number;
  event: LicenseEvent;
  at: string;
  actor?: string;
  details?: Record<string, unknown>;
  /** What the change does to the license's tasks in the inbox (open, close, a claim, an escalation), as a case's transitions say it. */
  tasks?: Omit<TaskChanges, 'due' | 'retarget'>;
  state: Omit<LicenseState, 'data' | 'reportIds'>;
}

const AGENCY_NAMES: Record<Agency, [ar: string, en: string]> = {
  [Agency.laborOffice]: ['مكتب العمل', 'the Labor Office'],
  [Agency.zakat]: ['هيئة الزكاة والدخل', 'Zakat & Income'],
};

const dateOf = (iso: string | undefined) => (iso ? riyadhDate(new Date(iso)) : undefined);

/** The holder's message for a change, rendered from the state it leaves the license in. */
export function licenseSms(t: LicenseTransition): { ar: string; en: string } | undefined {
  if (!LICENSE_SMS_EVENTS.has(t.event)) return undefined;
  const s = t.state;
  const outstanding = s.cancellation
    ? AGENCIES.filter((a) => s.cancellation!.clearances[a] && !s.cancellation!.clearances[a]!.cleared).map((a) => {
        const c = s.cancellation!.clearances[a]!;
        const what = c.unavailable ? 'unavailable' : c.outstanding.join(', ');
        return { ar: `${AGENCY_NAMES[a][0]}: ${what}`, en: `${AGENCY_NAMES[a][1]}: ${what}` };
      })
    : [];
  return renderLicenseSms(t.event, {
    licenseNumber: s.number,
    tradeName: s.tradeName,
    expiresOn: s.expiresOn,
    daysLeft: typeof t.details?.daysLeft === 'number' ? t.details.daysLeft : undefined,
    deficiencyCount: s.renewal?.deficiencies.length,
    dueDate: dateOf(s.renewal?.correctionDueAt ?? s.suspension?.objectionDueAt ?? s.cancellation?.dueAt),
    fixBy: dateOf(typeof t.details?.fixBy === 'string' ? t.details.fixBy : undefined),
    violations: Array.isArray(t.details?.violations) ? (t.details.violations as { code: string }[]).map((v) => v.code).join(', ') : undefined,
    reason: typeof t.details?.reason === 'string' ? t.details.reason : s.suspension?.reason,
    outstanding: { ar: outstanding.map((o) => o.ar).join('؛ '), en: outstanding.map((o) => o.en).join('; ') },
    ...invoiceOf(t),
  });
}

/** A renewal's invoice: on the renewal while it waits, in the details once it is paid or lapsed unpaid. */
function invoiceOf(t: LicenseTransition) {
  const inv = t.state.renewal?.invoice ?? (t.details?.invoice as InvoiceRef | undefined);
  if (!inv) return {};
  return { amount: formatSar(inv.amountHalalas), billNumber: inv.billNumber, invoiceDue: dateOf(inv.dueAt), receiptNumber: inv.receiptNumber };
}

/** What a renewal or cancellation under way shows in the projection. */
function pendingOf(s: LicenseTransition['state']): Record<string, unknown> | null {
  if (s.renewal) return { renewal: s.renewal };
  if (s.cancellation) return { cancellation: s.cancellation };
  return null;
}

export function createLicenseTransitionActivities(db: Db) {
  return {
    /**
     * Writes one change of a license. Every write hangs off the timeline
     * insert, whose (number, seq) key makes a retry write nothing; the row
     * moves only forward (transition_seq), as do its tasks' rows (seq), and
     * the SMS's dedupe key is the change's own, so the holder hears of it once.
     */
    async recordLicenseTransition(t: LicenseTransition): Promise<void> {
      const s = t.state;
      const sms = licenseSms(t);
      // One shape of statement whatever the change (it is prepared once): no task change is empty lists and nulls.
      const tasks = t.tasks ?? {};
      const { assign, escalate } = tasks;
      const statement = sql`
        with ev as (
          insert into license_events (license_number, seq, event, status, actor, details, at)
          values (${s.number}, ${t.seq}, ${t.event}::license_event, ${s.status}::license_status, ${t.actor ?? 'system'},
                  ${JSON.stringify(t.details ?? {})}::jsonb, ${t.at}::timestamptz)
          on conflict (license_number, seq) do nothing
          returning license_number
        ), lic as (
          update licenses set status = ${s.status}::license_status, expires_on = ${s.expiresOn}::date,
            -- An imported license's first change keeps the reason its import wrote (a revocation's, a cancellation's).
            status_reason = coalesce(${s.suspension?.reason ?? (typeof t.details?.reason === 'string' && (s.status === 'revoked' || s.status === 'cancelled') ? t.details.reason : null)},
                                     case when ${t.event} = 'imported' then status_reason end),
            suspended_by = ${s.suspension ? (s.suspension.agency ?? 'municipality') : null}, objection_due_at = ${s.suspension?.objectionDueAt ?? null}::timestamptz,
            pending = ${JSON.stringify(pendingOf(s))}::jsonb, renewals = ${s.renewals},
            last_renewed_on = case when ${t.event} = 'renewed' then ${riyadhDate(new Date(t.at))}::date else last_renewed_on end,
            last_renewal_late = ${s.lastRenewalLate ?? null},
            office_id = coalesce(${s.officeId ?? null}, office_id), holder_name = ${s.holder.name}, holder_mobile = ${s.holder.mobile},
            transition_seq = ${t.seq}, updated_at = ${t.at}::timestamptz
          where number = ${s.number} and transition_seq < ${t.seq} and exists (select 1 from ev)
        ), task_open as (
          insert into tasks (id, application_id, license_number, kind, required_role, office_id, status, round, created_at, due_at, license_kind, trade_name, cr_number, seq)
          select o->>'id', l.application_id, l.number, (o->>'kind')::task_kind, (o->>'requiredRole')::role, o->>'officeId', 'open', (o->>'round')::int,
                 ${t.at}::timestamptz, (o->>'dueAt')::timestamptz, l.license_kind, l.trade_name, l.cr_number, ${t.seq}
          from ev join licenses l on l.number = ev.license_number cross join jsonb_array_elements(${JSON.stringify(tasks.open ?? [])}::jsonb) o
          on conflict (id) do nothing
        ), task_close as (
          update tasks k set status = (c->>'status')::task_status, decided_at = ${t.at}::timestamptz, decision = c->>'decision',
            reasons = array(select jsonb_array_elements_text(coalesce(c->'reasons', '[]'::jsonb))), comment = c->>'comment', seq = ${t.seq}
          from ev cross join jsonb_array_elements(${JSON.stringify(tasks.close ?? [])}::jsonb) c
          where k.id = c->>'id' and k.status in ('open', 'claimed')
        ), task_assign as (
          update tasks k set assignee = ${assign?.assignee ?? null}::text,
            status = case when ${assign?.assignee ?? null}::text is null then 'open'::task_status else 'claimed'::task_status end,
            claimed_at = case when ${assign?.assignee ?? null}::text is null then null else ${t.at}::timestamptz end, seq = ${t.seq}
          from ev where k.id = ${assign?.id ?? null}::text and k.status in ('open', 'claimed') and k.seq < ${t.seq}
        ), task_escalate as (
          update tasks k set priority = greatest(k.priority, ${escalate?.priority ?? 0}::int), seq = ${t.seq}
          from ev where k.id = ${escalate?.id ?? null}::text and k.status in ('open', 'claimed') and k.seq < ${t.seq}
        ), sms as (
          insert into sms_outbox (license_number, dedupe_key, event, mobile, body_ar, body_en)
          select ${s.number}, ${`license:${s.number}:${t.seq}`}, ${t.event}, ${s.holder.mobile}, ${sms?.ar ?? null}, ${sms?.en ?? null}
          from ev where ${sms ? 1 : 0} = 1
          on conflict (dedupe_key) do nothing
        )
        select 1`;
      try {
        await executeNamed(db, 'record_license_transition', statement);
      } catch (err) {
        const e = err as { code?: string; cause?: { code?: string } };
        // The timeline's foreign key: no licenses row, and retrying will not make one.
        if (e.code === '23503' || e.cause?.code === '23503') {
          throw ApplicationFailure.nonRetryable(`license ${s.number} has no row`, 'MissingLicenseRow');
        }
        throw err;
      }
    },
  };
}
