// Applications: what a filer sends (the application, a correction, a review
// decision, a visit answer) and what a case looks like to those who may see it.
// Enums come from the one status vocabulary in domain/status.ts.
import { Type, type Static } from '@sinclair/typebox';
import { SAUDI_MOBILE_PATTERN } from '../../domain/identifiers';
import {
  AGENCY_STATES,
  APPLICANT_ROLES,
  CASE_EVENTS,
  EXCLUSION_REASONS,
  LICENSE_KINDS,
  REVIEW_DECISIONS,
  REVIEW_KINDS,
  REVIEWER_ROLES,
  STAGES,
  STATUSES,
  WAITING_ON,
} from '../../domain/status';
import { OFFICE_ID_PATTERN } from '../../workflows/accreditation/contract';
import { LicenseSchema } from '../licenses/schemas';
import { InvoiceSchema } from '../payments/schemas';
import { CaseDocumentSchema, DocumentEntrySchema, DocumentView } from '../documents/schemas';
import { IsoDate, IsoDateTime, literals, Nullable } from '../schemas';
import { Int, Num, PageLimit } from '../validation';

export const ApplicantSchema = Type.Object(
  {
    nationalId: Type.String({ pattern: '^[12][0-9]{9}$', description: 'National ID (1…) or iqama (2…), 10 digits with check digit' }),
    name: Type.String({ minLength: 2, maxLength: 120 }),
    mobile: Type.String({ pattern: SAUDI_MOBILE_PATTERN, description: '05XXXXXXXX or +9665XXXXXXXX' }),
    role: literals(APPLICANT_ROLES),
  },
  { additionalProperties: false },
);

export const LocationSchema = Type.Object(
  {
    // The Kingdom's bounding box: a swapped lat/lng pair is caught here.
    lat: Num({ minimum: 16, maximum: 33 }),
    lng: Num({ minimum: 34, maximum: 56 }),
  },
  { additionalProperties: false },
);

export const EstablishmentSchema = Type.Object(
  {
    crNumber: Type.String({ pattern: '^[0-9]{10}$', description: 'Commercial registration number, 10 digits' }),
    tradeName: Type.String({ minLength: 2, maxLength: 200 }),
    isicCode: Type.String({ pattern: '^[0-9]{6}$', description: 'Main activity, ISIC rev. 4, 6 digits' }),
    district: Type.String({ minLength: 2, maxLength: 100 }),
    location: Type.Optional(LocationSchema),
    areaSqm: Num({ exclusiveMinimum: 0, maximum: 1_000_000 }),
    establishmentsOwned: Type.Optional(Int({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export const WorkerSchema = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 120 }),
    healthCertificateNumber: Type.String({ minLength: 3, maxLength: 40 }),
    healthCertificateExpiry: IsoDate,
  },
  { additionalProperties: false },
);

export const ApplicationBody = Type.Object(
  {
    applicant: ApplicantSchema,
    establishment: EstablishmentSchema,
    licenseKind: literals(LICENSE_KINDS),
    requestedTermYears: Type.Optional(Int({ minimum: 1, maximum: 5 })),
    documents: Type.Array(DocumentEntrySchema, { maxItems: 20 }),
    workers: Type.Optional(Type.Array(WorkerSchema, { maxItems: 500 })),
    officeId: Type.Optional(
      Type.String({ pattern: OFFICE_ID_PATTERN, description: 'An accredited service office; left out, the office with the least open work takes it' }),
    ),
    homeVisitRequested: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ApplicationBody = Static<typeof ApplicationBody>;

/** An application as far as it has been typed: every field may be missing, and one that is there is checked as in a filing. */
export const DraftBody = Type.Object(
  {
    applicant: Type.Optional(Type.Partial(ApplicantSchema, { additionalProperties: false })),
    establishment: Type.Optional(Type.Partial(EstablishmentSchema, { additionalProperties: false })),
    licenseKind: Type.Optional(literals(LICENSE_KINDS)),
    requestedTermYears: Type.Optional(Int({ minimum: 1, maximum: 5 })),
    documents: Type.Optional(Type.Array(DocumentEntrySchema, { maxItems: 20 })),
    workers: Type.Optional(Type.Array(WorkerSchema, { maxItems: 500 })),
    officeId: Type.Optional(Type.String({ pattern: OFFICE_ID_PATTERN })),
    homeVisitRequested: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DraftBody = Static<typeof DraftBody>;

export const CorrectionBody = Type.Object(
  {
    applicant: Type.Optional(Type.Partial(Type.Omit(ApplicantSchema, ['nationalId']), { additionalProperties: false })),
    establishment: Type.Optional(Type.Partial(Type.Omit(EstablishmentSchema, ['crNumber']), { additionalProperties: false })),
    requestedTermYears: Type.Optional(Int({ minimum: 1, maximum: 5 })),
    documents: Type.Optional(Type.Array(DocumentEntrySchema, { maxItems: 20 })),
    workers: Type.Optional(Type.Array(WorkerSchema, { maxItems: 500 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CorrectionBody = Static<typeof CorrectionBody>;

export const DeficiencySchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 60 }),
    field: Type.String({ minLength: 1, maxLength: 200 }),
    messageAr: Type.String({ minLength: 1, maxLength: 1000 }),
    messageEn: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  // Closed, like every request object: an extra key would ride into the workflow's history and the database unchecked.
  { additionalProperties: false },
);

export const DraftValidationSchema = Type.Object({
  fileable: Type.Boolean({ description: 'Filed as it stands, it would pass the completeness and conditions checks' }),
  deficiencies: Type.Array(DeficiencySchema),
});

/** A review decision's own fields, whether it names its review (here) or its task does (the inbox). */
export const DECISION_FIELDS = {
  decision: literals(REVIEW_DECISIONS),
  reasons: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,59}$' }), { maxItems: 20 })),
  comment: Type.Optional(Type.String({ maxLength: 4000 })),
  deficiencies: Type.Optional(Type.Array(DeficiencySchema, { maxItems: 50 })),
};

export const ReviewDecisionBody = Type.Object(
  {
    kind: literals(REVIEW_KINDS, 'The reviewer is the caller: a health specialist decides health, a technical inspector technical'),
    ...DECISION_FIELDS,
  },
  { additionalProperties: false },
);
export type ReviewDecisionBody = Static<typeof ReviewDecisionBody>;

export const AgencyResultSchema = Type.Object({
  state: literals(AGENCY_STATES),
  reference: Type.Optional(Type.String()),
  reasons: Type.Optional(Type.Array(Type.String())),
  checkedAt: Type.Optional(Type.String()),
  lastError: Type.Optional(Type.String({ description: "Staff only: the agency's last error as the worker saw it" })),
  notice: Type.Optional(Type.String({ description: 'Applicants: why the case waits on the agency, in plain words' })),
});

export const ApplicationSummarySchema = Type.Object({
  id: Type.String(),
  status: literals(STATUSES),
  stage: literals(STAGES),
  exclusionReason: Nullable(literals(EXCLUSION_REASONS)),
  waitingOn: Type.Array(literals(WAITING_ON)),
  licenseKind: literals(LICENSE_KINDS),
  tradeName: Type.String(),
  crNumber: Type.String(),
  isicCode: Type.String(),
  officeId: Nullable(Type.String()),
  licenseNumber: Nullable(Type.String()),
  submittedAt: IsoDateTime,
  updatedAt: IsoDateTime,
});

export const VisitSchema = Type.Object({
  slot: Type.Optional(IsoDateTime),
  status: Type.Union([Type.Literal('to_schedule'), Type.Literal('proposed'), Type.Literal('confirmed')]),
  proposedBy: Type.Optional(Type.String()),
  confirmedBy: Type.Optional(Type.String()),
});

export const ApplicationDetailSchema = Type.Composite([
  ApplicationSummarySchema,
  Type.Object({
    round: Type.Integer(),
    applicant: Type.Object({ name: Type.String(), mobile: Type.String(), role: literals(APPLICANT_ROLES) }),
    establishment: Type.Unsafe<Static<typeof EstablishmentSchema>>(Type.Object({}, { additionalProperties: true })),
    documents: Type.Array(CaseDocumentSchema, { description: 'What the case carries now' }),
    workers: Type.Array(WorkerSchema, { description: 'The workers and their health certificates, as filed or corrected' }),
    supersededDocuments: Type.Array(DocumentView, { description: 'Files a correction replaced: kept with the case, no longer what it carries' }),
    deficiencies: Type.Array(DeficiencySchema),
    healthReviewRequired: Nullable(Type.Boolean()),
    overdue: Type.Boolean(),
    visit: Type.Union([VisitSchema, Type.Null()]),
    correctionDueAt: Nullable(IsoDateTime),
    holdDueAt: Nullable(IsoDateTime),
    reviews: Type.Array(
      Type.Object({
        round: Type.Integer(),
        kind: literals(REVIEW_KINDS),
        decision: literals(REVIEW_DECISIONS),
        reviewerId: Type.String(),
        reviewerRole: literals(REVIEWER_ROLES),
        reasons: Type.Array(Type.String()),
        comment: Nullable(Type.String()),
        deficiencies: Type.Array(DeficiencySchema),
        decidedAt: IsoDateTime,
      }),
    ),
    agencies: Type.Record(Type.String(), AgencyResultSchema),
    license: Nullable(LicenseSchema),
    invoices: Type.Array(InvoiceSchema, { description: 'The fee: its invoice (amount, lines, bill number, due date) and, once paid, its receipt' }),
    timeline: Type.Array(
      Type.Object({
        seq: Type.Integer(),
        event: literals(CASE_EVENTS),
        stage: literals(STAGES),
        status: literals(STATUSES),
        actor: Type.String(),
        details: Type.Record(Type.String(), Type.Unknown()),
        at: IsoDateTime,
      }),
    ),
  }),
]);

export const ListQuery = Type.Object(
  {
    status: Type.Optional(literals(STATUSES)),
    stage: Type.Optional(literals(STAGES)),
    licenseKind: Type.Optional(literals(LICENSE_KINDS)),
    waitingOn: Type.Optional(literals(WAITING_ON)),
    officeId: Type.Optional(Type.String({ pattern: OFFICE_ID_PATTERN })),
    crNumber: Type.Optional(Type.String({ pattern: '^[0-9]{10}$' })),
    limit: PageLimit(20, 100),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const ListResponse = Type.Object({
  items: Type.Array(ApplicationSummarySchema),
  nextCursor: Nullable(Type.String()),
});

export const ReassignBody = Type.Object(
  {
    officeId: Type.String({ pattern: OFFICE_ID_PATTERN, description: 'The accredited office that takes the case' }),
    reason: Type.String({ minLength: 3, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export type ReassignBody = Static<typeof ReassignBody>;
