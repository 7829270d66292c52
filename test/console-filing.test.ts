// Filing from the console in a real Chromium, against the real API, Temporal
// and PostgreSQL, signed in through the issuer's login page: office A's clerk
// files a café one page a step, is refused a malformed ID by name, sees the
// completeness check find an expired contract before filing and replaces it,
// checks the answers and files; pressing "file" again answers the same case.
// The office's reviewers decide from their inbox and the applicant finds the
// license issued, with its public check.
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { screenshotsInBothLanguages, seriousViolations, signInAs, startConsoleEnv } from './support/browser';
import { type TestEnv, type Who } from './support/env';
import { crNumber, waitForApp, waitForStage } from './support/fixtures';
import { sample } from './support/uploads';

let env: TestEnv;
let browser: Browser;
let base: string;
const SHOTS = '.data/test/screenshots';
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  ({ env, browser, base } = await startConsoleEnv());
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedInAs = (who: Who): Promise<Page> => signInAs(browser, base, who);

/** Submits the step's form and waits for the page it leads to. */
async function proceed(page: Page) {
  await Promise.all([page.waitForLoadState(), page.click('form.filing button[value=continue], form:has(button[value=continue]) button[value=continue]')]);
}

async function uploadFile(page: Page, type: string, file: { name: string; mimeType: string; buffer: Buffer }, expiresOn?: string) {
  const form = page.locator(`form.upload:has(input[name=type][value=${type}])`);
  await form.locator('input[type=file]').setInputFiles(file);
  if (expiresOn) await form.locator('input[name=expiresOn]').fill(expiresOn);
  await Promise.all([page.waitForLoadState(), form.locator('button[type=submit]').click()]);
}

const pdf = (name: string, file: string) => ({ name, mimeType: 'application/pdf', buffer: sample(file) });

async function claimAndDecide(page: Page, caseId: string, kind: 'health' | 'technical') {
  await page.goto(`${base}/console/tasks?view=unassigned`);
  await page.click(`a[href="/console/tasks/${encodeURIComponent(`${caseId}:${kind}:1`)}"]`);
  await page.click('form[action$="/claim"] button');
  await page.waitForSelector('form.decision');
  await page.check('#decision-approve');
  await Promise.all([page.waitForLoadState(), page.click('form.decision button[type=submit]')]);
}

describe('filing from the console', () => {
  let caseId: string;
  const cr = crNumber();

  it('takes a clerk through each step, names what is wrong, shows the check as it goes, and files once', async () => {
    const page = await signedInAs('clerk');
    await page.click('a[href="/console/file"]');
    await Promise.all([page.waitForURL(/\/console\/file\/d_[^/]+\/kind$/), page.click('main form[action="/console/file"] button')]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'file-kind');

    // Step 1: the kind, chosen and sent by keyboard alone: the radios and the button are plain inputs.
    await page.focus('#f-licenseKind');
    await page.keyboard.press('ArrowDown');
    expect(await page.isChecked('#f-licenseKind-health')).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.value')).toBe('continue');
    await Promise.all([page.waitForURL(/\/applicant$/), page.keyboard.press('Enter')]);
    expect(page.url()).toMatch(/\/applicant$/);

    // Step 2: a malformed ID is refused by name, the rest kept as typed.
    await page.fill('[name="applicant/nationalId"]', '12345');
    await page.fill('[name="applicant/name"]', 'سعد بن علي الحربي');
    await page.fill('[name="applicant/mobile"]', '0512345678');
    await page.check('#f-applicant-role');
    await proceed(page);
    expect(await page.textContent('.error-summary')).toContain('رقم الهوية عشرة أرقام');
    expect(await page.getAttribute('.error-summary a', 'href')).toBe('#f-applicant-nationalId');
    expect(await page.inputValue('[name="applicant/name"]')).toBe('سعد بن علي الحربي');
    expect(await page.getAttribute('#f-applicant-nationalId', 'aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await page.fill('[name="applicant/nationalId"]', env.users.applicant.nationalId!);
    await proceed(page);
    expect(page.url()).toMatch(/\/establishment$/);

    // Step 3: the establishment, with its coordinates.
    await page.fill('[name="establishment/crNumber"]', cr);
    await page.fill('[name="establishment/tradeName"]', 'مقهى النخيل');
    await page.fill('[name="establishment/isicCode"]', '563001');
    await page.fill('[name="establishment/district"]', 'Al-Mubarraz');
    await page.fill('[name="establishment/areaSqm"]', '80');
    // As it is typed, nothing sent yet: the check finds the location missing, then finds it there.
    await page.locator('#live-check li[data-code=LOCATION_MISSING]').waitFor({ timeout: 10_000 });
    await page.fill('[name="establishment/location/lat"]', '25.4');
    await page.fill('[name="establishment/location/lng"]', '49.58');
    await page.locator('#live-check li[data-code=LOCATION_MISSING]').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await proceed(page);

    // Step 4: a café's workers, each with a health certificate.
    expect(page.url()).toMatch(/\/workers$/);
    expect(await page.textContent('#live-check')).toContain('العمالة');
    await page.fill('[name="worker/name"]', 'Ahmed Karim');
    await page.fill('[name="worker/healthCertificateNumber"]', 'HC-5550001');
    await page.fill('[name="worker/healthCertificateExpiry"]', day(200));
    await Promise.all([page.waitForLoadState(), page.click('button[value=add]')]);
    expect(await page.textContent('table.tasks')).toContain('Ahmed Karim');
    expect(await page.textContent('#live-check')).toContain('لا نواقص');
    expect(await seriousViolations(page)).toEqual([]);
    await proceed(page);

    // Step 5: the files. A renamed executable is refused; a contract past its date is kept but the check names it.
    expect(page.url()).toMatch(/\/documents$/);
    await uploadFile(page, 'storefront_photo', { name: 'واجهة.png', mimeType: 'image/png', buffer: sample('storefront.png') });
    await uploadFile(page, 'lease_or_deed', { name: 'lease.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 not a pdf at all') }, day(300));
    expect(await page.textContent('.error-summary')).toContain('ليس من الأنواع المقبولة');
    await uploadFile(page, 'lease_or_deed', pdf('lease.pdf', 'lease.pdf'), day(300));
    await uploadFile(page, 'building_permit', pdf('permit.pdf', 'building-permit.pdf'));
    await uploadFile(page, 'civil_defense', pdf('civil-defense.pdf', 'civil-defense.pdf'), day(300));
    await uploadFile(page, 'cleaning_contract', pdf('cleaning-old.pdf', 'cleaning-contract.pdf'), day(-3));
    expect(await page.locator('#live-check li[data-code=DOC_EXPIRED]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'file-documents');
    // Replaced with the current contract: the check clears, and the old upload is taken back.
    await uploadFile(page, 'cleaning_contract', pdf('cleaning.pdf', 'cleaning-contract.pdf'), day(300));
    expect(await page.locator('#live-check li').count()).toBe(0);
    expect(await rowsOf(env.db.db, sql`select id from documents where name = 'cleaning-old.pdf'`)).toEqual([]);
    await proceed(page);

    // Check your answers: everything typed, a change link per step, nothing missing; then file.
    expect(page.url()).toMatch(/\/check$/);
    const check = await page.textContent('main');
    expect(check).toContain('مقهى النخيل');
    expect(check).toContain('Ahmed Karim');
    expect(check).toContain('الطلب مكتمل ويمكن تقديمه.');
    expect(await page.locator('a[href$="/applicant?return=check"]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'file-check');
    const csrf = await page.inputValue('input[name=_csrf]');
    const checkUrl = page.url();
    await Promise.all([page.waitForURL(/\/console\/applications\/[^/]+$/), page.click('form[action$="/check"] button')]);
    caseId = decodeURIComponent(page.url().split('/').at(-1)!);
    expect(await page.textContent('h1')).toBe('مقهى النخيل');

    // "File" pressed again (a second tab, the back button): the same case, not a second.
    const again = await page.request.post(checkUrl, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(again.status()).toBe(303);
    expect(again.headers().location).toBe(`/console/applications/${encodeURIComponent(caseId)}`);
    const cases = await rowsOf<{ id: string }>(env.db.db, sql`select id from applications where cr_number = ${cr}`);
    expect(cases).toEqual([{ id: caseId }]);
    // Each step's save and the filing are in the audit log under the clerk.
    const [filed] = await rowsOf<{ details: { applicationId?: string } }>(
      env.db.db,
      sql`select details from audit_log where actor_id = 'clerk' and route = '/console/file/:id/:step' and details->>'applicationId' is not null`,
    );
    expect(filed!.details.applicationId).toBe(caseId);
    await page.context().close();
  });

  it("lets the office's reviewers decide it from their inbox, and the applicant find the license issued", async () => {
    await waitForStage(env.api, caseId, 'review');
    const health = await signedInAs('health');
    await claimAndDecide(health, caseId, 'health');
    const inspector = await signedInAs('inspector');
    await claimAndDecide(inspector, caseId, 'technical');
    await waitForApp(env.api, caseId, 'issued', (a) => a.status === 'issued');
    const applicant = await signedInAs('applicant');
    await applicant.goto(`${base}/console/applications/${caseId}`);
    expect(await applicant.textContent('[role=status] h2')).toBe('صادرة');
    await applicant.click('a[href^="/verify/"]');
    expect(await applicant.textContent('[role=status] h2')).toBe('رخصة سارية');
    for (const p of [health, inspector, applicant]) await p.context().close();
  });

  it("keeps an applicant's own ID fixed, and a draft to its owner", async () => {
    const page = await signedInAs('applicant');
    await page.goto(`${base}/console/file`);
    await Promise.all([page.waitForURL(/\/kind$/), page.click('main form[action="/console/file"] button')]);
    const draftUrl = page.url();
    await page.check('#f-licenseKind');
    await proceed(page);
    expect(await page.inputValue('[name="applicant/nationalId"]')).toBe(env.users.applicant.nationalId);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.getAttribute('[name="applicant/nationalId"]', 'readonly')).not.toBeNull();
    // Another ID typed over it (the field edited by hand): the session's own is what is kept.
    await page.evaluate(`document.querySelector('[name="applicant/nationalId"]').removeAttribute('readonly')`);
    await page.fill('[name="applicant/nationalId"]', '1000000008');
    await page.fill('[name="applicant/name"]', 'Applicant');
    await page.fill('[name="applicant/mobile"]', '0512345678');
    await page.check('#f-applicant-role');
    await proceed(page);
    // An applicant chooses the office (or leaves it to the least busy one).
    await page.goto(`${draftUrl.replace(/\/kind$/, '')}/office`);
    expect(await page.textContent('h1')).toBe('مكتب الخدمة');
    expect(await seriousViolations(page)).toEqual([]);
    await page.check(`#f-officeId-${env.offices.a}`);
    await proceed(page);
    const [draft] = await rowsOf<{ data: { body: { applicant: { nationalId: string }; officeId: string } } }>(env.db.db, sql`select data from filing_drafts where owner_id = 'applicant' order by created_at desc limit 1`);
    expect(draft!.data.body.applicant.nationalId).toBe(env.users.applicant.nationalId);
    expect(draft!.data.body.officeId).toBe(env.offices.a);
    // Someone else's draft is not there for them.
    const clerk = await signedInAs('clerkB');
    expect((await clerk.goto(draftUrl))?.status()).toBe(404);
    await page.context().close();
    await clerk.context().close();
  });
});
