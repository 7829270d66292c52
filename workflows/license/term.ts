// The license's term as the clock runs it: the renewal window opens, the
// reminders go, the license expires, and the grace period ends.
import { LicenseEvent, LicenseStatus } from '../../domain/status';
import type { License } from './license';

const DAY_MS = 86_400_000;

/**
 * Where the clock puts a license that is neither suspended nor final: in
 * force, in its renewal window, or expired. Reminders whose time passed while
 * it was elsewhere (suspended, imported late) are counted as sent, so the
 * holder is not sent a stale one.
 */
export function statusByClock(l: License): LicenseStatus {
  const s = l.state;
  const left = Date.parse(s.expiresAt) - Date.now();
  if (left <= 0) return LicenseStatus.expired;
  if (left > l.rules!.renewalWindowMs) return LicenseStatus.active;
  s.remindersSent = [...new Set([...s.remindersSent, ...l.rules!.remindersMs.filter((r) => r >= left)])];
  return LicenseStatus.renewalOpen;
}

/** The window opens (renewal_open, with its SMS), or, already past expiry, the license expires. */
export async function openRenewalWindow(l: License): Promise<void> {
  const status = statusByClock(l);
  if (status === LicenseStatus.expired) return expire(l);
  l.state.status = status;
  await l.record(LicenseEvent.renewalWindowOpened);
}

export async function remind(l: License, offsetMs: number): Promise<void> {
  l.state.remindersSent = [...l.state.remindersSent, offsetMs];
  await l.record(LicenseEvent.renewalReminder, { details: { daysLeft: Math.max(1, Math.round(offsetMs / DAY_MS)) } });
}

export async function expire(l: License): Promise<void> {
  l.state.status = LicenseStatus.expired;
  await l.record(LicenseEvent.expired);
}

/** Unrenewed through the grace period: expired for good, and the workflow ends. */
export async function endGrace(l: License): Promise<void> {
  l.closed = true;
  await l.record(LicenseEvent.graceEnded);
}
