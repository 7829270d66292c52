// Fees and payment in the console, in a real Chromium against the real API,
// Temporal and PostgreSQL, with the simulator's gateway notifying the API as
// a bank's payment would: the applicant's case page shows the invoice (the
// bill number to pay through SADAD, the amount and its line, the due date)
// and, once paid, the receipt without a reload; a holder's late renewal shows
// its invoice with the penalty; an administrator saves a band's fee as a new
// version (audited under them) and a form from the old version is refused on
// the page; an administrator accepts a payment of another amount and the case
// is issued, and reconciles a day; a supervisor sees both pages without their
// forms, and a clerk is refused them.
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { riyadhDate } from '../domain/calendar';
import { formatSar } from '../domain/payments';
import { words } from '../console/i18n';
import { screenshotsInBothLanguages, seriousViolations, signInAs, startConsoleEnv, submitForm } from './support/browser';
import { waitFor, type TestEnv, type Who } from './support/env';
import { approveAll, call, crNumber, healthApplication, submit, waitForApp } from './support/fixtures';
import { secondsRules, startLicense, timeline, waitForLicense } from './support/licenses';

let env: TestEnv;
let browser: Browser;
let base: string;
const SHOTS = '.data/test/screenshots';
const ar = words('ar');

beforeAll(async () => {
  // The case page asks every second where its case stands (and its invoice with it).
  ({ env, browser, base } = await startConsoleEnv({ fees: true, console: { CONSOLE_PAGE_REFRESH: '1s' } }));
  // A license's whole life in seconds, for the late renewal.
  await secondsRules(env, { renewal_window: '20s', reminders: [], grace_period: '60s', renewal_correction: '60s' });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedInAs = (who: Who): Promise<Page> => signInAs(browser, base, who);
const sim = (path: string, method: 'GET' | 'POST' = 'GET', body?: unknown) =>
  fetch(`${env.simulatorUrl}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
const pay = async (billNumber: string, extra: Record<string, unknown> = {}) => {
  const res = await sim('/_control/payments/pay', 'POST', { billNumber, ...extra });
  expect(res.status).toBe(201);
  return ((await res.json()) as { payment: { paymentId: string; paidAt: string } }).payment;
};

/** A café of 80 m² filed for the environment's applicant, through its reviews and both agencies, to its invoice. */
async function invoicedCase() {
  const body = healthApplication({ establishment: { ...healthApplication().establishment, crNumber: crNumber(1) } });
  const res = await submit(env.api, { ...body, applicant: { ...body.applicant, nationalId: env.users.applicant.nationalId! } });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  await approveAll(env.api, id);
  const waiting = await waitForApp(env.api, id, 'awaiting payment', (a) => a.stage === 'awaiting_payment' && a.invoices.length === 1);
  return { id, invoice: waiting.invoices[0] as Record<string, any> };
}

const auditRows = (route: string, actor: string) =>
  rowsOf<{ status_code: number; target_id: string | null; details: Record<string, unknown> }>(
    env.db.db,
    sql`select status_code, target_id, details from audit_log where route = ${route} and actor_id = ${actor} order by id`,
  );

/** The session's CSRF token, as every console form carries it. */
const csrfOf = (page: Page) => page.locator('input[name=_csrf]').first().inputValue();

describe('the invoice on the case page', () => {
  it('shows the applicant the bill to pay, and the receipt once it is paid', async () => {
    const { id, invoice } = await invoicedCase();
    const page = await signedInAs('applicant');
    await page.goto(`${base}/console/applications/${id}`);
    const section = page.locator('section.invoice');
    expect(await section.getAttribute('data-status')).toBe('open');
    expect(await section.locator('h2').textContent()).toBe('فاتورة المقابل المالي للرخصة');
    expect(await section.locator('.bill-number').textContent()).toBe(invoice.billNumber);
    expect(await section.textContent()).toContain('عبر نظام سداد');
    // 900 riyals: the health band from 50 to 150 m², for its 12 months.
    expect(await section.locator('.invoice-total').textContent()).toBe(`${formatSar(90_000)} ريال`);
    expect(await section.locator('tr[data-line=issuance_fee]').textContent()).toContain('مقابل إصدار الرخصة لمدة 12 شهرًا، بواقع 900.00 ريال في السنة');
    const [dueGregorian, dueHijri] = ar.instant(invoice.dueAt);
    expect(await section.locator('.invoice-due').textContent()).toContain(dueGregorian);
    expect(await section.locator('.invoice-due').textContent()).toContain(dueHijri);
    expect(await section.locator('.invoice-status').textContent()).toBe('بانتظار السداد');
    expect(await page.textContent('#case-status')).toContain('سداد الفاتورة');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'invoice');

    await pay(invoice.billNumber);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const receipt = done.invoices[0].receiptNumber as string;
    expect(receipt).toMatch(/^RCT-\d{8}-\d{6}$/);
    // The page keeps itself current: the receipt comes in with the status, no reload.
    await page.waitForSelector('section.invoice[data-status=paid] .receipt-number', { timeout: 15_000 });
    expect(await page.textContent('section.invoice .receipt-number')).toBe(receipt);
    expect(await page.textContent('section.invoice .invoice-paid-at')).toContain(ar.instant(done.invoices[0].paidAt)[0]);
    expect(await page.textContent('section.invoice .invoice-status')).toBe('مسدَّدة');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'receipt');
    expect(await page.textContent('section.invoice .receipt-number')).toBe(receipt);
    await page.context().close();
  }, 120_000);

  it("shows the holder a late renewal's invoice with its penalty, on the license's case page", async () => {
    const l = await startLicense(env, { expiresInMs: 2_000, cr: crNumber(1) });
    await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired');
    expect((await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/renewal`, {})).statusCode).toBe(202);
    const raised = await waitFor('the renewal invoiced', async () => (await timeline(env, l.number)).find((e) => e.event === 'renewal_invoiced'));
    const page = await signedInAs('applicant');
    await page.goto(`${base}/console/applications/${l.applicationId}`);
    const section = page.locator('section[aria-labelledby=license] section.invoice');
    expect(await section.getAttribute('data-status')).toBe('open');
    expect(await section.locator('h2').textContent()).toBe('فاتورة رسوم تجديد الرخصة');
    expect(await section.locator('.bill-number').textContent()).toBe(raised.details.billNumber);
    // A clothing shop of 120 m²: 1,000 riyals a year, and a quarter more for coming late.
    expect(await section.locator('.invoice-total').textContent()).toBe(`${formatSar(125_000)} ريال`);
    expect(await section.locator('tr[data-line=renewal_fee]').textContent()).toContain('رسوم تجديد الرخصة لمدة 12 شهرًا');
    expect(await section.locator('tr[data-line=late_penalty]').textContent()).toContain('غرامة التأخر في التجديد: 25٪ من الرسوم');
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('the fee schedule', () => {
  it("saves an administrator's change to a band as a new version, and refuses a form from the old one", async () => {
    const before = (await env.api.inject({ method: 'GET', url: '/fees' })).json();
    const band = before.bands.findIndex((b: { licenseKind: string }) => b.licenseKind === 'professional');
    const page = await signedInAs('admin');
    await page.click('a[href="/console/fees"]');
    expect(await page.textContent('h2')).toContain(String(before.version));
    expect(await page.textContent(`#fee-bands tr[data-band="${band}"]`)).toContain('رخصة مهنية');
    expect(await page.textContent(`#fee-bands tr[data-band="${band}"]`)).toContain('كل الأنشطة');
    expect(await page.textContent('#fee-settings')).toContain('25٪');
    expect(await page.textContent('#fee-settings')).toContain('14 يومًا');
    expect(await seriousViolations(page)).toEqual([]);
    // The same form, open in another tab from the same version.
    const other = await page.context().newPage();
    await other.goto(`${base}/console/fees`);

    // A fee that is no amount: refused at its field, nothing saved.
    await page.fill(`#issuance-${band}`, 'خمسمئة');
    await page.fill('#reason', 'professional fee to 450');
    expect((await submitForm(page, '#fee-form button[type=submit]')).status()).toBe(400);
    expect(await page.textContent('#fee-refusal')).toContain('اكتب مبلغًا بالريال');
    expect(await page.getAttribute(`#issuance-${band}`, 'aria-invalid')).toBe('true');
    expect((await env.api.inject({ method: 'GET', url: '/fees' })).json().version).toBe(before.version);

    await page.fill(`#issuance-${band}`, '450.00');
    expect((await submitForm(page, '#fee-form button[type=submit]')).status()).toBe(200);
    expect(await page.textContent('#fee-saved')).toContain(String(before.version + 1));
    const after = (await env.api.inject({ method: 'GET', url: '/fees' })).json();
    expect(after).toMatchObject({ version: before.version + 1, createdBy: 'admin', reason: 'professional fee to 450' });
    expect(after.bands[band]).toEqual({ ...before.bands[band], issuanceFeeHalalas: 45_000 });
    expect(after.bands.filter((_: unknown, i: number) => i !== band)).toEqual(before.bands.filter((_: unknown, i: number) => i !== band));
    expect(await page.textContent(`#fee-bands tr[data-band="${band}"] [data-fee=issuance]`)).toBe('450.00 ريال');
    expect(await page.textContent(`#fee-versions tr[data-version="${after.version}"]`)).toContain('professional fee to 450');
    const audit = await auditRows('/console/fees', 'admin');
    expect(audit.map((r) => r.status_code)).toEqual([400, 200]);
    expect(audit[1]!.details).toMatchObject({ fromVersion: before.version, version: after.version, reason: 'professional fee to 450' });

    // The other tab still holds the old version: saving it would undo the change unseen, so it is refused.
    await other.fill(`#renewal-${band}`, '999.00');
    await other.fill('#reason', 'from an old page');
    expect((await submitForm(other, '#fee-form button[type=submit]')).status()).toBe(409);
    expect(await other.textContent('#fee-refusal')).toContain('حفظ شخص آخر الجدول في أثناء ذلك');
    expect(await other.textContent('#fee-refusal')).toContain(String(after.version));
    expect((await env.api.inject({ method: 'GET', url: '/fees' })).json().version).toBe(after.version);
    expect(await seriousViolations(other)).toEqual([]);
    // The refusal in each language: the same old form sent again, refused again.
    await screenshotsInBothLanguages(other, SHOTS, 'fees-stale', async (lang) => {
      await other.context().addCookies([{ name: 'lang', value: lang, url: base }]);
      expect((await submitForm(other, '#fee-form button[type=submit]')).status()).toBe(409);
    });

    await page.goto(`${base}/console/fees`);
    await screenshotsInBothLanguages(page, SHOTS, 'fees');
    await page.context().close();
  }, 120_000);
});

describe('payments that do not fit', () => {
  it('lets an administrator accept a payment of another amount, after which the case is issued, and reconcile a day', async () => {
    const { id, invoice } = await invoicedCase();
    const payment = await pay(invoice.billNumber, { amountHalalas: invoice.amountHalalas - 100 });
    const mismatch = await waitFor('the mismatch', async () => {
      const items = (await call(env.api, 'admin', 'GET', '/payments/mismatches?status=open')).json().items as Record<string, any>[];
      return items.find((m) => m.paymentId === payment.paymentId);
    });

    const page = await signedInAs('admin');
    await page.click('a[href="/console/payments"]');
    const card = page.locator(`section[data-mismatch="${mismatch.id}"]`);
    expect(await card.locator('h3').textContent()).toBe('المبلغ المدفوع غير مبلغ الفاتورة');
    expect(await card.locator('.expected').textContent()).toBe(`${formatSar(invoice.amountHalalas)} ريال`);
    expect(await card.locator('.received').textContent()).toBe(`${formatSar(invoice.amountHalalas - 100)} ريال`);
    expect(await card.locator(`a[href="/console/applications/${id}"]`).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'payments');

    const csrf = await csrfOf(page);
    await card.locator('input[value=accept]').check();
    await card.locator('textarea[name=reason]').fill('short by a bank fee');
    expect((await submitForm(page, `section[data-mismatch="${mismatch.id}"] form button[type=submit]`)).status()).toBe(200);
    expect(await page.textContent('#payments-result')).toContain('قُبلت الدفعة');
    expect(await page.locator(`#decided-mismatches tr[data-mismatch="${mismatch.id}"]`).getAttribute('data-status')).toBe('accepted');
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.invoices[0]).toMatchObject({ status: 'paid', receiptNumber: expect.stringMatching(/^RCT-/) });
    const [audit] = await auditRows('/console/payments/mismatches/:id/resolve', 'admin');
    expect(audit).toMatchObject({ status_code: 200, target_id: String(mismatch.id), details: { action: 'accept', reason: 'short by a bank fee' } });

    // Decided already: the same decision again is refused in words.
    const again = await page.request.post(`${base}/console/payments/mismatches/${mismatch.id}/resolve`, { form: { action: 'accept', reason: 'again', _csrf: csrf } });
    expect(again.status()).toBe(409);
    expect(await again.text()).toContain('قُرِّر في هذه الدفعة من قبل.');

    // The day reconciled now: both payments of this test are on its statement.
    const day = riyadhDate(new Date(payment.paidAt));
    await page.fill('#reconcile-day', day);
    expect((await submitForm(page, '#reconcile-form button[type=submit]')).status()).toBe(200);
    expect(Number(await page.textContent('#reconcile-report [data-figure=statementCount]'))).toBeGreaterThanOrEqual(2);
    expect(await page.locator(`#reconciliations tr[data-day="${day}"]`).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${base}/console/payments`);
    await screenshotsInBothLanguages(page, SHOTS, 'payments-decided');
    await page.context().close();
  }, 180_000);

  it('shows a supervisor the fees and payments without their forms, and refuses a clerk both', async () => {
    const supervisor = await signedInAs('supervisor');
    const csrf = await csrfOf(supervisor);
    expect(await supervisor.locator('a[href="/console/fees"]').count()).toBe(1);
    await supervisor.click('a[href="/console/payments"]');
    expect(await supervisor.textContent('h1')).toBe('المدفوعات والمطابقة');
    expect(await supervisor.locator('form').count()).toBe(0);
    expect(await supervisor.locator('section.mismatch, #decided-mismatches').count()).toBeGreaterThan(0);
    expect((await supervisor.goto(`${base}/console/fees`))?.status()).toBe(200);
    expect(await supervisor.locator('#fee-form').count()).toBe(0);
    // Their own session's token: what refuses is the operation, as the API's routes refuse it.
    for (const [path, form] of [
      ['/console/payments/reconcile', { day: riyadhDate(new Date()) }],
      ['/console/payments/mismatches/1/resolve', { action: 'dismiss', reason: 'not mine' }],
      ['/console/fees', { version: '1', reason: 'not mine' }],
    ] as const) {
      const res = await supervisor.request.post(`${base}${path}`, { form: { ...form, _csrf: csrf } });
      expect(res.status(), path).toBe(403);
    }
    await supervisor.context().close();

    const clerk = await signedInAs('clerk');
    expect(await clerk.locator('a[href="/console/payments"], a[href="/console/fees"]').count()).toBe(0);
    for (const path of ['/console/payments', '/console/fees']) {
      const res = await clerk.goto(`${base}${path}`);
      expect(res?.status(), path).toBe(403);
      expect(await clerk.textContent('main')).toContain('هذه الصفحة ليست ضمن صلاحياتك');
    }
    await clerk.context().close();
  }, 60_000);
});
