// A license as anyone may look it up by its number, and its timeline.
import { Type } from '@sinclair/typebox';
import { LICENSE_EVENTS, LICENSE_KINDS, LICENSE_STATUSES } from '../../domain/status';
import { IsoDate, IsoDateTime, literals, Nullable } from '../schemas';

export const LicenseSchema = Type.Object({
  number: Type.String(),
  status: literals(LICENSE_STATUSES, 'Where the license stands now: active, renewal_open (in force, renewal window open), expired, suspended, revoked, cancelled'),
  licenseKind: literals(LICENSE_KINDS),
  tradeName: Type.String(),
  crNumber: Type.String(),
  isicCode: Type.String(),
  issuedOn: IsoDate,
  expiresOn: IsoDate,
  applicationId: Nullable(Type.String({ description: 'The case that issued it; null for a license imported from before Tarkhees' })),
  renewals: Type.Integer({ description: 'How many times it was renewed' }),
  lastRenewedOn: Nullable(IsoDate),
  lastRenewalLate: Nullable(Type.Boolean({ description: 'The last renewal came after expiry, within the grace period' })),
  statusReason: Nullable(Type.String({ description: 'Why it is suspended, revoked or cancelled' })),
  objectionDueAt: Nullable(IsoDateTime),
});

export const LicenseNumberParam = Type.Object({
  number: Type.String({ pattern: '^[A-Z]{2,6}-[0-9]{4}-[0-9]{6,}$' }),
});

export const LicenseEventSchema = Type.Object({
  seq: Type.Integer(),
  event: literals(LICENSE_EVENTS),
  status: literals(LICENSE_STATUSES),
  actor: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  at: IsoDateTime,
});

export const LicenseTimelineSchema = Type.Object({
  number: Type.String(),
  status: literals(LICENSE_STATUSES),
  /** A renewal or cancellation under way. */
  pending: Nullable(Type.Record(Type.String(), Type.Unknown())),
  events: Type.Array(LicenseEventSchema),
});
