// Cancellation without a visit: each agency's clearance, and telling it the
// license is cancelled. A call that gets no answer throws for Temporal to
// retry; one the agency refuses (4xx) is not retryable.
import { ApplicationFailure } from '@temporalio/common';
import type { Clearance } from '../../domain/license';
import type { Agency } from '../../domain/status';
import { AgencyRequestError, type ClearanceClient } from '../../integrations/agencies';

async function refusalsFinal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AgencyRequestError) throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
}

export function createClearanceActivities(deps: { clearances?: Record<Agency, ClearanceClient>; now: () => Date }) {
  const client = (agency: Agency) => {
    const c = deps.clearances?.[agency];
    if (!c) throw ApplicationFailure.nonRetryable('no clearance client configured', 'NoClearanceClient');
    return c;
  };
  return {
    async askClearance(agency: Agency, crNumber: string): Promise<Clearance> {
      const answer = await refusalsFinal(() => client(agency).clearance(crNumber));
      return { ...answer, checkedAt: deps.now().toISOString() };
    },
    /** The agency keys it by license number, so a retry tells it nothing new. */
    async notifyCancelled(agency: Agency, crNumber: string, licenseNumber: string): Promise<void> {
      await refusalsFinal(() => client(agency).notifyCancelled(crNumber, licenseNumber));
    },
  };
}
