// Latency at a realistic rate (issue #19): an open-loop load of health
// applications at a steady rate while reviewer bots work their inboxes (list,
// claim, decide: the health and the technical review), against the Temporal
// dev server or the cluster (the server on PostgreSQL as four services). The
// worker runs in its own process, as deployed; the API, the bots, the issuer
// and the agency simulator run here.
//
//   npm run bench:steady                                   # 5 a second for 10 minutes, dev server
//   npm run bench:steady -- --rate 5 --duration 2m --cluster
//
// Open loop: submission i is due at start + i/rate whatever the earlier ones
// are doing, and its latency counts from that due time, so a stalled system
// shows as latency, not as fewer requests (no coordinated omission). Each
// case is read once, a second after its submission was due, timed the same way.
// Prints p50/p95/p99/max of submit, case read, inbox list, claim and decision
// against the targets, and against the same calls made one at a time on the
// idle system just before the load; the CPU each process used; the load average.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { durationMs } from '../domain/duration';
import { importOffices } from '../identity/seed';
import { HttpTimeoutError, type JsonResponse } from '../integrations/http';
import { buildSimulator } from '../simulator/app';
import { ApiClient, cpuSeconds, postgresCpuSeconds, sleep, workInbox } from '../scripts/bots';
import { pollsTaskQueue } from '../scripts/chaos/processes';
import { waitFor } from '../scripts/wait';
import { officeFile } from '../test/support/env';
import { healthApplication } from '../test/support/fixtures';
import { workflowIdFor } from '../workflows/application/contract';
import { pct, startBenchSystem } from './backlog';

const { values: args } = parseArgs({
  options: {
    /** Submissions a second, on the clock. */
    rate: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10m' },
    /** The Temporal server on PostgreSQL as four services instead of the dev server. */
    cluster: { type: 'boolean', default: false },
    /** How often each reviewer looks at their inbox. */
    'poll-ms': { type: 'string', default: '500' },
    /** Cases whose histories are read after the load, to split a claim's and a decision's time (0: none). */
    breakdown: { type: 'string', default: '40' },
    /** NODE_OPTIONS for the worker's process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
    'worker-node-options': { type: 'string' },
  },
});
const RATE = Number(args.rate);
const DURATION_MS = durationMs(args.duration!) ?? NaN;
if (!(RATE > 0) || !(DURATION_MS > 0)) throw new Error('--rate: submissions a second (> 0); --duration: e.g. 10m, 90s');
const POLL_MS = Number(args['poll-ms']);
const BREAKDOWN = Number(args.breakdown);
const DATABASE = process.env.BENCH_DATABASE ?? 'tarkhees_bench_steady';
const TEMPORAL_PORT = Number(process.env.BENCH_TEMPORAL_PORT ?? 7463);
/** Ports of the API, the issuer, the agency simulator and the worker's SDK metrics from here up; 0 for any free one (no metrics then). */
const HTTP_PORT = Number(process.env.BENCH_HTTP_PORT ?? 0);
const METRICS_URL = HTTP_PORT ? `http://127.0.0.1:${HTTP_PORT + 3}/metrics` : undefined;
/** A case is read by its clerk this long after its submission was due. */
const READ_AFTER_MS = 1_000;
/** Cases pushed through before anything is timed: the worker's and the API's code warmed up. */
const WARMUP_CASES = 10;
/** Calls of each kind made one at a time on the idle system: the baseline. */
const IDLE_SAMPLES = 20;
/** After the last submission, how long the reviewers may take to finish what is open. */
const DRAIN_MS = 120_000;
/** Far above any answer's time: a slow answer is measured, not counted as a failure. */
const CALL_TIMEOUT_MS = 120_000;

const TARGETS_P99_MS = { submit: 50, read: 10, list: 30, claim: 100, decision: 100 } as const;
type Op = keyof typeof TARGETS_P99_MS;
const OPS = Object.keys(TARGETS_P99_MS) as Op[];
const LABEL: Record<Op, string> = { submit: 'submit', read: 'case read', list: 'inbox list', claim: 'claim', decision: 'decision' };

type Who = 'clerk' | 'health' | 'inspector';
const REVIEWERS = [
  { kind: 'health', as: 'health' },
  { kind: 'technical', as: 'inspector' },
] as const;

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const samples = (): Record<Op, number[]> => ({ submit: [], read: [], list: [], claim: [], decision: [] });

function cpuMeter(pids: Record<string, number | undefined>) {
  const read = (): Record<string, number> => ({ ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])), PostgreSQL: postgresCpuSeconds() });
  const start = read();
  // Backends that exit between the two readings are missed: PostgreSQL's is a lower bound.
  return () => Object.fromEntries(Object.entries(read()).map(([name, cpu]) => [name, Math.max(0, cpu - start[name]!)]));
}

async function main() {
  console.log(`load average at start: ${load()} (${os.cpus().length} cores)`);
  const simulator = buildSimulator();
  await simulator.listen({ host: '127.0.0.1', port: HTTP_PORT ? HTTP_PORT + 2 : 0 });
  const simUrl = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`;
  const s = await startBenchSystem({
    database: DATABASE,
    temporalPort: TEMPORAL_PORT,
    cluster: args.cluster,
    workerProcess: true,
    apiPort: HTTP_PORT,
    issuerPort: HTTP_PORT ? HTTP_PORT + 1 : 0,
    env: {
      LABOR_OFFICE_URL: `${simUrl}/labor`,
      ZAKAT_URL: `${simUrl}/zakat`,
      // Measured as before fees: a case goes from the agencies to issuance (the fee's wait is the applicant's, not the system's).
      FEES_CHARGED: 'false',
      SMS_PROVIDER: 'http',
      SMS_HTTP_URL: `${simUrl}/sms/v1/messages`,
      SMS_POLL_INTERVAL: '200ms',
      ...(METRICS_URL ? { WORKER_METRICS_ADDRESS: new URL(METRICS_URL).host } : {}),
      ...(args['worker-node-options'] ? { NODE_OPTIONS: args['worker-node-options'] } : {}),
    },
  });
  const temporalName = args.cluster ? 'the cluster (four services on PostgreSQL)' : 'the dev server';
  try {
    const polling = pollsTaskQueue(s.client.connection, s.config.temporal.taskQueue);
    const worker = { pid: s.workerPid } as Parameters<typeof polling>[0];
    await waitFor('the worker polling', () => polling(worker), { timeoutMs: 180_000, intervalMs: 500 });

    const officeId = 'OFF-STEADY';
    const file = officeFile();
    await importOffices(s.db.db, s.app.offices, [{ id: officeId, application: file }]);
    const member = (role: 'office_clerk' | 'health_specialist' | 'technical_inspector') =>
      s.issuer.sign({ sub: file.staff.find((m) => m.role === role)!.userId, roles: [role], officeId });
    const api = new ApiClient<Who>(s.base, { clerk: await member('office_clerk'), health: await member('health_specialist'), inspector: await member('technical_inspector') }, CALL_TIMEOUT_MS);

    const submit = async () => {
      const res = await api.call('clerk', 'POST', '/applications', healthApplication(), { 'idempotency-key': randomUUID() });
      if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${res.body}`);
      return (JSON.parse(res.body) as { id: string }).id;
    };
    const inbox = (kind: string, as: Who) => api.call(as, 'GET', `/tasks?kind=${kind}_review&assignee=unassigned&limit=100`);
    const ids = (res: JsonResponse) => {
      if (res.status !== 200) throw new Error(`inbox answered ${res.status}: ${res.body}`);
      return (JSON.parse(res.body) as { items: { id: string }[] }).items.map((t) => t.id);
    };
    const claim = (id: string, as: Who) => api.call(as, 'POST', `/tasks/${id}/claim`);
    const decide = (id: string, as: Who) => api.call(as, 'POST', `/tasks/${id}/decision`, { decision: 'approve' });
    const ok = (what: string, res: JsonResponse) => {
      if (res.status !== 200) throw new Error(`${what} answered ${res.status}: ${res.body}`);
      return res;
    };
    const timed = async <T>(into: number[], from: number, f: () => Promise<T>): Promise<T> => {
      const r = await f();
      into.push(performance.now() - from);
      return r;
    };
    const reviewTasks = async (n: number) => {
      const found = new Map<string, string[]>();
      for (const { kind, as } of REVIEWERS) {
        const tasks = await waitFor(`${n} ${kind} reviews in the inbox`, async () => {
          const t = ids(await inbox(kind, as));
          return t.length >= n && t;
        }, { timeoutMs: 120_000, intervalMs: 200 });
        found.set(kind, tasks);
      }
      return found;
    };

    // 1. Warm-up, then the baseline: each call alone on the idle system, one at a time.
    const warm = await Promise.all(Array.from({ length: WARMUP_CASES }, submit));
    for (const [kind, tasks] of await reviewTasks(warm.length)) {
      const as = REVIEWERS.find((r) => r.kind === kind)!.as;
      for (const id of tasks) {
        ok('claim', await claim(id, as));
        ok('decision', await decide(id, as));
      }
    }
    const idle = samples();
    const idleIds: string[] = [];
    for (let i = 0; i < IDLE_SAMPLES; i++) {
      idleIds.push(await timed(idle.submit, performance.now(), submit));
      await sleep(100);
    }
    for (const id of idleIds) {
      await timed(idle.read, performance.now(), async () => ok('read', await api.call('clerk', 'GET', `/applications/${id}`)));
    }
    for (const [kind, tasks] of await reviewTasks(IDLE_SAMPLES)) {
      const as = REVIEWERS.find((r) => r.kind === kind)!.as;
      for (const id of tasks) {
        await timed(idle.list, performance.now(), () => inbox(kind, as));
        await timed(idle.claim, performance.now(), async () => ok('claim', await claim(id, as)));
        await sleep(50);
        await timed(idle.decision, performance.now(), async () => ok('decision', await decide(id, as)));
        await sleep(50);
      }
    }
    await waitFor('the idle cases closed', async () => {
      const [r] = await rowsOf<{ n: number }>(s.db.db, sql`select count(*)::int as n from applications where status = 'in_progress'`);
      return r!.n === 0;
    }, { timeoutMs: 120_000, intervalMs: 500 });

    // 2. The load: submissions on the clock, reviewers on their inboxes.
    const rpc = timeUpdateCalls(s.client);
    const busy = samples();
    let refused = 0;
    /** Claims and decisions with no answer within CALL_TIMEOUT_MS: counted at that time, and the reviewer goes on. */
    let unanswered = 0;
    let running = true;
    const noAnswer = (into: number[]) => (err: unknown) => {
      if (!(err instanceof HttpTimeoutError)) throw err;
      unanswered++;
      into.push(CALL_TIMEOUT_MS);
      return undefined;
    };
    const reviewers = REVIEWERS.map(({ kind, as }) =>
      workInbox({
        list: async () => ids(await timed(busy.list, performance.now(), () => inbox(kind, as))),
        work: async (id) => {
          const t0 = performance.now();
          const c = await claim(id, as).catch(noAnswer(busy.claim));
          if (!c) return;
          const t1 = performance.now();
          // The inbox can lag a claim or decision by a moment: a second one is refused (409), never applied; not timed.
          if (c.status === 409) return void refused++;
          ok('claim', c);
          busy.claim.push(t1 - t0);
          const d = await decide(id, as).catch(noAnswer(busy.decision));
          if (!d) return;
          if (d.status === 409) return void refused++;
          ok('decision', d);
          busy.decision.push(performance.now() - t1);
        },
        pollMs: POLL_MS,
        running: () => running,
      }),
    );
    // A reviewer's failure is thrown when the load ends, not left unhandled while it runs.
    for (const r of reviewers) r.catch(() => {});
    const cpu = cpuMeter({
      ...Object.fromEntries(Object.entries(s.temporal.processes).map(([name, p]) => [args.cluster ? `Temporal ${name}` : 'Temporal dev server', p.pid])),
      worker: s.workerPid,
      'this process (API, bots, simulator)': process.pid,
    });
    const metricsBefore = await sdkMetrics(METRICS_URL);
    const total = Math.floor((DURATION_MS / 1000) * RATE);
    console.log(`load: ${total} health applications at ${RATE}/s for ${args.duration} on ${temporalName}, reviewers poll every ${POLL_MS} ms (load ${load()})`);
    const t0 = performance.now();
    const jobs: Promise<void>[] = [];
    const caseIds: string[] = [];
    let late = 0;
    const progress = setInterval(() => {
      const p = (xs: number[]) => (xs.length ? `${pct(xs, 99).toFixed(0)}` : '-');
      console.log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: ${caseIds.length} submitted, ${busy.decision.length} decided; p99 so far submit ${p(busy.submit)}, claim ${p(busy.claim)}, decision ${p(busy.decision)} ms (load ${load()})`);
    }, 60_000);
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -10) late++;
      jobs.push(
        (async () => {
          const id = await timed(busy.submit, due, submit);
          caseIds.push(id);
          const readDue = due + READ_AFTER_MS;
          await sleep(readDue - performance.now());
          await timed(busy.read, readDue, async () => ok('read', await api.call('clerk', 'GET', `/applications/${id}`)));
        })(),
      );
    }
    await Promise.all(jobs);
    const loadSeconds = (performance.now() - t0) / 1000;
    const loadAtEnd = load();
    await waitFor('the reviewers done', async () => {
      const [r] = await rowsOf<{ n: number }>(s.db.db, sql`select count(*)::int as n from tasks where status in ('open', 'claimed')`);
      return r!.n === 0;
    }, { timeoutMs: DRAIN_MS, intervalMs: 500 }).catch((err: Error) => console.log(`  ${err.message}`));
    running = false;
    await Promise.all(reviewers);
    clearInterval(progress);
    const used = cpu();
    const metrics = await sdkMetrics(METRICS_URL);
    rpc.stop();
    const seconds = (performance.now() - t0) / 1000;

    // 3. The figures.
    const statuses = await rowsOf<{ status: string; n: number }>(s.db.db, sql`select status::text, count(*)::int as n from applications where id in ${caseIds} group by status order by status`);
    console.log('');
    console.log(`${temporalName}: ${caseIds.length} submitted in ${loadSeconds.toFixed(0)} s (${late} submissions started over 10 ms late), all done after ${seconds.toFixed(0)} s; cases ${statuses.map((r) => `${r.n} ${r.status}`).join(', ')}; refused (409, an inbox lagging): ${refused}; no answer within ${CALL_TIMEOUT_MS / 1000} s (counted at that): ${unanswered}`);
    console.log(`load average: at the end of the load ${loadAtEnd}, now ${load()}`);
    const f = (x: number) => x.toFixed(1).padStart(7);
    console.log('');
    console.log(`| call       |      n |   p50 |   p95 |   p99 |   max | target p99 |        | idle p50 | p50 / idle | p99 / idle p50 |`);
    console.log(`| ---------- | -----: | ----: | ----: | ----: | ----: | ---------: | ------ | -------: | ---------: | -------------: |`);
    for (const op of OPS) {
      const xs = busy[op];
      const idleP50 = pct(idle[op], 50);
      const p99 = pct(xs, 99);
      const met = p99 <= TARGETS_P99_MS[op] ? 'met' : 'missed';
      console.log(
        `| ${LABEL[op].padEnd(10)} | ${String(xs.length).padStart(6)} |${f(pct(xs, 50))}|${f(pct(xs, 95))}|${f(p99)}|${f(Math.max(...xs))}| ≤ ${String(TARGETS_P99_MS[op]).padStart(4)} ms | ${met.padEnd(6)} |${f(idleP50)}  | ${(pct(xs, 50) / idleP50).toFixed(2).padStart(10)} | ${(p99 / idleP50).toFixed(2).padStart(14)} |`,
      );
    }
    console.log(`(ms; idle: the same calls one at a time before the load, ${IDLE_SAMPLES} each; submit and case read from their due time)`);
    console.log('');
    console.log(`CPU seconds over the load (${seconds.toFixed(0)} s; per case in ms):`);
    for (const [name, c] of Object.entries(used)) console.log(`  ${name.padEnd(38)} ${c.toFixed(1).padStart(7)} s  ${((c / caseIds.length) * 1000).toFixed(1).padStart(6)} ms/case  ${((c / seconds) * 100).toFixed(0).padStart(3)} % of a core`);
    const sum = Object.values(used).reduce((a, b) => a + b, 0);
    console.log(`  ${'total'.padEnd(38)} ${sum.toFixed(1).padStart(7)} s  ${((sum / caseIds.length) * 1000).toFixed(1).padStart(6)} ms/case  ${((sum / seconds) * 100).toFixed(0).padStart(3)} % of a core`);

    console.log('');
    console.log(`the API's calls to Temporal for an Update (claims, decisions), in ms:`);
    for (const [name, xs] of Object.entries(rpc.calls)) {
      if (xs.length) console.log(`  ${name.padEnd(30)} n ${String(xs.length).padStart(5)}  p50 ${pct(xs, 50).toFixed(1).padStart(6)}  p95 ${pct(xs, 95).toFixed(1).padStart(6)}  p99 ${pct(xs, 99).toFixed(1).padStart(6)}`);
    }
    console.log(`  answered without the outcome (the client then polls for it): ${rpc.withoutOutcome()}`);
    if (metrics.size) {
      const d = (name: string): number => {
        const key = metrics.has(name) ? name : `${name}_total`;
        return (metrics.get(key) ?? 0) - (metricsBefore.get(key) ?? 0);
      };
      const mean = (name: string) => `${(d(`${name}_sum`) / d(`${name}_count`)).toFixed(1)} (${d(`${name}_count`)})`;
      console.log('');
      console.log(`the worker's SDK metrics over the load: sticky cache hits ${d('temporal_sticky_cache_hit')}, misses ${d('temporal_sticky_cache_miss')}, forced evictions ${d('temporal_sticky_cache_total_forced_eviction')}, cached now ${metrics.get('temporal_sticky_cache_size') ?? '?'}`);
      for (const name of ['workflow_task_schedule_to_start_latency', 'workflow_task_execution_latency', 'workflow_task_replay_latency', 'activity_schedule_to_start_latency', 'activity_execution_latency']) {
        // The exporter may name the unit (`_seconds`, `_milliseconds`); printed as it names it.
        const full = [...metrics.keys()].find((k) => k.startsWith(`temporal_${name}`) && k.endsWith('_count'))?.replace(/_count$/, '');
        if (full) console.log(`  ${full.padEnd(52)} mean ${mean(full)}`);
      }
    }

    if (BREAKDOWN > 0) {
      // The last cases that ended: an open one's Updates may not have happened yet.
      const ended = await rowsOf<{ id: string }>(s.db.db, sql`select id from applications where id in ${caseIds} and status <> 'in_progress' order by submitted_at desc limit ${BREAKDOWN}`);
      await printBreakdown(s.client, ended.map((r) => r.id));
    }
  } finally {
    await s.stop();
    await simulator.close();
  }
}

/**
 * Times the API's gRPC calls for an Update, from inside this process (the API
 * runs here): the call that delivers it, and the polls the client makes when
 * that call comes back before the Update's outcome.
 */
function timeUpdateCalls(client: Client) {
  const service = client.connection.workflowService as unknown as Record<string, (req: unknown) => Promise<{ outcome?: unknown }>>;
  const calls: Record<string, number[]> = { updateWorkflowExecution: [], pollWorkflowExecutionUpdate: [] };
  let withoutOutcome = 0;
  const originals = Object.keys(calls).map((name) => [name, service[name]!] as const);
  for (const [name, original] of originals) {
    service[name] = async (req) => {
      const t0 = performance.now();
      const res = await original.call(service, req);
      calls[name]!.push(performance.now() - t0);
      if (name === 'updateWorkflowExecution' && !res.outcome) withoutOutcome++;
      return res;
    };
  }
  return { calls, withoutOutcome: () => withoutOutcome, stop: () => originals.forEach(([name, original]) => (service[name] = original)) };
}

/** The worker's SDK metrics (Prometheus text), summed over their labels. */
async function sdkMetrics(url: string | undefined): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!url) return out;
  const text = await fetch(url).then((r) => r.text(), () => '');
  for (const line of text.split('\n')) {
    const m = /^(temporal_[a-z_]+)(?:\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
    if (m && !m[1]!.endsWith('_bucket')) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return out;
}

const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const at = (e: HistoryEvent | undefined) => (e?.eventTime ? Number(e.eventTime.seconds) * 1000 + Math.round((e.eventTime.nanos ?? 0) / 1e6) : NaN);

/**
 * Where a claim's and a decision's time goes on the server, from the histories
 * of the last cases: each Update's workflow task (scheduled when it arrived),
 * the write it schedules, and the workflow task that completes it. Each step
 * from the previous event's time; the API's own time and the client's wait for
 * the result are the rest of what the reviewer sees.
 */
async function printBreakdown(client: Client, caseIds: string[]) {
  const names = [
    'update task: scheduled → started (to the worker)',
    'update task: started → completed (the handler runs)',
    'write: scheduled → started (to the worker)',
    'write: started → completed (the activity)',
    'last task: write done → scheduled',
    'last task: scheduled → started (to the worker)',
    'last task: started → completed',
    'in all: update task scheduled → update completed',
  ];
  const steps = new Map<string, number[][]>([['claimTask', names.map(() => [])], ['decideReview', names.map(() => [])]]);
  /** Local activities of the case's own path run in the same task as an Update's: their markers there. */
  const markers = new Map<string, number[]>([['claimTask', []], ['decideReview', []]]);
  for (const id of caseIds) {
    const events = (await client.workflow.getHandle(workflowIdFor(id)).fetchHistory()).events ?? [];
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    const type = (e: HistoryEvent | undefined) => e?.eventType;
    for (const accepted of events.filter((e) => type(e) === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)) {
      const name = accepted.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '';
      const into = steps.get(name);
      if (!into) continue;
      const updateId = accepted.workflowExecutionUpdateAcceptedEventAttributes?.protocolInstanceId;
      const i = events.indexOf(accepted);
      // The task that accepted it: the last one completed before the acceptance.
      const firstDone = events.slice(0, i).reverse().find((e) => type(e) === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      const firstStarted = byId.get(Number(firstDone?.workflowTaskCompletedEventAttributes?.startedEventId));
      const firstScheduled = byId.get(Number(firstDone?.workflowTaskCompletedEventAttributes?.scheduledEventId));
      const completed = events.slice(i).find((e) => type(e) === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED && e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId);
      // Its write: the first recordTransition scheduled after the acceptance.
      const scheduled = events.slice(i).find((e) => type(e) === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordTransition');
      if (!completed || !scheduled || !firstScheduled || !firstStarted || !firstDone) continue;
      const sid = Number(scheduled.eventId);
      const started = events.find((e) => e.activityTaskStartedEventAttributes && Number(e.activityTaskStartedEventAttributes.scheduledEventId) === sid);
      const done = events.find((e) => e.activityTaskCompletedEventAttributes && Number(e.activityTaskCompletedEventAttributes.scheduledEventId) === sid);
      const j = events.indexOf(completed);
      const lastDone = events.slice(0, j).reverse().find((e) => type(e) === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      const lastStarted = byId.get(Number(lastDone?.workflowTaskCompletedEventAttributes?.startedEventId));
      const lastScheduled = byId.get(Number(lastDone?.workflowTaskCompletedEventAttributes?.scheduledEventId));
      const t = [at(firstScheduled), at(firstStarted), at(firstDone), at(scheduled), at(started), at(done), at(lastScheduled), at(lastStarted), at(lastDone)];
      const gaps = [t[1]! - t[0]!, t[2]! - t[1]!, t[4]! - t[3]!, t[5]! - t[4]!, t[6]! - t[5]!, t[7]! - t[6]!, t[8]! - t[7]!, at(completed) - t[0]!];
      gaps.forEach((g, k) => into[k]!.push(g));
      // Markers the two tasks recorded: the case's local activities, which the task waits for before it answers.
      const inTask = (doneEvent: HistoryEvent) => {
        let n = 0;
        for (let k = events.indexOf(doneEvent) + 1; k < events.length && type(events[k]) !== EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED; k++) {
          if (type(events[k]) === EventType.EVENT_TYPE_MARKER_RECORDED) n++;
        }
        return n;
      };
      markers.get(name)!.push(inTask(firstDone) + (lastDone ? inTask(lastDone) : 0));
    }
  }
  console.log('');
  console.log(`where a claim's or a decision's time goes on the server (the histories of the last ${caseIds.length} cases that ended; ms from the previous step):`);
  for (const [update, byStep] of steps) {
    const m = markers.get(update)!;
    console.log(`  ${update} (${m.length}; ${m.filter((x) => x > 0).length} of them shared a task with local activities of the case's path, ${m.reduce((a, b) => a + b, 0)} in all)`);
    names.forEach((name, k) => {
      const xs = byStep[k]!.filter((x) => Number.isFinite(x));
      if (xs.length) console.log(`    ${name.padEnd(52)} p50 ${pct(xs, 50).toFixed(0).padStart(5)}  p95 ${pct(xs, 95).toFixed(0).padStart(5)}  p99 ${pct(xs, 99).toFixed(0).padStart(5)}`);
    });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
