// The console's live parts in a real Chromium, against the real API, Temporal
// and PostgreSQL: a reviewer's open inbox shows a new case's tasks (badges and
// list) without a reload, a case page follows its case to issued, all under the
// pages' script policy with not one violation; an ended session is sent to
// sign in, a refused fragment reloads its page; and with scripts off the same
// pages work as before.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestEnv, type Who } from './support/env';
import { approveAll, healthApplication, submitOk, waitForStage } from './support/fixtures';
import { seriousViolations, signIn, startConsoleEnv } from './support/browser';

let env: TestEnv;
let browser: Browser;
let base: string;
/** Short, so a test sees a refresh in a second or two; the defaults are 15 and 30 s. */
const REFRESH = '300ms';
/** Several refreshes' worth, and a case's way to review or to issued on a busy machine. */
const DEADLINE_MS = 30_000;

beforeAll(async () => {
  ({ env, browser, base } = await startConsoleEnv({ console: { CONSOLE_COUNTS_REFRESH: REFRESH, CONSOLE_PAGE_REFRESH: REFRESH } }));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

interface Signed {
  page: Page;
  /** What Chromium refused under the page's policy since sign-in: console errors and securitypolicyviolation events. */
  violations: string[];
}

async function signedInAs(who: Who, options: BrowserContextOptions = {}): Promise<Signed> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  // Installed through the DevTools protocol, which the policy does not govern; it runs only where scripts do.
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('Refused to ' + e.effectiveDirective + ': ' + e.blockedURI))`);
  await signIn(page, base, who);
  violations.length = 0;
  return { page, violations };
}

const badge = async (page: Page, view: string) => Number(await page.textContent(`[data-count=${view}]`));

/** Set on the page as it is; gone if anything reloads it. */
const mark = (page: Page) => page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
const stillMarked = (page: Page) => page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded === true);

describe('the console, live', () => {
  it("shows a new case's tasks in an open inbox, badges and list, without a reload and within the page's script policy", async () => {
    const { page, violations } = await signedInAs('health');
    const res = await page.goto(`${base}/console/tasks?view=unassigned`);
    const policy = res!.headers()['content-security-policy']!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
    // The script came, passed its integrity check and the policy, and runs.
    await waitFor('htmx loaded', () => page.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx === 'object'));
    const before = await badge(page, 'unassigned');
    await mark(page);

    // A café filed by the office's clerk: its two reviews land in this office's inbox.
    const caseId = await submitOk(env.api, healthApplication());
    const after = await waitFor('the unassigned badge to rise', async () => ((await badge(page, 'unassigned')) > before ? badge(page, 'unassigned') : undefined), { timeoutMs: DEADLINE_MS });
    expect(after).toBe(before + 2);
    expect(await badge(page, 'all')).toBeGreaterThanOrEqual(after);
    await waitFor('the list to show the new case', async () => (await page.textContent('#task-list'))!.includes(caseId), { timeoutMs: DEADLINE_MS });
    // The tab the reader is on is still the one marked.
    expect(await page.getAttribute('a[aria-current=page]', 'href')).toMatch(/^\/console\/tasks\?view=unassigned/);
    expect(await stillMarked(page)).toBe(true);
    expect(violations).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('follows an open case on its page to issued, then stops asking', async () => {
    const caseId = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, caseId, 'review');
    const { page, violations } = await signedInAs('health');
    await page.goto(`${base}/console/applications/${caseId}`);
    expect(await page.getAttribute('#case-status', 'hx-get')).toBe(`/console/applications/${caseId}/status`);
    const events = await page.locator('#case-timeline li').count();
    await mark(page);

    await approveAll(env.api, caseId);
    await waitFor('the page to say issued', async () => (await page.textContent('#case-status h2')) === 'صادرة', { timeoutMs: DEADLINE_MS });
    await waitFor('the timeline to grow', async () => (await page.locator('#case-timeline li').count()) > events, { timeoutMs: DEADLINE_MS });
    // Closed: the panel no longer asks.
    expect(await page.getAttribute('#case-status', 'hx-get')).toBeNull();
    expect(await stillMarked(page)).toBe(true);
    expect(violations).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('sends an open inbox whose session ended to sign in, and reloads a refused fragment’s page', async () => {
    const { page } = await signedInAs('health');
    await page.goto(`${base}/console/tasks`);
    const asked = (headers: Record<string, string>) => page.request.get(`${base}/console/tasks/counts?view=mine`, { headers, maxRedirects: 0 });
    expect((await asked({ 'hx-request': 'true' })).status()).toBe(200);
    await page.context().clearCookies();
    const signedOut = await asked({ 'hx-request': 'true' });
    expect(signedOut.status()).toBe(401);
    expect(signedOut.headers()['hx-redirect']).toBe('/console/login');
    // A browser asking for the address itself is redirected as a page is.
    expect((await asked({})).status()).toBe(303);
    // The open page, at its next refresh, goes to the issuer's login page.
    await page.waitForURL((u) => u.href.startsWith(env.issuer.url), { timeout: DEADLINE_MS });
    await page.context().close();

    // Not an applicant's, as GET /tasks/counts is not: refused, not swapped in, and the page asked for again.
    const applicant = await signedInAs('applicant');
    const refused = await applicant.page.request.get(`${base}/console/tasks/counts`, { headers: { 'hx-request': 'true' }, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(refused.headers()['hx-refresh']).toBe('true');
    await applicant.page.context().close();
  });

  it('works as before with scripts off: counts, list and case page as of their load', async () => {
    const { page, violations } = await signedInAs('health', { javaScriptEnabled: false });
    await page.goto(`${base}/console/tasks?view=unassigned`);
    const before = await badge(page, 'unassigned');
    expect(await page.locator('#task-list table.tasks tbody tr').count()).toBe(Math.min(before, 25));
    const another = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, another, 'review');
    // Nothing moves by itself; a reload shows the new tasks.
    expect(await badge(page, 'unassigned')).toBe(before);
    await page.reload();
    expect(await badge(page, 'unassigned')).toBe(before + 2);
    expect(await page.textContent('#task-list')).toContain(another);
    await page.click(`a[href="/console/tasks/${encodeURIComponent(`${another}:health:1`)}"]`);
    await page.click('form[action$="/claim"] button');
    await page.waitForSelector('form.decision');
    await page.goto(`${base}/console/applications/${another}`);
    expect(await page.textContent('#case-status h2')).toContain('قيد المعالجة');
    expect(violations).toEqual([]);
    await page.context().close();
  });
});
