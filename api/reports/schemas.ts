// A report's period and format, and the two reports' shapes.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../schemas';

const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD, a Riyadh date' });
export const ReportQuery = Type.Object(
  {
    from: IsoDate,
    to: IsoDate,
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  },
  { additionalProperties: false },
);
const Outcomes = {
  received: Type.Integer(),
  issued: Type.Integer(),
  excludedIncomplete: Type.Integer(),
  excludedConditions: Type.Integer(),
  excludedUnpaid: Type.Integer({ description: 'Excluded because the fee was not paid by its due date' }),
  rejected: Type.Integer(),
  cancelled: Type.Integer({ description: 'Closed by an administrator; with the others, the outcomes add up to received' }),
  open: Type.Integer(),
};
const Period = Type.Object({ from: Type.String(), to: Type.String() });
export const SummarySchema = Type.Object({
  period: Period,
  total: Type.Object(Outcomes),
  byLicenseKind: Type.Array(Type.Object({ licenseKind: Type.String(), ...Outcomes })),
  byOffice: Type.Array(Type.Object({ officeId: Nullable(Type.String()), officeName: Nullable(Type.String()), ...Outcomes })),
});
export const OfficesSchema = Type.Object({
  period: Period,
  offices: Type.Array(
    Type.Object({
      officeId: Nullable(Type.String()),
      officeName: Nullable(Type.String()),
      ...Outcomes,
      medianDaysToIssue: Nullable(Type.Number()),
      p90DaysToIssue: Nullable(Type.Number()),
      firstTimeCompleteShare: Nullable(Type.Number()),
      reviewsDecided: Type.Integer(),
      slaComplianceShare: Nullable(Type.Number()),
    }),
  ),
});
const Standing = {
  total: Type.Integer(),
  active: Type.Integer(),
  renewalOpen: Type.Integer({ description: 'In force, its renewal window open' }),
  expiringSoon: Type.Integer({ description: 'In force and expiring within expiringSoonDays' }),
  expired: Type.Integer(),
  suspended: Type.Integer(),
  revoked: Type.Integer(),
  cancelled: Type.Integer(),
};
export const LicensesReportSchema = Type.Object({
  period: Period,
  expiringSoonDays: Type.Integer(),
  now: Type.Object(Standing, { description: 'Every license as it stands today; the statuses add up to total' }),
  byLicenseKind: Type.Array(Type.Object({ licenseKind: Type.String(), ...Standing })),
  renewals: Type.Object(
    {
      renewedOnTime: Type.Integer(),
      renewedLate: Type.Integer({ description: 'After expiry, within the grace period' }),
      lapsed: Type.Integer({ description: 'The grace period ended unrenewed' }),
      renewalRate: Nullable(Type.Number({ description: 'Renewed (on time or late) over the renewals decided in the period' })),
    },
    { description: 'Renewals decided in the period (by when the renewal or the end of grace was written)' },
  ),
});
export type ReportQuery = Static<typeof ReportQuery>;
const InspectionTiming = {
  cameDue: Type.Integer({ description: 'Inspection tasks opened in the period (periodic and re-inspections)' }),
  doneOnTime: Type.Integer({ description: "Results recorded in the period by the task's due time (its SLA)" }),
  doneLate: Type.Integer({ description: "Results recorded in the period after the task's due time" }),
  withdrawn: Type.Integer({ description: "Tasks withdrawn in the period unrecorded: the license suspended (an agency's report) or cancelled first" }),
  openOverdue: Type.Integer({ description: 'Open now (claimed or not) and past their due time, whenever they came due' }),
  openDue: Type.Integer({ description: 'Open now and not yet due' }),
};
const InspectionOutcomes = {
  pass: Type.Integer({ description: 'Nothing found' }),
  noted: Type.Integer({ description: 'Violations noted only' }),
  fix: Type.Integer({ description: 'A violation to fix (a re-inspection follows), none closing' }),
  closure: Type.Integer({ description: 'A closure: the license suspended at once' }),
};
export const InspectionsReportSchema = Type.Object({
  period: Period,
  asOf: Type.String({ format: 'date-time', description: 'The instant the open tasks were counted at' }),
  total: Type.Object(
    {
      ...InspectionTiming,
      ...InspectionOutcomes,
      violations: Type.Integer({ description: "Violations found in the period's results" }),
      onTimeShare: Nullable(Type.Number({ description: 'doneOnTime over doneOnTime + doneLate' })),
    },
    { description: 'The outcomes (pass, noted, fix, closure: the gravest violation decides) add up to doneOnTime + doneLate' },
  ),
  byCode: Type.Array(
    Type.Object({
      code: Type.String(),
      textAr: Nullable(Type.String()),
      textEn: Nullable(Type.String()),
      severity: Type.String({ description: 'note, fix or closure, as violation_codes has it' }),
      violations: Type.Integer({ description: 'Times found' }),
      inspections: Type.Integer({ description: 'Results that found it' }),
    }),
    { description: "The violations of the period's results by code, most found first" },
  ),
  byDistrict: Type.Array(
    Type.Object({ district: Nullable(Type.String({ description: "The establishment's district; null when not on record (an import without one)" })), ...InspectionTiming, ...InspectionOutcomes, violations: Type.Integer() }),
    { description: 'The same figures per district of the establishment' },
  ),
});

const Money = {
  count: Type.Integer(),
  halalas: Type.Integer({ description: 'Halalas (100 to the riyal)' }),
};
const NULL_LINE = 'null: the payments of no invoice (an unknown bill, refunded)';
export const RevenueReportSchema = Type.Object({
  period: Period,
  received: Type.Object(Money, {
    description:
      'Payments taken in during the period, by the bank\'s time (paid_at, the Riyadh day): applied to their invoice, or refunded since (counted here when received, and in refunded when given back). Each breakdown adds up to this',
  }),
  refunded: Type.Object(Money, { description: 'Refunds decided in the period (by refunds.created_at), whenever their payment was received' }),
  netHalalas: Type.Integer({ description: 'received.halalas − refunded.halalas' }),
  held: Type.Object(Money, { description: "The period's payments still held for an administrator (another amount, a bill closed or unknown): in neither received nor refunded yet" }),
  byDay: Type.Array(
    Type.Object({
      day: Type.String({ format: 'date', description: 'A Riyadh date' }),
      receivedCount: Type.Integer(),
      receivedHalalas: Type.Integer(),
      refundedCount: Type.Integer(),
      refundedHalalas: Type.Integer(),
      netHalalas: Type.Integer(),
    }),
    { description: 'The days with a payment received or a refund, in order' },
  ),
  byLicenseKind: Type.Array(Type.Object({ licenseKind: Nullable(Type.String({ description: NULL_LINE })), ...Money }), { description: "By the invoice's license kind" }),
  byActivity: Type.Array(
    Type.Object({
      isicCode: Nullable(Type.String({ description: NULL_LINE })),
      activityAr: Nullable(Type.String({ description: "The activity's name (activity_rules, longest prefix)" })),
      activityEn: Nullable(Type.String()),
      ...Money,
    }),
    { description: "By the invoice's ISIC activity, the most received first" },
  ),
  byOffice: Type.Array(Type.Object({ officeId: Nullable(Type.String()), officeName: Nullable(Type.String()), ...Money }), { description: "By the invoice's office, the most received first" }),
  byBasis: Type.Array(Type.Object({ basis: Nullable(Type.String({ description: `issuance or renewal; ${NULL_LINE}` })), ...Money })),
  refundsByReason: Type.Array(Type.Object({ reason: Type.String({ description: 'not_owed, case_cancelled or mismatch' }), ...Money }), { description: 'The refunds by reason; they add up to refunded' }),
});

export const OutstandingQuery = Type.Object(
  {
    asOf: Type.Optional(Type.String({ format: 'date-time', description: 'The instant to count at (not later than now); now unless given' })),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  },
  { additionalProperties: false },
);
export type OutstandingQuery = Static<typeof OutstandingQuery>;
const Outstanding = {
  count: Type.Integer(),
  halalas: Type.Integer(),
  overdueCount: Type.Integer({ description: 'Past their due date at asOf' }),
  overdueHalalas: Type.Integer(),
  notDueCount: Type.Integer(),
  notDueHalalas: Type.Integer(),
};
export const OutstandingReportSchema = Type.Object({
  asOf: Type.String({ format: 'date-time' }),
  total: Type.Object(Outstanding, { description: 'Invoices open at asOf (raised, not yet paid, expired or cancelled): now, those of status open; overdue and not due add up to it' }),
  byLicenseKind: Type.Array(Type.Object({ licenseKind: Type.String(), ...Outstanding })),
  byOffice: Type.Array(Type.Object({ officeId: Nullable(Type.String()), officeName: Nullable(Type.String()), ...Outstanding })),
  invoices: Type.Array(
    Type.Object({
      invoiceId: Type.String(),
      basis: Type.String({ description: 'issuance (a case) or renewal (a license)' }),
      applicationId: Nullable(Type.String()),
      licenseNumber: Nullable(Type.String()),
      billNumber: Nullable(Type.String({ description: "null until the gateway gave the bill its number" })),
      amountHalalas: Type.Integer(),
      dueAt: Type.String({ format: 'date-time' }),
      overdue: Type.Boolean(),
      licenseKind: Type.String(),
      officeId: Nullable(Type.String()),
      officeName: Nullable(Type.String()),
      tradeName: Type.String(),
    }),
    { description: 'The open invoices, the longest due first: at most 100 (total.count says how many in all)' },
  ),
});
