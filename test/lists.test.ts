// The two lists people work from, on cases that ran through the workflow:
// GET /applications newest first, GET /tasks by due time, creation or priority,
// each paged by cursor without a gap or a repeat, each filter narrowing to
// exactly the cases (and tasks) the test put in that state. Cases are filed one
// after another, each waiting for its stage, so the order of submission (and of
// the tasks' creation) is known without asking the system.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { ApplicationBody } from '../api/applications/schemas';
import { startTestEnv, waitFor, type TestEnv, type Who } from './support/env';
import { call, commercialApplication, crNumber, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';

/** A health review's SLA here: seconds, so the health tasks go overdue (and up in priority) while the others do not. */
const HEALTH_SLA_SECONDS = 2;
/** Long enough that no case waiting on someone closes during the test. */
const LONG = 10 * 60_000;

let env: TestEnv;

interface Filed {
  id: string;
  office: 'a' | 'b';
  kind: 'commercial' | 'health';
  status: 'in_progress' | 'issued' | 'excluded';
  stage: string;
  waitingOn: string[];
  crNumber: string;
  /** Active tasks, in the order the workflow opened them. */
  tasks: ('health_review' | 'technical_review' | 'applicant_correction')[];
}
/** In the order filed. */
const cases: Filed[] = [];
const SHARED_CR = crNumber(1);
const MARKED_TRADE_NAME = 'Lists Marked Bookshop';

async function file(office: 'a' | 'b', body: ApplicationBody, until: { stage?: string; status?: string }, then?: (id: string) => Promise<void>) {
  const res = await submit(env.api, body, undefined, office === 'a' ? 'clerk' : 'clerkB');
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  if (then) {
    await waitForStage(env.api, id, 'review');
    await then(id);
  }
  const a = await waitForApp(env.api, id, JSON.stringify(until), (x) => (!until.stage || x.stage === until.stage) && (!until.status || x.status === until.status));
  return { id, office, kind: body.licenseKind as Filed['kind'], status: a.status, stage: a.stage, waitingOn: a.waitingOn, crNumber: body.establishment.crNumber };
}

const approveTechnical = (who: Who) => async (id: string) => {
  await call(env.api, who, 'POST', `/tasks/${id}:technical:1/claim`);
  expect((await call(env.api, who, 'POST', `/tasks/${id}:technical:1/decision`, { decision: 'approve' })).statusCode).toBe(200);
};

beforeAll(async () => {
  env = await startTestEnv({ timing: { correctionDeadlineMs: LONG, agencyHoldDeadlineMs: LONG } });
  await env.db.db.execute(sql`update task_slas set working_days = ${HEALTH_SLA_SECONDS / 86_400} where kind = 'health_review'`);
  const shop = () => commercialApplication();
  const withCr = (cr: string) => {
    const b = shop();
    return { ...b, establishment: { ...b.establishment, crNumber: cr } };
  };
  const incomplete = shop();
  const small = shop();
  const marked = shop();
  const review = { stage: 'review' };
  const both = ['health_review', 'technical_review'] as const;
  const add = async (c: Promise<Omit<Filed, 'tasks'>>, tasks: Filed['tasks']) => cases.push({ ...(await c), tasks });
  await add(file('a', withCr(SHARED_CR), review), ['technical_review']);
  await add(file('a', healthApplication(), review), [...both]);
  await add(file('a', { ...incomplete, documents: incomplete.documents.filter((d) => d.type !== 'civil_defense') }, { stage: 'awaiting_correction' }), ['applicant_correction']);
  await add(file('b', { ...marked, establishment: { ...marked.establishment, tradeName: MARKED_TRADE_NAME } }, review), ['technical_review']);
  await add(file('b', healthApplication(), review), [...both]);
  await add(file('a', shop(), { status: 'issued' }, approveTechnical('inspector')), []);
  // A CR ending in 8: Zakat & Income finds it non-compliant, and the case waits on hold.
  await add(file('a', withCr(crNumber(8)), { stage: 'on_hold' }, approveTechnical('inspector')), []);
  await add(file('b', { ...small, establishment: { ...small.establishment, areaSqm: 1 } }, { status: 'excluded' }), []);
  // A second application for the first one's establishment.
  await add(file('a', withCr(SHARED_CR), review), ['technical_review']);
  // One task held, by office A's inspector.
  expect((await call(env.api, 'inspector', 'POST', `/tasks/${cases[0]!.id}:technical:1/claim`)).statusCode).toBe(200);
  // The one priority no workflow sets: by hand (0–1, below an escalation), as an operator would. Without it every
  // priority here would follow the due times (an escalated task is the one whose due time passed) and the sort
  // by priority could not be told from the sort by due time. The last case's technical review, due last of all.
  await env.db.db.execute(sql`update tasks set priority = 1 where id = ${`${cases.at(-1)!.id}:technical:1`}`);
  // The health reviews' SLA has run out: each is escalated.
  await waitFor('both health reviews escalated', async () => {
    const items = (await call(env.api, 'supervisor', 'GET', '/tasks?kind=health_review&limit=100')).json().items as { priority: number; overdue: boolean }[];
    return items.length === 2 && items.every((t) => t.overdue && t.priority > 0) ? true : undefined;
  });
}, 180_000);
afterAll(async () => {
  await env?.close();
});

/** A query as a test names it (stable across runs) with this run's office ids and shared CR number. */
const named = (query: string) =>
  query.replace('officeId=A', `officeId=${env.offices.a}`).replace('officeId=B', `officeId=${env.offices.b}`).replace('=SHARED', `=${SHARED_CR}`);

/** Pages of one (every item is once the cursor) and of three (a page holds several, and ends anywhere). */
const PAGE_SIZES = [1, 3];

/** Every page of a list, following nextCursor; each item's key once. */
async function allPages<T>(who: Who, path: string, limit: number, key: (item: T) => string): Promise<T[]> {
  const seen: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await call(env.api, who, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { items: T[]; nextCursor: string | null };
    expect(body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) break;
    expect(page, 'more pages than items').toBeLessThan(100);
  }
  const keys = seen.map(key);
  expect(new Set(keys).size, `repeats in ${path}`).toBe(keys.length);
  return seen;
}

describe('GET /applications', () => {
  const newestFirst = () => [...cases].reverse();
  /** What one caller's list holds, in order: on one page, and the same over pages (see PAGE_SIZES). */
  async function listed(path: string, who: Who = 'supervisor'): Promise<string[]> {
    const one = await allPages<{ id: string }>(who, path, 100, (a) => a.id);
    for (const size of PAGE_SIZES) expect((await allPages<{ id: string }>(who, path, size, (a) => a.id)).map((a) => a.id)).toEqual(one.map((a) => a.id));
    return one.map((a) => a.id);
  }
  const ids = (pred: (c: Filed) => boolean) => newestFirst().filter(pred).map((c) => c.id);

  it('lists newest first, and pages through every case once', async () => {
    expect(await listed('/applications')).toEqual(ids(() => true));
  });

  it.each<[string, (c: Filed) => boolean]>([
    ['status=in_progress', (c) => c.status === 'in_progress'],
    ['status=issued', (c) => c.status === 'issued'],
    ['status=excluded', (c) => c.status === 'excluded'],
    ['stage=review', (c) => c.stage === 'review'],
    ['stage=awaiting_correction', (c) => c.stage === 'awaiting_correction'],
    ['stage=on_hold', (c) => c.stage === 'on_hold'],
    ['stage=closed', (c) => c.stage === 'closed'],
    ['licenseKind=health', (c) => c.kind === 'health'],
    ['licenseKind=commercial', (c) => c.kind === 'commercial'],
    ['waitingOn=applicant', (c) => c.waitingOn.includes('applicant')],
    ['waitingOn=health_specialist', (c) => c.waitingOn.includes('health_specialist')],
    ['waitingOn=technical_inspector', (c) => c.waitingOn.includes('technical_inspector')],
    ['waitingOn=zakat', (c) => c.waitingOn.includes('zakat')],
    ['officeId=A', (c) => c.office === 'a'],
    ['officeId=B', (c) => c.office === 'b'],
    ['crNumber=SHARED', (c) => c.crNumber === SHARED_CR],
    ['officeId=A&stage=review&licenseKind=commercial', (c) => c.office === 'a' && c.stage === 'review' && c.kind === 'commercial'],
  ])('%s narrows to exactly those cases', async (query, pred) => {
    const q = named(query);
    const want = ids(pred);
    expect(want.length, 'the scenario has cases of this kind').toBeGreaterThan(0);
    expect(want.length, 'and cases of other kinds').toBeLessThan(cases.length);
    expect(await listed(`/applications?${q}`)).toEqual(want);
  });

  it("an office's clerk sees their office's cases alone, in the same order", async () => {
    expect(await listed('/applications', 'clerkB')).toEqual(ids((c) => c.office === 'b'));
    expect(await listed(`/applications?status=in_progress`, 'clerk')).toEqual(ids((c) => c.office === 'a' && c.status === 'in_progress'));
  });
});

describe('GET /tasks', () => {
  interface Task {
    id: string;
    applicationId: string;
    kind: string;
    officeId: string;
    status: string;
    assignee: string | null;
    priority: number;
    createdAt: string;
    dueAt: string;
    overdue: boolean;
  }
  const key = (t: Pick<Task, 'applicationId' | 'kind'>) => `${t.applicationId}/${t.kind}`;
  /** The active tasks as the test opened them: case by case, each case's in the workflow's order (health before technical). */
  const opened = () => cases.flatMap((c) => c.tasks.map((kind) => ({ key: `${c.id}/${kind}`, c, kind })));
  async function tasks(query: string, who: Who = 'supervisor'): Promise<Task[]> {
    const path = `/tasks?${query}`;
    const one = await allPages<Task>(who, path, 100, (t) => t.id);
    for (const size of PAGE_SIZES) expect((await allPages<Task>(who, path, size, (t) => t.id)).map((t) => t.id)).toEqual(one.map((t) => t.id));
    return one;
  }
  const keysOf = (ts: Task[]) => ts.map(key);
  const sameSet = (ts: Task[], pred: (o: ReturnType<typeof opened>[number]) => boolean) =>
    expect(keysOf(ts).sort()).toEqual(opened().filter(pred).map((o) => o.key).sort());

  it('sort=created: in the order the cases opened them, every task once over the pages', async () => {
    expect(keysOf(await tasks('sort=created'))).toEqual(opened().map((o) => o.key));
  });

  it('sort=due: soonest due first (the overdue health reviews, then the correction, then the technical reviews)', async () => {
    const byDue = await tasks('sort=due');
    const due = byDue.map((t) => `${t.dueAt}|${t.id}`);
    expect(due).toEqual([...due].sort());
    expect(byDue.map((t) => t.kind)).toEqual(['health_review', 'health_review', 'applicant_correction', 'technical_review', 'technical_review', 'technical_review', 'technical_review', 'technical_review']);
    sameSet(byDue, () => true);
  });

  it('sort=priority: the escalated reviews first, then the one raised by hand, then by due time', async () => {
    const byPriority = await tasks('sort=priority');
    expect(byPriority.slice(0, 3).map((t) => [key(t), t.priority])).toEqual([
      [`${cases[1]!.id}/health_review`, 2],
      [`${cases[4]!.id}/health_review`, 2],
      [`${cases.at(-1)!.id}/technical_review`, 1],
    ]);
    const order = byPriority.map((t) => [-t.priority, t.dueAt, t.id] as const);
    expect(order).toEqual([...order].sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]) || x[2].localeCompare(y[2])));
    sameSet(byPriority, () => true);
  });

  it.each<[string, (o: ReturnType<typeof opened>[number]) => boolean]>([
    ['kind=health_review', (o) => o.kind === 'health_review'],
    ['kind=applicant_correction', (o) => o.kind === 'applicant_correction'],
    ['role=technical_inspector', (o) => o.kind === 'technical_review'],
    ['officeId=B', (o) => o.c.office === 'b'],
    ['licenseKind=health', (o) => o.c.kind === 'health'],
    [`q=${MARKED_TRADE_NAME.split(' ')[1]}`, (o) => o.c.id === cases[3]!.id],
    ['q=SHARED', (o) => o.c.crNumber === SHARED_CR],
    ['overdue=true', (o) => o.kind === 'health_review'],
    ['overdue=false', (o) => o.kind !== 'health_review'],
    ['status=claimed', (o) => o.c.id === cases[0]!.id],
    ['assignee=unassigned', (o) => o.c.id !== cases[0]!.id],
  ])('%s narrows to exactly those tasks, under every sort', async (query, pred) => {
    const q = named(query);
    for (const sort of ['due', 'created', 'priority']) sameSet(await tasks(`${q}&sort=${sort}`), pred);
  });

  it('assignee, dueBefore and status=completed narrow exactly too', async () => {
    const held = [`${cases[0]!.id}/technical_review`];
    expect(keysOf(await tasks('assignee=me', 'inspector'))).toEqual(held);
    expect(keysOf(await tasks(`assignee=${env.users.inspector.sub}`))).toEqual(held);
    // Due within the hour: the health reviews' seconds and the correction's minutes, not the technical reviews' days.
    sameSet(await tasks(`dueBefore=${new Date(Date.now() + 3_600_000).toISOString()}`), (o) => o.kind !== 'technical_review');
    const decided = cases.filter((c) => c.status === 'issued' || c.stage === 'on_hold').map((c) => `${c.id}/technical_review`);
    expect(keysOf(await tasks('status=completed')).sort()).toEqual(decided.sort());
  });

  it("an office's reviewer sees their office's tasks alone", async () => {
    expect(keysOf(await tasks('sort=created', 'inspectorB'))).toEqual(opened().filter((o) => o.c.office === 'b').map((o) => o.key));
  });
});
