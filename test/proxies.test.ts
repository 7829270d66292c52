// Who the caller is, by address: behind the named reverse proxies the address
// comes from X-Forwarded-For; from anyone else that header is ignored. Over a
// real listening socket, since the point is the TCP peer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildApp } from '../api/app';
import { ConfigError, loadConfig, type Config } from '../config';
import { rowsOf } from '../db/client';
import { startTestEnv, type TestEnv } from './support/env';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ startWorker: false, smsDispatcher: false });
});
afterAll(async () => {
  await env?.close();
});

/** An anonymous change (refused 401, so audited with the caller's address) through a real socket, claiming to come from `forwardedFor`. */
async function addressSeen(trustProxies: string[], forwardedFor: string): Promise<string> {
  const config: Config = { ...env.config, api: { ...env.config.api, trustProxies } };
  const api = await buildApp({ config, db: env.db.db, temporal: env.client, logger: false });
  try {
    const base = await api.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: '{}',
    });
    expect(res.status).toBe(401);
    const [row] = await rowsOf<{ ip: string }>(env.db.db, sql`select ip from audit_log where request_id = ${res.headers.get('x-request-id')}`);
    return row!.ip;
  } finally {
    await api.close();
  }
}

describe('client addresses behind proxies', () => {
  it('believes X-Forwarded-For only from a listed proxy', async () => {
    expect(await addressSeen(['127.0.0.1'], '203.0.113.7')).toBe('203.0.113.7');
    expect(await addressSeen(['10.0.0.0/8'], '203.0.113.7')).toBe('127.0.0.1');
    expect(await addressSeen([], '203.0.113.7')).toBe('127.0.0.1');
  });

  it('takes a list of addresses and ranges, and refuses "true"', () => {
    expect(loadConfig({ API_TRUST_PROXY: '10.0.0.5, 10.0.1.0/24,::1' }).api.trustProxies).toEqual(['10.0.0.5', '10.0.1.0/24', '::1']);
    expect(loadConfig({}).api.trustProxies).toEqual([]);
    expect(() => loadConfig({ API_TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_TRUST_PROXY: 'proxy.internal' })).toThrow(/not an address/);
  });
});
