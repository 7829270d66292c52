// Throughput benchmark: N health applications pushed through the real system
// (API over HTTP, workflow, PostgreSQL, agency simulator, SMS outbox) with bot
// reviewers posting decisions through the API, against a bare workflow of the
// same shape straight on Temporal, in the same run on the same server.
//
//   npm run bench -- [--cases 1000] [--concurrency 100]
//
// Prints cases per second for both, their ratio, and the API's p50/p99 for
// submit and read. Targets (issue #2): ratio >= 0.8; 7,000 cases <= 5 minutes.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../config';
import type { JsonResponse } from '../integrations/http';
import { buildSimulator } from '../simulator/app';
import { recreateDatabase } from '../scripts/databases';
import { startTemporalDevServer } from '../scripts/temporal';
import { healthApplication } from '../test/support/fixtures';
import { startSystem } from '../system';
import { bareClaimUpdate, bareDecisionUpdate } from './bare-workflow';
import { startIssuer } from '../identity/issuer';
import { importOffices } from '../identity/seed';
import { officeFile } from '../test/support/env';
import { bundleWorkflows } from '../scripts/bundle-workflows';
import { pollsTaskQueue } from '../scripts/chaos/processes';
import { waitFor } from '../scripts/wait';
import { ApiClient, cpuSeconds, peakMemoryMiB, pool, postgresCpuSeconds, sleep, statCpuSeconds, workInbox } from '../scripts/bots';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '100' },
    'poll-ms': { type: 'string', default: '200' },
    /** inbox: reviewers poll their inbox; per-case: every bot polls its own case. */
    bots: { type: 'string', default: 'inbox' },
    /** For profiling the application alone; the ratio is then not printed. */
    'skip-bare': { type: 'boolean', default: false },
    /** 0: the worker in this process with the API; N: N worker processes as `npm run worker` runs them (issue #19, scaling). */
    workers: { type: 'string', default: '0' },
  },
});
const N = Number(args.cases);
const WORKERS = Number(args.workers);
const WORKER_MAIN = fileURLToPath(new URL('../worker.ts', import.meta.url));
const CONCURRENCY = Number(args.concurrency);
/** How often a bot looks whether its case is ready for the next step; the same for both runs. */
const POLL_MS = Number(args['poll-ms']);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCH_DB = 'tarkhees_bench';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function latencySummary(name: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${name.padEnd(8)} n=${String(s.length).padStart(6)}  p50=${percentile(s, 50).toFixed(1)} ms  p99=${percentile(s, 99).toFixed(1)} ms`;
}

/** CPU seconds of each of this process's threads, by thread id, with the thread's name (Linux). */
function threadCpu(): Map<number, { name: string; cpu: number }> {
  const out = new Map<number, { name: string; cpu: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      out.set(Number(tid), { name, cpu: statCpuSeconds(`/proc/self/task/${tid}/stat`) });
    } catch {
      // the thread ended between listing and reading
    }
  }
  return out;
}

/** Node's threads from before the workers started: V8's helpers (GC, compiler) and libuv's pool. */
let helperThreads = new Set<number>();
async function noteHelperThreads(): Promise<void> {
  // libuv starts its whole pool on the first job given to it.
  await stat(process.cwd());
  helperThreads = new Set(threadCpu().keys());
}
type ThreadCpu = { main: number; workflow: number; core: number; helpers: number };

/**
 * Where this process's CPU went: the main thread (API, bots, activities, the
 * SDK's JavaScript side), the threads running workflow code (Node threads the
 * workers started), the SDK's Rust core, and V8's and libuv's helper threads.
 */
function threadMeter(): () => ThreadCpu {
  const start = threadCpu();
  return () => {
    const sum: ThreadCpu = { main: 0, workflow: 0, core: 0, helpers: 0 };
    for (const [tid, { name, cpu }] of threadCpu()) {
      const used = cpu - (start.get(tid)?.cpu ?? 0);
      if (tid === process.pid) sum.main += used;
      else if (name !== 'node') sum.core += used;
      else if (helperThreads.has(tid)) sum.helpers += used;
      else sum.workflow += used;
    }
    return sum;
  };
}

function cpuMeter(serverPid: number | undefined, workerPids: number[]) {
  const workersCpu = () => workerPids.reduce((a, pid) => a + cpuSeconds(pid), 0);
  const start = { server: cpuSeconds(serverPid), app: cpuSeconds(process.pid), workers: workersCpu(), pg: postgresCpuSeconds() };
  const threads = threadMeter();
  return () => ({
    server: cpuSeconds(serverPid) - start.server,
    app: cpuSeconds(process.pid) - start.app,
    workers: workersCpu() - start.workers,
    // Backends that exit between the two readings are missed: a lower bound.
    pg: Math.max(0, postgresCpuSeconds() - start.pg),
    threads: threads(),
  });
}

async function timed<T>(samples: number[], f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    samples.push(performance.now() - t0);
  }
}

/** Far above any answer's time under load: a bot waits rather than counting a slow answer as a failure. */
const BOT_TIMEOUT_MS = 120_000;
/** Who each bot is: an office clerk files and follows cases; the office's two reviewers decide them. */
type Bot = 'clerk' | 'health' | 'inspector';
type Api = ApiClient<Bot>;

/**
 * Bots as people work: two reviewers each poll their inbox (the list filtered
 * to cases in review waiting on their role) and decide what they find;
 * submitters keep CONCURRENCY cases in flight and learn that theirs closed
 * from a watcher polling the list of open cases, then read it once.
 */
async function runApplicationsInbox(api: Api, count: number) {
  const submit: number[] = [];
  const read: number[] = [];
  const list: number[] = [];
  let refused = 0;
  const waiting = new Map<string, { since: number; done: () => void }>();
  let running = true;
  const timedPage = (get: () => Promise<JsonResponse>) => timed(list, get);

  // A reviewer works the task inbox: unassigned tasks of their kind, claim, decide.
  const reviewer = (kind: 'health' | 'technical') => {
    const as: Bot = kind === 'health' ? 'health' : 'inspector';
    return workInbox({
      list: async () => (await api.listAll<{ id: string }>(as, `/tasks?kind=${kind}_review&assignee=unassigned`, timedPage)).map((t) => t.id),
      work: async (id) => {
        const c = await api.call(as, 'POST', `/tasks/${id}/claim`);
        const d = c.status === 200 ? await api.call(as, 'POST', `/tasks/${id}/decision`, { decision: 'approve' }) : c;
        // The inbox can lag a claim or decision by a moment: a second one is refused (409), never applied.
        if (d.status === 409) refused++;
        else if (d.status !== 200) throw new Error(`claim or decision answered ${d.status}: ${d.body}`);
      },
      pollMs: POLL_MS,
      running: () => running,
    });
  };
  const watcher = async () => {
    while (running) {
      const asked = performance.now();
      const open = new Set((await api.listAll<{ id: string }>('clerk', '/applications?status=in_progress', timedPage)).map((a) => a.id));
      for (const [id, w] of waiting) {
        if (w.since < asked && !open.has(id)) {
          waiting.delete(id);
          w.done();
        }
      }
      await sleep(POLL_MS);
    }
  };

  const t0 = performance.now();
  const bots = [reviewer('health'), reviewer('technical'), watcher()];
  try {
    await pool(count, CONCURRENCY, async () => {
      const res = await timed(submit, () => api.call('clerk', 'POST', '/applications', healthApplication(), { 'idempotency-key': randomUUID() }));
      if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${res.body}`);
      const { id } = JSON.parse(res.body) as { id: string };
      await new Promise<void>((done) => waiting.set(id, { since: performance.now(), done }));
      const detail = await timed(read, () => api.call('clerk', 'GET', `/applications/${id}`));
      const status = (JSON.parse(detail.body) as { status: string }).status;
      if (status !== 'issued') throw new Error(`${id} ended ${status}`);
    });
  } finally {
    running = false;
    await Promise.all(bots);
  }
  return { seconds: (performance.now() - t0) / 1000, submit, read, list, refused };
}

async function runApplications(api: Api, count: number) {
  const submit: number[] = [];
  const read: number[] = [];
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => api.call('clerk', 'POST', path, body, headers);
  const get = async (id: string) => {
    const res = await timed(read, () => api.call('clerk', 'GET', `/applications/${id}`));
    return JSON.parse(res.body) as { stage: string; status: string };
  };

  const t0 = performance.now();
  await pool(count, CONCURRENCY, async () => {
    const res = await timed(submit, () => post('/applications', healthApplication(), { 'idempotency-key': randomUUID() }));
    if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${res.body}`);
    const { id } = JSON.parse(res.body) as { id: string };
    while ((await get(id)).stage !== 'review') await sleep(POLL_MS);
    for (const [kind, as] of [
      ['health', 'health'],
      ['technical', 'inspector'],
    ] as const) {
      await api.call(as, 'POST', `/tasks/${id}:${kind}:1/claim`);
      const d = await api.call(as, 'POST', `/applications/${id}/reviews`, { kind, decision: 'approve' });
      if (d.status !== 200) throw new Error(`decision answered ${d.status}: ${d.body}`);
    }
    for (;;) {
      const a = await get(id);
      if (a.status === 'issued') break;
      if (a.status !== 'in_progress') throw new Error(`${id} ended ${a.status}`);
      await sleep(POLL_MS);
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, submit, read };
}

async function runBare(client: Client, taskQueue: string) {
  const t0 = performance.now();
  await pool(N, CONCURRENCY, async (i) => {
    const handle = await client.workflow.start('bareApplication', { workflowId: `bare-${i}-${randomUUID()}`, taskQueue, args: [] });
    for (let d = 0; d < 2; d++) {
      for (;;) {
        try {
          // As a reviewer does: claim the task, then decide it.
          await handle.executeUpdate(bareClaimUpdate, { args: ['bot'] });
          await handle.executeUpdate(bareDecisionUpdate, { args: ['approve'] });
          break;
        } catch (err) {
          if (!(err instanceof WorkflowUpdateFailedError)) throw err;
          await sleep(POLL_MS);
        }
      }
    }
    await handle.result();
  });
  return { seconds: (performance.now() - t0) / 1000 };
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const ownServer = !process.env.TEMPORAL_ADDRESS;
  const server = ownServer ? await startTemporalDevServer({ port: Number(process.env.BENCH_TEMPORAL_PORT ?? 7399) }) : undefined;
  // The dev server is a child process: take it down with us whatever happens.
  process.once('exit', () => server?.process.kill('SIGKILL'));
  const databaseUrl = await recreateDatabase(ADMIN_URL, BENCH_DB);

  const simulator = buildSimulator();
  await simulator.listen({ host: '127.0.0.1', port: 0 });
  const simUrl = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`;
  // Every call is authenticated as in production: tokens from an issuer, checked against its JWKS.
  const issuer = await startIssuer({ port: 0, audience: 'tarkhees-api', tokenTtlSeconds: 24 * 3600, users: [] });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AUTH_ISSUER: issuer.url,
    // The bots are three clients polling hard; the limit is not what is measured.
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_IP_MAX: '100000000',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: server?.address ?? process.env.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: `bench-app-${randomUUID()}`,
    LABOR_OFFICE_URL: `${simUrl}/labor`,
    ZAKAT_URL: `${simUrl}/zakat`,
    // Measured as before fees: a case goes from the agencies to issuance (the fee's wait is the applicant's, not the system's).
    FEES_CHARGED: 'false',
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: `${simUrl}/sms/v1/messages`,
    API_PORT: '0',
    SMS_POLL_INTERVAL: '200ms',
    LOG_LEVEL: 'error',
  };
  const config = loadConfig(env);
  // Assembled as the processes are (system.ts): the worker polls from here on, before the first phase.
  // Errors only: a request the API fails shows its cause here, and a run pays for the logger as production does.
  const system = await startSystem(config, { service: 'tarkhees-bench', ...(WORKERS ? {} : { worker: {} }), api: { logger: { level: 'error' } } });
  const { db, client } = system;
  // Started after this process migrated the database; each drains the outbox too, as deployed. Logs: errors only.
  if (WORKERS) env.WORKFLOW_BUNDLE ??= await bundleWorkflows(`.data/bench/workflows-${process.pid}.js`);
  const workers = Array.from({ length: WORKERS }, () => spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], { env, stdio: ['ignore', 'ignore', 'inherit'] }));
  process.once('exit', () => workers.forEach((w) => w.kill('SIGKILL')));
  const workerPids = workers.map((w) => w.pid!);
  // Measured once each polls: their start (loading the code, bundling the workflows) is not a case's cost.
  const polling = pollsTaskQueue(client.connection, config.temporal.taskQueue);
  for (const w of workers) await waitFor(`worker ${w.pid} polling`, () => polling(w), { timeoutMs: 180_000, intervalMs: 500 });
  const app = system.api!;
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const officeId = 'OFF-BENCH1';
  const file = officeFile();
  await importOffices(db.db, app.offices, [{ id: officeId, application: file }]);
  const member = (role: 'office_clerk' | 'health_specialist' | 'technical_inspector') =>
    issuer.sign({ sub: file.staff.find((m) => m.role === role)!.userId, roles: [role], officeId });
  const api: Api = new ApiClient(
    apiUrl,
    { clerk: await member('office_clerk'), health: await member('health_specialist'), inspector: await member('technical_inspector') },
    BOT_TIMEOUT_MS,
  );

  console.log(`bench: ${N} cases, ${CONCURRENCY} in flight, ${args.bots} bots poll every ${POLL_MS} ms, Temporal ${config.temporal.address}, ${WORKERS ? `${WORKERS} worker process(es)` : 'the worker in this process'}`);

  // Both workers run throughout; one phase's load at a time. The application
  // runs half its cases before the baseline and half after: a machine whose
  // speed drifts during the run weighs on both alike, and the split costs the
  // application (two ramp-downs instead of one), never the baseline.
  await noteHelperThreads();
  const bareQueue = `bench-bare-${randomUUID()}`;
  const bareWorker = args['skip-bare']
    ? undefined
    : await Worker.create({
        connection: nativeConnection,
        taskQueue: bareQueue,
        workflowsPath: fileURLToPath(new URL('./bare-workflow.ts', import.meta.url)),
        activities: { async noop() {} },
      });

  type Cpu = ReturnType<ReturnType<typeof cpuMeter>>;
  const add = <T extends Record<string, number>>(a: T, b: T): T => Object.fromEntries(Object.keys(a).map((k) => [k, a[k]! + b[k]!])) as T;
  const addCpu = ({ threads: at, ...a }: Cpu, { threads: bt, ...b }: Cpu): Cpu => ({ ...add(a, b), threads: add(at, bt) });
  const runApp = async (count: number) => {
    const meter = cpuMeter(server?.process.pid, workerPids);
    const r = args.bots === 'per-case' ? await runApplications(api, count).then((x) => ({ ...x, list: [] as number[], refused: 0 })) : await runApplicationsInbox(api, count);
    return { ...r, cpu: meter() };
  };
  const phases = (async () => {
    const firstHalf = Math.floor(N / 2);
    const a1 = await runApp(firstHalf);
    let bare: { seconds: number; cpu: Cpu } = { seconds: NaN, cpu: { server: NaN, app: NaN, workers: NaN, pg: NaN, threads: { main: NaN, workflow: NaN, core: NaN, helpers: NaN } } };
    if (bareWorker) {
      const meter = cpuMeter(server?.process.pid, workerPids);
      bare = { ...(await runBare(client, bareQueue)), cpu: meter() };
    }
    const a2 = await runApp(N - firstHalf);
    const real = {
      seconds: a1.seconds + a2.seconds,
      cpu: addCpu(a1.cpu, a2.cpu),
      submit: [...a1.submit, ...a2.submit],
      read: [...a1.read, ...a2.read],
      list: [...a1.list, ...a2.list],
      refused: a1.refused + a2.refused,
    };
    return { bare, real };
  })();
  const { bare, real } = (await Promise.all([bareWorker?.runUntil(phases), phases]))[1];
  await system.worker?.stop();
  const workerPeaks = workerPids.map((pid) => peakMemoryMiB(pid));
  for (const w of workers) {
    w.kill('SIGTERM');
    if (w.exitCode === null) await once(w, 'exit');
  }

  const appRate = N / real.seconds;
  const bareRate = N / bare.seconds;
  const ratio = appRate / bareRate;
  const yearMinutes = 7000 / appRate / 60;
  console.log('');
  console.log(`bare workflow   ${bareRate.toFixed(1).padStart(7)} cases/s  (${bare.seconds.toFixed(1)} s)`);
  console.log(`application     ${appRate.toFixed(1).padStart(7)} cases/s  (${real.seconds.toFixed(1)} s)`);
  console.log(`ratio           ${ratio.toFixed(2).padStart(7)}          (target >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  console.log(`7,000 cases     ${yearMinutes.toFixed(1).padStart(7)} min      (target <= 5 min: ${yearMinutes <= 5 ? 'met' : 'NOT met'})`);
  const ms = (seconds: number) => `${((seconds / N) * 1000).toFixed(1)} ms`;
  const perCase = (c: Cpu) =>
    `Temporal ${ms(c.server)}, this process ${ms(c.app)}${WORKERS ? `, the workers ${ms(c.workers)}` : ''}, PostgreSQL ${ms(c.pg)}, total ${ms(c.server + c.app + (WORKERS ? c.workers : 0) + c.pg)}`;
  const byThread = ({ threads: t }: Cpu) => `main ${ms(t.main)}, workflow threads ${ms(t.workflow)}, SDK core ${ms(t.core)}, V8 and libuv helpers ${ms(t.helpers)}`;
  console.log(`CPU per case    bare:        ${perCase(bare.cpu)}`);
  console.log(`                application: ${perCase(real.cpu)}`);
  console.log(`this process    bare:        ${byThread(bare.cpu)}`);
  console.log(`                application: ${byThread(real.cpu)}`);
  console.log(`peak memory     Temporal server ${peakMemoryMiB(server?.process.pid).toFixed(0)} MiB, this process ${peakMemoryMiB(process.pid).toFixed(0)} MiB${workerPeaks.map((m, i) => `, worker ${i + 1} ${m.toFixed(0)} MiB`).join('')}`);
  console.log(latencySummary('submit', real.submit));
  console.log(latencySummary('read', real.read));
  if (real.list.length) console.log(latencySummary('list', real.list));
  if (real.refused) console.log(`decisions refused (409) because an inbox lagged: ${real.refused}`);

  await system.stop();
  await nativeConnection.close();
  await simulator.close();
  await issuer.close();
  await server?.stop();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
