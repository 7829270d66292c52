// Who may call what. Every route, with every role and with every way of not
// being anyone (no token, an expired one, one from another issuer, a revoked
// API key), against the expected answer written out by hand here: the table
// is the policy as the municipality would state it, checked against the code.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app';
import { apiKeys, auditLog } from '../db/schema';
import { openDb, rowsOf } from '../db/client';
import { startIssuer, type Issuer } from '../identity/issuer';
import { shareCallers, startTestEnv, waitFor, type TestEnv, type Who } from './support/env';
import { call, commercialApplication, healthApplication, submit, submitOk, waitForStage } from './support/fixtures';
import { auditRowsFor, requestIdOf } from './support/audit-rows';
import { KEYCLOAK_DEFAULT_ROLES, startKeycloakRealm, type KeycloakRealm } from './support/keycloak';

let env: TestEnv;
let otherIssuer: Issuer;
/** An incomplete case the applicant filed with office A: it waits for a correction. */
let caseA: string;
let keyA: string;
/** The answer that created keyA, as its manager saw it. */
let keyACreated: string;
let revokedKey: string;

function withoutCivilDefense(nationalId: string) {
  const body = commercialApplication();
  return { ...body, applicant: { ...body.applicant, nationalId }, documents: body.documents.filter((d) => d.type !== 'civil_defense') };
}

beforeAll(async () => {
  env = await startTestEnv();
  otherIssuer = await startIssuer({ port: 0, audience: 'tarkhees-api', tokenTtlSeconds: 600, users: [] });
  const res = await submit(env.api, { ...withoutCivilDefense(env.users.applicant.nationalId!), officeId: env.offices.a }, undefined, 'applicant');
  expect(res.statusCode, res.body).toBe(201);
  caseA = res.json().id;
  await waitForStage(env.api, caseA, 'awaiting_correction');
  const key = await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys`, { name: 'front desk', scopes: ['application.submit', 'application.read'] });
  expect(key.statusCode, key.body).toBe(201);
  keyA = key.json().key;
  keyACreated = key.body;
  const doomed = await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys`, { name: 'old portal', scopes: ['application.read'] });
  revokedKey = doomed.json().key;
  expect((await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys/${doomed.json().id}/revoke`)).statusCode).toBe(200);
});
afterAll(async () => {
  await otherIssuer?.close();
  await env?.close();
});

type Caller = Who | 'apiKey' | 'anonymous' | 'expired' | 'foreignIssuer' | 'revokedKey';
const ROLES_CHECKED: Caller[] = ['applicant', 'clerk', 'health', 'inspector', 'manager', 'clerkB', 'managerB', 'supervisor', 'municipalInspector', 'admin', 'auditor', 'apiKey'];
const NOBODY: Caller[] = ['anonymous', 'expired', 'foreignIssuer', 'revokedKey'];

async function headersFor(who: Caller): Promise<Record<string, string>> {
  switch (who) {
    case 'anonymous':
      return {};
    case 'apiKey':
      return { 'x-api-key': keyA };
    case 'revokedKey':
      return { authorization: `ApiKey ${revokedKey}` };
    case 'expired':
      return { authorization: `Bearer ${await env.token({ ...env.users.supervisor }, { expiresInSeconds: -300 })}` };
    case 'foreignIssuer':
      return { authorization: `Bearer ${await otherIssuer.sign(env.users.supervisor)}` };
    default:
      return env.auth(who);
  }
}

interface RouteCase {
  name: string;
  method: 'GET' | 'POST';
  url: () => string;
  body?: (who: Caller) => unknown;
  public?: boolean;
  /** Expected status per caller; callers left out get `otherwise`. */
  expect: Partial<Record<Caller, number>>;
  otherwise: number;
  /** Run before each caller's request: brings the case back to where the route's answer is the one expected. */
  before?: () => Promise<void>;
}

const everyone = (status: number) => Object.fromEntries(ROLES_CHECKED.map((r) => [r, status])) as Record<Caller, number>;
const municipality = (status: number) => ({ supervisor: status, admin: status, auditor: status });
/** Everyone who works cases: office staff of both offices and the municipality (not applicants, not API keys). */
const staff = (status: number) => ({ ...everyone(status), applicant: 403, apiKey: 403 });

const ROUTES: RouteCase[] = [
  { name: 'health', method: 'GET', url: () => '/health', public: true, expect: {}, otherwise: 200 },
  { name: 'OpenAPI document', method: 'GET', url: () => '/docs/json', public: true, expect: {}, otherwise: 200 },
  // Served on a listener of its own (API_METRICS_ADDRESS), never here.
  { name: 'Prometheus metrics', method: 'GET', url: () => '/metrics', public: true, expect: {}, otherwise: 404 },
  { name: 'license verification', method: 'GET', url: () => '/licenses/AHS-2026-999999', public: true, expect: {}, otherwise: 404 },
  {
    name: 'submit an application',
    method: 'POST',
    url: () => '/applications',
    body: () => ({ ...commercialApplication(), applicant: { ...commercialApplication().applicant, nationalId: env.users.applicant.nationalId! }, officeId: env.offices.a }),
    // Office B's staff file for their own office only.
    expect: { applicant: 201, clerk: 201, manager: 201, apiKey: 201 },
    otherwise: 403,
  },
  { name: 'list applications', method: 'GET', url: () => '/applications', expect: everyone(200), otherwise: 403 },
  {
    name: 'read an application',
    method: 'GET',
    url: () => `/applications/${caseA}`,
    expect: { ...everyone(200), clerkB: 404, managerB: 404 },
    otherwise: 403,
  },
  {
    name: 'send a correction',
    method: 'POST',
    url: () => `/applications/${caseA}/corrections`,
    body: () => ({ note: 'matrix' }),
    // Each caller finds the case waiting for a correction again (a note fixes nothing: it asks for one anew), so
    // everyone who may correct it is accepted.
    before: () => waitForStage(env.api, caseA, 'awaiting_correction').then(() => undefined),
    expect: { applicant: 200, clerk: 200, manager: 200, clerkB: 404, managerB: 404 },
    otherwise: 403,
  },
  {
    name: 'decide a technical review',
    method: 'POST',
    url: () => `/applications/${caseA}/reviews`,
    body: () => ({ kind: 'technical', decision: 'approve' }),
    // The inspector may; the case is not in review, so the workflow refuses.
    expect: { inspector: 409, health: 403 },
    otherwise: 403,
  },
  {
    name: 'move an application to another office',
    method: 'POST',
    url: () => `/applications/${caseA}/office`,
    body: () => ({ officeId: 'OFF-ZZZZZZ', reason: 'matrix' }),
    expect: { supervisor: 400, admin: 400 },
    otherwise: 403,
  },
  { name: 'list offices', method: 'GET', url: () => '/offices', expect: { ...everyone(200), apiKey: 403 }, otherwise: 403 },
  { name: 'read an office', method: 'GET', url: () => `/offices/${env.offices.a}`, expect: { ...everyone(200), apiKey: 403 }, otherwise: 403 },
  { name: 'apply for accreditation', method: 'POST', url: () => '/offices', body: () => ({}), expect: { manager: 400, managerB: 400, admin: 400 }, otherwise: 403 },
  {
    name: "amend an office's file",
    method: 'POST',
    url: () => `/offices/${env.offices.a}/amendments`,
    body: () => ({ note: 'matrix' }),
    // Its own manager may (the accredited office's file is closed: 409); another office's manager finds nothing.
    expect: { manager: 409, admin: 409, managerB: 404 },
    otherwise: 403,
  },
  { name: 'decide an accreditation', method: 'POST', url: () => `/offices/${env.offices.a}/decision`, body: () => ({ decision: 'approve' }), expect: { supervisor: 409 }, otherwise: 403 },
  {
    name: "change an office's standing",
    method: 'POST',
    url: () => `/offices/${env.offices.a}/standing`,
    body: () => ({ action: 'reinstate', reason: 'matrix' }),
    expect: { supervisor: 409 },
    otherwise: 403,
  },
  {
    name: "move an office's open cases",
    method: 'POST',
    url: () => `/offices/${env.offices.a}/reassign-cases`,
    body: () => ({ toOfficeId: 'OFF-ZZZZZZ', reason: 'matrix' }),
    expect: { supervisor: 400, admin: 400 },
    otherwise: 403,
  },
  { name: 'list accreditation rounds', method: 'GET', url: () => '/accreditation-rounds', expect: { ...everyone(200), apiKey: 403 }, otherwise: 403 },
  { name: 'open an accreditation round', method: 'POST', url: () => '/accreditation-rounds', body: () => ({}), expect: { supervisor: 400, admin: 400 }, otherwise: 403 },
  {
    name: 'create an API key',
    method: 'POST',
    url: () => `/offices/${env.offices.a}/api-keys`,
    body: () => ({ name: 'matrix' }),
    expect: { manager: 400, managerB: 400, admin: 400 },
    otherwise: 403,
  },
  {
    name: "list an office's API keys",
    method: 'GET',
    url: () => `/offices/${env.offices.a}/api-keys`,
    expect: { manager: 200, managerB: 404, ...municipality(200) },
    otherwise: 403,
  },
  {
    name: 'revoke an API key',
    method: 'POST',
    url: () => `/offices/${env.offices.a}/api-keys/ak_0000000000000000/revoke`,
    expect: { manager: 404, managerB: 404, admin: 404 },
    otherwise: 403,
  },
  { name: 'read the audit log', method: 'GET', url: () => '/audit', expect: municipality(200), otherwise: 403 },
  { name: 'list tasks', method: 'GET', url: () => '/tasks', expect: staff(200), otherwise: 403 },
  { name: 'count tasks', method: 'GET', url: () => '/tasks/counts', expect: staff(200), otherwise: 403 },
  // No such task: whoever may look gets 404.
  { name: 'read a task', method: 'GET', url: () => `/tasks/${caseA}:technical:1`, expect: staff(404), otherwise: 403 },
  // Supervisors claim the municipality's own tasks (objections); the task's role is checked once it is found.
  { name: 'claim a task', method: 'POST', url: () => `/tasks/${caseA}:technical:1/claim`, expect: { health: 404, inspector: 404, supervisor: 404, municipalInspector: 404 }, otherwise: 403 },
  { name: 'release a task', method: 'POST', url: () => `/tasks/${caseA}:technical:1/release`, expect: { health: 404, inspector: 404, supervisor: 404, municipalInspector: 404 }, otherwise: 403 },
  {
    name: 'reassign a task',
    method: 'POST',
    url: () => `/tasks/${caseA}:technical:1/reassign`,
    body: () => ({ assignee: 'someone' }),
    expect: { supervisor: 404 },
    otherwise: 403,
  },
  {
    name: 'decide a task',
    method: 'POST',
    url: () => `/tasks/${caseA}:technical:1/decision`,
    body: () => ({ decision: 'approve' }),
    // Supervisors decide objections, municipal inspectors the renewal reviews of licenses with no office: which decision the task takes is checked once it is found.
    expect: { health: 404, inspector: 404, supervisor: 404, municipalInspector: 404 },
    otherwise: 403,
  },
  {
    name: 'object to a suspension',
    method: 'POST',
    url: () => '/licenses/AHS-2026-999999/objection',
    body: () => ({ grounds: 'The report names workers who have contracts' }),
    // The holder and their office's staff who file may; no such license.
    expect: { applicant: 404, clerk: 404, manager: 404, clerkB: 404, managerB: 404 },
    otherwise: 403,
  },
  {
    name: "record an inspection's result",
    method: 'POST',
    url: () => '/tasks/AHS-2026-999999:inspection:2/inspection',
    body: () => ({ result: 'pass' }),
    // The municipal inspector alone; no such task.
    expect: { municipalInspector: 404 },
    otherwise: 403,
  },
  {
    name: "decide a renewal's review task",
    method: 'POST',
    url: () => '/tasks/AHS-2026-999999:renewal-health:5/decision',
    body: () => ({ decision: 'approve' }),
    // The license's office's reviewers, or the municipal inspectors for a license with no office; no such task.
    expect: { health: 404, inspector: 404, supervisor: 404, municipalInspector: 404 },
    otherwise: 403,
  },
  {
    name: 'decide an objection task',
    method: 'POST',
    url: () => '/tasks/AHS-2026-999999:objection:3/decision',
    body: () => ({ decision: 'upheld' }),
    expect: { health: 404, inspector: 404, supervisor: 404, municipalInspector: 404 },
    otherwise: 403,
  },
  // Escalations are the supervisors' and managers' business; administrators find stuck cases elsewhere (#5).
  { name: 'stuck cases', method: 'GET', url: () => '/operations/stuck', expect: { supervisor: 200, admin: 200 }, otherwise: 403 },
  { name: "a case's diagnosis", method: 'GET', url: () => '/operations/cases/TRK-20260101-AAAAAA', expect: { supervisor: 404, admin: 404 }, otherwise: 403 },
  {
    name: 'repair a case',
    method: 'POST',
    url: () => `/operations/cases/TRK-20260101-AAAAAA/repair`,
    body: () => ({ action: 'recheck_agencies', reason: 'matrix' }),
    expect: { admin: 404 },
    otherwise: 403,
  },
  {
    name: 'a bulk repair (dry run)',
    method: 'POST',
    url: () => '/operations/bulk',
    body: () => ({ action: 'cancel', reason: 'matrix', filter: { olderThan: '999d' } }),
    expect: { admin: 200 },
    otherwise: 403,
  },
  { name: 'the summary report', method: 'GET', url: () => '/reports/summary?from=2025-01-01&to=2025-01-31', expect: municipality(200), otherwise: 403 },
  { name: 'the offices report', method: 'GET', url: () => '/reports/offices?from=2025-01-01&to=2025-01-31', expect: municipality(200), otherwise: 403 },
  // The municipal inspector records inspections; the figures about them are the supervisors'.
  { name: 'the inspections report', method: 'GET', url: () => '/reports/inspections?from=2025-01-01&to=2025-01-31', expect: municipality(200), otherwise: 403 },
  { name: 'read notifications', method: 'GET', url: () => '/notifications', expect: { manager: 200, managerB: 200, supervisor: 200 }, otherwise: 403 },
  { name: 'acknowledge a notification', method: 'POST', url: () => '/notifications/999999/acknowledge', expect: { manager: 404, managerB: 404, supervisor: 404 }, otherwise: 403 },
  // A supervisor may reach it (they claim objections), but holds no technical review to propose a visit for.
  { name: 'propose a home visit', method: 'POST', url: () => `/tasks/${caseA}:technical:1/visit`, body: () => ({ slot: '2099-01-01T10:00:00Z' }), expect: { health: 404, inspector: 404, supervisor: 404, municipalInspector: 404 }, otherwise: 403 },
  {
    name: 'confirm or move a home visit',
    method: 'POST',
    url: () => `/applications/${caseA}/visit`,
    body: () => ({ confirm: true }),
    // Allowed, but this case has no visit: the workflow refuses.
    expect: { applicant: 409, clerk: 409, manager: 409, clerkB: 404, managerB: 404 },
    otherwise: 403,
  },
  {
    name: "read a case's comments",
    method: 'GET',
    url: () => `/applications/${caseA}/comments`,
    // The municipal inspector inspects licensed shops, and has no part in a case's discussion.
    expect: { ...staff(200), clerkB: 404, managerB: 404, municipalInspector: 403 },
    otherwise: 403,
  },
  {
    name: 'comment on a case',
    method: 'POST',
    url: () => `/applications/${caseA}/comments`,
    body: (who) => ({ body: `a note from ${who}` }),
    expect: { clerk: 201, health: 201, inspector: 201, manager: 201, supervisor: 201, admin: 201, clerkB: 404, managerB: 404 },
    otherwise: 403,
  },
  { name: 'who am I', method: 'GET', url: () => '/me', expect: everyone(200), otherwise: 403 },
];

describe('the access matrix', () => {
  it.each(ROUTES.map((r) => [r.name, r] as const))('%s', async (_name, route) => {
    const mismatches: string[] = [];
    for (const who of [...ROLES_CHECKED, ...NOBODY]) {
      await route.before?.();
      const res = await env.api.inject({
        method: route.method,
        url: route.url(),
        headers: await headersFor(who),
        ...(route.method === 'POST' ? { payload: (route.body?.(who) ?? {}) as object } : {}),
      });
      const expected = NOBODY.includes(who) ? (route.public ? route.otherwise : 401) : (route.expect[who] ?? route.otherwise);
      const ok = res.statusCode === expected;
      if (!ok) mismatches.push(`${who}: expected ${String(expected)}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
      // Every refusal is JSON with a code, never a bare status.
      if (res.statusCode >= 400) expect(res.json().error, `${route.name} as ${who}`).toEqual(expect.any(String));
    }
    expect(mismatches).toEqual([]);
  });
});

describe('authentication answers', () => {
  it('says why a caller was not recognised, and asks for a bearer token', async () => {
    const url = `/applications/${caseA}`;
    const anonymous = await env.api.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="tarkhees"/);
    const expired = await env.api.inject({ method: 'GET', url, headers: await headersFor('expired') });
    expect(expired.json().error).toBe('token_expired');
    const foreign = await env.api.inject({ method: 'GET', url, headers: await headersFor('foreignIssuer') });
    expect(foreign.json().error).toBe('invalid_token');
    const revoked = await env.api.inject({ method: 'GET', url, headers: await headersFor('revokedKey') });
    expect(revoked.json().error).toBe('revoked_api_key');
    const garbage = await env.api.inject({ method: 'GET', url, headers: { authorization: 'Bearer not.a.token' } });
    expect(garbage.json().error).toBe('invalid_token');
    const wrongAudience = await env.api.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${await env.issuer.sign(env.users.supervisor, { audience: 'another-api' })}` },
    });
    expect(wrongAudience.json().error).toBe('invalid_token');
  });

  it('tells a caller who they are and what they may do', async () => {
    const me = (await call(env.api, 'health', 'GET', '/me')).json();
    expect(me).toMatchObject({ kind: 'user', roles: ['health_specialist'], officeId: env.offices.a });
    expect(me.operations).toContain('review.health');
    expect(me.operations).not.toContain('review.technical');
    const key = (await env.api.inject({ method: 'GET', url: '/me', headers: { 'x-api-key': keyA } })).json();
    expect(key).toMatchObject({ kind: 'api_key', officeId: env.offices.a, operations: ['application.submit', 'application.read'] });
  });
});

describe('API keys', () => {
  it('are stored as the SHA-256 of their secret, which no answer ever shows', async () => {
    const [id, secret] = keyA.split('.') as [string, string];
    const [row] = await env.db.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(row, `no api_keys row for ${id}`).toBeDefined();
    // The secret is 43 characters of base64url; what is stored is 64 hex digits, its SHA-256, and nothing in the row holds the secret.
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row!.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.secretHash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
    // Everything the key's office and the municipality can read about it: the secret was shown once, the hash never.
    const answers = {
      created: keyACreated,
      listed: (await call(env.api, 'manager', 'GET', `/offices/${env.offices.a}/api-keys`)).body,
      listedBySupervisor: (await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.a}/api-keys`)).body,
      me: (await env.api.inject({ method: 'GET', url: '/me', headers: { 'x-api-key': keyA } })).body,
      audit: (await call(env.api, 'auditor', 'GET', `/audit?officeId=${env.offices.a}&limit=200`)).body,
    };
    for (const [where, body] of Object.entries(answers)) {
      expect(body, where).not.toContain(row!.secretHash);
      if (where !== 'created') expect(body, where).not.toContain(secret);
    }
    expect(answers.created).toContain(secret);
  });

  it('with a valid id and a wrong secret: 401 invalid_api_key, audited, exactly like an unknown id; the right secret still works', async () => {
    const [id] = keyA.split('.') as [string, string];
    const wrongSecret = `${id}.${'A'.repeat(43)}`;
    const unknownId = `ak_${'0'.repeat(16)}.${keyA.split('.')[1]}`;
    const post = (key: string) => env.api.inject({ method: 'POST', url: '/applications', headers: { authorization: `ApiKey ${key}` }, payload: commercialApplication() });
    const wrong = await post(wrongSecret);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'invalid_api_key' });
    // An attacker holding a key's id learns nothing more than one guessing ids.
    const unknown = await post(unknownId);
    expect(unknown.json()).toEqual(wrong.json());
    expect(await auditRowsFor(env.db.db, requestIdOf(wrong))).toMatchObject([{ actorKind: 'anonymous', statusCode: 401, details: { error: 'invalid_api_key' } }]);
    expect((await env.api.inject({ method: 'GET', url: '/applications', headers: { 'x-api-key': wrongSecret } })).statusCode).toBe(401);

    const right = await post(keyA);
    expect(right.statusCode, right.body).toBe(201);
    expect(await auditRowsFor(env.db.db, requestIdOf(right))).toMatchObject([{ actorKind: 'api_key', actorId: id, statusCode: 201 }]);
  });

  it('are scoped to their office, and record when they were last used', async () => {
    const id = keyA.split('.')[0]!;
    await env.api.inject({ method: 'GET', url: '/applications', headers: { 'x-api-key': keyA } });
    await waitFor('last used recorded', async () => {
      const [row] = await env.db.db.select().from(apiKeys).where(eq(apiKeys.id, id));
      return row?.lastUsedAt ? row : undefined;
    });
    // The key files for its own office only, and sees only its office's cases.
    const elsewhere = await env.api.inject({
      method: 'POST',
      url: '/applications',
      headers: { 'x-api-key': keyA },
      payload: { ...commercialApplication(), officeId: env.offices.b },
    });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().field).toBe('body/officeId');
    const filed = await env.api.inject({ method: 'POST', url: '/applications', headers: { 'x-api-key': keyA }, payload: commercialApplication() });
    expect(filed.statusCode).toBe(201);
    const mine = await env.api.inject({ method: 'GET', url: `/applications/${filed.json().id}`, headers: { 'x-api-key': keyA } });
    expect(mine.json().officeId).toBe(env.offices.a);
  });

  it('stops working the moment it is revoked', async () => {
    const created = (await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys`, { name: 'short lived', scopes: ['application.read'] })).json();
    const use = () => env.api.inject({ method: 'GET', url: '/applications', headers: { authorization: `ApiKey ${created.key}` } });
    expect((await use()).statusCode).toBe(200);
    // Another office's manager cannot revoke it; its own can.
    expect((await call(env.api, 'managerB', 'POST', `/offices/${env.offices.a}/api-keys/${created.id}/revoke`)).statusCode).toBe(404);
    const asked = Date.now();
    const revoked = await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys/${created.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    // Revoked now, by this call (a second of leeway for the database's clock).
    const at = Date.parse(revoked.json().revokedAt);
    expect(at).toBeGreaterThanOrEqual(asked - 1_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1_000);
    expect((await use()).statusCode).toBe(401);
  });
});

describe('across offices', () => {
  it("office B's staff cannot see or touch office A's cases, and cannot tell them from cases that do not exist", async () => {
    const id = caseA;
    const missing = 'TRK-20260101-AAAAAA';
    for (const target of [id, missing]) {
      const read = await call(env.api, 'clerkB', 'GET', `/applications/${target}`);
      expect(read.statusCode).toBe(404);
      expect(read.json()).toEqual({ error: 'not_found', message: `no application ${target}` });
    }
    expect((await call(env.api, 'clerkB', 'POST', `/applications/${id}/corrections`, { note: 'x' })).statusCode).toBe(404);
    const listB = (await call(env.api, 'clerkB', 'GET', '/applications?limit=100')).json();
    expect(listB.items.map((a: { id: string }) => a.id)).not.toContain(id);
    // Filtering by another office's id just finds nothing.
    const probe = (await call(env.api, 'clerkB', 'GET', `/applications?officeId=${env.offices.a}`)).json();
    expect(probe.items).toEqual([]);
    const listA = (await call(env.api, 'clerk', 'GET', '/applications?limit=100')).json();
    // Office A's clerk does see office A's case (an empty list would satisfy the next line), and nothing of another office.
    expect(listA.items.map((a: { id: string }) => a.id)).toContain(id);
    expect(listA.items.filter((a: { officeId: string }) => a.officeId !== env.offices.a)).toEqual([]);
  });

  it('an applicant sees only their own applications and files only under their own ID', async () => {
    const own = (await call(env.api, 'applicant', 'GET', '/applications?limit=100')).json();
    expect(own.items.map((a: { id: string }) => a.id)).toContain(caseA);
    const someoneElses = await submit(env.api, commercialApplication(), undefined, 'clerk');
    expect((await call(env.api, 'applicant', 'GET', `/applications/${someoneElses.json().id}`)).statusCode).toBe(404);
    const impersonating = await submit(env.api, commercialApplication(), undefined, 'applicant');
    expect(impersonating.statusCode).toBe(403);
    expect(impersonating.json().field).toBe('body/applicant/nationalId');
  });
});

describe('API key scopes', () => {
  /** A key of office A's manager with these scopes only. */
  const keyWith = async (...scopes: string[]) => {
    const res = await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys`, { name: `only ${scopes.join(' ')}`, scopes });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().key as string;
  };
  const asKey = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    env.api.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
  const awaitingCorrection = async (who: Who) => {
    const id = (await submit(env.api, withoutCivilDefense(commercialApplication().applicant.nationalId), undefined, who)).json().id as string;
    await waitForStage(env.api, id, 'awaiting_correction');
    return id;
  };

  it('application.correct: corrects its office’s case waiting for a correction, and nothing else', async () => {
    const key = await keyWith('application.correct');
    const [mine, theirs] = await Promise.all([awaitingCorrection('clerk'), awaitingCorrection('clerkB')]);
    const corrected = await asKey(key, 'POST', `/applications/${mine}/corrections`, { note: 'from the office software' });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(await auditRowsFor(env.db.db, requestIdOf(corrected))).toMatchObject([{ actorKind: 'api_key', statusCode: 200, targetId: mine }]);
    expect((await asKey(key, 'POST', `/applications/${theirs}/corrections`, { note: 'not ours' })).statusCode).toBe(404);
    const refused = {
      read: (await asKey(key, 'GET', `/applications/${mine}`)).statusCode,
      list: (await asKey(key, 'GET', '/applications')).statusCode,
      submit: (await asKey(key, 'POST', '/applications', commercialApplication())).statusCode,
      offices: (await asKey(key, 'GET', '/offices')).statusCode,
    };
    expect(refused).toEqual({ read: 403, list: 403, submit: 403, offices: 403 });
  });

  it('office.read: reads the offices (its own in full), and no application', async () => {
    const key = await keyWith('office.read');
    const list = await asKey(key, 'GET', '/offices');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((o: { id: string }) => o.id)).toEqual(expect.arrayContaining([env.offices.a, env.offices.b]));
    const own = await asKey(key, 'GET', `/offices/${env.offices.a}`);
    expect(own.statusCode).toBe(200);
    expect(own.json().staff.map((m: { userId: string }) => m.userId)).toContain(env.users.clerk.sub);
    // Another office: what anyone sees of an accredited office, not its staff.
    const other = await asKey(key, 'GET', `/offices/${env.offices.b}`);
    expect(other.statusCode).toBe(200);
    expect(other.json().staff).toBeUndefined();
    const refused = {
      list: (await asKey(key, 'GET', '/applications')).statusCode,
      read: (await asKey(key, 'GET', `/applications/${caseA}`)).statusCode,
      submit: (await asKey(key, 'POST', '/applications', commercialApplication())).statusCode,
      correct: (await asKey(key, 'POST', `/applications/${caseA}/corrections`, { note: 'x' })).statusCode,
    };
    expect(refused).toEqual({ list: 403, read: 403, submit: 403, correct: 403 });
  });
});

describe("roles from Keycloak's realm_access.roles", () => {
  let realm: KeycloakRealm;
  let api: FastifyInstance;
  beforeAll(async () => {
    realm = await startKeycloakRealm();
    // The environment's API, but trusting the realm: its keys found through its discovery document, as AUTH_ISSUER alone configures.
    api = await buildApp({ config: { ...env.config, auth: { ...env.config.auth, issuer: realm.issuer, jwksUrl: undefined } }, db: env.db.db, temporal: env.client, logger: false });
    await api.ready();
  });
  afterAll(async () => {
    await api?.close();
    await realm?.close();
  });
  const as = async (user: Parameters<KeycloakRealm['accessToken']>[0], method: 'GET' | 'POST', url: string, payload?: object) =>
    api.inject({ method, url, headers: { authorization: `Bearer ${await realm.accessToken(user)}` }, ...(payload ? { payload } : {}) });

  it('are the caller’s roles: a realm supervisor reads the reports, a realm clerk files for the office the token names', async () => {
    const supervisor = { sub: 'kc-supervisor', realmRoles: ['supervisor'] };
    expect((await as(supervisor, 'GET', '/me')).json()).toMatchObject({ kind: 'user', id: 'kc-supervisor', roles: ['supervisor'] });
    expect((await as(supervisor, 'GET', '/reports/summary?from=2025-01-01&to=2025-01-31')).statusCode).toBe(200);

    const clerk = { sub: 'kc-clerk', realmRoles: ['office_clerk'], officeId: env.offices.a };
    const filed = await as(clerk, 'POST', '/applications', commercialApplication());
    expect(filed.statusCode, filed.body).toBe(201);
    expect(await auditRowsFor(env.db.db, requestIdOf(filed))).toMatchObject([{ actorId: 'kc-clerk', statusCode: 201 }]);
    const [row] = await rowsOf<{ roles: string[]; client: string }>(env.db.db, sql`select roles, client from audit_log where request_id = ${requestIdOf(filed)}`);
    expect(row).toEqual({ roles: ['office_clerk'], client: 'office-portal' });
    expect((await as(clerk, 'GET', `/applications/${filed.json().id}`)).json().officeId).toBe(env.offices.a);
    // The clerk's realm role is not the supervisor's.
    expect((await as(clerk, 'GET', '/reports/summary?from=2025-01-01&to=2025-01-31')).statusCode).toBe(403);
  });

  it(`Keycloak's own default roles (${KEYCLOAK_DEFAULT_ROLES.join(', ')}) grant nothing`, async () => {
    const nobody = { sub: 'kc-nobody', realmRoles: [] };
    expect((await as(nobody, 'GET', '/me')).json().roles).toEqual([]);
    expect((await as(nobody, 'GET', '/applications')).statusCode).toBe(403);
    expect((await as(nobody, 'POST', '/applications', commercialApplication())).statusCode).toBe(403);
  });
});

describe('task routes across offices, on a real task', () => {
  let id: string;
  const health = () => `${id}:health:1`;
  const technical = () => `${id}:technical:1`;
  beforeAll(async () => {
    id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
  });
  const stored = async (taskId: string) => (await call(env.api, 'supervisor', 'GET', `/tasks/${taskId}`)).json() as { status: string; assignee: string | null };

  it("office B's reviewers cannot read, claim, release, decide or visit office A's tasks, and cannot tell them from missing ones", async () => {
    const tries: [Who, 'GET' | 'POST', string, object?][] = [
      ['healthB', 'GET', `/tasks/${health()}`],
      ['healthB', 'POST', `/tasks/${health()}/claim`],
      ['healthB', 'POST', `/tasks/${health()}/release`],
      ['healthB', 'POST', `/tasks/${health()}/decision`, { decision: 'approve' }],
      ['inspectorB', 'GET', `/tasks/${technical()}`],
      ['inspectorB', 'POST', `/tasks/${technical()}/claim`],
      ['inspectorB', 'POST', `/tasks/${technical()}/decision`, { decision: 'approve' }],
      ['inspectorB', 'POST', `/tasks/${technical()}/visit`, { slot: '2099-01-01T10:00:00Z' }],
    ];
    for (const [who, method, url, body] of tries) {
      const res = await call(env.api, who, method, url, body);
      expect({ who, url, status: res.statusCode, body: res.json() }).toEqual({ who, url, status: 404, body: { error: 'not_found', message: `no task ${url.split('/')[2]}` } });
    }
    expect((await call(env.api, 'inspectorB', 'GET', `/tasks?q=${id}&status=active`)).json().items).toEqual([]);
    expect((await call(env.api, 'inspectorB', 'GET', `/tasks/counts?q=${id}`)).json().active).toBe(0);
    // Nothing they tried took hold.
    expect(await stored(health())).toMatchObject({ status: 'open', assignee: null });
    expect(await stored(technical())).toMatchObject({ status: 'open', assignee: null });
  });

  it("office A's reviewer claims and decides; the supervisor reassigns, only to the task's own office", async () => {
    expect((await call(env.api, 'health', 'GET', `/tasks/${health()}`)).statusCode).toBe(200);
    const claimed = await call(env.api, 'health', 'POST', `/tasks/${health()}/claim`);
    expect(claimed.json()).toMatchObject({ status: 'claimed', assignee: env.users.health.sub });
    expect((await call(env.api, 'health', 'POST', `/tasks/${health()}/decision`, { decision: 'approve' })).json()).toMatchObject({ status: 'completed', decision: 'approve' });

    const elsewhere = await call(env.api, 'supervisor', 'POST', `/tasks/${technical()}/reassign`, { assignee: env.users.inspectorB.sub, reason: 'cover' });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().field).toBe('body/assignee');
    const given = await call(env.api, 'supervisor', 'POST', `/tasks/${technical()}/reassign`, { assignee: env.users.inspector.sub, reason: 'cover' });
    expect(given.json()).toMatchObject({ status: 'claimed', assignee: env.users.inspector.sub });
    expect((await call(env.api, 'inspector', 'POST', `/tasks/${technical()}/decision`, { decision: 'approve' })).json()).toMatchObject({ status: 'completed' });
  });
});

describe('the audit log', () => {
  it('records who changed what, from which client, including refused attempts, and is queryable by case and by actor', async () => {
    const body = { documents: [{ type: 'civil_defense', reference: 'audit-cd', expiresOn: '2099-01-01' }] };
    const headers = { ...(await env.auth('clerk')), 'user-agent': 'office-desk/2.1' };
    await env.api.inject({ method: 'POST', url: `/applications/${caseA}/corrections`, headers, payload: body });
    await call(env.api, 'clerkB', 'POST', `/applications/${caseA}/corrections`, body);
    await env.api.inject({ method: 'POST', url: `/applications/${caseA}/corrections`, payload: body });

    const byCase = (await call(env.api, 'auditor', 'GET', `/audit?applicationId=${caseA}&limit=200`)).json();
    const rows = byCase.items as { actor: { id: string; roles: string[]; officeId: string | null }; statusCode: number; userAgent: string; route: string; client: string }[];
    const clerk = rows.find((r) => r.actor.id === env.users.clerk.sub && r.userAgent === 'office-desk/2.1');
    expect(clerk).toMatchObject({ route: '/applications/:id/corrections', actor: { roles: ['office_clerk'], officeId: env.offices.a }, client: 'tarkhees-cli' });
    expect(rows.find((r) => r.actor.id === env.users.clerkB.sub)?.statusCode).toBe(404);
    expect(rows.find((r) => r.actor.id === 'anonymous')?.statusCode).toBe(401);

    const byActor = (await call(env.api, 'auditor', 'GET', `/audit?actorId=${env.users.manager.sub}`)).json();
    expect(byActor.items.map((r: { route: string }) => r.route)).toContain('/offices/:id/api-keys/:keyId/revoke');
    // Reads are not audited: the log is for changes (and the matrix above read a lot).
    const reads = await env.db.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(eq(auditLog.method, 'GET'));
    expect(reads[0]!.n).toBe(0);
    expect(rows.length).toBeGreaterThan(3);
  });

  it('cannot be rewritten: the runtime role may only append and read, and even the owner meets the trigger', async () => {
    // drizzle wraps the database's error; the database's message is its cause.
    const refusal = async (q: Promise<unknown>) => q.then(() => 'no error', (e: { cause?: Error }) => String(e.cause?.message ?? e));
    const [before] = await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from audit_log`);
    expect(before!.n).toBeGreaterThan(0);
    // What the API and the worker connect as.
    expect(await refusal(env.db.db.execute(sql`update audit_log set actor_id = 'someone-else'`))).toMatch(/permission denied for table audit_log/);
    expect(await refusal(env.db.db.delete(auditLog))).toMatch(/permission denied for table audit_log/);
    expect(await refusal(env.db.db.execute(sql`truncate audit_log`))).toMatch(/permission denied for table audit_log/);
    expect(await refusal(env.db.db.execute(sql`drop trigger audit_log_no_update on audit_log`))).toMatch(/must be owner of (table|relation) audit_log/);
    expect(await refusal(env.db.db.execute(sql`alter table audit_log disable trigger all`))).toMatch(/must be owner of (table|relation) audit_log/);
    expect(await refusal(env.db.db.execute(sql`drop table audit_log`))).toMatch(/must be owner of (table|relation) audit_log/);
    // The owner (who runs the migrations) still meets the append-only trigger.
    const owner = await openDb({ databaseUrl: env.ownerDatabaseUrl!, pgliteDir: '' });
    try {
      expect(await refusal(owner.db.execute(sql`update audit_log set actor_id = 'someone-else'`))).toMatch(/append-only \(UPDATE refused\)/);
      expect(await refusal(owner.db.delete(auditLog))).toMatch(/append-only \(DELETE refused\)/);
      expect(await refusal(owner.db.execute(sql`truncate audit_log`))).toMatch(/append-only \(TRUNCATE refused\)/);
    } finally {
      await owner.close();
    }
    const [after] = await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from audit_log where actor_id <> 'someone-else'`);
    expect(after!.n).toBe(before!.n);
  });
});

describe('protections', () => {
  it('sends security headers', async () => {
    const res = await call(env.api, 'clerk', 'GET', '/applications');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['strict-transport-security']).toBeTruthy();
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('refuses a body over the size limit with 413', async () => {
    const huge = { ...commercialApplication(), establishment: { ...commercialApplication().establishment, tradeName: 'x'.repeat(2 * 1024 * 1024) } };
    const res = await submit(env.api, huge);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('payload_too_large');
  });
});

describe('rate limits', () => {
  let limited: TestEnv;
  beforeAll(async () => {
    limited = await startTestEnv({ rateLimitMax: 5, startWorker: false });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('limits each client on its own: one client over its budget gets 429, another is unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(limited.api, 'clerk', 'GET', '/applications')).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limitedRes = await call(limited.api, 'clerk', 'GET', '/applications');
    expect(limitedRes.json().error).toBe('rate_limited');
    expect((await call(limited.api, 'supervisor', 'GET', '/applications')).statusCode).toBe(200);
  });

  it('counts a client once across API instances: two behind a load balancer allow what one would', async () => {
    // A second instance with its own pool on the same database, as a second API process has.
    const handle = await openDb({ databaseUrl: limited.config.databaseUrl, pgliteDir: '' });
    const second = await buildApp({ config: limited.config, db: handle.db, temporal: limited.client, logger: false });
    shareCallers(limited.api, second);
    try {
      const statuses: number[] = [];
      // The inspector has made no call yet: its budget of 5 is whole. Alternate between the two, as a balancer does.
      for (let i = 0; i < 8; i++) statuses.push((await call(i % 2 === 0 ? limited.api : second, 'inspector', 'GET', '/applications')).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const refused = await call(second, 'inspector', 'GET', '/applications');
      expect(refused.json()).toMatchObject({ error: 'rate_limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await second.close();
      await handle.close();
    }
  });
});

// Last in the file: it suspends and then revokes office B.
describe("the access matrix under office B's standing", () => {
  const B: Caller[] = ['clerkB', 'managerB'];
  const standing = async (action: 'suspend' | 'revoke', status: string) => {
    expect((await call(env.api, 'supervisor', 'POST', `/offices/${env.offices.b}/standing`, { action, reason: `matrix: ${action}` })).statusCode).toBe(200);
    await waitFor(`office B ${status}`, async () => (await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.b}`)).json().status === status || undefined);
  };
  /** Every non-public route as office B's staff, against what the standing makes of the matrix's answer. */
  async function mismatches(expected: (route: RouteCase, who: Caller) => number | { error: string }) {
    const found: string[] = [];
    for (const route of ROUTES.filter((r) => !r.public)) {
      for (const who of B) {
        const res = await env.api.inject({
          method: route.method,
          url: route.url(),
          headers: await headersFor(who),
          ...(route.method === 'POST' ? { payload: (route.body?.(who) ?? {}) as object } : {}),
        });
        const want = expected(route, who);
        const ok = typeof want === 'object' ? res.statusCode === 403 && res.json().error === want.error : res.statusCode === want;
        if (!ok) found.push(`${route.name} as ${who}: expected ${JSON.stringify(want)}, got ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
    }
    return found;
  }

  it('suspended: its staff read as before, and every change they try is refused', async () => {
    await standing('suspend', 'suspended');
    expect(await mismatches((route, who) => (route.method === 'GET' ? (route.expect[who] ?? route.otherwise) : { error: 'office_suspended' }))).toEqual([]);
  });

  it('revoked: its staff are refused everything', async () => {
    await standing('revoke', 'revoked');
    expect(await mismatches(() => ({ error: 'office_revoked' }))).toEqual([]);
  });
});
