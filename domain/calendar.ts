// Working time, as the municipality counts it: Sunday to Thursday, minus public
// holidays, in Riyadh time (UTC+3 all year). SLAs are in working days; a
// fraction of a day counts as that share of 24 hours of a working day, so tests
// can use SLAs of seconds on a seven-day week.

export interface WorkCalendar {
  /** Days of the week that are worked: 0 = Sunday … 6 = Saturday. */
  workDays: ReadonlySet<number>;
  /** Public holidays, as local dates (YYYY-MM-DD). */
  holidays: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;
/** Riyadh keeps UTC+3 all year (no daylight saving). */
export const RIYADH_OFFSET_MS = 3 * 3_600_000;

/** The local date in Riyadh, YYYY-MM-DD: licenses, deadlines and documents are dated locally. */
export function riyadhDate(d: Date): string {
  return new Date(d.getTime() + RIYADH_OFFSET_MS).toISOString().slice(0, 10);
}

/** Local date and time in Riyadh, to the minute: "2026-11-30 10:30". */
export function riyadhDateTime(d: Date): string {
  return new Date(d.getTime() + RIYADH_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

export const SUNDAY_TO_THURSDAY: ReadonlySet<number> = new Set([0, 1, 2, 3, 4]);

function isWorkDay(localMidnight: number, cal: WorkCalendar): boolean {
  const d = new Date(localMidnight);
  return cal.workDays.has(d.getUTCDay()) && !cal.holidays.has(d.toISOString().slice(0, 10));
}

/** `start` plus `days` working days (fractions allowed): weekends and holidays do not count. */
export function addWorkingDays(start: Date, days: number, cal: WorkCalendar): Date {
  if (cal.workDays.size === 0) throw new Error('a calendar needs at least one working day a week');
  let remaining = days * DAY_MS;
  // Work in "local epoch" milliseconds, where midnight is a multiple of a day.
  let t = start.getTime() + RIYADH_OFFSET_MS;
  for (let guard = 0; guard < 100_000; guard++) {
    const midnight = Math.floor(t / DAY_MS) * DAY_MS;
    if (isWorkDay(midnight, cal)) {
      const take = Math.min(remaining, midnight + DAY_MS - t);
      t += take;
      remaining -= take;
      if (remaining <= 0) return new Date(t - RIYADH_OFFSET_MS);
    } else {
      t = midnight + DAY_MS;
    }
  }
  throw new Error('no working time found: the calendar has no working days ahead');
}

/** Parses WORK_WEEK ("0,1,2,3,4"). */
export function parseWorkWeek(value: string): Set<number> {
  const days = value.split(',').map((x) => Number(x.trim()));
  if (days.length === 0 || days.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) {
    throw new Error(`"${value}" is not a list of weekdays 0 (Sunday) to 6 (Saturday)`);
  }
  return new Set(days);
}

/** A calendar date `months` later, on the same day or the month's last (Jan 31 + 1 month = Feb 28). */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export const isIsoDate = (v: string): boolean => ISO_DATE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
