// The path of one license application, as the product brief draws it:
//
//   submitted -> completeness check -(incomplete)-> awaiting correction -(deadline)-> EXCLUDED (incomplete)
//                       | complete                      '-(corrected)-> completeness check
//                       v
//                conditions check -(not met)-> EXCLUDED (conditions)
//                       v
//   health review + technical review -(reject)-> REJECTED   -(return)-> awaiting correction
//                       v approve both
//   Labor Office + Zakat & Income -(non-compliant past the hold)-> EXCLUDED (conditions)
//                       v compliant
//   invoice (the fee, a bill number) -(unpaid past the due date)-> EXCLUDED (unpaid)
//                       v paid (the receipt)
//                    ISSUED
//
// Orchestration only: every read and write is an activity, and each stage is
// a function of its own module over the case's state (case.ts). The handlers
// below are the ways people act on the case while it runs.
import { allHandlersFinished, CancellationScope, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { CaseEvent, Stage, Status } from '../../domain/status';
import { agencyCalls, db } from './activities';
import { agencyReasons, linkAgencies, recheck } from './agencies';
import { ApplicationCase } from './case';
import {
  answerVisitUpdate,
  claimTaskUpdate,
  decideReviewUpdate,
  extendDeadlineUpdate,
  getStateQuery,
  proposeVisitUpdate,
  reassignOfficeUpdate,
  reassignTaskUpdate,
  recheckAgenciesSignal,
  releaseTaskUpdate,
  submitCorrectionUpdate,
  type ApplicationWorkflowInput,
  type CaseOutcome,
} from './contract';
import { awaitCorrection, checkCorrection, checkExtension, extendDeadline, receiveCorrection } from './corrections';
import { checkMove, move } from './offices';
import { checkDecision, decide, review } from './reviews';
import { checkClaim, checkReassignment, checkRelease, claim, reassign, release, TaskClock } from './tasks';
import { answer, checkAnswer, checkProposal, propose } from './visits';
import { FEES_PATCH, payFee, takePayment, UNPAID, withdrawInvoice } from './payment';
import { paymentReceivedSignal } from '../payments/contract';

export async function licenseApplication(input: ApplicationWorkflowInput): Promise<CaseOutcome> {
  const c = new ApplicationCase(input);
  const clock = new TaskClock(c);

  setHandler(getStateQuery, () => c.state);
  setHandler(submitCorrectionUpdate, (x) => receiveCorrection(c, x), { validator: (_x) => checkCorrection(c) });
  setHandler(extendDeadlineUpdate, (x) => extendDeadline(c, x), { validator: (x) => checkExtension(c, x) });
  setHandler(claimTaskUpdate, (x) => claim(c, x), { validator: (x) => checkClaim(c, x) });
  setHandler(releaseTaskUpdate, (x) => release(c, x), { validator: (x) => checkRelease(c, x) });
  setHandler(reassignTaskUpdate, (x) => reassign(c, x), { validator: (x) => checkReassignment(c, x) });
  setHandler(decideReviewUpdate, (x) => decide(c, x), { validator: (x) => checkDecision(c, x) });
  setHandler(proposeVisitUpdate, (x) => propose(c, x), { validator: (x) => checkProposal(c, x) });
  setHandler(answerVisitUpdate, (x) => answer(c, x), { validator: (x) => checkAnswer(c, x) });
  setHandler(reassignOfficeUpdate, (x) => move(c, x), { validator: (x) => checkMove(c, x) });
  setHandler(recheckAgenciesSignal, () => recheck(c));
  setHandler(paymentReceivedSignal, (r) => takePayment(c, r));

  try {
    return await path(c, clock, agencyCalls(input.timing));
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An administrator cancelled the case: it closes as cancelled, whatever was in
    // flight, and the applicant is told. Nothing below may be cancelled again.
    return await CancellationScope.nonCancellable(async () => {
      await withdrawInvoice(c);
      return c.close(Status.cancelled, CaseEvent.cancelled, []);
    });
  }
}

async function path(c: ApplicationCase, clock: TaskClock, agencies: ReturnType<typeof agencyCalls>): Promise<CaseOutcome> {
  const s = c.state;
  await c.record(CaseEvent.submitted, { actor: s.data.applicant.nationalId });

  for (;;) {
    s.stage = Stage.completenessCheck;
    s.waitingOn = [];
    const completeness = await db.checkCompleteness(s.data);
    if (!completeness.complete) {
      if (!(await awaitCorrection(c, CaseEvent.correctionRequested, completeness.deficiencies))) return excludeIncomplete(c);
      continue;
    }

    s.stage = Stage.conditionsCheck;
    s.deficiencies = [];
    const conditions = await db.checkConditions(s.data, { scheduleFrom: new Date().toISOString() });
    if (!conditions.met) return c.close(Status.excluded, CaseEvent.excluded, conditions.reasons, 'conditions');

    const verdict = await review(c, clock, conditions);
    if (patched(DECISION_ANSWERED_FIRST_PATCH)) await decisionsAnswered();
    if (verdict.decision === 'reject') return c.close(Status.rejected, CaseEvent.rejected, verdict.reasons);
    if (verdict.decision === 'return') {
      // A correction may change anything the other reviewer looked at, so the next round reviews afresh.
      s.round += 1;
      s.pendingReviews = [];
      if (!(await awaitCorrection(c, CaseEvent.returnedForCorrection, verdict.deficiencies))) return excludeIncomplete(c);
      continue;
    }

    if (!(await linkAgencies(c, agencies))) return c.close(Status.excluded, CaseEvent.excluded, agencyReasons(s.agencies), 'conditions');
    if (patched(FEES_PATCH) && !(await payFee(c, conditions.termMonths))) return c.close(Status.excluded, CaseEvent.excluded, [UNPAID], 'unpaid');

    s.stage = Stage.issuance;
    s.waitingOn = [];
    s.license = await db.issueLicense({ applicationId: c.id, licenseKind: s.data.licenseKind, termMonths: conditions.termMonths });
    return c.close(Status.issued, CaseEvent.issued, []);
  }
}

/**
 * Cases started before this went on from the deciding review in the workflow
 * task that accepted the decision: its write was scheduled only once the next
 * step's local activity was done, and its answer could wait for the issuance's
 * too, when the agencies had answered first. Gated so their histories replay.
 */
export const DECISION_ANSWERED_FIRST_PATCH = 'decision-answered-first';

/**
 * The case moves on once the decisions in flight have their writes done: the
 * deciding one's write goes out at once, and the agencies are asked only after
 * it, so its answer never waits for the issuance. The answer still shares its
 * workflow task with the next step's one local activity (a timer to end the
 * task would cost a workflow task more and, on the server's timer resolution,
 * up to a second more for the case).
 */
async function decisionsAnswered(): Promise<void> {
  await condition(allHandlersFinished);
}

/** The correction deadline passed: the case is excluded with what was missing. */
const excludeIncomplete = (c: ApplicationCase) => c.close(Status.excluded, CaseEvent.excluded, c.state.deficiencies, 'incomplete');
