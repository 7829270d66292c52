// The application's own store. The workflow is the source of truth for a live
// case; these tables are its projection (what the API reads), the audit trail,
// the SMS outbox and the licensing rules.
import {
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { relations } from 'drizzle-orm';
import type { AgencyResult, ApplicationData, Deficiency } from '../domain/application';
import {
  CASE_EVENTS,
  EXCLUSION_REASONS,
  LICENSE_KINDS,
  REVIEW_DECISIONS,
  REVIEW_KINDS,
  REVIEWER_ROLES,
  STAGES,
  STATUSES,
} from '../domain/status';

export const stageEnum = pgEnum('stage', STAGES);
export const statusEnum = pgEnum('status', STATUSES);
export const exclusionReasonEnum = pgEnum('exclusion_reason', EXCLUSION_REASONS);
export const licenseKindEnum = pgEnum('license_kind', LICENSE_KINDS);
export const caseEventEnum = pgEnum('case_event', CASE_EVENTS);
export const reviewKindEnum = pgEnum('review_kind', REVIEW_KINDS);
export const reviewDecisionEnum = pgEnum('review_decision', REVIEW_DECISIONS);
export const reviewerRoleEnum = pgEnum('reviewer_role', REVIEWER_ROLES);
export const smsStatusEnum = pgEnum('sms_status', ['pending', 'sending', 'sent', 'failed']);

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
  },
  (t) => [
    index('applications_status_submitted_idx').on(t.status, t.submittedAt.desc(), t.id),
    index('applications_stage_idx').on(t.stage, t.submittedAt.desc(), t.id),
    index('applications_submitted_idx').on(t.submittedAt.desc(), t.id),
    index('applications_cr_idx').on(t.crNumber),
    index('applications_office_idx').on(t.officeId),
  ],
);

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
    /** One license per case: a retried issuance finds this row instead of drawing a new number. */
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    licenseKind: licenseKindEnum('license_kind').notNull(),
    crNumber: text('cr_number').notNull(),
    tradeName: text('trade_name').notNull(),
    holderNationalId: text('holder_national_id').notNull(),
    isicCode: text('isic_code').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    expiresOn: date('expires_on', { mode: 'string' }).notNull(),
    status: text('status').notNull().default('active'),
    createdAt: timestamps('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('licenses_application_uq').on(t.applicationId)],
);

export const smsOutbox = pgTable(
  'sms_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    /** application id + transition seq: one message per state change, whatever retries. */
    dedupeKey: text('dedupe_key').notNull(),
    event: caseEventEnum('event').notNull(),
    mobile: text('mobile').notNull(),
    bodyAr: text('body_ar').notNull(),
    bodyEn: text('body_en').notNull(),
    status: smsStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    providerMessageId: text('provider_message_id'),
    createdAt: timestamps('created_at').notNull().defaultNow(),
    sentAt: timestamps('sent_at'),
  },
  (t) => [
    uniqueIndex('sms_outbox_dedupe_uq').on(t.dedupeKey),
    index('sms_outbox_pending_idx').on(t.status, t.id),
    index('sms_outbox_application_idx').on(t.applicationId),
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
export const licensesRelations = relations(licenses, ({ one }) => ({
  application: one(applications, { fields: [licenses.applicationId], references: [applications.id] }),
}));
