// Periodic inspection of public-health shops: a license whose activity has a
// risk class is inspected every interval of its class (inspection_rules). The
// due inspection is a municipal inspector's task in the inbox, with the
// reviews' SLA; it is unannounced, so only staff see it come due. The
// inspector records the result: a pass (the next one an interval away),
// violations noted, violations to fix (re-inspected when the time to fix them
// ends), or a closure, which suspends the license at once, with the objection
// window any suspension has.
import type { Finding } from '../../domain/license';
import { IN_FORCE, inspectionTaskId, LicenseEvent, TaskKind, ViolationSeverity } from '../../domain/status';
import type { InspectionInput } from './contract';
import type { License } from './license';
import { suspend } from './suspension';
import { closeTasks, openTask, openTasks } from './tasks';

const isInspection = (t: { kind: TaskKind }) => t.kind === TaskKind.inspection;
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

/** At each run's start: an inspected activity has its next inspection in view (an interval from now, the first time). */
export function scheduleInspections(l: License): void {
  const every = l.rules!.inspectionIntervalMs;
  if (every !== undefined && !l.state.inspection) l.state.inspection = { dueAt: fromNow(every) };
}

/** When the next inspection comes due, if the clock should open it: the license in force, none open already. */
export function inspectionDueAt(l: License): number | undefined {
  const s = l.state;
  if (!s.inspection || !IN_FORCE.has(s.status) || Object.values(openTasks(l)).some(isInspection)) return undefined;
  return Date.parse(s.inspection.dueAt);
}

export async function openInspection(l: License): Promise<void> {
  const s = l.state;
  const taskId = inspectionTaskId(s.number, s.seq + 1);
  const open = await openTask(l, taskId, TaskKind.inspection);
  const reinspects = s.inspection?.reinspects;
  await l.record(LicenseEvent.inspectionDue, { details: { taskId, ...(reinspects ? { reinspects } : {}) }, tasks: { open: [open] } });
}

export function inspectionRefusal(l: License, input: InspectionInput): string | undefined {
  const task = openTasks(l)[input.taskId];
  if (!task || !isInspection(task) || l.queued('inspection')) return `task ${input.taskId} is not an inspection waiting for its result`;
  if (task.holder !== input.by) return task.holder ? `the inspection is held by ${task.holder}` : `claim the inspection (task ${input.taskId}) before recording it`;
  return undefined;
}

/** The result, on the timeline and in the holder's SMS: passed, violations (with the date to fix them by), or the closure's suspension. */
export async function recordInspection(l: License, input: InspectionInput): Promise<void> {
  const s = l.state;
  const { taskId, findings, comment } = input;
  const close = closeTasks(l, (_t, id) => id === taskId, 'completed', {
    decision: findings.length ? 'violations' : 'pass',
    reasons: findings.map((f) => f.code),
    ...(comment ? { comment } : {}),
  });
  const details = { taskId, violations: findings.map(({ code, severity, note }) => ({ code, severity, ...(note ? { note } : {}) })), ...(comment ? { comment } : {}) };
  const fixes = findings.filter((f) => f.severity === ViolationSeverity.fix);
  const every = l.rules!.inspectionIntervalMs;
  // The periodic cycle goes on from today; violations to fix are looked at again sooner, when their time is up.
  s.inspection = fixes.length
    ? { dueAt: fromNow(Math.max(...fixes.map((f) => f.fixWithinMs ?? 0))), reinspects: fixes.map((f) => f.code) }
    : every !== undefined
      ? { dueAt: fromNow(every) }
      : undefined;
  const closure = findings.find((f) => f.severity === ViolationSeverity.closure);
  if (closure) return suspend(l, { reportId: taskId, kind: 'closure', reason: reasonOf(closure) }, input.by, details, close);
  const event = findings.length ? LicenseEvent.inspectionViolations : LicenseEvent.inspectionPassed;
  await l.record(event, { actor: input.by, details: { ...details, ...(fixes.length ? { fixBy: s.inspection!.dueAt } : {}) }, tasks: { close } });
}

/** A suspension's one reason, in both languages, as the holder's SMS carries it. */
const reasonOf = (f: Finding) => `${f.textAr} / ${f.textEn}`;
