// How an agency signs a report to POST /agency-reports, and how the API checks
// it: HMAC-SHA256 with the agency's own secret over `<timestamp>.<raw body>`,
// sent as hex (integrations/timestamped-hmac.ts). The timestamp is inside what
// is signed, so a captured request cannot be sent again with a fresh one; the
// simulator and the tests sign here.
import type { IncomingHttpHeaders } from 'node:http';
import { AGENCIES, type Agency } from '../../domain/status';
import { isTimestamp, signatureMatches, signTimestamped } from '../timestamped-hmac';

export { SIGNATURE_PATTERN, TIMESTAMP_PATTERN } from '../timestamped-hmac';

export const AgencyHeader = { agency: 'x-agency', timestamp: 'x-timestamp', signature: 'x-signature' } as const;

/**
 * How far a report's timestamp may be from our clock, either way: the
 * agencies' clocks and a retry's delay fit within it, and a captured request
 * older than this is refused even with its signature intact.
 */
export const REPORT_TIMESTAMP_TOLERANCE_S = 300;

export function signReport(secret: string, timestamp: number, body: Buffer | string): string {
  return signTimestamped(secret, timestamp, body);
}

/** The headers an agency sends with `body`, signed now. */
export function signedReportHeaders(agency: Agency, secret: string, body: Buffer | string, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [AgencyHeader.agency]: agency, [AgencyHeader.timestamp]: String(timestamp), [AgencyHeader.signature]: signReport(secret, timestamp, body) };
}

export type SignatureRefusal = 'signature_required' | 'unknown_agency' | 'stale_timestamp' | 'bad_signature';

export type SignatureCheck = { ok: true; agency: Agency } | { ok: false; code: SignatureRefusal; message: string; claimedAgency?: string };

const single = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Who signed `body`, or why nobody can be said to have. */
export function checkReportSignature(headers: IncomingHttpHeaders, body: Buffer, secrets: Record<Agency, string>, nowMs: number): SignatureCheck {
  const claimed = single(headers[AgencyHeader.agency]);
  const timestamp = single(headers[AgencyHeader.timestamp]);
  const signature = single(headers[AgencyHeader.signature]);
  if (!claimed || !timestamp || !signature) {
    const names = Object.values(AgencyHeader).join(', ');
    return { ok: false, code: 'signature_required', message: `an agency's report carries ${names} (each once): HMAC-SHA256 over "<x-timestamp>.<body>" with the agency's secret`, claimedAgency: claimed };
  }
  if (!(AGENCIES as readonly string[]).includes(claimed)) {
    return { ok: false, code: 'unknown_agency', message: `${AgencyHeader.agency}: "${claimed.slice(0, 40)}" is not an agency that reports here (${AGENCIES.join(', ')})`, claimedAgency: claimed };
  }
  const agency = claimed as Agency;
  if (!isTimestamp(timestamp)) return { ok: false, code: 'stale_timestamp', message: `${AgencyHeader.timestamp}: Unix seconds, e.g. ${Math.floor(nowMs / 1000)}`, claimedAgency: agency };
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > REPORT_TIMESTAMP_TOLERANCE_S) {
    return { ok: false, code: 'stale_timestamp', message: `${AgencyHeader.timestamp}: ${Math.round(skew)} s from the server's clock; at most ${REPORT_TIMESTAMP_TOLERANCE_S} s is accepted (sign each sending afresh)`, claimedAgency: agency };
  }
  if (!signatureMatches(secrets[agency], Number(timestamp), body, signature)) {
    return { ok: false, code: 'bad_signature', message: `${AgencyHeader.signature}: not ${agency}'s HMAC-SHA256 (hex) of "<x-timestamp>.<body>" as sent`, claimedAgency: agency };
  }
  return { ok: true, agency };
}
