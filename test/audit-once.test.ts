// "Every state-changing call, allowed or refused, is one row of the audit log":
// one change route at a time, each way it can end (2xx, 400, 401, 403, 404,
// 409, 413, 415, 429, 503), through a real listening socket, found by the
// x-request-id the answer carried. Exactly one row, with the status the caller
// was given: none would hide a refusal, two would count one call twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { buildApp } from '../api/app';
import { startTestEnv, type TestEnv, type Who } from './support/env';
import { commercialApplication, submitOk, waitForStage } from './support/fixtures';
import { auditRowsFor, requestIdOf } from './support/audit-rows';
import { rawRequest } from './support/raw-http';

interface Sent {
  status: number;
  error?: string;
  requestId: string;
}

interface Call {
  method?: 'POST';
  path: string;
  who?: Who;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
}

async function send(env: TestEnv, base: string, c: Call): Promise<Sent> {
  const body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body ?? {});
  const res = await fetch(`${base}${c.path}`, {
    method: c.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(c.who ? await env.auth(c.who) : {}), ...c.headers },
    body,
  });
  const text = await res.text();
  const error = text.startsWith('{') ? (JSON.parse(text) as { error?: string }).error : undefined;
  return { status: res.status, error, requestId: requestIdOf(res) };
}

/** The answer was the one the scenario must give, and the log holds exactly one row of it. */
async function expectAuditedOnce(env: TestEnv, sent: Sent, want: { status: number; error?: string; route: string }) {
  expect({ status: sent.status, error: sent.error }).toEqual({ status: want.status, error: want.error });
  const rows = await auditRowsFor(env.db.db, sent.requestId);
  expect(rows.map((r) => [r.method, r.route, r.statusCode])).toEqual([['POST', want.route, want.status]]);
  return rows[0]!;
}

let env: TestEnv;
let base: string;
/** Waiting for the applicant's correction: no review can be decided. */
let awaiting: string;

const incomplete = () => {
  const b = commercialApplication();
  return { ...b, documents: b.documents.filter((d) => d.type !== 'civil_defense') };
};

beforeAll(async () => {
  env = await startTestEnv();
  base = await env.api.listen({ host: '127.0.0.1', port: 0 });
  awaiting = await submitOk(env.api, incomplete());
  await waitForStage(env.api, awaiting, 'awaiting_correction');
});
afterAll(async () => {
  await env?.close();
});

describe('each way a change can end is one audit row', () => {
  it('201: a submission the API takes, with the case it created as the target', async () => {
    const sent = await send(env, base, { path: '/applications', who: 'clerk', body: commercialApplication() });
    const row = await expectAuditedOnce(env, sent, { status: 201, route: '/applications' });
    expect(row).toMatchObject({ actorId: env.users.clerk.sub, targetId: expect.stringMatching(/^TRK-/) });
  });

  it('400: a body that breaks the schema, and one that is not JSON at all', async () => {
    const b = commercialApplication();
    const invalid = await send(env, base, { path: '/applications', who: 'clerk', body: { ...b, establishment: { ...b.establishment, crNumber: '225012345' } } });
    await expectAuditedOnce(env, invalid, { status: 400, error: 'validation_failed', route: '/applications' });
    const notJson = await send(env, base, { path: '/applications', who: 'clerk', body: '{"applicant":' });
    await expectAuditedOnce(env, notJson, { status: 400, error: 'invalid_body', route: '/applications' });
  });

  it('401: no credential, and a token that is not one', async () => {
    const none = await send(env, base, { path: `/applications/${awaiting}/corrections`, body: { note: 'x' } });
    const row = await expectAuditedOnce(env, none, { status: 401, error: 'unauthenticated', route: '/applications/:id/corrections' });
    expect(row.actorKind).toBe('anonymous');
    const forged = await send(env, base, { path: `/applications/${awaiting}/corrections`, headers: { authorization: 'Bearer not.a.token' }, body: { note: 'x' } });
    await expectAuditedOnce(env, forged, { status: 401, error: 'invalid_token', route: '/applications/:id/corrections' });
  });

  it('403: a role that may not move a case to another office', async () => {
    const sent = await send(env, base, { path: `/applications/${awaiting}/office`, who: 'clerk', body: { officeId: env.offices.b, reason: 'audit' } });
    const row = await expectAuditedOnce(env, sent, { status: 403, error: 'forbidden', route: '/applications/:id/office' });
    expect(row.actorId).toBe(env.users.clerk.sub);
  });

  it("404: another office's clerk correcting a case outside their sight", async () => {
    const sent = await send(env, base, { path: `/applications/${awaiting}/corrections`, who: 'clerkB', body: { note: 'x' } });
    const row = await expectAuditedOnce(env, sent, { status: 404, error: 'not_found', route: '/applications/:id/corrections' });
    expect(row).toMatchObject({ actorId: env.users.clerkB.sub, targetId: awaiting });
  });

  it('409: a decision the workflow refuses (the case waits for a correction), and an Idempotency-Key reused with another body', async () => {
    const refused = await send(env, base, { path: `/applications/${awaiting}/reviews`, who: 'inspector', body: { kind: 'technical', decision: 'approve' } });
    await expectAuditedOnce(env, refused, { status: 409, error: 'refused', route: '/applications/:id/reviews' });

    const body = commercialApplication();
    const key = `audit-once-${body.establishment.crNumber}`;
    const first = await send(env, base, { path: '/applications', who: 'clerk', headers: { 'idempotency-key': key }, body });
    await expectAuditedOnce(env, first, { status: 201, route: '/applications' });
    const reused = await send(env, base, {
      path: '/applications',
      who: 'clerk',
      headers: { 'idempotency-key': key },
      body: { ...body, establishment: { ...body.establishment, tradeName: 'Another Shop' } },
    });
    await expectAuditedOnce(env, reused, { status: 409, error: 'idempotency_key_reused', route: '/applications' });
  });

  it('413: a body over 1 MiB', async () => {
    const b = commercialApplication();
    const huge = { ...b, establishment: { ...b.establishment, tradeName: 'x'.repeat(1024 * 1024 + 1) } };
    const sent = await send(env, base, { path: '/applications', who: 'clerk', body: huge });
    await expectAuditedOnce(env, sent, { status: 413, error: 'payload_too_large', route: '/applications' });
  });

  it('415: a body in a content type no route reads', async () => {
    const sent = await send(env, base, { path: '/applications', who: 'clerk', headers: { 'content-type': 'application/xml' }, body: '<application/>' });
    await expectAuditedOnce(env, sent, { status: 415, error: 'unsupported_media_type', route: '/applications' });
  });

  it('503: a correction while the workflow service is unreachable', async () => {
    // Nothing listens on port 1; one try, not the client's default ~20 s of retries.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))] });
    const cut = await buildApp({ config: env.config, db: env.db.db, temporal: new Client({ connection }), logger: false });
    try {
      const cutBase = await cut.listen({ host: '127.0.0.1', port: 0 });
      const sent = await send(env, cutBase, { path: `/applications/${awaiting}/corrections`, who: 'clerk', body: { note: 'while Temporal is down' } });
      await expectAuditedOnce(env, sent, { status: 503, error: 'temporarily_unavailable', route: '/applications/:id/corrections' });
    } finally {
      await cut.close();
      await connection.close().catch(() => {});
    }
  });
});

describe('429s are audited once too', () => {
  const CLIENT_MAX = 3;
  const ADDRESS_MAX = 6;
  let limited: TestEnv;
  let port: number;
  beforeAll(async () => {
    limited = await startTestEnv({ rateLimitMax: CLIENT_MAX, rateLimitIpMax: ADDRESS_MAX, startWorker: false, smsDispatcher: false });
    port = Number(new URL(await limited.api.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  afterAll(async () => {
    await limited?.close();
  });

  /** A submission with a bad body (so nothing is filed) from one address, as one caller or as nobody. */
  async function attempt(from: string, who?: Who): Promise<Sent> {
    const b = commercialApplication();
    const res = await rawRequest({
      port,
      method: 'POST',
      target: '/applications',
      localAddress: from,
      headers: { 'content-type': 'application/json', ...(who ? await limited.auth(who) : {}) },
      body: JSON.stringify({ ...b, licenseKind: 'fishing' }),
    });
    return { status: res.status, error: (JSON.parse(res.body) as { error?: string }).error, requestId: requestIdOf(res) };
  }

  it('a client over its own budget: each 400 within it, then the 429, one row each', async () => {
    const answers: Sent[] = [];
    for (let i = 0; i <= CLIENT_MAX; i++) answers.push(await attempt('127.0.0.1', 'clerk'));
    for (const a of answers.slice(0, CLIENT_MAX)) await expectAuditedOnce(limited, a, { status: 400, error: 'validation_failed', route: '/applications' });
    const row = await expectAuditedOnce(limited, answers[CLIENT_MAX]!, { status: 429, error: 'rate_limited', route: '/applications' });
    expect(row.actorId).toBe(limited.users.clerk.sub);
  });

  it('an address over its budget, before anyone is authenticated: each 401, then the 429, one row each', async () => {
    // Its own address (any 127.x reaches the listener), so the other test's requests do not count here.
    const answers: Sent[] = [];
    for (let i = 0; i <= ADDRESS_MAX; i++) answers.push(await attempt('127.0.0.2'));
    for (const a of answers.slice(0, ADDRESS_MAX)) await expectAuditedOnce(limited, a, { status: 401, error: 'unauthenticated', route: '/applications' });
    const row = await expectAuditedOnce(limited, answers[ADDRESS_MAX]!, { status: 429, error: 'rate_limited', route: '/applications' });
    expect(row.actorKind).toBe('anonymous');
  });
});
