// The dispatch workflow's reads and its one write: which open cases and
// licenses a report concerns, and where it went. Idempotent: the targets are
// a read, and recording the dispatch again writes the same row.
import { sql } from 'drizzle-orm';
import { AgencyReportKind, type AgencyReport, type AgencyReportDispatch } from '../../domain/agency-reports';
import { Status, type Agency } from '../../domain/status';
import { rowsOf, type Db } from '../../db/client';

export interface AgencyReportTargets {
  /** Open cases waiting on that agency (on hold, or its call refused or retrying): a `resolved` report asks them to recheck it. */
  applications: string[];
  /** Every license of the CR number: its workflow decides what the report means for it. */
  licenses: string[];
}

export function createAgencyReportActivities(db: Db) {
  return {
    async agencyReportTargets(report: Pick<AgencyReport, 'agency' | 'crNumber' | 'kind'>): Promise<AgencyReportTargets> {
      // A cause against the establishment changes nothing for an application: the agency is asked at linkage anyway.
      const applications =
        report.kind === AgencyReportKind.resolved
          ? await rowsOf<{ id: string }>(db, sql`
              select id from applications
              where cr_number = ${report.crNumber} and status = ${Status.inProgress} and ${report.agency} = any(waiting_on)
              order by id`)
          : [];
      const licenses = await rowsOf<{ number: string }>(db, sql`select number from licenses where cr_number = ${report.crNumber} order by number`);
      return { applications: applications.map((r) => r.id), licenses: licenses.map((r) => r.number) };
    },

    async recordAgencyReportDispatch(input: { agency: Agency; reportId: string; dispatch: AgencyReportDispatch }): Promise<void> {
      await db.execute(sql`
        update agency_reports set dispatch = ${JSON.stringify(input.dispatch)}::jsonb, dispatched_at = coalesce(dispatched_at, now()),
          workflow_started_at = coalesce(workflow_started_at, now())
        where agency = ${input.agency} and report_id = ${input.reportId}`);
    },
  };
}
