// What the reviewer benches share: the system assembled as the processes
// assemble it (its own database, an in-memory Temporal dev server, a token
// issuer), a backlog of tasks generated in SQL, and timed GETs over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime, type WorkerOptions } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../config';
import { startIssuer } from '../identity/issuer';
import { importOffices } from '../identity/seed';
import { bundleWorkflows } from '../scripts/bundle-workflows';
import { recreateDatabase } from '../scripts/databases';
import { startTemporalDevServer } from '../scripts/temporal';
import { startTemporalCluster } from '../scripts/temporal-cluster';
import { officeFile } from '../test/support/env';
import { commercialApplication } from '../test/support/fixtures';
import { startSystem } from '../system';

const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type BenchSystem = Awaited<ReturnType<typeof startBenchSystem>>;

const WORKER_MAIN = new URL('../worker.ts', import.meta.url).pathname;

/** The Temporal server a bench runs on, and its processes by name (for their CPU and memory). */
async function startBenchTemporal(opts: { database: string; temporalPort: number; cluster?: boolean }) {
  if (!opts.cluster) {
    const server = await startTemporalDevServer({ port: opts.temporalPort });
    process.once('exit', () => server.process.kill('SIGKILL'));
    return { address: server.address, process: server.process as ChildProcess | undefined, processes: { temporal: server.process }, stop: () => server.stop() };
  }
  // Fresh each run, in databases named after the bench's own, beside it on the same PostgreSQL.
  const cluster = await startTemporalCluster({ port: opts.temporalPort, dataDir: `.data/bench/${opts.database}-temporal`, database: `${opts.database}_temporal`, fresh: true, logLevel: 'error' });
  process.once('exit', () => Object.values(cluster.processes).forEach((p) => p.exitCode === null && p.kill('SIGKILL')));
  return { address: cluster.address, process: undefined, processes: cluster.processes as Record<string, ChildProcess>, stop: () => cluster.stop() };
}

/**
 * `database` is dropped and made again; `env`: settings beyond the bench's own.
 * `workerProcess`: the worker runs as `npm run worker` does, a process of its own whose memory is
 * measured alone (it drains the outbox too); otherwise it runs in this process with the API.
 * `cluster`: the Temporal server on PostgreSQL as four services (scripts/temporal-cluster.ts) instead of the dev server.
 * `apiPort`, `issuerPort`: 0 (the default) for any free port.
 */
export async function startBenchSystem(opts: {
  database: string;
  temporalPort: number;
  env?: Record<string, string>;
  smsDispatcher?: boolean;
  workerOptions?: Partial<WorkerOptions>;
  workerProcess?: boolean;
  cluster?: boolean;
  apiPort?: number;
  issuerPort?: number;
}) {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const databaseUrl = await recreateDatabase(ADMIN_URL, opts.database);
  const server = await startBenchTemporal(opts);
  const issuer = await startIssuer({ port: opts.issuerPort ?? 0, audience: 'tarkhees-api', tokenTtlSeconds: 3600, users: [] });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    AUTH_ISSUER: issuer.url,
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_IP_MAX: '100000000',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    LOG_LEVEL: 'error',
    ...opts.env,
  };
  const config = loadConfig(env);
  // Assembled as the processes are (system.ts): the database, the worker and the API.
  const system = await startSystem(config, {
    service: 'tarkhees-bench',
    ...(opts.workerProcess ? {} : { worker: { options: opts.workerOptions } }),
    api: { logger: false },
    smsDispatcher: opts.smsDispatcher,
  });
  const app = system.api!;
  await app.listen({ host: '127.0.0.1', port: opts.apiPort ?? 0 });
  let worker: ChildProcess | undefined;
  if (opts.workerProcess) {
    // As the image runs it: the workflows bundled ahead (WORKFLOW_BUNDLE), not by the worker as it starts.
    env.WORKFLOW_BUNDLE ??= await bundleWorkflows(`.data/bench/workflows-${process.pid}.js`);
    // After this process has migrated the database; its logs only on failure (stderr).
    worker = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    process.once('exit', () => worker?.kill('SIGKILL'));
  }
  return {
    config,
    issuer,
    db: system.db,
    client: system.client,
    /** The Temporal server: `process` is the dev server's (unset on the cluster), `processes` every one of its processes. */
    temporal: server,
    /** With `workerProcess`: the worker's process id, for its memory. */
    workerPid: worker?.pid,
    app,
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    async stop() {
      if (worker && worker.exitCode === null) {
        worker.kill('SIGTERM');
        await once(worker, 'exit');
      }
      await system.stop();
      await issuer.close();
      await server.stop();
    },
  };
}

/**
 * Offices, then the backlog, in SQL: two tasks a case (health and technical),
 * spread over the offices (case ids the API's pattern takes), 30 % of the active ones claimed, due dates spread
 * over time, trade names and CR numbers for the search; then VACUUM ANALYZE, as
 * autovacuum would have done on a live system. An open case carries a filing's
 * data (a clothing shop's), so its task and case pages render; a closed one
 * carries none, as the inbox never shows it.
 */
export async function seedBacklog(s: BenchSystem, opts: { open: number; closed: number; offices: number }) {
  const { db, app } = s;
  const files = Array.from({ length: opts.offices }, (_, i) => ({ id: `OFF-B${String(i).padStart(5, '0')}`, application: officeFile() }));
  await importOffices(db.db, app.offices, files);
  const t0 = performance.now();
  const cases = Math.ceil((opts.open + opts.closed) / 2);
  const openCases = Math.ceil(opts.open / 2);
  const filing = JSON.stringify(commercialApplication());
  await db.db.execute(sql`
    insert into applications (id, status, stage, license_kind, office_id, applicant_national_id, applicant_name, applicant_mobile,
      cr_number, trade_name, isic_code, district, data, submitted_at, updated_at)
    select 'TRK-20250101-' || upper(lpad(to_hex(n), 6, '0')), case when n <= ${openCases} then 'in_progress' else 'issued' end::status,
      case when n <= ${openCases} then 'review' else 'closed' end::stage,
      (array['commercial','health','professional'])[1 + n % 3]::license_kind,
      'OFF-B' || lpad((n % ${opts.offices})::text, 5, '0'), '1000000008', 'Owner ' || n, '+966500000000',
      lpad((2250000000 + n)::text, 10, '0'), (array['Oasis','Palm','Hofuf','Mubarraz','Qaisariya','Jawatha'])[1 + n % 6] || ' Trading ' || n,
      '477101', 'Al-Hofuf', case when n <= ${openCases} then ${filing}::jsonb else '{}'::jsonb end, now() - (n || ' minutes')::interval, now()
    from generate_series(1, ${cases}) n`);
  await db.db.execute(sql`
    insert into tasks (id, application_id, kind, required_role, office_id, status, assignee, priority, round, created_at, due_at,
      decided_at, decision, license_kind, trade_name, cr_number, seq)
    select a.id || ':' || k.kind || ':1', a.id, (k.kind || '_review')::task_kind,
      (case k.kind when 'health' then 'health_specialist' else 'technical_inspector' end)::role, a.office_id,
      case when a.status = 'in_progress' then (case when random() < 0.3 then 'claimed' else 'open' end) else 'completed' end::task_status,
      null, (random() * 3)::int, 1, a.submitted_at, a.submitted_at + interval '5 days',
      case when a.status = 'in_progress' then null else a.submitted_at + interval '2 days' end,
      case when a.status = 'in_progress' then null else 'approve' end, a.license_kind, a.trade_name, a.cr_number, 1
    from applications a cross join (values ('health'), ('technical')) k(kind)
    where a.id like 'TRK-20250101-%'`);
  // Claimed tasks need a holder: a reviewer of the office with the task's role.
  await db.db.execute(sql`update tasks set assignee = 'reviewer-' || (abs(hashtext(id)) % 5) where status = 'claimed'`);
  // As autovacuum would have by now on a live system: the visibility map lets counts read only the index.
  await db.db.execute(sql`vacuum analyze tasks`);
  await db.db.execute(sql`analyze`);
  const counted = (await db.db.execute(sql`select status, count(*)::int as n from tasks group by status order by status`)) as unknown as { rows: { status: string; n: number }[] };
  console.log(`backlog: ${counted.rows.map((r) => `${r.n} ${r.status}`).join(', ')} over ${opts.offices} offices, made in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return files;
}

const agent = new http.Agent({ keepAlive: true });

/** One GET over a kept-alive connection, timed from the request to the answer's last byte. */
export function get(url: string, headers: Record<string, string>): Promise<{ status: number; ms: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body }));
      })
      .on('error', reject);
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
