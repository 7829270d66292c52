// The health and technical reviews, in parallel: their tasks open in the
// office's inbox with due times in working days; each reviewer claims and
// decides one; the round ends when both approve, or at the first reject or
// return.
import { condition } from '@temporalio/workflow';
import type { TaskSchedule } from '../../activities';
import type { ConditionsResult, Deficiency, ReviewDecisionInput } from '../../domain/application';
import { CaseEvent, reviewTaskId, ROLE_FOR_REVIEW, Stage, TASK_KIND_FOR_REVIEW, type ReviewKind } from '../../domain/status';
import type { ApplicationCase, RoundEnding } from './case';
import type { UpdateResult } from './contract';
import type { TaskClock } from './tasks';

/** How a round of reviews ended. */
export type ReviewVerdict = { decision: 'approve' } | (RoundEnding & { reasons: Deficiency[] });

/** Opens the round's review tasks, waits for the verdict, and says what it was. */
export async function review(
  c: ApplicationCase,
  clock: TaskClock,
  conditions: ConditionsResult & { schedules?: Record<string, TaskSchedule> },
): Promise<ReviewVerdict> {
  const s = c.state;
  s.stage = Stage.review;
  s.healthReviewRequired = conditions.healthReviewRequired;
  s.pendingReviews = conditions.healthReviewRequired ? ['health', 'technical'] : ['technical'];
  s.waitingOn = s.pendingReviews.map((k) => ROLE_FOR_REVIEW[k]);
  c.roundEnding = undefined;
  // An owner of five or more establishments (or one who asked) gets the inspector at home.
  if (conditions.homeVisit && s.pendingReviews.includes('technical')) s.visit = { status: 'to_schedule' };
  // Due and reminder times in working days (task_slas, holidays), computed with the conditions check.
  const schedules = conditions.schedules ?? {};
  const open = s.pendingReviews.map((k) => {
    const kind = TASK_KIND_FOR_REVIEW[k];
    return c.openTask(reviewTaskId(c.id, k, s.round), kind, schedules[kind]!.dueAt);
  });
  await c.record(CaseEvent.reviewStarted, { details: { homeVisit: conditions.homeVisit, termMonths: conditions.termMonths }, tasks: { open } });
  for (const task of open) clock.watch(task.id, task.kind, schedules[task.kind]!);
  c.index();
  await condition(() => s.pendingReviews.length === 0 || c.roundEnding !== undefined);
  // Read through a local: TypeScript does not see the decide handler set it during the wait.
  const ending = c.roundEnding as RoundEnding | undefined;
  if (!ending) return { decision: 'approve' };
  const reasons = s.reviews
    .filter((r) => r.round === s.round && r.decision === 'reject')
    .flatMap((r) => (r.reasons ?? []).map((code) => rejection(code, r.comment)));
  return { ...ending, reasons };
}

/**
 * Refuses a decision the case cannot take, before anything is written to
 * history. The message is what the API returns with its 409.
 */
export function checkDecision(c: ApplicationCase, d: ReviewDecisionInput): void {
  const s = c.state;
  if (s.stage !== Stage.review || c.roundEnding !== undefined) throw new Error(`the application is at stage ${s.stage}, not in review`);
  const kind: ReviewKind = d.kind;
  if (kind === 'health' && s.healthReviewRequired === false) throw new Error('this application does not need a health review');
  if (!s.pendingReviews.includes(kind)) throw new Error(`the ${kind} review of round ${s.round} has already been decided`);
  if (d.reviewer.role !== ROLE_FOR_REVIEW[kind]) throw new Error(`a ${d.reviewer.role} cannot decide the ${kind} review; it needs a ${ROLE_FOR_REVIEW[kind]}`);
  if (d.decision === 'return' && !d.deficiencies?.length) throw new Error('returning for correction needs at least one deficiency for the applicant to fix');
  if (d.decision === 'reject' && !d.reasons?.length) throw new Error('a rejection needs at least one reason code');
  // Only the task's holder decides it.
  const taskId = reviewTaskId(c.id, d.kind, s.round);
  const holder = s.tasks[taskId]?.holder;
  if (holder !== d.reviewer.id) throw new Error(holder ? `the ${d.kind} review is held by ${holder}` : `claim the ${d.kind} review (task ${taskId}) before deciding it`);
  const conflict = c.conflictOfDuty(d.reviewer.id, TASK_KIND_FOR_REVIEW[d.kind]);
  if (conflict) throw new Error(conflict);
  // A home visit's outcome is the technical decision: it comes after the visit.
  if (d.kind === 'technical' && s.visit) {
    if (s.visit.status !== 'confirmed') throw new Error('schedule the home visit, and have it confirmed, before deciding');
    if (Date.now() < Date.parse(s.visit.slot!)) throw new Error(`the home visit is on ${s.visit.slot}; decide after it`);
  }
}

export async function decide(c: ApplicationCase, d: ReviewDecisionInput): Promise<UpdateResult> {
  const s = c.state;
  s.pendingReviews = s.pendingReviews.filter((k) => k !== d.kind);
  s.waitingOn = s.waitingOn.filter((w) => w !== ROLE_FOR_REVIEW[d.kind]);
  const record = { ...d, round: s.round, decidedAt: new Date().toISOString() };
  s.reviews.push(record);
  const taskId = reviewTaskId(c.id, d.kind, s.round);
  const close = c.closeTasks((_t, id) => id === taskId, 'completed', { decision: d.decision, reasons: d.reasons, comment: d.comment });
  if (d.decision !== 'approve' && !c.roundEnding) c.roundEnding = { decision: d.decision, deficiencies: d.deficiencies ?? [] };
  // Still waiting on the other reviewer: worth indexing. Otherwise the case moves on at once.
  if (s.pendingReviews.length > 0 && !c.roundEnding) c.index();
  const at = await c.record(CaseEvent.reviewDecided, { actor: d.reviewer.id, review: record, details: { kind: d.kind, decision: d.decision }, tasks: { close } }, { writer: 'handler' });
  return { ...c.updateResult(), at };
}

function rejection(code: string, comment?: string): Deficiency {
  return { code, field: 'review', messageAr: comment ?? code, messageEn: comment ?? code };
}
