// The applicant's corrections: the case asks for one (incomplete, or returned
// by a reviewer) and waits until it comes or the deadline passes; an
// administrator may move the deadline.
import { condition } from '@temporalio/workflow';
import type { Correction, Deficiency } from '../../domain/application';
import { CaseEvent, correctionTaskId, Stage, TaskKind, WaitingOn } from '../../domain/status';
import type { ApplicationCase } from './case';
import type { UpdateResult } from './contract';

type Extension = { until: string; by: string; reason: string };

/** Asks for a correction and waits for it; false when the deadline passed first. */
export async function awaitCorrection(c: ApplicationCase, event: CaseEvent, deficiencies: Deficiency[]): Promise<boolean> {
  const s = c.state;
  c.correction = undefined;
  s.stage = Stage.awaitingCorrection;
  s.waitingOn = [WaitingOn.applicant];
  s.deficiencies = deficiencies;
  s.correctionDueAt = new Date(Date.now() + c.timing.correctionDeadlineMs).toISOString();
  // A review the other reviewer had not decided is moot: the next round reviews afresh.
  const close = c.closeTasks((t) => t.kind !== TaskKind.correction, 'cancelled');
  const open = [c.openTask(correctionTaskId(c.id, c.nextSeq), TaskKind.correction, s.correctionDueAt)];
  c.index();
  await c.record(event, { tasks: { open, close } });
  c.correctionTask = open[0]!.id;
  // The deadline can move (extendDeadline): wait for the correction or for the deadline as it stands.
  let corrected = false;
  for (;;) {
    const left = Date.parse(s.correctionDueAt) - Date.now();
    if (left <= 0) {
      corrected = c.correction !== undefined;
      break;
    }
    c.deadlineMoved = false;
    if ((await condition(() => c.correction !== undefined || c.deadlineMoved, left)) && c.correction !== undefined) {
      corrected = true;
      break;
    }
  }
  s.correctionDueAt = undefined;
  return corrected;
}

export function checkCorrection(c: ApplicationCase): void {
  if (c.state.stage !== Stage.awaitingCorrection) throw new Error(`the application is at stage ${c.state.stage}, not awaiting a correction`);
}

/** Takes the applicant's changes into the application; the path checks it again from the start. */
export async function receiveCorrection(c: ApplicationCase, correction: Correction): Promise<UpdateResult> {
  const s = c.state;
  c.correction = correction;
  const { note: _n, submittedBy: _s, ...changes } = correction;
  s.data = {
    ...s.data,
    ...(changes.requestedTermYears !== undefined ? { requestedTermYears: changes.requestedTermYears } : {}),
    applicant: { ...s.data.applicant, ...changes.applicant },
    establishment: { ...s.data.establishment, ...changes.establishment },
    documents: mergeDocuments(s.data.documents, changes.documents),
    workers: changes.workers ?? s.data.workers,
  };
  s.stage = Stage.completenessCheck;
  s.waitingOn = [];
  if (correction.submittedBy && !s.correctedBy.includes(correction.submittedBy)) s.correctedBy.push(correction.submittedBy);
  const close = c.closeTasks((t) => t.kind === TaskKind.correction, 'completed', { decision: 'corrected' });
  c.index();
  await c.record(CaseEvent.correctionReceived, { actor: correction.submittedBy ?? 'applicant', details: { note: correction.note }, tasks: { close } }, { writer: 'handler' });
  return c.updateResult();
}

export function checkExtension(c: ApplicationCase, { until }: Extension): void {
  const s = c.state;
  if (s.stage !== Stage.awaitingCorrection || !s.correctionDueAt) throw new Error(`the application is at stage ${s.stage}, not awaiting a correction`);
  if (!(Date.parse(until) > Date.parse(s.correctionDueAt))) throw new Error(`the new deadline must be after the current one (${s.correctionDueAt})`);
}

export async function extendDeadline(c: ApplicationCase, { until, by, reason }: Extension): Promise<UpdateResult> {
  const s = c.state;
  const from = s.correctionDueAt;
  s.correctionDueAt = until;
  c.deadlineMoved = true;
  const due = c.correctionTask && s.tasks[c.correctionTask] ? { id: c.correctionTask, dueAt: until } : undefined;
  await c.record(CaseEvent.deadlineExtended, { actor: by, details: { from, to: until, reason }, tasks: due ? { due } : {} }, { writer: 'handler' });
  return c.updateResult();
}

function mergeDocuments<T extends { type: string }>(current: T[], changes: T[] | undefined): T[] {
  if (!changes) return current;
  const byType = new Map(current.map((d) => [d.type, d]));
  for (const d of changes) byType.set(d.type, d);
  return [...byType.values()];
}
