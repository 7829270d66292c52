// The faults the chaos run makes, and when. Each fault waits for its
// milestone, so many cases closed since the run began, so it strikes a
// system that has shown it is working (and has recovered from the fault
// before) rather than at a time a clock picked. A fault's own length (how
// long a process stays down, how long an outage lasts) is the experiment's
// parameter, and is the only thing timed.
import type pg from 'pg';
import { sleep } from '../bots';
import { waitFor } from '../wait';
import type { PrivateCluster } from './postgres';
import type { Supervised } from './processes';
import type { Progress } from './progress';
import type { ProcessName, Topology } from './system';
import { riyadhDate } from '../../domain/calendar';
import type { ReconciliationReport } from '../../workflows/payments/contract';

export interface FaultTimings {
  /** How long a killed process stays down before it is started again. */
  downMs: number;
  laborOutageMs: number;
  smsOutageMs: number;
  /** The slow gateway: each message takes this long. */
  smsLatencyMs: number;
  pgDownMs: number;
}

export interface FaultTargets {
  processes: Record<ProcessName, Supervised>;
  cluster: PrivateCluster;
  simulatorUrl: string;
  db: pg.Pool;
  progress: Progress;
  timings: FaultTimings;
  /** Runs the day's reconciliation now, as its nightly Schedule would, and answers its report. */
  reconcile(day: string): Promise<ReconciliationReport>;
}

export interface FaultRecord {
  fault: string;
  /** Seconds since the load started. */
  at: number;
  seconds: number;
  /** Cases closed when it began. */
  closed: number;
  detail: string;
  failed?: boolean;
}

interface Fault {
  name: string;
  /** Runs alongside the faults after it (a long outage), instead of before them. */
  background?: boolean;
  /** Makes the fault and undoes it; returns what happened, for the table. */
  run(t: FaultTargets): Promise<string>;
}

/** No case closing for this long means the system did not recover: the run stops making faults. */
const PROGRESS_TIMEOUT_MS = 300_000;
/**
 * The kill waits, under the slow gateway, for this many messages waiting to
 * go (one or more in hand): a dispatcher that claims a batch then holds many.
 * One that claims a message at a time holds one whatever the backlog.
 */
const MID_BATCH_BACKLOG = 5;
/**
 * How long the backlog may take to build; after it, the first message in hand
 * will do (two workers' dispatchers, one message each at a time, rarely let a
 * backlog build), for up to the second. The cases go on meanwhile: a long wait
 * would leave the faults after this one nothing moving to strike.
 */
const MID_BATCH_TIMEOUT_MS = 20_000;
const IN_HAND_TIMEOUT_MS = 60_000;
/** Often enough to catch a batch in hand, which lasts a gateway call at least. */
const MID_BATCH_POLL_MS = 50;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function control(t: FaultTargets, path: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${t.simulatorUrl}/_control/${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator answered ${res.status} to PUT /_control/${path}`);
}

/** Puts the agencies and the gateway back to normal (also after a fault that failed half-way). */
export async function restoreSwitches(t: FaultTargets): Promise<void> {
  await control(t, 'labor', { outage: false, latencyMs: 0, failEvery: 0 });
  await control(t, 'sms', { outage: false, latencyMs: 0, failEvery: 0 });
  await control(t, 'payments', { lose: 0, outage: false });
}

const LABEL: Record<ProcessName, string> = {
  worker: 'the worker',
  api: 'the API',
  temporal: 'the Temporal dev server',
  'worker-1': 'worker 1',
  'worker-2': 'worker 2',
  'api-1': 'API 1',
  'api-2': 'API 2',
  frontend: "Temporal's frontend",
  history: "Temporal's history service",
  matching: "Temporal's matching service",
  'temporal-worker': "Temporal's internal worker",
};

/** kill -9, down for a while, started again (the dev server on the same SQLite file and port; a cluster's service from the same config). */
async function killAndRestart(t: FaultTargets, name: ProcessName, before = ''): Promise<string> {
  const target = t.processes[name];
  if (!target) throw new Error(`no process named ${name} in this run`);
  const pid = await target.kill9();
  const killedAt = Date.now();
  await sleep(t.timings.downMs);
  await target.start();
  return `${before}pid ${pid} killed, down ${secs(t.timings.downMs)}; pid ${target.pid} ready ${secs(Date.now() - killedAt)} after the kill`;
}

const kill = (name: ProcessName): Fault => ({ name: `kill -9 ${LABEL[name] ?? name}`, run: (t) => killAndRestart(t, name) });

const laborOutage: Fault = {
  name: 'Labor Office outage',
  async run(t) {
    await control(t, 'labor', { outage: true });
    await sleep(t.timings.laborOutageMs);
    await control(t, 'labor', { outage: false });
    return `every call answered 503 for ${secs(t.timings.laborOutageMs)}`;
  },
};

/**
 * The gateway slows down (and stays slow until the outage); a worker is
 * killed while the dispatchers have messages in hand (with two workers, the
 * other one's may take them over once the lease runs out).
 */
const slowGatewayWorkerKill = (worker: ProcessName): Fault => ({
  name: `SMS gateway slow, kill -9 ${LABEL[worker] ?? worker} mid-batch`,
  async run(t) {
    await control(t, 'sms', { latencyMs: t.timings.smsLatencyMs });
    const outbox = async (backlog: number) => {
      const { rows } = await t.db.query<{ sending: number; waiting: number }>(
        `select count(*) filter (where status = 'sending')::int as sending, count(*) filter (where status in ('pending', 'sending'))::int as waiting from sms_outbox`,
      );
      const o = rows[0]!;
      return o.sending > 0 && o.waiting >= backlog ? o : undefined;
    };
    const wait = (backlog: number, timeoutMs: number) =>
      waitFor(`${backlog} SMS waiting, some in hand`, () => outbox(backlog), { timeoutMs, intervalMs: MID_BATCH_POLL_MS });
    const at = await wait(MID_BATCH_BACKLOG, MID_BATCH_TIMEOUT_MS).catch(() => wait(1, IN_HAND_TIMEOUT_MS).catch(() => undefined));
    const found = at ? `${at.sending} of ${at.waiting} waiting messages in hand ('sending') at the kill; ` : `no message seen in hand, killed anyway; `;
    return killAndRestart(t, worker, `gateway at ${t.timings.smsLatencyMs} ms a message; ${found}`);
  },
});

const smsOutage: Fault = {
  name: 'SMS gateway outage',
  background: true,
  async run(t) {
    // A gateway that is down answers at once (the slowness was a symptom of the trouble before it).
    await control(t, 'sms', { outage: true, latencyMs: 0 });
    await sleep(t.timings.smsOutageMs);
    await control(t, 'sms', { outage: false });
    return `every send answered 503 at once for ${secs(t.timings.smsOutageMs)} (the faults after it struck during it), then back`;
  },
};

/** Notifications the gateway never sends: enough to show the reconciliation finding each, few enough to leave the run moving. */
const LOST_NOTIFICATIONS = 3;
/** Payments keep coming while cases close; after this, the ones lost so far are reconciled. */
const LOST_WAIT_MS = 120_000;

/**
 * The gateway loses the next notifications (the payments are on its
 * statement, Tarkhees never hears of them): those cases wait for payment
 * until the day is reconciled, which applies each late and moves them on.
 */
const lostPaymentNotifications: Fault = {
  name: 'payment notifications lost, the day reconciled',
  async run(t) {
    await control(t, 'payments', { lose: LOST_NOTIFICATIONS });
    const lostNow = async () => ((await (await fetch(`${t.simulatorUrl}/_control/payments`)).json()) as { lost: { paymentId: string; paidAt: string }[] }).lost;
    const lost = await waitFor(`${LOST_NOTIFICATIONS} notifications lost`, async () => {
      const l = await lostNow();
      return l.length >= LOST_NOTIFICATIONS ? l : undefined;
    }, { timeoutMs: LOST_WAIT_MS, intervalMs: 500 }).catch(lostNow);
    await control(t, 'payments', { lose: 0 });
    // Each payment's Riyadh day: a run near midnight has two.
    const days = [...new Set(lost.map((n) => riyadhDate(new Date(n.paidAt))))];
    const reports = [];
    for (const day of days) reports.push(await t.reconcile(day));
    const late = reports.reduce((n, r) => n + r.appliedLate.length, 0);
    const mismatches = reports.reduce((n, r) => n + r.mismatches.length, 0);
    return `${lost.length} notifications never sent; the reconciliation of ${days.join(', ') || 'no day'} applied ${late} late, ${mismatches} mismatches`;
  },
};

const postgresRestart: Fault = {
  name: 'PostgreSQL crash and restart',
  async run(t) {
    await t.cluster.crash();
    await sleep(t.timings.pgDownMs);
    const startedAt = Date.now();
    await t.cluster.start();
    return `every server process ended at once (pg_ctl stop -m immediate), down ${secs(t.timings.pgDownMs)}; crash recovery and start took ${secs(Date.now() - startedAt)}`;
  },
};

/**
 * The short round (CI) makes each fault once; the full run kills each process
 * again after the outages, so a second kill meets a system that has been
 * through the first (and, for the last ones, a gateway that is down). On the
 * cluster each Temporal service is killed in turn, and the second kills go to
 * the other worker and API. PostgreSQL's crash takes Temporal's databases
 * down with the app's: on the cluster they are one server.
 */
export function faultPlan(short: boolean, topology: Topology): Fault[] {
  if (topology === 'dev') {
    const once = [kill('api'), laborOutage, lostPaymentNotifications, kill('temporal'), slowGatewayWorkerKill('worker'), smsOutage, postgresRestart];
    return short ? once : [kill('worker'), ...once, kill('api'), kill('temporal'), kill('worker')];
  }
  // Temporal's services among the others, so each is killed while cases are moving, not after the last closed.
  const once = [kill('api-1'), kill('frontend'), laborOutage, lostPaymentNotifications, kill('history'), slowGatewayWorkerKill('worker-1'), kill('matching'), smsOutage, postgresRestart];
  return short ? once : [kill('worker-2'), ...once, kill('api-2'), kill('history'), kill('worker-2')];
}

/**
 * Makes the faults in order, fault i once (i + 1) / (faults + 1) of the cases
 * have closed: spread over the run, and never into a system that has not yet
 * recovered from the one before. Returns why it stopped early, if it did.
 */
export async function runFaults(t: FaultTargets, faults: Fault[], cases: number, t0: number, log: FaultRecord[]): Promise<string | undefined> {
  const background: Promise<void>[] = [];
  let stalled: string | undefined;
  for (const [i, fault] of faults.entries()) {
    const milestone = Math.floor(((i + 1) * cases) / (faults.length + 1));
    try {
      await waitFor(`${milestone} cases closed`, () => t.progress.closed >= milestone, { timeoutMs: PROGRESS_TIMEOUT_MS, intervalMs: 250 });
    } catch {
      stalled = `no case closed for ${PROGRESS_TIMEOUT_MS / 1000} s before "${fault.name}" (${t.progress.closed} of ${milestone} closed)`;
      break;
    }
    const started = Date.now();
    const record: FaultRecord = { fault: fault.name, at: (started - t0) / 1000, seconds: 0, closed: t.progress.closed, detail: '' };
    console.log(`chaos: ${record.at.toFixed(0).padStart(4)} s  ${fault.name} (${record.closed} cases closed)`);
    const done = fault.run(t).then(
      (detail) => Object.assign(record, { detail, seconds: (Date.now() - started) / 1000 }),
      (err: unknown) => Object.assign(record, { detail: `failed: ${(err as Error).message}`, failed: true, seconds: (Date.now() - started) / 1000 }),
    ).then(() => console.log(`chaos: ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s    ${record.failed ? 'FAILED' : 'over'}: ${record.detail}`));
    log.push(record);
    if (fault.background) background.push(done.then(() => undefined));
    else await done;
  }
  await Promise.all(background);
  return stalled;
}
