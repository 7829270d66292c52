// The task inbox under a realistic backlog: 100,000 open tasks and 1,000,000
// closed ones (a few years of an Amanah's work) in PostgreSQL, read through the
// API as reviewers and supervisors read it. Prints p50/p95/p99 of the inbox list
// and the badge counts (target: p95 <= 30 ms each), the query plans, and how 20
// concurrent claims of one task end on the real workflow (exactly one wins).
//
//   npm run bench:inbox                      # 100,000 open, 1,000,000 closed
//   npm run bench:inbox -- --open 20000 --closed 200000 --requests 300
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { commercialApplication } from '../test/support/fixtures';
import { bearer, get, pct, seedBacklog, startBenchSystem } from './backlog';

const { values: args } = parseArgs({
  options: {
    open: { type: 'string', default: '100000' },
    closed: { type: 'string', default: '1000000' },
    offices: { type: 'string', default: '20' },
    requests: { type: 'string', default: '500' },
  },
});
const OPEN = Number(args.open);
const CLOSED = Number(args.closed);
const OFFICES = Number(args.offices);
const REQUESTS = Number(args.requests);

async function main() {
  const bench = await startBenchSystem({ database: process.env.BENCH_DATABASE_NAME ?? 'tarkhees_inbox_bench', temporalPort: Number(process.env.BENCH_TEMPORAL_PORT ?? 7398) });
  const { db, app, base, issuer } = bench;
  const files = await seedBacklog(bench, { open: OPEN, closed: CLOSED, offices: OFFICES });

  const office = files[3]!.id;
  const health = await issuer.sign({ sub: 'reviewer-1', roles: ['health_specialist'], officeId: office });
  const supervisor = await issuer.sign({ sub: 'supervisor-1', roles: ['supervisor'] });
  const queries: [string, string, string][] = [
    ['health specialist: inbox, by due', health, '/tasks?kind=health_review&limit=25'],
    ['health specialist: mine', health, '/tasks?assignee=me&limit=25'],
    ['health specialist: unassigned, by priority', health, '/tasks?kind=health_review&assignee=unassigned&sort=priority&limit=25'],
    ['health specialist: overdue', health, '/tasks?overdue=true&limit=25'],
    ['health specialist: search a trade name', health, '/tasks?q=Palm%20Trading%201&limit=25'],
    ['health specialist: counts', health, '/tasks/counts?kind=health_review'],
    ['supervisor: all offices, by due', supervisor, '/tasks?limit=25'],
    ['supervisor: one office, by created', supervisor, `/tasks?officeId=${office}&sort=created&limit=25`],
    ['supervisor: counts, all offices', supervisor, '/tasks/counts'],
    ['supervisor: counts, one office', supervisor, `/tasks/counts?officeId=${office}`],
  ];
  // Warm up the pool and the caches as a working day would.
  for (const [, token, path] of queries) for (let i = 0; i < 5; i++) await get(base + path, bearer(token));

  console.log(`\n${'query'.padEnd(46)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p99'.padStart(8)}   (${REQUESTS} requests each, ms)`);
  let worstP95 = 0;
  for (const [name, token, path] of queries) {
    const ms: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const r = await get(base + path, bearer(token));
      if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${r.body}`);
      ms.push(r.ms);
    }
    worstP95 = Math.max(worstP95, pct(ms, 95));
    console.log(`${name.padEnd(46)} ${pct(ms, 50).toFixed(1).padStart(8)} ${pct(ms, 95).toFixed(1).padStart(8)} ${pct(ms, 99).toFixed(1).padStart(8)}`);
  }
  console.log(`worst p95 ${worstP95.toFixed(1)} ms (target <= 30 ms: ${worstP95 <= 30 ? 'met' : 'NOT met'})`);

  // The plans behind the two busiest screens, as the API sends them.
  const explain = async (label: string, q: ReturnType<typeof sql>) => {
    const plan = (await db.db.execute(sql`explain (analyze, buffers, costs off) ${q}`)) as unknown as { rows: { 'QUERY PLAN': string }[] };
    console.log(`\nplan: ${label}\n${plan.rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
  };
  await explain(
    'a health specialist’s inbox',
    sql`select * from tasks where office_id = ${office} and kind = 'health_review' and status in ('open', 'claimed') order by due_at, id limit 26`,
  );
  await explain(
    'a health specialist’s counts',
    sql`select count(*), count(*) filter (where status = 'open'), count(*) filter (where assignee = 'reviewer-1'), count(*) filter (where due_at < now())
        from tasks where office_id = ${office} and kind = 'health_review' and status in ('open', 'claimed')`,
  );

  // 20 reviewers claim the same task of a live case at once: exactly one wins.
  const clerk = await issuer.sign({ sub: files[0]!.application.staff[0]!.userId, roles: ['office_clerk'], officeId: files[0]!.id });
  const filed = await app.inject({ method: 'POST', url: '/applications', headers: { authorization: `Bearer ${clerk}` }, payload: commercialApplication() });
  const id = filed.json<{ id: string }>().id;
  for (let i = 0; i < 200; i++) {
    const r = await app.inject({ method: 'GET', url: `/tasks/${id}:technical:1`, headers: { authorization: `Bearer ${supervisor}` } });
    if (r.statusCode === 200) break;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  const claimers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => issuer.sign({ sub: `inspector-${i}`, roles: ['technical_inspector'], officeId: files[0]!.id })),
  );
  const answers = await Promise.all(
    claimers.map((t) => app.inject({ method: 'POST', url: `/tasks/${id}:technical:1/claim`, headers: { authorization: `Bearer ${t}` } })),
  );
  const won = answers.filter((a) => a.statusCode === 200).length;
  const refused = answers.filter((a) => a.statusCode === 409).length;
  console.log(`\n20 concurrent claims of one task: ${won} won, ${refused} refused with 409 (expected 1 and 19: ${won === 1 && refused === 19 ? 'ok' : 'WRONG'})`);

  await bench.stop();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
