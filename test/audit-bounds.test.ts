// The audit log stays whole and bounded: a change it cannot record is not
// confirmed to its caller (fail closed); a flood of forged credentials from
// one address is throttled, and past a few rows it is counted, not stored;
// what a caller wrote is cut to a fixed length. Over a real socket where the
// point is the caller's address.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDb, rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call, commercialApplication, submitOk, waitForStage } from './support/fixtures';

/** Unidentified refusals stored one by one per address and window here (20 in production). */
const ANONYMOUS_MAX = 5;
const IP_MAX = 30;

let env: TestEnv;
/** Its own limits, and nothing else calling from 127.0.0.1 against them. */
let flooded: TestEnv;
let base: string;
beforeAll(async () => {
  [env, flooded] = await Promise.all([
    startTestEnv(),
    startTestEnv({ startWorker: false, smsDispatcher: false, anonymousAuditMax: ANONYMOUS_MAX, rateLimitIpMax: IP_MAX, rateLimitWindow: '5s' }),
  ]);
  base = await flooded.api.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await Promise.all([env?.close(), flooded?.close()]);
});

describe('when the audit log cannot be written', () => {
  it('the call is not confirmed: 503 audit_unavailable, and it goes through once the log is back', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const owner = await openDb({ databaseUrl: env.ownerDatabaseUrl!, pgliteDir: '' });
    const role = new URL(env.config.databaseUrl!).username;
    try {
      await owner.db.execute(sql.raw(`revoke insert on audit_log from ${role}`));
      const refused = await call(env.api, 'clerk', 'POST', `/applications/${id}/comments`, { body: 'while the log is down' });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json()).toMatchObject({ error: 'audit_unavailable', message: expect.stringMatching(/not confirmed/) });
    } finally {
      await owner.db.execute(sql.raw(`grant insert on audit_log to ${role}`));
      await owner.close();
    }
    const ok = await call(env.api, 'clerk', 'POST', `/applications/${id}/comments`, { body: 'the log is back' });
    expect(ok.statusCode).toBe(201);
  });
});

describe('a flood of forged API keys from one address', () => {
  it('is throttled, and stored only for its first few: the rest are one summary row per window', async () => {
    const marker = `flood-${randomBytes(4).toString('hex')}`;
    const statuses: number[] = [];
    const requestIds: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${base}/applications`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': `ak_${randomBytes(8).toString('hex')}.${randomBytes(32).toString('base64url')}`,
          // 16 KB of caller-chosen text: stored cut to its fixed length.
          'user-agent': `${marker} ${'x'.repeat(16_000)}`,
        },
        body: '{}',
      });
      statuses.push(res.status);
      requestIds.push(res.headers.get('x-request-id') ?? '');
    }
    expect(statuses.slice(0, IP_MAX).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(IP_MAX).every((s) => s === 429)).toBe(true);

    const stored = await rowsOf<{ request_id: string; status_code: number; ua: number }>(flooded.db.db, sql`
      select request_id, status_code, length(user_agent) as ua from audit_log where user_agent like ${`${marker}%`}`);
    // The first few of a window, one by one (two windows at most, if the flood straddled a boundary).
    expect(stored.length).toBeGreaterThanOrEqual(ANONYMOUS_MAX);
    expect(stored.length).toBeLessThanOrEqual(2 * ANONYMOUS_MAX);
    expect(stored.every((r) => requestIds.includes(r.request_id) && r.ua <= 501)).toBe(true);
    // The rest are counted, and the count is written when the window ends.
    const summaries = await waitFor('the window to end with a summary', async () => {
      const rows = await rowsOf<{ suppressed: number; statuses: Record<string, number> }>(flooded.db.db, sql`
        select (details->>'suppressed')::int as suppressed, details->'statuses' as statuses from audit_log
        where route = '*' and actor_kind = 'anonymous' and ip = '127.0.0.1'`);
      const total = rows.reduce((n, r) => n + r.suppressed, 0);
      return total + stored.length === 50 ? rows : undefined;
    }, { timeoutMs: 20_000, intervalMs: 250 });
    const byStatus = summaries.reduce<Record<string, number>>((acc, r) => {
      for (const [s, n] of Object.entries(r.statuses)) acc[s] = (acc[s] ?? 0) + n;
      return acc;
    }, {});
    // A window that ended mid-flood stores the next one's first few too, 429s among them.
    const storedWith = (code: number) => stored.filter((r) => r.status_code === code).length;
    expect((byStatus['429'] ?? 0) + storedWith(429)).toBe(50 - IP_MAX);
    expect((byStatus['401'] ?? 0) + storedWith(401)).toBe(IP_MAX);
  });
});
