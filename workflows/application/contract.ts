// The contract of the license-application workflow: everything a client (the
// API, tests, operations tools) needs to start, query and act on a case, and
// nothing that runs activities. Safe to import from the workflow sandbox.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type {
  AgencyResult,
  ApplicationData,
  Correction,
  Deficiency,
  IssuedLicense,
  ReviewDecisionInput,
  ReviewRecord,
} from '../../domain/application';
import type { Agency, ExclusionReason, ReviewKind, Stage, Status, TaskKind, WaitingOn } from '../../domain/status';

export const TASK_QUEUE = 'tarkhees-applications';
export const WORKFLOW_TYPE = 'licenseApplication';

/** The application id is the workflow id, so a case is found by its number. */
export const workflowIdFor = (applicationId: string): string => applicationId;

export const APPLICATION_ID_PATTERN = '^TRK-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{6}$';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** TRK-YYYYMMDD-XXXXXX: readable over the phone, no I/O/L/U confusion. */
export function newApplicationId(now: Date, randomBytes: Uint8Array): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += CROCKFORD[(randomBytes[i] ?? 0) % 32];
  return `TRK-${day}-${suffix}`;
}

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
  /** Cases started before working-day SLAs (task_slas) gave review tasks this flat time. */
  reviewSlaMs?: number;
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

/** An administrator gives the applicant more time to correct (the applicant asked, or the office was closed). */
export const extendDeadlineUpdate = defineUpdate<UpdateResult, [{ until: string; by: string; reason: string }]>('extendDeadline');

/** The inspector holding the technical review proposes a slot. */
export const proposeVisitUpdate = defineUpdate<HomeVisit, [{ slot: string; by: string }]>('proposeVisit');
/** The applicant (or their office) confirms the slot, or moves it to another time. */
export const answerVisitUpdate = defineUpdate<HomeVisit, [{ confirm: true; by: string } | { slot: string; by: string }]>('answerVisit');

/** A review task's time when the case's timing does not say. */
export const DEFAULT_REVIEW_SLA_MS = 5 * 86_400_000;

export interface ApplicationWorkflowInput {
  applicationId: string;
  submittedAt: string;
  data: ApplicationData;
  timing: CaseTiming;
  /** Who filed it (token subject or API key): they may not review it. */
  filedBy?: string;
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
}

export interface CaseOutcome {
  status: Exclude<Status, 'in_progress'>;
  exclusionReason?: ExclusionReason;
  license?: IssuedLicense;
  reasons: Deficiency[];
}

export interface UpdateResult {
  stage: Stage;
  status: Status;
  round: number;
  /** When the change was written (the timeline row's time); absent from workers older than this field. */
  at?: string;
}

export const getStateQuery = defineQuery<CaseState>('getState');

/** The applicant (or office) sends corrections while the case awaits them. */
export const submitCorrectionUpdate = defineUpdate<UpdateResult, [Correction]>('submitCorrection');

/** A reviewer's decision on the health or technical review. */
export const decideReviewUpdate = defineUpdate<UpdateResult, [ReviewDecisionInput]>('decideReview');

export interface OfficeReassignment {
  officeId: string;
  reason: string;
  /** The supervisor's subject. */
  by: string;
}

/** A supervisor moves an open case to another office (its own was suspended, or is overloaded). */
export const reassignOfficeUpdate = defineUpdate<UpdateResult, [OfficeReassignment]>('reassignOffice');

export interface TaskActor {
  /** Token subject of the person acting. */
  id: string;
  /** A supervisor acting on someone else's claim. */
  supervisor?: boolean;
}

/**
 * A task after a claim, release or reassignment. `at` is when the change was
 * written, so the API can answer without reading the task back; it is absent
 * when nothing changed (a holder claiming again) and from older workers.
 */
export type TaskChange = OpenTask & { id: string; at?: string };

/** A reviewer takes a task: one holder at a time, and only the holder decides. */
export const claimTaskUpdate = defineUpdate<TaskChange, [{ taskId: string; by: TaskActor }]>('claimTask');
/** The holder (or a supervisor) puts a task back in the office's inbox. */
export const releaseTaskUpdate = defineUpdate<TaskChange, [{ taskId: string; by: TaskActor }]>('releaseTask');
/** A supervisor gives a task to a named reviewer. */
export const reassignTaskUpdate = defineUpdate<TaskChange, [{ taskId: string; to: string; by: TaskActor; reason?: string }]>('reassignTask');

/** An agency told us a case's standing changed: ask it again now instead of at the next recheck. */
export const recheckAgenciesSignal = defineSignal('recheckAgencies');

// Typed search attributes, registered with the server by scripts/temporal.ts.
export const SA_STAGE = defineSearchAttributeKey('TarkheesStage', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('TarkheesStatus', SearchAttributeType.KEYWORD);
export const SA_WAITING_ON = defineSearchAttributeKey('TarkheesWaitingOn', SearchAttributeType.KEYWORD_LIST);
export const SA_NEEDS_ATTENTION = defineSearchAttributeKey('TarkheesNeedsAttention', SearchAttributeType.BOOL);
export const SA_OFFICE = defineSearchAttributeKey('TarkheesOffice', SearchAttributeType.KEYWORD);
export const SA_LICENSE_KIND = defineSearchAttributeKey('TarkheesLicenseKind', SearchAttributeType.KEYWORD);

const CLI_TYPE = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  [SearchAttributeType.BOOL]: 'Bool',
} as const;

/** Every attribute the workflow sets. */
export const SEARCH_ATTRIBUTE_KEYS = [SA_STAGE, SA_STATUS, SA_WAITING_ON, SA_NEEDS_ATTENTION, SA_OFFICE, SA_LICENSE_KIND] as const;

/** name → CLI type, for registering them with the dev server and in compose. */
export const SEARCH_ATTRIBUTES: Record<string, (typeof CLI_TYPE)[keyof typeof CLI_TYPE]> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, CLI_TYPE[k.type]]),
);
