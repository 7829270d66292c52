// A renewal's reviews, where its activity's rules ask for them
// (activity_rules.renewal_reviews): once the checks pass, each review is a task
// in the inbox with the application reviews' SLA, claim, reminder and
// escalation, worked by the reviewers of the license's office (a license with
// no office, imported so, by the municipal inspectors). The renewal completes
// when every review approves; a rejection refuses it with its reasons (the
// license stays as it was, and its clock may expire it); a return asks for
// corrections with the renewal's correction deadline, as a deficiency does,
// and the corrected renewal is checked and reviewed again (the next round).
import { Role } from '../../domain/access';
import type { RenewalReview } from '../../domain/license';
import { LicenseEvent, renewalReviewTaskId, ReviewDecision, TASK_KIND_FOR_REVIEW, type ReviewKind } from '../../domain/status';
import { db } from './activities';
import type { RenewalReviewDecisionInput } from './contract';
import type { License } from './license';
import { closeTasks, openTasks, placeTask } from './tasks';

/** Open the round's review tasks: in the license's office's inbox, or the municipal inspectors' when it has none. */
export async function openRenewalReviews(l: License, kinds: ReviewKind[]): Promise<void> {
  const s = l.state;
  const r = s.renewal!;
  const round = (r.round ?? 0) + 1;
  // Named by the transition that opens them: a later round's (after a return) are other tasks.
  const seq = s.seq + 1;
  const taskKinds = kinds.map((k) => TASK_KIND_FOR_REVIEW[k]);
  const schedules = await db.taskSchedules({ kinds: taskKinds, from: new Date().toISOString() });
  const where = s.officeId ? { officeId: s.officeId } : { requiredRole: Role.municipalInspector };
  const reviews: RenewalReview[] = kinds.map((kind) => ({ kind, taskId: renewalReviewTaskId(s.number, kind, seq) }));
  const open = reviews.map((v) => placeTask(l, v.taskId, TASK_KIND_FOR_REVIEW[v.kind], schedules[TASK_KIND_FOR_REVIEW[v.kind]]!, where));
  s.renewal = { ...r, stage: 'review', round, reviews, deficiencies: [], recheckAt: undefined, correctionDueAt: undefined };
  await l.record(LicenseEvent.renewalReviewStarted, {
    details: { round, reviews: kinds, taskIds: reviews.map((v) => v.taskId), ...(s.officeId ? { officeId: s.officeId } : { reviewedBy: Role.municipalInspector }) },
    tasks: { open },
  });
}

/** Why the decision cannot be taken now, if it cannot (the validator, then the loop again). */
export function renewalReviewRefusal(l: License, d: RenewalReviewDecisionInput): string | undefined {
  const r = l.state.renewal;
  const review = r?.stage === 'review' ? r.reviews?.find((v) => v.taskId === d.taskId) : undefined;
  const queued = l.inbox.some((q) => q.kind === 'renewalReview' && q.input.taskId === d.taskId);
  if (!review || review.decision || queued) return `task ${d.taskId} is not a renewal review waiting for a decision`;
  const holder = openTasks(l)[d.taskId]?.holder;
  if (holder !== d.by) return holder ? `the ${review.kind} review is held by ${holder}` : `claim the ${review.kind} review (task ${d.taskId}) before deciding it`;
  if (d.decision === ReviewDecision.returnForCorrection && !d.deficiencies?.length) return 'returning for correction needs at least one deficiency for the holder to fix';
  if (d.decision === ReviewDecision.reject && !d.reasons?.length) return 'a rejection needs at least one reason code';
  return undefined;
}

/**
 * The holder's decision: an approval with another review still open waits
 * for it; the last approval renews; a rejection or a return ends the round at
 * once, withdrawing the other review if it is still open.
 */
export async function decideRenewalReview(l: License, d: RenewalReviewDecisionInput, renew: (extra: RenewalOutcome) => Promise<void>): Promise<void> {
  const s = l.state;
  const r = s.renewal!;
  const decidedAt = new Date().toISOString();
  const reviews = r.reviews!.map((v) =>
    v.taskId === d.taskId
      ? { ...v, decision: d.decision, by: d.by, decidedAt, ...(d.reasons?.length ? { reasons: d.reasons } : {}), ...(d.comment ? { comment: d.comment } : {}) }
      : v,
  );
  const review = reviews.find((v) => v.taskId === d.taskId)!;
  const outcome = { decision: d.decision, ...(d.reasons?.length ? { reasons: d.reasons } : {}), ...(d.comment ? { comment: d.comment } : {}) };
  const decided = closeTasks(l, (_t, id) => id === d.taskId, 'completed', outcome);
  const details = { taskId: d.taskId, kind: review.kind, round: r.round, ...outcome };
  s.renewal = { ...r, reviews };
  if (d.decision === ReviewDecision.approve) {
    if (reviews.some((v) => !v.decision)) return void (await l.record(LicenseEvent.renewalReviewDecided, { actor: d.by, details, tasks: { close: decided } }));
    return renew({ actor: d.by, details: { review: details }, close: decided });
  }
  const close = [...decided, ...closeTasks(l, (_t, id) => reviews.some((v) => v.taskId === id), 'cancelled')];
  if (d.decision === ReviewDecision.reject) {
    s.renewal = undefined;
    // The reason the holder's SMS gives: the codes, and the reviewer's words when there are any.
    const reason = [d.reasons!.join(', '), d.comment].filter(Boolean).join(': ');
    return void (await l.record(LicenseEvent.renewalRejected, { actor: d.by, details: { ...details, reason }, tasks: { close } }));
  }
  s.renewal = {
    ...s.renewal,
    stage: 'awaiting_correction',
    deficiencies: d.deficiencies!,
    correctionDueAt: new Date(Date.now() + l.rules!.renewalCorrectionMs).toISOString(),
  };
  await l.record(LicenseEvent.renewalReturned, { actor: d.by, details: { ...details, deficiencies: d.deficiencies!.map((x) => x.code) }, tasks: { close } });
}

/** What the renewal's own transition carries when a review's approval completes it. */
export interface RenewalOutcome {
  actor: string;
  details: Record<string, unknown>;
  close: NonNullable<NonNullable<Parameters<License['record']>[1]>['tasks']>['close'];
}

/** A renewal's review tasks (a suspension stops the renewal, and withdraws them). */
export const isRenewalReview = (l: License, id: string): boolean => l.state.renewal?.reviews?.some((v) => v.taskId === id) ?? false;
