// The contract of an office's accreditation workflow: one long-lived workflow
// per service office, from its application through accreditation, suspension
// and reinstatement to revocation. Safe to import from the workflow sandbox.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Deficiency } from '../../domain/application';
import type { OfficeStatus } from '../../domain/access';
import type { OfficeAmendment, OfficeApplication } from '../../domain/office';

export const ACCREDITATION_WORKFLOW_TYPE = 'officeAccreditation';

export const officeWorkflowId = (officeId: string): string => `office-${officeId}`;

export const OFFICE_ID_PATTERN = '^OFF-[0-9A-HJKMNP-TV-Z]{6}$';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newOfficeId(randomBytes: Uint8Array): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += CROCKFORD[(randomBytes[i] ?? 0) % 32];
  return `OFF-${suffix}`;
}

export const OfficeStage = {
  documentCheck: 'document_check',
  awaitingAmendment: 'awaiting_amendment',
  awaitingDecision: 'awaiting_decision',
  /** Accredited or suspended: the office's working life. */
  active: 'active',
  closed: 'closed',
} as const;
export type OfficeStage = (typeof OfficeStage)[keyof typeof OfficeStage];

export interface OfficeTiming {
  /** How long an office has to complete its file before the application lapses. */
  amendmentDeadlineMs: number;
}

export interface OfficeState {
  officeId: string;
  roundId: string;
  status: OfficeStatus;
  stage: OfficeStage;
  deficiencies: Deficiency[];
  application: OfficeApplication;
  amendmentDueAt?: string;
  statusReason?: string;
  accreditedAt?: string;
  /** Transition counter, carried across continue-as-new so (office, seq) stays unique. */
  seq: number;
}

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
