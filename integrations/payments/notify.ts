// Telling a workflow its invoice is paid: the case's (an issuance invoice) or
// the license's (a renewal's). Every caller sends it after the ledger's commit,
// and again when it cannot know the first one arrived; the workflow takes the
// same receipt once. A workflow already closed has nothing to hear.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PaymentReceipt } from '../../domain/payments';
import { workflowIdFor } from '../../workflows/application/contract';
import { licenseWorkflowId } from '../../workflows/license/contract';
import { paymentReceivedSignal } from '../../workflows/payments/contract';

export interface PaidSubject {
  application_id: string | null;
  license_number: string | null;
}

/** The workflow that waits for this invoice. A renewal invoice names its license; an issuance one its case. */
export const payingWorkflowId = (s: PaidSubject): string =>
  s.license_number && !s.application_id ? licenseWorkflowId(s.license_number) : workflowIdFor(s.application_id!);

export async function tellPaid(client: Client, subject: PaidSubject, receipt: PaymentReceipt): Promise<void> {
  try {
    await client.workflow.getHandle(payingWorkflowId(subject)).signal(paymentReceivedSignal, receipt);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
