// Stand-in for the Labor Office, the Zakat & Income authority, an SMS gateway and
// (given a Tarkhees URL to notify) the payment gateway (simulator/payments.ts).
// The license system reaches it over real HTTP, so its clients, timeouts and retries
// run exactly as they would against the real services. The /_control routes let a
// developer or a test steer the answers while the system keeps running; the
// gateway's (/_control/payments) pay a bill as a bank customer would and make its
// notifications late, repeated, out of order or lost.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { AGENCY_REPORT_KINDS, type AgencyReport, type AgencyReportKind } from '../domain/agency-reports';
import { AGENCIES, type Agency } from '../domain/status';
import { signedReportHeaders } from '../integrations/agency-reports/signature';
import { registerPayments, type PaymentsTarget } from './payments';

export type AgencyName = 'labor' | 'zakat';

export interface LaborEstablishment {
  crNumber: string;
  fileActive: boolean;
  workforceCompliant: boolean;
  compliant: boolean;
  reference: string;
  reasons: string[];
}

export interface ZakatCertificate {
  crNumber: string;
  certificateValid: boolean;
  certificateNumber: string;
  /** YYYY-MM-DD */
  validUntil: string;
  compliant: boolean;
  reasons: string[];
}

export interface ErrorBody {
  error: 'bad_request' | 'not_found' | 'unauthorized' | 'unavailable' | 'internal';
  message?: string;
}

export interface AgencySwitches {
  outage: boolean;
  latencyMs: number;
  /** 0 = never fail. */
  failEvery: number;
}

export interface Override {
  compliant: boolean;
  reasons: string[];
}

/** A clearance the test or developer set for one CR number, instead of its last digit's. */
export interface ClearanceOverride {
  cleared: boolean;
  outstanding: string[];
}

export interface AgencyControlState {
  switches: AgencySwitches;
  overrides: Record<string, Override>;
  clearanceOverrides: Record<string, ClearanceOverride>;
  /** License numbers the agency was told are cancelled, with how many times it was told. */
  cancellations: Record<string, number>;
  calls: number;
  callsByCr: Record<string, number>;
}

export interface ControlState {
  labor: AgencyControlState;
  zakat: AgencyControlState;
  /** `received`: distinct messages (one per reference); `requests`: every send that reached the gateway, retries included. */
  sms: SmsSwitches & { received: number; requests: number };
}

/** The gateway's switches: the agencies' three, so a test can slow it, break it or take it down. */
export type SmsSwitches = AgencySwitches;

/** One send request as the gateway saw it, kept even when it repeats a reference or is refused. */
export interface SmsRequest {
  reference: string;
  to: string;
  receivedAt: string;
  /** What the gateway answered: 202 taken, 503 outage, 500 a failEvery failure. */
  status: number;
  /** A second request for a reference it had already taken (acknowledged, not delivered again). */
  repeat: boolean;
}

export interface SmsMessage {
  messageId: string;
  to: string;
  body: string;
  reference: string;
  receivedAt: string;
}

export interface SmsAccepted {
  messageId: string;
}

const CR_NUMBER = /^\d{10}$/;
/** Tarkhees answers a report at once (it only stores and starts it); longer means it is not there. */
const REPORT_TIMEOUT_MS = 10_000;

/** Where the agencies' reports go (Tarkhees's API) and the secrets they are signed with, as Tarkhees's config has them. */
export interface ReportTarget {
  url: string;
  secrets: Record<Agency, string>;
}

/** What POST /_control/reports did: the report as sent, and Tarkhees's answer. */
export interface ReportSent {
  report: AgencyReport;
  status: number;
  answer: unknown;
}
// A latency beyond this is almost certainly a typo, and setTimeout silently turns
// delays above 2^31 ms into 1 ms.
const MAX_LATENCY_MS = 600_000;
const DAY_MS = 86_400_000;
const DEFAULT_REASON: Record<AgencyName, string> = {
  labor: 'LABOR_WORKFORCE_NONCOMPLIANT',
  zakat: 'ZAKAT_CERTIFICATE_EXPIRED',
};

interface AgencyState {
  switches: AgencySwitches;
  overrides: Map<string, Override>;
  clearanceOverrides: Map<string, ClearanceOverride>;
  cancellations: Map<string, number>;
  calls: number;
  callsByCr: Map<string, number>;
  /** failEvery counts from the moment it was set, so "every 3rd call" means the 3rd call after the PUT. */
  sinceFailEvery: number;
}

const freshAgency = (): AgencyState => ({
  switches: { outage: false, latencyMs: 0, failEvery: 0 },
  overrides: new Map(),
  clearanceOverrides: new Map(),
  cancellations: new Map(),
  calls: 0,
  callsByCr: new Map(),
  sinceFailEvery: 0,
});

const isAgency = (s: string): s is AgencyName => s === 'labor' || s === 'zakat';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

// The CR number's last digit picks the answer so that dev data and tests can choose
// an outcome just by choosing a CR number: 6 inactive labor file, 7 labor, 8 zakat, 9 both.
function laborAnswer(crNumber: string, override: Override | undefined): LaborEstablishment {
  const last = crNumber.slice(-1);
  const fileActive = override ? true : last !== '6';
  const workforceCompliant = override ? override.compliant : last !== '7' && last !== '9';
  const reasons = override
    ? [...override.reasons]
    : [...(fileActive ? [] : ['LABOR_FILE_INACTIVE']), ...(workforceCompliant ? [] : [DEFAULT_REASON.labor])];
  const compliant = fileActive && workforceCompliant;
  return { crNumber, fileActive, workforceCompliant, compliant, reference: `LBR-${crNumber}`, reasons };
}

function zakatAnswer(crNumber: string, override: Override | undefined, now: number): ZakatCertificate {
  const last = crNumber.slice(-1);
  const certificateValid = override ? override.compliant : last !== '8' && last !== '9';
  const reasons = override ? [...override.reasons] : certificateValid ? [] : [DEFAULT_REASON.zakat];
  // Relative to today so a valid certificate never drifts into the past as the calendar moves on.
  const validUntil = isoDate(now + (certificateValid ? 365 : -30) * DAY_MS);
  return { crNumber, certificateValid, certificateNumber: `ZKT-${crNumber}`, validUntil, compliant: certificateValid, reasons };
}

const OUTSTANDING: Record<AgencyName, string> = {
  labor: 'LABOR_WORKERS_STILL_REGISTERED',
  zakat: 'ZAKAT_RETURN_OUTSTANDING',
};

// Clearance to cancel follows the same digits as compliance: 7 Labor (workers still on the file), 8 Zakat (a
// return outstanding), 9 both; an override answers instead.
function clearanceAnswer(agency: AgencyName, crNumber: string, override: ClearanceOverride | undefined): ClearanceOverride & { crNumber: string } {
  if (override) return { crNumber, cleared: override.cleared, outstanding: [...override.outstanding] };
  const last = crNumber.slice(-1);
  const owes = agency === 'labor' ? last === '7' || last === '9' : last === '8' || last === '9';
  return { crNumber, cleared: !owes, outstanding: owes ? [OUTSTANDING[agency]] : [] };
}

function parseClearance(agency: AgencyName, body: unknown): ClearanceOverride | string {
  if (!isObject(body)) return 'body must be a JSON object';
  const unknown = Object.keys(body).find((k) => k !== 'cleared' && k !== 'outstanding');
  if (unknown !== undefined) return `unknown field "${unknown}"`;
  const { cleared, outstanding } = body;
  if (typeof cleared !== 'boolean') return 'cleared must be a boolean';
  if (outstanding === undefined) return { cleared, outstanding: cleared ? [] : [OUTSTANDING[agency]] };
  if (!Array.isArray(outstanding) || !outstanding.every((r) => typeof r === 'string')) return 'outstanding must be an array of strings';
  return { cleared, outstanding: outstanding as string[] };
}

function parseSwitches(body: unknown): Partial<AgencySwitches> | string {
  if (!isObject(body)) return 'body must be a JSON object';
  const out: Partial<AgencySwitches> = {};
  for (const [key, v] of Object.entries(body)) {
    if (key === 'outage') {
      if (typeof v !== 'boolean') return 'outage must be a boolean';
      out.outage = v;
    } else if (key === 'latencyMs') {
      if (!isCount(v, MAX_LATENCY_MS)) return `latencyMs must be an integer from 0 to ${MAX_LATENCY_MS}`;
      out.latencyMs = v;
    } else if (key === 'failEvery') {
      if (!isCount(v)) return 'failEvery must be a non-negative integer (0 turns it off)';
      out.failEvery = v;
    } else {
      // Rejecting unknown fields turns a typo such as "latency" into an error instead of a silent no-op.
      return `unknown field "${key}"`;
    }
  }
  return out;
}

function parseOverride(agency: AgencyName, body: unknown): Override | string {
  if (!isObject(body)) return 'body must be a JSON object';
  const unknown = Object.keys(body).find((k) => k !== 'compliant' && k !== 'reasons');
  if (unknown !== undefined) return `unknown field "${unknown}"`;
  const { compliant, reasons } = body;
  if (typeof compliant !== 'boolean') return 'compliant must be a boolean';
  if (reasons === undefined) return { compliant, reasons: compliant ? [] : [DEFAULT_REASON[agency]] };
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) return 'reasons must be an array of strings';
  return { compliant, reasons: reasons as string[] };
}

/** A report to send, as a developer or a test asks for one: the id and the time are the simulator's unless given. */
function parseReport(body: unknown): Omit<AgencyReport, 'reportedAt'> | string {
  if (!isObject(body)) return 'body must be a JSON object';
  const unknown = Object.keys(body).find((k) => !['id', 'agency', 'crNumber', 'kind', 'reason'].includes(k));
  if (unknown !== undefined) return `unknown field "${unknown}"`;
  const { id, agency, crNumber, kind, reason } = body;
  if (!(AGENCIES as readonly unknown[]).includes(agency)) return `agency must be one of ${AGENCIES.join(', ')}`;
  if (typeof crNumber !== 'string' || !CR_NUMBER.test(crNumber)) return 'crNumber must be exactly 10 digits';
  if (!(AGENCY_REPORT_KINDS as readonly unknown[]).includes(kind)) return `kind must be one of ${AGENCY_REPORT_KINDS.join(', ')}`;
  if (!nonEmptyString(reason)) return 'reason must be a non-empty string';
  if (id !== undefined && !nonEmptyString(id)) return 'id, when given, must be a non-empty string';
  return { id: (id as string | undefined) ?? `SIM-${randomUUID()}`, agency: agency as Agency, crNumber, kind: kind as AgencyReportKind, reason };
}

const badRequest = (reply: FastifyReply, message: string) => reply.code(400).send({ error: 'bad_request', message } satisfies ErrorBody);
const notFound = (reply: FastifyReply, message: string) => reply.code(404).send({ error: 'not_found', message } satisfies ErrorBody);

/**
 * `reports`: where POST /_control/reports sends the agencies' signed reports; unset, that switch is refused.
 * `payments`: where the payment gateway's notifications go and how they are signed; unset, there is no gateway.
 */
export function buildSimulator(opts: { logger?: boolean; reports?: ReportTarget; payments?: PaymentsTarget } = {}): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false });
  let agencies: Record<AgencyName, AgencyState> = { labor: freshAgency(), zakat: freshAgency() };
  const freshSms = () => ({
    switches: { outage: false, latencyMs: 0, failEvery: 0 } as SmsSwitches,
    sinceFailEvery: 0,
    messages: [] as SmsMessage[],
    requests: [] as SmsRequest[],
    byReference: new Map<string, SmsMessage>(),
  });
  let sms = freshSms();
  // Cuts simulated latency short on close, so a long latencyMs cannot hold up shutdown.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    const error: ErrorBody['error'] = status < 500 ? 'bad_request' : 'internal';
    return reply.code(status).send({ error, message: err.message } satisfies ErrorBody);
  });
  app.setNotFoundHandler((req, reply) => notFound(reply, `no route ${req.method} ${req.url}`));
  const payments = opts.payments ? registerPayments(app, opts.payments) : undefined;

  /** Every agency call passes its switches first: counted, delayed, down or failing as they say. */
  async function agencyCall(agency: AgencyName, crNumber: string, reply: FastifyReply, answer: (a: AgencyState) => unknown) {
    const a = agencies[agency];
    a.calls += 1;
    a.callsByCr.set(crNumber, (a.callsByCr.get(crNumber) ?? 0) + 1);
    a.sinceFailEvery += 1;
    // Decided on arrival, so flipping a switch while a call is waiting does not change its fate.
    const { outage, latencyMs, failEvery } = a.switches;
    const failNow = failEvery > 0 && a.sinceFailEvery % failEvery === 0;
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closing.signal }).catch(() => undefined);
    if (outage) return reply.code(503).send({ error: 'unavailable' } satisfies ErrorBody);
    if (failNow) return reply.code(500).send({ error: 'internal' } satisfies ErrorBody);
    if (!CR_NUMBER.test(crNumber)) return badRequest(reply, 'crNumber must be exactly 10 digits');
    return answer(a);
  }

  type CrParams = { Params: { crNumber: string } };
  app.get<CrParams>('/labor/v1/establishments/:crNumber', (req, reply) =>
    agencyCall('labor', req.params.crNumber, reply, (a) => laborAnswer(req.params.crNumber, a.overrides.get(req.params.crNumber))),
  );
  app.get<CrParams>('/zakat/v1/certificates/:crNumber', (req, reply) =>
    agencyCall('zakat', req.params.crNumber, reply, (a) => zakatAnswer(req.params.crNumber, a.overrides.get(req.params.crNumber), Date.now())),
  );

  // Cancellation without a visit: may the establishment's license go, and (idempotent per license) it went.
  const clearanceRoutes = (agency: AgencyName, base: string) => {
    app.get<CrParams>(`${base}/:crNumber/clearance`, (req, reply) =>
      agencyCall(agency, req.params.crNumber, reply, (a) => clearanceAnswer(agency, req.params.crNumber, a.clearanceOverrides.get(req.params.crNumber))),
    );
    app.post<CrParams & { Body: unknown }>(`${base}/:crNumber/cancellations`, (req, reply) =>
      agencyCall(agency, req.params.crNumber, reply, (a) => {
        const licenseNumber = isObject(req.body) ? req.body.licenseNumber : undefined;
        if (!nonEmptyString(licenseNumber)) return badRequest(reply, 'body must be { licenseNumber }');
        const told = (a.cancellations.get(licenseNumber) ?? 0) + 1;
        a.cancellations.set(licenseNumber, told);
        return { crNumber: req.params.crNumber, licenseNumber, recorded: true, first: told === 1 };
      }),
    );
  };
  clearanceRoutes('labor', '/labor/v1/establishments');
  clearanceRoutes('zakat', '/zakat/v1/certificates');

  app.get('/health', async () => ({ ok: true }));

  app.get('/_control', async (): Promise<ControlState> => {
    const view = (a: AgencyState): AgencyControlState => ({
      switches: { ...a.switches },
      overrides: Object.fromEntries(a.overrides),
      clearanceOverrides: Object.fromEntries(a.clearanceOverrides),
      cancellations: Object.fromEntries(a.cancellations),
      calls: a.calls,
      callsByCr: Object.fromEntries(a.callsByCr),
    });
    return {
      labor: view(agencies.labor),
      zakat: view(agencies.zakat),
      sms: { ...sms.switches, received: sms.messages.length, requests: sms.requests.length },
    };
  });

  app.delete('/_control', async () => {
    agencies = { labor: freshAgency(), zakat: freshAgency() };
    sms = freshSms();
    payments?.reset();
    return { ok: true };
  });

  app.put<{ Params: { agency: string } }>('/_control/:agency', async (req, reply) => {
    const { agency } = req.params;
    if (!isAgency(agency)) return notFound(reply, `unknown agency "${agency}" (labor or zakat)`);
    const parsed = parseSwitches(req.body ?? {});
    if (typeof parsed === 'string') return badRequest(reply, parsed);
    const a = agencies[agency];
    Object.assign(a.switches, parsed);
    if (parsed.failEvery !== undefined) a.sinceFailEvery = 0;
    return { ...a.switches };
  });

  type OverrideParams = { Params: { agency: string; crNumber: string } };
  const overrideTarget = (params: OverrideParams['Params'], reply: FastifyReply): AgencyState | undefined => {
    if (!isAgency(params.agency)) return void notFound(reply, `unknown agency "${params.agency}" (labor or zakat)`);
    if (!CR_NUMBER.test(params.crNumber)) return void badRequest(reply, 'crNumber must be exactly 10 digits');
    return agencies[params.agency];
  };

  app.put<OverrideParams>('/_control/:agency/establishments/:crNumber', async (req, reply) => {
    const a = overrideTarget(req.params, reply);
    if (!a) return reply;
    const parsed = parseOverride(req.params.agency as AgencyName, req.body);
    if (typeof parsed === 'string') return badRequest(reply, parsed);
    a.overrides.set(req.params.crNumber, parsed);
    return { crNumber: req.params.crNumber, ...parsed };
  });

  app.delete<OverrideParams>('/_control/:agency/establishments/:crNumber', async (req, reply) => {
    const a = overrideTarget(req.params, reply);
    if (!a) return reply;
    return { removed: a.overrides.delete(req.params.crNumber) };
  });

  app.put<OverrideParams>('/_control/:agency/clearances/:crNumber', async (req, reply) => {
    const a = overrideTarget(req.params, reply);
    if (!a) return reply;
    const parsed = parseClearance(req.params.agency as AgencyName, req.body);
    if (typeof parsed === 'string') return badRequest(reply, parsed);
    a.clearanceOverrides.set(req.params.crNumber, parsed);
    return { crNumber: req.params.crNumber, ...parsed };
  });

  app.delete<OverrideParams>('/_control/:agency/clearances/:crNumber', async (req, reply) => {
    const a = overrideTarget(req.params, reply);
    if (!a) return reply;
    return { removed: a.clearanceOverrides.delete(req.params.crNumber) };
  });

  app.post('/sms/v1/messages', async (req, reply) => {
    const auth = req.headers.authorization;
    if (auth !== undefined && !/^Bearer \S+$/.test(auth)) {
      return reply.code(401).send({ error: 'unauthorized', message: 'authorization must be "Bearer <token>"' } satisfies ErrorBody);
    }
    const b = req.body;
    if (!isObject(b) || !nonEmptyString(b.to) || !nonEmptyString(b.body) || !nonEmptyString(b.reference)) {
      return badRequest(reply, 'body must be { to, body, reference } with non-empty strings');
    }
    const request: SmsRequest = { reference: b.reference, to: b.to, receivedAt: new Date().toISOString(), status: 202, repeat: false };
    sms.requests.push(request);
    sms.sinceFailEvery += 1;
    // Decided on arrival, as for the agencies, so a switch flipped during the latency does not change this request's fate.
    const { outage, latencyMs, failEvery } = sms.switches;
    const failNow = failEvery > 0 && sms.sinceFailEvery % failEvery === 0;
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closing.signal }).catch(() => undefined);
    if (outage || failNow) {
      request.status = outage ? 503 : 500;
      return reply.code(request.status).send({ error: outage ? 'unavailable' : 'internal' } satisfies ErrorBody);
    }
    // Same reference = the client retrying a send whose answer it lost: acknowledge, don't deliver twice.
    const seen = sms.byReference.get(b.reference);
    if (seen) {
      request.repeat = true;
      return reply.code(202).send({ messageId: seen.messageId } satisfies SmsAccepted);
    }
    const message: SmsMessage = { messageId: randomUUID(), to: b.to, body: b.body, reference: b.reference, receivedAt: request.receivedAt };
    sms.messages.push(message);
    sms.byReference.set(message.reference, message);
    return reply.code(202).send({ messageId: message.messageId } satisfies SmsAccepted);
  });

  // The agencies' side of POST /agency-reports: signed as the agency would sign it, over real HTTP.
  app.post('/_control/reports', async (req, reply) => {
    const target = opts.reports;
    if (!target) return badRequest(reply, 'this simulator was started without a Tarkhees URL to report to');
    const parsed = parseReport(req.body);
    if (typeof parsed === 'string') return badRequest(reply, parsed);
    const report: AgencyReport = { ...parsed, reportedAt: new Date().toISOString() };
    const body = JSON.stringify(report);
    try {
      const res = await fetch(`${target.url}/agency-reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedReportHeaders(report.agency, target.secrets[report.agency], body) },
        body,
        signal: AbortSignal.timeout(REPORT_TIMEOUT_MS),
      });
      const answer: unknown = await res.json().catch(() => null);
      return { report, status: res.status, answer } satisfies ReportSent;
    } catch (err) {
      return reply.code(502).send({ error: 'unavailable', message: `Tarkhees at ${target.url} did not answer: ${(err as Error).message}` } satisfies ErrorBody);
    }
  });

  // `messages`: what reached the phones, one per reference; `requests`: every send, in arrival order, repeats and refusals included.
  app.get('/_control/sms', async () => ({ messages: sms.messages.map((m) => ({ ...m })), requests: sms.requests.map((r) => ({ ...r })) }));

  app.put('/_control/sms', async (req, reply) => {
    const parsed = parseSwitches(req.body ?? {});
    if (typeof parsed === 'string') return badRequest(reply, parsed);
    Object.assign(sms.switches, parsed);
    if (parsed.failEvery !== undefined) sms.sinceFailEvery = 0;
    return { ...sms.switches };
  });

  return app;
}
