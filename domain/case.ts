// What a case is while it runs: its state as the workflow holds it, its
// timing, how it ended. Shared by the workflow, its activities, the database
// schema and the API; the workflow's contract re-exports it for clients.
import type { AgencyResult, ApplicationData, Deficiency, IssuedLicense, ReviewRecord } from './application';
import type { InvoiceRef } from './payments';
import type { Agency, ExclusionReason, ReviewKind, Stage, Status, TaskKind, WaitingOn } from './status';

/** The task queue the application and accreditation workflows and their activities run on, unless TEMPORAL_TASK_QUEUE says otherwise. */
export const DEFAULT_TASK_QUEUE = 'tarkhees-applications';

/** Every duration a case waits for; passed in so tests can run in seconds. */
export interface CaseTiming {
  /** How long the applicant has to send a correction before exclusion. */
  correctionDeadlineMs: number;
  /** How long a case may sit on hold for agency non-compliance. */
  agencyHoldDeadlineMs: number;
  /** How often a case on hold asks the agency again. */
  agencyRecheckIntervalMs: number;
  /** Backoff for an agency that does not answer (outage, 5xx, timeout). */
  agencyRetryInitialMs: number;
  agencyRetryMaxMs: number;
  /** How long before a home visit the applicant is reminded. */
  visitReminderBeforeMs?: number;
}

export const DEFAULT_VISIT_REMINDER_BEFORE_MS = 86_400_000;

/** A home visit: the technical review of an owner of five or more establishments (or on request). */
export interface HomeVisit {
  /** ISO time of the appointment. */
  slot?: string;
  status: 'to_schedule' | 'proposed' | 'confirmed';
  proposedBy?: string;
  confirmedBy?: string;
}

/** An open task of the case, and who holds it. */
export interface OpenTask {
  kind: TaskKind;
  holder?: string;
}

export interface CaseState {
  applicationId: string;
  stage: Stage;
  status: Status;
  exclusionReason?: ExclusionReason;
  waitingOn: WaitingOn[];
  /** Increases each time the case goes back for correction. */
  round: number;
  deficiencies: Deficiency[];
  healthReviewRequired?: boolean;
  pendingReviews: ReviewKind[];
  reviews: ReviewRecord[];
  agencies: Partial<Record<Agency, AgencyResult>>;
  correctionDueAt?: string;
  holdDueAt?: string;
  license?: IssuedLicense;
  data: ApplicationData;
  /** Open tasks by id (see reviewTaskId, correctionTaskId). */
  tasks: Record<string, OpenTask>;
  /** Who filed and who corrected the case: separation of duties keeps them from reviewing it. */
  filedBy?: string;
  correctedBy: string[];
  /** Tasks past their SLA and still open: the case shows as overdue while there are any. */
  overdueTasks: string[];
  /** Set when the technical review is a home visit. */
  visit?: HomeVisit;
  /** The fee's invoice, once raised (not raised when nothing is charged). */
  invoice?: InvoiceRef;
}

export interface CaseOutcome {
  status: Exclude<Status, 'in_progress'>;
  exclusionReason?: ExclusionReason;
  license?: IssuedLicense;
  reasons: Deficiency[];
}
