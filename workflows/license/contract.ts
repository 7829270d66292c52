// The contract of a license's workflow: one long-running workflow per issued
// license, from issuance through renewals, suspension and cancellation. What a
// client (the API, the agency-reports route, tests) needs to find and signal a
// license, and nothing that runs activities. Safe to import from the workflow
// sandbox.
import { defineSignal } from '@temporalio/workflow';
import type { Agency } from '../../domain/status';

export const LICENSE_WORKFLOW_TYPE = 'licenseLifecycle';

/** The license number is in the id, so a license's workflow is found by its number alone. */
export const licenseWorkflowId = (number: string): string => `license:${number}`;

/** What an agency reported against the establishment a license covers. */
export type AgencyReportKind = 'violation' | 'closure' | 'resolved';

export interface AgencyReport {
  /** The agency's own id for the report: the same id twice is one report. */
  reportId: string;
  agency: Agency;
  /** A violation or closure suspends the license; `resolved` lifts a suspension this agency caused. */
  kind: AgencyReportKind;
  reason: string;
  /** ISO time the agency made the report. */
  reportedAt: string;
}

/** Sent by POST /agency-reports once the report is authenticated and stored. */
export const agencyReportSignal = defineSignal<[AgencyReport]>('agencyReport');
