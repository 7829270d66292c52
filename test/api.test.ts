import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, inArray } from 'drizzle-orm';
import { applications, smsOutbox } from '../db/schema';
import { shareCallers, startTestEnv, waitFor, type TestEnv } from './support/env';
import { call, commercialApplication, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const casesOf = async (crNumber: string) =>
  (await env.db.db.select({ n: count() }).from(applications).where(eq(applications.crNumber, crNumber)))[0]!.n;

describe('malformed requests', () => {
  const base = commercialApplication();
  const cases: [string, unknown, string][] = [
    ['a CR number of 9 digits', { ...base, establishment: { ...base.establishment, crNumber: '225012345' } }, 'body/establishment/crNumber'],
    ['an ISIC code of letters', { ...base, establishment: { ...base.establishment, isicCode: 'ABCDEF' } }, 'body/establishment/isicCode'],
    ['a mobile that is not Saudi', { ...base, applicant: { ...base.applicant, mobile: '+4915112345678' } }, 'body/applicant/mobile'],
    ['a national ID with a wrong check digit', { ...base, applicant: { ...base.applicant, nationalId: base.applicant.nationalId.slice(0, 9) + String((Number(base.applicant.nationalId[9]) + 1) % 10) } }, 'body/applicant/nationalId'],
    ['a missing license kind', { ...base, licenseKind: undefined }, 'body/licenseKind'],
    ['an unknown license kind', { ...base, licenseKind: 'fishing' }, 'body/licenseKind'],
    ['an unknown document type', { ...base, documents: [{ type: 'passport', reference: 'x' }] }, 'body/documents/0/type'],
    ['a negative area', { ...base, establishment: { ...base.establishment, areaSqm: -5 } }, 'body/establishment/areaSqm'],
    ['coordinates outside the Kingdom', { ...base, establishment: { ...base.establishment, location: { lat: 49.5, lng: 25.4 } } }, 'body/establishment/location/lat'],
    ['a date that is not a date', { ...base, documents: [{ type: 'civil_defense', reference: 'x', expiresOn: '31/12/2027' }] }, 'body/documents/0/expiresOn'],
    ['an unexpected field', { ...base, discount: true }, 'body/discount'],
  ];
  it.each(cases)('answers 400 naming the field for %s', async (_what, body, field) => {
    const res = await submit(env.api, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_failed', field });
  });

  it('answers 400 for a body that is not JSON, and stores nothing', async () => {
    const res = await env.api.inject({ method: 'POST', url: '/applications', payload: '{"applicant":', headers: { ...(await env.auth('clerk')), 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBeTruthy();
    expect(await casesOf(base.establishment.crNumber)).toBe(0);
  });

  it('answers 400 for a malformed application id and 404 for an unknown one', async () => {
    expect((await call(env.api, 'clerk', 'GET', '/applications/42')).json()).toMatchObject({ error: 'validation_failed', field: 'params/id' });
    expect((await call(env.api, 'clerk', 'GET', '/applications/TRK-20260101-AAAAAA')).statusCode).toBe(404);
    expect((await env.api.inject({ method: 'GET', url: '/licenses/AHS-2026-999999' })).statusCode).toBe(404);
  });

  it('answers 400 for a decision that misses what it needs, and for bad list filters', async () => {
    const ret = await call(env.api, 'health', 'POST', '/applications/TRK-20260101-AAAAAA/reviews', { kind: 'health', decision: 'return' });
    expect(ret.statusCode).toBe(400);
    expect(ret.json().field).toBe('body/deficiencies');
    const list = await call(env.api, 'clerk', 'GET', '/applications?status=sleeping');
    expect(list.statusCode).toBe(400);
    expect(list.json().field).toBe('querystring/status');
    const cursor = await call(env.api, 'clerk', 'GET', '/applications?cursor=bm9wZQ');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().field).toBe('querystring/cursor');
  });

  it('normalises the mobile number to +9665XXXXXXXX', async () => {
    const body = commercialApplication({ applicant: { ...base.applicant, mobile: '0551234567' } });
    const res = await submit(env.api, body);
    expect(res.statusCode).toBe(201);
    const detail = (await call(env.api, 'clerk', 'GET', res.headers.location as string)).json();
    expect(detail.applicant.mobile).toBe('+966551234567');
  });
});

describe('idempotent submission', () => {
  it('returns the same application for a retried request with the same key, and sends one SMS', async () => {
    const body = healthApplication();
    const key = `retry-${body.establishment.crNumber}`;
    const first = await submit(env.api, body, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers.location).toBe(`/applications/${first.json().id}`);
    const again = await submit(env.api, body, key);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await casesOf(body.establishment.crNumber)).toBe(1);

    await waitForStage(env.api, first.json().id, 'review');
    const sms = await env.db.db.select().from(smsOutbox).where(eq(smsOutbox.applicationId, first.json().id));
    expect(sms.filter((s) => s.event === 'submitted')).toHaveLength(1);
  });

  it('creates one application when the same key arrives concurrently', async () => {
    const body = commercialApplication();
    const key = `race-${body.establishment.crNumber}`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => submit(env.api, body, key)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
    expect(await casesOf(body.establishment.crNumber)).toBe(1);
    const ids = [answers[0]!.json().id as string];
    // Exactly one workflow runs for it.
    const wf = await env.client.workflow.count(`WorkflowId = "${ids[0]}"`);
    expect(wf.count).toBe(1);
    await waitFor('case rows', async () => (await env.db.db.select().from(applications).where(inArray(applications.id, ids))).length === 1);
  });

  it('does not start a second run when the key is retried after the case closed', async () => {
    const body = commercialApplication();
    const key = `late-${body.establishment.crNumber}`;
    const first = await submit(env.api, { ...body, establishment: { ...body.establishment, areaSqm: 1 } }, key);
    const id = first.json().id as string;
    await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded');
    await waitFor('workflow closed', async () => (await env.client.workflow.getHandle(id).describe()).status.name === 'COMPLETED');
    const late = await submit(env.api, { ...body, establishment: { ...body.establishment, areaSqm: 1 } }, key);
    expect(late.statusCode).toBe(201);
    expect(late.json()).toEqual({ id, status: 'excluded' });
    expect((await env.client.workflow.count(`WorkflowId = "${id}"`)).count).toBe(1);
  });

  it("keeps each client's keys its own: two offices' clerks sending the same key and body file two cases, each retry returns its own, neither sees the other's", async () => {
    const body = commercialApplication();
    // Two offices' software numbering their requests the same way.
    const key = `shared-${body.establishment.crNumber}`;
    // Each client's first request and its retry, all at once: the race between the two clients must not merge them.
    const [a1, b1, a2, b2] = await Promise.all([submit(env.api, body, key, 'clerk'), submit(env.api, body, key, 'clerkB'), submit(env.api, body, key, 'clerk'), submit(env.api, body, key, 'clerkB')]);
    expect([a1, b1, a2, b2].map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    const [a, b] = [a1.json().id as string, b1.json().id as string];
    expect(a).not.toBe(b);
    expect([a2.json().id, b2.json().id]).toEqual([a, b]);
    expect(await casesOf(body.establishment.crNumber)).toBe(2);
    // Later retries too, each client's own case.
    const [a3, b3] = [await submit(env.api, body, key, 'clerk'), await submit(env.api, body, key, 'clerkB')];
    expect([a3.json().id, a3.headers['idempotent-replayed'], b3.json().id, b3.headers['idempotent-replayed']]).toEqual([a, 'true', b, 'true']);
    expect((await call(env.api, 'supervisor', 'GET', `/applications/${a}`)).json().officeId).toBe(env.offices.a);
    expect((await call(env.api, 'supervisor', 'GET', `/applications/${b}`)).json().officeId).toBe(env.offices.b);
    expect((await call(env.api, 'clerkB', 'GET', `/applications/${a}`)).statusCode).toBe(404);
    expect((await call(env.api, 'clerk', 'GET', `/applications/${b}`)).statusCode).toBe(404);
    for (const id of [a, b]) expect((await env.client.workflow.count(`WorkflowId = "${id}"`)).count).toBe(1);
  });

  it("keeps a clerk's key apart from their office's API key: two cases, each retry returns its own", async () => {
    const created = await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys`, { name: 'front desk', scopes: ['application.submit'] });
    expect(created.statusCode, created.body).toBe(201);
    const apiKey = created.json().key as string;
    const body = commercialApplication();
    const key = `desk-${body.establishment.crNumber}`;
    const byKey = () => env.api.inject({ method: 'POST', url: '/applications', payload: body, headers: { 'x-api-key': apiKey, 'idempotency-key': key } });
    const [clerk1, key1] = [await submit(env.api, body, key, 'clerk'), await byKey()];
    expect([clerk1.statusCode, key1.statusCode]).toEqual([201, 201]);
    expect(key1.headers['idempotent-replayed']).toBeUndefined();
    expect(key1.json().id).not.toBe(clerk1.json().id);
    const [clerk2, key2] = [await submit(env.api, body, key, 'clerk'), await byKey()];
    expect([clerk2.json().id, key2.json().id]).toEqual([clerk1.json().id, key1.json().id]);
    expect(await casesOf(body.establishment.crNumber)).toBe(2);
  });

  it('refuses the same key with a different body (409), creating nothing', async () => {
    const body = commercialApplication();
    const key = `reuse-${body.establishment.crNumber}`;
    expect((await submit(env.api, body, key)).statusCode).toBe(201);
    const other = { ...body, establishment: { ...body.establishment, tradeName: 'Another Shop' } };
    const res = await submit(env.api, other, key);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('idempotency_key_reused');
    expect(await casesOf(body.establishment.crNumber)).toBe(1);
  });
});

describe('Temporal unreachable', () => {
  it('answers 503, keeps the application, and a retry with the same key starts it', async () => {
    const { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } = await import('@temporalio/client');
    const { buildApp } = await import('../api/app');
    // Nothing listens on port 1: every call fails to connect.
    const deadConnection = Connection.lazy({
      address: '127.0.0.1:1',
      connectTimeout: 500,
      // One try: the default retries for about 20 s before giving up.
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    const dead = await buildApp({ config: env.config, db: env.db.db, temporal: new Client({ connection: deadConnection }), logger: false });
    shareCallers(env.api, dead);
    try {
      const body = commercialApplication();
      const key = `outage-${body.establishment.crNumber}`;
      const down = await submit(dead, body, key);
      expect(down.statusCode).toBe(503);
      expect(down.json().error).toBe('temporarily_unavailable');
      expect(await casesOf(body.establishment.crNumber)).toBe(1);

      const retried = await submit(env.api, body, key);
      expect(retried.statusCode).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBe('true');
      await waitForStage(env.api, retried.json().id, 'review');
      expect(await casesOf(body.establishment.crNumber)).toBe(1);
    } finally {
      await dead.close();
      await deadConnection.close().catch(() => {});
    }
  });
});

describe('metrics', () => {
  it('exposes request counts and latency per route, open cases per stage and the SMS outbox, for Prometheus', async () => {
    await submit(env.api, commercialApplication());
    await call(env.api, 'clerk', 'GET', '/applications?status=sleeping');
    // Not on the public port: a scrape runs aggregate queries, so only the internal listener serves it.
    expect((await env.api.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    const scraped = await fetch(env.api.metricsUrl!);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    const res = { body: await scraped.text() };
    expect(res.body).toMatch(/tarkhees_http_requests_total\{route="\/applications",method="POST",status="201"\} [1-9]/);
    expect(res.body).toMatch(/tarkhees_http_requests_total\{route="\/applications",method="GET",status="400"\} [1-9]/);
    expect(res.body).toMatch(/tarkhees_http_request_duration_seconds_bucket\{le="0.1",route="\/applications",method="POST"\}/);
    expect(res.body).toMatch(/tarkhees_cases_open\{stage="[a-z_]+"\} [1-9]/);
    expect(res.body).toMatch(/tarkhees_sms_outbox\{status="(pending|sending|sent)"\} [1-9]/);
  });
});

describe('logs', () => {
  it('are JSON, and every line about a case names it', async () => {
    const { buildApp } = await import('../api/app');
    const lines: Record<string, unknown>[] = [];
    const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    const logged = await buildApp({ config: env.config, db: env.db.db, temporal: env.client, logger: { level: 'info', stream } });
    shareCallers(env.api, logged);
    try {
      const id = (await submit(logged, commercialApplication())).json().id as string;
      await call(logged, 'clerk', 'GET', `/applications/${id}`);
      await call(logged, 'inspector', 'GET', `/tasks/${id}:technical:1`);
      const about = lines.filter((l) => l.applicationId === id);
      // The read and the task read: their completion lines carry the case.
      expect(about.filter((l) => l.msg === 'request completed')).toHaveLength(2);
    } finally {
      await logged.close();
    }
  });
});
