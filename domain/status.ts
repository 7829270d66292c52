// The one vocabulary for where a case is and how it ended. The database enums,
// the API schemas and the workflow state are all derived from these objects,
// so adding a value here is the only place a new state is declared. Values are
// snake_case everywhere (keys are the code's camelCase names for them).

import { Role } from './roles';

export const Stage = {
  submitted: 'submitted',
  completenessCheck: 'completeness_check',
  awaitingCorrection: 'awaiting_correction',
  conditionsCheck: 'conditions_check',
  review: 'review',
  agencyLinkage: 'agency_linkage',
  onHold: 'on_hold',
  /** The fee is invoiced: the case waits for its payment until the invoice's due date. */
  awaitingPayment: 'awaiting_payment',
  issuance: 'issuance',
  closed: 'closed',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const STAGES = Object.values(Stage) as [Stage, ...Stage[]];

export const Status = {
  inProgress: 'in_progress',
  issued: 'issued',
  excluded: 'excluded',
  rejected: 'rejected',
  /** Closed by an administrator (a duplicate, a case filed in error, a withdrawal). */
  cancelled: 'cancelled',
} as const;
export type Status = (typeof Status)[keyof typeof Status];
export const STATUSES = Object.values(Status) as [Status, ...Status[]];

/** Why an excluded case was excluded: the municipality reports the two apart. */
export const ExclusionReason = {
  incomplete: 'incomplete',
  conditions: 'conditions',
  /** The fee's invoice passed its due date unpaid. */
  unpaid: 'unpaid',
} as const;
export type ExclusionReason = (typeof ExclusionReason)[keyof typeof ExclusionReason];
export const EXCLUSION_REASONS = Object.values(ExclusionReason) as [ExclusionReason, ...ExclusionReason[]];

export const LicenseKind = {
  commercial: 'commercial',
  health: 'health',
  professional: 'professional',
} as const;
export type LicenseKind = (typeof LicenseKind)[keyof typeof LicenseKind];
export const LICENSE_KINDS = Object.values(LicenseKind) as [LicenseKind, ...LicenseKind[]];

export const ReviewKind = {
  health: 'health',
  technical: 'technical',
} as const;
export type ReviewKind = (typeof ReviewKind)[keyof typeof ReviewKind];
export const REVIEW_KINDS = Object.values(ReviewKind) as [ReviewKind, ...ReviewKind[]];

export const ReviewDecision = {
  approve: 'approve',
  reject: 'reject',
  returnForCorrection: 'return',
} as const;
export type ReviewDecision = (typeof ReviewDecision)[keyof typeof ReviewDecision];
export const REVIEW_DECISIONS = Object.values(ReviewDecision) as [ReviewDecision, ...ReviewDecision[]];

/** The roles that decide a review: the access policy's own spelling (domain/access.ts). */
export const REVIEWER_ROLES = [Role.healthSpecialist, Role.technicalInspector] as const;
export type ReviewerRole = (typeof REVIEWER_ROLES)[number];

/** Which role may decide which review. */
export const ROLE_FOR_REVIEW: Record<ReviewKind, ReviewerRole> = {
  health: Role.healthSpecialist,
  technical: Role.technicalInspector,
};

export const Agency = {
  laborOffice: 'labor_office',
  zakat: 'zakat',
} as const;
export type Agency = (typeof Agency)[keyof typeof Agency];
export const AGENCIES = Object.values(Agency) as [Agency, ...Agency[]];

/** The state of one agency's check as the case sees it. */
export const AgencyState = {
  pending: 'pending',
  unavailable: 'unavailable',
  compliant: 'compliant',
  nonCompliant: 'non_compliant',
} as const;
export type AgencyState = (typeof AgencyState)[keyof typeof AgencyState];
export const AGENCY_STATES = Object.values(AgencyState) as [AgencyState, ...AgencyState[]];

/** Who or what a case waits on right now; empty when it is moving by itself. */
export const WaitingOn = {
  applicant: 'applicant',
  healthSpecialist: Role.healthSpecialist,
  technicalInspector: Role.technicalInspector,
  laborOffice: Agency.laborOffice,
  zakat: Agency.zakat,
  /** The fee's invoice: the applicant pays it at a bank, and the gateway tells us. */
  payment: 'payment',
} as const;
export type WaitingOn = (typeof WaitingOn)[keyof typeof WaitingOn];
export const WAITING_ON = Object.values(WaitingOn) as [WaitingOn, ...WaitingOn[]];

/** The timeline's event types; each is one row in application_events. */
export const CaseEvent = {
  submitted: 'submitted',
  /** No longer written (the checks take milliseconds); kept for timelines that have it and for the database enum. */
  completenessCheckStarted: 'completeness_check_started',
  correctionRequested: 'correction_requested',
  correctionReceived: 'correction_received',
  /** No longer written, like completenessCheckStarted. */
  conditionsCheckStarted: 'conditions_check_started',
  reviewStarted: 'review_started',
  reviewDecided: 'review_decided',
  returnedForCorrection: 'returned_for_correction',
  agencyLinkageStarted: 'agency_linkage_started',
  agencyUnavailable: 'agency_unavailable',
  agencyChecked: 'agency_checked',
  onHold: 'on_hold',
  /** The fee is invoiced: the amount, its breakdown, the bill number to pay and the due date. */
  invoiceIssued: 'invoice_issued',
  /** The gateway's payment of the invoice was recorded: the receipt number. */
  paymentReceived: 'payment_received',
  issued: 'issued',
  excluded: 'excluded',
  rejected: 'rejected',
  officeReassigned: 'office_reassigned',
  taskClaimed: 'task_claimed',
  taskReleased: 'task_released',
  taskReassigned: 'task_reassigned',
  /** The office was reminded that a task is nearly due (an SMS to the office, not the applicant). */
  taskReminder: 'task_reminder',
  /** A task passed its SLA: escalated, the office told, the case marked overdue. */
  taskOverdue: 'task_overdue',
  /** Home visits: the inspector proposes a slot, the applicant confirms or moves it, a reminder before it. */
  visitProposed: 'visit_proposed',
  visitConfirmed: 'visit_confirmed',
  visitReminder: 'visit_reminder',
  cancelled: 'cancelled',
  deadlineExtended: 'deadline_extended',
} as const;
export type CaseEvent = (typeof CaseEvent)[keyof typeof CaseEvent];
export const CASE_EVENTS = Object.values(CaseEvent) as [CaseEvent, ...CaseEvent[]];

/**
 * The events the applicant hears about by SMS. Internal hops (a check starting,
 * an agency timing out and being retried) are not changes the applicant can act
 * on, and a burst of four messages in one second reads as spam.
 */
export const SMS_EVENTS: ReadonlySet<CaseEvent> = new Set<CaseEvent>([
  CaseEvent.submitted,
  CaseEvent.correctionRequested,
  CaseEvent.reviewStarted,
  CaseEvent.returnedForCorrection,
  CaseEvent.onHold,
  CaseEvent.invoiceIssued,
  CaseEvent.paymentReceived,
  CaseEvent.issued,
  CaseEvent.excluded,
  CaseEvent.rejected,
  CaseEvent.officeReassigned,
  CaseEvent.visitProposed,
  CaseEvent.visitConfirmed,
  CaseEvent.visitReminder,
  CaseEvent.cancelled,
  CaseEvent.deadlineExtended,
]);

/** The human steps of a case: each is a task in someone's inbox. */
export const TaskKind = {
  healthReview: 'health_review',
  technicalReview: 'technical_review',
  /** The applicant's correction: supervisors see what waits on applicants. */
  correction: 'applicant_correction',
  /** A holder's objection to their license's suspension, decided by a municipality supervisor. */
  objectionReview: 'objection_review',
  /** A periodic inspection of a public-health shop (or the re-inspection of violations to fix), by a municipal inspector. */
  inspection: 'inspection',
} as const;
export type TaskKind = (typeof TaskKind)[keyof typeof TaskKind];
export const TASK_KINDS = Object.values(TaskKind) as [TaskKind, ...TaskKind[]];

/** How a supervisor decides an objection: the suspension upheld (the license is revoked), or the objection accepted (reinstated). */
export const ObjectionDecision = {
  upheld: 'upheld',
  accepted: 'accepted',
} as const;
export type ObjectionDecision = (typeof ObjectionDecision)[keyof typeof ObjectionDecision];
export const OBJECTION_DECISIONS = Object.values(ObjectionDecision) as [ObjectionDecision, ...ObjectionDecision[]];

export const TaskStatus = {
  open: 'open',
  claimed: 'claimed',
  completed: 'completed',
  cancelled: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];
export const TASK_STATUSES = Object.values(TaskStatus) as [TaskStatus, ...TaskStatus[]];

export const TASK_KIND_FOR_REVIEW: Record<ReviewKind, TaskKind> = {
  health: TaskKind.healthReview,
  technical: TaskKind.technicalReview,
};

/** A task's id: one per review kind and round, one per correction request (by the transition that asked). */
export const reviewTaskId = (applicationId: string, kind: ReviewKind, round: number) => `${applicationId}:${kind}:${round}`;
export const correctionTaskId = (applicationId: string, seq: number) => `${applicationId}:correction:${seq}`;
/** A license's tasks: one per objection, by the license transition that received it. */
export const objectionTaskId = (licenseNumber: string, seq: number) => `${licenseNumber}:objection:${seq}`;
export const inspectionTaskId = (licenseNumber: string, seq: number) => `${licenseNumber}:inspection:${seq}`;
/** A renewal's review: one per kind, by the license transition that opened the round. */
export const renewalReviewTaskId = (licenseNumber: string, kind: ReviewKind, seq: number) => `${licenseNumber}:renewal-${kind}:${seq}`;

/** How grave an inspection's violation is: noted; to fix within the code's days, then re-inspected; or closing the shop (suspended at once). */
export const ViolationSeverity = {
  note: 'note',
  fix: 'fix',
  closure: 'closure',
} as const;
export type ViolationSeverity = (typeof ViolationSeverity)[keyof typeof ViolationSeverity];
export const VIOLATION_SEVERITIES = Object.values(ViolationSeverity) as [ViolationSeverity, ...ViolationSeverity[]];

/** What the inspector found: nothing wrong, or violations from the table (violation_codes). */
export const InspectionResult = {
  pass: 'pass',
  violations: 'violations',
} as const;
export type InspectionResult = (typeof InspectionResult)[keyof typeof InspectionResult];
export const INSPECTION_RESULTS = Object.values(InspectionResult) as [InspectionResult, ...InspectionResult[]];

export const DocumentType = {
  storefrontPhoto: 'storefront_photo',
  leaseOrDeed: 'lease_or_deed',
  buildingPermit: 'building_permit',
  civilDefense: 'civil_defense',
  cleaningContract: 'cleaning_contract',
} as const;
export type DocumentType = (typeof DocumentType)[keyof typeof DocumentType];
export const DOCUMENT_TYPES = Object.values(DocumentType) as [DocumentType, ...DocumentType[]];

/**
 * An uploaded file's life: kept but not yet part of a filed case; part of one;
 * replaced on its case by a correction (kept as evidence of what was filed);
 * gone from the store (an orphan cleared, or its retention ended).
 */
export const DocumentState = {
  uploaded: 'uploaded',
  attached: 'attached',
  superseded: 'superseded',
  removed: 'removed',
} as const;
export type DocumentState = (typeof DocumentState)[keyof typeof DocumentState];
export const DOCUMENT_STATES = Object.values(DocumentState) as [DocumentState, ...DocumentState[]];

/** Why the sweep removed a file. */
export const RemovalReason = {
  /** Uploaded, and no filed case named it in time. */
  orphaned: 'orphaned',
  /** Its case closed (or its license lapsed) longer ago than the rules keep documents. */
  retentionEnded: 'retention_ended',
} as const;
export type RemovalReason = (typeof RemovalReason)[keyof typeof RemovalReason];
export const REMOVAL_REASONS = Object.values(RemovalReason) as [RemovalReason, ...RemovalReason[]];

/** How a document type's expiry date is known: it has none, or the uploader enters it from the document. */
export const ExpiryRule = {
  none: 'none',
  entered: 'entered',
} as const;
export type ExpiryRule = (typeof ExpiryRule)[keyof typeof ExpiryRule];
export const EXPIRY_RULES = Object.values(ExpiryRule) as [ExpiryRule, ...ExpiryRule[]];

export const ApplicantRole = {
  owner: 'owner',
  delegate: 'delegate',
  office: 'office',
} as const;
export type ApplicantRole = (typeof ApplicantRole)[keyof typeof ApplicantRole];
export const APPLICANT_ROLES = Object.values(ApplicantRole) as [ApplicantRole, ...ApplicantRole[]];

/** Where an SMS in the outbox stands. */
export const SmsStatus = {
  /** Waiting for its next attempt (`next_attempt_at`): new, or after a failed one. */
  pending: 'pending',
  /** A dispatcher holds it until `next_attempt_at` (its lease); past that, another may take it. */
  sending: 'sending',
  sent: 'sent',
  /** Given up: refused as malformed, or undelivered for the whole retry horizon. An operator may resend it. */
  failed: 'failed',
} as const;
export type SmsStatus = (typeof SmsStatus)[keyof typeof SmsStatus];
export const SMS_STATUSES = Object.values(SmsStatus) as [SmsStatus, ...SmsStatus[]];

/**
 * Where an issued license stands. `renewal_open` is still in force: it says the
 * renewal window is open. `expired` may still be renewed (late) within the
 * grace period; `revoked` and `cancelled` are final.
 */
export const LicenseStatus = {
  active: 'active',
  renewalOpen: 'renewal_open',
  expired: 'expired',
  suspended: 'suspended',
  revoked: 'revoked',
  cancelled: 'cancelled',
} as const;
export type LicenseStatus = (typeof LicenseStatus)[keyof typeof LicenseStatus];
export const LICENSE_STATUSES = Object.values(LicenseStatus) as [LicenseStatus, ...LicenseStatus[]];

/** The statuses in which a license may be used (the verification page says "valid"). */
export const IN_FORCE: ReadonlySet<LicenseStatus> = new Set<LicenseStatus>([LicenseStatus.active, LicenseStatus.renewalOpen]);

/** A license's timeline events; each is one row in license_events. */
export const LicenseEvent = {
  /** Its workflow started at issuance (the application's own `issued` SMS told the holder). */
  issued: 'issued',
  /** Brought in from before Tarkhees, at its true state and dates. */
  imported: 'imported',
  renewalWindowOpened: 'renewal_window_opened',
  renewalReminder: 'renewal_reminder',
  renewalRequested: 'renewal_requested',
  renewalCorrectionRequested: 'renewal_correction_requested',
  renewalCorrectionReceived: 'renewal_correction_received',
  /** The renewal's checks passed and its activity's rules ask for a review (activity_rules.renewal_reviews): the office's reviewers' tasks open. */
  renewalReviewStarted: 'renewal_review_started',
  /** One of two reviews approved; the renewal waits for the other. */
  renewalReviewDecided: 'renewal_review_decided',
  /** A reviewer returned the renewal for correction: the points to fix and the deadline, as a deficiency's. */
  renewalReturned: 'renewal_returned',
  /** A reviewer rejected the renewal, with its reasons: the license is as it was (its clock may expire it). */
  renewalRejected: 'renewal_rejected',
  /** The renewal's correction deadline passed (or a suspension stopped it): the license is as it was. */
  renewalLapsed: 'renewal_lapsed',
  /** The renewal's checks and reviews passed: its fee is invoiced (a late renewal's with the penalty). */
  renewalInvoiced: 'renewal_invoiced',
  /** The renewal's invoice was paid: the receipt number; the renewal follows in the same step. */
  renewalPaid: 'renewal_paid',
  /** The renewal's invoice passed its due date unpaid: the license is as it was. */
  renewalUnpaid: 'renewal_unpaid',
  renewed: 'renewed',
  expired: 'expired',
  /** The grace period after expiry passed without a renewal: the license's life is over. */
  graceEnded: 'grace_ended',
  suspended: 'suspended',
  reinstated: 'reinstated',
  revoked: 'revoked',
  /** The holder objected to the suspension: a supervisor's task opens; the objection window no longer runs. */
  objectionReceived: 'objection_received',
  /** The supervisor upheld the suspension: the license is revoked. */
  objectionUpheld: 'objection_upheld',
  /** The supervisor accepted the objection: the license is reinstated. */
  objectionAccepted: 'objection_accepted',
  /** A periodic inspection (or a re-inspection) came due: a municipal inspector's task opens. Unannounced: staff only. */
  inspectionDue: 'inspection_due',
  /** The inspector found nothing wrong: the next inspection is due after the activity's interval. */
  inspectionPassed: 'inspection_passed',
  /** Violations noted or to fix by a date (then a re-inspection); a closure is the `suspended` event itself. */
  inspectionViolations: 'inspection_violations',
  /** The municipality's own tasks on a license (an objection's review): claimed, released, reassigned, overdue. Staff see these; the holder does not. */
  taskClaimed: 'task_claimed',
  taskReleased: 'task_released',
  taskReassigned: 'task_reassigned',
  taskOverdue: 'task_overdue',
  /** An agency report already suspending the license, or a duplicate, or a 'resolved' for nothing it caused. */
  reportNoted: 'report_noted',
  cancellationRequested: 'cancellation_requested',
  /** An agency says something is outstanding: what, and by whom. */
  cancellationOutstanding: 'cancellation_outstanding',
  cancellationLapsed: 'cancellation_lapsed',
  cancelled: 'cancelled',
} as const;
export type LicenseEvent = (typeof LicenseEvent)[keyof typeof LicenseEvent];
export const LICENSE_EVENTS = Object.values(LicenseEvent) as [LicenseEvent, ...LicenseEvent[]];

/**
 * The license events the holder hears about by SMS. `issued` is the
 * application's own message; a request the holder just made, a correction they
 * just sent and a noted report are not news to them.
 */
export const LICENSE_SMS_EVENTS: ReadonlySet<LicenseEvent> = new Set<LicenseEvent>([
  LicenseEvent.renewalWindowOpened,
  LicenseEvent.renewalReminder,
  LicenseEvent.renewalCorrectionRequested,
  LicenseEvent.renewalLapsed,
  LicenseEvent.renewalReviewStarted,
  LicenseEvent.renewalReturned,
  LicenseEvent.renewalRejected,
  LicenseEvent.renewalInvoiced,
  LicenseEvent.renewalPaid,
  LicenseEvent.renewalUnpaid,
  LicenseEvent.renewed,
  LicenseEvent.expired,
  LicenseEvent.suspended,
  LicenseEvent.reinstated,
  LicenseEvent.revoked,
  LicenseEvent.objectionReceived,
  LicenseEvent.objectionUpheld,
  LicenseEvent.objectionAccepted,
  LicenseEvent.inspectionPassed,
  LicenseEvent.inspectionViolations,
  LicenseEvent.cancellationOutstanding,
  LicenseEvent.cancellationLapsed,
  LicenseEvent.cancelled,
]);

/** The license events only staff read on its timeline: the municipality's own work on it. */
export const LICENSE_STAFF_EVENTS: ReadonlySet<LicenseEvent> = new Set<LicenseEvent>([
  LicenseEvent.inspectionDue,
  LicenseEvent.taskClaimed,
  LicenseEvent.taskReleased,
  LicenseEvent.taskReassigned,
  LicenseEvent.taskOverdue,
]);
