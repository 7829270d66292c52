// The reviewer's console screens under the inbox bench's backlog (100,000
// open tasks, 1,000,000 closed: bench/backlog.ts): the inbox in each view, its
// live parts (the counts and list fragments), a task's page and a case's page,
// each loaded over HTTP with a signed-in session, as a health specialist of one
// office. Prints p50/p95/p99 per screen (target: p95 <= 50 ms each) beside the
// API's JSON for the same data, loaded in turn with it in the same run (the
// baseline: what the screen costs above the service it renders).
//
//   npm run bench:console                    # 100,000 open, 1,000,000 closed, 200 loads a screen
//   npm run bench:console -- --open 20000 --closed 200000 --loads 100
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SESSION_COOKIE, type ConsoleSession } from '../console/auth/plugin';
import { seal, sessionKey } from '../console/auth/session';
import { healthApplication } from '../test/support/fixtures';
import { bearer, get, pct, seedBacklog, startBenchSystem } from './backlog';

const { values: args } = parseArgs({
  options: {
    open: { type: 'string', default: '100000' },
    closed: { type: 'string', default: '1000000' },
    offices: { type: 'string', default: '20' },
    loads: { type: 'string', default: '200' },
    database: { type: 'string', default: process.env.BENCH_DATABASE_NAME ?? 'tarkhees_console_bench' },
  },
});
const LOADS = Number(args.loads);
/** What the issue asks of every reviewer screen. */
const TARGET_P95_MS = 50;
/** Loads before the timed ones: the pool's connections, the prepared statements and the caches, as a working day has them. */
const WARM_UP = 10;

interface Screen {
  name: string;
  /** Each load's address (a screen may take turns over several tasks). */
  path: (i: number) => string;
  /** Sent as htmx sends it: a live part of a page. */
  fragment?: boolean;
  /** The API's JSON for the same data, loaded in turn with the screen. */
  baseline: (i: number) => string;
}

async function main() {
  const bench = await startBenchSystem({
    database: args.database,
    temporalPort: Number(process.env.BENCH_TEMPORAL_PORT ?? 7397),
    env: { CONSOLE_SESSION_SECRET: randomBytes(32).toString('base64url') },
  });
  const { app, base, issuer, config } = bench;
  const files = await seedBacklog(bench, { open: Number(args.open), closed: Number(args.closed), offices: Number(args.offices) });
  const office = files[3]!;

  // reviewer-1 holds some of the office's claimed tasks (the backlog's holders are reviewer-0..4): "mine" is not empty.
  const token = await issuer.sign({ sub: 'reviewer-1', roles: ['health_specialist'], officeId: office.id });
  const api = bearer(token);
  // The session the console's sign-in would make for this person, sealed here directly rather than through the
  // issuer's login page: the same principal (verified from the same token) under the same key and purpose.
  const session: ConsoleSession = { principal: await app.verifyAccessToken(token), csrf: 'bench', expiresAt: Date.now() + 3_600_000 };
  const key = sessionKey(config.console.sessionSecret, path.resolve(config.console.sessionKeyFile));
  const page = { cookie: `${SESSION_COOKIE}=${seal(key, SESSION_COOKIE, session)}` };

  // A live case among the backlog, filed through the API and waiting in review: a timeline, documents, workers.
  const clerk = await issuer.sign({ sub: office.application.staff[0]!.userId, roles: ['office_clerk'], officeId: office.id });
  const filed = await app.inject({ method: 'POST', url: '/applications', headers: bearer(clerk), payload: healthApplication() });
  if (filed.statusCode !== 201) throw new Error(`filing answered ${filed.statusCode}: ${filed.body}`);
  const live = filed.json<{ id: string }>().id;
  for (let i = 0; ; i++) {
    if ((await get(`${base}/tasks/${live}:health:1`, api)).status === 200) break;
    if (i > 300) throw new Error(`${live} never reached review`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The backlog's own cases, as the reviewer opens them: the tasks on the first page of the inbox, in turn.
  const firstPage = JSON.parse((await get(`${base}/tasks?assignee=unassigned&limit=25`, api)).body) as { items: { id: string; applicationId: string }[] };
  const backlogTasks = firstPage.items;
  const nth = <T>(xs: T[], i: number) => xs[i % xs.length]!;

  const list = (view: string, query: string): Screen => ({
    name: `inbox: ${view}`,
    path: () => `/console/tasks?view=${view}`,
    baseline: () => `/tasks?status=active&sort=due&limit=25${query}`,
  });
  const screens: Screen[] = [
    list('mine', '&assignee=me'),
    list('unassigned', '&assignee=unassigned'),
    list('overdue', '&overdue=true'),
    list('all', ''),
    { name: 'counts fragment', path: () => '/console/tasks/counts?view=mine', fragment: true, baseline: () => '/tasks/counts' },
    { name: 'list fragment (unassigned)', path: () => '/console/tasks/list?view=unassigned', fragment: true, baseline: () => '/tasks?status=active&sort=due&limit=25&assignee=unassigned' },
    { name: 'task page, live case', path: () => `/console/tasks/${encodeURIComponent(`${live}:health:1`)}`, baseline: () => `/applications/${live}` },
    {
      name: 'task page, backlog cases',
      path: (i) => `/console/tasks/${encodeURIComponent(nth(backlogTasks, i).id)}`,
      baseline: (i) => `/applications/${nth(backlogTasks, i).applicationId}`,
    },
    { name: 'case page, live case', path: () => `/console/applications/${live}`, baseline: () => `/applications/${live}` },
    { name: 'case page, backlog cases', path: (i) => `/console/applications/${nth(backlogTasks, i).applicationId}`, baseline: (i) => `/applications/${nth(backlogTasks, i).applicationId}` },
    { name: 'case status fragment, live case', path: () => `/console/applications/${live}/status`, fragment: true, baseline: () => `/applications/${live}` },
  ];

  /** Wall time, and this process's CPU (the API's, the bench's client a sliver of it): on a shared machine the second waits less on others. */
  const load = async (url: string, headers: Record<string, string>) => {
    const cpu = process.cpuUsage();
    const r = await get(base + url, headers);
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}: ${r.body.slice(0, 300)}`);
    const used = process.cpuUsage(cpu);
    return { ms: r.ms, cpuMs: (used.user + used.system) / 1000 };
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`\n${LOADS} loads a screen, each followed by its baseline (the API's JSON for the same data); milliseconds, CPU the mean of this process's`);
  console.log(
    `${'screen'.padEnd(34)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'CPU'.padStart(6)} │ ${'API p50'.padStart(7)} ${'API p95'.padStart(7)} ${'CPU'.padStart(6)} │ ${'p95 ÷ API'.padStart(9)}`,
  );
  let worst = { name: '', p95: 0 };
  for (const s of screens) {
    const headers = s.fragment ? { ...page, 'hx-request': 'true' } : page;
    for (let i = 0; i < WARM_UP; i++) await Promise.all([load(s.path(i), headers), load(s.baseline(i), api)]);
    const screen: { ms: number; cpuMs: number }[] = [];
    const baseline: { ms: number; cpuMs: number }[] = [];
    for (let i = 0; i < LOADS; i++) {
      screen.push(await load(s.path(i), headers));
      baseline.push(await load(s.baseline(i), api));
    }
    const ms = screen.map((x) => x.ms);
    const apiMs = baseline.map((x) => x.ms);
    const p95 = pct(ms, 95);
    if (p95 > worst.p95) worst = { name: s.name, p95 };
    const f = (n: number, w = 7) => n.toFixed(1).padStart(w);
    console.log(
      `${s.name.padEnd(34)} ${f(pct(ms, 50))} ${f(p95)} ${f(pct(ms, 99))} ${f(mean(screen.map((x) => x.cpuMs)), 6)} │ ${f(pct(apiMs, 50))} ${f(pct(apiMs, 95))} ${f(mean(baseline.map((x) => x.cpuMs)), 6)} │ ${(p95 / pct(apiMs, 95)).toFixed(2).padStart(9)}`,
    );
  }
  console.log(`worst p95 ${worst.p95.toFixed(1)} ms, ${worst.name} (target <= ${TARGET_P95_MS} ms: ${worst.p95 <= TARGET_P95_MS ? 'met' : 'NOT met'})`);

  await bench.stop();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
