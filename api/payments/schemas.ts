// The ledger as the API shows it: an invoice with its breakdown and receipt,
// the gateway's notification and its answer, mismatches and their decisions,
// the days reconciled.
import { Type, type Static } from '@sinclair/typebox';
import { INVOICE_BASES, INVOICE_STATUSES, MISMATCH_ACTIONS, MISMATCH_REASONS, MISMATCH_STATUSES, PAYMENT_SOURCES, PAYMENT_STATUSES } from '../../domain/payments';
import { NotificationHeader, SIGNATURE_PATTERN, TIMESTAMP_PATTERN } from '../../integrations/payments/signature';
import { Int } from '../validation';
import { IsoDate, IsoDateTime, literals, Nullable } from '../schemas';

/** The gateway's own ids: plain and bounded, safe in a log and a key. */
const GATEWAY_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$';
const Halalas = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: `${description}, in halalas (100 = 1 SAR)` });

export const InvoiceLineSchema = Type.Object({
  code: literals(['issuance_fee', 'renewal_fee', 'late_penalty'] as const),
  amountHalalas: Halalas('The line'),
  annualHalalas: Type.Optional(Halalas("The band's fee a year")),
  termMonths: Type.Optional(Type.Integer()),
  percent: Type.Optional(Type.Number()),
});

/** An invoice as a case or a license carries it. */
export const InvoiceRefSchema = Type.Object({
  id: Type.String(),
  basis: literals(INVOICE_BASES),
  billNumber: Type.String({ description: "The gateway's bill number: what the payer enters at the bank (SADAD)" }),
  amountHalalas: Halalas('The total'),
  dueAt: IsoDateTime,
  status: literals(INVOICE_STATUSES),
  receiptNumber: Type.Optional(Type.String()),
  paidAt: Type.Optional(IsoDateTime),
});

export const InvoiceSchema = Type.Intersect([
  InvoiceRefSchema,
  Type.Object({
    lines: Type.Array(InvoiceLineSchema),
    scheduleVersion: Type.Integer({ description: 'The fee schedule version it was computed from' }),
    createdAt: IsoDateTime,
    paymentId: Nullable(Type.String()),
  }),
]);
export type InvoiceView = Static<typeof InvoiceSchema>;

export const NotificationHeaders = Type.Object({
  [NotificationHeader.timestamp]: Type.String({ pattern: TIMESTAMP_PATTERN, description: 'Unix seconds when signed; refused when more than 5 minutes from the server clock' }),
  [NotificationHeader.signature]: Type.String({ pattern: SIGNATURE_PATTERN, description: 'HMAC-SHA256 (hex) of "<x-timestamp>.<raw body>" with the shared secret' }),
});

export const NotificationBody = Type.Object(
  {
    notificationId: Type.String({ pattern: GATEWAY_ID_PATTERN }),
    paymentId: Type.String({ pattern: GATEWAY_ID_PATTERN, description: "The gateway's payment id: the same payment twice is one payment" }),
    billNumber: Type.String({ pattern: '^[0-9]{6,20}$' }),
    amountHalalas: Int({ minimum: 1, maximum: 1_000_000_000 }),
    paidAt: IsoDateTime,
  },
  { additionalProperties: false },
);
export type NotificationBody = Static<typeof NotificationBody>;

export const NotificationAnswer = Type.Object({
  paymentId: Type.String(),
  status: literals(PAYMENT_STATUSES, 'applied: it paid its invoice; held: an administrator decides (mismatch)'),
  duplicate: Type.Boolean({ description: 'This payment was recorded before: nothing new was written' }),
  receiptNumber: Type.Optional(Type.String()),
  mismatch: Type.Optional(literals(MISMATCH_REASONS)),
});
export type NotificationAnswer = Static<typeof NotificationAnswer>;

export const MismatchSchema = Type.Object({
  id: Type.Integer(),
  paymentId: Type.String(),
  billNumber: Type.String(),
  invoiceId: Nullable(Type.String()),
  applicationId: Nullable(Type.String()),
  licenseNumber: Nullable(Type.String()),
  reason: literals(MISMATCH_REASONS),
  expectedHalalas: Nullable(Type.Integer()),
  receivedHalalas: Type.Integer(),
  source: literals(PAYMENT_SOURCES),
  status: literals(MISMATCH_STATUSES),
  invoiceStatus: Nullable(literals(INVOICE_STATUSES)),
  paymentStatus: Nullable(literals(PAYMENT_STATUSES)),
  createdAt: IsoDateTime,
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Nullable(IsoDateTime),
  resolution: Nullable(Type.String()),
});
export type MismatchView = Static<typeof MismatchSchema>;

export const MismatchQuery = Type.Object({
  status: Type.Optional(literals(MISMATCH_STATUSES)),
  limit: Int({ minimum: 1, maximum: 500, default: 100 }),
});
export const MismatchParams = Type.Object({ id: Int({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
export const ResolveBody = Type.Object(
  {
    action: literals(MISMATCH_ACTIONS, 'accept: the payment pays its open invoice as it is; refund: it goes back to the payer; dismiss: nothing to do'),
    reason: Type.String({ minLength: 3, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type ResolveBody = Static<typeof ResolveBody>;

export const ReconciliationSchema = Type.Object({
  day: IsoDate,
  ranAt: IsoDateTime,
  statementCount: Type.Integer(),
  matched: Type.Integer(),
  appliedLate: Type.Integer({ description: 'On the statement, not notified: recorded by the reconciliation' }),
  mismatches: Type.Integer(),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export const ReconcileBody = Type.Object({ day: IsoDate }, { additionalProperties: false });
export const ReconciliationReportSchema = Type.Object({
  day: IsoDate,
  statementCount: Type.Integer(),
  matched: Type.Integer(),
  appliedLate: Type.Array(Type.Object({ paymentId: Type.String(), billNumber: Type.String(), invoiceId: Type.Optional(Type.String()), status: Type.String() })),
  mismatches: Type.Array(Type.Object({ paymentId: Type.String(), reason: Type.String() })),
  openMismatches: Type.Integer(),
});
