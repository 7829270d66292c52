// The contract of the license-application workflow: everything a client (the
// API, tests, operations tools) needs to start, query and act on a case, and
// nothing that runs activities. Safe to import from the workflow sandbox.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ApplicationData, Correction, ReviewDecisionInput } from '../../domain/application';
import type { CaseTiming, OpenTask } from '../../domain/case';
import type { Stage, Status } from '../../domain/status';

import type { CaseState, HomeVisit } from '../../domain/case';
import { DEFAULT_TASK_QUEUE } from '../../domain/case';

export type { CaseOutcome, CaseState, CaseTiming, HomeVisit, OpenTask } from '../../domain/case';
export { DEFAULT_VISIT_REMINDER_BEFORE_MS } from '../../domain/case';
export { APPLICATION_ID_PATTERN, newApplicationId } from '../../domain/identifiers';

export const TASK_QUEUE = DEFAULT_TASK_QUEUE;
export const WORKFLOW_TYPE = 'licenseApplication';

/** The application id is the workflow id, so a case is found by its number. */
export const workflowIdFor = (applicationId: string): string => applicationId;

/** An administrator gives the applicant more time to correct (the applicant asked, or the office was closed). */
export const extendDeadlineUpdate = defineUpdate<UpdateResult, [{ until: string; by: string; reason: string }]>('extendDeadline');

/** The inspector holding the technical review proposes a slot. */
export const proposeVisitUpdate = defineUpdate<HomeVisit, [{ slot: string; by: string }]>('proposeVisit');
/** The applicant (or their office) confirms the slot, or moves it to another time. */
export const answerVisitUpdate = defineUpdate<HomeVisit, [{ confirm: true; by: string } | { slot: string; by: string }]>('answerVisit');

export interface ApplicationWorkflowInput {
  applicationId: string;
  submittedAt: string;
  data: ApplicationData;
  timing: CaseTiming;
  /** Who filed it (token subject or API key): they may not review it. */
  filedBy?: string;
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
