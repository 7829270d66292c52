// The fee schedule as the API shows and takes it.
import { Type, type Static } from '@sinclair/typebox';
import { LICENSE_KINDS } from '../../domain/status';
import { IsoDateTime, literals, Nullable } from '../schemas';
import { Int, Num } from '../validation';

const Halalas = Int({ minimum: 0, maximum: 100_000_000, description: 'Halalas a year (100 = 1 SAR)' });

export const FeeBandSchema = Type.Object(
  {
    licenseKind: literals(LICENSE_KINDS),
    isicPrefix: Type.String({ maxLength: 6, description: 'The activity: an ISIC code or its first digits; "" for every activity of the kind (the longest prefix wins)' }),
    areaFromSqm: Int({ minimum: 0, maximum: 1_000_000 }),
    areaToSqm: Nullable(Int({ minimum: 1, maximum: 1_000_000, description: 'Exclusive; null: no upper bound' })),
    issuanceFeeHalalas: Halalas,
    renewalFeeHalalas: Halalas,
  },
  { additionalProperties: false },
);

export const FeeSettingsSchema = Type.Object(
  {
    latePenaltyPercent: Int({ minimum: 0, maximum: 100, description: "A late renewal's penalty, a share of its fee" }),
    refundPercent: Int({ minimum: 0, maximum: 100, description: 'The share of a paid fee refunded when the case is cancelled before issuance' }),
    paymentDue: Type.String({ maxLength: 20, description: 'How long a bill may be paid, e.g. "14d"' }),
  },
  { additionalProperties: false },
);

export const FeeScheduleSchema = Type.Object({
  version: Type.Integer(),
  bands: Type.Array(FeeBandSchema),
  settings: FeeSettingsSchema,
  createdAt: IsoDateTime,
  createdBy: Type.String(),
  reason: Type.String(),
});

export const FeeScheduleBody = Type.Object(
  {
    version: Int({ minimum: 1, maximum: 1_000_000_000, description: 'The version this edit starts from: a schedule saved meanwhile by someone else answers 409' }),
    bands: Type.Array(FeeBandSchema, { minItems: 1, maxItems: 500 }),
    settings: FeeSettingsSchema,
    reason: Type.String({ minLength: 3, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type FeeScheduleBody = Static<typeof FeeScheduleBody>;

export const FeeQuoteQuery = Type.Object({
  licenseKind: literals(LICENSE_KINDS),
  isicCode: Type.String({ pattern: '^[0-9]{6}$' }),
  areaSqm: Num({ minimum: 0, maximum: 1_000_000 }),
  termMonths: Int({ minimum: 1, maximum: 120, default: 12 }),
  renewal: Type.Boolean({ default: false }),
  late: Type.Boolean({ default: false }),
});
