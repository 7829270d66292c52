// The municipality supervisor's console in a real Chromium, against the real
// API, Temporal and PostgreSQL, signed in through the issuer's login page: a
// claimed review given to another inspector of the office (and refused for one
// who holds the case's other review, the reason on the page), then released;
// a case moved to office B and found there; the offices and an office's
// accreditation file; office B suspended with a reason and reinstated, its
// cases moved back; a round opened and an office accredited in it. Every
// change is in the audit log under the supervisor; a reviewer and a clerk are
// refused every one of these pages.
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { officeStaff } from '../db/schema';
import { freePort } from '../scripts/ports';
import { launchBrowser, screenshotsInBothLanguages, seriousViolations, signInAs } from './support/browser';
import { officeFile, startTestEnv, waitFor, type TestEnv, type Who } from './support/env';
import { call, getApp, healthApplication, submitOk, waitForStage } from './support/fixtures';

let env: TestEnv;
let browser: Browser;
let base: string;
let caseId: string;
const SHOTS = '.data/test/screenshots';
/** A second inspector of office A, and one who holds the case's health review and is an inspector too. */
const OTHER_INSPECTOR = 'inspector-2';
const BOTH_HATS = 'both-hats';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  [env, browser] = await Promise.all([startTestEnv({ signIn: { apiPublicUrl: base, people: true } }), launchBrowser()]);
  await env.api.listen({ host: '127.0.0.1', port });
  caseId = await submitOk(env.api, healthApplication());
  await waitForStage(env.api, caseId, 'review');
  await env.db.db.insert(officeStaff).values([
    { officeId: env.offices.a, userId: OTHER_INSPECTOR, name: 'Second Inspector', role: 'technical_inspector' },
    { officeId: env.offices.a, userId: BOTH_HATS, name: 'Both Hats', role: 'technical_inspector' },
  ]);
  const bothHats = await env.token({ sub: BOTH_HATS, roles: ['health_specialist', 'technical_inspector'], officeId: env.offices.a, name: 'Both Hats' });
  const health = await env.api.inject({ method: 'POST', url: `/tasks/${caseId}:health:1/claim`, headers: { authorization: `Bearer ${bothHats}` } });
  expect(health.statusCode, health.body).toBe(200);
  const technical = await call(env.api, 'inspector', 'POST', `/tasks/${caseId}:technical:1/claim`);
  expect(technical.statusCode, technical.body).toBe(200);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedInAs = (who: Who): Promise<Page> => signInAs(browser, base, who);

const taskUrl = (kind: 'health' | 'technical') => `/console/tasks/${encodeURIComponent(`${caseId}:${kind}:1`)}`;
const officeUrl = (id: string) => `/console/offices/${id}`;

/** The supervisor's audit rows on routes like this one, in order. */
const supervisorRows = (route: string) =>
  rowsOf<{ route: string; operation: string; target_id: string; status_code: number; reason: string | null }>(
    env.db.db,
    sql`select route, operation, target_id, status_code, details->>'reason' as reason from audit_log where actor_id = 'supervisor' and route like ${route} order by id`,
  );

describe('supervising in the console', () => {
  it('gives a claimed review to another inspector of the office, refuses one who holds the other review, and releases it', async () => {
    const page = await signedInAs('supervisor');
    await page.goto(`${base}${taskUrl('technical')}`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('section.supervision a[href$="/reassign"]');
    expect(await page.textContent('#holder')).toBe(env.users.inspector.sub);
    expect(await seriousViolations(page)).toEqual([]);

    // The workflow's separation of duties: the health review's holder may not make the technical decision too.
    await page.selectOption('#assignee', BOTH_HATS);
    await page.fill('#assignee-reason', 'a second opinion');
    await page.click('form.decision button[type=submit]');
    await page.waitForSelector('.error-summary');
    expect(await page.textContent('.error-summary')).toMatch(/one person cannot make both decisions/);
    expect(await seriousViolations(page)).toEqual([]);

    // By keyboard alone: the form is plain fields and a button.
    await page.selectOption('#assignee', OTHER_INSPECTOR);
    await page.focus('#assignee-reason');
    await page.keyboard.type('the first inspector is on leave');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}${taskUrl('technical')}`);
    expect(await page.textContent('p.caption')).toContain(OTHER_INSPECTOR);

    await page.click('section.supervision form[action$="/release"] button');
    await page.waitForURL(`${base}${taskUrl('technical')}`);
    expect(await page.textContent('p.caption')).toContain('مفتوحة');
    expect((await call(env.api, 'supervisor', 'GET', `/tasks/${caseId}:technical:1`)).json()).toMatchObject({ status: 'open', assignee: null });
    // Open again, but not the supervisor's to claim (the API would refuse it): no claim button for them.
    expect(await page.locator('form[action$="/claim"]').count()).toBe(0);

    expect(await supervisorRows('/console/tasks/%')).toEqual([
      { route: '/console/tasks/:id/reassign', operation: 'task.reassign', target_id: caseId, status_code: 409, reason: 'a second opinion' },
      { route: '/console/tasks/:id/reassign', operation: 'task.reassign', target_id: caseId, status_code: 303, reason: 'the first inspector is on leave' },
      { route: '/console/tasks/:id/release', operation: 'task.claim|task.reassign', target_id: caseId, status_code: 303, reason: null },
    ]);
    await page.context().close();
  });

  it('moves a case to office B, where it is listed among the open cases', async () => {
    const page = await signedInAs('supervisor');
    await page.goto(`${base}${officeUrl(env.offices.a)}`);
    expect(await page.textContent('#open-cases')).toContain(caseId);
    await page.click(`#open-cases a[href="/console/applications/${caseId}/office"]`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.selectOption('#officeId', env.offices.b);
    await page.fill('#officeId-reason', 'office A is overloaded');
    await page.click('form.decision button[type=submit]');
    await page.waitForURL(`${base}${officeUrl(env.offices.b)}`);
    expect(await page.textContent('#open-cases')).toContain(caseId);
    expect((await getApp(env.api, caseId)).officeId).toBe(env.offices.b);
    // Moving it to where it is already is refused by the service, on the page.
    await page.goto(`${base}/console/applications/${caseId}/office`);
    expect(await page.locator(`#officeId option[value="${env.offices.b}"]`).count()).toBe(0);

    expect(await supervisorRows('/console/applications/%')).toEqual([
      { route: '/console/applications/:id/office', operation: 'application.reassign', target_id: caseId, status_code: 303, reason: 'office A is overloaded' },
    ]);
    await page.context().close();
  });

  it("lists the offices, opens an office's accreditation file, suspends it with a reason, moves its cases and reinstates it", async () => {
    const page = await signedInAs('supervisor');
    await page.click('a[href="/console/offices"]');
    const list = await page.textContent('table.tasks');
    expect(list).toContain(env.offices.a);
    expect(list).toContain(env.offices.b);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'offices');

    await page.click(`a[href="${officeUrl(env.offices.b)}"]`);
    // The file as the office declared it: its documents and staff, and its history.
    const file = await page.textContent('section[aria-labelledby=file]');
    expect(file).toContain('Health Specialist');
    expect(file).toContain('تأمين المسؤولية المهنية');
    expect(await page.locator('li[data-event=imported]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'office');

    await page.check('#action-suspend');
    await page.fill('#standing-reason', 'inspection found unlicensed staff');
    await page.click('form[action$="/standing"] button[type=submit]');
    await page.waitForURL(`${base}${officeUrl(env.offices.b)}`);
    expect(await page.textContent('#office-status')).toContain('موقوف');
    expect(await page.textContent('#office-status')).toContain('inspection found unlicensed staff');
    expect((await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.b}`)).json().status).toBe('suspended');
    expect(await seriousViolations(page)).toEqual([]);

    // A revocation is final: without its confirmation the form is refused and nothing changes.
    await page.check('#action-revoke');
    await page.fill('#standing-reason', 'repeated findings');
    await page.click('form[action$="/standing"] button[type=submit]');
    await page.waitForSelector('.error-summary');
    expect(await page.textContent('.error-summary')).toContain('سحب الاعتماد نهائي');
    expect((await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.b}`)).json().status).toBe('suspended');
    // The API's own schema checks the form: a hand-made one with an action the API does not know is refused, saying why.
    const csrf = await page.inputValue('form[action$="/standing"] input[name=_csrf]');
    const odd = await page.request.post(`${base}${officeUrl(env.offices.b)}/standing`, { form: { _csrf: csrf, action: 'dissolve', reason: 'no such action' } });
    expect(odd.status()).toBe(400);
    expect(await odd.text()).toContain('body/action: must be one of suspend, reinstate, revoke');

    // Its open cases go back to office A, all at once.
    await page.goto(`${base}${officeUrl(env.offices.b)}`);
    await page.selectOption('#toOfficeId', env.offices.a);
    await page.fill('#toOfficeId-reason', 'office B is suspended');
    await page.check('#toOfficeId-confirm');
    await page.click('form[action$="/reassign-cases"] button[type=submit]');
    await page.waitForSelector('[role=status] h2');
    expect(await page.textContent('main')).toContain('طلبات نُقلت: 1');
    expect((await getApp(env.api, caseId)).officeId).toBe(env.offices.a);

    await page.check('#action-reinstate');
    await page.fill('#standing-reason', 'findings corrected');
    await page.click('form[action$="/standing"] button[type=submit]');
    await page.waitForURL(`${base}${officeUrl(env.offices.b)}`);
    expect(await page.textContent('#office-status')).toContain('معتمد');
    expect(await page.locator('li[data-event=reinstated]').count()).toBe(1);

    expect(await supervisorRows('/console/offices/%')).toEqual([
      { route: '/console/offices/:id/standing', operation: 'office.standing', target_id: env.offices.b, status_code: 303, reason: 'inspection found unlicensed staff' },
      { route: '/console/offices/:id/standing', operation: 'office.standing', target_id: env.offices.b, status_code: 400, reason: 'repeated findings' },
      { route: '/console/offices/:id/standing', operation: 'office.standing', target_id: env.offices.b, status_code: 400, reason: 'no such action' },
      { route: '/console/offices/:id/reassign-cases', operation: 'application.reassign', target_id: env.offices.b, status_code: 200, reason: 'office B is suspended' },
      { route: '/console/offices/:id/standing', operation: 'office.standing', target_id: env.offices.b, status_code: 303, reason: 'findings corrected' },
    ]);
    await page.context().close();
  });

  it('opens an accreditation round and accredits an office that applied in it', async () => {
    const page = await signedInAs('supervisor');
    await page.click('a[href="/console/accreditation-rounds"]');
    const openRound = async () => {
      await page.fill('#round-id', 'T-SUPERVISED');
      await page.fill('#round-name', 'Supervised round');
      await page.fill('#round-cap', '5');
      await page.fill('#round-opens', day(-1));
      await page.fill('#round-closes', day(30));
      await page.click('form[action="/console/accreditation-rounds"] button[type=submit]');
      await page.waitForLoadState();
    };
    await openRound();
    expect(await page.textContent('#rounds')).toContain('T-SUPERVISED');
    expect(await seriousViolations(page)).toEqual([]);
    await openRound();
    expect(await page.textContent('.error-summary')).toContain('round T-SUPERVISED already exists');

    const manager = await env.token({ sub: 'new-manager', roles: ['office_manager'], name: 'New Manager' });
    const applied = await env.api.inject({ method: 'POST', url: '/offices', headers: { authorization: `Bearer ${manager}` }, payload: officeFile() });
    expect(applied.statusCode, applied.body).toBe(201);
    const id = applied.json().id as string;
    await waitFor(`office ${id} awaiting a decision`, async () => (await call(env.api, 'supervisor', 'GET', `/offices/${id}`)).json().waitingOn === 'supervisor' || undefined);

    await page.goto(`${base}${officeUrl(id)}`);
    expect(await page.textContent('#office-status')).toContain('بانتظار قرار الاعتماد');
    expect(await seriousViolations(page)).toEqual([]);
    // The service's own rule: a refusal needs a reason.
    await page.check('#decision-refuse');
    await page.click('form[action$="/decision"] button[type=submit]');
    await page.waitForSelector('.error-summary');
    expect(await page.textContent('.error-summary')).toContain('a refusal needs a reason');
    await page.check('#decision-approve');
    await page.fill('#decision-reason', 'file complete, interview passed');
    await page.click('form[action$="/decision"] button[type=submit]');
    await page.waitForURL(`${base}${officeUrl(id)}`);
    expect(await page.textContent('#office-status')).toContain('معتمد');
    await page.goto(`${base}/console/accreditation-rounds`);
    expect(await page.textContent('#rounds')).toContain('1 / 5');

    const rows = await rowsOf<{ route: string; status_code: number; round: string | null }>(
      env.db.db,
      sql`select route, status_code, details->>'roundId' as round from audit_log where actor_id = 'supervisor' and (route = '/console/accreditation-rounds' or route = '/console/offices/:id/decision') order by id`,
    );
    expect(rows).toEqual([
      { route: '/console/accreditation-rounds', status_code: 303, round: 'T-SUPERVISED' },
      { route: '/console/accreditation-rounds', status_code: 409, round: 'T-SUPERVISED' },
      { route: '/console/offices/:id/decision', status_code: 400, round: null },
      { route: '/console/offices/:id/decision', status_code: 303, round: null },
    ]);
    await page.context().close();
  });

  it('refuses a reviewer and a clerk every supervisor page and form, and shows them no supervisor controls', async () => {
    for (const who of ['health', 'clerk'] as const) {
      const page = await signedInAs(who);
      expect(await page.locator('a[href="/console/offices"]').count()).toBe(0);
      for (const url of [
        '/console/offices',
        officeUrl(env.offices.a),
        '/console/accreditation-rounds',
        `/console/applications/${caseId}/office`,
        `${taskUrl('technical')}/reassign`,
      ]) {
        expect((await page.goto(`${base}${url}`))?.status(), `${who} ${url}`).toBe(403);
      }
      await page.goto(`${base}/console`);
      const csrf = (await page.evaluate(`document.querySelector('input[name=_csrf]')?.value ?? ''`)) as string;
      const posted = await page.request.post(`${base}${officeUrl(env.offices.a)}/standing`, { form: { _csrf: csrf, action: 'suspend', reason: 'not mine to do' } });
      expect(posted.status()).toBe(403);
      await page.context().close();
    }
    expect((await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.a}`)).json().status).toBe('accredited');
    // The office's reviewer sees the task page without the supervisor's controls.
    const health = await signedInAs('health');
    await health.goto(`${base}${taskUrl('health')}`);
    expect(await health.locator('section.supervision').count()).toBe(0);
    await health.context().close();
  });
});
