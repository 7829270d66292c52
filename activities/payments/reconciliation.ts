// The day's reconciliation: the gateway's statement against the ledger. A
// payment on the statement and not here is a notification that never came: it
// is recorded now as the notification would have, and its workflow told. A
// payment here and not on the statement, or with another amount, is an
// administrator's. Run again for the same day, it finds everything matched.
import type { Client } from '@temporalio/client';
import { MismatchReason, PaymentSource, PaymentStatus } from '../../domain/payments';
import type { Db } from '../../db/db';
import { rowsOf } from '../../db/client';
import { sql } from 'drizzle-orm';
import { markRefunded, openMismatch, paidInvoicesOfDay, paymentsOfDay, recordPayment, saveReconciliation, unsentRefunds } from '../../db/payments';
import type { PaymentGateway } from '../../integrations/payments/gateway';
import { tellPaid } from '../../integrations/payments/notify';
import type { ReconciliationReport } from '../../workflows/payments/contract';

/** Refunds sent again per run: more wait for the next night, and the activity stays inside its timeout. */
const MAX_REFUNDS_RESENT = 500;

export function createReconciliationActivities(deps: { db: Db; gateway?: PaymentGateway; client?: () => Client }) {
  return {
    async reconcileDay(day: string): Promise<ReconciliationReport> {
      if (!deps.gateway) throw new Error('no payment gateway is configured for this worker');
      const client = deps.client!();
      const statement = await deps.gateway.statement(day);
      const recorded = new Map((await paymentsOfDay(deps.db, day)).map((p) => [p.paymentId, p]));
      const report: ReconciliationReport = { day, statementCount: statement.length, matched: 0, appliedLate: [], mismatches: [], openMismatches: 0 };
      const onStatement = new Set<string>();
      for (const line of statement) {
        onStatement.add(line.paymentId);
        const mine = recorded.get(line.paymentId);
        if (!mine) {
          const outcome = await recordPayment(deps.db, line, PaymentSource.reconciliation);
          report.appliedLate.push({ paymentId: line.paymentId, billNumber: line.billNumber, invoiceId: outcome.invoice?.id, status: outcome.status });
          if (outcome.mismatch) report.mismatches.push({ paymentId: line.paymentId, reason: outcome.mismatch });
          continue;
        }
        if (mine.amountHalalas !== line.amountHalalas) {
          await openMismatch(deps.db, { paymentId: line.paymentId, billNumber: line.billNumber, invoiceId: mine.invoiceId ?? undefined, reason: MismatchReason.statementDiffers, expected: mine.amountHalalas, received: line.amountHalalas, source: PaymentSource.reconciliation });
          report.mismatches.push({ paymentId: line.paymentId, reason: MismatchReason.statementDiffers });
          continue;
        }
        report.matched += 1;
      }
      for (const mine of recorded.values()) {
        if (onStatement.has(mine.paymentId) || mine.status === PaymentStatus.refunded) continue;
        await openMismatch(deps.db, { paymentId: mine.paymentId, billNumber: mine.billNumber, invoiceId: mine.invoiceId ?? undefined, reason: MismatchReason.missingFromStatement, received: mine.amountHalalas, source: PaymentSource.reconciliation });
        report.mismatches.push({ paymentId: mine.paymentId, reason: MismatchReason.missingFromStatement });
      }
      // Refunds the gateway did not confirm when they were made (it was down), sent again by their own ids.
      let refundsSent = 0;
      for (const r of await unsentRefunds(deps.db, MAX_REFUNDS_RESENT)) {
        const done = await deps.gateway.refund({ refundId: r.id, paymentId: r.payment_id, amountHalalas: r.amount_halalas, reason: r.reason });
        await markRefunded(deps.db, r.id, done.refundedAt);
        refundsSent += 1;
      }
      // Every invoice the day paid, its workflow told again: a signal lost after a commit costs nothing to repeat.
      for (const { invoice, receipt } of await paidInvoicesOfDay(deps.db, day)) await tellPaid(client, invoice, receipt);
      const [open] = await rowsOf<{ n: number }>(deps.db, sql`select count(*)::int as n from payment_mismatches where status = 'open'`);
      report.openMismatches = open?.n ?? 0;
      await saveReconciliation(deps.db, {
        day,
        statementCount: report.statementCount,
        matched: report.matched,
        appliedLate: report.appliedLate.length,
        mismatches: report.mismatches.length,
        details: { appliedLate: report.appliedLate, mismatches: report.mismatches, openMismatches: report.openMismatches, refundsSent },
      });
      return report;
    },
  };
}
