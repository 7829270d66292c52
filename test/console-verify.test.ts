// The public verification page in a real Chromium, against the real API,
// Temporal and PostgreSQL: a license issued end to end is shown valid, in
// Arabic (right to left, both calendars) and English; a number that is no
// license is a 404 page; nothing the visitor types becomes markup; axe finds no
// serious violation; the form works from the keyboard alone.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/env';
import { approve, commercialApplication, decide, submitOk, waitForApp, waitForStage } from './support/fixtures';
import { launchBrowser, seriousViolations } from './support/browser';

let env: TestEnv;
let browser: Browser;
let base: string;
let license: { number: string; tradeName: string; issuedOn: string };
const SHOTS = '.data/test/screenshots';

beforeAll(async () => {
  [env, browser] = await Promise.all([startTestEnv(), launchBrowser()]);
  base = await env.api.listen({ host: '127.0.0.1', port: 0 });
  const id = await submitOk(env.api, commercialApplication());
  await waitForStage(env.api, id, 'review');
  await decide(env.api, id, approve('technical'));
  const issued = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
  license = { number: issued.license.number, tradeName: issued.establishment.tradeName, issuedOn: issued.license.issuedOn };
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function fresh(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
  return context.newPage();
}

describe('the verification page', () => {
  it('shows an issued license as valid, in Arabic, right to left, with Gregorian and Hijri dates', async () => {
    const page = await fresh();
    const res = await page.goto(`${base}/verify/${license.number}`);
    expect(res?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await expect.poll(() => page.textContent('[role=status] h2')).toBe('رخصة سارية');
    const text = (await page.textContent('dl.summary'))!;
    expect(text).toContain(license.tradeName);
    expect(text).toContain(license.number);
    expect(text).toContain('هـ');
    expect(await page.getAttribute('time', 'datetime')).toBe(license.issuedOn);
    // The shipped Arabic font is the one in use, not whatever the machine has.
    expect(await page.evaluate(`document.fonts.ready.then(() => document.fonts.check('700 20px "Plex Arabic"', 'رخصة'))`)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/verify-ar.png`, fullPage: true });
    await page.context().close();
  });

  it('switches to English and keeps the choice', async () => {
    const page = await fresh();
    await page.goto(`${base}/verify/${license.number}`);
    await page.click('a.lang');
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    expect(await page.textContent('[role=status] h2')).toBe('Valid license');
    await page.goto(`${base}/verify`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${base}/verify/${license.number}`);
    await page.screenshot({ path: `${SHOTS}/verify-en.png`, fullPage: true });
    await page.context().close();
  });

  it('is worked from the keyboard alone: to the field, the number, Enter', async () => {
    const page = await fresh();
    await page.goto(`${base}/verify`);
    const focused = () => page.evaluate('document.activeElement && document.activeElement.id');
    for (let i = 0; i < 10 && (await focused()) !== 'number'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('number');
    await page.keyboard.type(license.number.toLowerCase());
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/verify/${license.number}`);
    expect(await page.textContent('[role=status] h2')).toBe('رخصة سارية');
    await page.context().close();
  });

  it('answers a number that is no license with a 404 page, and shows what was typed as text only', async () => {
    const page = await fresh();
    const typed = '<img src=x onerror=alert(1)>';
    const res = await page.goto(`${base}/verify/${encodeURIComponent(typed)}`);
    expect(res?.status()).toBe(404);
    expect(await page.textContent('[role=status] h2')).toBe('لا توجد رخصة بهذا الرقم');
    expect(await page.$$('main img')).toHaveLength(0);
    expect(await page.textContent('[role=status] bdi')).toBe(typed);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });
});
