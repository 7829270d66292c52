// The contract of fees and payment: the signal that tells a case's or a
// license's workflow its invoice is paid, and the daily reconciliation a
// Temporal Schedule starts. Safe to import from the workflow sandbox.
import { defineSignal } from '@temporalio/workflow';
import type { PaymentReceipt } from '../../domain/payments';

export type { InvoiceRef, PaymentReceipt } from '../../domain/payments';

/**
 * Sent once the payment is committed to the ledger (by the notification, an
 * administrator's acceptance, or the reconciliation); the same receipt twice,
 * or one for an invoice the workflow does not wait for, changes nothing.
 */
export const paymentReceivedSignal = defineSignal<[PaymentReceipt]>('paymentReceived');

export const PAYMENT_RECONCILIATION_WORKFLOW_TYPE = 'paymentReconciliation';

/** One schedule per task queue, as the document sweep's. */
export const reconciliationScheduleId = (taskQueue: string): string => `payment-reconciliation:${taskQueue}`;

export interface ReconciliationInput {
  /** The Riyadh day to reconcile (YYYY-MM-DD); unset, the day before the run's. */
  day?: string;
}

export interface ReconciliationReport {
  day: string;
  /** Payments on the gateway's statement. */
  statementCount: number;
  /** On the statement and recorded here, the same amount. */
  matched: number;
  /** On the statement, not recorded here (a notification lost): recorded now. */
  appliedLate: { paymentId: string; billNumber: string; invoiceId?: string; status: string }[];
  /** What does not fit, each an administrator's mismatch. */
  mismatches: { paymentId: string; reason: string }[];
  /** Mismatches still open, of every day. */
  openMismatches: number;
}
