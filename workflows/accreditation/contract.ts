// The contract of an office's accreditation workflow: one long-lived workflow
// per service office, from its application through accreditation, suspension
// and reinstatement to revocation. Safe to import from the workflow sandbox.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OfficeStatus } from '../../domain/access';
import type { OfficeAmendment, OfficeApplication, OfficeStage, OfficeState, OfficeTiming } from '../../domain/office';

export const ACCREDITATION_WORKFLOW_TYPE = 'officeAccreditation';

export const officeWorkflowId = (officeId: string): string => `office-${officeId}`;

export { OFFICE_ID_PATTERN, newOfficeId, OfficeStage } from '../../domain/office';
export type { OfficeState, OfficeTiming } from '../../domain/office';

export interface AccreditationInput {
  officeId: string;
  roundId: string;
  application: OfficeApplication;
  timing: OfficeTiming;
  /** Who filed it (token subject). */
  actor: string;
  /**
   * An office accredited before Tarkhees existed (or seeded on a dev machine):
   * it starts active, without an application to check.
   */
  imported?: boolean;
  /** Set by continue-as-new: the state to resume from. */
  resume?: OfficeState;
}

export interface AccreditationDecision {
  decision: 'approve' | 'refuse';
  reason?: string;
  by: string;
}

export interface StandingChange {
  action: 'suspend' | 'reinstate' | 'revoke';
  reason: string;
  by: string;
}

export interface OfficeUpdateResult {
  status: OfficeStatus;
  stage: OfficeStage;
}

export const getOfficeStateQuery = defineQuery<OfficeState>('getOfficeState');
export const amendOfficeUpdate = defineUpdate<OfficeUpdateResult, [OfficeAmendment & { by: string }]>('amendOffice');
export const decideAccreditationUpdate = defineUpdate<OfficeUpdateResult, [AccreditationDecision]>('decideAccreditation');
export const changeStandingUpdate = defineUpdate<OfficeUpdateResult, [StandingChange]>('changeStanding');
