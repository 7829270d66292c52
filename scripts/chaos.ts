// The chaos run (issue 12, item 5): the real processes (the worker, the API,
// the Temporal dev server on a SQLite file, the simulator, a PostgreSQL
// server of its own), N cases driven through the API by bots, and faults
// made while they run: each process killed with -9 and restarted, the Labor
// Office down for a while, the SMS gateway slowed and then down, PostgreSQL
// crashed and restarted. Then it checks, from PostgreSQL, Temporal and the
// gateway, that nothing was lost, duplicated or left open, prints a table of
// the faults and one of the counts, and exits 1 on any violation.
//
//   npm run chaos                       200 cases, every fault, the gateway down 2 minutes
//   npm run chaos -- --short            the CI round: 30 cases, each fault once, short outages
//   npm run chaos -- --cluster          the same against the Temporal server on PostgreSQL (four services), two workers, two APIs
//   npm run chaos -- --cases 500 --sms-outage 5m --keep
//
// README.md ("Chaos run") lists every flag; bench/README.md has a full run's figures.
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseDuration } from '../config';
import { cpuSeconds } from './bots';
import { runChecks, type Count } from './chaos/checks';
import { TASK_QUEUE } from '../workflows/application/contract';
import { PAYMENT_RECONCILIATION_WORKFLOW_TYPE, type ReconciliationReport } from '../workflows/payments/contract';
import { faultPlan, restoreSwitches, runFaults, type FaultRecord, type FaultTargets } from './chaos/faults';
import { Load, planCases } from './chaos/load';
import { Progress } from './chaos/progress';
import { countTable, faultTable } from './chaos/report';
import { processCpu, startSystem, stopSystem, type System } from './chaos/system';
import { waitFor } from './wait';

/** The full run and the short (CI) round differ in size and in how long each fault lasts. */
const PROFILES = {
  full: { cases: '200', concurrency: '20', 'labor-outage': '30s', 'sms-outage': '2m', 'pg-down': '5s', down: '3s', 'drain-timeout': '3m' },
  short: { cases: '30', concurrency: '10', 'labor-outage': '8s', 'sms-outage': '15s', 'pg-down': '3s', down: '2s', 'drain-timeout': '90s' },
} as const;
/**
 * On the cluster a killed worker or API leaves its twin serving, so the cases
 * go on at full pace through the fault; fewer in flight (and, for the short
 * round, more cases) keep the load going while the faults, more of them, are
 * made one after the other, instead of the cases all closing under the first.
 */
const CLUSTER_PROFILES = {
  full: { concurrency: '10' },
  short: { cases: '40', concurrency: '4' },
} as const;

const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    /** Temporal as a cluster of four services on the run's PostgreSQL, two workers, two APIs (as `npm run cluster`). */
    cluster: { type: 'boolean', default: false },
    cases: { type: 'string' },
    /** Cases in flight: each submitter files its next case once its last one closed. */
    concurrency: { type: 'string' },
    'labor-outage': { type: 'string' },
    'sms-outage': { type: 'string' },
    /** How long the slow gateway takes over each message. */
    'sms-latency': { type: 'string', default: '300ms' },
    'pg-down': { type: 'string' },
    /** How long a killed process stays down before it is started again. */
    down: { type: 'string' },
    /** How long a case may take to close, from its submission. */
    'case-timeout': { type: 'string', default: '5m' },
    /** How long the outbox may take to empty once every case closed and the faults are over. */
    'drain-timeout': { type: 'string' },
    'data-dir': { type: 'string', default: '.data/chaos' },
    /** Writes the faults and counts as JSON here (the test reads them). */
    report: { type: 'string' },
    /** Keeps the data folder (logs, PostgreSQL, Temporal's file) after a passing run; a failing run always keeps it. */
    keep: { type: 'boolean', default: false },
    /** Orders the cases' paths; the same seed, the same order. */
    seed: { type: 'string', default: '1' },
  },
});

function options() {
  const size = args.short ? 'short' : 'full';
  const profile: Record<keyof (typeof PROFILES)['full'], string> = { ...PROFILES[size], ...(args.cluster ? CLUSTER_PROFILES[size] : {}) };
  const get = <K extends keyof typeof profile>(k: K): string => (args[k] as string | undefined) ?? profile[k];
  const count = (k: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${k}: "${v}" is not a positive whole number`);
    return n;
  };
  const ms = (k: string, v: string) => parseDuration(`--${k}`, v);
  return {
    short: args.short,
    topology: args.cluster ? ('cluster' as const) : ('dev' as const),
    cases: count('cases', get('cases')),
    concurrency: count('concurrency', get('concurrency')),
    seed: count('seed', args.seed),
    caseTimeoutMs: ms('case-timeout', args['case-timeout']),
    drainTimeoutMs: ms('drain-timeout', get('drain-timeout')),
    dataDir: path.resolve(args['data-dir']),
    timings: {
      downMs: ms('down', get('down')),
      laborOutageMs: ms('labor-outage', get('labor-outage')),
      smsOutageMs: ms('sms-outage', get('sms-outage')),
      smsLatencyMs: ms('sms-latency', args['sms-latency']),
      pgDownMs: ms('pg-down', get('pg-down')),
    },
  };
}
type Options = ReturnType<typeof options>;

const say = (line: string) => console.log(`chaos: ${line}`);
const seconds = (since: number) => (Date.now() - since) / 1000;

/** What exit must not leave behind: every child process, and the PostgreSQL server. */
const onExit: (() => void)[] = [];
process.once('exit', () => {
  for (const f of onExit.reverse()) f();
});
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

/**
 * The load and the faults together; then every case closing and the outbox
 * emptying, each waited for with a deadline. Returns what the checks need.
 */
async function drive(system: System, db: pg.Pool, opts: Options) {
  const progress = new Progress(db);
  progress.start();
  const plans = planCases(opts.cases, opts.seed, randomUUID().slice(0, 8));
  const load = new Load(system.bots, system.simulatorUrl, (id) => progress.isClosed(id));
  load.startBots();

  // Every payment notified twice, all run long: a duplicate must never count twice.
  await fetch(`${system.simulatorUrl}/_control/payments`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ duplicates: 1 }) });
  const reconcile = async (day: string) => {
    const handle = await system.client.workflow.start(PAYMENT_RECONCILIATION_WORKFLOW_TYPE, { workflowId: `chaos-reconciliation-${day}-${randomUUID()}`, taskQueue: TASK_QUEUE, args: [{ day }] });
    return handle.result() as Promise<ReconciliationReport>;
  };
  const targets: FaultTargets = { ...system, db, progress, timings: opts.timings, reconcile };
  const faults: FaultRecord[] = [];
  const startedAt = Date.now();
  const faulting = runFaults(targets, faultPlan(opts.short, opts.topology), opts.cases, startedAt, faults);
  await load.submitAll(plans, opts.concurrency, opts.caseTimeoutMs);
  const stalled = await faulting;
  await restoreSwitches(targets).catch((err: unknown) => say(`could not restore the simulator's switches: ${(err as Error).message}`));
  const allClosed = () => [...load.acknowledged.keys()].every((id) => progress.isClosed(id));
  await waitFor('every case to close', allClosed, { timeoutMs: opts.caseTimeoutMs, intervalMs: 1_000 }).catch(() => say('not every case closed in time'));
  const casesSeconds = seconds(startedAt);
  say(`cases done after ${casesSeconds.toFixed(0)} s; waiting for the SMS outbox to empty`);

  const drainStartedAt = Date.now();
  const empty = async () => {
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from sms_outbox where status in ('pending', 'sending')`);
    return rows[0]!.n === 0;
  };
  const drained = await waitFor('the SMS outbox to empty', empty, { timeoutMs: opts.drainTimeoutMs, intervalMs: 1_000 }).then(
    () => true,
    () => false,
  );
  const drainSeconds = seconds(drainStartedAt);
  say(drained ? `outbox empty after ${drainSeconds.toFixed(0)} s` : `outbox still holds pending or sending rows after ${drainSeconds.toFixed(0)} s`);
  await load.stop();
  await progress.stop();
  return { plans, load, faults, stalled, startedAt, casesSeconds, drainSeconds };
}

async function main(): Promise<number> {
  const opts = options();
  const startedAt = Date.now();
  const shape = opts.topology === 'cluster' ? 'Temporal as a cluster, two workers, two APIs' : 'the Temporal dev server, one worker, one API';
  say(`${opts.cases} cases, ${opts.short ? 'short round' : 'full run'} on ${shape}, ${opts.concurrency} in flight; data and logs in ${opts.dataDir}`);
  const system = await startSystem(opts.dataDir, opts.topology, (f) => onExit.push(f), say);
  const p = system.ports;
  say(`up in ${seconds(startedAt).toFixed(0)} s: PostgreSQL :${p.postgres}, Temporal :${p.temporal}, API :${p.apis.join(', :')}, simulator :${p.simulator}`);
  const db = new pg.Pool({ connectionString: system.databaseUrl, max: 2 });
  // An idle connection dropped by the PostgreSQL restart must not end the run.
  db.on('error', () => undefined);

  const run = await drive(system, db, opts);
  const { load, faults } = run;
  const crashes = system.crashes;
  const harness: Count[] = [
    { group: 'harness', what: 'bot calls made again (API down, or 5xx)', value: load.retries },
    ...(opts.topology === 'cluster' ? [{ group: 'harness', what: 'bot calls failed over to the other API', value: system.bots.failovers }] : []),
    { group: 'harness', what: 'bot steps given up (the system did not come back)', value: load.gaveUp.length, violation: true },
    { group: 'harness', what: 'faults that could not be made or undone', value: faults.filter((f) => f.failed).length, violation: true },
    { group: 'harness', what: 'fault schedule stalled (no case closed for minutes)', value: run.stalled ? 1 : 0, violation: true },
    { group: 'harness', what: 'processes that exited by themselves (started again)', value: crashes.length },
  ];
  const counts = await runChecks({ db, temporal: system.client, simulatorUrl: system.simulatorUrl, plans: run.plans, acknowledged: load.acknowledged, harness });
  const cpu = { ...processCpu(system), harness: cpuSeconds(process.pid) };

  console.log('\nFaults\n');
  console.log(faultTable(faults));
  for (const c of crashes) console.log(`   ${c.name} (pid ${c.pid}) exited by itself (${c.signal ?? `code ${c.code}`}) at ${((c.at - run.startedAt) / 1000).toFixed(0)} s`);
  if (run.stalled) console.log(`   ${run.stalled}`);
  console.log('\nCounts\n');
  console.log(countTable(counts));
  for (const g of load.gaveUp.slice(0, 10)) console.log(`   gave up: ${g}`);
  console.log(`\nCPU seconds: ${Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} (PostgreSQL not counted)`);
  const violations = counts.filter((c) => c.violation && c.value !== 0);
  const total = seconds(startedAt);
  console.log(
    violations.length === 0
      ? `\nchaos: PASS, ${opts.cases} cases in ${total.toFixed(0)} s (cases ${run.casesSeconds.toFixed(0)} s, outbox emptied in ${run.drainSeconds.toFixed(0)} s more)`
      : `\nchaos: FAIL, ${violations.length} kinds of violation in ${total.toFixed(0)} s: ${violations.map((v) => `${v.what} ${v.value}`).join('; ')}`,
  );
  if (args.report) {
    const report = { passed: violations.length === 0, seconds: total, casesSeconds: run.casesSeconds, drainSeconds: run.drainSeconds, options: opts, faults, counts, crashes, gaveUp: load.gaveUp, cpu };
    writeFileSync(path.resolve(args.report), JSON.stringify(report, null, 2));
  }

  await db.end();
  await stopSystem(system);
  if (violations.length === 0 && !args.keep) {
    for (const dir of [opts.dataDir, system.cluster.dataDir]) rmSync(dir, { recursive: true, force: true });
  } else {
    say(`data and logs kept in ${opts.dataDir}${system.cluster.dataDir.startsWith(opts.dataDir) ? '' : `, PostgreSQL's in ${system.cluster.dataDir}`}`);
  }
  return violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
