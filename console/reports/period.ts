// The period a report page is for, from its form (Riyadh dates, both ends
// included, as GET /reports takes them), and its parts for the chart over
// time: days for a month, months for up to three years, years beyond.
import type { Period } from '../../api/reports/service';

export type { Period };
export type Granularity = 'day' | 'month' | 'year';

const ISO_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const DAY_MS = 86_400_000;
/** Riyadh keeps UTC+3 all year. */
const RIYADH_OFFSET_MS = 3 * 3_600_000;
/** A year of months, this one included: what a supervisor compares this month with. */
const DEFAULT_MONTHS = 12;
/** Up to this many days a column a day still reads; beyond, a column a month. */
const MAX_DAY_COLUMNS = 31;
const MAX_MONTH_COLUMNS = 36;
/** A column a year beyond that; more than this is not a report anyone reads (and one query a column). */
const MAX_YEARS = 10;

const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
/** Midnight UTC of an ISO date, if it is a real date. */
function dayOf(s: string): number | undefined {
  if (!ISO_DATE.test(s)) return undefined;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(t) || iso(t) !== s ? undefined : t;
}
const ymd = (s: string) => s.split('-').map(Number) as [number, number, number];

export const riyadhToday = (now = Date.now()): string => iso(now + RIYADH_OFFSET_MS);

/** The last twelve months, this one included, up to today. */
export function defaultPeriod(today = riyadhToday()): Period {
  const [y, m] = ymd(today);
  return { from: iso(Date.UTC(y, m - DEFAULT_MONTHS, 1)), to: today };
}

function granularity({ from, to }: Period): Granularity | undefined {
  const [fy, fm] = ymd(from);
  const [ty, tm] = ymd(to);
  if ((dayOf(to)! - dayOf(from)!) / DAY_MS + 1 <= MAX_DAY_COLUMNS) return 'day';
  if ((ty - fy) * 12 + tm - fm + 1 <= MAX_MONTH_COLUMNS) return 'month';
  return ty - fy + 1 <= MAX_YEARS ? 'year' : undefined;
}

/** The period the query asks for (a missing end: the default's), or what was typed when it is not one. */
export function askedPeriod(query: unknown): { period: Period } | { invalid: Period } {
  const q = (query ?? {}) as Record<string, unknown>;
  const fallback = defaultPeriod();
  // As typed, cut to a date's length: it goes back into the form.
  const field = (v: unknown, otherwise: string) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 10) : otherwise);
  const asked = { from: field(q.from, fallback.from), to: field(q.to, fallback.to) };
  const from = dayOf(asked.from);
  const to = dayOf(asked.to);
  return from === undefined || to === undefined || to < from || !granularity(asked) ? { invalid: asked } : { period: asked };
}

/** The period cut into consecutive parts (the first and last clipped to it), one column of the chart each. */
export function partsOf(p: Period): { granularity: Granularity; parts: Period[] } {
  const unit = granularity(p) ?? 'year';
  const parts: Period[] = [];
  const end = dayOf(p.to)!;
  for (let start = dayOf(p.from)!; start <= end; ) {
    const [y, m, d] = ymd(iso(start));
    const next = unit === 'day' ? Date.UTC(y, m - 1, d + 1) : unit === 'month' ? Date.UTC(y, m, 1) : Date.UTC(y + 1, 0, 1);
    parts.push({ from: iso(start), to: iso(Math.min(next - DAY_MS, end)) });
    start = next;
  }
  return { granularity: unit, parts };
}
