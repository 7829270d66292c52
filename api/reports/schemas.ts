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
