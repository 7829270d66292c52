// Starting a license's workflow, exactly once whoever asks: the issuing
// activity (retried at will) and the import of licenses from before Tarkhees.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { LicenseState } from '../../domain/license';
import { LICENSE_WORKFLOW_TYPE, licenseWorkflowId, type LicenseWorkflowInput } from '../../workflows/license/contract';

/**
 * Starts the license's workflow unless it runs or ran: the id is the license
 * number's, a running one is found (USE_EXISTING) and a closed one is never
 * started again (REJECT_DUPLICATE), both answered as success.
 */
export async function startLicenseWorkflow(client: Client, taskQueue: string, state: LicenseState, origin: LicenseWorkflowInput['origin']): Promise<void> {
  const input: LicenseWorkflowInput = { state, origin };
  await client.workflow
    .start(LICENSE_WORKFLOW_TYPE, {
      workflowId: licenseWorkflowId(state.number),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
}
