// The findings form on an inspection task's page, in a real Chromium against
// the real API, Temporal and PostgreSQL, signed in through the login page:
// the municipal inspector claims the inspection that came due and records a
// closure violation, with scripts off, and the page shows the result and the
// license suspended, its timeline saying so; the same service refuses, on the
// page and in the catalogue's words, a result from someone who no longer
// holds the task, one already recorded and a code not in the table, writing
// nothing; axe finds no serious violation on any of these pages.
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { CATALOGUE } from '../console/catalogue';
import { screenshotsInBothLanguages, seriousViolations, signIn, signInAs, startConsoleEnv, submitForm } from './support/browser';
import { waitFor, type TestEnv } from './support/env';
import { call, crNumber, healthApplication } from './support/fixtures';
import { licenseView, startLicense, timeline } from './support/licenses';

let env: TestEnv;
let browser: Browser;
let base: string;
const INTERVAL_S = 2;
const SHOTS = '.data/test/screenshots';
const ar = CATALOGUE.ar;
const en = CATALOGUE.en;

beforeAll(async () => {
  ({ env, browser, base } = await startConsoleEnv());
  // Inspections come due seconds after a café is licensed; the task keeps its SLA of days.
  await env.db.db.execute(sql`update inspection_rules set interval = ${`${INTERVAL_S}s`} where risk_class = 'high'`);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

/** A café (risk class high), and the inspection task that came due on it. */
async function dueInspection(): Promise<{ number: string; taskId: string; page: string }> {
  const l = await startLicense(env, { expiresInMs: 300 * 86_400_000, data: { establishment: { ...healthApplication().establishment, crNumber: crNumber(1) } } });
  const task = await waitFor(`an inspection of ${l.number} due`, async () => {
    const items = (await call(env.api, 'municipalInspector', 'GET', '/tasks?kind=inspection&status=open&limit=100')).json().items as { id: string; licenseNumber: string }[];
    return items.find((t) => t.licenseNumber === l.number);
  }, { timeoutMs: 30_000, intervalMs: 200 });
  return { number: l.number, taskId: task.id, page: `/console/tasks/${encodeURIComponent(task.id)}` };
}

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();

async function claimOnPage(page: Page, path: string) {
  await page.goto(`${base}${path}`);
  const claimed = await submitForm(page, 'form[action$="/claim"] button');
  expect(claimed.status()).toBe(303);
  await page.waitForSelector('#inspection-form');
}

describe('recording an inspection in the console', () => {
  it('lets the municipal inspector claim the due inspection and record a closure, scripts off: the result and the suspended license on the page', async () => {
    const due = await dueInspection();
    // No scripts at all: the form is a form. (axe is a script: it reads the same pages, as the same person, in a browser that runs it.)
    const page = await (await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(page, base, 'municipalInspector');
    const axe = await signInAs(browser, base, 'municipalInspector');
    const axeFinds = async (path: string) => {
      await axe.goto(`${base}${path}`);
      return seriousViolations(axe);
    };
    await page.goto(`${base}/console/tasks?view=unassigned`);
    await page.click(`a[href="${due.page}"]`);
    // Before the claim, no form: only the holder records.
    expect(await page.locator('#inspection-form').count()).toBe(0);
    expect(await text(page, '#license-status')).toContain(ar['licenseStatus.active']);
    expect(await page.locator('#license-timeline li[data-event=inspection_due]').count()).toBe(1);
    await claimOnPage(page, due.page);

    // Every code of the table, in the page's language, with its severity.
    const codes = await Promise.all((await page.locator('#inspection-form input[type=checkbox]').all()).map((i) => i.getAttribute('name')));
    expect(codes).toEqual(['violation-V-CERT-01', 'violation-V-HYG-01', 'violation-V-PEST-01', 'violation-V-STOR-01', 'violation-V-WATR-01']);
    const pest = await text(page, 'label[for=violation-V-PEST-01]');
    expect(pest).toContain('وجود حشرات أو قوارض في منطقة التحضير');
    expect(pest).toContain(ar['violationSeverity.closure']);
    expect(await text(page, 'label[for=violation-V-CERT-01]')).toContain('14 يومًا');
    expect(await axeFinds(due.page)).toEqual([]);
    expect(await axe.locator('#inspection-form').count()).toBe(1);
    await screenshotsInBothLanguages(axe, SHOTS, 'inspection-form');

    await page.check('#result-violations');
    await page.check('#violation-V-PEST-01');
    await page.fill('#note-V-PEST-01', 'صراصير قرب الفرن');
    await page.fill('#inspection-comment', 'Closed on the spot');
    const recorded = await submitForm(page, '#inspection-form button[type=submit]');
    expect(recorded.status()).toBe(303);
    expect(new URL(page.url()).pathname).toBe(due.page);

    // The result, and the license suspended: on the page, and as the API has it.
    expect(await page.locator('#inspection-form').count()).toBe(0);
    expect(await page.getAttribute('#inspection-result-section [data-outcome]', 'data-outcome')).toBe('closure');
    expect(await text(page, '#inspection-result-section')).toContain(ar['inspection.outcome.closure']);
    expect(await text(page, '#inspection-findings tr[data-code=V-PEST-01]')).toContain('صراصير قرب الفرن');
    expect(await page.getAttribute('#license-status', 'data-status')).toBe('suspended');
    expect(await text(page, '#license-status')).toContain('Pests in the preparation area');
    const newest = page.locator('#license-timeline li').first();
    expect(await newest.getAttribute('data-event')).toBe('suspended');
    expect(await newest.textContent()).toContain('V-PEST-01');
    expect(await axeFinds(due.page)).toEqual([]);
    expect((await licenseView(env, due.number)).status).toBe('suspended');
    const task = (await call(env.api, 'municipalInspector', 'GET', `/tasks/${due.taskId}`)).json();
    expect(task).toMatchObject({ status: 'completed', decision: 'violations', reasons: ['V-PEST-01'], comment: 'Closed on the spot' });
    // The public check says so too, and in English the same page says it in English.
    await page.goto(`${base}/verify/${due.number}`);
    expect(await text(page, '.panel')).toContain(ar['licenseStatus.suspended']);
    await page.goto(`${base}${due.page}?lang=en`);
    expect(await text(page, '#inspection-result-section')).toContain(en['inspection.outcome.closure']);
    expect(await text(page, '#license-timeline li:first-child')).toContain(en['licenseEvent.suspended']);
    expect(await axeFinds(`${due.page}?lang=en`)).toEqual([]);
    await screenshotsInBothLanguages(axe, SHOTS, 'inspection-result');
    // In the audit log under the person, as the API's route would be.
    const [audit] = await rowsOf<{ operation: string; status_code: number; target_id: string }>(env.db.db, sql`
      select operation, status_code, target_id from audit_log where route = '/console/tasks/:id/inspection' order by id desc limit 1`);
    expect(audit).toMatchObject({ operation: 'inspection.record', status_code: 303, target_id: due.number });
    await page.context().close();
    await axe.context().close();
  });

  it("refuses on the page, in the catalogue's words, a result from whoever no longer holds the task, one already recorded, and a code not in the table", async () => {
    const page = await signInAs(browser, base, 'municipalInspector');

    // Given to another inspector while the form was open: nothing written.
    const taken = await dueInspection();
    await claimOnPage(page, taken.page);
    const reassigned = await call(env.api, 'supervisor', 'POST', `/tasks/${taken.taskId}/reassign`, { assignee: 'municipal-inspector-2', reason: 'closer to the shop' });
    expect(reassigned.statusCode, reassigned.body).toBe(200);
    const notHolder = await submitForm(page, '#inspection-form button[type=submit]');
    expect(notHolder.status()).toBe(409);
    expect(await text(page, '.error-summary')).toContain(ar['task.refused']);
    expect(await text(page, '.error-summary')).toContain(ar['inspection.refused.notHolder']);
    expect(await text(page, '.error-summary')).toContain('municipal-inspector-2');
    expect(await page.locator('#inspection-form').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    expect((await timeline(env, taken.number)).map((e) => e.event)).not.toContain('inspection_passed');

    // A code the table does not have (a page edited by hand): 400, the form back as it was typed.
    const due = await dueInspection();
    await claimOnPage(page, `${due.page}?lang=en`);
    await page.check('#result-violations');
    await page.check('#violation-V-HYG-01');
    await page.fill('#note-V-HYG-01', 'Dusty shelves');
    await page.locator('#violation-V-HYG-01').evaluate((input) => input.setAttribute('name', 'violation-V-NOPE-99'));
    const badCode = await submitForm(page, '#inspection-form button[type=submit]');
    expect(badCode.status()).toBe(400);
    expect(await text(page, '.error-summary')).toContain(en['inspection.refused.code']);
    expect(await page.isChecked('#result-violations')).toBe(true);
    expect(await page.inputValue('#note-V-HYG-01')).toBe('Dusty shelves');
    expect(await seriousViolations(page)).toEqual([]);
    // Violations chosen, none ticked: the service's refusal, in words.
    await page.uncheck('#violation-V-HYG-01');
    const none = await submitForm(page, '#inspection-form button[type=submit]');
    expect(none.status()).toBe(400);
    expect(await text(page, '.error-summary')).toContain(en['inspection.refused.noViolation']);

    // Recorded from another tab first: the second is told so, and the first result stands.
    const other = await page.context().newPage();
    await other.goto(`${base}${due.page}?lang=en`);
    expect(await submitForm(other, '#inspection-form button[type=submit]').then((r) => r.status())).toBe(303);
    expect(await other.getAttribute('#inspection-result-section [data-outcome]', 'data-outcome')).toBe('pass');
    await page.check('#violation-V-CERT-01');
    const again = await submitForm(page, '#inspection-form button[type=submit]');
    expect(again.status()).toBe(409);
    expect(await text(page, '.error-summary')).toContain(en['inspection.refused.recorded']);
    expect(await page.getAttribute('#inspection-result-section [data-outcome]', 'data-outcome')).toBe('pass');
    expect((await call(env.api, 'municipalInspector', 'GET', `/tasks/${due.taskId}`)).json()).toMatchObject({ decision: 'pass', reasons: [] });
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });
});
