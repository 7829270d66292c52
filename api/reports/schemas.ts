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
