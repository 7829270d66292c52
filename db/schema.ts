// The application's own store. The workflow is the source of truth for a live
// case; these tables are its projection (what the API reads), the audit trail,
// the SMS outbox and the licensing rules.
import {
  bigserial,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { relations, sql } from 'drizzle-orm';
import type { AgencyResult, ApplicationData, Deficiency } from '../domain/application';
import type { HomeVisit } from '../domain/case';
import type { ImportedLicense } from '../domain/license-import';
import { AGENCY_REPORT_KINDS, type AgencyReportDispatch } from '../domain/agency-reports';
import {
  AGENCIES,
  CASE_EVENTS,
  DOCUMENT_STATES,
  LICENSE_EVENTS,
  LICENSE_STATUSES,
  DOCUMENT_TYPES,
  EXCLUSION_REASONS,
  EXPIRY_RULES,
  REMOVAL_REASONS,
  LICENSE_KINDS,
  REVIEW_DECISIONS,
  REVIEW_KINDS,
  REVIEWER_ROLES,
  SMS_STATUSES,
  STAGES,
  STATUSES,
  TASK_KINDS,
  TASK_STATUSES,
  VIOLATION_SEVERITIES,
} from '../domain/status';
import { OFFICE_STATUSES, ROLES, type Operation, type StaffRole } from '../domain/access';
import type { OfficeApplication } from '../domain/office';
import { FILE_KINDS } from '../domain/files';
import type { FeeBand, FeeSettings, InvoiceLine } from '../domain/fees';
import { INVOICE_BASES, INVOICE_STATUSES, MISMATCH_REASONS, MISMATCH_STATUSES, PAYMENT_SOURCES, PAYMENT_STATUSES, REFUND_REASONS } from '../domain/payments';

export const stageEnum = pgEnum('stage', STAGES);
export const statusEnum = pgEnum('status', STATUSES);
export const exclusionReasonEnum = pgEnum('exclusion_reason', EXCLUSION_REASONS);
export const licenseKindEnum = pgEnum('license_kind', LICENSE_KINDS);
export const caseEventEnum = pgEnum('case_event', CASE_EVENTS);
export const reviewKindEnum = pgEnum('review_kind', REVIEW_KINDS);
export const reviewDecisionEnum = pgEnum('review_decision', REVIEW_DECISIONS);
export const reviewerRoleEnum = pgEnum('reviewer_role', REVIEWER_ROLES);
export const smsStatusEnum = pgEnum('sms_status', SMS_STATUSES);
export const licenseStatusEnum = pgEnum('license_status', LICENSE_STATUSES);
export const licenseEventEnum = pgEnum('license_event', LICENSE_EVENTS);

const timestamps = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const applications = pgTable(
  'applications',
  {
    id: text('id').primaryKey(),
    status: statusEnum('status').notNull().default('in_progress'),
    stage: stageEnum('stage').notNull().default('submitted'),
    exclusionReason: exclusionReasonEnum('exclusion_reason'),
    waitingOn: text('waiting_on').array().notNull().default([]),
    round: integer('round').notNull().default(1),
    licenseKind: licenseKindEnum('license_kind').notNull(),
    officeId: text('office_id'),
    applicantNationalId: text('applicant_national_id').notNull(),
    applicantName: text('applicant_name').notNull(),
    applicantMobile: text('applicant_mobile').notNull(),
    crNumber: text('cr_number').notNull(),
    tradeName: text('trade_name').notNull(),
    isicCode: text('isic_code').notNull(),
    district: text('district').notNull(),
    data: jsonb('data').$type<ApplicationData>().notNull(),
    deficiencies: jsonb('deficiencies').$type<Deficiency[]>().notNull().default([]),
    agencies: jsonb('agencies').$type<Record<string, AgencyResult>>().notNull().default({}),
    healthReviewRequired: boolean('health_review_required'),
    correctionDueAt: timestamps('correction_due_at'),
    holdDueAt: timestamps('hold_due_at'),
    licenseNumber: text('license_number'),
    /** The workflow's transition counter: a late retry of an older transition must not win. */
    transitionSeq: integer('transition_seq').notNull().default(0),
    submittedAt: timestamps('submitted_at').notNull(),
    updatedAt: timestamps('updated_at').notNull(),
    closedAt: timestamps('closed_at'),
    /** A task of the case is past its SLA: the operations view lists these. */
    overdue: boolean('overdue').notNull().default(false),
    /** The home visit, when the technical review is one. */
    visit: jsonb('visit').$type<HomeVisit>(),
  },
  (t) => [
    index('applications_status_submitted_idx').on(t.status, t.submittedAt.desc(), t.id),
    index('applications_stage_idx').on(t.stage, t.submittedAt.desc(), t.id),
    index('applications_submitted_idx').on(t.submittedAt.desc(), t.id),
    index('applications_cr_idx').on(t.crNumber),
    index('applications_office_status_idx').on(t.officeId, t.status),
    index('applications_applicant_idx').on(t.applicantNationalId, t.submittedAt.desc(), t.id),
  ],
);

/**
 * The API's rate-limit counters, one row per client (or address) and limit,
 * shared by every API instance so N instances allow what one would, not N
 * times it. UNLOGGED (migration 0021): counters are worth nothing after a
 * crash, and a write to them should cost no WAL on every request.
 */
export const rateLimitHits = pgTable('rate_limit_hits', {
  key: text('key').primaryKey(),
  /** When the current window closes; the next hit after it starts a new one. */
  windowEnds: timestamps('window_ends').notNull(),
  hits: integer('hits').notNull(),
});

export const idempotencyKeys = pgTable('idempotency_keys', {
  key: text('key').primaryKey(),
  /** Hash of the request body: the same key with another body is a client bug, not a retry. */
  requestHash: text('request_hash').notNull(),
  applicationId: text('application_id')
    .notNull()
    .references(() => applications.id),
  createdAt: timestamps('created_at').notNull().defaultNow(),
});

/** The audit trail: one row per state change, written with the projection in one transaction. */
export const applicationEvents = pgTable(
  'application_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    seq: integer('seq').notNull(),
    event: caseEventEnum('event').notNull(),
    stage: stageEnum('stage').notNull(),
    status: statusEnum('status').notNull(),
    actor: text('actor').notNull().default('system'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamps('at').notNull(),
  },
  (t) => [uniqueIndex('application_events_case_seq_uq').on(t.applicationId, t.seq)],
);

export const reviews = pgTable(
  'reviews',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    round: integer('round').notNull(),
    kind: reviewKindEnum('kind').notNull(),
    decision: reviewDecisionEnum('decision').notNull(),
    reviewerId: text('reviewer_id').notNull(),
    reviewerRole: reviewerRoleEnum('reviewer_role').notNull(),
    reasons: text('reasons').array().notNull().default([]),
    comment: text('comment'),
    deficiencies: jsonb('deficiencies').$type<Deficiency[]>().notNull().default([]),
    decidedAt: timestamps('decided_at').notNull(),
  },
  (t) => [uniqueIndex('reviews_case_round_kind_uq').on(t.applicationId, t.round, t.kind)],
);

export const licenseNumberSeq = pgSequence('license_number_seq', { startWith: 1, increment: 1 });

export const licenses = pgTable(
  'licenses',
  {
    number: text('number').primaryKey(),
    /**
     * One license per case: a retried issuance finds this row instead of drawing a new number.
     * Null for a license imported from before Tarkhees: it has no case, and a made-up one would
     * show in every case list and report as a filing nobody made.
     */
    applicationId: text('application_id').references(() => applications.id),
    licenseKind: licenseKindEnum('license_kind').notNull(),
    crNumber: text('cr_number').notNull(),
    tradeName: text('trade_name').notNull(),
    holderNationalId: text('holder_national_id').notNull(),
    isicCode: text('isic_code').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    expiresOn: date('expires_on', { mode: 'string' }).notNull(),
    /** The license workflow's projection from here down (workflows/license/). */
    status: licenseStatusEnum('status').notNull().default('active'),
    /** The office that filed it: its staff see the license's timeline. */
    officeId: text('office_id'),
    holderName: text('holder_name'),
    holderMobile: text('holder_mobile'),
    /** An imported license's district (an issued one's is its case's). */
    district: text('district'),
    /** Why it is suspended, revoked or cancelled; the agency that caused a suspension. */
    statusReason: text('status_reason'),
    suspendedBy: text('suspended_by'),
    objectionDueAt: timestamps('objection_due_at'),
    /** A renewal or cancellation under way: its stage, deficiencies or outstanding obligations. */
    pending: jsonb('pending').$type<Record<string, unknown>>(),
    renewals: integer('renewals').notNull().default(0),
    lastRenewedOn: date('last_renewed_on', { mode: 'string' }),
    lastRenewalLate: boolean('last_renewal_late'),
    /** The workflow's timeline counter: a late retry of an older change must not win. */
    transitionSeq: integer('transition_seq').notNull().default(0),
    updatedAt: timestamps('updated_at'),
    createdAt: timestamps('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('licenses_application_uq').on(t.applicationId),
    // An agency's report names a CR number: its licenses are found by it.
    index('licenses_cr_idx').on(t.crNumber),
    index('licenses_status_expires_idx').on(t.status, t.expiresOn),
  ],
);

export const agencyEnum = pgEnum('agency', AGENCIES);
export const agencyReportKindEnum = pgEnum('agency_report_kind', AGENCY_REPORT_KINDS);

/**
 * A report an agency sent to POST /agency-reports, kept before anything is
 * dispatched: its dispatch workflow (one per report) signals the cases and
 * licenses of the CR number and writes here where it went.
 */
export const agencyReports = pgTable(
  'agency_reports',
  {
    agency: agencyEnum('agency').notNull(),
    /** The agency's own id of the report: a repeat of it is a replay. */
    reportId: text('report_id').notNull(),
    crNumber: text('cr_number').notNull(),
    kind: agencyReportKindEnum('kind').notNull(),
    reason: text('reason').notNull(),
    reportedAt: timestamps('reported_at').notNull(),
    receivedAt: timestamps('received_at').notNull().defaultNow(),
    /** SHA-256 of the canonical report: the same id with another body is refused, not taken for a replay. */
    bodyHash: text('body_hash').notNull(),
    /** When its dispatch workflow was known to be started; null, the sweep starts it (Temporal was down at intake). */
    workflowStartedAt: timestamps('workflow_started_at'),
    /** What the dispatch signalled, and how each delivery came out; null until it has run. */
    dispatch: jsonb('dispatch').$type<AgencyReportDispatch>(),
    dispatchedAt: timestamps('dispatched_at'),
  },
  (t) => [
    primaryKey({ columns: [t.agency, t.reportId] }),
    index('agency_reports_cr_idx').on(t.crNumber, t.receivedAt),
    // The sweep's work: only the reports whose dispatch never started.
    index('agency_reports_unstarted_idx').on(t.receivedAt).where(sql`workflow_started_at is null`),
  ],
);

/** An import of licenses issued before Tarkhees (POST /operations/license-imports, npm run import-licenses): its file's verdict and progress. */
export const licenseImports = pgTable('license_imports', {
  id: text('id').primaryKey(),
  /** Who imported it (token subject, or `cli:<user>` for the command). */
  createdBy: text('created_by').notNull(),
  source: text('source').notNull(),
  /** Data rows in the file (the header not counted). */
  rows: integer('rows').notNull(),
  rejected: integer('rejected').notNull(),
  /** The refusals by row and column, the first LICENSE_IMPORT_ERRORS_KEPT of them. */
  errors: jsonb('errors').$type<{ row: number; field: string; message: string }[]>().notNull(),
  createdAt: timestamps('created_at').notNull().defaultNow(),
  /** Every accepted row has its license row and its workflow started. */
  finishedAt: timestamps('finished_at'),
});

/** An import's accepted rows: what its workflow works through, page by page, and where each got to. */
export const licenseImportRows = pgTable(
  'license_import_rows',
  {
    importId: text('import_id')
      .notNull()
      .references(() => licenseImports.id),
    /** The line in the file. */
    row: integer('row').notNull(),
    licenseNumber: text('license_number').notNull(),
    data: jsonb('data').$type<ImportedLicense>().notNull(),
    /** `created`: this import wrote the licenses row; `existing`: the number was there already (an earlier import, or issued by Tarkhees). */
    outcome: text('outcome'),
    /** Its workflow was started (or found running, or found closed). */
    startedAt: timestamps('started_at'),
  },
  (t) => [primaryKey({ columns: [t.importId, t.row] })],
);

/** The license's timeline: one row per change of its state, as application_events is for cases. */
export const licenseEvents = pgTable(
  'license_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    licenseNumber: text('license_number')
      .notNull()
      .references(() => licenses.number),
    seq: integer('seq').notNull(),
    event: licenseEventEnum('event').notNull(),
    status: licenseStatusEnum('status').notNull(),
    actor: text('actor').notNull().default('system'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamps('at').notNull(),
  },
  (t) => [uniqueIndex('license_events_license_seq_uq').on(t.licenseNumber, t.seq)],
);

/** Per license kind: the durations of a license's life, as db/rules.json spells durations ("90d", "20s"). */
export const licenseRules = pgTable('license_rules', {
  kind: licenseKindEnum('kind').primaryKey(),
  renewalWindow: text('renewal_window').notNull(),
  reminders: text('reminders').array().notNull(),
  gracePeriod: text('grace_period').notNull(),
  objectionWindow: text('objection_window').notNull(),
  renewalCorrection: text('renewal_correction').notNull(),
  cancellationDeadline: text('cancellation_deadline').notNull(),
  agencyRecheck: text('agency_recheck').notNull(),
});

export const smsOutbox = pgTable(
  'sms_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The case it is about, or (license_number) the license: one of the two. */
    applicationId: text('application_id').references(() => applications.id),
    licenseNumber: text('license_number').references((): AnyPgColumn => licenses.number),
    /** application id + transition seq (`license:<number>:<seq>` for a license): one message per state change, whatever retries. */
    dedupeKey: text('dedupe_key').notNull(),
    /** A case event (case_event) or a license event (license_event). */
    event: text('event').notNull(),
    mobile: text('mobile').notNull(),
    bodyAr: text('body_ar').notNull(),
    bodyEn: text('body_en').notNull(),
    status: smsStatusEnum('status').notNull().default('pending'),
    /** Claims so far; a claim's number is also its fencing token (only the latest claim may settle the row). */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    providerMessageId: text('provider_message_id'),
    createdAt: timestamps('created_at').notNull().defaultNow(),
    /** Pending: when it may be tried (again). Sending: when its dispatcher's lease runs out and another may take it. */
    nextAttemptAt: timestamps('next_attempt_at').notNull().defaultNow(),
    /** Start of the retry horizon: when it was queued, or resent by an operator. */
    queuedAt: timestamps('queued_at').notNull().defaultNow(),
    sentAt: timestamps('sent_at'),
  },
  (t) => [
    uniqueIndex('sms_outbox_dedupe_uq').on(t.dedupeKey),
    // Only unsent rows are ever claimed: the index stays as small as the backlog.
    index('sms_outbox_due_idx').on(t.nextAttemptAt).where(sql`status in ('pending', 'sending')`),
    index('sms_outbox_application_idx').on(t.applicationId),
    index('sms_outbox_license_idx').on(t.licenseNumber).where(sql`license_number is not null`),
    check('sms_outbox_about_one', sql`(application_id is null) <> (license_number is null)`),
  ],
);

/** Per license kind: documents every application needs and the term it may run. */
export const licenseKindRules = pgTable('license_kind_rules', {
  kind: licenseKindEnum('kind').primaryKey(),
  requiredDocuments: text('required_documents').array().notNull(),
  minTermYears: integer('min_term_years').notNull(),
  maxTermYears: integer('max_term_years').notNull(),
  defaultTermYears: integer('default_term_years').notNull(),
});

/** Per ISIC activity (longest prefix wins): what it needs and where it is allowed. */
export const activityRules = pgTable('activity_rules', {
  isicPrefix: text('isic_prefix').primaryKey(),
  nameAr: text('name_ar').notNull(),
  nameEn: text('name_en').notNull(),
  healthReview: boolean('health_review').notNull(),
  allowedKinds: text('allowed_kinds').array().notNull(),
  extraDocuments: text('extra_documents').array().notNull().default([]),
  requiresWorkerCertificates: boolean('requires_worker_certificates').notNull().default(false),
  minAreaSqm: integer('min_area_sqm').notNull().default(0),
  maxAreaSqm: integer('max_area_sqm'),
  /** Fixed term (health activities: 12 months); null means the kind's term as requested. */
  termMonths: integer('term_months'),
  /** Public-health activities: how often their shops are inspected (inspection_rules); null, never. */
  riskClass: text('risk_class').references((): AnyPgColumn => inspectionRules.riskClass),
  /** The reviews (health, technical) a renewal needs once its checks pass, done as an application's are; empty, none. */
  renewalReviews: text('renewal_reviews').array().notNull().default([]),
});

/** Per risk class: how often a licensed public-health shop is inspected, as db/rules.json spells durations ("90d", "3s"). */
export const inspectionRules = pgTable('inspection_rules', {
  riskClass: text('risk_class').primaryKey(),
  nameAr: text('name_ar').notNull(),
  nameEn: text('name_en').notNull(),
  interval: text('interval').notNull(),
});

export const violationSeverityEnum = pgEnum('violation_severity', VIOLATION_SEVERITIES);

/** What an inspector may find, by code: its words in both languages and its severity (a fix has its days to fix, then a re-inspection). */
export const violationCodes = pgTable(
  'violation_codes',
  {
    code: text('code').primaryKey(),
    textAr: text('text_ar').notNull(),
    textEn: text('text_en').notNull(),
    severity: violationSeverityEnum('severity').notNull(),
    /** Fix only: the time to fix it before the re-inspection, as durations are spelled. */
    fixWithin: text('fix_within'),
  },
  (t) => [check('violation_codes_fix_within', sql`(severity = 'fix') = (fix_within is not null)`)],
);

export const documentTypeEnum = pgEnum('document_type', DOCUMENT_TYPES);
export const documentStateEnum = pgEnum('document_state', DOCUMENT_STATES);
export const fileKindEnum = pgEnum('file_kind', FILE_KINDS);
export const expiryRuleEnum = pgEnum('expiry_rule', EXPIRY_RULES);
export const removalReasonEnum = pgEnum('removal_reason', REMOVAL_REASONS);

/** Per document type: the files accepted, their size, whether they lapse, how long they are kept. */
export const documentRules = pgTable('document_rules', {
  type: documentTypeEnum('type').primaryKey(),
  acceptedKinds: fileKindEnum('accepted_kinds').array().notNull(),
  maxBytes: integer('max_bytes').notNull(),
  expiry: expiryRuleEnum('expiry').notNull(),
  /** After the case closes, or its license lapses; an interval so the sweep compares it in SQL. */
  retention: text('retention').notNull(),
});

/**
 * Uploaded files: what was checked when each was kept (its kind from its
 * bytes, size, SHA-256), whose it is (an office, or one applicant), and the
 * case it belongs to once filed. The bytes are in the file store under
 * `storage_key`, never under a name the uploader gave.
 */
export const documents = pgTable(
  'documents',
  {
    id: text('id').primaryKey(),
    type: documentTypeEnum('type').notNull(),
    state: documentStateEnum('state').notNull().default('uploaded'),
    /** The uploader's office (its staff, its keys); null for an applicant's own upload. */
    officeId: text('office_id').references((): AnyPgColumn => offices.id),
    /** The applicant who uploaded it for their own case; null for an office's. */
    ownerNationalId: text('owner_national_id'),
    uploadedBy: text('uploaded_by').notNull(),
    fileKind: fileKindEnum('file_kind').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** The uploader's file name, as display text only. */
    name: text('name').notNull(),
    storageKey: text('storage_key').notNull().unique(),
    /** Entered by the uploader for a document that lapses. */
    expiresOn: date('expires_on', { mode: 'string' }),
    applicationId: text('application_id').references((): AnyPgColumn => applications.id),
    /**
     * The license a renewal, its correction or an objection named it for. An imported license has no case, so this is what
     * claims the upload (application_id null); a license Tarkhees issued has both, the case being its own.
     */
    licenseNumber: text('license_number').references((): AnyPgColumn => licenses.number),
    /** The uploader's Idempotency-Key (scoped to them): a retried upload answers with the first document. */
    idempotencyKey: text('idempotency_key').unique(),
    uploadedAt: timestamps('uploaded_at').notNull().defaultNow(),
    attachedAt: timestamps('attached_at'),
    supersededAt: timestamps('superseded_at'),
    removedAt: timestamps('removed_at'),
    removalReason: removalReasonEnum('removal_reason'),
  },
  (t) => [
    index('documents_application_idx').on(t.applicationId),
    index('documents_license_idx').on(t.licenseNumber).where(sql`${t.licenseNumber} is not null`),
    // The sweep's two questions: old orphans, and filed documents still held.
    index('documents_orphans_idx').on(t.uploadedAt).where(sql`${t.state} = 'uploaded'`),
  ],
);

export const officeStatusEnum = pgEnum('office_status', OFFICE_STATUSES);
export const roleEnum = pgEnum('role', ROLES);

/** Accreditation phases: the municipality admits at most `cap` offices per round. */
export const accreditationRounds = pgTable('accreditation_rounds', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  cap: integer('cap').notNull(),
  opensOn: date('opens_on', { mode: 'string' }).notNull(),
  closesOn: date('closes_on', { mode: 'string' }).notNull(),
  createdAt: timestamps('created_at').notNull().defaultNow(),
});

/** The office registry; the accreditation workflow of each office is its source of truth. */
export const offices = pgTable(
  'offices',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    firmLicenseNumber: text('firm_license_number').notNull(),
    crNumber: text('cr_number').notNull(),
    status: officeStatusEnum('status').notNull(),
    roundId: text('round_id')
      .notNull()
      .references((): AnyPgColumn => accreditationRounds.id),
    data: jsonb('data').$type<OfficeApplication>().notNull(),
    deficiencies: jsonb('deficiencies').$type<Deficiency[]>().notNull().default([]),
    /** What the office waits on: documents (the firm), decision (a supervisor), or nothing. */
    waitingOn: text('waiting_on'),
    statusReason: text('status_reason'),
    appliedAt: timestamps('applied_at').notNull(),
    accreditedAt: timestamps('accredited_at'),
    updatedAt: timestamps('updated_at').notNull(),
    /** The workflow's transition counter, as for applications. */
    transitionSeq: integer('transition_seq').notNull().default(0),
  },
  (t) => [
    uniqueIndex('offices_firm_license_uq').on(t.firmLicenseNumber),
    index('offices_status_idx').on(t.status),
    index('offices_round_idx').on(t.roundId),
  ],
);

/** The staff an office declared: who may act for it, in which role. */
export const officeStaff = pgTable(
  'office_staff',
  {
    officeId: text('office_id')
      .notNull()
      .references(() => offices.id),
    /** The person's subject at the identity provider. */
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    role: roleEnum('role').$type<StaffRole>().notNull(),
  },
  (t) => [uniqueIndex('office_staff_uq').on(t.officeId, t.userId, t.role)],
);

export const officeEvents = pgTable(
  'office_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    officeId: text('office_id')
      .notNull()
      .references(() => offices.id),
    seq: integer('seq').notNull(),
    event: text('event').notNull(),
    status: officeStatusEnum('status').notNull(),
    actor: text('actor').notNull().default('system'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamps('at').notNull(),
  },
  (t) => [uniqueIndex('office_events_office_seq_uq').on(t.officeId, t.seq)],
);

/** Keys for an office's own software. Only a hash of the secret is kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    officeId: text('office_id')
      .notNull()
      .references(() => offices.id),
    name: text('name').notNull(),
    /** SHA-256 of the secret: the key is 256 random bits, so a slow hash buys nothing. */
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().$type<Operation[]>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamps('created_at').notNull().defaultNow(),
    revokedAt: timestamps('revoked_at'),
    revokedBy: text('revoked_by'),
    lastUsedAt: timestamps('last_used_at'),
    /** Unset: good until revoked. */
    expiresAt: timestamps('expires_at'),
  },
  (t) => [index('api_keys_office_idx').on(t.officeId)],
);

/**
 * Who did what, when, from which client: one row per state-changing call.
 * Append-only: a trigger (migration 0002) refuses UPDATE and DELETE.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamps('at').notNull().defaultNow(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name'),
    roles: text('roles').array().notNull().default([]),
    officeId: text('office_id'),
    client: text('client'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id').notNull(),
    method: text('method').notNull(),
    route: text('route').notNull(),
    operation: text('operation'),
    targetType: text('target_type'),
    targetId: text('target_id'),
    statusCode: integer('status_code').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_log_target_idx').on(t.targetType, t.targetId, t.id),
    index('audit_log_actor_idx').on(t.actorId, t.id),
  ],
);

export const taskKindEnum = pgEnum('task_kind', TASK_KINDS);
export const taskStatusEnum = pgEnum('task_status', TASK_STATUSES);

/**
 * The inbox: every human step of a case. Written by the case workflow (with
 * its transitions, in the same statement), never by the API: the workflow is
 * the source of truth, this is its read model.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    /** The case the task is of; a license's task (objection, inspection), the case that issued it: none for a license imported from before Tarkhees. */
    applicationId: text('application_id').references(() => applications.id),
    /** A license's task (an objection): its workflow, not the case's, holds it; application_id is the case that issued it. */
    licenseNumber: text('license_number').references((): AnyPgColumn => licenses.number),
    kind: taskKindEnum('kind').notNull(),
    requiredRole: roleEnum('required_role').notNull(),
    officeId: text('office_id'),
    status: taskStatusEnum('status').notNull().default('open'),
    assignee: text('assignee'),
    priority: integer('priority').notNull().default(0),
    round: integer('round').notNull(),
    createdAt: timestamps('created_at').notNull(),
    dueAt: timestamps('due_at').notNull(),
    claimedAt: timestamps('claimed_at'),
    decidedAt: timestamps('decided_at'),
    decision: text('decision'),
    reasons: text('reasons').array().notNull().default([]),
    comment: text('comment'),
    /** Copied from the case for the inbox's filters and search. */
    licenseKind: licenseKindEnum('license_kind').notNull(),
    tradeName: text('trade_name').notNull(),
    crNumber: text('cr_number').notNull(),
    /** The case transition that last changed this row: a late write of an older one changes nothing. */
    seq: integer('seq').notNull(),
  },
  (t) => [
    // Active tasks are a small slice of a large table: the inbox's indexes cover only them.
    index('tasks_assignee_idx').on(t.assignee, t.dueAt, t.id).where(sql`status = 'claimed'`),
    // One ordering each over all active tasks; an office's inbox walks it and keeps its rows (every task
    // write updates every index, so no second, office-first copy of each)...
    index('tasks_active_due_idx').on(t.dueAt, t.id).where(sql`status in ('open', 'claimed')`),
    index('tasks_active_created_idx').on(t.createdAt, t.id).where(sql`status in ('open', 'claimed')`),
    index('tasks_active_priority_idx').on(t.priority.desc(), t.dueAt, t.id).where(sql`status in ('open', 'claimed')`),
    // ...and the badge counts, answered from the index alone (index-only scan).
    index('tasks_active_counts_idx').on(t.kind, t.officeId, t.status, t.assignee, t.dueAt).where(sql`status in ('open', 'claimed')`),
    index('tasks_application_idx').on(t.applicationId),
    index('tasks_license_idx').on(t.licenseNumber).where(sql`license_number is not null`),
  ],
);

/** The time each kind of task has, in working days, and when to remind (share of that time gone). */
export const taskSlas = pgTable('task_slas', {
  kind: taskKindEnum('kind').primaryKey(),
  workingDays: doublePrecision('working_days').notNull(),
  remindAtShare: doublePrecision('remind_at_share').notNull().default(0.8),
});

/** Public holidays: not working days for any SLA. */
export const holidays = pgTable('holidays', {
  date: date('date', { mode: 'string' }).primaryKey(),
  name: text('name').notNull(),
});

/**
 * Notes for the municipality's supervisors and office managers: an escalation
 * lands here (staff have no phone numbers on record), next to the office's SMS.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** One per escalation, whatever retries. */
    dedupeKey: text('dedupe_key').notNull(),
    audience: roleEnum('audience').notNull(),
    officeId: text('office_id'),
    /** None for an escalation of an imported license's task. */
    applicationId: text('application_id').references(() => applications.id),
    taskId: text('task_id'),
    kind: text('kind').notNull(),
    messageAr: text('message_ar').notNull(),
    messageEn: text('message_en').notNull(),
    createdAt: timestamps('created_at').notNull().defaultNow(),
    acknowledgedAt: timestamps('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [
    uniqueIndex('notifications_dedupe_uq').on(t.dedupeKey),
    index('notifications_inbox_idx').on(t.audience, t.officeId, t.id).where(sql`acknowledged_at is null`),
  ],
);

/** Staff's notes on a case, in order; not shown to the applicant. */
export const caseComments = pgTable(
  'case_comments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    authorId: text('author_id').notNull(),
    authorName: text('author_name'),
    authorRoles: text('author_roles').array().notNull().default([]),
    body: text('body').notNull(),
    at: timestamps('at').notNull().defaultNow(),
  },
  (t) => [index('case_comments_application_idx').on(t.applicationId, t.id)],
);

/**
 * An application being typed in the console, one page a step: kept so a clerk
 * can leave and come back, and filed once (its id is the filing's
 * Idempotency-Key, so a second press of "file" answers the first case).
 */
export const filingDrafts = pgTable(
  'filing_drafts',
  {
    id: text('id').primaryKey(),
    /** The principal who started it: only they may see or file it. */
    ownerId: text('owner_id').notNull(),
    /** What has been typed, as POST /applications/validate takes it, and the uploads' display facts. */
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    applicationId: text('application_id').references((): AnyPgColumn => applications.id),
    createdAt: timestamps('created_at').notNull().defaultNow(),
    updatedAt: timestamps('updated_at').notNull().defaultNow(),
  },
  (t) => [index('filing_drafts_owner_idx').on(t.ownerId, t.updatedAt)],
);

// Fees and payment: the schedule as versions (an invoice names the one it used),
// the invoices, the gateway's payments as received, what did not fit, refunds,
// and each day's reconciliation against the gateway's statement.
export const invoiceBasisEnum = pgEnum('invoice_basis', INVOICE_BASES);
export const invoiceStatusEnum = pgEnum('invoice_status', INVOICE_STATUSES);
export const paymentSourceEnum = pgEnum('payment_source', PAYMENT_SOURCES);
export const paymentStatusEnum = pgEnum('payment_status', PAYMENT_STATUSES);
export const mismatchReasonEnum = pgEnum('mismatch_reason', MISMATCH_REASONS);
export const mismatchStatusEnum = pgEnum('mismatch_status', MISMATCH_STATUSES);
export const refundReasonEnum = pgEnum('refund_reason', REFUND_REASONS);

/** Each edit of the schedule is a new version; the highest is in force. */
export const feeSchedules = pgTable('fee_schedules', {
  version: integer('version').primaryKey(),
  bands: jsonb('bands').$type<FeeBand[]>().notNull(),
  settings: jsonb('settings').$type<FeeSettings>().notNull(),
  createdAt: timestamps('created_at').notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  reason: text('reason').notNull(),
});

export const receiptNumberSeq = pgSequence('receipt_number_seq', { startWith: 1 });

export const invoices = pgTable(
  'invoices',
  {
    /** issuanceInvoiceId / renewalInvoiceId: the workflow names it, so a retried raise finds the same row. */
    id: text('id').primaryKey(),
    basis: invoiceBasisEnum('basis').notNull(),
    applicationId: text('application_id').references(() => applications.id),
    licenseNumber: text('license_number'),
    /** The gateway's reference a bank customer pays (null until the gateway answered). */
    billNumber: text('bill_number'),
    amountHalalas: integer('amount_halalas').notNull(),
    lines: jsonb('lines').$type<InvoiceLine[]>().notNull(),
    scheduleVersion: integer('schedule_version').notNull(),
    status: invoiceStatusEnum('status').notNull().default('open'),
    dueAt: timestamps('due_at').notNull(),
    createdAt: timestamps('created_at').notNull().defaultNow(),
    closedAt: timestamps('closed_at'),
    paymentId: text('payment_id'),
    receiptNumber: text('receipt_number'),
    paidAt: timestamps('paid_at'),
    licenseKind: licenseKindEnum('license_kind').notNull(),
    isicCode: text('isic_code').notNull(),
    officeId: text('office_id'),
    payerNationalId: text('payer_national_id').notNull(),
    payerName: text('payer_name').notNull(),
    mobile: text('mobile').notNull(),
    tradeName: text('trade_name').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_bill_number_uq').on(t.billNumber),
    uniqueIndex('invoices_receipt_number_uq').on(t.receiptNumber),
    index('invoices_application_idx').on(t.applicationId),
    index('invoices_license_idx').on(t.licenseNumber, t.createdAt),
    index('invoices_open_idx').on(t.dueAt).where(sql`status = 'open'`),
    index('invoices_paid_idx').on(t.paidAt).where(sql`status = 'paid'`),
    check('invoices_subject_ck', sql`(${t.applicationId} is not null) or (${t.licenseNumber} is not null)`),
  ],
);

/** Every payment the gateway told us of (or its statement showed), once by its own id. */
export const payments = pgTable(
  'payments',
  {
    paymentId: text('payment_id').primaryKey(),
    billNumber: text('bill_number').notNull(),
    invoiceId: text('invoice_id').references(() => invoices.id),
    amountHalalas: integer('amount_halalas').notNull(),
    paidAt: timestamps('paid_at').notNull(),
    receivedAt: timestamps('received_at').notNull().defaultNow(),
    source: paymentSourceEnum('source').notNull(),
    status: paymentStatusEnum('status').notNull(),
    receiptNumber: text('receipt_number'),
  },
  (t) => [index('payments_paid_at_idx').on(t.paidAt), index('payments_bill_idx').on(t.billNumber)],
);

/** Each signed notification taken, by its signature: the same bytes again are a replay. */
export const paymentNotifications = pgTable('payment_notifications', {
  signature: text('signature').primaryKey(),
  notificationId: text('notification_id').notNull(),
  paymentId: text('payment_id').notNull(),
  receivedAt: timestamps('received_at').notNull().defaultNow(),
});

/** A payment that does not fit, for an administrator: one per payment and reason, however often it is seen. */
export const paymentMismatches = pgTable(
  'payment_mismatches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    paymentId: text('payment_id').notNull(),
    billNumber: text('bill_number').notNull(),
    invoiceId: text('invoice_id'),
    reason: mismatchReasonEnum('reason').notNull(),
    expectedHalalas: integer('expected_halalas'),
    receivedHalalas: integer('received_halalas').notNull(),
    source: paymentSourceEnum('source').notNull(),
    status: mismatchStatusEnum('status').notNull().default('open'),
    createdAt: timestamps('created_at').notNull().defaultNow(),
    resolvedBy: text('resolved_by'),
    resolvedAt: timestamps('resolved_at'),
    resolution: text('resolution'),
  },
  (t) => [uniqueIndex('payment_mismatches_payment_reason_uq').on(t.paymentId, t.reason), index('payment_mismatches_open_idx').on(t.createdAt).where(sql`status = 'open'`)],
);

/** Money given back: at most one refund per payment. */
export const refunds = pgTable('refunds', {
  id: text('id').primaryKey(),
  paymentId: text('payment_id').notNull().unique(),
  invoiceId: text('invoice_id'),
  amountHalalas: integer('amount_halalas').notNull(),
  reason: refundReasonEnum('reason').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamps('created_at').notNull().defaultNow(),
  /** When the gateway confirmed it; null while it is still to be sent. */
  refundedAt: timestamps('refunded_at'),
  officeId: text('office_id'),
  licenseKind: licenseKindEnum('license_kind'),
});

/** One row per Riyadh day reconciled; a run again replaces its figures. */
export const reconciliationRuns = pgTable('reconciliation_runs', {
  day: date('day', { mode: 'string' }).primaryKey(),
  ranAt: timestamps('ran_at').notNull().defaultNow(),
  statementCount: integer('statement_count').notNull(),
  matched: integer('matched').notNull(),
  appliedLate: integer('applied_late').notNull(),
  mismatches: integer('mismatches').notNull(),
  details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
});

// Relations for drizzle's relational queries: the case view loads in one SQL statement.
export const applicationsRelations = relations(applications, ({ many }) => ({
  events: many(applicationEvents),
  reviews: many(reviews),
  licenses: many(licenses),
}));
export const applicationEventsRelations = relations(applicationEvents, ({ one }) => ({
  application: one(applications, { fields: [applicationEvents.applicationId], references: [applications.id] }),
}));
export const reviewsRelations = relations(reviews, ({ one }) => ({
  application: one(applications, { fields: [reviews.applicationId], references: [applications.id] }),
}));
export const officesRelations = relations(offices, ({ many }) => ({
  staff: many(officeStaff),
  events: many(officeEvents),
}));
export const officeStaffRelations = relations(officeStaff, ({ one }) => ({
  office: one(offices, { fields: [officeStaff.officeId], references: [offices.id] }),
}));
export const officeEventsRelations = relations(officeEvents, ({ one }) => ({
  office: one(offices, { fields: [officeEvents.officeId], references: [offices.id] }),
}));
export const licensesRelations = relations(licenses, ({ one }) => ({
  application: one(applications, { fields: [licenses.applicationId], references: [applications.id] }),
}));
