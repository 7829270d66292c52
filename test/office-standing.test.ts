// Every right a caller uses is one they earned: an API key carries only what
// its creator may do, for a while if so made; a suspended office's staff and
// keys may read but not act, a revoked one's may do nothing; and a caller
// whose token does not say for whom they file may not file at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call, commercialApplication, submit, waitForStage } from './support/fixtures';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const withKey = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  env.api.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });

async function newKey(who: 'manager' | 'managerB' | 'admin', office: string, body: object) {
  return call(env.api, who, 'POST', `/offices/${office}/api-keys`, body);
}

describe('API keys carry earned scopes', () => {
  it("an administrator cannot mint a key to file or correct for an office; the office's manager can", async () => {
    for (const scopes of [['application.submit'], ['application.correct'], ['application.read', 'application.submit']]) {
      const res = await newKey('admin', env.offices.a, { name: 'portal', scopes });
      expect(res.statusCode, JSON.stringify(scopes)).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden', field: 'body/scopes' });
    }
    expect((await newKey('admin', env.offices.a, { name: 'municipal dashboard', scopes: ['application.read', 'office.read'] })).statusCode).toBe(201);
    expect((await newKey('manager', env.offices.a, { name: 'front desk', scopes: ['application.submit', 'application.correct'] })).statusCode).toBe(201);
    const audit = await rowsOf<{ status_code: number; actor_id: string }>(env.db.db, sql`
      select status_code, actor_id from audit_log where route = '/offices/:id/api-keys' and actor_id = ${env.users.admin.sub} order by id`);
    expect(audit.map((r) => r.status_code)).toEqual([403, 403, 403, 201]);
  });

  it('may be made to expire: listed with its expiry, refused once it has passed', async () => {
    const past = await newKey('manager', env.offices.a, { name: 'pilot', scopes: ['application.read'], expiresAt: new Date(Date.now() - 1_000).toISOString() });
    expect(past.json()).toMatchObject({ error: 'validation_failed', field: 'body/expiresAt' });
    const far = await newKey('manager', env.offices.a, { name: 'pilot', scopes: ['application.read'], expiresAt: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString() });
    expect(far.json()).toMatchObject({ error: 'validation_failed', field: 'body/expiresAt' });

    // Far enough ahead that the three calls before the key is first used have room on a loaded machine.
    const expiresAt = new Date(Date.now() + 20_000).toISOString();
    const made = await newKey('manager', env.offices.a, { name: 'pilot', scopes: ['application.read'], expiresAt });
    expect(made.statusCode).toBe(201);
    expect(made.json().expiresAt).toBe(expiresAt);
    const listed = (await call(env.api, 'manager', 'GET', `/offices/${env.offices.a}/api-keys`)).json();
    expect(listed.items.find((k: { id: string }) => k.id === made.json().id).expiresAt).toBe(expiresAt);
    expect((await withKey(made.json().key, 'GET', '/applications')).statusCode).toBe(200);
    const refused = await waitFor('the key to expire', async () => {
      const res = await withKey(made.json().key, 'GET', '/applications');
      return res.statusCode === 401 ? res : undefined;
    }, { timeoutMs: 80_000, intervalMs: 250 });
    expect(refused.json().error).toBe('expired_api_key');
    // Refused on its expiry, not before it.
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
  }, 120_000);
});

describe("an office's standing", () => {
  let key: string;
  let waiting: string;
  let inReview: string;
  const standing = async (action: 'suspend' | 'reinstate' | 'revoke') => {
    const res = await call(env.api, 'supervisor', 'POST', `/offices/${env.offices.b}/standing`, { action, reason: `matrix: ${action}` });
    expect(res.statusCode, res.body).toBe(200);
    const status = { suspend: 'suspended', reinstate: 'accredited', revoke: 'revoked' }[action];
    await waitFor(`office B ${status}`, async () => (await call(env.api, 'supervisor', 'GET', `/offices/${env.offices.b}`)).json().status === status || undefined);
  };

  beforeAll(async () => {
    key = (await newKey('managerB', env.offices.b, { name: 'office B desk', scopes: ['application.read', 'application.correct'] })).json().key;
    const body = commercialApplication();
    const incomplete = await submit(env.api, { ...body, documents: body.documents.filter((d) => d.type !== 'civil_defense') }, undefined, 'clerkB');
    waiting = incomplete.json().id;
    inReview = (await submit(env.api, commercialApplication(), undefined, 'clerkB')).json().id;
    await waitForStage(env.api, waiting, 'awaiting_correction');
    await waitForStage(env.api, inReview, 'review');
  });

  it("suspended: its staff and keys read its cases but change nothing; reinstated, they act again", async () => {
    await standing('suspend');
    const correction = { note: 'civil defense certificate on its way' };
    const byKey = await withKey(key, 'POST', `/applications/${waiting}/corrections`, correction);
    expect(byKey.statusCode).toBe(403);
    expect(byKey.json().error).toBe('office_suspended');
    const byClerk = await call(env.api, 'clerkB', 'POST', `/applications/${waiting}/corrections`, correction);
    expect(byClerk.json().error).toBe('office_suspended');
    await call(env.api, 'inspectorB', 'POST', `/tasks/${inReview}:technical:1/claim`).then((r) => expect(r.json().error).toBe('office_suspended'));
    const decision = await call(env.api, 'inspectorB', 'POST', `/applications/${inReview}/reviews`, { kind: 'technical', decision: 'approve' });
    expect(decision.json().error).toBe('office_suspended');
    expect((await submit(env.api, commercialApplication(), undefined, 'clerkB')).json().error).toBe('office_suspended');
    // Reading stays: the office follows its cases while the municipality moves them.
    expect((await withKey(key, 'GET', `/applications/${waiting}`)).statusCode).toBe(200);
    expect((await call(env.api, 'inspectorB', 'GET', `/tasks/${inReview}:technical:1`)).statusCode).toBe(200);
    // Each refusal is in the audit log.
    const refused = await rowsOf<{ n: number }>(env.db.db, sql`
      select count(*)::int as n from audit_log where status_code = 403 and details->>'error' = 'office_suspended' and office_id = ${env.offices.b}`);
    expect(refused[0]!.n).toBe(5);

    await standing('reinstate');
    expect((await withKey(key, 'POST', `/applications/${waiting}/corrections`, correction)).statusCode).toBe(200);
    await call(env.api, 'inspectorB', 'POST', `/tasks/${inReview}:technical:1/claim`).then((r) => expect(r.statusCode).toBe(200));
  });

  it('revoked: its staff and keys may not even read its cases; the municipality still does', async () => {
    await standing('revoke');
    const read = await withKey(key, 'GET', `/applications/${inReview}`);
    expect(read.statusCode).toBe(403);
    expect(read.json().error).toBe('office_revoked');
    expect((await call(env.api, 'clerkB', 'GET', '/applications')).json().error).toBe('office_revoked');
    expect((await call(env.api, 'inspectorB', 'GET', '/tasks')).json().error).toBe('office_revoked');
    expect((await call(env.api, 'supervisor', 'GET', `/applications/${inReview}`)).statusCode).toBe(200);
    // Office A is not touched.
    expect((await call(env.api, 'clerk', 'GET', '/applications')).statusCode).toBe(200);
  });
});

describe('filing fails closed', () => {
  it("refuses an applicant token that names no national ID, and a staff token that names no office", async () => {
    const noId = await env.token({ sub: 'applicant-without-id', roles: ['applicant'], name: 'No ID' });
    const filed = await env.api.inject({ method: 'POST', url: '/applications', headers: { authorization: `Bearer ${noId}` }, payload: commercialApplication() });
    expect(filed.statusCode).toBe(403);
    expect(filed.json().field).toBe('body/applicant/nationalId');
    const noOffice = await env.token({ sub: 'clerk-without-office', roles: ['office_clerk'], name: 'No office' });
    for (const body of [commercialApplication(), { ...commercialApplication(), officeId: env.offices.a }]) {
      const res = await env.api.inject({ method: 'POST', url: '/applications', headers: { authorization: `Bearer ${noOffice}` }, payload: body });
      expect(res.statusCode).toBe(403);
      expect(res.json().field).toBe('body/officeId');
    }
    const [row] = await rowsOf<{ n: number }>(env.db.db, sql`
      select count(*)::int as n from applications where applicant_name = ${commercialApplication().applicant.name} and office_id is null`);
    expect(row!.n).toBe(0);
  });
});
