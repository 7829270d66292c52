// A renewal's fee: once its checks (and the reviews its activity's rules ask
// for) have passed, the renewal is invoiced — a late one with the penalty —
// and the license renews when the gateway's receipt comes. Past the due date
// unpaid, the renewal ends and the license is as it was (its clock may expire
// it). The ledger decides at the due date, as for a case.
import { patched } from '@temporalio/workflow';
import { InvoiceBasis, InvoiceStatus, renewalInvoiceId, type PaymentReceipt } from '../../domain/payments';
import { LicenseEvent } from '../../domain/status';
import { payments } from './activities';
import type { License } from './license';
import { renew } from './renewal';
import type { RenewalOutcome } from './renewal-review';

/** Renewals before fees renewed at once; gated so their histories replay. */
export const RENEWAL_FEE_PATCH = 'renewal-fee';

/** The renewal has passed: invoiced, or (nothing charged, or a history from before fees) renewed now. */
export async function completeRenewal(l: License, outcome?: RenewalOutcome): Promise<void> {
  if (!patched(RENEWAL_FEE_PATCH)) return renew(l, outcome);
  const s = l.state;
  const r = s.renewal!;
  const invoice = await payments.raiseInvoice({
    id: renewalInvoiceId(s.number, s.seq + 1),
    basis: InvoiceBasis.renewal,
    licenseNumber: s.number,
    licenseKind: s.licenseKind,
    isicCode: s.isicCode,
    areaSqm: s.data.establishment?.areaSqm ?? 0,
    termMonths: s.termMonths,
    late: r.late,
    officeId: s.officeId,
    payer: s.holder,
    tradeName: s.tradeName,
  });
  if (!invoice) return renew(l, outcome);
  const { lines, ...ref } = invoice;
  s.renewal = { ...r, stage: 'awaiting_payment', invoice: ref, recheckAt: undefined };
  const details = { invoiceId: ref.id, billNumber: ref.billNumber, amountHalalas: ref.amountHalalas, dueAt: ref.dueAt, lines, ...outcome?.details };
  await l.record(LicenseEvent.renewalInvoiced, { details, ...(outcome ? { actor: outcome.actor, tasks: { close: outcome.close } } : {}) });
}

/** Whether a receipt is for the invoice the renewal waits for. */
export const awaitsReceipt = (l: License, receipt: PaymentReceipt): boolean =>
  l.state.renewal?.stage === 'awaiting_payment' && l.state.renewal.invoice?.id === receipt.invoiceId;

/** The receipt came: written with its number, then the renewal. */
export async function takeRenewalPayment(l: License, receipt: PaymentReceipt): Promise<void> {
  if (!awaitsReceipt(l, receipt)) return;
  const r = l.state.renewal!;
  const invoice = { ...r.invoice!, status: InvoiceStatus.paid, receiptNumber: receipt.receiptNumber, paidAt: receipt.paidAt };
  l.state.renewal = { ...r, invoice };
  await l.record(LicenseEvent.renewalPaid, { details: { invoiceId: invoice.id, paymentId: receipt.paymentId, receiptNumber: receipt.receiptNumber, amountHalalas: invoice.amountHalalas } });
  await renew(l);
}

/** The due date: paid after all (the ledger's word), or the renewal ends unpaid. */
export async function renewalPaymentDue(l: License): Promise<void> {
  const inv = l.state.renewal!.invoice!;
  const settled = await payments.settleInvoice({ invoiceId: inv.id, status: InvoiceStatus.expired });
  if (settled.status === InvoiceStatus.paid) return takeRenewalPayment(l, settled.receipt);
  l.state.renewal = undefined;
  await l.record(LicenseEvent.renewalUnpaid, { details: { invoice: { ...inv, status: settled.status } } });
}
