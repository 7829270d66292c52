// The reports' SQL: one pass over a cohort of the projection per report.
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client';

const OUTCOMES = sql`
  count(*)::int as received,
  count(*) filter (where a.status = 'issued')::int as issued,
  count(*) filter (where a.status = 'excluded' and a.exclusion_reason = 'incomplete')::int as excluded_incomplete,
  count(*) filter (where a.status = 'excluded' and a.exclusion_reason = 'conditions')::int as excluded_conditions,
  count(*) filter (where a.status = 'excluded' and a.exclusion_reason = 'unpaid')::int as excluded_unpaid,
  count(*) filter (where a.status = 'rejected')::int as rejected,
  count(*) filter (where a.status = 'cancelled')::int as cancelled,
  count(*) filter (where a.status = 'in_progress')::int as open`;

/** Every status is a column, so the outcomes add up to what was received. */
export type Outcomes = { received: number; issued: number; excluded_incomplete: number; excluded_conditions: number; excluded_unpaid: number; rejected: number; cancelled: number; open: number };

/** The period's cohort: [start, end) by submission time. */
export interface Cohort {
  start: Date;
  end: Date;
}

export type OfficeFigures = Outcomes & {
  office_id: string | null;
  office_name: string | null;
  median_days: number | null;
  p90_days: number | null;
  first_time_complete: number;
  reviews_decided: number;
  reviews_on_time: number;
};

export class ReportStore {
  constructor(private readonly db: Db) {}

  /** The cohort's outcomes in all (g = 3), per license kind (g = 1) and per office (g = 2). */
  outcomes({ start, end }: Cohort) {
    return rowsOf<Outcomes & { license_kind: string | null; office_id: string | null; office_name: string | null; g: number }>(this.db, sql`
      select a.license_kind::text as license_kind, a.office_id, max(o.name) as office_name,
             grouping(a.license_kind, a.office_id) as g, ${OUTCOMES}
      from applications a left join offices o on o.id = a.office_id
      where a.submitted_at >= ${start} and a.submitted_at < ${end}
      group by grouping sets ((), (a.license_kind), (a.office_id))
      order by 1 nulls first, 2 nulls first`);
  }

  /** Per office of the cohort: outcomes, days to issuance, first-time completeness, reviews decided and on time. */
  officeFigures({ start, end }: Cohort) {
    return rowsOf<OfficeFigures>(this.db, sql`
      with cohort as (
        select a.* from applications a where a.submitted_at >= ${start} and a.submitted_at < ${end}
      ), corrected as (
        select distinct e.application_id from application_events e join cohort c on c.id = e.application_id
        where e.event = 'correction_requested'
      ), reviews as (
        select t.office_id, count(*)::int as decided, count(*) filter (where t.decided_at <= t.due_at)::int as on_time
        from tasks t join cohort c on c.id = t.application_id
        where t.status = 'completed' and t.kind in ('health_review', 'technical_review')
        group by t.office_id
      )
      select a.office_id, max(o.name) as office_name, ${OUTCOMES},
        percentile_cont(0.5) within group (order by extract(epoch from a.closed_at - a.submitted_at) / 86400)
          filter (where a.status = 'issued') as median_days,
        percentile_cont(0.9) within group (order by extract(epoch from a.closed_at - a.submitted_at) / 86400)
          filter (where a.status = 'issued') as p90_days,
        count(*) filter (where a.id not in (select application_id from corrected))::int as first_time_complete,
        coalesce(max(r.decided), 0)::int as reviews_decided, coalesce(max(r.on_time), 0)::int as reviews_on_time
      from cohort a
      left join offices o on o.id = a.office_id
      left join reviews r on r.office_id is not distinct from a.office_id
      group by a.office_id
      order by count(*) desc, a.office_id`);
  }

  /** Licenses as they stand now, in all (g = 1) and per kind (g = 0): by status, and those in force expiring within `soonDays`. */
  licenseStanding(today: string, soonDays: number) {
    return rowsOf<LicenseStanding & { license_kind: string | null; g: number }>(this.db, sql`
      select l.license_kind::text as license_kind, grouping(l.license_kind) as g,
        count(*)::int as total,
        count(*) filter (where l.status = 'active')::int as active,
        count(*) filter (where l.status = 'renewal_open')::int as renewal_open,
        count(*) filter (where l.status in ('active', 'renewal_open') and l.expires_on <= ${today}::date + ${soonDays}::int)::int as expiring_soon,
        count(*) filter (where l.status = 'expired')::int as expired,
        count(*) filter (where l.status = 'suspended')::int as suspended,
        count(*) filter (where l.status = 'revoked')::int as revoked,
        count(*) filter (where l.status = 'cancelled')::int as cancelled
      from licenses l
      group by grouping sets ((), (l.license_kind))
      order by 1 nulls first`);
  }

  /**
   * The renewals decided in the period, by when their outcome was written:
   * renewed on time, renewed late (in grace), and never renewed (the grace
   * period ended). A license still in its window or its grace is not decided yet.
   */
  renewals({ start, end }: Cohort) {
    return rowsOf<{ renewed_on_time: number; renewed_late: number; lapsed: number }>(this.db, sql`
      select
        count(*) filter (where e.event = 'renewed' and coalesce((e.details->>'late')::boolean, false) = false)::int as renewed_on_time,
        count(*) filter (where e.event = 'renewed' and (e.details->>'late')::boolean)::int as renewed_late,
        count(*) filter (where e.event = 'grace_ended')::int as lapsed
      from license_events e
      where e.event in ('renewed', 'grace_ended') and e.at >= ${start} and e.at < ${end}`);
  }
}

export type LicenseStanding = {
  total: number;
  active: number;
  renewal_open: number;
  expiring_soon: number;
  expired: number;
  suspended: number;
  revoked: number;
  cancelled: number;
};

/** The inspections of a period and those open now, in all (g = 1) and per district (g = 0): see ReportStore.inspections. */
export type InspectionFigures = {
  district: string | null;
  g: number;
  came_due: number;
  done_on_time: number;
  done_late: number;
  withdrawn: number;
  open_overdue: number;
  open_due: number;
  pass: number;
  noted: number;
  fix: number;
  closure: number;
  violations: number;
};

export type ViolationFigures = {
  code: string;
  text_ar: string | null;
  text_en: string | null;
  severity: string;
  violations: number;
  inspections: number;
};

/**
 * The inspections whose result was recorded in the period, each with what its
 * timeline row recorded: the event (`inspection_passed`,
 * `inspection_violations`, or the `suspended` a closure is) and its
 * violations, each with the severity it had when it was found. The row is
 * written in the same statement that completes the task (activities/license/transitions.ts).
 */
const recorded = ({ start, end }: Cohort) => sql`
  select t.id, t.license_number, t.decided_at <= t.due_at as on_time, e.event,
         coalesce(e.details->'violations', '[]'::jsonb) as violations
  from tasks t
  left join lateral (
    select e.event, e.details from license_events e
    where e.license_number = t.license_number and e.details->>'taskId' = t.id
      and e.event in ('inspection_passed', 'inspection_violations', 'suspended')
    order by e.seq limit 1
  ) e on true
  where t.kind = 'inspection' and t.status = 'completed' and t.decided_at >= ${start} and t.decided_at < ${end}`;

export class InspectionReportStore {
  constructor(private readonly db: Db) {}

  /**
   * Inspection tasks by their establishment's district (the license's, for
   * one imported from before Tarkhees; its case's otherwise): those that came
   * due in the period (opened), those recorded in it on time (by the task's
   * due time, its SLA) or late, those withdrawn in it unrecorded (the license
   * suspended by an agency's report, or cancelled, first), those open now, overdue or not yet; and the
   * recorded ones by outcome, the gravest violation deciding: a closure
   * (suspended), one to fix, only noted, or a pass.
   */
  figures(c: Cohort, now: Date) {
    const { start, end } = c;
    return rowsOf<InspectionFigures>(this.db, sql`
      with inspections as (
        select t.id, t.status, t.created_at, t.due_at, t.decided_at, coalesce(l.district, a.district) as district
        from tasks t
        join licenses l on l.number = t.license_number
        left join applications a on a.id = l.application_id
        where t.kind = 'inspection'
          and (t.status in ('open', 'claimed')
            or (t.created_at >= ${start} and t.created_at < ${end})
            or (t.decided_at >= ${start} and t.decided_at < ${end}))
      ), outcomes as (
        select r.id, r.on_time, jsonb_array_length(r.violations) as violations,
          case when r.event = 'suspended' or r.violations @> '[{"severity": "closure"}]' then 'closure'
               when r.violations @> '[{"severity": "fix"}]' then 'fix'
               when jsonb_array_length(r.violations) > 0 then 'noted'
               else 'pass' end as outcome
        from (${recorded(c)}) r
      )
      select i.district, grouping(i.district) as g,
        count(*) filter (where i.created_at >= ${start} and i.created_at < ${end})::int as came_due,
        count(o.id) filter (where o.on_time)::int as done_on_time,
        count(o.id) filter (where not o.on_time)::int as done_late,
        count(*) filter (where i.status = 'cancelled' and i.decided_at >= ${start} and i.decided_at < ${end})::int as withdrawn,
        count(*) filter (where i.status in ('open', 'claimed') and i.due_at < ${now})::int as open_overdue,
        count(*) filter (where i.status in ('open', 'claimed') and i.due_at >= ${now})::int as open_due,
        count(*) filter (where o.outcome = 'pass')::int as pass,
        count(*) filter (where o.outcome = 'noted')::int as noted,
        count(*) filter (where o.outcome = 'fix')::int as fix,
        count(*) filter (where o.outcome = 'closure')::int as closure,
        coalesce(sum(o.violations), 0)::int as violations
      from inspections i left join outcomes o on o.id = i.id
      group by grouping sets ((), (i.district))
      order by g desc, i.district collate "C" nulls last`);
  }

  /**
   * The violations found in the period's recorded inspections, by code: how
   * often, in how many inspections, with the code's words and severity as the
   * table has them now (as recorded, for a code since taken out of the table).
   */
  violationsByCode(c: Cohort) {
    return rowsOf<ViolationFigures>(this.db, sql`
      select v->>'code' as code, vc.text_ar, vc.text_en, coalesce(vc.severity::text, max(v->>'severity')) as severity,
        count(*)::int as violations, count(distinct r.id)::int as inspections
      from (${recorded(c)}) r
      cross join jsonb_array_elements(r.violations) v
      left join violation_codes vc on vc.code = v->>'code'
      group by v->>'code', vc.text_ar, vc.text_en, vc.severity
      order by count(*) desc, v->>'code'`);
  }
}

/**
 * A payment is received when the municipality took the money in: applied to
 * its invoice, or refunded since (it came in, then went back, and the refund
 * is counted on its own day). A payment still held (another amount, a bill
 * already closed, no such bill) waits on an administrator and is neither yet.
 */
const RECEIVED = sql`p.status in ('applied', 'refunded')`;

/** A day as the municipality keeps its books: the Riyadh date of an instant. */
const riyadhDay = (column: SQL) => sql`to_char(${column} at time zone 'Asia/Riyadh', 'YYYY-MM-DD')`;

/** One line of the period's revenue: `dimension` says which breakdown it is in ('total' for the whole). */
export type RevenueLine = {
  dimension: 'total' | 'day' | 'license_kind' | 'activity' | 'office' | 'basis';
  day: string | null;
  license_kind: string | null;
  isic_code: string | null;
  activity_ar: string | null;
  activity_en: string | null;
  office_id: string | null;
  office_name: string | null;
  basis: string | null;
  count: number;
  /** int8: a string from pg; the service makes it a number. */
  halalas: string | number;
};

export type RefundLine = { dimension: 'total' | 'day' | 'reason'; day: string | null; reason: string | null; count: number; halalas: string | number };

/** Invoices open at an instant, in all (g = 3), per license kind (g = 1) and per office (g = 2). */
export type OutstandingLine = {
  g: number;
  license_kind: string | null;
  office_id: string | null;
  office_name: string | null;
  count: number;
  halalas: string | number;
  overdue_count: number;
  overdue_halalas: string | number;
};

export type OutstandingInvoice = {
  id: string;
  basis: string;
  application_id: string | null;
  license_number: string | null;
  bill_number: string | null;
  amount_halalas: number;
  due_at: string;
  overdue: boolean;
  license_kind: string;
  office_id: string | null;
  office_name: string | null;
  trade_name: string;
};

/**
 * Open at `asOf`: raised by then and not yet paid, expired or cancelled (an
 * invoice's closed_at is when its row left 'open'). At this instant that is
 * exactly status 'open'; a paid one counts as open until its payment was
 * recorded, as the books stood, not from the bank's paid_at.
 */
const openAt = (asOf: Date) => sql`i.created_at <= ${asOf} and (i.status = 'open' or i.closed_at > ${asOf})`;

export class RevenueReportStore {
  constructor(private readonly db: Db) {}

  /**
   * The payments received in the period by their bank time (paid_at), in all
   * and by each breakdown: the Riyadh day, and their invoice's license kind,
   * activity (ISIC code, named by the longest activity_rules prefix), office
   * and basis. A payment of no invoice (an unknown bill, refunded) is on each
   * breakdown's null line, so every breakdown adds up to the total.
   */
  received({ start, end }: Cohort) {
    return rowsOf<RevenueLine>(this.db, sql`
      with received as (
        select p.amount_halalas, ${riyadhDay(sql`p.paid_at`)} as day, i.license_kind::text as license_kind, i.isic_code,
               i.office_id, i.basis::text as basis, act.name_ar as activity_ar, act.name_en as activity_en
        from payments p
        left join invoices i on i.id = p.invoice_id
        left join lateral (
          select r.name_ar, r.name_en from activity_rules r
          where i.isic_code like r.isic_prefix || '%' order by length(r.isic_prefix) desc limit 1
        ) act on true
        where ${RECEIVED} and p.paid_at >= ${start} and p.paid_at < ${end}
      )
      select case when grouping(r.day) = 0 then 'day' when grouping(r.license_kind) = 0 then 'license_kind'
                  when grouping(r.isic_code) = 0 then 'activity' when grouping(r.office_id) = 0 then 'office'
                  when grouping(r.basis) = 0 then 'basis' else 'total' end as dimension,
             r.day, r.license_kind, r.isic_code, max(r.activity_ar) as activity_ar, max(r.activity_en) as activity_en,
             r.office_id, max(o.name) as office_name, r.basis,
             count(*)::int as count, coalesce(sum(r.amount_halalas), 0)::bigint as halalas
      from received r left join offices o on o.id = r.office_id
      group by grouping sets ((), (r.day), (r.license_kind), (r.isic_code), (r.office_id), (r.basis))
      order by r.day nulls last, sum(r.amount_halalas) desc nulls last,
               coalesce(r.license_kind, r.isic_code, r.office_id, r.basis) collate "C" nulls last`);
  }

  /** The payments of the period still held for an administrator: neither received nor refunded yet. */
  async held({ start, end }: Cohort) {
    const [row] = await rowsOf<{ count: number; halalas: string | number }>(this.db, sql`
      select count(*)::int as count, coalesce(sum(p.amount_halalas), 0)::bigint as halalas
      from payments p where p.status = 'held' and p.paid_at >= ${start} and p.paid_at < ${end}`);
    return row ?? { count: 0, halalas: 0 };
  }

  /** The refunds decided in the period (refunds.created_at; the gateway confirms later), in all, by Riyadh day and by reason. */
  refunds({ start, end }: Cohort) {
    return rowsOf<RefundLine>(this.db, sql`
      with refunded as (
        select f.amount_halalas, ${riyadhDay(sql`f.created_at`)} as day, f.reason::text as reason
        from refunds f where f.created_at >= ${start} and f.created_at < ${end}
      )
      select case when grouping(r.day) = 0 then 'day' when grouping(r.reason) = 0 then 'reason' else 'total' end as dimension,
             r.day, r.reason, count(*)::int as count, coalesce(sum(r.amount_halalas), 0)::bigint as halalas
      from refunded r
      group by grouping sets ((), (r.day), (r.reason))
      order by r.day nulls last, sum(r.amount_halalas) desc nulls last, r.reason collate "C"`);
  }

  /** The invoices open at `asOf`, and of them those past their due date then: in all, per license kind, per office. */
  outstanding(asOf: Date) {
    return rowsOf<OutstandingLine>(this.db, sql`
      select grouping(i.license_kind, i.office_id) as g, i.license_kind::text as license_kind, i.office_id, max(o.name) as office_name,
             count(*)::int as count, coalesce(sum(i.amount_halalas), 0)::bigint as halalas,
             count(*) filter (where i.due_at < ${asOf})::int as overdue_count,
             coalesce(sum(i.amount_halalas) filter (where i.due_at < ${asOf}), 0)::bigint as overdue_halalas
      from invoices i left join offices o on o.id = i.office_id
      where ${openAt(asOf)}
      group by grouping sets ((), (i.license_kind), (i.office_id))
      order by g desc, sum(i.amount_halalas) desc, coalesce(i.license_kind::text, i.office_id) collate "C" nulls last`);
  }

  /** The open invoices themselves, the longest due first. */
  outstandingInvoices(asOf: Date, limit: number) {
    return rowsOf<OutstandingInvoice>(this.db, sql`
      select i.id, i.basis::text as basis, i.application_id, i.license_number, i.bill_number, i.amount_halalas,
             to_json(i.due_at) #>> '{}' as due_at, i.due_at < ${asOf} as overdue, i.license_kind::text as license_kind,
             i.office_id, o.name as office_name, i.trade_name
      from invoices i left join offices o on o.id = i.office_id
      where ${openAt(asOf)}
      order by i.due_at, i.id
      limit ${limit}`);
  }
}
