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

function httpClient(agency: Agency, baseUrl: string, timeoutMs: number): AgencyClient {
  return {
    async check(crNumber) {
      const url = baseUrl + PATHS[agency](crNumber);
      let res;
      try {
        res = await requestJson('GET', url, { timeoutMs });
      } catch (err) {
        throw new AgencyUnavailableError(`${agency}: no answer from ${url}: ${(err as Error).message}`);
      }
      if (res.status >= 500 || res.status === 429) {
        throw new AgencyUnavailableError(`${agency}: ${url} answered ${res.status}`);
      }
      if (res.status < 200 || res.status >= 300) throw new AgencyRequestError(`${agency}: ${url} answered ${res.status}: ${res.body}`);
      let body: { compliant?: unknown; reference?: unknown; certificateNumber?: unknown; reasons?: unknown };
      try {
        body = JSON.parse(res.body) as typeof body;
      } catch {
        throw new AgencyUnavailableError(`${agency}: ${url} answered with a body that is not JSON`);
      }
      if (typeof body.compliant !== 'boolean') {
        throw new AgencyUnavailableError(`${agency}: ${url} answered without a compliant flag`);
      }
      const reference = typeof body.reference === 'string' ? body.reference : typeof body.certificateNumber === 'string' ? body.certificateNumber : undefined;
      const reasons = Array.isArray(body.reasons) ? body.reasons.filter((r): r is string => typeof r === 'string') : [];
      return { compliant: body.compliant, reference, reasons };
    },
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
