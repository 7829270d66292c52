// Starting a license's workflow, exactly once whoever asks: the issuing
// activity (retried at will) and the import of licenses from before Tarkhees.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { LicenseState } from '../../domain/license';
import { LICENSE_WORKFLOW_TYPE, licenseWorkflowId, type LicenseWorkflowInput } from '../../workflows/license/contract';

/**
 * Starts the license's workflow unless it runs or ran: the id is the license
 * number's, a running one is found (USE_EXISTING) and a closed one is never
 * started again (REJECT_DUPLICATE), both answered as success, once the one
 * found is this license's. A workflow of another license under the same id
 * (numbers drawn again after a database was restored, or two databases on
 * one namespace) is refused loudly: taken for ours, it would leave this
 * license with no life of its own.
 */
export async function startLicenseWorkflow(client: Client, taskQueue: string, state: LicenseState, origin: LicenseWorkflowInput['origin']): Promise<void> {
  const input: LicenseWorkflowInput = { state, origin };
  const whose: LicenseIdentity = { crNumber: state.crNumber, issuedOn: state.issuedOn };
  const workflowId = licenseWorkflowId(state.number);
  const started = await client.workflow
    .start(LICENSE_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [input],
      memo: whose,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return client.workflow.getHandle(workflowId);
    });
  const found = (await started.describe()).memo as Partial<LicenseIdentity> | undefined;
  if (found?.crNumber !== whose.crNumber || found?.issuedOn !== whose.issuedOn) {
    throw ApplicationFailure.nonRetryable(
      `${workflowId} runs or ran for another license (CR ${found?.crNumber ?? '?'}, issued ${found?.issuedOn ?? '?'}), not CR ${whose.crNumber} issued ${whose.issuedOn}`,
      'LicenseNumberCollision',
    );
  }
}

/** What tells one license's workflow from another's under the same number: kept in its memo. */
type LicenseIdentity = {
  crNumber: string;
  issuedOn: string;
};
