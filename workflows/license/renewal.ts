// Renewal: the holder asks, the checks that can have changed since issuance
// run again (the documents that lapse, the workers' health certificates, both
// agencies), deficiencies wait for a correction until its deadline, a review
// runs where the activity's rules ask for one (renewal-review.ts), and a
// clean renewal extends the term from the old expiry under the same number.
import { ActivityFailure, patched } from '@temporalio/workflow';
import type { Deficiency } from '../../domain/application';
import { mergeRenewal, nextTerm } from '../../domain/license';
import { AGENCIES, LicenseEvent, LicenseStatus } from '../../domain/status';
import { agencyReasons } from '../application/agencies';
import { agencyQuick, db } from './activities';
import type { RenewalInput } from './contract';
import type { License } from './license';
import { openRenewalReviews, type RenewalOutcome } from './renewal-review';

/**
 * The patch that brought reviews on renewal: a history recorded before it
 * renews at its checks' end, as it did; new code asks the activity's rules
 * (activity_rules.renewal_reviews) there, and opens the reviews they name.
 */
export const RENEWAL_REVIEW_PATCH = 'renewal-review';

/** Why a renewal cannot be asked for now, if it cannot. */
export function renewalRefusal(l: License): string | undefined {
  const s = l.state;
  if (!l.rules) return 'the license is starting; try again in a moment';
  if (s.renewal || l.queued('renewal')) return 'a renewal is already under way';
  if (s.cancellation || l.queued('cancellation')) return 'a cancellation is under way';
  if (s.status === LicenseStatus.renewalOpen) return undefined;
  if (s.status === LicenseStatus.expired && !l.closed && Date.now() < Date.parse(s.expiresAt) + l.rules.gracePeriodMs) return undefined;
  if (s.status === LicenseStatus.active) {
    return `the renewal window opens on ${new Date(Date.parse(s.expiresAt) - l.rules.renewalWindowMs).toISOString()}`;
  }
  if (s.status === LicenseStatus.expired) return 'the grace period for a late renewal has ended';
  return `the license is ${s.status}`;
}

export function correctionRefusal(l: License): string | undefined {
  if (l.state.renewal?.stage !== 'awaiting_correction' || l.queued('correction')) return 'the renewal does not wait for a correction now';
  return undefined;
}

export async function requestRenewal(l: License, input: RenewalInput): Promise<void> {
  const s = l.state;
  s.data = mergeRenewal(s.data, input);
  s.renewal = { requestedBy: input.by, requestedAt: new Date().toISOString(), late: s.status === LicenseStatus.expired, stage: 'checking', deficiencies: [] };
  await l.record(LicenseEvent.renewalRequested, { actor: input.by, details: { late: s.renewal.late, documents: input.documents?.map((d) => d.type) ?? [] } });
}

export async function receiveCorrection(l: License, input: RenewalInput): Promise<void> {
  const s = l.state;
  s.data = mergeRenewal(s.data, input);
  const r = s.renewal!;
  // Who corrects a renewal does not review it.
  s.renewal = { ...r, stage: 'checking', correctionDueAt: undefined, correctedBy: [...new Set([...(r.correctedBy ?? []), input.by])] };
  await l.record(LicenseEvent.renewalCorrectionReceived, { actor: input.by, details: { documents: input.documents?.map((d) => d.type) ?? [] } });
}

/**
 * The checks, then the renewal's reviews or its completion (`complete`: the
 * invoice, payment.ts), a correction asked for, or (an agency down) a recheck later.
 */
export async function checkRenewal(l: License, complete: (l: License) => Promise<void>): Promise<void> {
  const s = l.state;
  // What can have lapsed since issuance: the documents and the workers' certificates (not the location, which an imported license lacks).
  const completeness = await db.checkCompleteness(s.data, { renewal: true });
  const deficiencies: Deficiency[] = [...completeness.deficiencies];
  if (deficiencies.length === 0) {
    const answers = await Promise.all(AGENCIES.map((a) => agencyQuick.checkAgency(a, s.crNumber).catch((err: unknown) => {
      if (err instanceof ActivityFailure) return undefined;
      throw err;
    })));
    if (answers.some((a) => a === undefined)) {
      // Not the holder's fault: asked again at the next recheck, with nothing to correct meanwhile.
      s.renewal = { ...s.renewal!, stage: 'awaiting_agency', recheckAt: new Date(Date.now() + l.rules!.agencyRecheckMs).toISOString() };
      return;
    }
    const agencies = Object.fromEntries(AGENCIES.map((a, i) => [a, { state: answers[i]!.compliant ? 'compliant' : 'non_compliant', reasons: answers[i]!.reasons }] as const));
    deficiencies.push(...agencyReasons(agencies));
  }
  if (deficiencies.length > 0) return askCorrection(l, deficiencies);
  if (patched(RENEWAL_REVIEW_PATCH)) {
    // Read now, not at the run's start: the rules as they are when the review would begin.
    const reviews = await db.renewalReviews(s.isicCode);
    if (reviews.length > 0) return openRenewalReviews(l, reviews);
  }
  return complete(l);
}

async function askCorrection(l: License, deficiencies: Deficiency[]): Promise<void> {
  const s = l.state;
  s.renewal = {
    ...s.renewal!,
    stage: 'awaiting_correction',
    deficiencies,
    recheckAt: undefined,
    correctionDueAt: new Date(Date.now() + l.rules!.renewalCorrectionMs).toISOString(),
  };
  await l.record(LicenseEvent.renewalCorrectionRequested, { details: { deficiencies: deficiencies.map((d) => d.code) } });
}

/** Same number, the term extended from the old expiry; late when it came after expiry. A review's approval that completes it says so in the same row. */
export async function renew(l: License, outcome?: RenewalOutcome): Promise<void> {
  const s = l.state;
  const late = s.renewal!.late;
  const previousExpiresOn = s.expiresOn;
  Object.assign(s, nextTerm(s));
  s.renewals += 1;
  s.lastRenewalLate = late;
  s.remindersSent = [];
  s.renewal = undefined;
  s.status = LicenseStatus.active;
  const details = { late, previousExpiresOn, expiresOn: s.expiresOn, ...outcome?.details };
  await l.record(LicenseEvent.renewed, { details, ...(outcome ? { actor: outcome.actor, tasks: { close: outcome.close } } : {}) });
  l.renewed = true;
}

/** The correction deadline passed: the renewal lapses and the license is as it was (its clock may expire it). */
export async function lapseRenewal(l: License): Promise<void> {
  l.state.renewal = undefined;
  await l.record(LicenseEvent.renewalLapsed);
}
