// The reviewer workbench on the real Temporal server and PostgreSQL: the inbox
// agrees with the workflow after every step, one holder per task, only the
// holder decides, separation of duties, the inbox's filters, counts and paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { applications, offices, officeStaff, smsOutbox, tasks } from '../db/schema';
import type { Role } from '../domain/access';
import type { TokenClaims } from '../identity/issuer';
import { getStateQuery } from '../workflows/application/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call, commercialApplication, getApp, healthApplication, submit, submitOk, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

type Task = { id: string; kind: string; status: string; assignee: string | null; requiredRole: string; officeId: string; dueAt: string; decision: string | null };

/** Someone of office A with these roles (a token the identity provider would issue). */
const person = (sub: string, ...roles: Role[]): TokenClaims => ({ sub, roles, officeId: env.offices.a, name: sub });
async function as(claims: TokenClaims, method: 'GET' | 'POST', url: string, payload?: unknown) {
  return env.api.inject({ method, url, headers: { authorization: `Bearer ${await env.token(claims)}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
}

const tasksOf = async (id: string): Promise<Task[]> =>
  (await call(env.api, 'supervisor', 'GET', `/tasks?status=active&q=${id}&limit=100`)).json().items;
const allTasksOf = async (id: string) => (await env.db.db.select().from(tasks).where(eq(tasks.applicationId, id))).sort((a, b) => a.id.localeCompare(b.id));

/** The task as stored, read by a supervisor. */
const stored = async (taskId: string) => (await call(env.api, 'supervisor', 'GET', `/tasks/${taskId}`)).json();

/** The inbox and the workflow agree: the same open tasks, the same holders. */
async function agrees(id: string): Promise<void> {
  await waitFor(`${id}: inbox agrees with the workflow`, async () => {
    const state = await env.client.workflow.getHandle(id).query(getStateQuery);
    const inbox = await tasksOf(id);
    const fromWorkflow = Object.entries(state.tasks).map(([tid, t]) => `${tid}=${t.holder ?? '-'}`).sort();
    const fromInbox = inbox.map((t) => `${t.id}=${t.assignee ?? '-'}`).sort();
    return JSON.stringify(fromWorkflow) === JSON.stringify(fromInbox) ? true : undefined;
  });
}

describe('the inbox follows the case', () => {
  it('agrees with the workflow after every step, from correction to issuance', async () => {
    const body = healthApplication();
    const id = await submitOk(env.api, { ...body, documents: body.documents.filter((d) => d.type !== 'civil_defense') });
    await waitForStage(env.api, id, 'awaiting_correction');
    await agrees(id);
    const [correction] = await tasksOf(id);
    expect(correction).toMatchObject({ kind: 'applicant_correction', requiredRole: 'applicant', status: 'open', assignee: null, officeId: env.offices.a });
    const detail = await call(env.api, 'supervisor', 'GET', `/applications/${id}`);
    expect(correction!.dueAt).toBe(detail.json().correctionDueAt);

    await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: body.documents });
    await waitForStage(env.api, id, 'review');
    await agrees(id);
    const reviews = await tasksOf(id);
    expect(reviews.map((t) => t.kind).sort()).toEqual(['health_review', 'technical_review']);
    expect(reviews.every((t) => t.status === 'open' && new Date(t.dueAt) > new Date())).toBe(true);
    expect((await allTasksOf(id)).find((t) => t.kind === 'applicant_correction')).toMatchObject({ status: 'completed', decision: 'corrected' });

    const health = `${id}:health:1`;
    const claimed = await call(env.api, 'health', 'POST', `/tasks/${health}/claim`);
    expect(claimed.json()).toMatchObject({ status: 'claimed', assignee: env.users.health.sub });
    // The answer is built from the change the workflow wrote, not read back: it must be the stored task.
    expect(claimed.json()).toEqual(await stored(health));
    await agrees(id);
    const decided = await call(env.api, 'health', 'POST', `/tasks/${health}/decision`, { decision: 'approve', comment: 'kitchen fine' });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'completed', decision: 'approve', comment: 'kitchen fine' });
    expect(decided.json()).toEqual(await stored(health));
    await agrees(id);

    const technical = `${id}:technical:1`;
    await call(env.api, 'inspector', 'POST', `/tasks/${technical}/claim`);
    const approved = await call(env.api, 'inspector', 'POST', `/tasks/${technical}/decision`, { decision: 'approve', reasons: ['SITE_OK'] });
    expect(approved.json()).toEqual(await stored(technical));
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    await agrees(id);
    expect(await tasksOf(id)).toEqual([]);
    // The case's audit trail has its tasks' claims and decisions, each naming the task.
    const trail = (await call(env.api, 'auditor', 'GET', `/audit?applicationId=${id}&limit=100`)).json().items as { route: string; details: { taskId?: string } }[];
    expect(trail.filter((r) => r.route === '/tasks/:id/claim').map((r) => r.details.taskId).sort()).toEqual([health, technical]);
    expect(trail.filter((r) => r.route === '/tasks/:id/decision')).toHaveLength(2);
    expect((await allTasksOf(id)).map((t) => `${t.kind}:${t.status}`)).toEqual([
      'applicant_correction:completed',
      'health_review:completed',
      'technical_review:completed',
    ]);
  });

  it('cancels the other review when one rejects, and moves open tasks with the case to another office', async () => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/claim`);
    await call(env.api, 'supervisor', 'POST', `/applications/${id}/office`, { officeId: env.offices.b, reason: 'balancing' });
    await agrees(id);
    const moved = await tasksOf(id);
    expect(moved.every((t) => t.officeId === env.offices.b && t.assignee === null && t.status === 'open')).toBe(true);
    // Office A's inspector held it; now only office B sees it.
    expect((await call(env.api, 'inspector', 'GET', `/tasks/${id}:technical:1`)).statusCode).toBe(404);
    expect((await call(env.api, 'inspectorB', 'GET', `/tasks/${id}:technical:1`)).statusCode).toBe(200);

    await call(env.api, 'healthB', 'POST', `/tasks/${id}:health:1/claim`);
    await call(env.api, 'healthB', 'POST', `/tasks/${id}:health:1/decision`, { decision: 'reject', reasons: ['PEST_CONTROL'] });
    await waitForApp(env.api, id, 'rejected', (a) => a.status === 'rejected');
    expect((await allTasksOf(id)).map((t) => `${t.kind}:${t.status}`)).toEqual(['health_review:completed', 'technical_review:cancelled']);
    const late = await call(env.api, 'inspectorB', 'POST', `/tasks/${id}:technical:1/claim`);
    expect(late.statusCode).toBe(409);
  });
});

describe('holding a task', () => {
  it('lets exactly one of twenty concurrent claimers win; the others learn who holds it', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const task = `${id}:technical:1`;
    const claimers = Array.from({ length: 20 }, (_, i) => person(`inspector-${i}`, 'technical_inspector'));
    const answers = await Promise.all(claimers.map((c) => as(c, 'POST', `/tasks/${task}/claim`)));
    const winners = answers.filter((a) => a.statusCode === 200);
    expect(winners).toHaveLength(1);
    const holder = winners[0]!.json().assignee as string;
    for (const a of answers.filter((x) => x.statusCode !== 200)) {
      expect(a.statusCode).toBe(409);
      expect(a.json().message).toContain(`held by ${holder}`);
    }
    await agrees(id);
  });

  it('only the holder decides; the holder or a supervisor releases; a supervisor reassigns', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const task = `${id}:technical:1`;
    const other = person('inspector-other', 'technical_inspector');

    const unclaimed = await call(env.api, 'inspector', 'POST', `/tasks/${task}/decision`, { decision: 'approve' });
    expect(unclaimed.statusCode).toBe(409);
    expect(unclaimed.json().message).toMatch(/claim the technical review/);

    await call(env.api, 'inspector', 'POST', `/tasks/${task}/claim`);
    const notMine = await as(other, 'POST', `/tasks/${task}/decision`, { decision: 'approve' });
    expect(notMine.statusCode).toBe(409);
    expect(notMine.json().message).toContain(`held by ${env.users.inspector.sub}`);
    expect((await as(other, 'POST', `/tasks/${task}/release`)).statusCode).toBe(409);
    // A claim by the holder again is harmless.
    expect((await call(env.api, 'inspector', 'POST', `/tasks/${task}/claim`)).statusCode).toBe(200);

    const released = await call(env.api, 'inspector', 'POST', `/tasks/${task}/release`);
    expect(released.json()).toMatchObject({ status: 'open', assignee: null, claimedAt: null });
    expect(released.json()).toEqual(await stored(task));
    await agrees(id);

    // Reassignment: supervisors only, to a reviewer of the task's office with the task's role.
    expect((await call(env.api, 'manager', 'POST', `/tasks/${task}/reassign`, { assignee: env.users.inspector.sub })).statusCode).toBe(403);
    const stranger = await call(env.api, 'supervisor', 'POST', `/tasks/${task}/reassign`, { assignee: 'somebody-else' });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json().field).toBe('body/assignee');
    const given = await call(env.api, 'supervisor', 'POST', `/tasks/${task}/reassign`, { assignee: env.users.inspector.sub, reason: 'the other inspector is on leave' });
    expect(given.json()).toMatchObject({ status: 'claimed', assignee: env.users.inspector.sub });
    // Who and why: in the audit log and on the case's timeline.
    const trail = (await call(env.api, 'auditor', 'GET', `/audit?applicationId=${id}&limit=100`)).json().items as { route: string; statusCode: number; actor: { id: string }; details: { reason?: string } }[];
    expect(trail.find((r) => r.route === '/tasks/:id/reassign' && r.statusCode === 200)).toMatchObject({ details: { reason: 'the other inspector is on leave' }, actor: { id: env.users.supervisor.sub } });
    const timeline = (await call(env.api, 'supervisor', 'GET', `/applications/${id}`)).json().timeline as { event: string; details: { reason?: string } }[];
    expect(timeline.find((e) => e.event === 'task_reassigned')?.details.reason).toBe('the other inspector is on leave');
    expect(given.json()).toEqual(await stored(task));
    // A supervisor may also take a claim back.
    expect((await call(env.api, 'supervisor', 'POST', `/tasks/${task}/release`)).json()).toMatchObject({ status: 'open', assignee: null });
    await agrees(id);

    await call(env.api, 'inspector', 'POST', `/tasks/${task}/claim`);
    const wrongRole = await call(env.api, 'health', 'POST', `/tasks/${task}/claim`);
    expect(wrongRole.statusCode).toBe(403);
    expect((await call(env.api, 'inspector', 'POST', `/tasks/${task}/decision`, { decision: 'approve' })).statusCode).toBe(200);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
  });
});

describe('separation of duties', () => {
  it('whoever filed or corrected a case cannot review it, and one person cannot make both decisions', async () => {
    // One person with several hats, as small offices have.
    const filer = person('clerk-and-inspector', 'office_clerk', 'technical_inspector');
    const body = healthApplication();
    const filed = await as(filer, 'POST', '/applications', { ...body, documents: body.documents.filter((d) => d.type !== 'civil_defense') });
    expect(filed.statusCode, filed.body).toBe(201);
    const id = filed.json().id as string;
    await waitForStage(env.api, id, 'awaiting_correction');
    const corrector = person('clerk-and-specialist', 'office_clerk', 'health_specialist');
    expect((await as(corrector, 'POST', `/applications/${id}/corrections`, { documents: body.documents })).statusCode).toBe(200);
    await waitForStage(env.api, id, 'review');

    const byFiler = await as(filer, 'POST', `/tasks/${id}:technical:1/claim`);
    expect(byFiler.statusCode).toBe(409);
    expect(byFiler.json().message).toMatch(/filed this application/);
    const byCorrector = await as(corrector, 'POST', `/tasks/${id}:health:1/claim`);
    expect(byCorrector.statusCode).toBe(409);
    expect(byCorrector.json().message).toMatch(/corrected this application/);

    const both = person('both-hats', 'health_specialist', 'technical_inspector');
    expect((await as(both, 'POST', `/tasks/${id}:health:1/claim`)).statusCode).toBe(200);
    const second = await as(both, 'POST', `/tasks/${id}:technical:1/claim`);
    expect(second.statusCode).toBe(409);
    expect(second.json().message).toMatch(/one person cannot make both decisions/);
    // Nor can a supervisor hand it to them, though they are one of the office's technical inspectors.
    await env.db.db.insert(officeStaff).values({ officeId: env.offices.a, userId: 'both-hats', name: 'Both Hats', role: 'technical_inspector' });
    const handed = await call(env.api, 'supervisor', 'POST', `/tasks/${id}:technical:1/reassign`, { assignee: 'both-hats' });
    expect(handed.statusCode, handed.body).toBe(409);
    expect(handed.json()).toMatchObject({ error: 'refused', message: expect.stringMatching(/one person cannot make both decisions/) });
    await agrees(id);
  });
});

describe('the inbox', () => {
  it('filters, sorts, pages and counts what a reviewer sees', async () => {
    const mark = `Workbench ${Date.now().toString(36)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const b = commercialApplication();
      ids.push(await submitOk(env.api, { ...b, establishment: { ...b.establishment, tradeName: `${mark} ${i}` } }));
    }
    for (const id of ids) await waitForStage(env.api, id, 'review');
    await call(env.api, 'inspector', 'POST', `/tasks/${ids[0]}:technical:1/claim`);

    const list = async (who: 'inspector' | 'inspectorB' | 'supervisor', query: string) => (await call(env.api, who, 'GET', `/tasks?${query}`)).json();
    const search = `q=${encodeURIComponent(mark)}`;
    expect((await list('inspector', `${search}&limit=100`)).items).toHaveLength(5);
    expect((await list('inspectorB', `${search}&limit=100`)).items).toHaveLength(0);
    expect((await list('inspector', `${search}&assignee=me`)).items.map((t: Task) => t.id)).toEqual([`${ids[0]}:technical:1`]);
    expect((await list('inspector', `${search}&assignee=unassigned&limit=100`)).items).toHaveLength(4);
    expect((await list('inspector', `q=${ids[3]}`)).items.map((t: Task) => t.id)).toEqual([`${ids[3]}:technical:1`]);

    // Keyset pages by creation time: every task once, in order.
    const seen: (Task & { createdAt: string })[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: (Task & { createdAt: string })[]; nextCursor: string | null } = await list('inspector', `${search}&sort=created&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((t) => t.id).sort()).toEqual(ids.map((id) => `${id}:technical:1`).sort());
    const order = seen.map((t) => `${t.createdAt}|${t.id}`);
    expect(order).toEqual([...order].sort());
    const byPriority = await list('inspector', `${search}&sort=priority&limit=3`);
    expect(byPriority.items).toHaveLength(3);
    const rest = await list('inspector', `${search}&sort=priority&limit=3&cursor=${byPriority.nextCursor}`);
    expect(new Set([...byPriority.items, ...rest.items].map((t: Task) => t.id)).size).toBe(5);

    const counts = (await call(env.api, 'inspector', 'GET', `/tasks/counts?${search}`)).json();
    expect(counts).toMatchObject({ active: 5, open: 4, claimed: 1, mine: 1, unassigned: 4, overdue: 0, byKind: { technical_review: 5, health_review: 0 } });
    expect((await call(env.api, 'inspector', 'GET', `/tasks?${search}&overdue=true`)).json().items).toEqual([]);
  });

  it('answers 400 naming the bad filter', async () => {
    const cases: [string, string][] = [
      ['status=sleeping', 'querystring/status'],
      ['sort=alphabetical', 'querystring/sort'],
      ['kind=site_visit', 'querystring/kind'],
      ['q=x', 'querystring/q'],
      ['limit=1000', 'querystring/limit'],
      ['dueBefore=tomorrow', 'querystring/dueBefore'],
      ['cursor=bm9wZQ', 'querystring/cursor'],
      ['officeId=office-1', 'querystring/officeId'],
    ];
    for (const [query, field] of cases) {
      const res = await call(env.api, 'supervisor', 'GET', `/tasks?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().field, query).toBe(field);
    }
    expect((await call(env.api, 'supervisor', 'GET', '/tasks/not-a-task')).json().field).toBe('params/id');
  });
});

describe('comments', () => {
  it('keeps staff comments on a case in order, out of the applicant’s and other offices’ sight', async () => {
    const own = { ...commercialApplication().applicant, nationalId: env.users.applicant.nationalId! };
    const res = await submit(env.api, { ...commercialApplication(), applicant: own, officeId: env.offices.a }, undefined, 'applicant');
    const id = res.json().id as string;
    expect((await call(env.api, 'inspector', 'POST', `/applications/${id}/comments`, { body: 'storefront photo is blurry' })).statusCode).toBe(201);
    expect((await call(env.api, 'supervisor', 'POST', `/applications/${id}/comments`, { body: 'ask for a new one' })).statusCode).toBe(201);
    const listed = (await call(env.api, 'clerk', 'GET', `/applications/${id}/comments`)).json().items;
    expect(listed.map((c: { body: string; authorId: string }) => [c.authorId, c.body])).toEqual([
      [env.users.inspector.sub, 'storefront photo is blurry'],
      [env.users.supervisor.sub, 'ask for a new one'],
    ]);
    expect((await call(env.api, 'applicant', 'GET', `/applications/${id}/comments`)).statusCode).toBe(403);
    expect((await call(env.api, 'clerkB', 'GET', `/applications/${id}/comments`)).statusCode).toBe(404);
    expect((await call(env.api, 'auditor', 'POST', `/applications/${id}/comments`, { body: 'x' })).statusCode).toBe(403);
  });
});

describe('time', () => {
  /**
   * SLAs of seconds (every day is a working day here), with room for a loaded
   * machine: the technical review is due 24 s after the review opens, reminded
   * at 4.8 s, so deciding it "in time" has 19 s to land; the health review is
   * due later (30 s), so by the time its escalation is recorded the technical
   * review's due time has passed in the workflow too.
   */
  const TECHNICAL_SLA_MS = 24_000;
  const HEALTH_SLA_MS = 30_000;
  const REMIND_SHARE = 0.2;
  /** The visit's reminder comes this long before it: the visit is booked 30 s ahead, so it is reminded 10 s after. */
  const VISIT_REMINDER_BEFORE_MS = 20_000;
  const VISIT_AHEAD_MS = 30_000;
  let timed: TestEnv;
  beforeAll(async () => {
    timed = await startTestEnv({ timing: { visitReminderBeforeMs: VISIT_REMINDER_BEFORE_MS } });
    const sla = (kind: string, ms: number) =>
      timed.db.db.execute(sql`update task_slas set working_days = ${ms / 86_400_000}, remind_at_share = ${REMIND_SHARE} where kind = ${kind}`);
    await sla('technical_review', TECHNICAL_SLA_MS);
    await sla('health_review', HEALTH_SLA_MS);
  });
  afterAll(async () => {
    await timed?.close();
  });

  type Entry = { event: string; at: string; details?: Record<string, unknown> };
  /** The workflow's own time of the case's first (or last) transition of that kind. */
  const at = (timeline: Entry[], event: string, which: 'first' | 'last' = 'first') => {
    const found = timeline.filter((e) => e.event === event);
    const e = which === 'first' ? found[0] : found[found.length - 1];
    if (!e) throw new Error(`no ${event} in the timeline: ${timeline.map((x) => x.event).join(', ')}`);
    return Date.parse(e.at);
  };
  /**
   * A task's clock starts with the conditions check that opens the review: its
   * due time less the SLA lies between the transition before that check and the
   * review_started transition after it (the workflow's own times; 1 ms for the
   * calendar's floating point).
   */
  const expectClockFrom = (dueAt: string, slaMs: number, after: number, reviewStarted: number) => {
    const from = Date.parse(dueAt) - slaMs;
    expect(from, 'the clock started before the step that opened the review').toBeGreaterThanOrEqual(after - 1);
    expect(from, 'the clock started after the review opened').toBeLessThanOrEqual(reviewStarted + 1);
  };

  it('reminds the office, then escalates an overdue review: priority up, the office told, the case overdue', async () => {
    const id = await submitOk(timed.api, healthApplication());
    const opened = await waitForStage(timed.api, id, 'review');
    const officeMobile = (await timed.db.db.select().from(offices).where(eq(offices.id, timed.offices.a)))[0]!.data.mobile;
    const review = (await call(timed.api, 'supervisor', 'GET', `/tasks?q=${id}`)).json().items as Task[];
    const reviewStarted = at(opened.timeline, 'review_started');
    const sla = (t: Task) => (t.kind === 'health_review' ? HEALTH_SLA_MS : TECHNICAL_SLA_MS);
    expect(review.map((t) => t.id).sort()).toEqual([`${id}:health:1`, `${id}:technical:1`]);
    for (const t of review) expectClockFrom(t.dueAt, sla(t), at(opened.timeline, 'submitted'), reviewStarted);
    const technicalDue = review.find((t) => t.kind === 'technical_review')!.dueAt;

    await call(timed.api, 'inspector', 'POST', `/tasks/${id}:technical:1/claim`);
    const sms = () => timed.db.db.select().from(smsOutbox).where(and(eq(smsOutbox.applicationId, id), eq(smsOutbox.mobile, officeMobile)));
    await waitFor('reminders to the office', async () => ((await sms()).filter((m) => m.event === 'task_reminder').length === 2 ? true : undefined), { timeoutMs: 60_000 });
    expect((await sms()).every((m) => m.bodyEn.includes(id))).toBe(true);
    // Deciding the technical review in time stops its clock.
    const decided = await call(timed.api, 'inspector', 'POST', `/tasks/${id}:technical:1/decision`, { decision: 'approve' });
    expect(decided.statusCode, decided.body).toBe(200);
    const technical = (await getApp(timed.api, id)).reviews.find((r: { kind: string }) => r.kind === 'technical');
    expect(Date.parse(technical.decidedAt), 'the technical decision came after its due time (the machine is too slow for this test)').toBeLessThan(Date.parse(technicalDue));

    // The health review's escalation is due after the technical review's due time: the one clock that
    // handles both acts on them in the order they fall due, so once this is recorded, a technical
    // escalation (had deciding not stopped its clock) would have been recorded before it.
    const overdue = await waitForApp(timed.api, id, 'overdue', (a) => a.timeline.some((e: { event: string }) => e.event === 'task_overdue'), 90_000);
    expect(overdue.timeline.filter((e: { event: string }) => e.event === 'task_overdue').map((e: { details: { taskId: string } }) => e.details.taskId)).toEqual([`${id}:health:1`]);
    expect(at(overdue.timeline, 'task_overdue')).toBeGreaterThanOrEqual(Date.parse(technicalDue));
    const [health] = (await call(timed.api, 'health', 'GET', `/tasks?q=${id}&overdue=true`)).json().items as (Task & { priority: number; overdue: boolean })[];
    expect(health).toMatchObject({ id: `${id}:health:1`, priority: 2, overdue: true });
    await waitFor('the case marked overdue', async () => ((await timed.db.db.select().from(applications).where(eq(applications.id, id)))[0]!.overdue ? true : undefined));
    // The office's text and the supervisors' notification follow the escalation (one statement).
    const escalated = await waitFor('the office told', async () => {
      const texts = (await sms()).filter((m) => m.event === 'task_overdue');
      return texts.length > 0 ? texts : undefined;
    });
    expect(escalated.map((m) => m.dedupeKey)).toEqual([`${id}:health:1:overdue`]);
    const counts = (await call(timed.api, 'health', 'GET', `/tasks/counts?q=${id}`)).json();
    expect(counts.overdue).toBe(1);
    // The municipality's supervisors and the office's manager are told; another office's manager is not.
    const forSupervisor = (await call(timed.api, 'supervisor', 'GET', '/notifications?unacknowledged=true')).json().items as { id: number; taskId: string }[];
    const note = forSupervisor.find((n) => n.taskId === `${id}:health:1`)!;
    expect(note).toBeTruthy();
    expect((await call(timed.api, 'manager', 'GET', '/notifications')).json().items.map((n: { taskId: string }) => n.taskId)).toContain(`${id}:health:1`);
    expect((await call(timed.api, 'managerB', 'GET', '/notifications')).json().items).toEqual([]);
    expect((await call(timed.api, 'supervisor', 'POST', `/notifications/${note.id}/acknowledge`)).json()).toMatchObject({ acknowledgedBy: timed.users.supervisor.sub });
    expect((await call(timed.api, 'supervisor', 'GET', '/notifications?unacknowledged=true')).json().items.some((n: { id: number }) => n.id === note.id)).toBe(false);
    expect((await call(timed.api, 'managerB', 'POST', `/notifications/${note.id}/acknowledge`)).statusCode).toBe(404);

    // Late, but decided: the case is no longer overdue and goes on.
    await call(timed.api, 'health', 'POST', `/tasks/${id}:health:1/claim`);
    await call(timed.api, 'health', 'POST', `/tasks/${id}:health:1/decision`, { decision: 'approve' });
    const issued = await waitForApp(timed.api, id, 'issued', (a) => a.status === 'issued');
    expect(issued.timeline.filter((e: { event: string }) => e.event === 'task_overdue')).toHaveLength(1);
    expect((await timed.db.db.select().from(applications).where(eq(applications.id, id)))[0]!.overdue).toBe(false);
  }, 180_000);

  it('does not count the applicant’s time against the office: a review’s clock starts when the review does', async () => {
    const body = commercialApplication();
    const id = await submitOk(timed.api, { ...body, documents: body.documents.filter((d) => d.type !== 'civil_defense') });
    const waiting = await waitForStage(timed.api, id, 'awaiting_correction');
    const submitted = at(waiting.timeline, 'submitted');
    // The applicant takes longer than the whole review SLA to answer: past the time a review opened
    // at submission would have been due.
    await waitFor('the review SLA to run out since submission', () => Date.now() > submitted + TECHNICAL_SLA_MS, { timeoutMs: TECHNICAL_SLA_MS + 30_000, intervalMs: 250 });
    const corrected = await call(timed.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: body.documents });
    expect(corrected.statusCode, corrected.body).toBe(200);
    const opened = await waitForStage(timed.api, id, 'review');
    const [task] = (await call(timed.api, 'supervisor', 'GET', `/tasks?q=${id}&kind=technical_review`)).json().items as Task[];
    const reviewStarted = at(opened.timeline, 'review_started', 'last');
    expect(reviewStarted - submitted, 'the correction came within the SLA of the submission').toBeGreaterThan(TECHNICAL_SLA_MS);
    // Due an SLA after the review opened (after the correction), not after the submission.
    expectClockFrom(task!.dueAt, TECHNICAL_SLA_MS, at(opened.timeline, 'correction_received', 'last'), reviewStarted);
  }, 120_000);

  it('turns the technical review of an owner of five or more shops into a home visit, proposed, moved, reminded, then decided', async () => {
    const b = commercialApplication();
    const id = await submitOk(timed.api, { ...b, establishment: { ...b.establishment, establishmentsOwned: 6 } });
    const inReview = await waitForStage(timed.api, id, 'review');
    expect(inReview.visit).toEqual({ status: 'to_schedule' });
    const task = `${id}:technical:1`;
    await call(timed.api, 'inspector', 'POST', `/tasks/${task}/claim`);
    const tooEarly = await call(timed.api, 'inspector', 'POST', `/tasks/${task}/decision`, { decision: 'approve' });
    expect(tooEarly.statusCode).toBe(409);
    expect(tooEarly.json().message).toMatch(/schedule the home visit/);
    expect((await call(timed.api, 'clerk', 'POST', `/applications/${id}/visit`, { confirm: true })).json().message).toMatch(/not proposed a visit yet/);
    const notHolder = await timed.api.inject({
      method: 'POST',
      url: `/tasks/${task}/visit`,
      headers: { authorization: `Bearer ${await timed.token({ sub: 'another-inspector', roles: ['technical_inspector'], officeId: timed.offices.a })}` },
      payload: { slot: new Date(Date.now() + 600_000).toISOString() },
    });
    expect(notHolder.statusCode).toBe(409);

    const proposed = await call(timed.api, 'inspector', 'POST', `/tasks/${task}/visit`, { slot: new Date(Date.now() + 600_000).toISOString() });
    expect(proposed.json().visit).toMatchObject({ status: 'proposed', proposedBy: timed.users.inspector.sub });
    // The applicant's office moves it to sooner; that confirms it. Far enough ahead that the calls
    // below, which must come before the visit, have room on a loaded machine.
    const slot = new Date(Date.now() + VISIT_AHEAD_MS).toISOString();
    const moved = await call(timed.api, 'clerk', 'POST', `/applications/${id}/visit`, { slot });
    expect(moved.json().visit).toMatchObject({ status: 'confirmed', slot, confirmedBy: timed.users.clerk.sub });
    const before = await call(timed.api, 'inspector', 'POST', `/tasks/${task}/decision`, { decision: 'approve' });
    expect(before.statusCode).toBe(409);
    expect(before.json().message).toMatch(/decide after it/);

    const mobile = inReview.applicant.mobile as string;
    const texts = () => timed.db.db.select().from(smsOutbox).where(and(eq(smsOutbox.applicationId, id), eq(smsOutbox.mobile, mobile)));
    await waitFor('the visit reminder', async () => ((await texts()).some((m) => m.event === 'visit_reminder') ? true : undefined), { timeoutMs: VISIT_AHEAD_MS + 30_000 });
    expect((await texts()).map((m) => m.event)).toEqual(expect.arrayContaining(['visit_proposed', 'visit_confirmed', 'visit_reminder']));
    expect((await texts()).find((m) => m.event === 'visit_confirmed')!.bodyEn).toContain(new Date(Date.parse(slot) + 3 * 3_600_000).toISOString().slice(0, 16).replace('T', ' '));
    // Reminded on its timer, in the workflow's time: not before the reminder was due.
    const reminded = await getApp(timed.api, id);
    expect(at(reminded.timeline, 'visit_reminder')).toBeGreaterThanOrEqual(Date.parse(slot) - VISIT_REMINDER_BEFORE_MS);

    // After the visit, its outcome is the technical decision (the workflow refuses it until then).
    await waitFor('the decision after the visit', async () => {
      const r = await call(timed.api, 'inspector', 'POST', `/tasks/${task}/decision`, { decision: 'approve' });
      if (r.statusCode === 409 && /decide after it/.test(r.json().message)) return undefined;
      expect(r.statusCode, r.body).toBe(200);
      return true;
    }, { timeoutMs: VISIT_AHEAD_MS + 60_000, intervalMs: 250 });
    const issued = await waitForApp(timed.api, id, 'issued', (a) => a.status === 'issued');
    const technical = issued.reviews.find((r: { kind: string }) => r.kind === 'technical');
    expect(Date.parse(technical.decidedAt), 'decided before the visit').toBeGreaterThanOrEqual(Date.parse(slot));
  }, 180_000);
});
