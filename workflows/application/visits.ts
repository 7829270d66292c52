// Home visits: the technical review of an owner of five or more
// establishments (or one who asked) happens at the shop. The inspector holding
// the review proposes a time, the applicant confirms or moves it, an SMS
// reminds them before it, and the decision comes after it.
import { condition } from '@temporalio/workflow';
import { DEFAULT_VISIT_REMINDER_BEFORE_MS, type HomeVisit } from '../../domain/case';
import { CaseEvent, reviewTaskId, Stage } from '../../domain/status';
import { inBackground } from './background';
import type { ApplicationCase } from './case';

type Proposal = { slot: string; by: string };
type Answer = { confirm: true; by: string } | { slot: string; by: string };

export function checkProposal(c: ApplicationCase, { slot, by }: Proposal): void {
  const s = c.state;
  if (!s.visit || s.stage !== Stage.review) throw new Error('this application has no home visit to schedule');
  if (s.tasks[reviewTaskId(c.id, 'technical', s.round)]?.holder !== by) throw new Error('only the inspector holding the technical review schedules its visit');
  if (!(Date.parse(slot) > Date.now())) throw new Error('a visit is proposed for a time still to come');
}

export async function propose(c: ApplicationCase, { slot, by }: Proposal): Promise<HomeVisit> {
  c.state.visit = { slot, status: 'proposed', proposedBy: by };
  await c.record(CaseEvent.visitProposed, { actor: by, details: { slot } }, { writer: 'handler' });
  return c.state.visit;
}

export function checkAnswer(c: ApplicationCase, a: Answer): void {
  const s = c.state;
  if (!s.visit || s.stage !== Stage.review) throw new Error('this application has no home visit to confirm');
  if (s.visit.status === 'to_schedule') throw new Error('the inspector has not proposed a visit yet');
  if ('slot' in a && !(Date.parse(a.slot) > Date.now())) throw new Error('a visit is moved to a time still to come');
}

/** The applicant confirms the proposed time or moves it; either way the visit is booked and a reminder set. */
export async function answer(c: ApplicationCase, a: Answer): Promise<HomeVisit> {
  const s = c.state;
  const slot = 'slot' in a ? a.slot : s.visit!.slot!;
  s.visit = { ...s.visit!, slot, status: 'confirmed', confirmedBy: a.by };
  await c.record(CaseEvent.visitConfirmed, { actor: a.by, details: { slot, moved: 'slot' in a } }, { writer: 'handler' });
  inBackground(() => remind(c, slot));
  return s.visit;
}

/** Reminds the applicant of a confirmed visit, unless it moves or the review ends first. */
async function remind(c: ApplicationCase, slot: string): Promise<void> {
  const before = c.timing.visitReminderBeforeMs ?? DEFAULT_VISIT_REMINDER_BEFORE_MS;
  const changed = () => c.state.visit?.slot !== slot || c.state.visit?.status !== 'confirmed' || c.state.stage !== Stage.review;
  if (await condition(changed, Math.max(1, Date.parse(slot) - before - Date.now()))) return;
  await c.record(CaseEvent.visitReminder, { details: { slot } });
}
