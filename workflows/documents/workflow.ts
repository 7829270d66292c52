// The document sweep, as the Schedule starts it: batches until one comes back
// short, so a backlog (a first run after long downtime) is cleared in one run
// without one activity holding thousands of deletions.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DocumentSweepInput, SweepBatch } from './contract';

/** Files removed per activity: a store's delete is one call each, so a batch stays well inside its timeout. */
export const SWEEP_BATCH = 200;
/** A run ends after this many batches even if more wait: the next run takes them, and the history stays short. */
const MAX_BATCHES_PER_RUN = 50;

/** A batch deletes from the store one by one; a slow object store still finishes within this. */
const SWEEP_TIMEOUT = '5m';
/** A store or database that is down is waited for; the next scheduled run is skipped while this one waits. */
const SWEEP_RETRY = { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' };

const sweep = proxyActivities<Activities>({ startToCloseTimeout: SWEEP_TIMEOUT, retry: SWEEP_RETRY });

export async function documentSweep(input: DocumentSweepInput): Promise<SweepBatch> {
  const totals: SweepBatch = { orphaned: 0, retentionEnded: 0 };
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const batch = await sweep.sweepDocuments({ orphanAfterMs: input.orphanAfterMs, limit: SWEEP_BATCH });
    totals.orphaned += batch.orphaned;
    totals.retentionEnded += batch.retentionEnded;
    if (batch.orphaned + batch.retentionEnded < SWEEP_BATCH) break;
  }
  return totals;
}
