// "GET /health: database, Temporal and the file store reachable." An API process as server.ts
// builds it (its own pool, the production Temporal client with its bounded
// retries), reaching PostgreSQL and Temporal through forwarders the test can
// cut while the API runs: the outage comes after start-up, as it does in
// production. A load balancer reads the status, an operator the JSON.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app';
import { connectTemporalClient } from '../integrations/temporal';
import type { Config } from '../config';
import { openDb, type DbHandle } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

/** What a load balancer's probe would wait at most; the answer must come sooner. */
const PROBE_TIMEOUT_MS = 10_000;

let env: TestEnv;
let pg: TcpProxy;
let temporal: TcpProxy;
let handle: DbHandle;
let api: FastifyInstance;
let closeTemporal: () => Promise<void>;
let base: string;

beforeAll(async () => {
  env = await startTestEnv({ startWorker: false, smsDispatcher: false });
  const dbUrl = new URL(env.config.databaseUrl!);
  const [temporalHost, temporalPort] = env.config.temporal.address.split(':') as [string, string];
  pg = await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
  temporal = await startTcpProxy({ host: temporalHost, port: Number(temporalPort) });
  dbUrl.port = String(pg.port);
  const config: Config = { ...env.config, databaseUrl: dbUrl.toString(), temporal: { ...env.config.temporal, address: temporal.address } };
  handle = await openDb(config);
  const t = await connectTemporalClient(config);
  closeTemporal = () => t.connection.close();
  api = await buildApp({ config, db: handle.db, temporal: t.client, logger: false });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.close();
  await closeTemporal?.().catch(() => {});
  await handle?.close().catch(() => {});
  await pg?.close();
  await temporal?.close();
  await env?.close();
});

/** Aborted past the probe's timeout: a hanging /health fails the test instead of passing late. */
async function probe(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  return { status: res.status, body: await res.json() };
}

const HEALTHY = { ok: true, database: true, temporal: true, files: true };
const healthyAgain = () => waitFor('/health to answer 200 again', async () => ((await probe()).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });

/** While `cut` holds, each of `probes` answers 503 naming what is down; once restored, /health is 200 again. */
async function answers503While(cut: () => Promise<unknown>, restore: () => Promise<unknown>, up: { database: boolean; temporal: boolean }, probes = 1) {
  await cut();
  try {
    for (let i = 0; i < probes; i++) expect(await probe()).toMatchObject({ status: 503, body: { ok: false, ...up } });
  } finally {
    await restore();
  }
  await healthyAgain();
}

describe('/health', () => {
  it('answers 200 while both are reachable', async () => {
    expect(await probe()).toMatchObject({ status: 200, body: HEALTHY });
  });

  it('answers 503 naming the database while PostgreSQL refuses connections, and 200 once it is back', async () => {
    await answers503While(() => pg.down(), () => pg.up(), { database: false, temporal: true });
  });

  it('answers 503 naming the database, in time, while PostgreSQL accepts connections and never answers', async () => {
    // The first on a pooled connection gone quiet, the second on a new one the server never greets.
    await answers503While(() => pg.stall(), () => pg.up(), { database: false, temporal: true }, 2);
  });

  it('answers 503 naming Temporal while its frontend refuses connections, and 200 once it is back', async () => {
    await answers503While(() => temporal.down(), () => temporal.up(), { database: true, temporal: false });
  });

  it('answers 503 naming Temporal, in time, while its frontend accepts connections and never answers', async () => {
    await answers503While(() => temporal.stall(), () => temporal.up(), { database: true, temporal: false }, 2);
  });

  it('answers 503 naming the file store while its folder cannot be written', async () => {
    // FILES_DIR names a file, not a folder: nothing could be kept there.
    const blocker = path.join(env.filesDir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const broken = await buildApp({ config: { ...env.config, documents: { ...env.config.documents, store: { kind: 'local', dir: blocker } } }, db: env.db.db, temporal: env.client, logger: false });
    try {
      const res = await broken.inject({ method: 'GET', url: '/health' });
      expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 503, body: { ok: false, database: true, temporal: true, files: false } });
    } finally {
      await broken.close();
    }
  });

  it('answers 503 naming both while both are down', async () => {
    await answers503While(() => Promise.all([pg.down(), temporal.down()]), () => Promise.all([pg.up(), temporal.up()]), { database: false, temporal: false });
  });
});
