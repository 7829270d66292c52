// The Labor Office and Zakat & Income, asked about an establishment. A call
// that gets no answer throws for Temporal to retry; one the agency refuses
// (4xx) is not retryable: the case waits for an operator's recheck.
import { ApplicationFailure } from '@temporalio/common';
import type { Agency } from '../../domain/status';
import { AgencyRequestError, type AgencyAnswer, type AgencyClient } from '../../integrations/agencies';

export function createAgencyActivities(deps: { agencies: Record<Agency, AgencyClient>; now: () => Date }) {
  return {
    async checkAgency(agency: Agency, crNumber: string): Promise<AgencyAnswer & { checkedAt: string }> {
      try {
        const answer = await deps.agencies[agency].check(crNumber);
        return { ...answer, checkedAt: deps.now().toISOString() };
      } catch (err) {
        if (err instanceof AgencyRequestError) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },
  };
}
