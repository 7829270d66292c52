// The day's reconciliation, as its Schedule starts it every night: the
// gateway's statement for the day before against the payments recorded. One
// activity does the comparing (activities/payments/reconciliation.ts): a
// payment applied late tells its case's workflow from there.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { riyadhDate } from '../../domain/calendar';
import type { ReconciliationInput, ReconciliationReport } from './contract';

/** A day's statement is a few thousand lines; the comparing and the late applications fit in this. */
const RECONCILE_TIMEOUT = '10m';
/** The gateway or the database down is waited for: a later try reconciles the same day. */
const RECONCILE_RETRY = { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m' };

const ledger = proxyActivities<Activities>({ startToCloseTimeout: RECONCILE_TIMEOUT, retry: RECONCILE_RETRY });

const DAY_MS = 86_400_000;

export async function paymentReconciliation(input: ReconciliationInput = {}): Promise<ReconciliationReport> {
  // The day before the run's, in Riyadh: the statement of a day is complete once it has ended.
  const day = input.day ?? riyadhDate(new Date(Date.now() - DAY_MS));
  return ledger.reconcileDay(day);
}
