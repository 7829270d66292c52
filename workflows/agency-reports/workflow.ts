// One report's dispatch, started by the API when the report is stored (or by
// the sweep when Temporal was down then): the open cases of the CR number that
// wait on the reporting agency are asked to recheck it (the same signal as an
// operator's recheck), and every license of the CR number is told. Temporal
// delivers each signal once; a workflow that does not run (a license whose
// workflow is not started yet, a case closed since) is recorded, not retried.
import { ApplicationFailure, getExternalWorkflowHandle, type ExternalWorkflowHandle } from '@temporalio/workflow';
import type { AgencyReport, AgencyReportDispatch, DeliveryOutcome } from '../../domain/agency-reports';
import { recheckAgenciesSignal, workflowIdFor } from '../application/contract';
import { db } from '../application/activities';
import { agencyReportSignal, licenseWorkflowId } from '../license/contract';

/** How the SDK's core words a signal whose target is not running (the failure carries no type of its own). */
const NOT_FOUND = /not found/i;

async function deliver(workflowId: string, send: (h: ExternalWorkflowHandle) => Promise<void>): Promise<DeliveryOutcome> {
  try {
    await send(getExternalWorkflowHandle(workflowId));
    return 'signalled';
  } catch (err) {
    if (err instanceof ApplicationFailure && NOT_FOUND.test(err.message)) return 'not_found';
    throw err;
  }
}

export async function agencyReportDispatch(report: AgencyReport): Promise<AgencyReportDispatch> {
  const targets = await db.agencyReportTargets(report);
  const message = { reportId: report.id, agency: report.agency, kind: report.kind, reason: report.reason, reportedAt: report.reportedAt };
  const [applications, licenses] = await Promise.all([
    Promise.all(targets.applications.map(async (id) => ({ id, outcome: await deliver(workflowIdFor(id), (h) => h.signal(recheckAgenciesSignal)) }))),
    Promise.all(targets.licenses.map(async (number) => ({ number, outcome: await deliver(licenseWorkflowId(number), (h) => h.signal(agencyReportSignal, message)) }))),
  ]);
  const dispatch: AgencyReportDispatch = { applications, licenses };
  await db.recordAgencyReportDispatch({ agency: report.agency, reportId: report.id, dispatch });
  return dispatch;
}
