// npm run bench:open-work: open work at scale (issue #19). N applications
// filed through the API and left waiting in review (both review tasks
// unclaimed), then 100 of them worked as reviewers work them: claim and decide
// each review. Prints the claim and decision latencies split by whether the
// case's workflow was in the worker's cache (the worker's own sticky-cache
// counters, read around each call) against a baseline of the same calls with a
// handful open, the worker's memory (its own process, as deployed) idle → after
// filing → after working, the Temporal dev server's, and where a call's time
// went according to the case's history (event timestamps).
//
//   npm run bench:open-work                         # 10,000 open
//   npm run bench:open-work -- --open 300           # a trial
//   npm run bench:open-work -- --max-cached 200 --worker-env WORKER_X=1
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { importOffices } from '../identity/seed';
import { buildSimulator } from '../simulator/app';
import { ApiClient, memoryMiB, peakMemoryMiB, pool, sleep } from '../scripts/bots';
import { pollsTaskQueue } from '../scripts/chaos/processes';
import { waitFor } from '../scripts/wait';
import { officeFile } from '../test/support/env';
import { healthApplication } from '../test/support/fixtures';
import { getStateQuery, workflowIdFor } from '../workflows/application/contract';
import { pct, startBenchSystem } from './backlog';

const { values: args } = parseArgs({
  options: {
    open: { type: 'string', default: '10000' },
    /** Cases worked after the filing (claim and decide both reviews). */
    work: { type: 'string', default: '100' },
    /** Cases open for the baseline, worked the same way before the big filing. */
    baseline: { type: 'string', default: '10' },
    /** Filings in flight. */
    concurrency: { type: 'string', default: '16' },
    /** The worker's workflow cache (WORKER_MAX_CACHED_WORKFLOWS; unset, the configuration's default). */
    'max-cached': { type: 'string' },
    /** NODE_OPTIONS of the worker's process: as `npm run worker` and compose run it. */
    'worker-node-options': { type: 'string', default: '--max-old-space-size=256' },
    /** More of the worker's environment, KEY=VALUE (repeatable): the knobs tried. */
    'worker-env': { type: 'string', multiple: true, default: [] },
  },
});
const OPEN = Number(args.open);
const WORK = Number(args.work);
const BASELINE = Number(args.baseline);
const CONCURRENCY = Number(args.concurrency);
const DATABASE = process.env.BENCH_DATABASE ?? 'tarkhees_bench_open_work';
const TEMPORAL_PORT = Number(process.env.BENCH_TEMPORAL_PORT ?? 7585);
/** Where the worker serves the SDK's metrics: its sticky-cache counters tell a cached case from one replayed. */
const METRICS_PORT = Number(process.env.BENCH_WORKER_METRICS_PORT ?? 9585);
const TARGET_RSS_MIB = 500;
const TARGET_P99_MS = 150;
/** Far above any answer's time under load: a slow answer is measured, not failed. */
const CALL_TIMEOUT_MS = 120_000;
/** Progress lines while filing. */
const PROGRESS_EVERY_MS = 10_000;
/** After the warm-up's cases are issued: their licenses' first tasks done too. */
const WARMUP_SETTLE_MS = 5_000;

type Op = 'claim' | 'decision';
type Sample = { op: Op; id: string; kind: 'health' | 'technical'; ms: number; sentAt: number; misses: number; hits: number; phase: 'warmup' | 'baseline' | 'open'; execMs: number; execs: number };

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const rss = (pid: number | undefined) => memoryMiB(pid, 'VmRSS');

async function main(): Promise<void> {
  console.log(`load average at start: ${load()} (${os.cpus().length} cores)`);
  const simulator = buildSimulator();
  await simulator.listen({ host: '127.0.0.1', port: 0 });
  const simUrl = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`;
  const workerEnv = Object.fromEntries(args['worker-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const s = await startBenchSystem({
    database: DATABASE,
    temporalPort: TEMPORAL_PORT,
    workerProcess: true,
    env: {
      // The reviews approved, a case calls the agencies: the simulator answers them, so no activity retries in the background.
      LABOR_OFFICE_URL: `${simUrl}/labor`,
      ZAKAT_URL: `${simUrl}/zakat`,
      // Measured as before fees: a case goes from the agencies to issuance (the fee's wait is the applicant's, not the system's).
      FEES_CHARGED: 'false',
      WORKER_METRICS_ADDRESS: `127.0.0.1:${METRICS_PORT}`,
      ...(args['max-cached'] ? { WORKER_MAX_CACHED_WORKFLOWS: args['max-cached'] } : {}),
      ...(args['worker-node-options'] ? { NODE_OPTIONS: args['worker-node-options'] } : {}),
      ...workerEnv,
    },
  });
  const workerPid = s.workerPid!;
  const temporalPid = s.temporal.process?.pid;
  try {
    const polling = pollsTaskQueue(s.client.connection, s.config.temporal.taskQueue);
    await waitFor('the worker polling', () => polling({ pid: workerPid } as never), { timeoutMs: 180_000, intervalMs: 500 });
    console.log(
      `worker: its own process (pid ${workerPid}), cache ${s.config.worker.maxCachedWorkflows} workflows, NODE_OPTIONS ${args['worker-node-options'] || 'none'}` +
        `${Object.keys(workerEnv).length ? `, ${args['worker-env'].join(' ')}` : ''}`,
    );

    const officeId = 'OFF-OPEN1';
    const file = officeFile();
    await importOffices(s.db.db, s.app.offices, [{ id: officeId, application: file }]);
    const member = (role: 'office_clerk' | 'health_specialist' | 'technical_inspector') =>
      s.issuer.sign({ sub: file.staff.find((m) => m.role === role)!.userId, roles: [role], officeId });
    const api = new ApiClient(s.base, { clerk: await member('office_clerk'), health: await member('health_specialist'), technical: await member('technical_inspector') }, CALL_TIMEOUT_MS);

    const cache = cacheCounters(`http://127.0.0.1:${METRICS_PORT}/metrics`);
    await cache();
    const file1 = async () => {
      const res = await api.call('clerk', 'POST', '/applications', healthApplication(), { 'idempotency-key': randomUUID() });
      if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${res.body}`);
      return (JSON.parse(res.body) as { id: string }).id;
    };
    const inReview = async () => {
      const [r] = await rowsOf<{ n: number }>(s.db.db, sql`select count(*)::int as n from tasks where status = 'open' and kind in ('health_review', 'technical_review')`);
      return r!.n / 2;
    };
    const samples: Sample[] = [];
    /** One call, timed, with the worker's cache hits and misses while it ran (the calls run one at a time). */
    const call = async (phase: Sample['phase'], op: Op, id: string, kind: Sample['kind']) => {
      const before = await cache();
      const sentAt = Date.now();
      const t0 = performance.now();
      const res =
        op === 'claim'
          ? await api.call(kind, 'POST', `/tasks/${id}:${kind}:1/claim`)
          : await api.call(kind, 'POST', `/tasks/${id}:${kind}:1/decision`, { decision: 'approve' });
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${op} of ${id}'s ${kind} review answered ${res.status}: ${res.body}`);
      const after = await cache();
      samples.push({
        op,
        id,
        kind,
        ms,
        sentAt,
        misses: after.misses - before.misses,
        hits: after.hits - before.hits,
        phase,
        execMs: after.workflow_task_execution_latency_sum - before.workflow_task_execution_latency_sum,
        execs: after.workflow_task_execution_latency_count - before.workflow_task_execution_latency_count,
      });
    };
    /**
     * As a reviewer works: half the cases claimed and decided at once (the claim of a case left for days, the
     * decision right after it); the other half claimed, then decided after the rest of the office has touched more
     * cases than the worker caches (the claim in the morning, the decision in the afternoon).
     */
    const work = async (phase: Sample['phase'], ids: string[], others: string[]) => {
      const half = Math.ceil(ids.length / 2);
      for (const id of ids.slice(0, half)) {
        for (const kind of ['health', 'technical'] as const) {
          await call(phase, 'claim', id, kind);
          await call(phase, 'decision', id, kind);
        }
      }
      const later = ids.slice(half);
      for (const id of later) for (const kind of ['health', 'technical'] as const) await call(phase, 'claim', id, kind);
      // The rest of the office reading other cases: each read a workflow query, which brings the case into the cache.
      await pool(others.length, 4, async (i) => void (await s.client.workflow.getHandle(workflowIdFor(others[i]!)).query(getStateQuery)));
      for (const id of later) for (const kind of ['health', 'technical'] as const) await call(phase, 'decision', id, kind);
    };

    const idle = { worker: rss(workerPid), temporal: rss(temporalPid), self: rss(process.pid) };
    console.log(`memory, idle    worker ${idle.worker.toFixed(0)} MiB, Temporal ${idle.temporal.toFixed(0)} MiB, this process (API, bench) ${idle.self.toFixed(0)} MiB`);

    // 0. A warm-up round, not counted: the worker's and the API's first calls compile their code, and the
    // cases then move on (the agencies, the license) in the background. Settled before the baseline.
    const warmIds: string[] = [];
    await pool(BASELINE, Math.min(BASELINE, CONCURRENCY), async () => void warmIds.push(await file1()));
    await waitFor('the warm-up in review', async () => (await inReview()) >= BASELINE, { timeoutMs: 300_000, intervalMs: 200 });
    await work('warmup', warmIds, []);
    await waitFor('the warm-up issued', async () => {
      const [r] = await rowsOf<{ n: number }>(s.db.db, sql`select count(*)::int as n from applications where status = 'issued'`);
      return r!.n >= BASELINE;
    }, { timeoutMs: 300_000, intervalMs: 500 });
    await sleep(WARMUP_SETTLE_MS);

    // 1. Baseline: a handful open, filed and worked the same way.
    const baseIds: string[] = [];
    await pool(BASELINE, Math.min(BASELINE, CONCURRENCY), async () => void baseIds.push(await file1()));
    await waitFor('the baseline in review', async () => (await inReview()) >= BASELINE, { timeoutMs: 300_000, intervalMs: 200 });
    await work('baseline', baseIds, []);
    console.log(`baseline        ${BASELINE} open, worked (load ${load()})`);

    // 2. The filing: N cases left in review.
    const ids: string[] = [];
    const f0 = performance.now();
    let lastReport = f0;
    const progress = async (force = false) => {
      if (!force && performance.now() - lastReport < PROGRESS_EVERY_MS) return;
      lastReport = performance.now();
      const s1 = (lastReport - f0) / 1000;
      const review = await inReview();
      console.log(`  filing        ${ids.length}/${OPEN} filed, ${review} in review, ${s1.toFixed(0)} s (${(review / s1).toFixed(1)} in review /s); worker ${rss(workerPid).toFixed(0)} MiB, Temporal ${rss(temporalPid).toFixed(0)} MiB; load ${load()}`);
    };
    const ticker = setInterval(() => void progress().catch(() => {}), 1_000);
    try {
      await pool(OPEN, CONCURRENCY, async () => void ids.push(await file1()));
      await waitFor('every filed case in review', async () => (await inReview()) >= OPEN, { timeoutMs: 3_600_000, intervalMs: 1_000 });
    } finally {
      clearInterval(ticker);
    }
    const fileS = (performance.now() - f0) / 1000;
    console.log(`filing          ${OPEN} in review in ${fileS.toFixed(0)} s (${(OPEN / fileS).toFixed(1)} /s; load ${load()})`);
    // Settled: the last filings' tasks done, as a quiet hour would be.
    await sleep(5_000);
    const filed = { worker: rss(workerPid), temporal: rss(temporalPid), self: rss(process.pid) };
    console.log(`memory, filed   worker ${filed.worker.toFixed(0)} MiB (peak ${peakMemoryMiB(workerPid).toFixed(0)}), Temporal ${filed.temporal.toFixed(0)} MiB, this process ${filed.self.toFixed(0)} MiB`);

    // 3. WORK cases spread over the filing order (the oldest first), the most recent 2 × the cache left out: those
    // may still be cached, and a case opened weeks ago is not. The office's other reads come from the rest.
    const recent = Math.min(ids.length - WORK, 2 * s.config.worker.maxCachedWorkflows);
    const older = ids.slice(0, ids.length - recent);
    const chosen = Array.from({ length: WORK }, (_, i) => older[Math.floor((i * older.length) / WORK)]!);
    const picked = new Set(chosen);
    const others = older.filter((id) => !picked.has(id)).slice(0, 2 * s.config.worker.maxCachedWorkflows);
    const w0 = performance.now();
    await work('open', chosen, others);
    console.log(`working         ${WORK} cases worked in ${((performance.now() - w0) / 1000).toFixed(0)} s (load ${load()})`);
    await sleep(5_000);
    const worked = { worker: rss(workerPid), temporal: rss(temporalPid), self: rss(process.pid) };

    // 4. Figures.
    const row = (label: string, xs: number[], base?: number[]) => {
      if (!xs.length) return `${label.padEnd(34)} —`;
      const f = (p: number) => pct(xs, p).toFixed(0).padStart(5);
      const ratio = base?.length ? `  p50 ×${(pct(xs, 50) / pct(base, 50)).toFixed(2)}, p99 ×${(pct(xs, 99) / pct(base, 99)).toFixed(2)}` : '';
      return `${label.padEnd(34)} ${String(xs.length).padStart(4)} ${f(50)} ${f(95)} ${f(99)} ${Math.max(...xs).toFixed(0).padStart(5)}${ratio}`;
    };
    const of = (phase: Sample['phase'], op: Op, cold?: boolean, kind?: Sample['kind']) =>
      samples.filter((x) => x.phase === phase && x.op === op && (cold === undefined || cold === x.misses > 0) && (!kind || x.kind === kind)).map((x) => x.ms);
    console.log(`\n${'latency (ms)'.padEnd(34)} ${'n'.padStart(4)} ${'p50'.padStart(5)} ${'p95'.padStart(5)} ${'p99'.padStart(5)} ${'max'.padStart(5)}  ratio to the baseline (all of its calls)`);
    for (const op of ['claim', 'decision'] as const) {
      console.log(row(`${op}, baseline (${BASELINE} open)`, of('baseline', op)));
      console.log(row(`${op}, ${OPEN} open, all`, of('open', op), of('baseline', op)));
      console.log(row(`${op}, ${OPEN} open, cached`, of('open', op, false), of('baseline', op)));
      console.log(row(`${op}, ${OPEN} open, cold (replayed)`, of('open', op, true), of('baseline', op)));
    }
    // The health review is decided first here; the second decision moves the case on (the agencies) in the same task.
    console.log(row(`decision, 1st review, cached`, of('open', 'decision', false, 'health'), of('baseline', 'decision', undefined, 'health')));
    console.log(row(`decision, 2nd review, cached`, of('open', 'decision', false, 'technical'), of('baseline', 'decision', undefined, 'technical')));
    const worst = Math.max(pct(of('open', 'claim'), 99), pct(of('open', 'decision'), 99));
    console.log(`claim/decision p99 ${worst.toFixed(0)} ms — target ≤ ${TARGET_P99_MS}: ${worst <= TARGET_P99_MS ? 'met' : 'missed'}`);
    const baseMisses = samples.filter((x) => x.phase === 'baseline' && x.misses > 0).length;
    if (baseMisses) console.log(`(${baseMisses} of the baseline's calls missed the cache)`);
    console.log(
      `\nmemory, worker alone: idle ${idle.worker.toFixed(0)} → filed ${filed.worker.toFixed(0)} → worked ${worked.worker.toFixed(0)} MiB (peak ${peakMemoryMiB(workerPid).toFixed(0)}) — target ≤ ${TARGET_RSS_MIB}: ${Math.max(filed.worker, worked.worker) <= TARGET_RSS_MIB ? 'met' : 'missed'}`,
    );
    console.log(`memory, Temporal dev server: idle ${idle.temporal.toFixed(0)} → filed ${filed.temporal.toFixed(0)} → worked ${worked.temporal.toFixed(0)} MiB (peak ${peakMemoryMiB(temporalPid).toFixed(0)})`);
    console.log(`memory, this process (API, bench): ${idle.self.toFixed(0)} → ${filed.self.toFixed(0)} → ${worked.self.toFixed(0)} MiB`);

    await breakdown(s.client, samples);
    if (process.env.BENCH_METRICS_FILE) writeFileSync(process.env.BENCH_METRICS_FILE, lastMetrics);
  } finally {
    await s.stop();
    await simulator.close();
  }
}

/** Histograms of the worker's SDK metrics read around each call: their sums (ms) and counts. */
const HISTOGRAMS = ['workflow_task_execution_latency'] as const;
type Counters = { hits: number; misses: number } & Record<`${(typeof HISTOGRAMS)[number]}_${'sum' | 'count'}`, number>;

/** The worker's cumulative sticky-cache hits and misses and task latencies, from its Prometheus endpoint. */
function cacheCounters(url: string): () => Promise<Counters> {
  const sum = (text: string, name: string) =>
    text
      .split('\n')
      .filter((l) => new RegExp(`^(temporal_)?${name}(_total)?[{ ]`).test(l))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return async () => {
    const text = await (await fetch(url)).text();
    lastMetrics = text;
    const out = { hits: sum(text, 'sticky_cache_hit'), misses: sum(text, 'sticky_cache_miss') } as Counters;
    for (const h of HISTOGRAMS) for (const k of ['sum', 'count'] as const) out[`${h}_${k}`] = sum(text, `${h}_${k}`);
    return out;
  };
}
let lastMetrics = '';

type Client = Awaited<ReturnType<typeof startBenchSystem>>['client'];
type Event = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];
const at = (e: Event) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

/**
 * Where each call's time went, from its case's history: the API and the trip to the server (sent → the
 * update's workflow task scheduled), the task's wait in its queue (scheduled → started), the worker's
 * first task (started → completed: fetching and replaying the history when the case was not cached,
 * then the validator and the handler up to its write), the write (the activity, queued and run),
 * the task that completes the update, and the way back (update completed → the answer).
 */
async function breakdown(client: Client, samples: Sample[]): Promise<void> {
  const byCase = new Map<string, Sample[]>();
  for (const x of samples) byCase.set(x.id, [...(byCase.get(x.id) ?? []), x]);
  type Parts = { api: number; queue: number; task1: number; write: number; queue2: number; task2: number; back: number; events: number; sticky: boolean; attempts: number };
  const parts: (Parts & Sample)[] = [];
  const timers = { started: 0, cases: 0 };
  /** What fetching a whole history costs the server and the trip (a cold task fetches its case's first). */
  const fetches: number[] = [];
  for (const [id, xs] of byCase) {
    const f0 = performance.now();
    const events = (await client.workflow.getHandle(workflowIdFor(id)).fetchHistory()).events ?? [];
    fetches.push(performance.now() - f0);
    timers.cases++;
    timers.started += events.filter((e) => e.timerStartedEventAttributes).length;
    const accepted = events.map((e, i) => [e, i] as const).filter(([e]) => e.workflowExecutionUpdateAcceptedEventAttributes);
    accepted.forEach(([acc, i], k) => {
      const x = xs[k];
      if (!x) return;
      // The task that accepted it: the Scheduled, Started, Completed just before.
      let j = i;
      while (j > 0 && !events[j]!.workflowTaskScheduledEventAttributes) j--;
      const sch = events[j]!;
      const st = events.slice(j, i).find((e) => e.workflowTaskStartedEventAttributes)!;
      const done = events.slice(j, i).find((e) => e.workflowTaskCompletedEventAttributes)!;
      const completed = events.slice(i).find((e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === acc.workflowExecutionUpdateAcceptedEventAttributes!.protocolInstanceId)!;
      const c = events.indexOf(completed);
      const actDone = events.slice(i, c).filter((e) => e.activityTaskCompletedEventAttributes || e.markerRecordedEventAttributes).pop();
      const endWrite = actDone ? at(actDone) : at(done);
      // The task that completes the update: the last one scheduled before it.
      const sch2 = events.slice(i, c).filter((e) => e.workflowTaskScheduledEventAttributes).pop();
      const st2 = events.slice(i, c).filter((e) => e.workflowTaskStartedEventAttributes).pop();
      const queue2 = sch2 && st2 ? at(st2) - Math.max(at(sch2), endWrite) : 0;
      const task2 = at(completed) - endWrite - queue2;
      const queueKind = sch.workflowTaskScheduledEventAttributes!.taskQueue?.kind;
      parts.push({
        ...x,
        api: at(sch) - x.sentAt,
        queue: at(st) - at(sch),
        task1: at(done) - at(st),
        write: endWrite - at(done),
        queue2,
        task2,
        back: x.sentAt + x.ms - at(completed),
        events: i,
        sticky: queueKind === 2,
        attempts: sch.workflowTaskScheduledEventAttributes!.attempt ?? 1,
      });
    });
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  console.log(`\nwhere a call's time went (mean ms, from the histories; clocks: this machine's, event times to the ms)`);
  console.log(`${'calls'.padEnd(34)} ${'n'.padStart(4)} ${'total'.padStart(6)} ${'api→'.padStart(6)} ${'queue'.padStart(6)} ${'task1'.padStart(6)} ${'write'.padStart(6)} ${'queue2'.padStart(6)} ${'task2'.padStart(6)} ${'back'.padStart(6)}  events before, sticky; worker (SDK metrics): task execution ms a call (tasks)`);
  for (const phase of ['baseline', 'open'] as const) {
    for (const [op, kind] of [['claim', undefined], ['decision', 'health'], ['decision', 'technical']] as const) {
      for (const cold of [false, true]) {
        const ps = parts.filter((p) => p.phase === phase && p.op === op && (!kind || p.kind === kind) && cold === p.misses > 0);
        if (!ps.length) continue;
        const m = (k: keyof Parts) => mean(ps.map((p) => p[k] as number)).toFixed(0).padStart(6);
        console.log(
          `${`${phase}, ${op}${kind ? ` (${kind === 'health' ? '1st' : '2nd'})` : ''}, ${cold ? 'cold' : 'cached'}`.padEnd(34)} ${String(ps.length).padStart(4)} ${mean(ps.map((p) => p.ms)).toFixed(0).padStart(6)} ${m('api')} ${m('queue')} ${m('task1')} ${m('write')} ${m('queue2')} ${m('task2')} ${m('back')}  ${mean(ps.map((p) => p.events)).toFixed(0)}, ${ps.filter((p) => p.sticky).length}/${ps.length}; ${mean(ps.map((p) => p.execMs)).toFixed(0)} (${mean(ps.map((p) => p.execs)).toFixed(1)})${ps.some((p) => p.attempts > 1) ? `, ${ps.filter((p) => p.attempts > 1).length} retried tasks` : ''}`,
        );
      }
    }
  }
  console.log(`timers started in a worked case's history: ${(timers.started / timers.cases).toFixed(1)} (mean of ${timers.cases}); fetching a whole history from here: p50 ${pct(fetches, 50).toFixed(1)} ms, max ${Math.max(...fetches).toFixed(1)} ms`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
