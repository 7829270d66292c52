// Getting a stored agency report to its dispatch workflow. The API starts the
// workflow right after storing the report; when Temporal cannot take the start
// (down, unreachable), the report stays with no start recorded and the sweep,
// run where the workers run, starts it later. Starting is idempotent on the
// workflow id, so the API, a replayed report and the sweep may all try.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { AgencyReport, AgencyReportKind } from '../../domain/agency-reports';
import type { Agency } from '../../domain/status';
import { rowsOf, type Db } from '../../db/client';
import { AGENCY_REPORT_WORKFLOW_TYPE, agencyReportWorkflowId } from '../../workflows/agency-reports/contract';

/** A report this recent may still be being started by the request that stored it: the sweep leaves it alone. */
const SWEEP_GRACE = '10 seconds';
/** Reports started per sweep: a backlog after a long outage is worked off over a few sweeps, not in one burst. */
const SWEEP_BATCH = 100;

interface Logger {
  warn(obj: object, msg: string): void;
}

export class AgencyReportDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly log: Logger = console,
  ) {}

  /** Starts the report's dispatch (or finds it started) and records that; false when Temporal could not take it. */
  async start(report: AgencyReport): Promise<boolean> {
    try {
      await this.temporal.workflow.start(AGENCY_REPORT_WORKFLOW_TYPE, {
        workflowId: agencyReportWorkflowId(report.agency, report.id),
        taskQueue: this.taskQueue,
        args: [report],
        // A second start while it runs finds it; once it has completed, it never runs again.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        this.log.warn({ err, report: report.id, agency: report.agency }, 'agency report kept; its dispatch will be started by the sweep');
        return false;
      }
    }
    await this.db.execute(sql`
      update agency_reports set workflow_started_at = now()
      where agency = ${report.agency} and report_id = ${report.id} and workflow_started_at is null`);
    return true;
  }

  /** Starts the dispatch of reports stored while Temporal could not take it; how many it started. */
  async sweep(): Promise<number> {
    const rows = await rowsOf<{ agency: Agency; report_id: string; cr_number: string; kind: AgencyReportKind; reason: string; reported_at: string }>(this.db, sql`
      select agency, report_id, cr_number, kind, reason, reported_at from agency_reports
      where workflow_started_at is null and received_at < now() - ${SWEEP_GRACE}::interval
      order by received_at limit ${SWEEP_BATCH}`);
    let started = 0;
    for (const r of rows) {
      const report: AgencyReport = { id: r.report_id, agency: r.agency, crNumber: r.cr_number, kind: r.kind, reason: r.reason, reportedAt: new Date(r.reported_at).toISOString() };
      // Temporal still down: the rest would fail the same way; the next sweep tries again.
      if (!(await this.start(report))) break;
      started += 1;
    }
    return started;
  }

  startSweeping(everyMs: number): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.log.warn({ err }, 'agency report sweep failed; it runs again'))
        .finally(() => (this.running = undefined));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
