// The municipality's tasks on a license, in the same inbox as a case's
// reviews: opened with the reviews' SLA (task_slas, in working days), claimed,
// released and reassigned through Updates the loop writes in turn, reminded
// and escalated by the license's own clock (deadlines in its queue, so no
// timer per task), and closed by the stage that serves them.
import type { TaskChanges, TaskSchedule } from '../../activities';
import { TASK_ROLE, type Role } from '../../domain/access';
import type { LicenseTask } from '../../domain/license';
import { LicenseEvent, type TaskKind } from '../../domain/status';
import type { TaskChange } from '../application/contract';
import { ESCALATED_PRIORITY } from '../application/tasks';
import { db } from './activities';
import type { LicenseTaskInput, LicenseTaskReassignment } from './contract';
import type { License } from './license';

type Open = NonNullable<TaskChanges['open']>[number];
type Close = NonNullable<TaskChanges['close']>[number];

export const openTasks = (l: License): Record<string, LicenseTask> => l.state.tasks ?? {};

/** Who works a license's task: the role (TASK_ROLE's unless said) and, for an office's task, the office whose inbox has it. */
export interface TaskPlace {
  requiredRole?: Role;
  officeId?: string;
}

/** Puts a task in the license's state, due by its SLA from now; the row it returns goes with the transition that opens it. */
export async function openTask(l: License, id: string, kind: TaskKind, where: TaskPlace = {}): Promise<Open> {
  const schedule = (await db.taskSchedules({ kinds: [kind], from: new Date().toISOString() }))[kind]!;
  return placeTask(l, id, kind, schedule, where);
}

/** Puts a task whose SLA is known in the state. */
export function placeTask(l: License, id: string, kind: TaskKind, schedule: TaskSchedule, where: TaskPlace = {}): Open {
  const requiredRole = where.requiredRole ?? TASK_ROLE[kind];
  const task: LicenseTask = { kind, requiredRole, round: 1, ...schedule, ...(where.officeId ? { officeId: where.officeId } : {}) };
  l.state.tasks = { ...openTasks(l), [id]: task };
  return { id, kind, requiredRole, round: task.round, dueAt: task.dueAt, ...(where.officeId ? { officeId: where.officeId } : {}) };
}

/** Takes the tasks that match out of the state; the rows they return close them in the inbox. */
export function closeTasks(l: License, which: (t: LicenseTask, id: string) => boolean, status: Close['status'], outcome: Omit<Close, 'id' | 'status'> = {}): Close[] {
  const closing = Object.entries(openTasks(l)).filter(([id, t]) => which(t, id));
  l.state.tasks = Object.fromEntries(Object.entries(openTasks(l)).filter(([id]) => !closing.some(([c]) => c === id)));
  return closing.map(([id]) => ({ id, status, ...outcome }));
}

/** Why a claim, release or reassignment cannot be made now, if it cannot (checked by the validator, then again by the loop). */
export function taskChangeRefusal(l: License, kind: 'claim' | 'release' | 'reassign', input: LicenseTaskInput): string | undefined {
  const task = openTasks(l)[input.taskId];
  if (!task) return `task ${input.taskId} is not open`;
  if (kind === 'claim' && task.holder && task.holder !== input.by.id) return `task ${input.taskId} is held by ${task.holder}`;
  if (kind === 'release') {
    if (!task.holder) return `task ${input.taskId} is not held by anyone`;
    if (task.holder !== input.by.id && !input.by.supervisor) return `task ${input.taskId} is held by ${task.holder}; only they or a supervisor can release it`;
  }
  if (kind === 'reassign' && !input.by.supervisor) return 'only a supervisor reassigns a task';
  if (kind !== 'release') return renewalReviewConflict(l, input.taskId, kind === 'claim' ? input.by.id : (input as LicenseTaskReassignment).to);
  return undefined;
}

/** A claim (holder: the caller), a release (nobody) or a reassignment (the named person), on the timeline staff read. */
export async function changeHolder(l: License, kind: 'claim' | 'release' | 'reassign', input: LicenseTaskInput | LicenseTaskReassignment): Promise<TaskChange> {
  const task = openTasks(l)[input.taskId]!;
  const from = task.holder;
  const to = kind === 'claim' ? input.by.id : kind === 'reassign' ? (input as LicenseTaskReassignment).to : undefined;
  // Claiming what one holds already is a no-op, answered as it stands.
  if (from === to) return { id: input.taskId, kind: task.kind, holder: from };
  task.holder = to;
  const event = { claim: LicenseEvent.taskClaimed, release: LicenseEvent.taskReleased, reassign: LicenseEvent.taskReassigned }[kind];
  const reason = kind === 'reassign' ? (input as LicenseTaskReassignment).reason : undefined;
  const at = await l.record(event, { actor: input.by.id, details: { taskId: input.taskId, from, to, ...(reason ? { reason } : {}) }, tasks: { assign: { id: input.taskId, assignee: to ?? null } } });
  return { id: input.taskId, kind: task.kind, holder: to, at };
}

/** Who is told of a task nearly due or overdue: an office's task, the office (as a case's task is); the municipality's, its supervisors. */
const notify = (l: License, taskId: string, task: LicenseTask, what: 'reminder' | 'overdue') => {
  const note = { licenseNumber: l.state.number, taskId, kind: task.kind, what, dueAt: task.dueAt };
  return task.officeId ? db.notifyLicenseOffice(note) : db.notifySupervisors(note);
};

/** Nearly due: the municipality's supervisors are told (staff have no phones on record); an office's task texts the office. */
export async function remindTask(l: License, taskId: string): Promise<void> {
  const task = openTasks(l)[taskId]!;
  task.reminded = true;
  await notify(l, taskId, task, 'reminder');
}

/** Past its SLA: escalated as a review is (priority up, on the timeline, the supervisors, and an office's manager, told). */
export async function escalateTask(l: License, taskId: string): Promise<void> {
  const task = openTasks(l)[taskId]!;
  task.overdue = true;
  await l.record(LicenseEvent.taskOverdue, { details: { taskId, dueAt: task.dueAt }, tasks: { escalate: { id: taskId, priority: ESCALATED_PRIORITY } } });
  await notify(l, taskId, task, 'overdue');
}

/**
 * Separation of duties on a renewal's reviews, as on a case's: who asked for
 * the renewal or corrected it does not review it, and one person does not make
 * both of its decisions.
 */
export function renewalReviewConflict(l: License, taskId: string, person: string): string | undefined {
  const r = l.state.renewal;
  const review = r?.reviews?.find((x) => x.taskId === taskId);
  if (!r || !review) return undefined;
  if (person === r.requestedBy) return `${person} asked for this renewal and cannot review it`;
  if (r.correctedBy?.includes(person)) return `${person} corrected this renewal and cannot review it`;
  const other = r.reviews!.find((x) => x.taskId !== taskId && (x.by === person || openTasks(l)[x.taskId]?.holder === person));
  if (other) return `${person} takes part in the other review of this renewal; one person cannot make both decisions`;
  return undefined;
}
