import { defineSignal } from '@temporalio/workflow';

export const licenseWorkflowId = (number: string): string => `license:${number}`;

export const agencyReportSignal = defineSignal<
  [{ reportId: string; agency: 'labor_office' | 'zakat'; kind: 'violation' | 'closure' | 'resolved'; reason: string; reportedAt: string }]
>('agencyReport');
