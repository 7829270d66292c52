// The license certificate in a real Chromium, against the real API, Temporal
// and PostgreSQL, for a café issued end to end: the Arabic fields with the
// English under them, both calendars, the QR code decoded from the rendered
// page to the public verification address (and that address followed), one A4
// page when printed to PDF, no serious accessibility violation; reached from
// the case page and the verification page; an unknown number is a 404 page;
// a license no longer active prints with the not-valid banner.
import { mkdirSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { licenses } from '../db/schema';
import type { TestEnv } from './support/env';
import { approveAll, healthApplication, submitOk, waitForApp } from './support/fixtures';
import { screenshotsInBothLanguages, seriousViolations, signInAs, startConsoleEnv } from './support/browser';

let env: TestEnv;
let browser: Browser;
let base: string;
let caseId: string;
let license: { number: string; issuedOn: string; expiresOn: string };
const application = healthApplication();
const SHOTS = '.data/test/screenshots';

beforeAll(async () => {
  ({ env, browser, base } = await startConsoleEnv());
  // The environment's applicant holds it, so that they may open its case page.
  caseId = await submitOk(env.api, { ...application, applicant: { ...application.applicant, nationalId: env.users.applicant.nationalId! } });
  await approveAll(env.api, caseId);
  const issued = await waitForApp(env.api, caseId, 'issued', (a) => a.status === 'issued', 60_000);
  license = issued.license;
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const certificateUrl = () => `${base}/licenses/${license.number}/certificate`;

async function fresh(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

/** What the page's QR code says, read from its pixels as a phone's camera would. */
async function decodeQr(page: Page): Promise<string | undefined> {
  const png = PNG.sync.read(await page.locator('.qr').screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/** A PDF's pages: each is one object of type /Page (the tree above them is /Pages). */
const pdfPages = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-z])/g)?.length ?? 0;

describe('the license certificate', () => {
  it('shows the license in Arabic, the English under it, both calendars and a QR code of its verification page', async () => {
    const page = await fresh();
    const res = await page.goto(certificateUrl());
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("style-src 'self'");
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.textContent('h1')).toContain('شهادة ترخيص');
    const fields = (await page.textContent('dl.cert-fields'))!;
    for (const text of [
      application.applicant.name,
      application.establishment.tradeName,
      application.establishment.crNumber,
      application.establishment.isicCode,
      'مقاهي وتقديم المشروبات',
      application.establishment.district,
      'رخصة صحية',
    ])
      expect(fields).toContain(text);
    // The holder is named; their national ID is not on a public page.
    expect(await page.textContent('body')).not.toContain(env.users.applicant.nationalId!);
    expect(await page.textContent('.cert-number')).toContain(license.number);
    // Every label in English too, under the Arabic.
    expect(await page.locator('.cert-fields dt .other[lang=en]').allTextContents()).toEqual(
      expect.arrayContaining(['License holder', 'Trade name', 'Activity', 'Address (district)', 'Issued on', 'Expires on']),
    );
    // Both dates in both calendars, the Gregorian one machine-readable.
    expect(await page.locator('dl.cert-fields time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')))).toEqual(
      [license.issuedOn, license.issuedOn, license.expiresOn, license.expiresOn],
    );
    expect(fields.match(/هـ/g)).toHaveLength(2);
    expect(fields.match(/\bAH\b/g)).toHaveLength(2);
    expect(fields).toContain(license.expiresOn.slice(0, 4));
    // In force: no banner.
    expect(await page.$('.cert-void')).toBeNull();

    // The QR code is an SVG drawn on the server, and it reads as the license's public verification address.
    expect(await page.$$('.qr > svg')).toHaveLength(1);
    const verifyUrl = `${env.config.api.publicUrl}/verify/${license.number}`;
    expect(await decodeQr(page)).toBe(verifyUrl);
    expect(await page.getAttribute('.cert-url a', 'href')).toBe(verifyUrl);
    expect(await page.evaluate(`document.fonts.ready.then(() => document.fonts.check('700 20px "Plex Arabic"', 'رخصة'))`)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    // Printed: one A4 sheet, the certificate alone.
    expect(pdfPages(await page.pdf({ format: 'A4' }))).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('.masthead')).toBe(false);
    expect(await page.isVisible('.certificate')).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    await screenshotsInBothLanguages(page, SHOTS, 'certificate');
    await page.context().close();
  });

  it('in English, leads with English and keeps the Arabic under it', async () => {
    const page = await fresh();
    await page.goto(`${certificateUrl()}?lang=en`);
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    expect(await page.textContent('h1')).toBe('License certificateشهادة ترخيص');
    expect(await page.locator('.cert-fields dt .other[lang=ar]').first().textContent()).toBe('نوع الرخصة');
    expect(pdfPages(await page.pdf({ format: 'A4' }))).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('is linked from the case page and from the verification page the QR code opens', async () => {
    const page = await signInAs(browser, base, 'applicant');
    await page.goto(`${base}/console/applications/${caseId}`);
    await page.click(`#license ~ p a[href="/licenses/${license.number}/certificate"]`);
    await page.waitForURL(certificateUrl());
    await page.goto((await decodeQr(page))!);
    expect(await page.textContent('[role=status] h2')).toBe('رخصة سارية');
    await page.click(`a[href="/licenses/${license.number}/certificate"]`);
    await page.waitForURL(certificateUrl());
    await page.context().close();
  });

  it('answers a number that is no license with a 404 page, what was typed shown as text only', async () => {
    const page = await fresh();
    for (const number of ['AHS-1999-000001', '<img src=x onerror=alert(1)>', 'X'.repeat(200)]) {
      const res = await page.goto(`${base}/licenses/${encodeURIComponent(number)}/certificate`);
      expect(res?.status()).toBe(404);
      expect(await page.textContent('[role=status] h2')).toBe('لا توجد رخصة بهذا الرقم');
      expect(await page.$$('main img, .qr')).toHaveLength(0);
    }
    expect(await page.textContent('[role=status] bdi')).toBe('X'.repeat(200));
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('prints a license no longer active with a banner saying it is not valid, and its QR code opens the live state', async () => {
    await env.db.db.update(licenses).set({ status: 'expired' }).where(eq(licenses.number, license.number));
    const page = await fresh();
    expect((await page.goto(certificateUrl()))?.status()).toBe(200);
    const banner = page.locator('.cert-void');
    expect(await banner.locator('h2').textContent()).toBe('هذه الرخصة غير ساريةThis license is not valid');
    expect(await banner.textContent()).toContain('رخصة منتهية');
    expect(await seriousViolations(page)).toEqual([]);
    // The banner is on the paper too, still one sheet.
    await page.emulateMedia({ media: 'print' });
    expect(await banner.isVisible()).toBe(true);
    expect(pdfPages(await page.pdf({ format: 'A4' }))).toBe(1);
    await page.emulateMedia({ media: 'screen' });
    await page.goto((await decodeQr(page))!);
    expect(await page.textContent('[role=status] h2')).toBe('رخصة منتهية');
    await page.context().close();
  });
});
