// Periodic inspection of public-health shops, on the real Temporal server and
// PostgreSQL with every duration in seconds (inspection_rules, violation_codes,
// task_slas): the inspection comes due as a municipal inspector's task; a pass
// schedules the next; a violation to fix brings a re-inspection when its time
// is up; a closure suspends the license at once; the task's SLA escalates as a
// review's does. Each result is on the timeline and in the holder's SMS, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv, type Who } from './support/env';
import { call, crNumber, healthApplication } from './support/fixtures';
import { licenseSms, licenseState, licenseView, secondsRules, startLicense, timeline, waitForLicense } from './support/licenses';

const INTERVAL_S = 3;
const FIX_S = 3;
const SLA_S = 8;
let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv();
  // Before any task opens: the worker caches task_slas once read.
  await env.db.db.execute(sql`update task_slas set working_days = ${SLA_S / 86_400}, remind_at_share = 0.5 where kind = 'inspection'`);
  await env.db.db.execute(sql`update inspection_rules set interval = ${`${INTERVAL_S}s`} where risk_class = 'high'`);
  await env.db.db.execute(sql`update violation_codes set fix_within = ${`${FIX_S}s`} where severity = 'fix'`);
  await secondsRules(env, { renewal_window: '20s', objection_window: '30s', agency_recheck: '1s' });
}, 120_000);
afterAll(async () => env?.close());

type Task = { id: string; status: string; licenseNumber: string | null; createdAt: string; priority: number };

/** A café (ISIC 563001, risk class high), licensed for an hour. */
const cafe = () => startLicense(env, { expiresInMs: 3_600_000, data: { establishment: { ...healthApplication().establishment, crNumber: crNumber(1) } } });

/** The license's open inspection task, as the municipal inspector's inbox lists it; `not` skips those seen before. */
const dueInspection = (number: string, not: string[] = [], timeoutMs = 20_000) =>
  waitFor(`an inspection of ${number} in the inspector's inbox`, async () => {
    const items = (await call(env.api, 'municipalInspector', 'GET', '/tasks?kind=inspection&status=open&limit=100')).json().items as Task[];
    return items.find((t) => t.licenseNumber === number && !not.includes(t.id));
  }, { timeoutMs, intervalMs: 200 });

const inspect = (who: Who, id: string, body: unknown) => call(env.api, who, 'POST', `/tasks/${id}/inspection`, body);
const events = async (number: string) => (await timeline(env, number)).map((e) => e.event);

async function claimed(number: string, not: string[] = []): Promise<Task> {
  const task = await dueInspection(number, not);
  const res = await call(env.api, 'municipalInspector', 'POST', `/tasks/${task.id}/claim`);
  expect(res.statusCode, res.body).toBe(200);
  return task;
}

describe('periodic inspection of a public-health shop', () => {
  it('comes due as a municipal inspector’s task, unannounced; a pass is told once and the next is scheduled', async () => {
    const l = await cafe();
    const first = await dueInspection(l.number);
    // The office's technical inspector does not see the municipality's task; a supervisor may not record one.
    expect((await call(env.api, 'inspector', 'POST', `/tasks/${first.id}/claim`)).statusCode).toBe(404);
    expect((await call(env.api, 'municipalInspector', 'POST', `/tasks/${first.id}/claim`)).statusCode).toBe(200);
    expect((await inspect('supervisor', first.id, { result: 'pass' })).statusCode).toBe(403);
    // Not an inspection: the wrong route for a decision (municipal inspectors decide renewal reviews there, so it says where to go).
    const misrouted = await call(env.api, 'municipalInspector', 'POST', `/tasks/${first.id}/decision`, { decision: 'approve' });
    expect(misrouted.statusCode).toBe(409);
    expect(misrouted.json().message).toMatch(/recorded at \/tasks\/.*\/inspection/);
    const passed = await inspect('municipalInspector', first.id, { result: 'pass', comment: 'Clean' });
    expect(passed.statusCode, passed.body).toBe(200);
    expect(passed.json()).toMatchObject({ status: 'completed', decision: 'pass', reasons: [] });
    await waitFor('passed on the timeline', async () => (await events(l.number)).includes('inspection_passed'));
    const after = Date.now();
    const next = Date.parse((await licenseState(env, l.number)).inspection!.dueAt);
    expect(next).toBeGreaterThan(after);
    expect(next).toBeLessThanOrEqual(after + INTERVAL_S * 1_000 + 1_000);
    const second = await dueInspection(l.number, [first.id]);
    expect(Date.parse(second.createdAt)).toBeGreaterThanOrEqual(next);
    expect(await licenseSms(env, l.number)).toEqual({ inspection_passed: 1 });
    // The holder reads the result, never that an inspection is due.
    const own = (await call(env.api, 'applicant', 'GET', `/licenses/${l.number}/timeline`)).json().events.map((e: { event: string }) => e.event);
    expect(own).toEqual(['issued', 'inspection_passed']);
  }, 90_000);

  it('inspects a shop imported from before Tarkhees too: its task has no case, and its page shows the license', async () => {
    const number = `IMP-2024-${String(Date.now() % 1_000_000).padStart(6, '0')}`;
    const issued = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
    const expires = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
    const csv = `license_number,license_kind,cr_number,trade_name,isic_code,holder_national_id,holder_name,holder_mobile,office_id,issued_on,expires_on,status,status_reason,suspended_by,district
${number},health,${crNumber(1)},Qahwat Al-Balad,563001,1023456781,Fahad Al-Harbi,0552223344,,${issued},${expires},active,,,Al-Hofuf
`;
    const imported = await env.api.inject({ method: 'POST', url: '/operations/license-imports', headers: { ...(await env.auth('admin')), 'content-type': 'text/csv' }, payload: csv });
    expect(imported.statusCode, imported.body).toBeLessThan(300);
    const task = await dueInspection(number, [], 40_000);
    const got = (await call(env.api, 'municipalInspector', 'GET', `/tasks/${task.id}`)).json();
    expect(got).toMatchObject({ applicationId: null, licenseNumber: number, kind: 'inspection' });
    expect((await call(env.api, 'municipalInspector', 'POST', `/tasks/${task.id}/claim`)).statusCode).toBe(200);
    const passed = await inspect('municipalInspector', task.id, { result: 'pass' });
    expect(passed.statusCode, passed.body).toBe(200);
    await waitFor('passed on the timeline', async () => (await events(number)).includes('inspection_passed'));
  }, 90_000);

  it('a violation to fix within N days brings a re-inspection task at that time', async () => {
    const l = await cafe();
    const first = await claimed(l.number);
    const unknown = await inspect('municipalInspector', first.id, { result: 'violations', violations: [{ code: 'V-NOPE-99' }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().field).toBe('body/violations/0/code');
    expect((await inspect('municipalInspector', first.id, { result: 'pass', violations: [{ code: 'V-CERT-01' }] })).json().field).toBe('body/violations');
    const found = await inspect('municipalInspector', first.id, { result: 'violations', violations: [{ code: 'V-CERT-01', note: 'Cook without a certificate' }, { code: 'V-HYG-01' }] });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json()).toMatchObject({ decision: 'violations', reasons: ['V-CERT-01', 'V-HYG-01'] });
    const recorded = await waitFor('violations on the timeline', async () => (await timeline(env, l.number)).find((e) => e.event === 'inspection_violations'));
    const fixBy = Date.parse(recorded.details.fixBy);
    expect(recorded.details.violations).toEqual([{ code: 'V-CERT-01', severity: 'fix', note: 'Cook without a certificate' }, { code: 'V-HYG-01', severity: 'note' }]);
    const reinspection = await dueInspection(l.number, [first.id]);
    expect(Date.parse(reinspection.createdAt)).toBeGreaterThanOrEqual(fixBy);
    const due = (await timeline(env, l.number)).filter((e) => e.event === 'inspection_due');
    expect(due.at(-1)!.details).toEqual({ taskId: reinspection.id, reinspects: ['V-CERT-01'] });
    expect(await licenseSms(env, l.number)).toEqual({ inspection_violations: 1 });
    const [sms] = await rowsOf<{ body_en: string }>(env.db.db, sql`select body_en from sms_outbox where license_number = ${l.number}`);
    expect(sms!.body_en).toMatch(/V-CERT-01, V-HYG-01\. Please fix them by/);
    expect((await licenseView(env, l.number)).status).toBe('active');
  }, 90_000);

  it('a closure violation suspends the license at once, one SMS, with the objection window', async () => {
    const l = await cafe();
    const first = await claimed(l.number);
    const closed = await inspect('municipalInspector', first.id, { result: 'violations', violations: [{ code: 'V-PEST-01' }] });
    expect(closed.statusCode, closed.body).toBe(200);
    const suspended = await waitForLicense(env, l.number, 'suspended', (v) => v.status === 'suspended', 5_000);
    expect(suspended.statusReason).toMatch(/Pests in the preparation area/);
    expect(suspended.objectionDueAt).toBeTruthy();
    expect(await events(l.number)).toEqual(['issued', 'inspection_due', 'task_claimed', 'suspended']);
    expect(await licenseSms(env, l.number)).toEqual({ suspended: 1 });
    // Its objection flow is any suspension's.
    const objected = await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/objection`, { grounds: 'Pest control came the same day; certificate attached' });
    expect(objected.statusCode, objected.body).toBe(202);
    expect(objected.json().suspension).toMatchObject({ kind: 'closure', reportId: first.id });
    // Suspended: no inspection comes due.
    expect((await licenseState(env, l.number)).tasks).toEqual({ [objected.json().suspension.objection.taskId]: expect.objectContaining({ kind: 'objection_review' }) });
  }, 60_000);

  it('escalates an inspection nobody records as a review is: reminded, then overdue with its priority raised, the supervisors told', async () => {
    const l = await cafe();
    const task = await dueInspection(l.number);
    await waitFor('overdue', async () => (await events(l.number)).includes('task_overdue'), { timeoutMs: SLA_S * 1_000 + 10_000 });
    const overdue = (await timeline(env, l.number)).find((e) => e.event === 'task_overdue')!;
    expect(overdue.details.taskId).toBe(task.id);
    const [row] = await rowsOf<{ priority: number; status: string }>(env.db.db, sql`select priority, status from tasks where id = ${task.id}`);
    expect(row).toEqual({ priority: 2, status: 'open' });
    // The supervisors' note follows the escalation's row.
    await waitFor('the supervisors told', async () => {
      const notes = (await call(env.api, 'supervisor', 'GET', '/notifications?limit=100')).json().items as { taskId: string; kind: string }[];
      return notes.filter((n) => n.taskId === task.id).map((n) => n.kind).sort().join() === 'task_overdue,task_reminder';
    });
    const listed = (await call(env.api, 'municipalInspector', 'GET', '/tasks?kind=inspection&overdue=true&limit=100')).json().items as Task[];
    expect(listed.some((t) => t.id === task.id)).toBe(true);
    // Still the inspector's to do, once: overdue changes nothing of that, and the holder hears nothing of it.
    expect(await licenseSms(env, l.number)).toEqual({});
  }, 60_000);

  it('is not scheduled for an activity without a risk class', async () => {
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await waitFor('started', async () => (await events(l.number)).includes('issued'));
    expect((await licenseState(env, l.number)).inspection).toBeUndefined();
  }, 30_000);
});
