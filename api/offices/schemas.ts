// Request and response schemas of the office, API key and round routes. Enums come from domain/access.ts.
import { Type, type Static } from '@sinclair/typebox';
import { API_KEY_OPERATIONS, OFFICE_DOCUMENT_TYPES, OFFICE_STATUSES, STAFF_ROLES } from '../../domain/access';
import { SAUDI_MOBILE_PATTERN } from '../../domain/identifiers';
import { OFFICE_ID_PATTERN } from '../../workflows/accreditation/contract';
import { IsoDate, IsoDateTime, literals, Nullable } from '../schemas';
import { DeficiencySchema } from '../applications/schemas';
import { Int, PageLimit } from '../validation';

const OfficeDocument = Type.Object(
  { type: literals(OFFICE_DOCUMENT_TYPES), reference: Type.String({ minLength: 1, maxLength: 200 }), expiresOn: Type.Optional(IsoDate) },
  { additionalProperties: false },
);
const StaffMember = Type.Object(
  {
    userId: Type.String({ minLength: 1, maxLength: 100, description: "The person's subject at the identity provider" }),
    name: Type.String({ minLength: 2, maxLength: 120 }),
    role: literals(STAFF_ROLES),
  },
  { additionalProperties: false },
);

export const OfficeApplicationBody = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 200 }),
    firmLicenseNumber: Type.String({ pattern: '^[A-Z0-9-]{4,40}$', description: 'License of the engineering consulting firm' }),
    crNumber: Type.String({ pattern: '^[0-9]{10}$' }),
    mobile: Type.String({ pattern: SAUDI_MOBILE_PATTERN }),
    documents: Type.Array(OfficeDocument, { maxItems: 20 }),
    staff: Type.Array(StaffMember, { maxItems: 500 }),
  },
  { additionalProperties: false },
);
export type OfficeApplicationBody = Static<typeof OfficeApplicationBody>;

export const OfficeAmendmentBody = Type.Object(
  {
    documents: Type.Optional(Type.Array(OfficeDocument, { maxItems: 20 })),
    staff: Type.Optional(Type.Array(StaffMember, { maxItems: 500 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type OfficeAmendmentBody = Static<typeof OfficeAmendmentBody>;

export const DecisionBody = Type.Object(
  { decision: literals(['approve', 'refuse'] as const), reason: Type.Optional(Type.String({ minLength: 3, maxLength: 2000 })) },
  { additionalProperties: false },
);
export type DecisionBody = Static<typeof DecisionBody>;

export const StandingBody = Type.Object(
  { action: literals(['suspend', 'reinstate', 'revoke'] as const), reason: Type.String({ minLength: 3, maxLength: 2000 }) },
  { additionalProperties: false },
);
export type StandingBody = Static<typeof StandingBody>;

export const ReassignCasesBody = Type.Object(
  {
    toOfficeId: Type.Optional(Type.String({ pattern: OFFICE_ID_PATTERN, description: 'Left out: spread over accredited offices by open work' })),
    reason: Type.String({ minLength: 3, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export type ReassignCasesBody = Static<typeof ReassignCasesBody>;

export const OfficeListQuery = Type.Object(
  { status: Type.Optional(literals(OFFICE_STATUSES)), limit: PageLimit(100, 500) },
  { additionalProperties: false },
);
export type OfficeListQuery = Static<typeof OfficeListQuery>;

export const OfficeSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: literals(OFFICE_STATUSES),
  firmLicenseNumber: Type.String(),
  roundId: Type.String(),
  appliedAt: IsoDateTime,
  accreditedAt: Nullable(IsoDateTime),
});

export const OfficeDetail = Type.Composite([
  OfficeSummary,
  Type.Object({
    crNumber: Type.Optional(Type.String()),
    waitingOn: Type.Optional(Nullable(Type.String())),
    statusReason: Type.Optional(Nullable(Type.String())),
    deficiencies: Type.Optional(Type.Array(DeficiencySchema)),
    documents: Type.Optional(Type.Array(OfficeDocument)),
    openApplications: Type.Optional(Type.Integer()),
    staff: Type.Optional(Type.Array(StaffMember)),
    timeline: Type.Optional(
      Type.Array(
        Type.Object({
          seq: Type.Integer(),
          event: Type.String(),
          status: literals(OFFICE_STATUSES),
          actor: Type.String(),
          details: Type.Record(Type.String(), Type.Unknown()),
          at: IsoDateTime,
        }),
      ),
    ),
  }),
]);

export const OfficeUpdateResultSchema = Type.Object({ id: Type.String(), status: literals(OFFICE_STATUSES), stage: Type.String() });

export const ReassignCasesResult = Type.Object({
  moved: Type.Array(Type.Object({ id: Type.String(), officeId: Type.String() })),
  failed: Type.Array(Type.Object({ id: Type.String(), reason: Type.String() })),
});

export const RoundBody = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Z0-9-]{2,40}$', description: 'e.g. 2026-P2' }),
    name: Type.String({ minLength: 2, maxLength: 200 }),
    cap: Int({ minimum: 1, maximum: 10_000, description: 'Most offices accredited in this round' }),
    opensOn: IsoDate,
    closesOn: IsoDate,
  },
  { additionalProperties: false },
);
export type RoundBody = Static<typeof RoundBody>;
export const RoundSchema = Type.Composite([RoundBody, Type.Object({ accredited: Type.Integer() })]);

export const ApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 100, description: "Which software uses it, e.g. the office's front desk system" }),
    scopes: Type.Array(literals(API_KEY_OPERATIONS), {
      minItems: 1,
      uniqueItems: true,
      description: 'Only operations the key’s creator may perform for the office: a key delegates its creator’s rights, never more',
    }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the key stops working (within two years); unset, it works until revoked' })),
  },
  { additionalProperties: false },
);
export type ApiKeyBody = Static<typeof ApiKeyBody>;

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  officeId: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdBy: Type.String(),
  createdAt: IsoDateTime,
  revokedAt: Nullable(IsoDateTime),
  lastUsedAt: Nullable(IsoDateTime),
  expiresAt: Nullable(IsoDateTime),
});
export const NewApiKeySchema = Type.Composite([ApiKeySchema, Type.Object({ key: Type.String({ description: 'Shown once; keep it secret' }) })]);
export const ApiKeyParams = Type.Object({ id: Type.String({ pattern: OFFICE_ID_PATTERN }), keyId: Type.String({ pattern: '^ak_[0-9a-f]{16}$' }) });
