// The agency_reports rows the intake writes and reads.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { agencyReports } from '../../db/schema';
import type { AgencyReport } from '../../domain/agency-reports';

export type AgencyReportRow = typeof agencyReports.$inferSelect;

export class AgencyReportStore {
  constructor(private readonly db: Db) {}

  /** The row, if this report is new; undefined when the agency sent this id before. */
  async insert(report: AgencyReport, bodyHash: string): Promise<AgencyReportRow | undefined> {
    const [row] = await this.db
      .insert(agencyReports)
      .values({ agency: report.agency, reportId: report.id, crNumber: report.crNumber, kind: report.kind, reason: report.reason, reportedAt: new Date(report.reportedAt), bodyHash })
      .onConflictDoNothing()
      .returning();
    return row;
  }

  async find(report: Pick<AgencyReport, 'agency' | 'id'>): Promise<AgencyReportRow | undefined> {
    const [row] = await this.db
      .select()
      .from(agencyReports)
      .where(and(eq(agencyReports.agency, report.agency), eq(agencyReports.reportId, report.id)));
    return row;
  }
}
