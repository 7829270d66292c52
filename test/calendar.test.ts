import { describe, expect, it } from 'vitest';
import { addWorkingDays, parseWorkWeek, SUNDAY_TO_THURSDAY } from '../domain/calendar';

const cal = (holidays: string[] = []) => ({ workDays: SUNDAY_TO_THURSDAY, holidays: new Set(holidays) });
/** A Riyadh local time as a Date. */
const riyadh = (local: string) => new Date(`${local}+03:00`);

describe('working days (Sunday to Thursday, Riyadh time)', () => {
  it('counts whole working days and skips the weekend', () => {
    // Wednesday 10:00 + 3 working days: Thursday, Sunday, Monday → Monday 10:00.
    expect(addWorkingDays(riyadh('2026-11-25T10:00:00'), 3, cal())).toEqual(riyadh('2026-11-30T10:00:00'));
    // Thursday 18:00 + 1 → Sunday 18:00.
    expect(addWorkingDays(riyadh('2026-11-26T18:00:00'), 1, cal())).toEqual(riyadh('2026-11-29T18:00:00'));
  });

  it('starts counting on the next working day when filed on a weekend', () => {
    // Friday 09:00 + 1 working day → the whole of Sunday → Monday 00:00.
    expect(addWorkingDays(riyadh('2026-11-27T09:00:00'), 1, cal())).toEqual(riyadh('2026-11-30T00:00:00'));
  });

  it('skips public holidays', () => {
    // National Day 2026 (Wednesday 23 September) is not worked.
    expect(addWorkingDays(riyadh('2026-09-22T12:00:00'), 1, cal(['2026-09-23']))).toEqual(riyadh('2026-09-24T12:00:00'));
  });

  it('takes fractions of a day, and any week', () => {
    const everyDay = { workDays: parseWorkWeek('0,1,2,3,4,5,6'), holidays: new Set<string>() };
    expect(addWorkingDays(riyadh('2026-11-27T09:00:00'), 0.5, everyDay)).toEqual(riyadh('2026-11-27T21:00:00'));
    expect(addWorkingDays(riyadh('2026-11-27T09:00:00'), 10 / 86_400, everyDay)).toEqual(riyadh('2026-11-27T09:00:10'));
    expect(() => parseWorkWeek('0,1,7')).toThrow(/weekdays/);
  });
});
