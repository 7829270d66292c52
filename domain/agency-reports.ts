// What an agency reports against an establishment, and where the report went.
// Shared by the API (intake), the dispatch workflow and its activities, and
// the simulator; safe to import from the workflow sandbox.
import type { Agency } from './status';

export const AgencyReportKind = {
  /** A cause against the establishment (a workforce or zakat violation): its licenses may be suspended. */
  violation: 'violation',
  /** The agency closed the establishment's file. */
  closure: 'closure',
  /** The establishment is compliant again: what it held at that agency is released. */
  resolved: 'resolved',
} as const;
export type AgencyReportKind = (typeof AgencyReportKind)[keyof typeof AgencyReportKind];
export const AGENCY_REPORT_KINDS = Object.values(AgencyReportKind) as [AgencyReportKind, ...AgencyReportKind[]];

/** A report as received and dispatched; `id` is the agency's own, unique per agency. */
export interface AgencyReport {
  id: string;
  agency: Agency;
  crNumber: string;
  kind: AgencyReportKind;
  reason: string;
  /** When the agency says it made the report (ISO 8601). */
  reportedAt: string;
}

/** What one message to a workflow came to: a workflow not running (none yet, or closed) is recorded, not an error. */
export type DeliveryOutcome = 'signalled' | 'not_found';

/** Where a report went: the open cases it asked to recheck that agency, the licenses it told. */
export interface AgencyReportDispatch {
  applications: { id: string; outcome: DeliveryOutcome }[];
  licenses: { number: string; outcome: DeliveryOutcome }[];
}
