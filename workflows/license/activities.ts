// How the license workflow reaches its activities. Database work shares the
// application workflow's stubs (same store, same retries); the agency calls
// have the license's own retries. Types only come from the activity code.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

export { db } from '../application/activities';

/** One agency call; the HTTP client gives up sooner, this only catches a hung worker. */
const AGENCY_CALL_TIMEOUT = '30s';
/**
 * A blip should not count against the holder, but nothing may hold the
 * license's other business up for long: after a few tries the agency is
 * "unavailable" and the next recheck asks again.
 */
const AGENCY_QUICK_RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['AgencyRequestError'] };
/** The license is cancelled already: each agency must hear of it, however long it is down. */
const AGENCY_NOTIFY_RETRY = { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['AgencyRequestError'] };

export const agencyQuick = proxyActivities<Activities>({ startToCloseTimeout: AGENCY_CALL_TIMEOUT, retry: AGENCY_QUICK_RETRY });
export const agencyPatient = proxyActivities<Activities>({ startToCloseTimeout: AGENCY_CALL_TIMEOUT, retry: AGENCY_NOTIFY_RETRY });
export { payments } from '../application/activities';
