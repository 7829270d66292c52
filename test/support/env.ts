// A test file's world: the real PostgreSQL test database, the shared Temporal
// dev server, its own agency simulator on a free port, its own task queue and
// worker, the API (Fastify, exercised through inject) and the SMS dispatcher.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { loadConfig, type Config } from '../../config';
import { openDb, type DbHandle } from '../../db/client';
import { httpSmsProvider, SmsDispatcher } from '../../integrations/sms';
import { dropDatabases, recreateDatabase } from '../../scripts/databases';
import { buildSimulator } from '../../simulator/app';
import type { CaseTiming } from '../../workflows/application/contract';
import { createAppWorker } from '../../worker';

/** Seconds, not days: there is no time-skipping server here. */
export const FAST_TIMING: CaseTiming = {
  correctionDeadlineMs: 60_000,
  agencyHoldDeadlineMs: 60_000,
  agencyRecheckIntervalMs: 1_000,
  agencyRetryInitialMs: 200,
  agencyRetryMaxMs: 1_000,
};

let runtimeInstalled = false;

/**
 * Each environment gets its own database, cloned from the migrated template the
 * global setup made: test files run in parallel, and one file's SMS dispatcher
 * must not send another file's messages.
 */
async function cloneTestDatabase(): Promise<string> {
  const template = new URL(inject('databaseUrl')).pathname.slice(1);
  return recreateDatabase(inject('adminDatabaseUrl'), `${template}_${randomUUID().replaceAll('-', '').slice(0, 12)}`, template);
}

export interface TestEnv {
  config: Config;
  db: DbHandle;
  client: Client;
  api: FastifyInstance;
  simulatorUrl: string;
  worker: Worker;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestEnv(opts: { timing?: Partial<CaseTiming>; startWorker?: boolean } = {}): Promise<TestEnv> {
  if (!runtimeInstalled) {
    // Keep the core SDK quiet unless something is wrong.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const simulator = buildSimulator();
  await simulator.listen({ host: '127.0.0.1', port: 0 });
  const simulatorUrl = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`;

  const databaseUrl = await cloneTestDatabase();
  const base = loadConfig({
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    LABOR_OFFICE_URL: `${simulatorUrl}/labor`,
    ZAKAT_URL: `${simulatorUrl}/zakat`,
    AGENCY_TIMEOUT: '2s',
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: `${simulatorUrl}/sms/v1/messages`,
    SMS_POLL_INTERVAL: '100ms',
    LOG_LEVEL: 'warn',
  });
  const config: Config = { ...base, timing: { ...FAST_TIMING, ...opts.timing } };
  const db = await openDb(config);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const api = await buildApp({ config, db: db.db, temporal: client, logger: false });
  await api.ready();
  const dispatcher = new SmsDispatcher(db.db, httpSmsProvider({ url: config.sms.httpUrl! }), config.sms.pollIntervalMs, () => {});
  dispatcher.start();

  const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  let running: { worker: Worker; done: Promise<void> } | undefined;

  const env: TestEnv = {
    config,
    db,
    client,
    api,
    simulatorUrl,
    get worker() {
      if (!running) throw new Error('no worker running');
      return running.worker;
    },
    async startWorker() {
      if (running) return;
      const worker = await createAppWorker({
        connection: nativeConnection,
        config,
        db: db.db,
        workflowBundle,
        workerOptions: { shutdownGraceTime: '1s' },
      });
      running = { worker, done: worker.run() };
    },
    async stopWorker() {
      if (!running) return;
      const r = running;
      running = undefined;
      r.worker.shutdown();
      await r.done;
    },
    async close() {
      await env.stopWorker();
      await dispatcher.stop();
      await api.close();
      await connection.close();
      await nativeConnection.close();
      await simulator.close();
      await db.close();
      await dropDatabases(inject('adminDatabaseUrl'), new URL(databaseUrl).pathname.slice(1));
    },
  };
  if (opts.startWorker !== false) await env.startWorker();
  return env;
}

/** Polls until check returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
