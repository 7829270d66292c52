// The fee, after the agencies and before issuance: the invoice raised (its
// amount from the schedule in force, a bill number from the gateway), an SMS
// with both, then the wait for the payment until the due date. The gateway's
// notification (or the reconciliation, or an administrator's acceptance)
// signals the receipt; at the due date the ledger has the last word, so a
// payment that arrived as the timer fired still counts.
import { condition } from '@temporalio/workflow';
import type { Deficiency } from '../../domain/application';
import { InvoiceBasis, InvoiceStatus, issuanceInvoiceId, type PaymentReceipt } from '../../domain/payments';
import { CaseEvent, Stage, WaitingOn } from '../../domain/status';
import { payments } from './activities';
import type { ApplicationCase } from './case';

/** Cases started before fees went straight from the agencies to issuance; gated so their histories replay. */
export const FEES_PATCH = 'fees';

/** The gateway's receipt, taken once and only for the invoice the case waits for. */
export function takePayment(c: ApplicationCase, receipt: PaymentReceipt): void {
  if (c.state.invoice?.id === receipt.invoiceId && !c.receipt) c.receipt = receipt;
}

/** Paid (or nothing charged): true; the due date passed unpaid: false. */
export async function payFee(c: ApplicationCase, termMonths: number): Promise<boolean> {
  const s = c.state;
  const d = s.data;
  s.stage = Stage.awaitingPayment;
  s.waitingOn = [];
  const invoice = await payments.raiseInvoice({
    id: issuanceInvoiceId(c.id),
    basis: InvoiceBasis.issuance,
    applicationId: c.id,
    licenseKind: d.licenseKind,
    isicCode: d.establishment.isicCode,
    areaSqm: d.establishment.areaSqm,
    termMonths,
    officeId: d.officeId,
    payer: { nationalId: d.applicant.nationalId, name: d.applicant.name, mobile: d.applicant.mobile },
    tradeName: d.establishment.tradeName,
  });
  if (!invoice) return true;
  const { lines, ...ref } = invoice;
  s.invoice = ref;
  if (ref.status === InvoiceStatus.open) {
    s.waitingOn = [WaitingOn.payment];
    c.index();
    await c.record(CaseEvent.invoiceIssued, { details: { invoiceId: ref.id, billNumber: ref.billNumber, amountHalalas: ref.amountHalalas, dueAt: ref.dueAt, lines } });
    const paid = await condition(() => c.receipt !== undefined, Math.max(1, Date.parse(ref.dueAt) - Date.now()));
    if (!paid) {
      const settled = await payments.settleInvoice({ invoiceId: ref.id, status: InvoiceStatus.expired });
      if (settled.status !== InvoiceStatus.paid) {
        s.invoice = { ...ref, status: settled.status };
        return false;
      }
      c.receipt = settled.receipt;
    }
  }
  const r = c.receipt;
  s.invoice = { ...ref, status: InvoiceStatus.paid, receiptNumber: r?.receiptNumber ?? ref.receiptNumber, paidAt: r?.paidAt ?? ref.paidAt };
  s.waitingOn = [];
  await c.record(CaseEvent.paymentReceived, { details: { invoiceId: ref.id, paymentId: r?.paymentId, receiptNumber: s.invoice.receiptNumber, amountHalalas: ref.amountHalalas } });
  return true;
}

/** What the applicant reads on an exclusion for an unpaid fee. */
export const UNPAID: Deficiency = {
  code: 'FEE_UNPAID',
  field: 'invoice',
  messageAr: 'لم يُسدَّد مقابل الرخصة قبل تاريخ استحقاق الفاتورة.',
  messageEn: 'The license fee was not paid by the invoice due date.',
};

/** An administrator cancelled the case: an open invoice is withdrawn, a paid one refunded by the schedule's share. */
export async function withdrawInvoice(c: ApplicationCase): Promise<void> {
  const inv = c.state.invoice;
  if (!inv || c.state.license || inv.status === InvoiceStatus.expired || inv.status === InvoiceStatus.cancelled) return;
  await payments.settleInvoice({ invoiceId: inv.id, status: InvoiceStatus.cancelled });
  c.state.invoice = { ...inv, status: InvoiceStatus.cancelled };
}
