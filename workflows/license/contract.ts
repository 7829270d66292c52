// The contract of a license's workflow: one long-running workflow per issued
// license, from issuance through renewals, suspension and cancellation. What a
// client (the API, the agency-reports route, tests) needs to find, start and
// act on a license, and nothing that runs activities. Safe to import from the
// workflow sandbox.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Deficiency, DocumentRef, Worker } from '../../domain/application';
import type { Finding, LicenseState } from '../../domain/license';
import type { Agency, LicenseStatus, ObjectionDecision, ReviewDecision } from '../../domain/status';
import type { TaskActor } from '../application/contract';

export type { LicenseState } from '../../domain/license';

export const LICENSE_WORKFLOW_TYPE = 'licenseLifecycle';

/** The license number is in the id, so a license's workflow is found by its number alone. */
export const licenseWorkflowId = (number: string): string => `license:${number}`;

export interface LicenseWorkflowInput {
  state: LicenseState;
  /** How this run began: issued by a case, imported from before Tarkhees; absent when continued as new. */
  origin?: 'issued' | 'imported';
}

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

/** The holder's renewal, or its correction: new uploads by documentId (replacing those of their type) and the workers as they are now. */
export interface RenewalInput {
  /** Who asks (token subject or API key). */
  by: string;
  documents?: DocumentRef[];
  workers?: Worker[];
}

export interface CancellationInput {
  by: string;
  reason?: string;
}

/** The holder's objection to a suspension: their grounds, and uploads by documentId. */
export interface ObjectionInput {
  by: string;
  grounds: string;
  documents?: DocumentRef[];
}

/** A supervisor's decision of an objection task they hold. */
export interface ObjectionDecisionInput {
  taskId: string;
  decision: ObjectionDecision;
  comment?: string;
  by: string;
}

/** A reviewer's decision of a renewal's review task they hold: approve, reject (reasons), or return (the deficiencies to correct). */
export interface RenewalReviewDecisionInput {
  taskId: string;
  by: string;
  decision: ReviewDecision;
  reasons?: string[];
  comment?: string;
  deficiencies?: Deficiency[];
}

/** The municipal inspector's result of an inspection task they hold: no findings is a pass. */
export interface InspectionInput {
  taskId: string;
  by: string;
  findings: Finding[];
  comment?: string;
}

/** Claiming or releasing one of the license's tasks, as a case's tasks are claimed. */
export interface LicenseTaskInput {
  taskId: string;
  by: TaskActor;
}

export interface LicenseTaskReassignment extends LicenseTaskInput {
  to: string;
  reason?: string;
}

export interface LicenseUpdateResult {
  status: LicenseStatus;
  renewal?: LicenseState['renewal'];
  cancellation?: LicenseState['cancellation'];
  suspension?: LicenseState['suspension'];
  /** When the request was written to the timeline. */
  at: string;
}

export const getLicenseStateQuery = defineQuery<LicenseState>('getLicenseState');
/** The holder (or their office) asks to renew: in the renewal window, or after expiry within the grace period. */
export const requestRenewalUpdate = defineUpdate<LicenseUpdateResult, [RenewalInput]>('requestRenewal');
/** The holder sends what the renewal's checks found missing. */
export const correctRenewalUpdate = defineUpdate<LicenseUpdateResult, [RenewalInput]>('correctRenewal');
/** The holder (or their office) asks to cancel: the agencies are asked for clearance. */
export const requestCancellationUpdate = defineUpdate<LicenseUpdateResult, [CancellationInput]>('requestCancellation');
/** The holder (or their office) objects to a suspension, within its window: a supervisor's task opens. */
export const objectUpdate = defineUpdate<LicenseUpdateResult, [ObjectionInput]>('object');
/** The supervisor holding the objection's task decides it: upheld (revoked) or accepted (reinstated). */
export const decideObjectionUpdate = defineUpdate<LicenseUpdateResult, [ObjectionDecisionInput]>('decideObjection');
/** The reviewer holding a renewal's review task decides it: all approved renews; a rejection refuses the renewal; a return asks for corrections. */
export const decideRenewalReviewUpdate = defineUpdate<LicenseUpdateResult, [RenewalReviewDecisionInput]>('decideRenewalReview');
/** The municipal inspector holding an inspection task records its result. */
export const recordInspectionUpdate = defineUpdate<LicenseUpdateResult, [InspectionInput]>('recordInspection');
/** The license's tasks in the inbox take the same claims as a case's, by the same Updates (api/inbox sends either). */
export { claimTaskUpdate, reassignTaskUpdate, releaseTaskUpdate } from '../application/contract';
