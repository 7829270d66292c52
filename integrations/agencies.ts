// HTTP clients of the external agencies. Base URLs come from configuration; in
// development and tests they point at the simulator (simulator/).
import { Agency } from '../domain/status';
import { requestJson } from './http';

export interface AgencyAnswer {
  compliant: boolean;
  reference?: string;
  reasons: string[];
}

export interface AgencyClient {
  check(crNumber: string): Promise<AgencyAnswer>;
}

/** The agency did not give an answer (outage, 5xx, timeout): worth asking again later. */
export class AgencyUnavailableError extends Error {
  override name = 'AgencyUnavailableError';
}

/** The agency refused the question itself (4xx): asking again will not help. */
export class AgencyRequestError extends Error {
  override name = 'AgencyRequestError';
}

const PATHS: Record<Agency, (cr: string) => string> = {
  [Agency.laborOffice]: (cr) => `/v1/establishments/${encodeURIComponent(cr)}`,
  [Agency.zakat]: (cr) => `/v1/certificates/${encodeURIComponent(cr)}`,
};

/**
 * One call to an agency, its answer parsed: no answer, a 5xx, a 429 or a body
 * that is not JSON is the agency unavailable (ask again later); any other 4xx
 * is the question refused.
 */
async function askAgency(agency: Agency, method: 'GET' | 'POST', url: string, timeoutMs: number, body?: unknown): Promise<Record<string, unknown>> {
  let res;
  try {
    res = await requestJson(method, url, { timeoutMs, ...(body === undefined ? {} : { body }) });
  } catch (err) {
    throw new AgencyUnavailableError(`${agency}: no answer from ${url}: ${(err as Error).message}`);
  }
  if (res.status >= 500 || res.status === 429) {
    throw new AgencyUnavailableError(`${agency}: ${url} answered ${res.status}`);
  }
  if (res.status < 200 || res.status >= 300) throw new AgencyRequestError(`${agency}: ${url} answered ${res.status}: ${res.body}`);
  try {
    return JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    throw new AgencyUnavailableError(`${agency}: ${url} answered with a body that is not JSON`);
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : []);

function httpClient(agency: Agency, baseUrl: string, timeoutMs: number): AgencyClient {
  return {
    async check(crNumber) {
      const url = baseUrl + PATHS[agency](crNumber);
      const body = await askAgency(agency, 'GET', url, timeoutMs);
      if (typeof body.compliant !== 'boolean') {
        throw new AgencyUnavailableError(`${agency}: ${url} answered without a compliant flag`);
      }
      const reference = typeof body.reference === 'string' ? body.reference : typeof body.certificateNumber === 'string' ? body.certificateNumber : undefined;
      return { compliant: body.compliant, reference, reasons: strings(body.reasons) };
    },
  };
}

/** What an agency says about letting an establishment's license go. */
export interface ClearanceAnswer {
  cleared: boolean;
  /** The agency's codes for what is still owed or open (empty when cleared). */
  outstanding: string[];
}

/** Cancellation without a visit: the agency's clearance, and telling it the license is cancelled. */
export interface ClearanceClient {
  clearance(crNumber: string): Promise<ClearanceAnswer>;
  /** Idempotent on the license number: telling it twice is telling it once. */
  notifyCancelled(crNumber: string, licenseNumber: string): Promise<void>;
}

function httpClearanceClient(agency: Agency, baseUrl: string, timeoutMs: number): ClearanceClient {
  return {
    async clearance(crNumber) {
      const url = `${baseUrl + PATHS[agency](crNumber)}/clearance`;
      const body = await askAgency(agency, 'GET', url, timeoutMs);
      if (typeof body.cleared !== 'boolean') throw new AgencyUnavailableError(`${agency}: ${url} answered without a cleared flag`);
      return { cleared: body.cleared, outstanding: strings(body.outstanding) };
    },
    async notifyCancelled(crNumber, licenseNumber) {
      await askAgency(agency, 'POST', `${baseUrl + PATHS[agency](crNumber)}/cancellations`, timeoutMs, { licenseNumber });
    },
  };
}

export function httpClearanceClients(opts: { laborOfficeUrl: string; zakatUrl: string; timeoutMs: number }): Record<Agency, ClearanceClient> {
  return {
    [Agency.laborOffice]: httpClearanceClient(Agency.laborOffice, opts.laborOfficeUrl, opts.timeoutMs),
    [Agency.zakat]: httpClearanceClient(Agency.zakat, opts.zakatUrl, opts.timeoutMs),
  };
}

export function httpAgencyClients(opts: {
  laborOfficeUrl: string;
  zakatUrl: string;
  timeoutMs: number;
}): Record<Agency, AgencyClient> {
  return {
    [Agency.laborOffice]: httpClient(Agency.laborOffice, opts.laborOfficeUrl, opts.timeoutMs),
    [Agency.zakat]: httpClient(Agency.zakat, opts.zakatUrl, opts.timeoutMs),
  };
}
