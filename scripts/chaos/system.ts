// The system under the chaos run, each part its own process as in
// production: a PostgreSQL server of the run's own, Temporal, the agency and
// SMS simulator, the workers and the APIs (configured through the
// environment, as compose configures them). Two shapes: `dev`, the Temporal
// dev server on a SQLite file with one worker and one API; `cluster`, the
// Temporal server on the run's PostgreSQL as four services
// (scripts/temporal-cluster.ts) with two workers and two APIs, as
// `npm run cluster` runs them. The token issuer runs in the harness: the run
// never faults it.
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
import { freePort, freePortRange } from '../ports';
import { portInUse, startTemporalDevServer } from '../temporal';
import { startTemporalCluster, TEMPORAL_SERVICES, type TemporalService } from '../temporal-cluster';
import { waitFor } from '../wait';
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
/** The cluster's services, as `npm run cluster` has them. */
const CLUSTER_WORKERS = 2;
const CLUSTER_APIS = 2;
/** The frontend's port and the eight after it: the other services' gRPC and membership ports. */
const CLUSTER_PORTS = 9;

export type Topology = 'dev' | 'cluster';

/**
 * The processes a fault can kill, by name. `dev`: temporal, worker, api.
 * `cluster`: frontend, history, matching, temporal-worker (Temporal's internal
 * worker), worker-1, worker-2, api-1, api-2. Both: simulator.
 */
export type ProcessName = string;

export interface System {
  topology: Topology;
  cluster: PrivateCluster;
  databaseUrl: string;
  processes: Record<ProcessName, Supervised>;
  /** The harness's own connection, for readiness and the final checks. */
  connection: Connection;
  client: Client;
  issuer: Issuer;
  simulatorUrl: string;
  /** The seeded office's clerk, health specialist and technical inspector. */
  bots: ApiClient<Who>;
  /** Exits nobody asked for, as they happened. */
  crashes: Crash[];
  ports: { postgres: number; temporal: number; apis: number[]; simulator: number };
}

/**
 * Starts everything, each process supervised (`onExit` gets what must not
 * outlive the harness). `say` reports a process that exited by itself.
 */
export async function startSystem(dataDir: string, topology: Topology, onExit: (f: () => void) => void, say: (line: string) => void): Promise<System> {
  const logs = path.join(dataDir, 'logs');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  const log = (name: string) => path.join(logs, `${name}.log`);
  const apiCount = topology === 'cluster' ? CLUSTER_APIS : 1;
  const [postgresPort, simulatorPort, temporalPort, ...apiPorts] = await Promise.all([
    freePort(),
    freePort(),
    topology === 'cluster' ? freePortRange(CLUSTER_PORTS) : freePort(),
    ...Array.from({ length: apiCount }, () => freePort()),
  ]);
  const ports = { postgres: postgresPort!, temporal: temporalPort!, apis: apiPorts, simulator: simulatorPort! };

  const cluster = await PrivateCluster.create(path.join(dataDir, 'pg'), ports.postgres);
  onExit(() => cluster.stopSync());
  const databaseUrl = await cluster.createDatabase('tarkhees');
  // Before the worker and the API start, so the harness can read the tables from the first moment.
  const migration = await openDb({ databaseUrl, pgliteDir: '' });
  await migrateDb(migration);
  await migration.close();

  const crashes: Crash[] = [];
  const processes: Record<ProcessName, Supervised> = {};
  const supervise = (name: string, launch: ConstructorParameters<typeof Supervised>[1]) => {
    const s = new Supervised(name, launch, (c) => {
      crashes.push(c);
      say(`${c.name} (pid ${c.pid}) exited by itself (${c.signal ?? `code ${c.code}`}); starting it again`);
    });
    onExit(() => s.killSync());
    processes[name] = s;
    return s;
  };

  const temporalAddress = topology === 'cluster' ? await startClusterServices(dataDir, ports, supervise) : `127.0.0.1:${ports.temporal}`;
  if (topology === 'dev') {
    await supervise('temporal', async () => (await startTemporalDevServer({ port: ports.temporal, dbFile: path.join(dataDir, 'temporal.db') })).process).start();
  }
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });

  const issuer = await startIssuer({ port: 0, audience: 'tarkhees-api', tokenTtlSeconds: TOKEN_TTL_S, users: [] });
  const simulatorUrl = `http://127.0.0.1:${ports.simulator}`;
  const apiUrls = ports.apis.map((p) => `http://127.0.0.1:${p}`);
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
    PAYMENT_GATEWAY_URL: `${simulatorUrl}/payments`,
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: `${simulatorUrl}/sms/v1/messages`,
    ...SMS_RETRY,
    AUTH_ISSUER: issuer.url,
    API_HOST: '127.0.0.1',
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
  // Its gateway notifies the first API of each payment (and retries while it is down, as a gateway does).
  const simulatorEnv = { ...process.env, SIMULATOR_HOST: '127.0.0.1', SIMULATOR_PORT: String(ports.simulator), TARKHEES_URL: apiUrls[0] };
  const simulator = supervise('simulator', nodeProcess({ script: 'simulator/main.ts', env: simulatorEnv, logFile: log('simulator'), ready: httpOk(`${simulatorUrl}/health`) }));
  const numbered = (name: string, i: number, count: number) => (count === 1 ? name : `${name}-${i + 1}`);
  const workerCount = topology === 'cluster' ? CLUSTER_WORKERS : 1;
  const workers = Array.from({ length: workerCount }, (_, i) => {
    const name = numbered('worker', i, workerCount);
    return supervise(name, nodeProcess({ script: 'worker.ts', env: appEnv, logFile: log(name), ready: pollsTaskQueue(connection, TASK_QUEUE) }));
  });
  const apis = apiUrls.map((url, i) => {
    const name = numbered('api', i, apiUrls.length);
    const env = { ...appEnv, API_PORT: String(ports.apis[i]), API_PUBLIC_URL: url };
    return supervise(name, nodeProcess({ script: 'server.ts', env, logFile: log(name), ready: httpOk(`${url}/health`) }));
  });
  await Promise.all([simulator.start(), ...workers.map((w) => w.start()), ...apis.map((a) => a.start())]);
  // The built-in issuer's offices, as compose's seed service imports them.
  await runToEnd({ script: 'scripts/seed.ts', env: { ...appEnv, SEED_DEMO_CASE: 'false' }, logFile: log('seed') });

  // The first office's clerk files every case; its health specialist and technical inspector review them.
  const office = SEED_OFFICES[0]!;
  const person = (role: Role) => {
    const user = SEED_USERS.find((u) => u.officeId === office.id && u.roles.includes(role))!;
    return issuer.sign({ sub: user.username, name: user.name, roles: user.roles, officeId: user.officeId });
  };
  // Across the APIs in turn, failing over when one does not answer, as behind a load balancer.
  const bots = new ApiClient<Who>(
    apiUrls,
    { clerk: await person('office_clerk'), health: await person('health_specialist'), inspector: await person('technical_inspector') },
    BOT_HTTP_TIMEOUT_MS,
  );
  return { topology, cluster, databaseUrl, processes, connection, client, issuer, simulatorUrl, bots, crashes, ports };
}

/** Temporal's process names in the run: its internal worker is not to be confused with ours. */
const SERVICE_NAME: Record<TemporalService, ProcessName> = { frontend: 'frontend', history: 'history', matching: 'matching', worker: 'temporal-worker' };

/**
 * The Temporal server's four services on the run's PostgreSQL (its schemas
 * set up there by temporal-sql-tool), each supervised on its own so a fault
 * kills one and the supervisor starts it again from the same config. Returns
 * the frontend's address.
 */
async function startClusterServices(
  dataDir: string,
  ports: System['ports'],
  supervise: (name: string, launch: ConstructorParameters<typeof Supervised>[1]) => Supervised,
): Promise<string> {
  const temporal = await startTemporalCluster({
    port: ports.temporal,
    dataDir: path.join(dataDir, 'temporal'),
    postgres: { port: ports.postgres },
    database: 'temporal',
    logLevel: 'warn',
  });
  for (const service of TEMPORAL_SERVICES) {
    const launch = async () => {
      const child = temporal.respawn(service);
      const up = async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new ServiceExited(`temporal ${service} exited (${child.exitCode ?? child.signalCode}); see ${temporal.logFile(service)}`);
        if (!(await portInUse(temporal.grpcPort(service)))) return false;
        if (service !== 'frontend') return true;
        const conn = await Connection.connect({ address: temporal.address, connectTimeout: 1_000 });
        try {
          await conn.workflowService.getSystemInfo({});
          return true;
        } finally {
          await conn.close();
        }
      };
      try {
        await waitFor(`temporal ${service} to serve`, up, { timeoutMs: SERVICE_READY_TIMEOUT_MS, intervalMs: 200, fatal: (err) => err instanceof ServiceExited });
      } catch (err) {
        child.kill('SIGKILL');
        throw err;
      }
      return child;
    };
    supervise(SERVICE_NAME[service], launch).adopt(temporal.processes[service]);
  }
  return temporal.address;
}

class ServiceExited extends Error {}

/** A Temporal service started again listens within seconds; the frontend then answers once the ring has it. */
const SERVICE_READY_TIMEOUT_MS = 60_000;

/** The order a cluster stops in: the frontend first, so no new call comes in; history last, its shards' writes done. */
const TEMPORAL_STOP_ORDER: ProcessName[] = ['temporal', 'frontend', 'temporal-worker', 'matching', 'history'];

export async function stopSystem(s: System): Promise<void> {
  s.bots.close();
  const app = Object.keys(s.processes).filter((n) => !TEMPORAL_STOP_ORDER.includes(n));
  await Promise.all(app.map((n) => s.processes[n]!.stop()));
  for (const n of TEMPORAL_STOP_ORDER) await s.processes[n]?.stop();
  await s.connection.close();
  await s.issuer.close();
  await s.cluster.stop();
}

/** CPU seconds of each process so far. */
export function processCpu(s: System): Record<string, number> {
  return Object.fromEntries(Object.values(s.processes).map((p) => [p.name, p.cpuSeconds]));
}
