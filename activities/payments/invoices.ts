// Raising and closing invoices: the fee computed from the schedule in force,
// the row written once under the id the workflow gives, the bill registered
// with the gateway once (by the invoice id), and, at the due date or a
// cancellation, the invoice closed unless a payment got there first.
import { Context } from '@temporalio/activity';
import { invoiceLines, invoiceTotal, paymentDueMs, refundDue, type InvoiceLine } from '../../domain/fees';
import { InvoiceBasis, InvoiceStatus, RefundReason, type InvoiceRef, type PaymentReceipt } from '../../domain/payments';
import type { LicenseKind } from '../../domain/status';
import type { Db } from '../../db/db';
import { closeInvoice, createInvoice, currentFeeSchedule, invoiceById, invoiceRef, markRefunded, recordRefund, setBillNumber, type InvoiceRow } from '../../db/payments';
import type { PaymentGateway } from '../../integrations/payments/gateway';

export interface InvoiceRequest {
  id: string;
  basis: InvoiceBasis;
  applicationId?: string;
  licenseNumber?: string;
  licenseKind: LicenseKind;
  isicCode: string;
  areaSqm: number;
  termMonths: number;
  /** A renewal after expiry pays the penalty. */
  late?: boolean;
  officeId?: string;
  payer: { nationalId: string; name: string; mobile: string };
  tradeName: string;
}

export type RaisedInvoice = InvoiceRef & { lines: InvoiceLine[] };

/** What a closed invoice came to: paid after all (the receipt), or closed. */
export type SettledInvoice = { status: typeof InvoiceStatus.paid; receipt: PaymentReceipt } | { status: typeof InvoiceStatus.expired | typeof InvoiceStatus.cancelled };

export interface InvoiceDeps {
  db: Db;
  gateway?: PaymentGateway;
  /** Off: the municipality does not charge through Tarkhees (FEES_CHARGED=false): no invoice, the case goes on to issuance. */
  charged: boolean;
  now: () => Date;
}

const raised = (row: InvoiceRow): RaisedInvoice => ({ ...invoiceRef(row), lines: row.lines });

export function createInvoiceActivities(deps: InvoiceDeps) {
  const gateway = () => {
    if (!deps.gateway) throw new Error('no payment gateway is configured for this worker');
    return deps.gateway;
  };
  return {
    /** The invoice (raised now, or the one a retry raised before), or null when nothing is charged. */
    async raiseInvoice(req: InvoiceRequest): Promise<RaisedInvoice | null> {
      let row = await invoiceById(deps.db, req.id);
      if (!row) {
        if (!deps.charged) return null;
        const schedule = await currentFeeSchedule(deps.db);
        const lines = invoiceLines(schedule, { basis: req.basis, licenseKind: req.licenseKind, isicCode: req.isicCode, areaSqm: req.areaSqm, termMonths: req.termMonths, late: req.late });
        if (lines.length === 0) return null;
        row = await createInvoice(deps.db, {
          id: req.id,
          basis: req.basis,
          application_id: req.basis === InvoiceBasis.issuance ? (req.applicationId ?? null) : null,
          license_number: req.licenseNumber ?? null,
          amount_halalas: invoiceTotal(lines),
          lines,
          schedule_version: schedule.version,
          due_at: new Date(deps.now().getTime() + paymentDueMs(schedule.settings)).toISOString(),
          license_kind: req.licenseKind,
          isic_code: req.isicCode,
          office_id: req.officeId ?? null,
          payer_national_id: req.payer.nationalId,
          payer_name: req.payer.name,
          mobile: req.payer.mobile,
          trade_name: req.tradeName,
        });
      }
      if (!row.bill_number) {
        const bill = await gateway().createBill({
          invoiceId: row.id,
          amountHalalas: row.amount_halalas,
          dueAt: row.due_at,
          payer: { nationalId: row.payer_national_id, name: row.payer_name, mobile: row.mobile },
          description: `${row.basis === InvoiceBasis.renewal ? 'Renewal' : 'License'} fee: ${row.trade_name}`,
        });
        await setBillNumber(deps.db, row.id, bill.billNumber);
        row = (await invoiceById(deps.db, row.id))!;
      }
      return raised(row);
    },

    /**
     * The due date passed (expired) or the case was cancelled: the invoice
     * closes unless it is paid, and its bill is withdrawn so no bank takes it.
     * A cancelled case's paid fee is refunded by the schedule's share.
     */
    async settleInvoice(input: { invoiceId: string; status: typeof InvoiceStatus.expired | typeof InvoiceStatus.cancelled }): Promise<SettledInvoice> {
      const row = await closeInvoice(deps.db, input.invoiceId, input.status);
      if (row.status === InvoiceStatus.paid) {
        const receipt: PaymentReceipt = { invoiceId: row.id, paymentId: row.payment_id!, receiptNumber: row.receipt_number!, amountHalalas: row.amount_halalas, paidAt: row.paid_at! };
        if (input.status !== InvoiceStatus.cancelled) return { status: InvoiceStatus.paid, receipt };
        const schedule = await currentFeeSchedule(deps.db);
        const amount = refundDue(row.amount_halalas, schedule.settings);
        const refund = await recordRefund(deps.db, { paymentId: row.payment_id!, amountHalalas: amount, reason: RefundReason.caseCancelled, by: 'system' });
        if (!refund.refunded_at && amount > 0) {
          const done = await gateway().refund({ refundId: refund.id, paymentId: refund.payment_id, amountHalalas: refund.amount_halalas, reason: refund.reason });
          await markRefunded(deps.db, refund.id, done.refundedAt);
        }
        return { status: InvoiceStatus.cancelled };
      }
      if (row.bill_number) await gateway().cancelBill(row.bill_number);
      return { status: row.status as typeof InvoiceStatus.expired | typeof InvoiceStatus.cancelled };
    },
  };
}

/** The worker's own client, for the signals an activity sends (a late payment's). */
export const activityClient = () => Context.current().client;
