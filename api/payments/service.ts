// The ledger's service: the gateway's notifications taken once (a replayed
// message refused, a payment notified twice recorded once), each workflow told
// of its paid invoice after the commit, an administrator's decisions on what
// did not fit, and the days reconciled.
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { rowsOf } from '../../db/client';
import {
  acceptMismatch,
  dismissMismatch,
  markRefunded,
  mismatchById,
  mismatches,
  reconciliations,
  recordPayment,
  recordRefund,
  invoiceRef,
  type InvoiceRow,
  type MismatchRow,
  type ReconciliationRow,
} from '../../db/payments';
import { MismatchAction, PaymentSource, RefundReason, type MismatchStatus } from '../../domain/payments';
import { tellPaid } from '../../integrations/payments/notify';
import { PaymentGatewayUnavailableError, type PaymentGateway } from '../../integrations/payments/gateway';
import { PAYMENT_RECONCILIATION_WORKFLOW_TYPE, type ReconciliationReport } from '../../workflows/payments/contract';
import { conflict, HttpError, notFound } from '../errors';
import type { InvoiceView, MismatchView, NotificationAnswer, NotificationBody, ResolveBody } from './schemas';

/** An invoice as its case or license shows it: the amount and its lines, the bill to pay, the receipt once paid. */
export const invoiceView = (r: InvoiceRow): InvoiceView => ({
  ...invoiceRef(r),
  lines: r.lines,
  scheduleVersion: r.schedule_version,
  createdAt: r.created_at,
  paymentId: r.payment_id,
});

const mismatchView = (m: MismatchRow): MismatchView => ({
  id: m.id,
  paymentId: m.payment_id,
  billNumber: m.bill_number,
  invoiceId: m.invoice_id,
  applicationId: m.application_id,
  licenseNumber: m.license_number,
  reason: m.reason,
  expectedHalalas: m.expected_halalas,
  receivedHalalas: m.received_halalas,
  source: m.source,
  status: m.status,
  invoiceStatus: m.invoice_status,
  paymentStatus: m.payment_status,
  createdAt: m.created_at,
  resolvedBy: m.resolved_by,
  resolvedAt: m.resolved_at,
  resolution: m.resolution,
});

/** A day's reconciliation asked for on demand waits this long for its report. */
const RECONCILE_WAIT_MS = 60_000;

export class PaymentService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly gateway: PaymentGateway,
  ) {}

  /**
   * One signed notification. Its signature is kept first: the same bytes again
   * are a replay (409), while the gateway's own resending signs afresh. The
   * payment is then recorded once by its id, and the workflow told; a signal
   * that fails answers 503, and the gateway's next try tells it again.
   */
  async notify(body: NotificationBody, signature: string): Promise<NotificationAnswer> {
    const seen = await rowsOf<{ signature: string }>(this.db, sql`
      insert into payment_notifications (signature, notification_id, payment_id)
      values (${createHash('sha256').update(signature).digest('hex')}, ${body.notificationId}, ${body.paymentId})
      on conflict (signature) do nothing returning signature`);
    if (seen.length === 0) throw conflict('this exact notification was received before: a resent one is signed afresh', 'notification_replayed');
    const outcome = await recordPayment(this.db, body, PaymentSource.notification);
    if (outcome.receipt && outcome.invoice) await tellPaid(this.temporal, outcome.invoice, outcome.receipt);
    return {
      paymentId: body.paymentId,
      status: outcome.status,
      duplicate: outcome.duplicate,
      ...(outcome.receipt ? { receiptNumber: outcome.receipt.receiptNumber } : {}),
      ...(outcome.mismatch ? { mismatch: outcome.mismatch } : {}),
    };
  }

  async mismatches(q: { status?: MismatchStatus; limit: number }): Promise<MismatchView[]> {
    return (await mismatches(this.db, q)).map(mismatchView);
  }

  /**
   * An administrator's decision: accept applies the held payment to its open
   * invoice (and tells the workflow), refund gives it back in full through
   * the gateway (by the refund's id, so a retry sends the same refund),
   * dismiss closes it with nothing done.
   */
  async resolve(id: number, body: ResolveBody, by: string): Promise<MismatchView> {
    const m = await mismatchById(this.db, id);
    if (!m) throw notFound(`no payment mismatch ${id}`);
    if (m.status !== 'open') throw conflict(`mismatch ${id} is ${m.status} already`, 'mismatch_closed');
    if (body.action === MismatchAction.accept) {
      const done = await acceptMismatch(this.db, id, by, body.reason);
      if (done.refused) throw conflict(`mismatch ${id}: ${done.refused}`, 'mismatch_not_acceptable');
      await tellPaid(this.temporal, done.invoice!, done.receipt!);
    } else if (body.action === MismatchAction.refund) {
      if (m.payment_status === 'applied') throw conflict(`mismatch ${id}: the payment paid its invoice; a paid fee is refunded with its case`, 'mismatch_not_refundable');
      const row = await recordRefund(this.db, { paymentId: m.payment_id, amountHalalas: m.received_halalas, reason: RefundReason.mismatch, by, resolution: body.reason });
      // Recorded first: a gateway that does not answer now gets the same refund (by its id) from the night's reconciliation.
      const done = await this.gateway
        .refund({ refundId: row.id, paymentId: row.payment_id, amountHalalas: row.amount_halalas, reason: body.reason })
        .catch((err: unknown) => {
          if (err instanceof PaymentGatewayUnavailableError) return undefined;
          throw err;
        });
      if (done) await markRefunded(this.db, row.id, done.refundedAt);
    } else if (!(await dismissMismatch(this.db, id, by, body.reason))) {
      throw conflict(`mismatch ${id} is not open`, 'mismatch_closed');
    }
    return mismatchView((await mismatchById(this.db, id))!);
  }

  async reconciliations(limit: number): Promise<ReconciliationRow[]> {
    return reconciliations(this.db, limit);
  }

  /** Runs a day's reconciliation now (as the Schedule would at night) and answers its report. */
  async reconcile(day: string): Promise<ReconciliationReport> {
    const handle = await this.temporal.workflow.start(PAYMENT_RECONCILIATION_WORKFLOW_TYPE, {
      workflowId: `payment-reconciliation:${day}:${randomUUID()}`,
      taskQueue: this.taskQueue,
      args: [{ day }],
      workflowExecutionTimeout: '1h',
    });
    const report = await Promise.race([
      handle.result() as Promise<ReconciliationReport>,
      new Promise<never>((_, reject) => setTimeout(() => reject(new HttpError(503, 'temporarily_unavailable', `the reconciliation of ${day} is still running (${handle.workflowId})`)), RECONCILE_WAIT_MS).unref()),
    ]);
    return report;
  }
}
