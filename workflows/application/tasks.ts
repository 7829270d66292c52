// The case's tasks in the inbox: who holds a review (claim, release, a
// supervisor's reassignment), and the clock that reminds the office before a
// task is due and escalates it when it is overdue.
import { condition } from '@temporalio/workflow';
import type { TaskSchedule } from '../../activities';
import { CaseEvent, TaskKind } from '../../domain/status';
import { db } from './activities';
import { inBackground } from './background';
import type { ApplicationCase } from './case';
import type { TaskActor, TaskChange } from './contract';

/** An overdue task's priority: above anything set by hand (0–1). */
export const ESCALATED_PRIORITY = 2;

type Claim = { taskId: string; by: TaskActor };
type Reassignment = { taskId: string; to: string; by: TaskActor; reason?: string };

export function checkClaim(c: ApplicationCase, { taskId, by }: Claim): void {
  const task = c.task(taskId);
  if (task.kind === TaskKind.correction) throw new Error('a correction task waits for the applicant; it is not claimed');
  if (task.holder && task.holder !== by.id) throw new Error(`task ${taskId} is held by ${task.holder}`);
  const conflict = c.conflictOfDuty(by.id, task.kind);
  if (conflict) throw new Error(conflict);
}

export async function claim(c: ApplicationCase, { taskId, by }: Claim): Promise<TaskChange> {
  const task = c.task(taskId);
  if (task.holder === by.id) return { id: taskId, ...task };
  task.holder = by.id;
  const at = await c.record(CaseEvent.taskClaimed, { touchesCase: false, actor: by.id, details: { taskId }, tasks: { assign: { id: taskId, assignee: by.id } } }, { writer: 'handler' });
  return { id: taskId, ...task, at };
}

export function checkRelease(c: ApplicationCase, { taskId, by }: Claim): void {
  const task = c.task(taskId);
  if (!task.holder) throw new Error(`task ${taskId} is not held by anyone`);
  if (task.holder !== by.id && !by.supervisor) throw new Error(`task ${taskId} is held by ${task.holder}; only they or a supervisor can release it`);
}

export async function release(c: ApplicationCase, { taskId, by }: Claim): Promise<TaskChange> {
  const task = c.task(taskId);
  const holder = task.holder;
  task.holder = undefined;
  const at = await c.record(CaseEvent.taskReleased, { touchesCase: false, actor: by.id, details: { taskId, holder }, tasks: { assign: { id: taskId, assignee: null } } }, { writer: 'handler' });
  return { id: taskId, ...task, at };
}

export function checkReassignment(c: ApplicationCase, { taskId, to, by }: Reassignment): void {
  const task = c.task(taskId);
  if (!by.supervisor) throw new Error('only a supervisor reassigns a task');
  if (task.kind === TaskKind.correction) throw new Error('a correction task waits for the applicant; it is not assigned');
  const conflict = c.conflictOfDuty(to, task.kind);
  if (conflict) throw new Error(conflict);
}

export async function reassign(c: ApplicationCase, { taskId, to, by, reason }: Reassignment): Promise<TaskChange> {
  const task = c.task(taskId);
  const from = task.holder;
  task.holder = to;
  const at = await c.record(CaseEvent.taskReassigned, { touchesCase: false, actor: by.id, details: { taskId, from, to, reason }, tasks: { assign: { id: taskId, assignee: to } } }, { writer: 'handler' });
  return { id: taskId, ...task, at };
}

/**
 * One clock for all the case's tasks: it sleeps until the earliest reminder
 * or due time and acts on what is still open then. A task that closes does
 * not wake it (no timer to cancel per task, which is most cases); a newly
 * watched task does, in case it is due sooner.
 */
export class TaskClock {
  private readonly watched = new Map<string, { kind: TaskKind; schedule: TaskSchedule; reminded: boolean }>();
  private running = false;
  private woken = false;

  constructor(private readonly c: ApplicationCase) {}

  watch(id: string, kind: TaskKind, schedule: TaskSchedule): void {
    this.watched.set(id, { kind, schedule, reminded: false });
    this.woken = true;
    if (!this.running) {
      this.running = true;
      inBackground(() => this.keepTime());
    }
  }

  private async keepTime(): Promise<void> {
    const { state } = this.c;
    for (;;) {
      for (const id of this.watched.keys()) if (!state.tasks[id]) this.watched.delete(id);
      if (this.watched.size === 0) {
        this.running = false;
        return;
      }
      const next = Math.min(...[...this.watched.values()].map((w) => Date.parse(w.reminded ? w.schedule.dueAt : w.schedule.remindAt)));
      this.woken = false;
      await condition(() => this.woken, Math.max(1, next - Date.now()));
      for (const [id, w] of [...this.watched]) {
        if (!state.tasks[id]) continue;
        const note = { applicationId: this.c.id, taskId: id, kind: w.kind, dueAt: w.schedule.dueAt };
        if (!w.reminded && Date.now() >= Date.parse(w.schedule.remindAt)) {
          w.reminded = true;
          await db.notifyOffice({ ...note, what: 'reminder' });
        }
        if (w.reminded && Date.now() >= Date.parse(w.schedule.dueAt) && state.tasks[id]) {
          this.watched.delete(id);
          state.overdueTasks = [...state.overdueTasks, id];
          await this.c.record(CaseEvent.taskOverdue, { details: { taskId: id, dueAt: w.schedule.dueAt }, tasks: { escalate: { id, priority: ESCALATED_PRIORITY } } });
          await db.notifyOffice({ ...note, what: 'overdue' });
        }
      }
    }
  }
}
