// What the holder sends to renew (or correct a renewal) and to cancel, and
// what the license answers. Apart from schemas.ts, which the applications'
// schemas import: these import theirs.
import { InvoiceRefSchema } from '../payments/schemas';
import { Type, type Static } from '@sinclair/typebox';
import { AGENCIES, LICENSE_STATUSES, REVIEW_DECISIONS, REVIEW_KINDS, type Agency } from '../../domain/status';
import { DeficiencySchema, WorkerSchema } from '../applications/schemas';
import { DocumentEntrySchema } from '../documents/schemas';
import { IsoDateTime, literals } from '../schemas';

export const RenewalBody = Type.Object(
  {
    documents: Type.Optional(Type.Array(DocumentEntrySchema, { maxItems: 20, description: 'New uploads (documentId), each replacing the license\'s document of its type' })),
    workers: Type.Optional(Type.Array(WorkerSchema, { maxItems: 500, description: 'The workers as they are now, with their health certificates' })),
  },
  { additionalProperties: false },
);
export type RenewalBody = Static<typeof RenewalBody>;

export const CancellationBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
export type CancellationBody = Static<typeof CancellationBody>;

export const ObjectionBody = Type.Object(
  {
    grounds: Type.String({ minLength: 10, maxLength: 4000, description: 'Why the suspension should be lifted, in the holder’s words' }),
    documents: Type.Optional(Type.Array(DocumentEntrySchema, { maxItems: 10, description: 'Evidence: uploads (documentId) the holder or their office made' })),
  },
  { additionalProperties: false },
);
export type ObjectionBody = Static<typeof ObjectionBody>;

export const SuspensionSchema = Type.Object({
  reportId: Type.String({ description: "The agency's report id, or the inspection task that found the closure" }),
  agency: Type.Optional(literals(AGENCIES as [Agency, ...Agency[]], 'The agency that reported it; absent, the municipality’s inspection found a closure violation')),
  kind: Type.String({ description: 'What was reported: violation or closure' }),
  reason: Type.String(),
  since: IsoDateTime,
  objectionDueAt: IsoDateTime,
  objection: Type.Optional(
    Type.Object({
      by: Type.String(),
      at: IsoDateTime,
      grounds: Type.String(),
      taskId: Type.String({ description: "The supervisors' task in the inbox that decides it" }),
    }),
  ),
});

const RenewalReviewSchema = Type.Object({
  kind: literals(REVIEW_KINDS),
  taskId: Type.String({ description: 'The review task in the inbox' }),
  decision: Type.Optional(literals(REVIEW_DECISIONS)),
  reasons: Type.Optional(Type.Array(Type.String())),
  comment: Type.Optional(Type.String()),
  decidedAt: Type.Optional(IsoDateTime),
});

export const RenewalSchema = Type.Object({
  requestedBy: Type.String(),
  requestedAt: IsoDateTime,
  late: Type.Boolean({ description: 'Asked for after expiry, within the grace period' }),
  stage: literals(
    ['checking', 'awaiting_correction', 'awaiting_agency', 'review', 'awaiting_payment'] as const,
    'review: its checks passed and the reviews its activity needs (activity_rules.renewal_reviews) are open; awaiting_payment: all passed, its invoice waits to be paid',
  ),
  deficiencies: Type.Array(DeficiencySchema),
  correctionDueAt: Type.Optional(IsoDateTime),
  recheckAt: Type.Optional(IsoDateTime),
  round: Type.Optional(Type.Integer({ minimum: 1, description: 'The review round under way, or the last one (after a return)' })),
  reviews: Type.Optional(Type.Array(RenewalReviewSchema)),
  invoice: Type.Optional(InvoiceRefSchema),
});

const ClearanceSchema = Type.Object({
  cleared: Type.Boolean(),
  outstanding: Type.Array(Type.String(), { description: "The agency's codes for what is still owed or open" }),
  unavailable: Type.Optional(Type.Boolean()),
  checkedAt: IsoDateTime,
});

export const CancellationSchema = Type.Object({
  requestedBy: Type.String(),
  requestedAt: IsoDateTime,
  reason: Type.Optional(Type.String()),
  dueAt: IsoDateTime,
  recheckAt: Type.Optional(IsoDateTime),
  clearances: Type.Partial(Type.Object(Object.fromEntries(AGENCIES.map((a) => [a, ClearanceSchema])) as Record<(typeof AGENCIES)[number], typeof ClearanceSchema>)),
});

export const LicenseRequestResult = Type.Object({
  number: Type.String(),
  status: literals(LICENSE_STATUSES),
  renewal: Type.Optional(RenewalSchema),
  cancellation: Type.Optional(CancellationSchema),
  suspension: Type.Optional(SuspensionSchema),
  at: IsoDateTime,
});
