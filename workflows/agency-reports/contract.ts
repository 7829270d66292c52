// The contract of an agency report's dispatch (workflow.ts): one workflow per
// report, started by the API at intake or by the sweep. Safe to import from the sandbox.
import type { Agency } from '../../domain/status';

export const AGENCY_REPORT_WORKFLOW_TYPE = 'agencyReportDispatch';

/** One per report: a second start (a replayed report, the sweep) finds the first instead of dispatching twice. */
export const agencyReportWorkflowId = (agency: Agency, reportId: string): string => `agency-report:${agency}:${reportId}`;
