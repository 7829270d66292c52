// A license as anyone may look it up by its number.
import { Type } from '@sinclair/typebox';
import { LICENSE_KINDS } from '../../domain/status';
import { IsoDate, literals } from '../schemas';

export const LicenseSchema = Type.Object({
  number: Type.String(),
  status: Type.String(),
  licenseKind: literals(LICENSE_KINDS),
  tradeName: Type.String(),
  crNumber: Type.String(),
  isicCode: Type.String(),
  issuedOn: IsoDate,
  expiresOn: IsoDate,
  applicationId: Type.String(),
});

export const LicenseNumberParam = Type.Object({
  number: Type.String({ pattern: '^[A-Z]{2,6}-[0-9]{4}-[0-9]{6,}$' }),
});
