// The system under the chaos run, each part its own process as in
// production: a PostgreSQL server of the run's own, the Temporal dev server
// on a SQLite file, the agency and SMS simulator, the worker and the API
// (configured through the environment, as compose configures them). The
// token issuer runs in the harness: the run never faults it.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { migrateDb, openDb } from '../../db/client';
import type { Role } from '../../domain/access';
import { startIssuer, type Issuer } from '../../identity/issuer';
import { SEED_OFFICES, SEED_USERS } from '../../identity/users';
import { TASK_QUEUE } from '../../workflows/application/contract';
import { ApiClient } from '../bots';
import { bundleWorkflows } from '../bundle-workflows';
import { freePort } from '../ports';
import { startTemporalDevServer } from '../temporal';
import type { Who } from './load';
import { PrivateCluster } from './postgres';
import { nodeProcess, pollsTaskQueue, runToEnd, Supervised, type Crash } from './processes';

/**
 * The cases' own times, in seconds instead of days (the API puts them in each
 * workflow's input). The correction and hold deadlines are well above the
 * longest fault that could hold up the bot answering them (a worker
 * restarting, bundling its workflows), so a case planned to be corrected or
 * cleared in time is, and its outcome can be checked exactly.
 */
const CASE_TIMING = {
  CORRECTION_DEADLINE: '40s',
  AGENCY_HOLD_DEADLINE: '40s',
  AGENCY_RECHECK_INTERVAL: '2s',
  AGENCY_RETRY_INITIAL: '500ms',
  AGENCY_RETRY_MAX: '3s',
  AGENCY_TIMEOUT: '3s',
};
/**
 * The SMS dispatcher's backoff, short so a message refused during the outage
 * goes soon after it (its horizon stays the default day); and its send timeout,
 * short so the lease of a message a killed worker held (three send timeouts)
 * runs out within seconds, not the default 30.
 */
const SMS_RETRY = { SMS_RETRY_INITIAL: '1s', SMS_RETRY_MAX: '5s', SMS_SEND_TIMEOUT: '3s' };
/** Well beyond the run: a token expiring mid-run would be a failure of the harness, not of the system. */
const TOKEN_TTL_S = 24 * 3600;
/** One bot call: a slow answer under a fault is waited for, a hung one is retried. */
const BOT_HTTP_TIMEOUT_MS = 30_000;

export interface System {
  cluster: PrivateCluster;
  databaseUrl: string;
  temporal: Supervised;
  simulator: Supervised;
  worker: Supervised;
  api: Supervised;
  /** The harness's own connection, for readiness and the final checks. */
  connection: Connection;
  client: Client;
  issuer: Issuer;
  simulatorUrl: string;
  /** The seeded office's clerk, health specialist and technical inspector. */
  bots: ApiClient<Who>;
  /** Exits nobody asked for, as they happened. */
  crashes: Crash[];
  ports: Record<'postgres' | 'temporal' | 'api' | 'simulator', number>;
}

/**
 * Starts everything, each process supervised (`onExit` gets what must not
 * outlive the harness). `say` reports a process that exited by itself.
 */
export async function startSystem(dataDir: string, onExit: (f: () => void) => void, say: (line: string) => void): Promise<System> {
  const logs = path.join(dataDir, 'logs');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  const log = (name: string) => path.join(logs, `${name}.log`);
  const [postgresPort, temporalPort, apiPort, simulatorPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const ports = { postgres: postgresPort, temporal: temporalPort, api: apiPort, simulator: simulatorPort };

  const cluster = await PrivateCluster.create(path.join(dataDir, 'pg'), postgresPort);
  onExit(() => cluster.stopSync());
  const databaseUrl = await cluster.createDatabase('tarkhees');
  // Before the worker and the API start, so the harness can read the tables from the first moment.
  const migration = await openDb({ databaseUrl, pgliteDir: '' });
  await migrateDb(migration);
  await migration.close();

  const crashes: Crash[] = [];
  const supervise = (name: string, launch: ConstructorParameters<typeof Supervised>[1]) => {
    const s = new Supervised(name, launch, (c) => {
      crashes.push(c);
      say(`${c.name} (pid ${c.pid}) exited by itself (${c.signal ?? `code ${c.code}`}); starting it again`);
    });
    onExit(() => s.killSync());
    return s;
  };

  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const temporal = supervise('temporal', async () => (await startTemporalDevServer({ port: temporalPort, dbFile: path.join(dataDir, 'temporal.db') })).process);
  await temporal.start();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });

  const issuer = await startIssuer({ port: 0, audience: 'tarkhees-api', tokenTtlSeconds: TOKEN_TTL_S, users: [] });
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const appEnv: NodeJS.ProcessEnv = {
    ...process.env,
    // Bundled once: each restart of a killed worker is back polling without bundling again.
    WORKFLOW_BUNDLE: await bundleWorkflows(path.join(dataDir, 'workflows.js')),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    LABOR_OFFICE_URL: `${simulatorUrl}/labor`,
    ZAKAT_URL: `${simulatorUrl}/zakat`,
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: `${simulatorUrl}/sms/v1/messages`,
    ...SMS_RETRY,
    AUTH_ISSUER: issuer.url,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    // Three bots polling hard from one address; the rate limit is not what is tested.
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_IP_MAX: '100000000',
    LOG_LEVEL: 'warn',
    // As compose runs them.
    NODE_OPTIONS: '--max-semi-space-size=32',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    WORKER_METRICS_ADDRESS: '',
    WORKER_APP_METRICS_ADDRESS: '',
    ...CASE_TIMING,
  };
  const httpOk = (url: string) => async () => (await fetch(url)).ok;
  const simulatorEnv = { ...process.env, SIMULATOR_HOST: '127.0.0.1', SIMULATOR_PORT: String(simulatorPort) };
  const simulator = supervise('simulator', nodeProcess({ script: 'simulator/main.ts', env: simulatorEnv, logFile: log('simulator'), ready: httpOk(`${simulatorUrl}/health`) }));
  const worker = supervise('worker', nodeProcess({ script: 'worker.ts', env: appEnv, logFile: log('worker'), ready: pollsTaskQueue(connection, TASK_QUEUE) }));
  const api = supervise('api', nodeProcess({ script: 'server.ts', env: appEnv, logFile: log('api'), ready: httpOk(`${apiUrl}/health`) }));
  await Promise.all([simulator.start(), worker.start(), api.start()]);
  // The built-in issuer's offices, as compose's seed service imports them.
  await runToEnd({ script: 'scripts/seed.ts', env: { ...appEnv, SEED_DEMO_CASE: 'false' }, logFile: log('seed') });

  // The first office's clerk files every case; its health specialist and technical inspector review them.
  const office = SEED_OFFICES[0]!;
  const person = (role: Role) => {
    const user = SEED_USERS.find((u) => u.officeId === office.id && u.roles.includes(role))!;
    return issuer.sign({ sub: user.username, name: user.name, roles: user.roles, officeId: user.officeId });
  };
  const bots = new ApiClient<Who>(
    apiUrl,
    { clerk: await person('office_clerk'), health: await person('health_specialist'), inspector: await person('technical_inspector') },
    BOT_HTTP_TIMEOUT_MS,
  );
  return { cluster, databaseUrl, temporal, simulator, worker, api, connection, client, issuer, simulatorUrl, bots, crashes, ports };
}

export async function stopSystem(s: System): Promise<void> {
  s.bots.close();
  await Promise.all([s.api.stop(), s.worker.stop(), s.simulator.stop()]);
  await s.temporal.stop();
  await s.connection.close();
  await s.issuer.close();
  await s.cluster.stop();
}

/** CPU seconds of each process so far. */
export function processCpu(s: System): Record<string, number> {
  return Object.fromEntries([s.temporal, s.simulator, s.worker, s.api].map((p) => [p.name, p.cpuSeconds]));
}
