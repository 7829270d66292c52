// The administrator's console in a real Chromium, against the real API,
// Temporal and PostgreSQL, signed in through the login page: a case stuck on
// the Labor Office while it is down shows under the stuck cases with its
// reason; its diagnosis names the retrying call; a repair without its
// confirmation is refused; once the office is back, "ask the agencies again"
// is run with a reason, the page says the case moved, and it is issued.
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { freePort } from '../scripts/ports';
import { startTestEnv, type TestEnv } from './support/env';
import { approve, commercialApplication, decide, submitOk, waitForApp, waitForStage } from './support/fixtures';
import { launchBrowser, seriousViolations } from './support/browser';

let env: TestEnv;
let browser: Browser;
let base: string;
const SHOTS = '.data/test/screenshots';

const labor = (outage: boolean) =>
  fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage }) });

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Quick to show the agency as down, then a long backoff: when the office comes back, the case waits on it unless rechecked.
  [env, browser] = await Promise.all([
    startTestEnv({ signIn: { apiPublicUrl: base, people: true }, timing: { agencyRetryInitialMs: 200, agencyRetryMaxMs: 30_000 } }),
    launchBrowser(),
  ]);
  await env.api.listen({ host: '127.0.0.1', port });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function signedInAs(who: 'admin' | 'auditor' | 'supervisor'): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${base}/console`);
  await page.fill('#username', who);
  await page.fill('#password', 'tarkhees');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/console`);
  return page;
}

describe('stuck cases in the console', () => {
  it('finds a case stuck on a downed agency, rechecks it once the agency is back, and sees it move', async () => {
    await labor(true);
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    await decide(env.api, id, approve('technical'));
    await waitForApp(env.api, id, 'labor unavailable', (a) => a.agencies.labor_office?.state === 'unavailable');

    const page = await signedInAs('admin');
    await page.click('a[href="/console/operations"]');
    await page.goto(`${base}/console/operations?olderThan=1s`);
    expect(Number(await page.textContent('[data-reason=waiting_on_agency]'))).toBeGreaterThanOrEqual(1);
    const row = page.locator('table.tasks tr', { hasText: id });
    expect(await row.textContent()).toContain('بانتظار جهة');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/operations-ar.png`, fullPage: true });

    await page.click(`a[href="/console/operations/cases/${id}"]`);
    expect(await page.textContent('main')).toContain('checkAgency');
    expect(await seriousViolations(page)).toEqual([]);
    // Not confirmed: nothing is run.
    await page.selectOption('#action', 'recheck_agencies');
    await page.fill('#reason', 'the Labor Office is back');
    await page.click('form.decision button[type=submit]');
    expect(await page.textContent('.error-summary')).toContain('أكّد الإجراء أولًا.');

    await labor(false);
    await page.selectOption('#action', 'recheck_agencies');
    await page.fill('#reason', 'the Labor Office is back');
    await page.check('#confirm');
    await page.click('form.decision button[type=submit]');
    await page.waitForLoadState();
    expect(await page.textContent('main .panel h2')).toBe('نُفّذ الإجراء وتحرّك الطلب.');
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const [audit] = await rowsOf<{ actor_id: string; details: { reason?: string } }>(
      env.db.db,
      sql`select actor_id, details from audit_log where route = '/console/operations/cases/:id/repair' and target_id = ${id} and status_code = 200`,
    );
    expect(audit).toMatchObject({ actor_id: 'admin', details: { reason: 'the Labor Office is back' } });
    await page.context().close();
  });

  it('shows a supervisor the stuck cases but no repair, and an auditor neither, as the API does', async () => {
    const auditor = await signedInAs('auditor');
    expect((await auditor.goto(`${base}/console/operations`))?.status()).toBe(403);
    await auditor.context().close();
    const page = await signedInAs('supervisor');
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
