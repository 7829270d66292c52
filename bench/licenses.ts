// npm run bench:licenses: a municipality going live with its licenses (issue
// #18, "Scale"). 20,000 licenses from before Tarkhees imported through the API
// as an administrator does it (a CSV, the import's workflow); the time that
// takes against a baseline of as many bare workflow starts in the same run;
// the Temporal server's and the worker's memory (its own process, as deployed)
// once all of them are live; what a license costs in history.
// Then 5,000 of them open their renewal window in the same minute: the time
// until every window's message is in the SMS outbox, and the API's read p99
// (GET /licenses/:number) during it against the same reads while idle.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { LICENSE_START_CONCURRENCY } from '../activities/license/imports';
import { rowsOf } from '../db/client';
import { endOfRiyadhDay } from '../domain/license';
import { licenseWorkflowId } from '../workflows/license/contract';
import { memoryMiB, pool, sleep } from '../scripts/bots';
import { waitFor } from '../scripts/wait';
import { csvOf, csvRow, dayFromToday, numbers } from '../test/support/license-import';
import { bearer, get, pct, startBenchSystem } from './backlog';

const { values: args } = parseArgs({
  options: {
    licenses: { type: 'string', default: '20000' },
    opening: { type: 'string', default: '5000' },
    /** Readers of GET /licenses/:number in flight, throughout. */
    readers: { type: 'string', default: '4' },
    /** The worker's workflow cache (WORKER_MAX_CACHED_WORKFLOWS; unset, the configuration's default). */
    'max-cached': { type: 'string' },
    /** `process`: the worker in a process of its own, as deployed, its memory measured alone; `inline`: in this one with the API. */
    worker: { type: 'string', default: 'process' },
    /** NODE_OPTIONS for the worker's process (e.g. `--max-old-space-size=256`). */
    'worker-node-options': { type: 'string' },
  },
});
const N = Number(args.licenses);
const OPENING = Number(args.opening);
const READERS = Number(args.readers);
const DATABASE = process.env.BENCH_DATABASE ?? 'tarkhees_bench_licenses';
const TEMPORAL_PORT = Number(process.env.BENCH_TEMPORAL_PORT ?? 7583);
/** Idle reads measured before the windows open, for the p99's baseline. */
const IDLE_READS_MS = 15_000;
/** Licenses whose history size is read (describe): enough for a mean, few enough not to load the server. */
const HISTORY_SAMPLE = 50;
const TARGET_RSS_MIB = 500;
const TARGET_OUTBOX_S = 300;

const rssMiB = (pid: number | undefined) => memoryMiB(pid, 'VmRSS');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const ms = (xs: number[]) => xs.length === 0 ? 'no reads' : `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms (${xs.length} reads)`;

async function main(): Promise<void> {
  console.log(`load average at start: ${load()} (${os.cpus().length} cores)`);
  // The outbox is the target: no dispatcher, so the sends do not compete with the windows' writes.
  if (args.worker !== 'process' && args.worker !== 'inline') throw new Error('--worker: process or inline');
  const own = args.worker === 'process';
  const s = await startBenchSystem({
    database: DATABASE,
    temporalPort: TEMPORAL_PORT,
    smsDispatcher: false,
    workerProcess: own,
    env: {
      ...(args['max-cached'] ? { WORKER_MAX_CACHED_WORKFLOWS: args['max-cached'] } : {}),
      ...(args['worker-node-options'] ? { NODE_OPTIONS: args['worker-node-options'] } : {}),
    },
  });
  console.log(`worker: ${own ? `its own process (pid ${s.workerPid}), draining the outbox` : 'in this process, with the API'}; cache ${s.config.worker.maxCachedWorkflows} workflows${args['worker-node-options'] ? `; NODE_OPTIONS ${args['worker-node-options']}` : ''}`);
  /** The worker's memory: its own process's, or this one's when it runs here. */
  const workerPid = own ? s.workerPid : process.pid;
  const workerLabel = own ? 'the worker alone' : 'this process (worker, API, bench)';
  const admin = { ...bearer(await s.issuer.sign({ sub: 'admin-bench', roles: ['administrator'] })) };
  const connection = await NativeConnection.connect({ address: s.config.temporal.address });
  const bareQueue = `bench-bare-license-${randomUUID()}`;
  const bareWorker = await Worker.create({
    connection,
    taskQueue: bareQueue,
    workflowsPath: fileURLToPath(new URL('./bare-license.ts', import.meta.url)),
    activities: { async noop() {} },
  });
  const tempPid = s.temporal.process?.pid;
  try {
    const bareRun = bareWorker.run();
    // 1. Baseline: as many bare workflows started as the import starts, at the same concurrency.
    const run = randomUUID().slice(0, 8);
    const b0 = performance.now();
    await pool(N, LICENSE_START_CONCURRENCY, async (i) => {
      await s.client.workflow.start('bareLicense', { workflowId: `bare-license-${run}-${i}`, taskQueue: bareQueue, args: [], workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING });
    });
    const bareStartsS = (performance.now() - b0) / 1000;
    // As the import is timed: until each has run its first task, not only been started.
    await waitFor('the bare workflows done', async () => (await s.client.workflow.count(`WorkflowType = 'bareLicense' AND ExecutionStatus = 'Completed'`)).count >= N, { timeoutMs: 1_800_000, intervalMs: 1_000 });
    const bareS = (performance.now() - b0) / 1000;
    console.log(`bare            ${N} started in ${bareStartsS.toFixed(1)} s, all run in ${bareS.toFixed(1)} s: ${(N / bareS).toFixed(0)} /s (load ${load()})`);
    bareWorker.shutdown();
    await bareRun;
    const before = { temporal: rssMiB(tempPid), worker: rssMiB(workerPid), self: rssMiB(process.pid) };
    console.log(`memory, before  Temporal server ${before.temporal.toFixed(0)} MiB RSS, ${workerLabel} ${before.worker.toFixed(0)} MiB RSS${own ? `, this process (API, bench) ${before.self.toFixed(0)} MiB` : ''} (the bare worker stopped)`);

    // 2. The import, in two files: the live licenses, then those whose window opens at T0.
    const num = numbers();
    const live = Array.from({ length: N - OPENING }, (_, i) =>
      csvRow(num(i), { license_kind: i % 2 ? 'health' : 'commercial', isic_code: i % 2 ? '563001' : '477101', expires_on: dayFromToday(100 + (i % 300)) }, i),
    );
    const importFile = async (rows: ReturnType<typeof csvRow>[]) => {
      const t0 = performance.now();
      const res = await fetch(`${s.base}/operations/license-imports`, { method: 'POST', headers: { ...admin, 'content-type': 'text/csv' }, body: csvOf(rows) });
      const taken = (await res.json()) as { id: string; accepted: number; rejected: number };
      if (res.status !== 202 || taken.rejected) throw new Error(`import answered ${res.status}: ${JSON.stringify(taken).slice(0, 500)}`);
      const staged = (performance.now() - t0) / 1000;
      await waitFor(`import ${taken.id}`, async () => {
        const p = await get(`${s.base}/operations/license-imports/${taken.id}`, admin);
        return (JSON.parse(p.body) as { status: string }).status === 'finished';
      }, { timeoutMs: 3_600_000, intervalMs: 500 });
      const startedS = (performance.now() - t0) / 1000;
      // Live: each license's workflow has written its import (its first task run), not only been started.
      await waitFor(`import ${taken.id} live`, async () => {
        const [r] = await rowsOf<{ n: number }>(s.db.db, sql`select count(*)::int as n from license_events e join license_import_rows r on r.license_number = e.license_number where r.import_id = ${taken.id} and e.event = 'imported'`);
        return r!.n >= rows.length;
      }, { timeoutMs: 3_600_000, intervalMs: 500 });
      return { staged, started: startedS, seconds: (performance.now() - t0) / 1000 };
    };
    const first = await importFile(live);
    const rate1 = live.length / first.seconds;
    console.log(`import 1        ${live.length} live in ${first.seconds.toFixed(1)} s (staged in ${first.staged.toFixed(1)} s, all started in ${first.started.toFixed(1)} s): ${rate1.toFixed(0)} /s (load ${load()})`);

    // Every professional license opens its window at T0: far enough ahead for their import and the idle reads.
    const expiresOn = dayFromToday(1);
    // Three times the first import's pace: the machine is shared, and a window opening during its own import would open unseen.
    const t0 = Date.now() + Math.max(120_000, ((3 * OPENING) / rate1) * 1000 + IDLE_READS_MS + 30_000);
    const windowS = Math.floor((Date.parse(endOfRiyadhDay(expiresOn)) - t0) / 1000);
    const opensAt = Date.parse(endOfRiyadhDay(expiresOn)) - windowS * 1000;
    await s.db.db.execute(sql`update license_rules set renewal_window = ${`${windowS}s`}, reminders = ${`{${windowS}s}`}::text[] where kind = 'professional'`);
    const opening = Array.from({ length: OPENING }, (_, i) => csvRow(num(N + i), { license_kind: 'professional', isic_code: '711001', expires_on: expiresOn }, N + i));
    const second = await importFile(opening);
    const importS = first.seconds + second.seconds;
    console.log(`import 2        ${OPENING} live in ${second.seconds.toFixed(1)} s; all ${N}: ${importS.toFixed(1)} s, ${(N / importS).toFixed(0)} /s, ratio to bare ${(N / importS / (N / bareS)).toFixed(2)}`);
    if (Date.now() > opensAt - 5_000) throw new Error('the second import ran past the windows\' opening: run again on a quieter machine (or with fewer --opening)');

    // 3. Memory with all of them live, and the history a license costs.
    await sleep(5_000);
    const mem = { temporal: rssMiB(tempPid), worker: rssMiB(workerPid), self: rssMiB(process.pid) };
    console.log(`memory, ${N} live  Temporal server ${mem.temporal.toFixed(0)} MiB RSS; ${workerLabel} ${mem.worker.toFixed(0)} MiB RSS — target ≤ ${TARGET_RSS_MIB}: ${mem.worker <= TARGET_RSS_MIB ? 'met' : 'missed'}${own ? `; this process (API, bench) ${mem.self.toFixed(0)} MiB` : ''}`);
    console.log(`                what the live licenses added: Temporal +${(mem.temporal - before.temporal).toFixed(0)} MiB, ${workerLabel} +${(mem.worker - before.worker).toFixed(0)} MiB`);
    const sample = Array.from({ length: HISTORY_SAMPLE }, (_, i) => num(Math.floor((i * (N - OPENING)) / HISTORY_SAMPLE)));
    const histories = await Promise.all(sample.map(async (n) => (await s.client.workflow.getHandle(licenseWorkflowId(n)).describe()).raw.workflowExecutionInfo!));
    const bytes = histories.reduce((a, h) => a + Number(h.historySizeBytes ?? 0), 0) / histories.length;
    const events = histories.reduce((a, h) => a + Number(h.historyLength ?? 0), 0) / histories.length;
    console.log(`history         ${bytes.toFixed(0)} bytes, ${events.toFixed(1)} events a live license (mean of ${HISTORY_SAMPLE}); ${((bytes * N) / 2 ** 20).toFixed(1)} MiB for all ${N}`);

    // 4. Reads while idle, then through the windows' opening.
    const numbersAll = [...live, ...opening].map((r) => r.license_number!);
    let phase: number[] = [];
    let reading = true;
    let resets = 0;
    const readers = Array.from({ length: READERS }, async () => {
      while (reading) {
        // A kept-alive connection the server closed just as it was reused: counted, and read again on a fresh one.
        const r = await get(`${s.base}/licenses/${numbersAll[Math.floor(Math.random() * numbersAll.length)]}`, {}).catch((err: { code?: string }) => {
          if (err.code !== 'ECONNRESET') throw err;
          resets++;
          return undefined;
        });
        if (!r) continue;
        if (r.status !== 200) throw new Error(`GET /licenses answered ${r.status}: ${r.body}`);
        phase.push(r.ms);
      }
    });
    await sleep(Math.min(IDLE_READS_MS, Math.max(0, opensAt - Date.now() - 2_000)));
    const idle = phase;
    phase = [];
    const waitS = (opensAt - Date.now()) / 1000;
    console.log(`reads, idle     ${ms(idle)}; the windows open in ${waitS.toFixed(0)} s (load ${load()})`);
    if (waitS < 0) console.log('  (the second import ran past T0: the windows opened during it)');
    await sleep(Math.max(0, opensAt - Date.now()));
    phase = [];
    let peakWorker = 0;
    let peakTemporal = 0;
    const outboxAt = await waitFor('every window in the outbox', async () => {
      peakWorker = Math.max(peakWorker, rssMiB(workerPid));
      peakTemporal = Math.max(peakTemporal, rssMiB(tempPid));
      const [r] = await rowsOf<{ n: number }>(s.db.db, sql`select count(*)::int as n from sms_outbox where event = 'renewal_window_opened'`);
      return r!.n >= OPENING ? Date.now() : undefined;
    }, { timeoutMs: 1_800_000, intervalMs: 1_000 });
    reading = false;
    await Promise.all(readers);
    const outboxS = (outboxAt - opensAt) / 1000;
    console.log(`windows         ${OPENING} opened at once: all in the outbox after ${outboxS.toFixed(1)} s — target ≤ ${TARGET_OUTBOX_S} s: ${outboxS <= TARGET_OUTBOX_S ? 'met' : 'missed'}`);
    console.log(`reads, opening  ${ms(phase)}; p99 ratio to idle ${(pct(phase, 99) / pct(idle, 99)).toFixed(2)}${resets ? ` (${resets} connections reset and read again)` : ''}`);
    console.log(`memory, peak during the opening: Temporal server ${peakTemporal.toFixed(0)} MiB, ${workerLabel} ${peakWorker.toFixed(0)} MiB (load ${load()})`);
    const [dup] = await rowsOf<{ n: number }>(s.db.db, sql`select count(*)::int as n from (select license_number from sms_outbox group by license_number having count(*) > 1) d`);
    if (dup!.n > 0) throw new Error(`${dup!.n} licenses have more than one SMS`);
  } finally {
    await connection.close();
    await s.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
