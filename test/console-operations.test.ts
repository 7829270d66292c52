// The administrator's console in a real Chromium, against the real API,
// Temporal and PostgreSQL, signed in through the login page: a case held by
// the Labor Office shows under the stuck cases with its reason, and one whose
// call to the office is failing shows the failing call in its diagnosis; a
// repair without its confirmation is refused; once the office clears the
// establishment, "ask the agencies again" is run with a reason, the page says
// the case moved (its own recheck is minutes away), and it is issued.
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { freePort } from '../scripts/ports';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approve, call, commercialApplication, decide, heldByLaborOffice, submitOk, waitForApp, waitForStage } from './support/fixtures';
import { launchBrowser, screenshotsInBothLanguages, seriousViolations, signInAs } from './support/browser';

let env: TestEnv;
let browser: Browser;
let base: string;
const SHOTS = '.data/test/screenshots';

const labor = (outage: boolean) =>
  fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage }) });

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // A held case asks the agency again only every ten minutes here: what moves it within the test is the repair.
  [env, browser] = await Promise.all([
    startTestEnv({ signIn: { apiPublicUrl: base, people: true }, timing: { agencyRecheckIntervalMs: 600_000 } }),
    launchBrowser(),
  ]);
  await env.api.listen({ host: '127.0.0.1', port });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedIn = (who: 'admin' | 'auditor' | 'supervisor') => signInAs(browser, base, who);

describe('stuck cases in the console', () => {
  it('names the failing call of a case whose agency is down', async () => {
    await labor(true);
    try {
      const id = await submitOk(env.api, commercialApplication());
      await waitForStage(env.api, id, 'review');
      await decide(env.api, id, approve('technical'));
      await waitForApp(env.api, id, 'labor unavailable', (a) => a.agencies.labor_office?.state === 'unavailable');
      const page = await signedIn('admin');
      await page.goto(`${base}/console/operations/cases/${id}`);
      expect(await page.textContent('main')).toContain('checkAgency');
      expect(await seriousViolations(page)).toEqual([]);
      await page.context().close();
    } finally {
      await labor(false);
    }
  });

  it('finds a case held by an agency, rechecks it once the agency clears it, and sees it move', async () => {
    const { id, cr } = await heldByLaborOffice(env.api);
    // Stuck once it has not moved for the age asked (a second here).
    await waitFor(`${id} stuck`, async () => (await call(env.api, 'admin', 'GET', '/operations/stuck?olderThan=1s')).json().items.some((c: { id: string }) => c.id === id) || undefined);

    const page = await signedIn('admin');
    await page.click('a[href="/console/operations"]');
    await page.goto(`${base}/console/operations?olderThan=1s`);
    expect(Number(await page.textContent('[data-reason=waiting_on_agency]'))).toBeGreaterThanOrEqual(1);
    const row = page.locator('table.tasks tr', { hasText: id });
    expect(await row.textContent()).toContain('بانتظار جهة');
    expect(await row.textContent()).toContain('مكتب العمل');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'operations');

    await page.click(`a[href="/console/operations/cases/${id}"]`);
    expect(await page.textContent('main')).toContain('مكتب العمل');
    expect(await seriousViolations(page)).toEqual([]);
    // Not confirmed: nothing is run.
    await page.selectOption('#action', 'recheck_agencies');
    await page.fill('#reason', 'the Labor Office is back');
    await page.click('form.decision button[type=submit]');
    expect(await page.textContent('.error-summary')).toContain('أكّد الإجراء أولًا.');

    await fetch(`${env.simulatorUrl}/_control/labor/establishments/${cr}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ compliant: true }) });
    await page.selectOption('#action', 'recheck_agencies');
    await page.fill('#reason', 'the Labor Office is back');
    await page.check('#confirm');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/repair') && r.request().method() === 'POST'),
      page.click('form.decision button[type=submit]'),
    ]);
    expect(answer.status(), (await answer.text()).replace(/\s+/g, ' ').slice(0, 600)).toBe(200);
    await page.waitForLoadState();
    expect(await page.textContent('main .panel h2')).toBe('نُفّذ الإجراء وتحرّك الطلب.');
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const [audit] = await rowsOf<{ actor_id: string; details: { reason?: string } }>(
      env.db.db,
      sql`select actor_id, details from audit_log where route = '/console/operations/cases/:id/repair' and target_id = ${id} and status_code = 200`,
    );
    expect(audit).toMatchObject({ actor_id: 'admin', details: { reason: 'the Labor Office is back' } });
    await page.context().close();

    // The auditor finds that repair in the audit log, filtered by the case.
    const auditor = await signedIn('auditor');
    await auditor.click('a[href="/console/audit"]');
    await auditor.fill('#applicationId', id);
    await auditor.click('form.filters button');
    await auditor.waitForURL(/applicationId=/);
    const rows = await auditor.locator('table.audit tbody tr').allTextContents();
    expect(rows.some((r) => r.includes('admin') && r.includes('/console/operations/cases/:id/repair') && r.includes('200'))).toBe(true);
    expect(await seriousViolations(auditor)).toEqual([]);
    await auditor.context().close();
  });

  it('shows a supervisor the stuck cases but no repair, and an auditor neither, as the API does', async () => {
    const auditor = await signedIn('auditor');
    expect((await auditor.goto(`${base}/console/operations`))?.status()).toBe(403);
    await auditor.context().close();
    const page = await signedIn('supervisor');
    const res = await page.goto(`${base}/console/operations?olderThan=1s`);
    expect(res?.status()).toBe(200);
    const anyCase = page.locator('a[href^="/console/operations/cases/"]').first();
    if ((await anyCase.count()) > 0) {
      await anyCase.click();
      expect(await page.locator('form.decision').count()).toBe(0);
    }
    const posted = await page.request.post(`${base}/console/operations/cases/TRK-20260101-000000/repair`, { form: { action: 'cancel', reason: 'no', confirm: 'yes', _csrf: 'x' } });
    expect(posted.status()).toBe(403);
    await page.context().close();
  });
});
