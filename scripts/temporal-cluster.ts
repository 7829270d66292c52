// The Temporal server as a cluster runs it, on this machine: PostgreSQL
// persistence and PostgreSQL (advanced, postgres12) visibility in two
// databases of a PostgreSQL server, their schemas set up and upgraded by
// Temporal's own temporal-sql-tool, and the four services (frontend, history,
// matching, the internal worker) each its own process, from one config file,
// with several history shards. The binaries are built once, at the pinned
// version, by scripts/install-temporal-server.sh. The counterpart of
// startTemporalDevServer (scripts/temporal.ts), for `npm run cluster` and
// `TEST_TEMPORAL=cluster npm test`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/application/contract';
import { GO_RUNTIME_DEFAULTS, portInUse, registerMissingSearchAttributes, TEMPORAL_DYNAMIC_CONFIG } from './temporal';
import { waitFor } from './wait';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Four processes joining their ring through PostgreSQL, then the namespace: longer than the dev server. */
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface TemporalClusterOptions {
  /** The frontend's gRPC port; the other services' ports follow it (see clusterPorts). */
  port: number;
  /** The config file, the dynamic config and each service's log go here. */
  dataDir: string;
  /** PostgreSQL for Temporal's two databases (a role that may create databases). */
  postgres?: { host?: string; port?: number; user?: string; password?: string };
  /** Persistence database; visibility is `${database}_visibility`. */
  database: string;
  /** Drop both databases first (the tests: a fresh cluster every run). */
  fresh?: boolean;
  namespace?: string;
  numHistoryShards?: number;
  logLevel?: string;
}

export interface TemporalCluster {
  address: string;
  /** The frontend's HTTP API. */
  httpAddress: string;
  configFile: string;
  processes: Record<TemporalService, ChildProcess>;
  logFile(service: TemporalService): string;
  /** The service's gRPC port: it listens there once it has started. */
  grpcPort(service: TemporalService): number;
  /**
   * Starts a service again (after it was killed), from the same config, its
   * output appended to its log; `processes` then holds the new process.
   */
  respawn(service: TemporalService): ChildProcess;
  stop(): Promise<void>;
}

/** Where each service listens: gRPC from `port` up, then the membership (ringpop) ports. */
export function clusterPorts(port: number) {
  return {
    frontend: { grpc: port, http: port + 1, membership: port + 5 },
    history: { grpc: port + 2, membership: port + 6 },
    matching: { grpc: port + 3, membership: port + 7 },
    worker: { grpc: port + 4, membership: port + 8 },
  };
}

/** Paths of temporal-server and temporal-sql-tool, building them on first use. */
export function temporalServerTools(): { server: string; sqlTool: string } {
  if (process.env.TEMPORAL_SERVER && process.env.TEMPORAL_SQL_TOOL) {
    return { server: process.env.TEMPORAL_SERVER, sqlTool: process.env.TEMPORAL_SQL_TOOL };
  }
  const out = execFileSync('bash', [path.join(ROOT, 'scripts/install-temporal-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [server, sqlTool] = out.trim().split('\n');
  return { server: server!, sqlTool: sqlTool! };
}

/**
 * Creates the database if missing and brings its schema to the version this
 * server ships (embedded in the tool): what auto-setup or an admin-tools job
 * does in compose. Each step is a no-op when already done.
 */
function setUpSchema(sqlTool: string, pg: Required<NonNullable<TemporalClusterOptions['postgres']>>, database: string, schema: 'temporal' | 'visibility', fresh: boolean) {
  const common = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', database];
  if (pg.password) common.push('--pw', pg.password);
  const run = (...args: string[]) => execFileSync(sqlTool, [...common, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (fresh) run('drop-database', '--force');
  run('create-database');
  run('setup-schema', '-v', '0.0');
  run('update-schema', '--schema-name', `postgresql/v12/${schema}`);
}

function sqlStore(pg: Required<NonNullable<TemporalClusterOptions['postgres']>>, databaseName: string, maxConns: number, maxIdleConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      // Four processes each open their own pools, on a PostgreSQL (max_connections 100) that others use too.
      maxConns,
      maxIdleConns,
      maxConnLifetime: '1h',
    },
  };
}

/** The server's config (YAML; JSON is YAML). */
function clusterConfig(opts: TemporalClusterOptions, pg: Required<NonNullable<TemporalClusterOptions['postgres']>>, dynamicConfigFile: string) {
  const ports = clusterPorts(opts.port);
  const rpc = (p: { grpc: number; membership: number; http?: number }) => ({
    rpc: { grpcPort: p.grpc, membershipPort: p.membership, bindOnIP: '127.0.0.1', ...(p.http ? { httpPort: p.http } : {}) },
  });
  const frontend = `127.0.0.1:${ports.frontend.grpc}`;
  return {
    log: { stdout: true, level: opts.logLevel ?? 'warn', format: 'json' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: opts.numHistoryShards ?? 4,
      datastores: {
        default: sqlStore(pg, opts.database, 8, 2),
        visibility: sqlStore(pg, `${opts.database}_visibility`, 3, 1),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(ports.frontend),
      history: rpc(ports.history),
      matching: rpc(ports.matching),
      worker: rpc(ports.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend, httpAddress: `127.0.0.1:${ports.frontend.http}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    // The internal worker (schedules, batch operations, the scanners) calls the frontend here.
    publicClient: { hostPort: frontend },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * The shared dynamic config, and here: the namespace cache refreshed every
 * second instead of every 10 s. On SQL visibility a custom search attribute
 * is an alias the namespace record holds, so history and matching know one
 * just added only once their cache has re-read the namespace; until then a
 * workflow setting it fails its task. A local cluster's extra query a second
 * is nothing.
 */
function dynamicConfig() {
  const values = { ...TEMPORAL_DYNAMIC_CONFIG, 'system.namespaceCacheRefreshInterval': '1s' };
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, [{ value, constraints: {} }]]));
}

function spawnService(server: string, configFile: string, service: TemporalService, logFile: string, flags: 'w' | 'a' = 'w'): ChildProcess {
  const log = openSync(logFile, flags);
  try {
    return spawn(server, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', service], {
      stdio: ['ignore', log, log],
      env: { ...GO_RUNTIME_DEFAULTS, ...process.env },
    });
  } finally {
    closeSync(log);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(killer);
}

export async function startTemporalCluster(opts: TemporalClusterOptions): Promise<TemporalCluster> {
  const pg = { host: '127.0.0.1', port: 5432, user: 'postgres', password: '', ...opts.postgres };
  const namespace = opts.namespace ?? 'default';
  const ports = clusterPorts(opts.port);
  const all = Object.values(ports).flatMap((p) => Object.values(p));
  for (const p of all) {
    if (await portInUse(p)) throw new Error(`port ${p} is already in use (a Temporal cluster left running?); stop it or choose another port than ${opts.port}`);
  }

  const { server, sqlTool } = temporalServerTools();
  setUpSchema(sqlTool, pg, opts.database, 'temporal', opts.fresh ?? false);
  setUpSchema(sqlTool, pg, `${opts.database}_visibility`, 'visibility', opts.fresh ?? false);

  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'temporal.yaml');
  const dynamicConfigFile = path.join(dataDir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, `${JSON.stringify(dynamicConfig(), null, 2)}\n`);
  writeFileSync(configFile, `${JSON.stringify(clusterConfig(opts, pg, dynamicConfigFile), null, 2)}\n`);

  const logFile = (service: TemporalService) => path.join(dataDir, `${service}.log`);
  const processes: Partial<Record<TemporalService, ChildProcess>> = {};
  const stop = async () => {
    // The frontend first, so no new call comes in; history last, its shards' writes done.
    for (const s of ['frontend', 'worker', 'matching', 'history'] as const) if (processes[s]) await stopProcess(processes[s]);
  };
  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const exited = () => TEMPORAL_SERVICES.find((s) => processes[s] && (processes[s].exitCode !== null || processes[s].signalCode !== null));
  const died = (dead: TemporalService) =>
    new FatalStartError(`temporal ${dead} exited (${processes[dead]!.exitCode ?? processes[dead]!.signalCode}); see ${logFile(dead)}`);
  try {
    // History alone first: on a fresh database every service writes the
    // cluster's metadata record as it starts, and all but one of those that
    // race lose (a version mismatch) and exit. Once history serves, it is there.
    processes.history = spawnService(server, configFile, 'history', logFile('history'));
    await waitFor(
      'temporal history to listen',
      async () => {
        const dead = exited();
        if (dead) throw died(dead);
        return portInUse(ports.history.grpc);
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 200, fatal: (err) => err instanceof FatalStartError },
    );
    for (const s of TEMPORAL_SERVICES) processes[s] ??= spawnService(server, configFile, s, logFile(s));
    await waitFor(
      `the Temporal cluster at ${address} with namespace ${namespace} and its search attributes`,
      async () => {
        const dead = exited();
        if (dead) throw died(dead);
        return ready(address, namespace);
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 500, fatal: (err) => err instanceof FatalStartError },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const respawn = (service: TemporalService) => (processes[service] = spawnService(server, configFile, service, logFile(service), 'a'));
  return {
    address,
    httpAddress: `127.0.0.1:${ports.frontend.http}`,
    configFile,
    processes: processes as Record<TemporalService, ChildProcess>,
    logFile,
    grpcPort: (service) => ports[service].grpc,
    respawn,
    stop,
  };
}

class FatalStartError extends Error {}

/** True once the frontend answers, the namespace exists (created here when not) and lists every search attribute. */
async function ready(address: string, namespace: string): Promise<boolean> {
  const conn = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await conn.workflowService.getSystemInfo({});
    try {
      await conn.workflowService.describeNamespace({ namespace });
    } catch (err) {
      if ((err as { code?: number }).code !== 5 /* NOT_FOUND */) throw err;
      // As compose's DEFAULT_NAMESPACE_RETENTION: a closed case's history stays 30 days.
      await conn.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('30 days') }).catch((e: { code?: number }) => {
        if (e.code !== 6 /* ALREADY_EXISTS */) throw e;
      });
      return false;
    }
    await registerMissingSearchAttributes(conn, namespace);
    const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace });
    return SEARCH_ATTRIBUTE_KEYS.every((k) => customAttributes?.[k.name] !== undefined);
  } finally {
    await conn.close();
  }
}
