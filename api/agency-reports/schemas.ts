// An agency's report as it comes in, and the answer that acknowledges it.
import { Type, type Static } from '@sinclair/typebox';
import { AGENCY_REPORT_KINDS } from '../../domain/agency-reports';
import { AGENCIES } from '../../domain/status';
import { AgencyHeader, SIGNATURE_PATTERN, TIMESTAMP_PATTERN } from '../../integrations/agency-reports/signature';
import { IsoDateTime, literals } from '../schemas';

/** The agency's own id: what it would use to find the report again; bounded and plain so it is safe in a workflow id and a log. */
export const REPORT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$';
/** A reason is a line or a paragraph for the holder and staff to read, not a document. */
const REASON_MAX = 2_000;

export const AgencyReportHeaders = Type.Object({
  [AgencyHeader.agency]: literals(AGENCIES, 'Who signed: the agency whose secret made the signature'),
  [AgencyHeader.timestamp]: Type.String({ pattern: TIMESTAMP_PATTERN, description: 'Unix seconds when signed; refused when more than 5 minutes from the server clock' }),
  [AgencyHeader.signature]: Type.String({ pattern: SIGNATURE_PATTERN, description: 'HMAC-SHA256 (hex) of "<x-timestamp>.<raw body>" with the agency\'s secret' }),
});

export const AgencyReportBody = Type.Object(
  {
    id: Type.String({ pattern: REPORT_ID_PATTERN, description: "The report's own id at the agency; sending it again is a replay" }),
    agency: literals(AGENCIES, 'The reporting agency: the signer'),
    crNumber: Type.String({ pattern: '^[0-9]{10}$', description: 'Commercial registration number of the establishment, 10 digits' }),
    kind: literals(AGENCY_REPORT_KINDS, 'violation or closure: a cause against it; resolved: compliant again'),
    reason: Type.String({ minLength: 1, maxLength: REASON_MAX }),
    reportedAt: IsoDateTime,
  },
  { additionalProperties: false },
);
export type AgencyReportBody = Static<typeof AgencyReportBody>;

export const AgencyReportAnswer = Type.Object({
  id: Type.String(),
  agency: literals(AGENCIES),
  crNumber: Type.String(),
  kind: literals(AGENCY_REPORT_KINDS),
  receivedAt: IsoDateTime,
});
export type AgencyReportAnswer = Static<typeof AgencyReportAnswer>;
