// The municipality's tasks on a license, in the same inbox as a case's
// reviews: opened with the reviews' SLA (task_slas, in working days), claimed,
// released and reassigned through Updates the loop writes in turn, reminded
// and escalated by the license's own clock (deadlines in its queue, so no
// timer per task), and closed by the stage that serves them.
import type { TaskChanges } from '../../activities';
import { TASK_ROLE } from '../../domain/access';
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

/** Puts a task in the license's state, due by its SLA from now; the row it returns goes with the transition that opens it. */
export async function openTask(l: License, id: string, kind: TaskKind): Promise<Open> {
  const schedule = (await db.taskSchedules({ kinds: [kind], from: new Date().toISOString() }))[kind]!;
  const task: LicenseTask = { kind, requiredRole: TASK_ROLE[kind], round: 1, ...schedule };
  l.state.tasks = { ...openTasks(l), [id]: task };
  return { id, kind, requiredRole: task.requiredRole, round: task.round, dueAt: task.dueAt };
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

/** Nearly due: the municipality's supervisors are told (staff have no phones on record; an office's task texts the office). */
export async function remindTask(l: License, taskId: string): Promise<void> {
  const task = openTasks(l)[taskId]!;
  task.reminded = true;
  await db.notifySupervisors({ licenseNumber: l.state.number, taskId, kind: task.kind, what: 'reminder', dueAt: task.dueAt });
}

/** Past its SLA: escalated as a review is (priority up, on the timeline, the supervisors told). */
export async function escalateTask(l: License, taskId: string): Promise<void> {
  const task = openTasks(l)[taskId]!;
  task.overdue = true;
  await l.record(LicenseEvent.taskOverdue, { details: { taskId, dueAt: task.dueAt }, tasks: { escalate: { id: taskId, priority: ESCALATED_PRIORITY } } });
  await db.notifySupervisors({ licenseNumber: l.state.number, taskId, kind: task.kind, what: 'overdue', dueAt: task.dueAt });
}
