// A renewal's review where the rules ask for one (activity_rules.renewal_reviews:
// the food activities, a health review), on the real Temporal server and
// PostgreSQL, the renewal window and correction deadline in seconds: once the
// checks pass, the health review is a task in the license's office's inbox
// (claimed, decided by its health specialist, as an application's); approved,
// the license renews; returned, the holder corrects and it is reviewed again;
// rejected, the renewal is refused with its reason and the license, as it was,
// expires at its expiry; an activity that needs no review renews as before; a
// license with no office has its renewal reviewed by the municipal inspectors.
// Every outcome is on the timeline and one SMS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call } from './support/fixtures';
import { healthData, licenseState, licenseView, secondsRules, startLicense, timeline, waitForLicense } from './support/licenses';
import { sample, uploadOk } from './support/uploads';

let env: TestEnv;

/** The health review's SLA in seconds, reminded halfway: written before the worker first reads (and caches) task_slas. */
const SLA_S = 40;

beforeAll(async () => {
  env = await startTestEnv();
  await env.db.db.execute(sql`update task_slas set working_days = ${SLA_S / 86_400}, remind_at_share = 0.5 where kind = 'health_review'`);
  // Every license here is in its renewal window from the start (it expires within the window), its reminders counted as sent.
  await secondsRules(env, { renewal_window: '2h', reminders: ['2h'], renewal_correction: '60s', agency_recheck: '1s' });
}, 120_000);
afterAll(async () => env?.close());

const HOUR_MS = 3_600_000;
const events = async (number: string) => (await timeline(env, number)).map((e) => e.event);
const taskRow = async (id: string) => (await rowsOf<Record<string, any>>(env.db.db, sql`select * from tasks where id = ${id}`))[0];
/** The holder's SMS by event (startLicense's mobile); the office's notes about its tasks go to the office. */
const holderSms = async (number: string) => {
  const rows = await rowsOf<{ event: string; n: number }>(env.db.db, sql`select event, count(*)::int as n from sms_outbox where license_number = ${number} and mobile = '+966500000077' group by event`);
  return Object.fromEntries(rows.map((r) => [r.event, r.n]));
};
const licenseTasks = (number: string) => rowsOf<Record<string, any>>(env.db.db, sql`select * from tasks where license_number = ${number} order by created_at, id`);

/** A café's license in its renewal window, renewed by office A's clerk: the id of the review task that opens. */
async function renewedForReview(opts: { expiresInMs?: number; who?: 'clerk' | 'applicant'; officeId?: string | null } = {}) {
  const l = await startLicense(env, { expiresInMs: opts.expiresInMs ?? HOUR_MS, data: healthData(), officeId: opts.officeId });
  await waitForLicense(env, l.number, 'renewal open', (v) => v.status === 'renewal_open');
  const asked = await call(env.api, opts.who ?? 'clerk', 'POST', `/licenses/${l.number}/renewal`, {});
  expect(asked.statusCode, asked.body).toBe(202);
  const taskId = await reviewOpened(l.number);
  return { ...l, taskId };
}

/** Waits for the renewal's (next) review round: its task's id. */
async function reviewOpened(number: string, round = 1): Promise<string> {
  const state = await waitFor(`${number} review round ${round}`, async () => {
    const s = await licenseState(env, number);
    return s.renewal?.stage === 'review' && s.renewal.round === round ? s : undefined;
  });
  return state.renewal!.reviews![0]!.taskId;
}

describe('a renewal whose activity needs a review', () => {
  it('opens a health review in the office’s inbox; returned, corrected, reviewed again and approved, it renews', async () => {
    const l = await renewedForReview();
    expect(l.taskId).toMatch(new RegExp(`^${l.number}:renewal-health:\\d+$`));
    expect(await taskRow(l.taskId)).toMatchObject({ kind: 'health_review', required_role: 'health_specialist', office_id: env.offices.a, license_number: l.number, status: 'open' });
    const pending = (await call(env.api, 'clerk', 'GET', `/licenses/${l.number}/timeline`)).json().pending;
    expect(pending.renewal).toMatchObject({ stage: 'review', round: 1, reviews: [{ kind: 'health', taskId: l.taskId }] });
    // In office A's inbox, as an application's review is; not in office B's; the SLA is the health review's.
    const inbox = (await call(env.api, 'health', 'GET', '/tasks?kind=health_review&assignee=unassigned&limit=100')).json().items as { id: string; licenseNumber: string | null }[];
    expect(inbox.find((t) => t.id === l.taskId)).toMatchObject({ licenseNumber: l.number });
    expect((await call(env.api, 'healthB', 'GET', `/tasks/${l.taskId}`)).statusCode).toBe(404);
    // Only the task's role claims it, and only its holder decides it.
    expect((await call(env.api, 'inspector', 'POST', `/tasks/${l.taskId}/claim`)).statusCode).toBe(403);
    const unclaimed = await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'approve' });
    expect(unclaimed.statusCode).toBe(409);
    expect(unclaimed.json().message).toMatch(/claim the health review/);
    expect((await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/claim`)).statusCode).toBe(200);
    const bare = await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'return' });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().field).toBe('body/deficiencies');
    const deficiency = { code: 'HYGIENE_PHOTO', field: 'documents/storefront_photo', messageAr: 'صورة الواجهة لا تظهر المدخل', messageEn: 'The storefront photo does not show the entrance' };
    const returned = await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'return', deficiencies: [deficiency], comment: 'Photograph the entrance' });
    expect(returned.statusCode, returned.body).toBe(200);
    expect(returned.json()).toMatchObject({ status: 'completed', decision: 'return' });
    await waitFor('returned', async () => (await events(l.number)).includes('renewal_returned'));
    const waiting = await licenseState(env, l.number);
    expect(waiting.renewal).toMatchObject({ stage: 'awaiting_correction', deficiencies: [deficiency] });
    expect(waiting.renewal!.correctionDueAt).toBeTruthy();

    // The holder's office corrects it: checked again, and a second round opens with a task of its own.
    const photo = await uploadOk(env.api, 'clerk', { type: 'storefront_photo', file: { name: 'entrance.png', bytes: sample('storefront.png'), contentType: 'image/png' } });
    const corrected = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal/corrections`, { documents: [{ type: 'storefront_photo', documentId: photo }] });
    expect(corrected.statusCode, corrected.body).toBe(202);
    const second = await reviewOpened(l.number, 2);
    expect(second).not.toBe(l.taskId);
    expect(await call(env.api, 'health', 'POST', `/tasks/${second}/claim`).then((r) => r.statusCode)).toBe(200);
    const approved = await call(env.api, 'health', 'POST', `/tasks/${second}/decision`, { decision: 'approve' });
    expect(approved.statusCode, approved.body).toBe(200);

    const renewed = await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    expect(renewed).toMatchObject({ status: 'active', lastRenewalLate: false });
    expect(renewed.expiresOn > l.expiresOn).toBe(true);
    expect(await taskRow(second)).toMatchObject({ status: 'completed', decision: 'approve', assignee: env.users.health.sub });
    const tl = await timeline(env, l.number);
    expect(tl.map((e) => e.event)).toEqual([
      'issued',
      'renewal_window_opened',
      'renewal_requested',
      'renewal_review_started',
      'task_claimed',
      'renewal_returned',
      'renewal_correction_received',
      'renewal_review_started',
      'task_claimed',
      'renewed',
    ]);
    expect(tl.find((e) => e.event === 'renewed')!.details.review).toMatchObject({ taskId: second, kind: 'health', decision: 'approve', round: 2 });
    expect(tl.find((e) => e.event === 'renewal_returned')!.details).toMatchObject({ deficiencies: ['HYGIENE_PHOTO'], comment: 'Photograph the entrance' });
    expect(await holderSms(l.number)).toEqual({ renewal_window_opened: 1, renewal_review_started: 2, renewal_returned: 1, renewed: 1 });
    // The holder reads the outcomes, not who held the tasks.
    const own = (await call(env.api, 'applicant', 'GET', `/licenses/${l.number}/timeline`)).json().events.map((e: { event: string }) => e.event);
    expect(own).not.toContain('task_claimed');
    expect(own).toContain('renewal_returned');
  }, 180_000);

  it('rejected: refused with its reason, the license as it was, and it expires at its expiry', async () => {
    const l = await renewedForReview({ expiresInMs: 30_000 });
    await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/claim`);
    const noReason = await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'reject' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().field).toBe('body/reasons');
    const rejected = await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'reject', reasons: ['UNSANITARY_KITCHEN'], comment: 'Grease traps missing' });
    expect(rejected.statusCode, rejected.body).toBe(200);
    await waitFor('rejected', async () => (await events(l.number)).includes('renewal_rejected'));
    const after = await licenseView(env, l.number);
    expect(after).toMatchObject({ status: 'renewal_open', renewals: 0, expiresOn: l.expiresOn });
    expect((await licenseState(env, l.number)).renewal).toBeUndefined();
    const [sms] = await rowsOf<{ body_en: string }>(env.db.db, sql`select body_en from sms_outbox where license_number = ${l.number} and event = 'renewal_rejected'`);
    expect(sms!.body_en).toMatch(/refused: UNSANITARY_KITCHEN: Grease traps missing/);
    // A decision twice is refused: the task is decided.
    expect((await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'approve' })).statusCode).toBe(409);
    await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired', 40_000);
    expect(await events(l.number)).toEqual(['issued', 'renewal_window_opened', 'renewal_requested', 'renewal_review_started', 'task_claimed', 'renewal_rejected', 'expired']);
    expect(await holderSms(l.number)).toEqual({ renewal_window_opened: 1, renewal_review_started: 1, renewal_rejected: 1, expired: 1 });
    expect(await taskRow(l.taskId)).toMatchObject({ status: 'completed', decision: 'reject', reasons: ['UNSANITARY_KITCHEN'] });
  }, 120_000);

  it('an activity that needs no review renews at once, with no task', async () => {
    const l = await startLicense(env, { expiresInMs: HOUR_MS });
    await waitForLicense(env, l.number, 'renewal open', (v) => v.status === 'renewal_open');
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal`, {})).statusCode).toBe(202);
    await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    expect(await events(l.number)).toEqual(['issued', 'renewal_window_opened', 'renewal_requested', 'renewed']);
    expect(await licenseTasks(l.number)).toEqual([]);
    expect(await holderSms(l.number)).toEqual({ renewal_window_opened: 1, renewed: 1 });
  }, 120_000);

  it('an unclaimed review is reminded to the office, then escalated: priority up, the office texted, its manager and the supervisors told', async () => {
    const l = await renewedForReview();
    const opened = await taskRow(l.taskId);
    const office = await rowsOf<{ mobile: string }>(env.db.db, sql`select data->>'mobile' as mobile from offices where id = ${env.offices.a}`);
    const officeSms = (event: string) =>
      rowsOf<{ mobile: string; body_en: string }>(env.db.db, sql`select mobile, body_en from sms_outbox where license_number = ${l.number} and event = ${event}`);
    const reminded = await waitFor('the reminder', async () => (await officeSms('task_reminder'))[0], { timeoutMs: SLA_S * 1000 });
    expect(reminded).toMatchObject({ mobile: office[0]!.mobile });
    expect(reminded.body_en).toMatch(new RegExp(`Reminder: the health review of license ${l.number} is due`));
    await waitFor('overdue', async () => (await events(l.number)).includes('task_overdue'), { timeoutMs: SLA_S * 1000 });
    expect(await taskRow(l.taskId)).toMatchObject({ priority: 2, status: 'open', due_at: opened!.due_at });
    // The note follows the escalation's row.
    await waitFor('the office told', async () => (await officeSms('task_overdue')).length === 1);
    const told = await waitFor('the escalation', async () => {
      const rows = await rowsOf<{ audience: string; office_id: string }>(env.db.db, sql`select audience, office_id from notifications where task_id = ${l.taskId} order by audience`);
      return rows.length ? rows : undefined;
    });
    expect(told).toEqual([{ audience: 'office_manager', office_id: env.offices.a }, { audience: 'supervisor', office_id: env.offices.a }]);
    const seen = (await call(env.api, 'manager', 'GET', '/notifications')).json().items as { taskId: string }[];
    expect(seen.some((n) => n.taskId === l.taskId)).toBe(true);
    // Overdue, it is still the office's to decide: a supervisor gives it to the office's health specialist.
    const given = await call(env.api, 'supervisor', 'POST', `/tasks/${l.taskId}/reassign`, { assignee: env.users.health.sub, reason: 'overdue' });
    expect(given.statusCode, given.body).toBe(200);
    expect((await call(env.api, 'supervisor', 'POST', `/tasks/${l.taskId}/reassign`, { assignee: env.users.healthB.sub })).statusCode).toBe(400);
    expect((await call(env.api, 'health', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'approve' })).statusCode).toBe(200);
    await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    expect(await holderSms(l.number)).toEqual({ renewal_window_opened: 1, renewal_review_started: 1, renewed: 1 });
  }, 180_000);

  it('a license with no office has its renewal reviewed by the municipal inspectors', async () => {
    const l = await renewedForReview({ officeId: null, who: 'applicant' });
    expect(await taskRow(l.taskId)).toMatchObject({ kind: 'health_review', required_role: 'municipal_inspector', office_id: null });
    expect((await call(env.api, 'health', 'GET', `/tasks/${l.taskId}`)).statusCode).toBe(404);
    // Separation of duties: who asked for the renewal does not review it, whoever gives them the task.
    const toHolder = await call(env.api, 'supervisor', 'POST', `/tasks/${l.taskId}/reassign`, { assignee: env.users.applicant.sub });
    expect(toHolder.statusCode).toBe(409);
    expect(toHolder.json().message).toMatch(/asked for this renewal and cannot review it/);
    expect((await call(env.api, 'municipalInspector', 'POST', `/tasks/${l.taskId}/claim`)).statusCode).toBe(200);
    const approved = await call(env.api, 'municipalInspector', 'POST', `/tasks/${l.taskId}/decision`, { decision: 'approve' });
    expect(approved.statusCode, approved.body).toBe(200);
    await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    expect(await holderSms(l.number)).toEqual({ renewal_window_opened: 1, renewal_review_started: 1, renewed: 1 });
  }, 120_000);
});
