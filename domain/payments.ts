// The money's vocabulary: what an invoice is for and where it stands, how a
// payment reached us and what became of it, and what an administrator decides
// about a payment that does not fit. Shared by the database enums, the API's
// schemas and the workflows. Amounts are integers in halalas (1 SAR = 100).

/** What an invoice charges for: a case's license before issuance, or a renewal before its new term. */
export const InvoiceBasis = {
  issuance: 'issuance',
  renewal: 'renewal',
} as const;
export type InvoiceBasis = (typeof InvoiceBasis)[keyof typeof InvoiceBasis];
export const INVOICE_BASES = Object.values(InvoiceBasis) as [InvoiceBasis, ...InvoiceBasis[]];

export const InvoiceStatus = {
  /** Its bill can be paid at a bank until the due date. */
  open: 'open',
  paid: 'paid',
  /** The due date passed unpaid: the bill was withdrawn from the gateway. */
  expired: 'expired',
  /** Its case was cancelled first: withdrawn too. */
  cancelled: 'cancelled',
} as const;
export type InvoiceStatus = (typeof InvoiceStatus)[keyof typeof InvoiceStatus];
export const INVOICE_STATUSES = Object.values(InvoiceStatus) as [InvoiceStatus, ...InvoiceStatus[]];

/** How Tarkhees learnt of a payment: the gateway's signed notification, or the day's statement (a notification lost). */
export const PaymentSource = {
  notification: 'notification',
  reconciliation: 'reconciliation',
} as const;
export type PaymentSource = (typeof PaymentSource)[keyof typeof PaymentSource];
export const PAYMENT_SOURCES = Object.values(PaymentSource) as [PaymentSource, ...PaymentSource[]];

export const PaymentStatus = {
  /** It paid its invoice: a receipt number is given. */
  applied: 'applied',
  /** It does not fit its invoice (another amount, no such bill, a bill already closed): an administrator decides. */
  held: 'held',
  /** Given back to the payer. */
  refunded: 'refunded',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];
export const PAYMENT_STATUSES = Object.values(PaymentStatus) as [PaymentStatus, ...PaymentStatus[]];

/** Why a payment (or a day's statement) is an administrator's to look at. */
export const MismatchReason = {
  /** The amount paid is not the invoice's. */
  amountDiffers: 'amount_differs',
  /** No invoice has this bill number. */
  unknownBill: 'unknown_bill',
  /** The invoice had expired or was cancelled when the payment came: it is to be refunded. */
  invoiceClosed: 'invoice_closed',
  /** The invoice was already paid by another payment: the second is to be refunded. */
  alreadyPaid: 'already_paid',
  /** Recorded here, but not on the gateway's statement for its day. */
  missingFromStatement: 'missing_from_statement',
  /** On both, with different amounts. */
  statementDiffers: 'statement_differs',
} as const;
export type MismatchReason = (typeof MismatchReason)[keyof typeof MismatchReason];
export const MISMATCH_REASONS = Object.values(MismatchReason) as [MismatchReason, ...MismatchReason[]];

export const MismatchStatus = {
  open: 'open',
  /** The administrator applied the payment to its invoice as it is. */
  accepted: 'accepted',
  refunded: 'refunded',
  /** Looked at and closed with nothing to do (the gateway's statement was corrected, say). */
  dismissed: 'dismissed',
} as const;
export type MismatchStatus = (typeof MismatchStatus)[keyof typeof MismatchStatus];
export const MISMATCH_STATUSES = Object.values(MismatchStatus) as [MismatchStatus, ...MismatchStatus[]];

/** What an administrator may do with a mismatch. */
export const MismatchAction = {
  accept: 'accept',
  refund: 'refund',
  dismiss: 'dismiss',
} as const;
export type MismatchAction = (typeof MismatchAction)[keyof typeof MismatchAction];
export const MISMATCH_ACTIONS = Object.values(MismatchAction) as [MismatchAction, ...MismatchAction[]];

/** Why money went back. */
export const RefundReason = {
  /** Paid for an invoice already closed, or twice. */
  notOwed: 'not_owed',
  /** The case was cancelled after its fee was paid, before issuance: the schedule's refund share. */
  caseCancelled: 'case_cancelled',
  /** An administrator's decision on a mismatch. */
  mismatch: 'mismatch',
} as const;
export type RefundReason = (typeof RefundReason)[keyof typeof RefundReason];
export const REFUND_REASONS = Object.values(RefundReason) as [RefundReason, ...RefundReason[]];

/** The invoice as a case or a license holds it while it waits, and after. */
export interface InvoiceRef {
  id: string;
  basis: InvoiceBasis;
  billNumber: string;
  amountHalalas: number;
  dueAt: string;
  status: InvoiceStatus;
  receiptNumber?: string;
  paidAt?: string;
}

/** What the workflow of an invoice's case or license is told once its invoice is paid. */
export interface PaymentReceipt {
  invoiceId: string;
  paymentId: string;
  receiptNumber: string;
  amountHalalas: number;
  paidAt: string;
}

/** An invoice's id: one for a case's issuance; one per renewal invoice, by the license transition that raised it. */
export const issuanceInvoiceId = (applicationId: string) => `${applicationId}:invoice`;
export const renewalInvoiceId = (licenseNumber: string, seq: number) => `${licenseNumber}:invoice:${seq}`;

/** "1,250.00": halalas as riyals, as bills and receipts print them. */
export function formatSar(halalas: number): string {
  const sign = halalas < 0 ? '-' : '';
  const abs = Math.abs(halalas);
  const riyals = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}${riyals}.${String(abs % 100).padStart(2, '0')}`;
}
