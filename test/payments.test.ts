// Fees and payment on the real Temporal server and PostgreSQL, with the
// simulator's gateway over HTTP notifying the API as a bank's payment would:
// a case invoiced after its reviews and agencies, paid, then issued; unpaid
// past its due date, excluded; the same payment notified twice, recorded once;
// forged, stale and replayed notifications refused and audited; a lost
// notification found by the day's reconciliation; a wrong amount held for an
// administrator; a renewal invoiced (late: with its penalty) and paid.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { riyadhDate } from '../domain/calendar';
import { formatSar } from '../domain/payments';
import { signedNotificationHeaders } from '../integrations/payments/signature';
import { auditRowsFor, requestIdOf } from './support/audit-rows';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, crNumber, getApp, submitOk, waitForApp } from './support/fixtures';
import { licenseSms, licenseView, secondsRules, startLicense, timeline, waitForLicense } from './support/licenses';
import { reconciliationScheduleId } from '../workflows/payments/contract';
import { expectEachSentOnce } from './support/sms-gateway';
import { gatewayCall, gatewayState, gatewaySwitches, invoicedCase, payBill, setPaymentDue } from './support/payments';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ fees: true });
  await secondsRules(env, { renewal_window: '20s', reminders: [], grace_period: '60s', renewal_correction: '60s', agency_recheck: '1s' });
}, 120_000);
afterAll(async () => env?.close());

const sim = (path: string, method: 'GET' | 'POST' | 'PUT' = 'GET', body?: unknown) => gatewayCall(env, path, method, body);
const switches = (s: Record<string, unknown>) => gatewaySwitches(env, s);
const pay = (billNumber: string, extra: Record<string, unknown> = {}) => payBill(env, billNumber, extra);
const invoiced = () => invoicedCase(env);

const paymentsOfBill = (billNumber: string) =>
  rowsOf<{ payment_id: string; status: string; receipt_number: string | null }>(env.db.db, sql`select payment_id, status::text as status, receipt_number from payments where bill_number = ${billNumber}`);

describe('a case with a fee', () => {
  it('is invoiced after its reviews and agencies, waits for the payment, and is issued once paid, with a receipt', async () => {
    const { id, invoice, view } = await invoiced();
    // A café of 80 m²: the health band from 50 to 150 m², 900 riyals a year, for its 12 months.
    expect(invoice).toMatchObject({ basis: 'issuance', status: 'open', amountHalalas: 90_000, lines: [{ code: 'issuance_fee', amountHalalas: 90_000, annualHalalas: 90_000, termMonths: 12 }] });
    expect(invoice.billNumber).toMatch(/^\d{13}$/);
    expect(view.timeline.map((e: { event: string }) => e.event)).toContain('invoice_issued');
    // The stuck list counts it, waiting on the payment.
    const stuck = await call(env.api, 'admin', 'GET', `/operations/stuck?olderThan=0s&reason=waiting_on_payment`);
    expect(stuck.statusCode).toBe(200);
    expect(stuck.json().items.map((i: { id: string }) => i.id)).toContain(id);

    await pay(invoice.billNumber);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.invoices[0]).toMatchObject({ status: 'paid', receiptNumber: expect.stringMatching(/^RCT-\d{8}-\d{6}$/) });
    const events = done.timeline.map((e: { event: string }) => e.event);
    expect(events.indexOf('payment_received')).toBeGreaterThan(events.indexOf('invoice_issued'));
    expect(events.indexOf('issued')).toBeGreaterThan(events.indexOf('payment_received'));

    const sms = await expectEachSentOnce(env, [id]);
    expect(sms.map((r) => r.event)).toEqual(['submitted', 'review_started', 'invoice_issued', 'payment_received', 'issued']);
    expect(sms[2]!.bodyAr).toContain(invoice.billNumber);
    expect(sms[2]!.bodyEn).toContain(`SAR ${formatSar(90_000)}`);
    expect(sms[3]!.bodyEn).toContain(done.invoices[0].receiptNumber);
    expect(await paymentsOfBill(invoice.billNumber)).toEqual([{ payment_id: expect.any(String), status: 'applied', receipt_number: done.invoices[0].receiptNumber }]);
  }, 120_000);

  it('records one payment when the gateway notifies it three times', async () => {
    await switches({ duplicates: 2 });
    try {
      const { id, invoice } = await invoiced();
      const { payment } = await pay(invoice.billNumber);
      await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
      // Each delivery taken: the first records it; a later one answers as a duplicate (200), or, sent within
      // the same second and so the same bytes and signature, as a replay (409). Neither records a payment.
      const log = await waitFor('three deliveries', async () => {
        const state = await gatewayState(env);
        const mine = state.deliveries.filter((d) => d.paymentId === payment.paymentId);
        return mine.length >= 3 ? mine : undefined;
      });
      expect(log[0]!.status).toBe(200);
      expect(log.every((d) => d.status === 200 || d.status === 409)).toBe(true);
      expect(await paymentsOfBill(invoice.billNumber)).toHaveLength(1);
      const sms = await expectEachSentOnce(env, [id]);
      expect(sms.filter((r) => r.event === 'payment_received')).toHaveLength(1);
    } finally {
      await switches({ duplicates: 0 });
    }
  }, 120_000);

  it('refuses a notification without a signature, with a bad one, stale, or replayed, and audits each', async () => {
    const body = JSON.stringify({ notificationId: 'N-FORGED-1', paymentId: 'PAY-FORGED-1', billNumber: '1234567890123', amountHalalas: 100, paidAt: new Date().toISOString() });
    const post = (headers: Record<string, string>) => env.api.inject({ method: 'POST', url: '/payments/notifications', payload: body, headers: { 'content-type': 'application/json', ...headers } });
    const good = signedNotificationHeaders(env.config.payments.notificationSecret, body);
    const cases: [Record<string, string>, string][] = [
      [{}, 'signature_required'],
      [{ ...good, 'x-signature': 'a'.repeat(64) }, 'bad_signature'],
      [signedNotificationHeaders('another-secret-of-enough-length!!', body), 'bad_signature'],
      [signedNotificationHeaders(env.config.payments.notificationSecret, body, Date.now() - 301_000), 'stale_timestamp'],
    ];
    for (const [headers, code] of cases) {
      const res = await post(headers);
      expect([res.statusCode, res.json().error]).toEqual([401, code]);
      const rows = await auditRowsFor(env.db.db, requestIdOf(res));
      expect(rows).toEqual([expect.objectContaining({ route: '/payments/notifications', statusCode: 401 })]);
    }
    // Signed right, once: taken (an unknown bill is held); the same bytes again are a replay.
    const first = await post(good);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'held', mismatch: 'unknown_bill', duplicate: false });
    const again = await post(good);
    expect([again.statusCode, again.json().error]).toEqual([409, 'notification_replayed']);
    expect(await auditRowsFor(env.db.db, requestIdOf(again))).toEqual([expect.objectContaining({ actorKind: 'gateway', statusCode: 409 })]);
    // Signed afresh, the same payment is a duplicate, not a second one.
    const resent = await post(signedNotificationHeaders(env.config.payments.notificationSecret, body, Date.now() + 1_000));
    expect(resent.json()).toMatchObject({ status: 'held', duplicate: true });
    expect(await rowsOf(env.db.db, sql`select 1 from payments where payment_id = 'PAY-FORGED-1'`)).toHaveLength(1);
  });

  it('applies a payment whose notification was lost when the day is reconciled', async () => {
    const { id, invoice } = await invoiced();
    await switches({ lose: 1 });
    const { payment } = await pay(invoice.billNumber);
    await waitFor('the notification lost', async () => {
      const state = await gatewayState(env);
      return state.lost.some((n) => n.paymentId === payment.paymentId) || undefined;
    });
    expect((await getApp(env.api, id)).stage).toBe('awaiting_payment');

    const day = riyadhDate(new Date(payment.paidAt));
    const res = await call(env.api, 'admin', 'POST', '/payments/reconciliations', { day });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.appliedLate).toEqual([expect.objectContaining({ paymentId: payment.paymentId, invoiceId: invoice.id, status: 'applied' })]);
    expect(report.statementCount).toBeGreaterThanOrEqual(1);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.invoices[0].status).toBe('paid');
    // Run again, the day is all matched.
    const rerun = (await call(env.api, 'admin', 'POST', '/payments/reconciliations', { day })).json();
    expect(rerun.appliedLate).toEqual([]);
    expect(rerun.matched).toBe(report.matched + 1);
    const runs = (await call(env.api, 'auditor', 'GET', '/payments/reconciliations')).json().items;
    expect(runs.find((r: { day: string }) => r.day === day)).toMatchObject({ appliedLate: 1 });
    expect((await call(env.api, 'clerk', 'POST', '/payments/reconciliations', { day })).statusCode).toBe(403);
  }, 120_000);

  it('holds a payment of another amount for an administrator, who accepts it; a second one is refunded', async () => {
    const { id, invoice } = await invoiced();
    const { payment } = await pay(invoice.billNumber, { amountHalalas: invoice.amountHalalas - 100 });
    const mismatch = await waitFor('the mismatch', async () => {
      const items = (await call(env.api, 'admin', 'GET', '/payments/mismatches?status=open')).json().items as Record<string, any>[];
      return items.find((m) => m.paymentId === payment.paymentId);
    });
    expect(mismatch).toMatchObject({ reason: 'amount_differs', expectedHalalas: invoice.amountHalalas, receivedHalalas: invoice.amountHalalas - 100, applicationId: id, paymentStatus: 'held' });
    expect((await getApp(env.api, id)).stage).toBe('awaiting_payment');
    // Operators see it on the metrics too.
    const metrics = await (await fetch(env.api.metricsUrl!)).text();
    expect(metrics).toMatch(/tarkhees_payment_mismatches_open\{reason="amount_differs"\} [1-9]/);
    expect(metrics).toMatch(/tarkhees_invoices_open\{due="upcoming"\} [1-9]/);
    // Supervisors read the list; only administrators decide.
    expect((await call(env.api, 'supervisor', 'POST', `/payments/mismatches/${mismatch.id}/resolve`, { action: 'accept', reason: 'short by a bank fee' })).statusCode).toBe(403);
    const accepted = await call(env.api, 'admin', 'POST', `/payments/mismatches/${mismatch.id}/resolve`, { action: 'accept', reason: 'short by a bank fee' });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', resolvedBy: env.users.admin.sub });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');

    // The payer pays again: the invoice is paid already, so this one is held, then refunded in full.
    const { payment: second } = await pay(invoice.billNumber, { again: true });
    const held = await waitFor('the second held', async () => {
      const items = (await call(env.api, 'admin', 'GET', '/payments/mismatches?status=open')).json().items as Record<string, any>[];
      return items.find((m) => m.paymentId === second.paymentId);
    });
    expect(held.reason).toBe('already_paid');
    const refunded = await call(env.api, 'admin', 'POST', `/payments/mismatches/${held.id}/resolve`, { action: 'refund', reason: 'paid twice' });
    expect(refunded.json()).toMatchObject({ status: 'refunded', paymentStatus: 'refunded' });
    const { refunds } = await gatewayState(env);
    expect(refunds).toContainEqual(expect.objectContaining({ paymentId: second.paymentId, amountHalalas: invoice.amountHalalas }));
    const again = await call(env.api, 'admin', 'POST', `/payments/mismatches/${held.id}/resolve`, { action: 'refund', reason: 'paid twice' });
    expect([again.statusCode, again.json().error]).toEqual([409, 'mismatch_closed']);
  }, 120_000);

  it('sends a refund the gateway could not take with the next reconciliation', async () => {
    const { invoice } = await invoiced();
    const { payment } = await pay(invoice.billNumber, { amountHalalas: invoice.amountHalalas + 500 });
    const held = await waitFor('the mismatch', async () => {
      const items = (await call(env.api, 'admin', 'GET', '/payments/mismatches?status=open')).json().items as Record<string, any>[];
      return items.find((m) => m.paymentId === payment.paymentId);
    });
    await switches({ outage: true });
    try {
      const refunded = await call(env.api, 'admin', 'POST', `/payments/mismatches/${held.id}/resolve`, { action: 'refund', reason: 'overpaid' });
      expect(refunded.json()).toMatchObject({ status: 'refunded', paymentStatus: 'refunded' });
    } finally {
      await switches({ outage: false });
    }
    const unsent = () => rowsOf<{ refunded_at: string | null }>(env.db.db, sql`select refunded_at from refunds where payment_id = ${payment.paymentId}`);
    expect(await unsent()).toEqual([{ refunded_at: null }]);
    expect((await gatewayState(env)).refunds.some((r) => r.paymentId === payment.paymentId)).toBe(false);
    const run = await call(env.api, 'admin', 'POST', '/payments/reconciliations', { day: riyadhDate(new Date(payment.paidAt)) });
    expect(run.statusCode).toBe(200);
    expect((await gatewayState(env)).refunds).toContainEqual(expect.objectContaining({ paymentId: payment.paymentId, amountHalalas: invoice.amountHalalas + 500 }));
    expect((await unsent())[0]!.refunded_at).not.toBeNull();
  }, 120_000);

  it('invoices a late renewal with its penalty and renews once it is paid', async () => {
    const l = await startLicense(env, { expiresInMs: 2_000, cr: crNumber(1) });
    await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired');
    const asked = await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/renewal`, {});
    expect(asked.statusCode).toBe(202);
    const waiting = await waitFor('the renewal invoiced', async () => {
      const tl = await timeline(env, l.number);
      return tl.find((e) => e.event === 'renewal_invoiced');
    });
    // A clothing shop of 120 m² (retail, 47…, over 100 m²): 1,000 riyals a year, and a quarter more for coming late.
    expect(waiting.details).toMatchObject({ amountHalalas: 125_000, lines: [{ code: 'renewal_fee', amountHalalas: 100_000 }, { code: 'late_penalty', amountHalalas: 25_000, percent: 25 }] });
    const v = await call(env.api, 'applicant', 'GET', `/licenses/${l.number}/timeline`);
    expect(v.json().pending.renewal).toMatchObject({ stage: 'awaiting_payment', invoice: { status: 'open', billNumber: waiting.details.billNumber } });

    await pay(waiting.details.billNumber);
    const renewed = await waitForLicense(env, l.number, 'renewed', (x) => x.renewals === 1);
    expect(renewed.status).toBe('active');
    const events = (await timeline(env, l.number)).map((e) => e.event);
    expect(events.slice(-3)).toEqual(['renewal_invoiced', 'renewal_paid', 'renewed']);
    expect(await licenseSms(env, l.number)).toMatchObject({ renewal_invoiced: 1, renewal_paid: 1, renewed: 1 });
  }, 120_000);

  it('excludes a case whose invoice passes its due date unpaid, withdraws the bill, and says so by SMS', async () => {
    await setPaymentDue(env, '4s', 'a test of the due date');
    try {
      const { id, invoice } = await invoiced();
      const done = await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded', 60_000);
      expect(done).toMatchObject({ exclusionReason: 'unpaid', deficiencies: [{ code: 'FEE_UNPAID' }] });
      expect(done.invoices[0].status).toBe('expired');
      const bill = (await (await sim(`/payments/bills/${invoice.billNumber}`)).json()) as { status: string };
      expect(bill.status).toBe('cancelled');
      expect((await sim('/_control/payments/pay', 'POST', { billNumber: invoice.billNumber })).status).toBe(409);
      const sms = await expectEachSentOnce(env, [id]);
      expect(sms.at(-1)).toMatchObject({ event: 'excluded' });
      expect(sms.at(-1)!.bodyEn).toContain(invoice.billNumber);
    } finally {
      await setPaymentDue(env, '14d', 'back to the seeded period');
    }
  }, 120_000);
});

describe('a renewal not paid in time', () => {
  it('ends unpaid and leaves the license as it was', async () => {
    await setPaymentDue(env, '3s', 'a test of the renewal due date');
    try {
      const l = await startLicense(env, { expiresInMs: 2_000, cr: crNumber(1) });
      await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired');
      expect((await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/renewal`, {})).statusCode).toBe(202);
      await waitFor('the renewal unpaid', async () => (await timeline(env, l.number)).some((e) => e.event === 'renewal_unpaid') || undefined, { timeoutMs: 60_000 });
      const v = await call(env.api, 'applicant', 'GET', `/licenses/${l.number}/timeline`);
      expect(v.json().pending?.renewal ?? null).toBeNull();
      expect((await licenseView(env, l.number)).status).toBe('expired');
      expect(await licenseSms(env, l.number)).toMatchObject({ renewal_invoiced: 1, renewal_unpaid: 1 });
    } finally {
      await setPaymentDue(env, '14d', 'back to the seeded period');
    }
  }, 120_000);
});

describe('the nightly reconciliation', () => {
  it('is a Temporal Schedule, every day at the configured hour in Riyadh, for the day before', async () => {
    const d = await env.client.schedule.getHandle(reconciliationScheduleId(env.config.temporal.taskQueue)).describe();
    expect(d.spec.timezone).toBe('Asia/Riyadh');
    expect(d.spec.calendars?.[0]?.hour).toEqual([{ start: env.config.fees.reconcileHour, end: env.config.fees.reconcileHour, step: 1 }]);
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'paymentReconciliation' });
  });
});

describe('a case cancelled while it waits for payment', () => {
  it('has its invoice cancelled and its bill withdrawn, so no bank takes it', async () => {
    const { id, invoice } = await invoiced();
    const res = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'cancel', reason: 'filed twice by the office' });
    expect(res.statusCode).toBe(200);
    const done = await waitForApp(env.api, id, 'cancelled', (a) => a.status === 'cancelled');
    expect(done.invoices[0].status).toBe('cancelled');
    const bill = (await (await sim(`/payments/bills/${invoice.billNumber}`)).json()) as { status: string };
    expect(bill.status).toBe('cancelled');
    expect((await sim('/_control/payments/pay', 'POST', { billNumber: invoice.billNumber })).status).toBe(409);
  }, 120_000);
});

describe('the fee schedule', () => {
  it('is public, replaced by an administrator as a new version with an audit row, and refused by field when it cannot price everything', async () => {
    const current = (await env.api.inject({ method: 'GET', url: '/fees' })).json();
    expect(current.bands.length).toBeGreaterThan(0);
    const quote = (await env.api.inject({ method: 'GET', url: '/fees/quote?licenseKind=commercial&isicCode=477101&areaSqm=120&termMonths=36' })).json();
    expect(quote).toMatchObject({ amountHalalas: 300_000, lines: [{ code: 'issuance_fee', amountHalalas: 300_000 }] });

    const put = (who: 'admin' | 'supervisor', body: unknown) => call(env.api, who, 'PUT', '/fees', body);
    const noProfessional = current.bands.filter((b: { licenseKind: string }) => b.licenseKind !== 'professional');
    const refused = await put('admin', { version: current.version, bands: noProfessional, settings: current.settings, reason: 'drop a kind' });
    expect([refused.statusCode, refused.json().field]).toEqual([400, 'body/bands']);
    const badDue = await put('admin', { version: current.version, bands: current.bands, settings: { ...current.settings, paymentDue: 'soon' }, reason: 'bad period' });
    expect([badDue.statusCode, badDue.json().field]).toEqual([400, 'body/settings/paymentDue']);
    expect((await put('supervisor', { version: current.version, bands: current.bands, settings: current.settings, reason: 'not mine' })).statusCode).toBe(403);

    const raised = current.bands.map((b: { licenseKind: string; issuanceFeeHalalas: number }) => (b.licenseKind === 'professional' ? { ...b, issuanceFeeHalalas: 45_000 } : b));
    const saved = await put('admin', { version: current.version, bands: raised, settings: current.settings, reason: 'professional fee to 450' });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ version: current.version + 1, createdBy: env.users.admin.sub, reason: 'professional fee to 450' });
    const audit = await auditRowsFor(env.db.db, requestIdOf(saved));
    expect(audit).toEqual([expect.objectContaining({ route: '/fees', statusCode: 200, details: expect.objectContaining({ fromVersion: current.version, version: current.version + 1 }) })]);
    // An edit from the old version now is someone else's change overwritten: refused.
    const stale = await put('admin', { version: current.version, bands: current.bands, settings: current.settings, reason: 'from an old page' });
    expect([stale.statusCode, stale.json().error]).toEqual([409, 'schedule_changed']);
    const versions = (await call(env.api, 'auditor', 'GET', '/fees/versions')).json().items;
    expect(versions[0].version).toBe(current.version + 1);
  });

  it('prices a commercial shop by its band, its activity and its term', async () => {
    const id = await submitOk(env.api, commercialApplication({ establishment: { ...commercialApplication().establishment, crNumber: crNumber(2) } }));
    await approveAll(env.api, id);
    const waiting = await waitForApp(env.api, id, 'awaiting payment', (a) => a.stage === 'awaiting_payment');
    // Retail over 100 m² for the three years asked: 3 × 1,000 riyals.
    expect(waiting.invoices[0]).toMatchObject({ amountHalalas: 300_000, lines: [{ code: 'issuance_fee', termMonths: 36, annualHalalas: 100_000 }] });
    await pay(waiting.invoices[0].billNumber);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
  }, 120_000);
});
