// An agency's report: a violation or a closure suspends the license with an
// objection window; a 'resolved' from the agency that caused the suspension
// reinstates it; the window ending with no objection made makes the
// suspension a revocation (an objection is decided in objection.ts).
import { LicenseEvent, LicenseStatus } from '../../domain/status';
import type { AgencyReport } from './contract';
import type { License } from './license';
import { withdrawObjection } from './objection';
import { statusByClock } from './term';

export async function takeReport(l: License, r: AgencyReport): Promise<void> {
  const s = l.state;
  l.remember(r.reportId);
  const details = { reportId: r.reportId, agency: r.agency, kind: r.kind, reason: r.reason, reportedAt: r.reportedAt };
  if (r.kind === 'resolved') {
    if (s.status === LicenseStatus.suspended && s.suspension?.agency === r.agency) return reinstate(l, details);
    // Nothing of this agency's to lift: on the timeline, and nothing changes.
    return void (await l.record(LicenseEvent.reportNoted, { actor: r.agency, details }));
  }
  if (l.final || s.status === LicenseStatus.suspended) return void (await l.record(LicenseEvent.reportNoted, { actor: r.agency, details }));
  // A suspended license is not renewed or cancelled: what was under way stops, said in the suspension's own row.
  const stopped = s.renewal ? 'renewal' : s.cancellation ? 'cancellation' : undefined;
  s.renewal = undefined;
  s.cancellation = undefined;
  s.suspension = {
    reportId: r.reportId,
    agency: r.agency,
    kind: r.kind,
    reason: r.reason,
    since: new Date().toISOString(),
    objectionDueAt: new Date(Date.now() + l.rules!.objectionWindowMs).toISOString(),
    before: s.status,
  };
  s.status = LicenseStatus.suspended;
  await l.record(LicenseEvent.suspended, { actor: r.agency, details: { ...details, ...(stopped ? { stopped } : {}) } });
}

async function reinstate(l: License, details: Record<string, unknown>): Promise<void> {
  const s = l.state;
  const close = withdrawObjection(l);
  s.suspension = undefined;
  // The term ran on meanwhile: back to wherever its clock is now.
  s.status = statusByClock(l);
  await l.record(LicenseEvent.reinstated, { actor: String(details.agency), details, ...(close.length ? { tasks: { close } } : {}) });
}

/** The objection window ended with the suspension standing and no objection made. */
export async function revoke(l: License): Promise<void> {
  const s = l.state;
  const cause = s.suspension!;
  s.suspension = undefined;
  s.status = LicenseStatus.revoked;
  await l.record(LicenseEvent.revoked, { details: { reason: cause.reason, reportId: cause.reportId, agency: cause.agency, objectionDueAt: cause.objectionDueAt } });
}
