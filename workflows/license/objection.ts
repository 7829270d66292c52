// The holder's objection to a suspension: made within the window, it opens a
// task in the municipality supervisors' inbox and stops the window's end from
// revoking; the supervisor who holds the task upholds the suspension (the
// license is revoked) or accepts the objection (it is reinstated).
import { LicenseEvent, LicenseStatus, objectionTaskId, ObjectionDecision, TaskKind } from '../../domain/status';
import type { ObjectionDecisionInput, ObjectionInput } from './contract';
import type { License } from './license';
import { closeTasks, openTask, openTasks } from './tasks';
import { statusByClock } from './term';

export function objectionRefusal(l: License): string | undefined {
  const s = l.state;
  if (!l.rules) return 'the license is starting; try again in a moment';
  if (s.status !== LicenseStatus.suspended || !s.suspension) return `the license is ${s.status}, not suspended`;
  if (s.suspension.objection || l.queued('objection')) return 'an objection to this suspension is already under way';
  if (Date.now() >= Date.parse(s.suspension.objectionDueAt)) return `the objection window closed at ${s.suspension.objectionDueAt}`;
  return undefined;
}

export async function receiveObjection(l: License, input: ObjectionInput): Promise<void> {
  const s = l.state;
  // Named by the transition that opens it: a second suspension's objection is another task.
  const taskId = objectionTaskId(s.number, s.seq + 1);
  const open = await openTask(l, taskId, TaskKind.objectionReview);
  const documents = input.documents ?? [];
  s.suspension!.objection = { by: input.by, at: new Date().toISOString(), grounds: input.grounds, documents, taskId };
  await l.record(LicenseEvent.objectionReceived, { actor: input.by, details: { taskId, grounds: input.grounds, documents: documents.map((d) => d.type) }, tasks: { open: [open] } });
}

export function objectionDecisionRefusal(l: License, d: ObjectionDecisionInput): string | undefined {
  const objection = l.state.suspension?.objection;
  if (objection?.taskId !== d.taskId || l.queued('objectionDecision')) return `task ${d.taskId} is not an objection waiting for a decision`;
  const holder = openTasks(l)[d.taskId]?.holder;
  if (holder !== d.by) return holder ? `the objection is held by ${holder}` : `claim the objection (task ${d.taskId}) before deciding it`;
  return undefined;
}

export async function decideObjection(l: License, d: ObjectionDecisionInput): Promise<void> {
  const s = l.state;
  const cause = s.suspension!;
  const close = closeTasks(l, (_t, id) => id === d.taskId, 'completed', { decision: d.decision, ...(d.comment ? { comment: d.comment } : {}) });
  s.suspension = undefined;
  const upheld = d.decision === ObjectionDecision.upheld;
  // Accepted: back to wherever the term's clock is now, as a 'resolved' report would.
  s.status = upheld ? LicenseStatus.revoked : statusByClock(l);
  const details = { taskId: d.taskId, decision: d.decision, reason: cause.reason, ...(d.comment ? { comment: d.comment } : {}) };
  await l.record(upheld ? LicenseEvent.objectionUpheld : LicenseEvent.objectionAccepted, { actor: d.by, details, tasks: { close } });
}

/** The suspension ended otherwise (its agency reported it resolved): an objection pending on it has nothing left to decide. */
export function withdrawObjection(l: License) {
  const taskId = l.state.suspension?.objection?.taskId;
  return taskId ? closeTasks(l, (_t, id) => id === taskId, 'cancelled') : [];
}
