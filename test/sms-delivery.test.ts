// SMS delivery under faults: a dispatcher killed mid-send, a gateway outage,
// a gateway that never comes back within the horizon, two dispatchers on one
// outbox. The messages are the ones real cases queued; the gateway is the
// simulator over HTTP, which records every request it gets (repeats too) next
// to what it delivered.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { SmsDispatcher, retryDelayMs } from '../integrations/sms/dispatcher';
import { httpSmsProvider, SmsRefused, type SmsProvider } from '../integrations/sms/providers';
import { smsOutbox } from '../db/schema';
import { rowsOf } from '../db/client';
import type { SmsMessage, SmsRequest } from '../simulator/app';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call, commercialApplication, submitOk, waitForStage } from './support/fixtures';

let env: TestEnv;

beforeAll(async () => {
  // No dispatcher of the environment's own: each test runs the ones it needs.
  env = await startTestEnv({ smsDispatcher: false });
});
afterAll(async () => {
  await env?.close();
});

type Gateway = { messages: SmsMessage[]; requests: SmsRequest[] };
const gateway = async (): Promise<Gateway> => (await fetch(`${env.simulatorUrl}/_control/sms`)).json() as Promise<Gateway>;
async function setGateway(switches: { outage?: boolean; latencyMs?: number; failEvery?: number }): Promise<void> {
  const res = await fetch(`${env.simulatorUrl}/_control/sms`, { method: 'PUT', body: JSON.stringify(switches), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
}
async function resetGateway(): Promise<void> {
  await fetch(`${env.simulatorUrl}/_control`, { method: 'DELETE' });
}

type Row = { id: number; dedupeKey: string; status: string; attempts: number };
const outbox = (ids: string[]) =>
  rowsOf<Row>(env.db.db, sql`select id::int as id, dedupe_key as "dedupeKey", status::text as status, attempts from sms_outbox
    where application_id = any(${`{${ids.join(',')}}`}::text[]) order by id`);

/** Files `n` cases and waits until each waits on its reviewers: each has queued its messages of submission and checks by then. */
async function casesWithMessages(n: number): Promise<{ ids: string[]; rows: Row[] }> {
  const ids = await Promise.all(Array.from({ length: n }, () => submitOk(env.api, commercialApplication())));
  await Promise.all(ids.map((id) => waitForStage(env.api, id, 'review')));
  const rows = await outbox(ids);
  expect(rows.length).toBeGreaterThanOrEqual(n * 2);
  expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['pending']));
  return { ids, rows };
}

function dispatcher(overrides: Partial<TestEnv['config']['sms']> = {}, provider?: SmsProvider): SmsDispatcher {
  const opts = { ...env.config.sms, ...overrides };
  return new SmsDispatcher(env.db.db, provider ?? httpSmsProvider({ url: env.config.sms.httpUrl!, timeoutMs: opts.sendTimeoutMs }), opts, () => {});
}

/** Every message went out once: sent in the outbox, delivered once by the gateway, nothing delivered that the outbox does not hold. */
async function expectDeliveredOnce(ids: string[]): Promise<Gateway> {
  const rows = await waitFor('every message sent', async () => {
    const r = await outbox(ids);
    return r.every((m) => m.status === 'sent') ? r : undefined;
  }, { timeoutMs: 60_000 });
  const seen = await gateway();
  const delivered = seen.messages.map((m) => m.reference).filter((ref) => ids.some((id) => ref.startsWith(`${id}:`)));
  expect(delivered.sort()).toEqual(rows.map((r) => r.dedupeKey).sort());
  return seen;
}

/** A dispatcher process, as the worker runs it; resolves once it polls. */
async function dispatcherProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/sms-dispatcher.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: env.config.databaseUrl,
      SMS_PROVIDER: 'http',
      SMS_HTTP_URL: env.config.sms.httpUrl,
      SMS_POLL_INTERVAL: '100ms',
      SMS_SEND_TIMEOUT: '2s',
      SMS_RETRY_INITIAL: '200ms',
      SMS_RETRY_MAX: '1s',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await waitFor('the dispatcher process to start', () => out.includes('ready') || (child.exitCode !== null ? Promise.reject(new Error(`exited ${child.exitCode}`)) : false), { timeoutMs: 30_000 });
  return child;
}

describe('SMS delivery', () => {
  it('loses nothing when the dispatcher is killed with -9 mid-batch against a slow gateway: another takes over once the lease runs out', async () => {
    await resetGateway();
    const { ids, rows } = await casesWithMessages(6);
    await setGateway({ latencyMs: 300 });
    const first = await dispatcherProcess();
    try {
      // Killed while it is sending: some messages went, the rest were in flight or never tried.
      await waitFor('a few messages to reach the gateway', async () => (await gateway()).requests.length >= 3 || undefined);
      first.kill('SIGKILL');
      await once(first, 'exit');
    } finally {
      first.kill('SIGKILL');
    }
    const stranded = (await outbox(ids)).filter((r) => r.status !== 'sent');
    expect(stranded.length).toBeGreaterThan(0);
    const second = dispatcher();
    second.start();
    try {
      const seen = await expectDeliveredOnce(ids);
      // Only a message in flight at the kill may reach the gateway twice, and the gateway drops it by its reference.
      const repeats = seen.requests.filter((r) => r.repeat);
      expect(repeats.length).toBeLessThanOrEqual(env.config.sms.concurrency);
      expect(seen.requests.filter((r) => !r.repeat && r.status === 202).length).toBe(rows.length);
    } finally {
      await second.stop();
    }
  });

  it('rides out a gateway outage far longer than a few attempts, backing off, and delivers each message once after it', async () => {
    await resetGateway();
    const { ids } = await casesWithMessages(3);
    await setGateway({ outage: true });
    // Polling often, so the gaps between attempts are the backoff's, not the poll's.
    const d = dispatcher({ pollIntervalMs: 20 });
    d.start();
    try {
      // Six failed attempts each: more than the old dispatcher's five-and-give-up.
      await waitFor('six failed attempts of every message', async () => (await outbox(ids)).every((r) => r.attempts >= 6 && r.status !== 'failed') || undefined, {
        timeoutMs: 30_000,
      });
      expect((await outbox(ids)).filter((r) => r.status === 'failed')).toEqual([]);
      // Exponential: for one message, the third wait (about 4 × 200 ms) is well beyond the first (about 200 ms), jitter and all.
      const ref = (await outbox(ids))[0]!.dedupeKey;
      const times = (await gateway()).requests.filter((r) => r.reference === ref).map((r) => Date.parse(r.receivedAt));
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(gaps.length).toBeGreaterThanOrEqual(3);
      expect(gaps[2]!).toBeGreaterThan(gaps[0]! * 1.5);
      await setGateway({ outage: false });
      const seen = await expectDeliveredOnce(ids);
      expect(seen.requests.filter((r) => r.repeat)).toEqual([]);
    } finally {
      await d.stop();
    }
  });

  it('gives up after the retry horizon, shows the failed messages in operations and metrics, and a resend delivers them', async () => {
    await resetGateway();
    const { ids, rows } = await casesWithMessages(2);
    await setGateway({ outage: true });
    const d = dispatcher({ retry: { initialMs: 100, maxMs: 300, horizonMs: 1_500 } });
    d.start();
    try {
      await waitFor('every message given up', async () => (await outbox(ids)).every((r) => r.status === 'failed') || undefined, { timeoutMs: 30_000 });
      const stuck = await call(env.api, 'admin', 'GET', '/operations/stuck?olderThan=1s');
      expect(stuck.statusCode).toBe(200);
      expect(stuck.json().sms.failed).toBe(rows.length);
      const metrics = { body: await (await fetch(env.api.metricsUrl!)).text() };
      expect(metrics.body).toContain(`tarkhees_sms_stuck{reason="failed"} ${rows.length}`);
      const list = await call(env.api, 'admin', 'GET', `/operations/sms?status=failed&applicationId=${ids[0]}`);
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((m: { id: number }) => m.id)).toEqual(rows.filter((r) => r.dedupeKey.startsWith(`${ids[0]}:`)).map((r) => r.id));
      expect(list.json().items[0].lastError).toMatch(/503/);

      // Supervisors see it; only administrators repair.
      expect((await call(env.api, 'supervisor', 'POST', '/operations/sms/resend', { ids: [rows[0]!.id], reason: 'gateway is back' })).statusCode).toBe(403);
      await setGateway({ outage: false });
      const resent = await call(env.api, 'admin', 'POST', '/operations/sms/resend', { ids: rows.map((r) => r.id), reason: 'gateway is back after the outage' });
      expect(resent.statusCode).toBe(200);
      expect(resent.json().results).toEqual(rows.map((r) => ({ id: r.id, resent: true, sent: true, status: 'sent', error: null })));
      await expectDeliveredOnce(ids);
      const again = await call(env.api, 'admin', 'POST', '/operations/sms/resend', { ids: [rows[0]!.id], reason: 'by mistake' });
      expect(again.json().results).toEqual([{ id: rows[0]!.id, resent: false, sent: false, status: 'sent', error: 'already sent' }]);
      expect((await gateway()).requests.filter((r) => r.repeat)).toEqual([]);
      const audit = await rowsOf<{ operation: string; status_code: number; reason: string }>(env.db.db, sql`
        select operation, status_code, details->>'reason' as reason from audit_log where route = '/operations/sms/resend' order by id`);
      expect(audit).toEqual([
        // Refused before its body is read: the row says who tried, not why.
        { operation: 'operations.repair', status_code: 403, reason: null },
        { operation: 'operations.repair', status_code: 200, reason: 'gateway is back after the outage' },
        { operation: 'operations.repair', status_code: 200, reason: 'by mistake' },
      ]);
      expect((await call(env.api, 'admin', 'GET', '/operations/stuck?olderThan=1s')).json().sms.failed).toBe(0);
    } finally {
      await d.stop();
    }
  });

  it('two dispatchers on one outbox never send a message twice', async () => {
    await resetGateway();
    const { ids, rows } = await casesWithMessages(6);
    await setGateway({ latencyMs: 50 });
    const a = dispatcher();
    const b = dispatcher();
    a.start();
    b.start();
    try {
      const seen = await expectDeliveredOnce(ids);
      const ours = seen.requests.filter((r) => ids.some((id) => r.reference.startsWith(`${id}:`)));
      expect(ours.map((r) => r.reference).sort()).toEqual(rows.map((r) => r.dedupeKey).sort());
      expect(ours.every((r) => r.status === 202 && !r.repeat)).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('marks a message the gateway refuses as malformed failed at once, without retrying it', async () => {
    const { ids, rows } = await casesWithMessages(1);
    const tried: string[] = [];
    const refusing: SmsProvider = {
      name: 'refusing',
      async send(m) {
        tried.push(m.reference);
        throw new SmsRefused('number not reachable (400)');
      },
    };
    await dispatcher({}, refusing).dispatchOnce();
    const after = await env.db.db.select().from(smsOutbox).where(eq(smsOutbox.applicationId, ids[0]!));
    expect(after.map((r) => [r.status, r.attempts, r.lastError])).toEqual(rows.map(() => ['failed', 1, 'number not reachable (400)']));
    expect(tried.sort()).toEqual(rows.map((r) => r.dedupeKey).sort());
  });
});

describe('retry delay', () => {
  it('doubles from the initial delay up to the cap, spread by up to a fifth either way', () => {
    const retry = { initialMs: 1_000, maxMs: 60_000 };
    expect([1, 2, 3, 4, 7, 8, 100].map((n) => retryDelayMs(n, retry, () => 0.5))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
    expect(retryDelayMs(1, retry, () => 0)).toBe(800);
    expect(retryDelayMs(1, retry, () => 1)).toBe(1_200);
  });
});
