// Cancellation on the holder's request, with no visit: both agencies are
// asked for clearance; when both clear, the license is cancelled at once and
// each agency is told; while one has something outstanding, the holder is
// told what and by whom, and the agencies are asked again until it clears or
// the request's deadline passes.
import { ActivityFailure } from '@temporalio/workflow';
import type { Clearance } from '../../domain/license';
import { AGENCIES, LicenseEvent, LicenseStatus, type Agency } from '../../domain/status';
import { agencyPatient, agencyQuick } from './activities';
import type { CancellationInput } from './contract';
import type { License } from './license';
import { closeTasks } from './tasks';

export function cancellationRefusal(l: License): string | undefined {
  const s = l.state;
  if (!l.rules) return 'the license is starting; try again in a moment';
  if (s.cancellation || l.queued('cancellation')) return 'a cancellation is already under way';
  if (s.renewal || l.queued('renewal')) return 'a renewal is under way';
  if (s.status === LicenseStatus.suspended) return 'the license is suspended: the suspension is settled first';
  if (l.final) return `the license is ${l.closed ? 'expired for good' : s.status}`;
  return undefined;
}

export async function requestCancellation(l: License, input: CancellationInput): Promise<void> {
  const s = l.state;
  s.cancellation = {
    requestedBy: input.by,
    requestedAt: new Date().toISOString(),
    reason: input.reason,
    dueAt: new Date(Date.now() + l.rules!.cancellationDeadlineMs).toISOString(),
    clearances: {},
  };
  await l.record(LicenseEvent.cancellationRequested, { actor: input.by, details: input.reason ? { reason: input.reason } : {} });
}

/** What is outstanding, agency by agency: the holder is told again only when it changes. */
const owed = (clearances: Partial<Record<Agency, Clearance>>) =>
  JSON.stringify(AGENCIES.map((a) => (clearances[a] && !clearances[a]!.cleared && !clearances[a]!.unavailable ? clearances[a]!.outstanding : [])));

/** Asks the agencies that have not cleared; cancels when both have. */
export async function checkClearances(l: License): Promise<void> {
  const c = l.state.cancellation!;
  const before = owed(c.clearances);
  const asking = AGENCIES.filter((a) => !c.clearances[a]?.cleared);
  const answers = await Promise.all(asking.map((a) => agencyQuick.askClearance(a, l.state.crNumber).catch((err: unknown): Clearance => {
    if (!(err instanceof ActivityFailure)) throw err;
    return { cleared: false, outstanding: [], unavailable: true, checkedAt: new Date().toISOString() };
  })));
  const clearances = { ...c.clearances, ...Object.fromEntries(asking.map((a, i) => [a, answers[i]!])) };
  l.state.cancellation = { ...c, clearances, recheckAt: undefined };
  if (AGENCIES.every((a) => clearances[a]?.cleared)) return cancel(l);
  l.state.cancellation.recheckAt = new Date(Date.now() + l.rules!.agencyRecheckMs).toISOString();
  const now = owed(clearances);
  if (now !== before && now !== owed({})) {
    const outstanding = Object.fromEntries(AGENCIES.filter((a) => clearances[a] && !clearances[a]!.cleared).map((a) => [a, clearances[a]!.unavailable ? 'unavailable' : clearances[a]!.outstanding]));
    await l.record(LicenseEvent.cancellationOutstanding, { details: { outstanding } });
  }
}

async function cancel(l: License): Promise<void> {
  const s = l.state;
  const reason = s.cancellation?.reason;
  s.status = LicenseStatus.cancelled;
  // Nothing left to inspect.
  const close = closeTasks(l, () => true, 'cancelled');
  await l.record(LicenseEvent.cancelled, { actor: s.cancellation!.requestedBy, details: { reason: reason ?? 'holder_request', clearances: s.cancellation!.clearances }, ...(close.length ? { tasks: { close } } : {}) });
  // Each agency keys the notice by license number: a retry, or a replay of this step, tells it once.
  await Promise.all(AGENCIES.map((a) => agencyPatient.notifyCancelled(a, s.crNumber, s.number)));
}

export async function lapseCancellation(l: License): Promise<void> {
  l.state.cancellation = undefined;
  await l.record(LicenseEvent.cancellationLapsed);
}
