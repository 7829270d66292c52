// Input a client should not send, one class at a time: numbers past what the
// database holds, bytes PostgreSQL cannot store, enum filters that fail, and
// floods of requests that are refused anyway. Each answer is a 4xx naming the
// field, each refused change is one audit row, and every request counts
// against the rate limits. (test/fuzz.test.ts generates such requests for
// every operation; these are the findings it is built around, by hand.)
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog } from '../db/schema';
import { OFFICE_STATUSES } from '../domain/access';
import { LICENSE_KINDS, TASK_STATUSES } from '../domain/status';
import { startTestEnv, type TestEnv, type Who } from './support/env';
import { commercialApplication, submitOk } from './support/fixtures';
import { rawRequest } from './support/raw-http';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ startWorker: false });
});
afterAll(async () => {
  await env?.close();
});

/** A request as one of the environment's people, marked with a user agent of its own so its audit row can be found. */
async function send(who: Who | 'anonymous', method: 'GET' | 'POST', url: string, opts: { payload?: unknown; headers?: Record<string, string> } = {}) {
  const agent = `hostile-${randomUUID()}`;
  const res = await env.api.inject({
    method,
    url,
    headers: { ...(who === 'anonymous' ? {} : await env.auth(who)), 'user-agent': agent, ...opts.headers },
    ...(opts.payload === undefined ? {} : { payload: opts.payload as object }),
  });
  const audited = () => env.db.db.select().from(auditLog).where(eq(auditLog.userAgent, agent));
  return { res, audited };
}

describe('numbers past what the database holds', () => {
  const huge = `1${'0'.repeat(400)}`;
  it.each([
    ['supervisor', '/applications?limit=1e400', 'querystring/limit'],
    ['supervisor', `/applications?limit=${huge}`, 'querystring/limit'],
    ['supervisor', '/applications?limit=Infinity', 'querystring/limit'],
    ['supervisor', '/tasks?limit=1e400', 'querystring/limit'],
    ['auditor', '/audit?limit=1e400', 'querystring/limit'],
    ['auditor', `/audit?before=${'9'.repeat(20)}`, 'querystring/before'],
    ['supervisor', `/notifications?limit=${huge}`, 'querystring/limit'],
  ] as const)('%s GET %s: 400 naming %s', async (who, url, field) => {
    const { res } = await send(who, 'GET', url);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_failed', field });
  });

  it('a numeric path id of 20 digits: 400, audited', async () => {
    const { res, audited } = await send('supervisor', 'POST', `/notifications/${'9'.repeat(20)}/acknowledge`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field: 'params/id' });
    expect(await audited()).toHaveLength(1);
  });

  it('a number in a body written as a string too large for a double: 400, nothing stored', async () => {
    const round = await send('admin', 'POST', '/accreditation-rounds', {
      payload: { id: 'R-INFINITY', name: 'Infinite round', cap: '1e400', opensOn: '2030-01-01', closesOn: '2030-12-31' },
    });
    expect(round.res.statusCode, round.res.body).toBe(400);
    expect(round.res.json()).toMatchObject({ field: 'body/cap' });
    const base = commercialApplication();
    const area = await send('clerk', 'POST', '/applications', { payload: { ...base, establishment: { ...base.establishment, areaSqm: '1e400' } } });
    expect(area.res.statusCode, area.res.body).toBe(400);
    expect(area.res.json()).toMatchObject({ field: 'body/establishment/areaSqm' });
  });
});

describe('bytes PostgreSQL cannot store', () => {
  it.each([
    ['clerk', '/applications/TRK-2026%00/corrections', { note: 'x' }],
    ['health', '/tasks/TRK-20260101-AAAAAA%00:health:1/claim', undefined],
    ['supervisor', '/offices/OFF-%00%00/decision', { decision: 'approve' }],
  ] as const)('%s POST %s: 400, and the refusal is one audit row with the id escaped', async (who, url, payload) => {
    const { res, audited } = await send(who, 'POST', url, { payload });
    expect(res.statusCode, res.body).toBe(400);
    const rows = await audited();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ statusCode: 400, actorId: env.users[who].sub });
    expect(rows[0]!.targetId).toContain('\\u0000');
  });

  it('a NUL or a lone surrogate in a body string: 400 naming the field, nothing written', async () => {
    const id = await submitOk(env.api, commercialApplication());
    for (const text of ['before\u0000after', 'half a pair \ud800']) {
      const { res, audited } = await send('supervisor', 'POST', `/applications/${id}/comments`, { payload: { body: text } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error: 'validation_failed', field: 'body/body' });
      expect(await audited()).toHaveLength(1);
    }
    const comments = await send('supervisor', 'GET', `/applications/${id}/comments`);
    expect(comments.res.json().items).toEqual([]);
  });

  it.each([
    ['supervisor', '/tasks?q=ab%00cd', 'querystring/q'],
    ['auditor', '/audit?actorId=%00', 'querystring/actorId'],
  ] as const)('%s GET %s: 400 naming %s', async (who, url, field) => {
    const { res } = await send(who, 'GET', url);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field });
  });

  it('a refused call whose headers carry NUL, and a reason of 100,000 characters, are audited, truncated', async () => {
    const key = await send('clerk', 'POST', '/applications', { payload: commercialApplication(), headers: { 'idempotency-key': 'key-with-\u0000-inside' } });
    expect(key.res.statusCode, key.res.body).toBe(400);
    const [keyRow] = await key.audited();
    expect(keyRow?.details).toMatchObject({ idempotencyKey: 'key-with-\\u0000-inside' });

    const id = await submitOk(env.api, commercialApplication());
    const long = await send('admin', 'POST', `/operations/cases/${id}/repair`, { payload: { action: 'cancel', reason: 'r'.repeat(100_000) } });
    expect(long.res.statusCode, long.res.body).toBe(400);
    const [longRow] = await long.audited();
    expect(longRow).toBeDefined();
    const reason = (longRow!.details as { reason: string }).reason;
    expect(reason.length).toBeLessThan(5_000);
    expect(reason.startsWith('rrrr')).toBe(true);
  });

  it('cursors the API did not issue: 400, not a database error', async () => {
    const forged = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    for (const url of [
      `/tasks?cursor=${forged(['not a date', 'x'])}`,
      `/tasks?sort=priority&cursor=${forged(['high', '2026-01-01T00:00:00Z', 'x'])}`,
      `/tasks?sort=priority&cursor=${forged([1e300, '2026-01-01T00:00:00Z', 'x'])}`,
      `/tasks?cursor=${forged(['2026-01-01T00:00:00Z', 'a\u0000b'])}`,
      `/applications?cursor=${forged('2026-01-01T00:00:00Z|a\u0000b')}`,
    ]) {
      const { res } = await send('supervisor', 'GET', url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ field: 'querystring/cursor' });
    }
  });
});

describe('paths the router used to answer itself', () => {
  it.each([
    ['an undecodable percent-encoding', '/applications/%FF%FE/corrections'],
    ['a lone percent sign', '/applications/TRK-%/corrections'],
    ['an id longer than the router’s parameter limit', `/applications/${'9'.repeat(400)}/corrections`],
  ])('%s: 400 from the route’s schema, audited', async (_what, url) => {
    const { res, audited } = await send('clerk', 'POST', url, { payload: { note: 'x' } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_failed', field: 'params/id' });
    expect(await audited()).toHaveLength(1);
  });

  it('a path no route matches is 404 whatever its body', async () => {
    for (const payload of ['{"a":', 'x'.repeat(2 * 1024 * 1024)]) {
      const { res } = await send('clerk', 'POST', '/applications/TRK-20260101-AAAAAA/nowhere', { payload, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found' });
    }
  });

  it('a body that is not JSON, or in a type no route reads: 400 invalid_body, 415, naming the body', async () => {
    const bad = await send('clerk', 'POST', '/applications', { payload: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(bad.res.statusCode).toBe(400);
    expect(bad.res.json()).toMatchObject({ error: 'invalid_body', field: 'body' });
    const xml = await send('clerk', 'POST', '/applications', { payload: '<application/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.res.statusCode).toBe(415);
    expect(xml.res.json()).toMatchObject({ error: 'unsupported_media_type', field: 'body' });
    expect(await xml.audited()).toHaveLength(1);
  });
});

describe('enum filters that fail name their allowed values', () => {
  it.each([
    ['supervisor', 'GET', '/offices?status=bogus', undefined, 'querystring/status', OFFICE_STATUSES],
    ['supervisor', 'GET', '/tasks?status=bogus', undefined, 'querystring/status', [...TASK_STATUSES, 'active']],
    ['clerk', 'POST', '/applications', { ...commercialApplication(), licenseKind: 'fishing' }, 'body/licenseKind', LICENSE_KINDS],
  ] as const)('%s %s %s', async (who, method, url, payload, field, allowed) => {
    const { res } = await send(who, method, url, { payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe(field);
    expect(res.json().message).toBe(`${field}: must be one of ${allowed.join(', ')}`);
  });
});

describe('every answer names its request, as the audit log does', () => {
  it('x-request-id is the audit row’s request id', async () => {
    const { res, audited } = await send('clerk', 'POST', '/applications', { payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await audited())[0]?.requestId).toBe(res.headers['x-request-id']);
  });
});

describe('rate limits count every request, before validation', () => {
  const CLIENT_MAX = 5;
  const ADDRESS_MAX = 8;
  let limited: TestEnv;
  let port: number;
  beforeAll(async () => {
    limited = await startTestEnv({ startWorker: false, rateLimitMax: CLIENT_MAX, rateLimitIpMax: ADDRESS_MAX });
    await limited.api.listen({ host: '127.0.0.1', port: 0 });
    port = (limited.api.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await limited?.close();
  });
  /** Each scenario comes from its own address, so one's count does not spend another's. */
  const from = (n: number) => `127.0.0.${10 + n}`;
  const statuses = async (times: number, req: Omit<Parameters<typeof rawRequest>[0], 'port'>) => {
    const answers = [];
    for (let i = 0; i < times; i++) answers.push(await rawRequest({ port, ...req }));
    return answers;
  };

  it('a client sending invalid requests is throttled like one sending valid ones', async () => {
    const auth = await limited.auth('clerk');
    const answers = await statuses(CLIENT_MAX + 2, { method: 'GET', target: '/applications?limit=0', headers: auth, localAddress: from(1) });
    expect(answers.map((a) => a.status)).toEqual([...Array(CLIENT_MAX).fill(400), 429, 429]);
    const last = answers.at(-1)!;
    expect(JSON.parse(last.body)).toMatchObject({ error: 'rate_limited' });
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('callers with bad credentials are counted by address before authentication', async () => {
    const answers = await statuses(ADDRESS_MAX + 2, { method: 'GET', target: '/applications', headers: { authorization: 'Bearer not-a-token' }, localAddress: from(2) });
    expect(answers.map((a) => a.status)).toEqual([...Array(ADDRESS_MAX).fill(401), 429, 429]);
    expect(JSON.parse(answers.at(-1)!.body)).toMatchObject({ error: 'rate_limited' });
    expect(Number(answers.at(-1)!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('clients behind one address share its budget; the per-client budget stays each one’s', async () => {
    const people: Who[] = ['supervisor', 'auditor', 'admin'];
    const answers = [];
    for (let i = 0; i < ADDRESS_MAX + 1; i++) {
      answers.push(await rawRequest({ port, method: 'GET', target: '/offices', headers: await limited.auth(people[i % people.length]!), localAddress: from(3) }));
    }
    // No client reached five; the address reached eight.
    expect(answers.map((a) => a.status)).toEqual([...Array(ADDRESS_MAX).fill(200), 429]);
  });

  it('a refused state-changing call answered 429 is audited, before and after authentication', async () => {
    const call = () => rawRequest({ port, method: 'POST', target: '/accreditation-rounds', headers: { 'content-type': 'application/json', authorization: 'Bearer bad' }, body: '{}', localAddress: from(4) });
    for (let i = 0; i < ADDRESS_MAX; i++) await call();
    const anonymous = await call();
    expect(anonymous.status).toBe(429);
    const auth = await limited.auth('manager');
    const byClient = [];
    for (let i = 0; i < CLIENT_MAX + 1; i++) {
      byClient.push(await rawRequest({ port, method: 'POST', target: `/offices/${limited.offices.a}/api-keys`, headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":1}', localAddress: from(5) }));
    }
    expect(byClient.map((a) => a.status)).toEqual([...Array(CLIENT_MAX).fill(400), 429]);
    for (const [answer, actor] of [[anonymous, 'anonymous'], [byClient.at(-1)!, limited.users.manager.sub]] as const) {
      const rows = await limited.db.db.select().from(auditLog).where(eq(auditLog.requestId, answer.headers['x-request-id'] ?? 'none'));
      expect(rows).toMatchObject([{ statusCode: 429, actorId: actor, details: { error: 'rate_limited' } }]);
    }
  });

  it('/health answers while another address is over its budget', async () => {
    const answer = await rawRequest({ port, method: 'GET', target: '/health', localAddress: from(6) });
    expect(answer.status).toBe(200);
  });
});
