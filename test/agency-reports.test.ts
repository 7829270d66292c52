// POST /agency-reports on the real Temporal server and PostgreSQL: the
// agencies' signed reports are kept once per id, refused (and audited) when
// unsigned, badly signed, stale or from an unknown agency, and dispatched by
// their own workflow: a `resolved` report releases at once a case the agency
// holds, and every report reaches the license workflows of its CR number.
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { agencyReports, auditLog, licenses } from '../db/schema';
import type { AgencyReport, AgencyReportDispatch } from '../domain/agency-reports';
import type { Agency } from '../domain/status';
import { AgencyReportDispatcher } from '../integrations/agency-reports/dispatch';
import { REPORT_TIMESTAMP_TOLERANCE_S, signedReportHeaders } from '../integrations/agency-reports/signature';
import { buildSimulator, type ReportSent } from '../simulator/app';
import { licenseWorkflowId } from '../workflows/license/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { crNumber, heldByLaborOffice, waitForApp } from './support/fixtures';

/** Far beyond the few seconds a released case takes: a case that moves did not wait for its own recheck. */
const RECHECK_INTERVAL_MS = 10 * 60_000;

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ timing: { agencyRecheckIntervalMs: RECHECK_INTERVAL_MS, agencyHoldDeadlineMs: 3 * RECHECK_INTERVAL_MS } });
});
afterAll(async () => {
  await env?.close();
});

const report = (overrides: Partial<AgencyReport> = {}): AgencyReport => ({
  id: `LBR-${randomUUID()}`,
  agency: 'labor_office',
  crNumber: crNumber(),
  kind: 'violation',
  reason: 'Workforce file: 3 workers without valid contracts',
  reportedAt: new Date().toISOString(),
  ...overrides,
});

/** Sends `body` (exactly these bytes) as an agency would, signed unless `headers` says otherwise. */
async function send(
  api: FastifyInstance,
  body: string | object,
  opts: { agency?: Agency; secret?: string; nowMs?: number; headers?: Record<string, string> } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const agency = opts.agency ?? (JSON.parse(raw) as AgencyReport).agency;
  const signed = signedReportHeaders(agency, opts.secret ?? env.config.agencyReports.secrets[agency], raw, opts.nowMs);
  return api.inject({ method: 'POST', url: '/agency-reports', headers: { 'content-type': 'application/json', ...signed, ...opts.headers }, payload: raw });
}

const auditOf = async (res: { headers: Record<string, unknown> }) =>
  env.db.db.select().from(auditLog).where(eq(auditLog.requestId, String(res.headers['x-request-id'])));

const storedReport = async (agency: Agency, id: string) =>
  (await env.db.db.select().from(agencyReports).where(and(eq(agencyReports.agency, agency), eq(agencyReports.reportId, id))))[0];

const dispatched = (r: AgencyReport) =>
  waitFor(`report ${r.id} dispatched`, async () => (await storedReport(r.agency, r.id))?.dispatch ?? undefined) as Promise<AgencyReportDispatch>;

async function control(path: string, body: unknown) {
  const res = await fetch(`${env.simulatorUrl}/_control${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator ${path} answered ${res.status}`);
}

describe('the intake', () => {
  it('accepts a signed report, stores it, audits it under the agency, and dispatches it', async () => {
    const r = report();
    const res = await send(env.api, r);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ id: r.id, agency: 'labor_office', crNumber: r.crNumber, kind: 'violation', receivedAt: expect.any(String) });
    const row = await storedReport('labor_office', r.id);
    expect(row).toMatchObject({ crNumber: r.crNumber, kind: 'violation', reason: r.reason, reportedAt: new Date(r.reportedAt) });
    const [audit] = await auditOf(res);
    expect(audit).toMatchObject({ actorKind: 'agency', actorId: 'labor_office', operation: 'agency_report.submit', targetType: 'agency_report', targetId: r.id, statusCode: 201 });
    // Nothing of this CR is open or licensed: dispatched to nobody, and said so.
    expect(await dispatched(r)).toEqual({ applications: [], licenses: [] });
    expect((await storedReport('labor_office', r.id))!.workflowStartedAt).not.toBeNull();
  });

  it('answers a replay (same id, same body) with the first answer, and refuses the same id with another body', async () => {
    const r = report({ agency: 'zakat', id: `ZKT-${randomUUID()}` });
    const first = await send(env.api, r);
    expect(first.statusCode, first.body).toBe(201);
    // Sent again later, signed afresh, its keys in another order: the same report.
    const reordered = Object.fromEntries(Object.entries(r).reverse());
    const again = await send(env.api, reordered, { nowMs: Date.now() + 2_000 });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());

    const other = await send(env.api, { ...r, reason: 'something else' });
    expect(other.statusCode, other.body).toBe(409);
    expect(other.json()).toMatchObject({ error: 'report_id_reused' });
    expect((await storedReport('zakat', r.id))!.reason).toBe(r.reason);
    const [audit] = await auditOf(other);
    expect(audit).toMatchObject({ actorKind: 'agency', actorId: 'zakat', statusCode: 409, details: { error: 'report_id_reused', reportId: r.id } });
  });

  // Each refusal: its status and code, no row, and an audit row saying who it claimed to be.
  it.each([
    ['a stale timestamp', () => ({ nowMs: Date.now() - (REPORT_TIMESTAMP_TOLERANCE_S + 60) * 1000 }), 'stale_timestamp'],
    ['a timestamp from the future', () => ({ nowMs: Date.now() + (REPORT_TIMESTAMP_TOLERANCE_S + 60) * 1000 }), 'stale_timestamp'],
    ['the other agency\'s secret', () => ({ secret: env.config.agencyReports.secrets.zakat }), 'bad_signature'],
    ['a signature of other bytes', () => ({ headers: { 'x-signature': signedReportHeaders('labor_office', env.config.agencyReports.secrets.labor_office, '{}')['x-signature']! } }), 'bad_signature'],
    ['an unknown agency', () => ({ headers: { 'x-agency': 'municipality' } }), 'unknown_agency'],
    ['no signature at all', () => ({ headers: { 'x-signature': '' } }), 'signature_required'],
  ] as [string, () => { nowMs?: number; secret?: string; headers?: Record<string, string> }, string][])('refuses %s (401), stores nothing, audits it', async (_what, opts, code) => {
    const r = report();
    const res = await send(env.api, r, opts());
    expect(res.statusCode, res.body).toBe(401);
    expect(res.json()).toMatchObject({ error: code, message: expect.any(String) });
    expect(res.headers['www-authenticate']).toMatch(/^HMAC-SHA256/);
    expect(await storedReport('labor_office', r.id)).toBeUndefined();
    const [audit] = await auditOf(res);
    expect(audit).toMatchObject({ actorKind: 'anonymous', route: '/agency-reports', statusCode: 401, details: { error: code } });
    if (code !== 'signature_required') expect(audit!.details.claimedAgency).toBe(opts().headers?.['x-agency'] ?? 'labor_office');
  });

  it('takes no bearer token, and refuses an agency reporting as the other', async () => {
    const r = report();
    const raw = JSON.stringify(r);
    const bearer = await env.api.inject({ method: 'POST', url: '/agency-reports', headers: { ...(await env.auth('admin')), 'content-type': 'application/json' }, payload: raw });
    expect(bearer.statusCode, bearer.body).toBe(401);
    expect(bearer.json().error).toBe('signature_required');

    const asOther = await send(env.api, r, { agency: 'zakat' });
    expect(asOther.statusCode, asOther.body).toBe(403);
    expect(asOther.json()).toMatchObject({ error: 'agency_mismatch', field: 'body/agency' });
    expect((await auditOf(asOther))[0]).toMatchObject({ actorKind: 'agency', actorId: 'zakat', statusCode: 403 });
    expect(await storedReport('labor_office', r.id)).toBeUndefined();
  });

  it('checks the body after the signature: a signed report that breaks the schema is a 400 under the agency', async () => {
    const res = await send(env.api, { ...report(), crNumber: '123' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field: 'body/crNumber' });
    expect((await auditOf(res))[0]).toMatchObject({ actorKind: 'agency', actorId: 'labor_office', statusCode: 400 });
  });
});

describe('the dispatch', () => {
  let held: { id: string; cr: string };

  it('a resolved report releases at once a case the Labor Office holds', async () => {
    held = await heldByLaborOffice(env.api);
    // The establishment settled with the agency; the case would hear of it only at its next recheck, minutes away.
    await control(`/labor/establishments/${held.cr}`, { compliant: true });
    const r = report({ crNumber: held.cr, kind: 'resolved', reason: 'Workforce file regularised' });
    const res = await send(env.api, r);
    expect(res.statusCode, res.body).toBe(201);
    const released = await waitForApp(env.api, held.id, 'issued', (a) => a.status === 'issued', 30_000);
    expect(released.agencies.labor_office.state).toBe('compliant');
    expect((await dispatched(r)).applications).toEqual([{ id: held.id, outcome: 'signalled' }]);
  });

  it('a report from the other agency does not recheck a case only the Labor Office holds, nor does a violation', async () => {
    const other = await heldByLaborOffice(env.api);
    const zakat = report({ agency: 'zakat', id: `ZKT-${randomUUID()}`, crNumber: other.cr, kind: 'resolved' });
    const violation = report({ crNumber: other.cr, kind: 'violation' });
    expect((await send(env.api, zakat)).statusCode).toBe(201);
    expect((await send(env.api, violation)).statusCode).toBe(201);
    expect((await dispatched(zakat)).applications).toEqual([]);
    expect((await dispatched(violation)).applications).toEqual([]);
  });

  it('tells the license workflow of the CR number, which suspends the license, and records a license whose workflow does not run as not found', async () => {
    // The case released above holds its license now, and its license's workflow runs.
    const [license] = await env.db.db.select({ number: licenses.number }).from(licenses).where(eq(licenses.applicationId, held.id));
    expect(license).toBeDefined();
    const r = report({ crNumber: held.cr, kind: 'closure', reason: 'Establishment closed by the Labor Office' });
    expect((await send(env.api, r)).statusCode).toBe(201);
    expect((await dispatched(r)).licenses).toEqual([{ number: license!.number, outcome: 'signalled' }]);
    const suspended = await waitFor<Record<string, any>>('the license suspended', async () => {
      const res = await env.api.inject({ method: 'GET', url: `/licenses/${license!.number}` });
      return res.json<{ status: string; statusReason?: string }>().status === 'suspended' ? res.json<{ status: string }>() : undefined;
    });
    expect(suspended).toMatchObject({ status: 'suspended' });

    // Its workflow ended (terminated here): the report is kept and the dispatch says so, no error.
    await env.client.workflow.getHandle(licenseWorkflowId(license!.number)).terminate('test: a license whose workflow is gone');
    const after = report({ crNumber: held.cr, kind: 'violation' });
    expect((await send(env.api, after)).statusCode).toBe(201);
    expect((await dispatched(after)).licenses).toEqual([{ number: license!.number, outcome: 'not_found' }]);
  });

  it('a report kept while Temporal could not take its dispatch is started by the sweep', async () => {
    // As the intake leaves it when the start fails: stored, no workflow, received a while ago.
    const r = report({ kind: 'resolved' });
    await env.db.db.insert(agencyReports).values({ agency: r.agency, reportId: r.id, crNumber: r.crNumber, kind: r.kind, reason: r.reason, reportedAt: new Date(r.reportedAt), bodyHash: 'x', receivedAt: new Date(Date.now() - 60_000) });
    const sweep = new AgencyReportDispatcher(env.db.db, env.client, env.config.temporal.taskQueue);
    expect(await sweep.sweep()).toBeGreaterThanOrEqual(1);
    expect(await dispatched(r)).toEqual({ applications: [], licenses: [] });
    expect((await storedReport(r.agency, r.id))!.workflowStartedAt).not.toBeNull();
  });
});

describe("the simulator's switch", () => {
  it('sends a signed report over real HTTP, and Tarkhees accepts it', async () => {
    await env.api.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(env.api.server.address() as AddressInfo).port}`;
    const simulator = buildSimulator({ reports: { url, secrets: env.config.agencyReports.secrets } });
    await simulator.listen({ host: '127.0.0.1', port: 0 });
    try {
      const cr = crNumber();
      const res = await fetch(`http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}/_control/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agency: 'zakat', crNumber: cr, kind: 'violation', reason: 'Zakat certificate expired' }),
      });
      expect(res.status).toBe(200);
      const sent = (await res.json()) as ReportSent;
      expect(sent.status).toBe(201);
      expect(sent.answer).toMatchObject({ id: sent.report.id, agency: 'zakat', crNumber: cr });
      expect(await storedReport('zakat', sent.report.id)).toMatchObject({ crNumber: cr, reason: 'Zakat certificate expired' });
    } finally {
      await simulator.close();
    }
  });

  it('refuses a report it cannot send, naming the field', async () => {
    const simulator = buildSimulator({ reports: { url: 'http://127.0.0.1:9', secrets: env.config.agencyReports.secrets } });
    const res = await simulator.inject({ method: 'POST', url: '/_control/reports', payload: { agency: 'labor', crNumber: '1', kind: 'violation', reason: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/agency must be one of labor_office, zakat/);
  });
});
