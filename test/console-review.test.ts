// The reviewer's console in a real Chromium, against the real API, Temporal
// and PostgreSQL, signed in through the issuer's login page: the health
// specialist and the inspector each find their task in the inbox, claim it,
// open the case (its documents in the page) and decide; a reviewer is refused
// a task someone else holds, with the reason on the page; the applicant sees
// "issued" on the case page and follows its link to the license check.
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { freePort } from '../scripts/ports';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, waitFor, type TestEnv, type Who } from './support/env';
import { call, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';
import { launchBrowser, screenshotsInBothLanguages, seriousViolations, signInAs } from './support/browser';
import { commercialUploads, uploadOk, sample } from './support/uploads';

let env: TestEnv;
let browser: Browser;
let base: string;
let caseId: string;
const SHOTS = '.data/test/screenshots';


beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  [env, browser] = await Promise.all([startTestEnv({ signIn: { apiPublicUrl: base, people: true } }), launchBrowser()]);
  await env.api.listen({ host: '127.0.0.1', port });
  // A café for the environment's applicant, filed by office A's clerk with real files.
  const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const documents = [
    ...(await commercialUploads(env.api)),
    { type: 'cleaning_contract' as const, documentId: await uploadOk(env.api, 'clerk', { type: 'cleaning_contract', expiresOn: inAYear, file: { name: 'cleaning.pdf', bytes: sample('cleaning-contract.pdf') } }) },
  ];
  const body = healthApplication({ documents });
  const res = await submit(env.api, { ...body, applicant: { ...body.applicant, nationalId: env.users.applicant.nationalId! } });
  expect(res.statusCode, res.body).toBe(201);
  caseId = res.json().id;
  await waitForStage(env.api, caseId, 'review');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedIn = (who: Who) => signInAs(browser, base, who);

async function claimAndDecide(page: Page, kind: 'health' | 'technical') {
  await page.goto(`${base}/console/tasks?view=unassigned`);
  await page.click(`a[href="/console/tasks/${encodeURIComponent(`${caseId}:${kind}:1`)}"]`);
  await page.click('form[action$="/claim"] button');
  await page.waitForSelector('form.decision');
  await page.check('#decision-approve');
  await page.click('form.decision button[type=submit]');
  await page.waitForLoadState();
}

describe('reviewing in the console', () => {
  it('lets the health specialist find the task in the inbox, open its documents, claim it and approve', async () => {
    const page = await signedIn('health');
    await page.click('a[href="/console/tasks"]');
    await page.click('a[href^="/console/tasks?view=unassigned"]');
    // The badge counts what the list shows: the office's two reviews of the case, nobody's yet.
    expect(await page.textContent('[data-count=unassigned]')).toBe(String(await page.locator('table.tasks tbody tr').count()));
    expect(await page.textContent('table.tasks')).toContain(caseId);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'inbox');

    await page.click(`a[href="/console/tasks/${encodeURIComponent(`${caseId}:health:1`)}"]`);
    // The case is all there: its documents open inside the session, typed from their bytes.
    const lease = page.locator('a[href^="/console/documents/"]').first();
    const href = (await lease.getAttribute('href'))!;
    const file = await page.request.get(`${base}${href}`);
    expect(file.status()).toBe(200);
    expect(['application/pdf', 'image/png']).toContain(file.headers()['content-type']);
    // ...and the workers' health certificates a health decision rests on.
    expect(await page.textContent('section[aria-labelledby=workers]')).toContain('Ahmed Karim');
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('form[action$="/claim"] button');
    await page.waitForSelector('form.decision');
    expect(await page.textContent('p.caption')).toContain('لديك');
    await screenshotsInBothLanguages(page, SHOTS, 'task');
    await page.check('#decision-approve');
    await page.click('form.decision button[type=submit]');
    await page.waitForLoadState();
    expect(await page.textContent('p.caption')).toContain('منجزة');
    // Each change made from a page is in the audit log under the person, as from the API.
    const audit = await rowsOf<{ actor_id: string; route: string; target_id: string; operation: string }>(
      env.db.db,
      sql`select actor_id, route, target_id, operation from audit_log where route like '/console/tasks/%' and actor_id = 'health' order by id`,
    );
    expect(audit).toEqual([
      { actor_id: 'health', route: '/console/tasks/:id/claim', target_id: caseId, operation: 'task.claim' },
      { actor_id: 'health', route: '/console/tasks/:id/decision', target_id: caseId, operation: 'review.health|review.technical|renewal.review|objection.decide' },
    ]);
    await page.context().close();
  });

  it('refuses a task someone else holds, saying why on the page', async () => {
    const first = await signedIn('inspector');
    await first.goto(`${base}/console/tasks/${encodeURIComponent(`${caseId}:technical:1`)}`);
    // Another inspector of the office claims it first, through the API.
    const other = await env.token({ sub: 'inspector-2', roles: ['technical_inspector'], officeId: env.offices.a, name: 'Other' });
    const taken = await env.api.inject({ method: 'POST', url: `/tasks/${caseId}:technical:1/claim`, headers: { authorization: `Bearer ${other}` } });
    expect(taken.statusCode, taken.body).toBe(200);
    await first.click('form[action$="/claim"] button');
    await first.waitForSelector('.error-summary');
    expect(await first.textContent('.error-summary')).toMatch(/inspector-2/);
    // Given back, the inspector claims and approves.
    const back = await env.api.inject({ method: 'POST', url: `/tasks/${caseId}:technical:1/release`, headers: { authorization: `Bearer ${other}` } });
    expect(back.statusCode, back.body).toBe(200);
    await claimAndDecide(first, 'technical');
    await first.context().close();
  });

  it("lists the applicant's own applications, and each opens its case page", async () => {
    const page = await signedIn('applicant');
    await page.click('a[href="/console/applications"]');
    const rows = page.locator('table.tasks tbody tr');
    expect(await rows.count()).toBe(1);
    await page.click(`a[href="/console/applications/${caseId}"]`);
    expect(await page.textContent('h1')).toBe(healthApplication().establishment.tradeName);
    expect(await seriousViolations(page)).toEqual([]);
    // The inbox is not an applicant's, as GET /tasks is not: the page says so.
    const inbox = await page.goto(`${base}/console/tasks`);
    expect(inbox?.status()).toBe(403);
    expect(await page.textContent('[role=alert]')).toBe('هذه الصفحة ليست ضمن صلاحياتك');
    await page.context().close();
  });

  it('lets a supervisor see an escalation and mark it seen to', async () => {
    // The escalation the SLA clock writes for an overdue review (test/tasks.test.ts makes one for real, in 30 s).
    await env.db.db.execute(sql`insert into notifications (dedupe_key, audience, office_id, application_id, task_id, kind, message_ar, message_en)
      values (${`${caseId}:escalation:test`}, 'supervisor', ${env.offices.a}, ${caseId}, ${`${caseId}:technical:1`}, 'task_overdue', 'مراجعة فنية متأخرة', 'A technical review is overdue')`);
    const page = await signedIn('supervisor');
    await page.click('a[href="/console/escalations"]');
    expect(await page.textContent('ul.escalations')).toContain('مراجعة فنية متأخرة');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('ul.escalations button');
    await page.waitForURL(`${base}/console/escalations`);
    expect(await page.textContent('main')).toContain('لا تنبيهات تنتظر.');
    const [row] = await rowsOf<{ acknowledged_by: string }>(env.db.db, sql`select acknowledged_by from notifications where dedupe_key = ${`${caseId}:escalation:test`}`);
    // Signed in by the login page, whose username is the environment's name for the person.
    expect(row!.acknowledged_by).toBe('supervisor');
    await page.context().close();
  });

  it('shows the applicant the issued case, and its link leads to the license check', async () => {
    await waitForApp(env.api, caseId, 'issued', (a) => a.status === 'issued');
    const page = await signedIn('applicant');
    await page.goto(`${base}/console/applications/${caseId}`);
    expect(await page.textContent('[role=status] h2')).toBe('صادرة');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'case');
    await page.click('a[href^="/verify/"]');
    expect(await page.textContent('[role=status] h2')).toBe('رخصة سارية');
    // Another office's staff: as if there were no such case.
    const b = await signedIn('clerkB');
    const res = await b.goto(`${base}/console/applications/${caseId}`);
    expect(res?.status()).toBe(404);
    await page.context().close();
    await b.context().close();
  });

  it("refuses a suspended office's staff any change from a page, and a revoked one's even reading, as the API does", async () => {
    const page = await signedIn('health');
    const standing = (action: 'suspend' | 'revoke') => call(env.api, 'supervisor', 'POST', `/offices/${env.offices.a}/standing`, { action, reason: 'inspection findings' });
    expect((await standing('suspend')).statusCode).toBe(200);
    await waitFor('office A suspended', async () => (await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.a}`)).json().status === 'suspended' || undefined);
    expect((await page.goto(`${base}/console/applications/${caseId}`))?.status()).toBe(200);
    const claim = await page.request.post(`${base}/console/tasks/${encodeURIComponent(`${caseId}:health:1`)}/claim`, {
      form: { _csrf: await page.evaluate(`document.querySelector('input[name=_csrf]')?.value ?? ''`) as string },
    });
    expect(claim.status()).toBe(403);
    expect(await claim.text()).toContain(`office ${env.offices.a} is suspended`);
    expect((await standing('revoke')).statusCode).toBe(200);
    await waitFor('office A revoked', async () => (await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.a}`)).json().status === 'revoked' || undefined);
    expect((await page.goto(`${base}/console/applications/${caseId}`))?.status()).toBe(403);
    await page.context().close();
  });
});
