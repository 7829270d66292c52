// An agency's report: a violation or a closure suspends the license with an
// objection window; a 'resolved' from the agency that caused the suspension
// reinstates it; the window ending with no objection made makes the
// suspension a revocation (an objection is decided in objection.ts).
import type { TaskChanges } from '../../activities';
import type { Suspension } from '../../domain/license';
import { LicenseEvent, LicenseStatus, TaskKind } from '../../domain/status';
import type { AgencyReport } from './contract';
import type { License } from './license';
import { withdrawObjection } from './objection';
import { isRenewalReview } from './renewal-review';
import { closeTasks } from './tasks';
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
  return suspend(l, { reportId: r.reportId, agency: r.agency, kind: r.kind, reason: r.reason }, r.agency, details);
}

type Closing = NonNullable<TaskChanges['close']>;

/**
 * Suspends the license for a cause (an agency's report, an inspection's
 * closure), with the objection window. A suspended license is not renewed,
 * cancelled or inspected: what was under way stops, said in the suspension's
 * own row; an inspection or a renewal's review waiting in the inbox is withdrawn.
 */
export async function suspend(l: License, cause: Pick<Suspension, 'reportId' | 'agency' | 'kind' | 'reason'>, actor: string, details: Record<string, unknown>, closing: Closing = []): Promise<void> {
  const s = l.state;
  const stopped = s.renewal ? 'renewal' : s.cancellation ? 'cancellation' : undefined;
  // The renewal's reviews, if it had come to them, stop with it.
  const close = [...closing, ...closeTasks(l, (t, id) => t.kind === TaskKind.inspection || isRenewalReview(l, id), 'cancelled')];
  s.renewal = undefined;
  s.cancellation = undefined;
  s.suspension = { ...cause, since: new Date().toISOString(), objectionDueAt: new Date(Date.now() + l.rules!.objectionWindowMs).toISOString(), before: s.status };
  s.status = LicenseStatus.suspended;
  await l.record(LicenseEvent.suspended, { actor, details: { ...details, ...(stopped ? { stopped } : {}) }, ...(close.length ? { tasks: { close } } : {}) });
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
  await l.record(LicenseEvent.revoked, { details: { reason: cause.reason, reportId: cause.reportId, ...(cause.agency ? { agency: cause.agency } : {}), objectionDueAt: cause.objectionDueAt } });
}
