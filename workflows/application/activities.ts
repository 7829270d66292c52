// How the application workflow reaches its activities: the stubs, their
// timeouts and retries. Types only come from the activity code.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CaseTiming } from '../../domain/case';

/** A projection write is one short transaction; longer means the database is in trouble. */
const DB_ACTIVITY_TIMEOUT = '15s';
/** The database coming back must resume the case, never fail it: retry without limit. */
const DB_RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' };
/** Past this, a failing database write waits on a server timer instead of in worker memory. */
const DB_LOCAL_RETRY_THRESHOLD = '10s';
/** One agency call; the HTTP client gives up sooner, this only catches a hung worker. */
const AGENCY_CALL_TIMEOUT = '30s';
/** A blip should not show on the case; after this many tries it is reported as waiting. */
const AGENCY_QUICK_ATTEMPTS = 3;

/**
 * Database work is short and runs next to the database, so it runs as local
 * activities: no task-queue round trip per write, which is most of the
 * workflow's steps.
 */
export const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: DB_ACTIVITY_TIMEOUT,
  retry: DB_RETRY,
  localRetryThreshold: DB_LOCAL_RETRY_THRESHOLD,
});

/**
 * Writes made from an Update handler go through a regular activity: with SDK
 * 1.24 a local activity completing inside an update handler's task recorded a
 * history that then failed to replay (nondeterminism on UpdateCompleted).
 */
export const dbFromHandler = proxyActivities<Activities>({ startToCloseTimeout: DB_ACTIVITY_TIMEOUT, retry: DB_RETRY });

/**
 * Agency calls stay regular activities: they can wait for hours, and operators
 * see their attempts and last error in the description. `quick` gives up after
 * a few attempts so the case can show that it waits; `patient` retries until
 * the agency answers. A 4xx (AgencyRequestError) is never retried.
 */
export function agencyCalls(timing: CaseTiming) {
  const retry = {
    initialInterval: timing.agencyRetryInitialMs,
    maximumInterval: timing.agencyRetryMaxMs,
    backoffCoefficient: 2,
    nonRetryableErrorTypes: ['AgencyRequestError'],
  };
  return {
    quick: proxyActivities<Activities>({ startToCloseTimeout: AGENCY_CALL_TIMEOUT, retry: { ...retry, maximumAttempts: AGENCY_QUICK_ATTEMPTS } }),
    patient: proxyActivities<Activities>({ startToCloseTimeout: AGENCY_CALL_TIMEOUT, retry }),
  };
}

/** A gateway call (registering or withdrawing a bill); the HTTP client gives up sooner. */
const GATEWAY_CALL_TIMEOUT = '30s';
/** The gateway down is waited for, never the case failed: operators see the retrying activity in the stuck list. */
const GATEWAY_RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };

/** Invoicing: the fee computed and written, the bill registered with the gateway; shared with the license's renewal. */
export const payments = proxyActivities<Activities>({ startToCloseTimeout: GATEWAY_CALL_TIMEOUT, retry: GATEWAY_RETRY });
