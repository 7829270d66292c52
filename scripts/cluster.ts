// `npm run cluster`: the production-shaped stack on this machine, each part
// its own process as docker-compose.yml runs them: the Temporal server on
// PostgreSQL as four services (scripts/temporal-cluster.ts), two workers and
// two API instances (worker.ts, server.ts, configured through the
// environment as compose configures them), all on the local PostgreSQL; the
// built-in token issuer and the agency and SMS simulator run in this process,
// assembled by system.ts as `npm start` has them. The workers and APIs are
// supervised: one that exits by itself is started again. Ctrl-C stops
// everything this started.
//
// Environment (besides what config.ts reads):
//   CLUSTER_TEMPORAL_PORT   the Temporal frontend's gRPC port, the next 8 for the other services (7633)
//   CLUSTER_API_PORTS       the API instances' ports (3000,3001)
//   CLUSTER_WORKERS         how many workers (2)
//   CLUSTER_DATA_DIR        Temporal's config and every process's log (.data/cluster)
//   CLUSTER_TEMPORAL_DATABASE   Temporal's databases: this and <this>_visibility (temporal_cluster)
//   DATABASE_URL            the app's database (postgres://postgres@127.0.0.1:5432/tarkhees_cluster, created when missing)
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../config';
import { bundleWorkflows } from './bundle-workflows';
import { DEV_SIGN_INS } from '../identity/users';
import { onStopSignal } from '../integrations/signals';
import { startSystem } from '../system';
import { TASK_QUEUE } from '../workflows/application/contract';
import { nodeProcess, pollsTaskQueue, runToEnd, Supervised } from './chaos/processes';
import { startTemporalCluster, TEMPORAL_SERVICES, type TemporalCluster } from './temporal-cluster';

const env = process.env;
const temporalPort = Number(env.CLUSTER_TEMPORAL_PORT ?? 7633);
const apiPorts = (env.CLUSTER_API_PORTS ?? '3000,3001').split(',').map((p) => Number(p.trim()));
const workerCount = Number(env.CLUSTER_WORKERS ?? 2);
const dataDir = path.resolve(env.CLUSTER_DATA_DIR ?? '.data/cluster');
const temporalDatabase = env.CLUSTER_TEMPORAL_DATABASE ?? 'temporal_cluster';
const databaseUrl = env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/tarkhees_cluster';

/** Creates the app's database when it is missing; kept across runs, as Temporal's are. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

async function main() {
  const logs = path.join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const log = (name: string) => path.join(logs, `${name}.log`);
  await ensureDatabase(databaseUrl);

  const stops: (() => Promise<unknown>)[] = [];
  const killers: (() => void)[] = [];
  const supervised: Supervised[] = [];
  process.on('exit', () => killers.forEach((k) => k()));
  const stopAll = async () => {
    // The workers and APIs all at once: a Ctrl-C in the terminal signals them
    // too, and one that exits before it is marked as stopping would be taken
    // for a crash and started again.
    await Promise.all(supervised.splice(0).map((s) => s.stop()));
    for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => console.error(err));
  };
  try {
    const t0 = Date.now();
    const temporal: TemporalCluster = await startTemporalCluster({ port: temporalPort, dataDir, database: temporalDatabase, logLevel: 'warn' });
    stops.push(() => temporal.stop());
    killers.push(() => TEMPORAL_SERVICES.forEach((s) => temporal.processes[s].exitCode === null && temporal.processes[s].kill('SIGKILL')));
    console.log(`cluster: Temporal's four services answer at ${temporal.address} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    // What every app process gets, as compose's x-app-env: the same database,
    // Temporal, agencies and gateway (the simulator here), the issuer's default address.
    const simulatorPort = loadConfig(env).simulatorPort;
    const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
    const appEnv: NodeJS.ProcessEnv = {
      ...env,
      // Bundled once for every worker, as the image does: a restarted worker polls again within seconds.
      WORKFLOW_BUNDLE: env.WORKFLOW_BUNDLE || (await bundleWorkflows(path.join(dataDir, 'workflows.js'))),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      // Over HTTP to the simulator's gateway, which dedupes by reference (two workers share the outbox).
      SMS_PROVIDER: 'http',
      SMS_HTTP_URL: `${simulatorUrl}/sms/v1/messages`,
      API_PORT: String(apiPorts[0]),
    };
    // In this process: the migrations (before any worker or API starts), the built-in issuer, the simulator.
    const system = await startSystem(loadConfig(appEnv), {
      service: 'tarkhees-cluster',
      embedded: { temporalOwn: false, simulatorOwn: !env.LABOR_OFFICE_URL && !env.ZAKAT_URL },
    });
    stops.push(() => system.stop());
    const { config, issuer } = system;

    const supervise = (name: string, launch: ConstructorParameters<typeof Supervised>[1]) => {
      const s = new Supervised(name, launch, (c) => console.error(`cluster: ${c.name} (pid ${c.pid}) exited by itself (${c.signal ?? `code ${c.code}`}); starting it again`));
      killers.push(() => s.killSync());
      supervised.push(s);
      return s;
    };
    const workers = Array.from({ length: workerCount }, (_, i) =>
      supervise(`worker-${i + 1}`, nodeProcess({ script: 'worker.ts', env: appEnv, logFile: log(`worker-${i + 1}`), ready: pollsTaskQueue(system.client, TASK_QUEUE, config.temporal.namespace) })),
    );
    const apis = apiPorts.map((port, i) => {
      const url = `http://127.0.0.1:${port}`;
      const apiEnv = { ...appEnv, API_PORT: String(port), API_PUBLIC_URL: i === 0 ? config.api.publicUrl : url };
      return { url: apiEnv.API_PUBLIC_URL, process: supervise(`api-${i + 1}`, nodeProcess({ script: 'server.ts', env: apiEnv, logFile: log(`api-${i + 1}`), ready: async () => (await fetch(`${url}/health`)).ok })) };
    });
    await Promise.all([...workers.map((w) => w.start()), ...apis.map((a) => a.process.start())]);

    let demoCase: string | undefined;
    if (issuer) {
      // The built-in issuer's offices, the open round and the demonstration case, as compose's seed job does.
      await runToEnd({ script: 'scripts/seed.ts', env: appEnv, logFile: log('seed') });
      demoCase = /the demo case (\S+)/.exec(readFileSync(log('seed'), 'utf8').trim().split('\n').at(-1) ?? '')?.[1];
    }

    console.log(
      [
        '',
        'Tarkhees is running as a cluster',
        ...apis.map((a, i) => `  API ${i + 1}             ${a.url}   (docs ${a.url}/docs, console ${a.url}/console)   pid ${a.process.pid}, log ${log(`api-${i + 1}`)}`),
        ...workers.map((w, i) => `  Worker ${i + 1}          pid ${w.pid}, log ${log(`worker-${i + 1}`)}`),
        `  Temporal gRPC     ${temporal.address} (frontend; HTTP API http://${temporal.httpAddress}); no Web UI: \`temporal --address ${temporal.address} workflow list\``,
        ...TEMPORAL_SERVICES.map((s) => `    ${s.padEnd(16)}pid ${temporal.processes[s].pid}, log ${temporal.logFile(s)}`),
        `    config          ${temporal.configFile}`,
        `    databases       ${temporalDatabase}, ${temporalDatabase}_visibility (PostgreSQL at 127.0.0.1:5432)`,
        `  Database          ${databaseUrl.replace(/\/\/[^@/]*@/, '//')}`,
        `  Agency simulator  ${system.simulatorUrl ?? '(external agencies)'} (also the SMS gateway: ${appEnv.SMS_HTTP_URL})`,
        `  Token issuer      ${issuer ? `${issuer.url} (built-in; users: ${issuer.url}/users, password "tarkhees")` : config.auth.issuer}`,
        ...(issuer ? DEV_SIGN_INS.map((u) => `    ${u.roles[0]!.replaceAll('_', ' ').padEnd(24)}${u.username}`) : []),
        ...(demoCase ? [`  Demo case         ${demoCase} (in health.ahsa's and inspector.ahsa's inboxes)`] : []),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => onStopSignal(() => resolve()));
    console.log('cluster: stopping');
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
