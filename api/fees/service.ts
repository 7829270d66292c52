// The fee schedule: read by anyone (the municipality publishes its fees),
// replaced by an administrator as a new version (the old ones are kept, and
// each invoice names the version it was computed from).
import type { Db } from '../../db/client';
import { currentFeeSchedule, feeScheduleVersions, saveFeeSchedule } from '../../db/payments';
import { invoiceLines, invoiceTotal, scheduleProblems, type FeeQuestion, type FeeSchedule } from '../../domain/fees';
import { badRequest, conflict } from '../errors';
import type { FeeScheduleBody } from './schemas';

export class FeeService {
  constructor(private readonly db: Db) {}

  current(): Promise<FeeSchedule> {
    return currentFeeSchedule(this.db);
  }

  versions(limit: number): Promise<FeeSchedule[]> {
    return feeScheduleVersions(this.db, limit);
  }

  async replace(body: FeeScheduleBody, by: string): Promise<FeeSchedule> {
    const problems = scheduleProblems(body.bands, body.settings);
    if (problems.length > 0) throw badRequest(problems[0]!.field, problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    const saved = await saveFeeSchedule(this.db, body.version, { bands: body.bands, settings: body.settings, createdBy: by, reason: body.reason });
    if (!saved) {
      const now = await currentFeeSchedule(this.db);
      throw conflict(`the schedule is at version ${now.version}, not ${body.version}: reload it and make the change again`, 'schedule_changed');
    }
    return saved;
  }

  /** What the schedule in force would charge: the same computation as the invoice's. */
  async quote(q: FeeQuestion) {
    const schedule = await currentFeeSchedule(this.db);
    const lines = invoiceLines(schedule, q);
    return { version: schedule.version, lines, amountHalalas: invoiceTotal(lines) };
  }
}
