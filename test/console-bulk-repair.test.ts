// A bulk repair in the console, in a real Chromium against the real API,
// Temporal and PostgreSQL, signed in through the login page. Two cases held by
// the Labor Office (their own recheck ten minutes away, so only the repair
// moves them) are picked from the stuck list by their reason; the dry run
// lists them with what would be done and changes nothing, in the read model or
// in their workflows; a third case stuck after the dry run is left alone by
// the confirmed run, though the office has cleared it too; the run without its
// tick is refused; confirmed, each listed case shows that it moved, and is
// issued. The audit log has both runs under the administrator.
import { sql } from 'drizzle-orm';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { freePort } from '../scripts/ports';
import { workflowIdFor } from '../workflows/application/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call, heldByLaborOffice, waitForApp } from './support/fixtures';
import { launchBrowser, screenshotsInBothLanguages, seriousViolations, signInAs, submitForm } from './support/browser';

let env: TestEnv;
let browser: Browser;
let base: string;
const SHOTS = '.data/test/screenshots';
/** Long enough that a held case never asks the office again, nor is excluded, by itself during the test. */
const HELD_FOR_GOOD_MS = 600_000;
const WHY = 'the Labor Office cleared these establishments';

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  [env, browser] = await Promise.all([
    startTestEnv({ signIn: { apiPublicUrl: base, people: true }, timing: { agencyRecheckIntervalMs: HELD_FOR_GOOD_MS, agencyHoldDeadlineMs: HELD_FOR_GOOD_MS } }),
    launchBrowser(),
  ]);
  await env.api.listen({ host: '127.0.0.1', port });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedIn = (who: 'admin' | 'supervisor') => signInAs(browser, base, who);

/** A case the Labor Office holds, stuck (listed for a second's age), its workflow waiting on its timers alone. */
async function heldAndQuiet(): Promise<{ id: string; cr: string }> {
  const held = await heldByLaborOffice(env.api);
  const { id } = held;
  await waitFor(`${id} stuck`, async () => (await call(env.api, 'admin', 'GET', '/operations/stuck?olderThan=1s&reason=waiting_on_agency')).json().items.some((c: { id: string }) => c.id === id) || undefined);
  // No activity or workflow task left to run: from here only a timer (minutes away) or a repair adds to its history.
  await waitFor(`${id} quiet`, async () => {
    const { raw } = await env.client.workflow.getHandle(workflowIdFor(id)).describe();
    return ((raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask) || undefined;
  });
  return held;
}

/** What a dry run must leave as it was: the case's last transition and its workflow's history. */
async function footprint(id: string) {
  const [row] = await rowsOf<{ seq: number; stage: string }>(env.db.db, sql`select transition_seq as seq, stage::text as stage from applications where id = ${id}`);
  const { historyLength } = await env.client.workflow.getHandle(workflowIdFor(id)).describe();
  return { ...row, historyLength };
}

const clear = (cr: string) =>
  fetch(`${env.simulatorUrl}/_control/labor/establishments/${cr}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ compliant: true }) });

/** The bulk page's choice as the stuck list's link fills it in, then the repair and its reason, and the dry run. */
async function dryRun(page: Page) {
  await page.selectOption('#action', 'recheck_agencies');
  await page.fill('#reason', WHY);
  await expectOk(await submitForm(page, 'form.decision button[type=submit]'));
}

/** A 200, or the page's text in the failure. */
const expectOk = async (answer: Response) => expect(answer.status(), (await answer.text()).replace(/\s+/g, ' ').slice(0, 600)).toBe(200);

const listed = (page: Page, table: string) => page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case')).sort());

describe('a bulk repair in the console', () => {
  it('lists what it would do and changes nothing, then repairs exactly the cases it listed, and each moves', async () => {
    const [a, b] = await Promise.all([heldAndQuiet(), heldAndQuiet()]);
    const ids = [a.id, b.id].sort();
    const before = { [a.id]: await footprint(a.id), [b.id]: await footprint(b.id) };

    const page = await signedIn('admin');
    await page.goto(`${base}/console/operations?olderThan=1s`);
    await page.click('.bulk-links a[href*="stuck=waiting_on_agency"]');
    expect(await page.inputValue('#stuck')).toBe('waiting_on_agency');
    expect(await page.inputValue('#olderThan')).toBe('1s');
    expect(await seriousViolations(page)).toEqual([]);

    await dryRun(page);
    expect(await listed(page, '#dry-run')).toEqual(ids);
    for (const row of await page.locator('#dry-run tbody tr').allTextContents()) expect(row).toContain('إعادة سؤال الجهات الآن');
    expect(await page.textContent('main')).toContain('لم يتغير شيء بعد');
    expect(await seriousViolations(page)).toEqual([]);
    // Its page reached again in each language: two more dry runs, to the same list.
    await screenshotsInBothLanguages(page, SHOTS, 'bulk-repair', async (lang) => {
      await page.goto(`${base}/console/operations/bulk?olderThan=1s&stuck=waiting_on_agency&lang=${lang}`);
      await dryRun(page);
    });
    expect(await listed(page, '#dry-run')).toEqual(ids);
    // Nothing moved: not the read model, not the workflows (no signal, no update, no event).
    for (const id of ids) expect(await footprint(id)).toEqual(before[id]);
    const [dry] = await rowsOf<{ actor_id: string; status_code: number; details: { dryRun: boolean; cases: string[]; reason: string } }>(
      env.db.db,
      sql`select actor_id, status_code, details from audit_log where route = '/console/operations/bulk' order by id desc limit 1`,
    );
    expect(dry).toMatchObject({ actor_id: 'admin', status_code: 200, details: { dryRun: true, reason: WHY } });
    expect([...dry!.details.cases].sort()).toEqual(ids);

    // Stuck after the dry run, and cleared by the office like the others: the confirmed run must not touch it.
    const late = await heldAndQuiet();
    const lateBefore = await footprint(late.id);
    await Promise.all([a, b, late].map((c) => clear(c.cr)));

    // Without the tick: refused, the list again (still the two it showed), nothing run.
    expect((await submitForm(page, '#confirm-run button[type=submit]')).status()).toBe(409);
    expect(await page.textContent('.error-summary')).toContain('أكّد الإجراء أولًا.');
    expect(await listed(page, '#dry-run')).toEqual(ids);
    for (const id of ids) expect(await footprint(id)).toEqual(before[id]);

    await page.check('#confirm');
    await expectOk(await submitForm(page, '#confirm-run button[type=submit]'));
    expect(await listed(page, '#results')).toEqual(ids);
    for (const id of ids) {
      const row = page.locator(`#results tr[data-case="${id}"]`);
      expect(await row.getAttribute('data-outcome')).toBe('moved');
      expect(await row.textContent()).toContain('نُفّذ الإجراء وتحرّك الطلب.');
    }
    expect(await page.textContent('[data-count=moved]')).toBe('2');
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();

    for (const id of ids) await waitForApp(env.api, id, 'issued', (x) => x.status === 'issued');
    // The late case was not in the confirmed list: still held, its history untouched.
    expect(await footprint(late.id)).toEqual(lateBefore);
    const [run] = await rowsOf<{ actor_id: string; details: { dryRun: boolean; cases: { id: string; ok: boolean }[]; reason: string } }>(
      env.db.db,
      sql`select actor_id, details from audit_log where route = '/console/operations/bulk' and status_code = 200 order by id desc limit 1`,
    );
    expect(run).toMatchObject({ actor_id: 'admin', details: { dryRun: false, reason: WHY } });
    expect([...run!.details.cases].sort((x, y) => x.id.localeCompare(y.id))).toEqual(ids.map((id) => ({ id, ok: true })));

    // The API's run is kept to its `ids` the same way: of the late case and an issued one, only the late case is still stuck.
    const api = await call(env.api, 'admin', 'POST', '/operations/bulk', { action: 'recheck_agencies', reason: 'dry', filter: { olderThan: '1s' }, ids: [late.id, a.id] });
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json().cases.map((c: { id: string }) => c.id)).toEqual([late.id]);
  });

  it('refuses a choice the API would refuse, naming the field, and keeps what was typed', async () => {
    const page = await signedIn('admin');
    await page.goto(`${base}/console/operations/bulk?olderThan=1s`);
    // An extension needs its new deadline.
    await page.selectOption('#action', 'extend_deadline');
    await page.fill('#reason', 'more time for everyone');
    expect((await submitForm(page, 'form.decision button[type=submit]')).status()).toBe(400);
    expect(await page.textContent('.error-summary')).toContain('المهلة الجديدة (للتمديد)');
    expect(await page.inputValue('#reason')).toBe('more time for everyone');
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('is not offered to a supervisor, who may see stuck cases but not repair them', async () => {
    const page = await signedIn('supervisor');
    await page.goto(`${base}/console/operations?olderThan=1s`);
    expect(await page.locator('.bulk-links').count()).toBe(0);
    expect((await page.goto(`${base}/console/operations/bulk`))?.status()).toBe(403);
    // With the session's own CSRF token (from its sign-out form): refused for the role, not the form.
    await page.goto(`${base}/console`);
    const csrf = await page.inputValue('input[name=_csrf]');
    const posted = await page.request.post(`${base}/console/operations/bulk`, { form: { olderThan: '1s', action: 'cancel', reason: 'not mine to run', _csrf: csrf } });
    expect(posted.status()).toBe(403);
    await page.context().close();
  });
});
