// The ledger on real PostgreSQL: the invoice row is the one arbiter between a
// payment and the due date arriving together, and a payment is recorded once
// however many times, and however concurrently, it is reported.
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeInvoice, createInvoice, invoiceById, recordPayment, setBillNumber } from '../db/payments';
import { InvoiceBasis, InvoiceStatus, MismatchReason, PaymentSource, PaymentStatus } from '../domain/payments';
import { startTestEnv, type TestEnv } from './support/env';
import { commercialApplication, submitOk } from './support/fixtures';

let env: TestEnv;
let applicationId: string;
beforeAll(async () => {
  env = await startTestEnv({ startWorker: false });
  // The invoices hang off a case row; its workflow does not run here (no worker).
  applicationId = await submitOk(env.api, commercialApplication());
});
afterAll(async () => env?.close());

let n = 0;
async function openInvoice(amountHalalas = 50_000) {
  const id = `${applicationId}:invoice-test-${++n}`;
  await createInvoice(env.db.db, {
    id,
    basis: InvoiceBasis.issuance,
    application_id: applicationId,
    license_number: null,
    amount_halalas: amountHalalas,
    lines: [{ code: 'issuance_fee', amountHalalas }],
    schedule_version: 1,
    due_at: new Date(Date.now() + 60_000).toISOString(),
    license_kind: 'commercial',
    isic_code: '477101',
    office_id: null,
    payer_national_id: '1000000008',
    payer_name: 'Test',
    mobile: '+966500000000',
    trade_name: 'Test',
  });
  const billNumber = String(randomInt(1e12, 1e13 - 1));
  await setBillNumber(env.db.db, id, billNumber);
  return { id, billNumber, amountHalalas };
}
const paymentOf = (bill: { billNumber: string; amountHalalas: number }, paymentId = `PAY-T-${randomInt(1e9)}`) => ({
  paymentId,
  billNumber: bill.billNumber,
  amountHalalas: bill.amountHalalas,
  paidAt: new Date().toISOString(),
});

describe('the ledger', () => {
  it('pays an invoice once, whatever the order of a payment and its due date', async () => {
    const paidFirst = await openInvoice();
    expect((await recordPayment(env.db.db, paymentOf(paidFirst), PaymentSource.notification)).status).toBe(PaymentStatus.applied);
    expect((await closeInvoice(env.db.db, paidFirst.id, InvoiceStatus.expired)).status).toBe(InvoiceStatus.paid);

    const expiredFirst = await openInvoice();
    expect((await closeInvoice(env.db.db, expiredFirst.id, InvoiceStatus.expired)).status).toBe(InvoiceStatus.expired);
    const late = await recordPayment(env.db.db, paymentOf(expiredFirst), PaymentSource.notification);
    expect(late).toMatchObject({ status: PaymentStatus.held, mismatch: MismatchReason.invoiceClosed });
  });

  it('settles a payment and a due date arriving at once one way or the other, never both', async () => {
    for (let i = 0; i < 20; i++) {
      const bill = await openInvoice();
      const [payment, closed] = await Promise.all([
        recordPayment(env.db.db, paymentOf(bill), PaymentSource.notification),
        closeInvoice(env.db.db, bill.id, InvoiceStatus.expired),
      ]);
      const final = (await invoiceById(env.db.db, bill.id))!;
      if (final.status === InvoiceStatus.paid) {
        expect([payment.status, closed.status]).toEqual([PaymentStatus.applied, InvoiceStatus.paid]);
      } else {
        expect(final.status).toBe(InvoiceStatus.expired);
        expect(payment).toMatchObject({ status: PaymentStatus.held, mismatch: MismatchReason.invoiceClosed });
      }
    }
  });

  it('records one payment when it is reported many times at once, with one receipt', async () => {
    const bill = await openInvoice();
    const payment = paymentOf(bill);
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => recordPayment(env.db.db, payment, i % 2 ? PaymentSource.reconciliation : PaymentSource.notification)));
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.receipt?.receiptNumber))).toEqual(new Set([(await invoiceById(env.db.db, bill.id))!.receipt_number]));
    // A second payment of the same bill, paid already: held, to be refunded.
    const again = await recordPayment(env.db.db, paymentOf(bill), PaymentSource.notification);
    expect(again).toMatchObject({ status: PaymentStatus.held, mismatch: MismatchReason.alreadyPaid });
  });
});
