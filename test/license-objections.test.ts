// A holder's objection to a suspension, on the real Temporal server and
// PostgreSQL with the objection window in seconds: made in time, it opens a
// task in the supervisors' inbox and the window's end no longer revokes; the
// supervisor who claims it upholds (revoked) or accepts (reinstated); without
// one the window's end revokes; after the window it is refused. One SMS for
// the objection received and one for the decision.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { agencyReportSignal, licenseWorkflowId } from '../workflows/license/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call } from './support/fixtures';
import { licenseSms, licenseView, secondsRules, startLicense, timeline, waitForLicense } from './support/licenses';

const WINDOW_S = 4;
let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv();
  // The renewal window (90 days by default) stays far off: these licenses are in force for an hour.
  await secondsRules(env, { renewal_window: '20s', objection_window: `${WINDOW_S}s`, agency_recheck: '1s' });
}, 120_000);
afterAll(async () => env?.close());

const GROUNDS = 'The workers named have had contracts since March; copies attached.';
const events = async (number: string) => (await timeline(env, number)).map((e) => e.event);

/** A live license suspended by the Labor Office's report. */
async function suspendedLicense() {
  const l = await startLicense(env, { expiresInMs: 3_600_000 });
  await waitFor('started', async () => (await events(l.number)).includes('issued'));
  await env.client.workflow.getHandle(licenseWorkflowId(l.number)).signal(agencyReportSignal, {
    reportId: `LBR-${l.number}`,
    agency: 'labor_office',
    kind: 'violation',
    reason: 'Workers without contracts',
    reportedAt: new Date().toISOString(),
  });
  const suspended = await waitForLicense(env, l.number, 'suspended', (v) => v.status === 'suspended');
  return { ...l, objectionDueAt: Date.parse(suspended.objectionDueAt as string) };
}

/** The holder objects, and the supervisors' inbox shows the task: its id. */
async function objected(number: string): Promise<string> {
  const res = await call(env.api, 'applicant', 'POST', `/licenses/${number}/objection`, { grounds: GROUNDS });
  expect(res.statusCode, res.body).toBe(202);
  const taskId = res.json().suspension.objection.taskId as string;
  await waitFor('the objection in the supervisors’ inbox', async () => {
    const inbox = (await call(env.api, 'supervisor', 'GET', '/tasks?kind=objection_review&assignee=unassigned')).json().items as { id: string }[];
    return inbox.some((t) => t.id === taskId);
  });
  return taskId;
}

const taskRow = async (id: string) => (await rowsOf<Record<string, any>>(env.db.db, sql`select * from tasks where id = ${id}`))[0]!;

describe('an objection to a suspension', () => {
  it('opens a supervisor’s task, stops the window from revoking, and upheld, revokes', async () => {
    const l = await suspendedLicense();
    const taskId = await objected(l.number);
    expect(await taskRow(taskId)).toMatchObject({ kind: 'objection_review', required_role: 'supervisor', license_number: l.number, status: 'open', office_id: null });
    // A second objection to the same suspension is refused.
    const again = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/objection`, { grounds: GROUNDS });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already under way/);
    // The office's staff do not see the municipality's task; nor may a reviewer decide it.
    expect((await call(env.api, 'manager', 'GET', `/tasks/${taskId}`)).statusCode).toBe(404);
    // The window passes with the objection pending: still suspended.
    await waitFor('the window to pass', () => Date.now() > l.objectionDueAt + 1_500, { timeoutMs: 15_000 });
    expect((await licenseView(env, l.number)).status).toBe('suspended');
    // Decided only by the supervisor holding it.
    expect((await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/decision`, { decision: 'upheld' })).json().message).toMatch(/claim the objection/);
    const claimed = await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/claim`);
    expect(claimed.statusCode, claimed.body).toBe(200);
    expect(claimed.json()).toMatchObject({ status: 'claimed', assignee: env.users.supervisor.sub, licenseNumber: l.number });
    const wrong = await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/decision`, { decision: 'approve' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().field).toBe('body/decision');
    const decided = await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/decision`, { decision: 'upheld', comment: 'Contracts are dated after the inspection' });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'completed', decision: 'upheld' });
    const revoked = await waitForLicense(env, l.number, 'revoked', (v) => v.status === 'revoked');
    expect(revoked.statusReason).toBe('Workers without contracts');
    expect(await events(l.number)).toEqual(['issued', 'suspended', 'objection_received', 'task_claimed', 'objection_upheld']);
    expect(await taskRow(taskId)).toMatchObject({ status: 'completed', decision: 'upheld', comment: 'Contracts are dated after the inspection' });
    await waitFor('the workflow ended', async () => (await env.client.workflow.getHandle(licenseWorkflowId(l.number)).describe()).status.name === 'COMPLETED');
    expect(await licenseSms(env, l.number)).toEqual({ suspended: 1, objection_received: 1, objection_upheld: 1 });
    // The holder reads the decision, not who held the task.
    const own = (await call(env.api, 'applicant', 'GET', `/licenses/${l.number}/timeline`)).json().events.map((e: { event: string }) => e.event);
    expect(own).toEqual(['issued', 'suspended', 'objection_received', 'objection_upheld']);
  }, 120_000);

  it('accepted, reinstates the license', async () => {
    const l = await suspendedLicense();
    const taskId = await objected(l.number);
    // An office's reviewer does not see the municipality's task.
    expect((await call(env.api, 'health', 'POST', `/tasks/${taskId}/claim`)).statusCode).toBe(404);
    expect((await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/claim`)).statusCode).toBe(200);
    const decided = await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/decision`, { decision: 'accepted' });
    expect(decided.statusCode, decided.body).toBe(200);
    const active = await waitForLicense(env, l.number, 'reinstated', (v) => v.status === 'active');
    expect(active.statusReason).toBeNull();
    expect(await events(l.number)).toEqual(['issued', 'suspended', 'objection_received', 'task_claimed', 'objection_accepted']);
    expect(await licenseSms(env, l.number)).toEqual({ suspended: 1, objection_received: 1, objection_accepted: 1 });
    // Nothing left to object to.
    expect((await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/objection`, { grounds: GROUNDS })).statusCode).toBe(409);
  }, 120_000);

  it('none made: the window’s end revokes, and one made after it is refused', async () => {
    const l = await suspendedLicense();
    const revoked = await waitForLicense(env, l.number, 'revoked', (v) => v.status === 'revoked', 30_000);
    expect(revoked.status).toBe('revoked');
    const late = await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/objection`, { grounds: GROUNDS });
    expect(late.statusCode).toBe(409);
    expect(await events(l.number)).toEqual(['issued', 'suspended', 'revoked']);
    expect(await licenseSms(env, l.number)).toEqual({ suspended: 1, revoked: 1 });
  }, 60_000);

  it('is refused after the window even before the workflow has revoked, and for a license not suspended', async () => {
    const active = await startLicense(env, { expiresInMs: 3_600_000 });
    await waitFor('started', async () => (await events(active.number)).includes('issued'));
    const notSuspended = await call(env.api, 'clerk', 'POST', `/licenses/${active.number}/objection`, { grounds: GROUNDS });
    expect(notSuspended.statusCode).toBe(409);
    expect(notSuspended.json().message).toMatch(/not suspended/);
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${active.number}/objection`, { grounds: 'short' })).json().field).toBe('body/grounds');
    expect((await call(env.api, 'clerkB', 'POST', `/licenses/${active.number}/objection`, { grounds: GROUNDS })).statusCode).toBe(404);
  }, 60_000);

  it("withdrawn with its suspension: the agency's 'resolved' reinstates and cancels the pending task", async () => {
    const l = await suspendedLicense();
    const taskId = await objected(l.number);
    await env.client.workflow.getHandle(licenseWorkflowId(l.number)).signal(agencyReportSignal, {
      reportId: `LBR-${l.number}-resolved`,
      agency: 'labor_office',
      kind: 'resolved',
      reason: 'Contracts registered',
      reportedAt: new Date().toISOString(),
    });
    await waitForLicense(env, l.number, 'reinstated', (v) => v.status === 'active');
    await waitFor('the task cancelled', async () => (await taskRow(taskId)).status === 'cancelled');
    expect(await licenseSms(env, l.number)).toEqual({ suspended: 1, objection_received: 1, reinstated: 1 });
  }, 60_000);
});
