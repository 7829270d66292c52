// Runs the Temporal CLI dev server as a child process, with the search
// attributes the workflow uses registered, and waits until it answers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTES } from '../workflows/application/contract';

const { temporal } = proto;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The dev server with SQLite needs a few seconds; a cold machine sometimes more. */
const READY_TIMEOUT_MS = 60_000;

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Path of the Temporal CLI, installing it on first use. */
export function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  return execFileSync('bash', [path.join(ROOT, 'scripts/install-temporal.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The CLI registers `--search-attribute`s only when it creates the namespace.
 * A data folder from an earlier release keeps its namespace, so an attribute
 * added since would be unknown and every workflow task setting it would fail:
 * add what is missing.
 */
export async function registerMissingSearchAttributes(conn: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((k) => !customAttributes?.[k.name]);
  if (missing.length === 0) return;
  await conn.operatorService.addSearchAttributes({
    namespace,
    // The SDK's attribute types are the proto enum's names without its prefix.
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}`]])),
  });
}

/**
 * The dev server's Go runtime: garbage collected at a quarter of its default
 * pace, its CPU a case fell 10-15 % in the bench for about 300 MiB more at its
 * peak; the soft memory limit has it collect harder before it grows past that.
 * A GOGC or GOMEMLIMIT in the environment wins.
 */
export const GO_RUNTIME_DEFAULTS = { GOGC: '400', GOMEMLIMIT: '1GiB' };

/**
 * Dynamic config every Temporal server of ours runs with: the dev server (as
 * --dynamic-config-value), the cluster (scripts/temporal-cluster.ts) and
 * compose (docker/temporal-dynamicconfig.yaml, checked against this by
 * test/search-attributes.test.ts). Tests and the single-machine start both
 * create many short workflows; the default per-namespace rate limits would
 * throttle a benchmark before the app does.
 */
export const TEMPORAL_DYNAMIC_CONFIG: Record<string, number | string | boolean> = {
  'frontend.namespaceRPS': 10000,
  'frontend.namespaceCount': 10000,
  // An activity the worker that scheduled it can run comes back with the answer
  // to that workflow task instead of through the task queue: the write a
  // reviewer's claim or decision waits for skips a round trip (bench:steady).
  'system.enableActivityEagerExecution': true,
};

export async function startTemporalDevServer(opts: {
  port: number;
  uiPort?: number;
  /** Omit for an in-memory server (tests); set to keep cases across restarts. */
  dbFile?: string;
  namespace?: string;
  logLevel?: string;
}): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', opts.logLevel ?? 'error'];
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(TEMPORAL_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  // The CLI has the server re-read the cluster's search attributes from its
  // store on every use (under a lock). With SQLite visibility, custom ones are
  // the namespace's aliases of fixed columns, so what it re-reads never changes;
  // the cache is right. Off, the server's CPU a case fell 15-20 % in the bench.
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false');

  // Another server already on the port would answer the readiness check below
  // while ours exits on the bind error: refuse early, with a clear message.
  if (await portInUse(opts.port)) {
    throw new Error(`port ${opts.port} is already in use (a Temporal server left running?); stop it or choose another port`);
  }
  const child = spawn(temporalCli(), args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...GO_RUNTIME_DEFAULTS, ...process.env } });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${opts.port}`;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited (${child.exitCode}): ${stderr}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.getSystemInfo({});
        await registerMissingSearchAttributes(conn, opts.namespace ?? 'default');
      } finally {
        await conn.close();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not answer on ${address} within ${READY_TIMEOUT_MS} ms: ${(err as Error).message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
