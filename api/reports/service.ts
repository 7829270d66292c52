// The figures the municipality publishes and the ones offices compete on, for
// any period. A period is a cohort: the applications submitted in it (Riyadh
// dates, inclusive), and where each of them stands now, as the Amanah's
// annual figures count them ("received 7,000; issued 6,284; excluded 687; the
// rest still open").
import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client';
import { badRequest } from '../errors';

export interface Period {
  from: string;
  to: string;
}

const OUTCOMES = sql`
  count(*)::int as received,
  count(*) filter (where a.status = 'issued')::int as issued,
  count(*) filter (where a.status = 'excluded' and a.exclusion_reason = 'incomplete')::int as excluded_incomplete,
  count(*) filter (where a.status = 'excluded' and a.exclusion_reason = 'conditions')::int as excluded_conditions,
  count(*) filter (where a.status = 'rejected')::int as rejected,
  count(*) filter (where a.status = 'in_progress')::int as open`;

type Outcomes = { received: number; issued: number; excluded_incomplete: number; excluded_conditions: number; rejected: number; open: number };

const outcomes = (r: Outcomes) => ({
  received: r.received,
  issued: r.issued,
  excludedIncomplete: r.excluded_incomplete,
  excludedConditions: r.excluded_conditions,
  rejected: r.rejected,
  open: r.open,
});

/** The cohort's bounds as instants: midnight in Riyadh (UTC+3) at both ends, the end exclusive. */
function bounds(p: Period) {
  if (p.to < p.from) throw badRequest('querystring/to', 'querystring/to: the period ends before it starts');
  const start = new Date(`${p.from}T00:00:00+03:00`);
  const end = new Date(new Date(`${p.to}T00:00:00+03:00`).getTime() + 86_400_000);
  return { start, end };
}

const round = (x: number | null, digits = 3) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

export class ReportService {
  constructor(private readonly db: Db) {}

  /** Received, issued, excluded (incomplete / conditions), rejected and still open: in all, per license kind, per office. */
  async summary(p: Period) {
    const { start, end } = bounds(p);
    const rows = await rowsOf<Outcomes & { license_kind: string | null; office_id: string | null; office_name: string | null; g: number }>(this.db, sql`
      select a.license_kind::text as license_kind, a.office_id, max(o.name) as office_name,
             grouping(a.license_kind, a.office_id) as g, ${OUTCOMES}
      from applications a left join offices o on o.id = a.office_id
      where a.submitted_at >= ${start} and a.submitted_at < ${end}
      group by grouping sets ((), (a.license_kind), (a.office_id))
      order by 1 nulls first, 2 nulls first`);
    // grouping(): 3 = the total, 1 = by license kind, 2 = by office.
    const total = rows.find((r) => r.g === 3);
    return {
      period: p,
      total: outcomes(total ?? { received: 0, issued: 0, excluded_incomplete: 0, excluded_conditions: 0, rejected: 0, open: 0 }),
      byLicenseKind: rows.filter((r) => r.g === 1).map((r) => ({ licenseKind: r.license_kind!, ...outcomes(r) })),
      byOffice: rows.filter((r) => r.g === 2).map((r) => ({ officeId: r.office_id, officeName: r.office_name, ...outcomes(r) })),
    };
  }

  /**
   * Per office: volume, days from submission to issuance (median, p90), the
   * share complete on first submission (never asked for a correction), review
   * SLA compliance (decided by the due time) and exclusions by reason.
   */
  async offices(p: Period) {
    const { start, end } = bounds(p);
    type Row = Outcomes & {
      office_id: string | null;
      office_name: string | null;
      median_days: number | null;
      p90_days: number | null;
      first_time_complete: number;
      reviews_decided: number;
      reviews_on_time: number;
    };
    const rows = await rowsOf<Row>(this.db, sql`
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
    return {
      period: p,
      offices: rows.map((r) => ({
        officeId: r.office_id,
        officeName: r.office_name,
        ...outcomes(r),
        medianDaysToIssue: round(r.median_days, 2),
        p90DaysToIssue: round(r.p90_days, 2),
        firstTimeCompleteShare: r.received ? round(r.first_time_complete / r.received) : null,
        reviewsDecided: r.reviews_decided,
        slaComplianceShare: r.reviews_decided ? round(r.reviews_on_time / r.reviews_decided) : null,
      })),
    };
  }
}

/** A text cell a spreadsheet would read as a formula (OWASP's list): `=HYPERLINK(...)` in an office's name, say. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Excel reads a CSV as the machine's code page unless it starts with this mark; with it, Arabic shows as Arabic. */
const UTF8_BOM = '\uFEFF';

/**
 * A report's rows as CSV (RFC 4180): a header, then one line per row. Text
 * that would start a formula is prefixed with an apostrophe, which the
 * spreadsheet shows as plain text; numbers are left as numbers.
 */
export function toCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return UTF8_BOM;
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => {
    const raw = v === null || v === undefined ? '' : String(v);
    const s = typeof v === 'string' && FORMULA_START.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return UTF8_BOM + [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
