// A supervisor moves an open case to another service office (its own was
// suspended, or is overloaded): the case goes on where it was, and its open
// tasks go to the new office's inbox.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { CaseEvent, Stage, Status } from '../../domain/status';
import type { ApplicationCase } from './case';
import { SA_OFFICE, type OfficeReassignment, type UpdateResult } from './contract';

export function checkMove(c: ApplicationCase, r: OfficeReassignment): void {
  if (c.state.status !== Status.inProgress || c.state.stage === Stage.closed) throw new Error('the application is closed');
  if (r.officeId === c.state.data.officeId) throw new Error(`the application is already with office ${r.officeId}`);
}

export async function move(c: ApplicationCase, r: OfficeReassignment): Promise<UpdateResult> {
  const s = c.state;
  const from = s.data.officeId ?? null;
  s.data = { ...s.data, officeId: r.officeId };
  upsertSearchAttributes([{ key: SA_OFFICE, value: r.officeId }]);
  // The old office's reviewers no longer hold anything here.
  for (const t of Object.values(s.tasks)) t.holder = undefined;
  await c.record(CaseEvent.officeReassigned, { actor: r.by, details: { from, to: r.officeId, reason: r.reason }, tasks: { retarget: r.officeId } }, { writer: 'handler' });
  return c.updateResult();
}
