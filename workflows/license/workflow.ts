// The life of one issued license, as the product brief draws it:
//
//   ISSUED ─► active ─(window before expiry)─► renewal open ─(reminders)─► renewed (same number, new term)
//                │                                   │   (checks, then the reviews the activity's rules ask for:
//                │                                   │    approved ─► invoiced ─(paid)─► renewed; unpaid ─► as it was;
//                │                                   │    rejected ─► as it was; returned ─► correction)
//                │                                   └─(expiry)─► expired ─(renewed within grace: late)
//                │                                                    └─(grace ends)─► expired for good
//                ├─ holder asks to cancel ─► agencies' clearance ─► cancelled   (outstanding: rechecked until the deadline)
//                ├─ health activities: inspection due ─► inspector's task ─► passed / violations (fix by: re-inspection) / closure ─► suspended
//                └─ agency reports a cause ─► suspended ─(window ends, no objection)─► revoked
//                                                  ├─ holder objects ─► supervisor's task ─(upheld)─► revoked
//                                                  │                                      └─(accepted)─► reinstated
//                                                  └─(the same agency reports it resolved)─► reinstated
//
// Orchestration only: every read and write is an activity. Handlers queue what
// arrives (an agency's report, the holder's requests, the inbox's claims and
// decisions); the loop below takes
// each in turn, or the next deadline when it comes, and hands it to the stage
// that serves it. Each renewal starts a new run (continue-as-new), as does a
// history the server finds long, carrying the state.
import { continueAsNew, setHandler } from '@temporalio/workflow';
import { LicenseEvent } from '../../domain/status';
import { db } from './activities';
import { cancellationRefusal, checkClearances, lapseCancellation, requestCancellation } from './cancellation';
import {
  agencyReportSignal,
  claimTaskUpdate,
  correctRenewalUpdate,
  decideObjectionUpdate,
  decideRenewalReviewUpdate,
  getLicenseStateQuery,
  objectUpdate,
  recordInspectionUpdate,
  reassignTaskUpdate,
  releaseTaskUpdate,
  requestCancellationUpdate,
  requestRenewalUpdate,
  type LicenseState,
  type LicenseWorkflowInput,
} from './contract';
import { License, type Deadline, type Request } from './license';
import { inspectionRefusal, openInspection, recordInspection, scheduleInspections } from './inspection';
import { decideObjection, objectionDecisionRefusal, objectionRefusal, receiveObjection } from './objection';
import { checkRenewal, correctionRefusal, lapseRenewal, receiveCorrection, renewalRefusal, requestRenewal } from './renewal';
import { decideRenewalReview, renewalReviewRefusal } from './renewal-review';
import { completeRenewal, renewalPaymentDue, takeRenewalPayment } from './payment';
import { paymentReceivedSignal } from '../payments/contract';
import { revoke, takeReport } from './suspension';
import { changeHolder, escalateTask, remindTask, taskChangeRefusal } from './tasks';
import { endGrace, expire, openRenewalWindow, remind } from './term';

const refuse = (why: string | undefined) => {
  if (why) throw new Error(why);
};

export async function licenseLifecycle(input: LicenseWorkflowInput): Promise<LicenseState> {
  const l = new License(input.state);

  setHandler(getLicenseStateQuery, () => l.state);
  setHandler(agencyReportSignal, (r) => l.report(r));
  setHandler(paymentReceivedSignal, (r) => l.paid(r));
  setHandler(requestRenewalUpdate, (x) => l.submit({ kind: 'renewal', input: x }), { validator: (_x) => refuse(renewalRefusal(l)) });
  setHandler(correctRenewalUpdate, (x) => l.submit({ kind: 'correction', input: x }), { validator: (_x) => refuse(correctionRefusal(l)) });
  setHandler(requestCancellationUpdate, (x) => l.submit({ kind: 'cancellation', input: x }), { validator: (_x) => refuse(cancellationRefusal(l)) });
  setHandler(objectUpdate, (x) => l.submit({ kind: 'objection', input: x }), { validator: (_x) => refuse(objectionRefusal(l)) });
  setHandler(decideObjectionUpdate, (x) => l.submit({ kind: 'objectionDecision', input: x }), { validator: (x) => refuse(objectionDecisionRefusal(l, x)) });
  setHandler(recordInspectionUpdate, (x) => l.submit({ kind: 'inspection', input: x }), { validator: (x) => refuse(inspectionRefusal(l, x)) });
  setHandler(decideRenewalReviewUpdate, (x) => l.submit({ kind: 'renewalReview', input: x }), { validator: (x) => refuse(renewalReviewRefusal(l, x)) });
  setHandler(claimTaskUpdate, (x) => l.submit({ kind: 'claim', input: x }), { validator: (x) => refuse(taskChangeRefusal(l, 'claim', x)) });
  setHandler(releaseTaskUpdate, (x) => l.submit({ kind: 'release', input: x }), { validator: (x) => refuse(taskChangeRefusal(l, 'release', x)) });
  setHandler(reassignTaskUpdate, (x) => l.submit({ kind: 'reassign', input: x }), { validator: (x) => refuse(taskChangeRefusal(l, 'reassign', x)) });

  // Read at each run's start: an edit to license_rules reaches a license at its next renewal (or history roll-over).
  l.rules = await db.licenseRules(l.state.licenseKind, l.state.isicCode);
  scheduleInspections(l);
  if (input.origin) await l.record(input.origin === 'imported' ? LicenseEvent.imported : LicenseEvent.issued);

  while (!l.final) {
    const next = await l.next();
    if (next === 'continueAsNew') break;
    await (isDeadline(next) ? onDeadline(l, next) : take(l, next));
    if (l.renewed) break;
  }
  await l.settle((r) => take(l, r));
  if (!l.final) await continueAsNew<typeof licenseLifecycle>({ state: l.state });
  return l.state;
}

const isDeadline = (x: Request | Deadline): x is Deadline => !('input' in x) && x.kind !== 'report' && x.kind !== 'payment';

/** What arrived from outside: each request is written, answered, then worked on. */
async function take(l: License, r: Request): Promise<void> {
  switch (r.kind) {
    case 'report':
      return takeReport(l, r.report);
    case 'payment':
      return takeRenewalPayment(l, r.receipt);
    case 'renewal':
    case 'correction':
      // Checked again here: a report taken meanwhile may have suspended the license since the validator ran.
      r.refused = r.kind === 'renewal' ? renewalRefusal(l) : correctionRefusal(l);
      if (r.refused) return void (r.answer = l.answer());
      await (r.kind === 'renewal' ? requestRenewal(l, r.input) : receiveCorrection(l, r.input));
      r.answer = l.answer();
      return checkRenewal(l, completeRenewal);
    case 'cancellation':
      r.refused = cancellationRefusal(l);
      if (r.refused) return void (r.answer = l.answer());
      await requestCancellation(l, r.input);
      r.answer = l.answer();
      return checkClearances(l);
    case 'objection':
      r.refused = objectionRefusal(l);
      if (!r.refused) await receiveObjection(l, r.input);
      return void (r.answer = l.answer());
    case 'objectionDecision':
      r.refused = objectionDecisionRefusal(l, r.input);
      if (!r.refused) await decideObjection(l, r.input);
      return void (r.answer = l.answer());
    case 'inspection':
      r.refused = inspectionRefusal(l, r.input);
      if (!r.refused) await recordInspection(l, r.input);
      return void (r.answer = l.answer());
    case 'renewalReview':
      r.refused = renewalReviewRefusal(l, r.input);
      if (!r.refused) await decideRenewalReview(l, r.input, (outcome) => completeRenewal(l, outcome));
      return void (r.answer = l.answer());
    case 'claim':
    case 'release':
    case 'reassign':
      r.refused = taskChangeRefusal(l, r.kind, r.input);
      r.answer = r.refused ? { id: r.input.taskId, kind: 'objection_review' } : await changeHolder(l, r.kind, r.input);
      return;
  }
}

async function onDeadline(l: License, d: Deadline): Promise<void> {
  switch (d.kind) {
    case 'windowOpens':
      return openRenewalWindow(l);
    case 'reminder':
      return remind(l, d.offsetMs);
    case 'expiry':
      return expire(l);
    case 'graceEnds':
      return endGrace(l);
    case 'objectionEnds':
      return revoke(l);
    case 'renewalRecheck':
      return checkRenewal(l, completeRenewal);
    case 'renewalLapses':
      return lapseRenewal(l);
    case 'renewalPaymentDue':
      return renewalPaymentDue(l);
    case 'cancellationRecheck':
      return checkClearances(l);
    case 'cancellationLapses':
      return lapseCancellation(l);
    case 'inspectionDue':
      return openInspection(l);
    case 'taskReminder':
      return remindTask(l, d.taskId);
    case 'taskOverdue':
      return escalateTask(l, d.taskId);
  }
}
