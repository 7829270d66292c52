// Service offices on the real Temporal server and PostgreSQL: accreditation as
// a workflow (file check, amendment, a supervisor's decision, the round's cap),
// suspension and reinstatement, and moving a suspended office's open cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { applications, smsOutbox } from '../db/schema';
import type { TokenClaims } from '../identity/issuer';
import { officeFile, startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, decide, getApp, healthApplication, submit, submitOk, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  // Long enough that no test's calls race it on a loaded machine; the lapse has an environment of its own.
  env = await startTestEnv({ officeAmendmentDeadline: '10m' });
  const round = await call(env.api, 'supervisor', 'POST', '/accreditation-rounds', { id: 'T-OPEN', name: 'Test round', cap: 50, opensOn: day(-1), closesOn: day(30) });
  expect(round.statusCode, round.body).toBe(201);
});
afterAll(async () => {
  await env?.close();
});

/** A token for someone the identity provider has mapped to an office (as it would once the office exists). */
const as = async (claims: TokenClaims) => ({ authorization: `Bearer ${await env.token(claims)}` });
const getOffice = async (id: string) => (await call(env.api, 'supervisor', 'GET', `/offices/${id}`)).json();
const waitForOffice = (id: string, what: string, pred: (o: Record<string, any>) => boolean) =>
  waitFor(`office ${id} ${what}`, async () => {
    const o = await getOffice(id);
    return pred(o) ? o : undefined;
  });

describe('accreditation', () => {
  it('checks the file, waits for the missing specialist, and accredits on the supervisor’s approval', async () => {
    const file = officeFile();
    const withoutSpecialist = { ...file, staff: file.staff.filter((m) => m.role !== 'health_specialist') };
    const applicant: TokenClaims = { sub: 'new-manager', roles: ['office_manager'], name: 'New Manager' };
    const res = await env.api.inject({ method: 'POST', url: '/offices', headers: await as(applicant), payload: withoutSpecialist });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    expect(res.headers.location).toBe(`/offices/${id}`);

    const lacking = await waitForOffice(id, 'awaiting amendment', (o) => o.waitingOn === 'office');
    expect(lacking.status).toBe('applying');
    expect(lacking.deficiencies.map((d: { code: string }) => d.code)).toEqual(['NO_HEALTH_SPECIALIST']);
    expect(lacking.roundId).toBe('T-OPEN');
    // Not accredited yet: nobody can file with it, and applicants do not see it.
    expect((await call(env.api, 'applicant', 'GET', `/offices/${id}`)).statusCode).toBe(404);
    const early = await submit(env.api, { ...commercialApplication(), officeId: id }, undefined, 'applicant');
    expect(early.statusCode).toBe(403); // the applicant's own-ID rule comes first…
    const earlyOwn = await submit(env.api, { ...commercialApplication(), applicant: { ...commercialApplication().applicant, nationalId: env.users.applicant.nationalId! }, officeId: id }, undefined, 'applicant');
    expect(earlyOwn.statusCode).toBe(400); // …then the office must be accredited
    expect(earlyOwn.json().field).toBe('body/officeId');
    // A decision now is refused by the workflow: the file is not complete.
    expect((await call(env.api, 'supervisor', 'POST', `/offices/${id}/decision`, { decision: 'approve' })).statusCode).toBe(409);

    const manager: TokenClaims = { ...applicant, officeId: id };
    const amended = await env.api.inject({ method: 'POST', url: `/offices/${id}/amendments`, headers: await as(manager), payload: { staff: file.staff, note: 'specialist hired' } });
    expect(amended.statusCode, amended.body).toBe(200);
    const ready = await waitForOffice(id, 'awaiting decision', (o) => o.waitingOn === 'supervisor');
    expect(ready.deficiencies).toEqual([]);
    expect(ready.staff.map((m: { role: string }) => m.role).sort()).toEqual(['health_specialist', 'office_clerk', 'office_manager', 'technical_inspector']);

    // A refusal needs a reason; an approval does not.
    expect((await call(env.api, 'supervisor', 'POST', `/offices/${id}/decision`, { decision: 'refuse' })).json().field).toBe('body/reason');
    const approved = await call(env.api, 'supervisor', 'POST', `/offices/${id}/decision`, { decision: 'approve', reason: 'file complete, interview passed' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'accredited', stage: 'active' });
    const office = await waitForOffice(id, 'accredited', (o) => o.status === 'accredited');
    expect(office.accreditedAt).toBeTruthy();
    expect(office.timeline.map((e: { event: string }) => e.event)).toEqual(['applied', 'amendment_requested', 'amended', 'awaiting_decision', 'accredited']);
    expect(office.timeline.find((e: { event: string }) => e.event === 'accredited').actor).toBe(env.users.supervisor.sub);

    // Its clerk can now file applications for it.
    const clerk: TokenClaims = { sub: file.staff[0]!.userId, roles: ['office_clerk'], officeId: id };
    const filed = await env.api.inject({ method: 'POST', url: '/applications', headers: await as(clerk), payload: commercialApplication() });
    expect(filed.statusCode, filed.body).toBe(201);
    expect((await getApp(env.api, filed.json().id)).officeId).toBe(id);
    // The same firm cannot open a second file.
    const again = await env.api.inject({ method: 'POST', url: '/offices', headers: await as(applicant), payload: file });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe('office_exists');
  });

  it('refuses an office with a reason', async () => {
    const manager: TokenClaims = { sub: 'manager-refused', roles: ['office_manager'] };
    const refused = (await env.api.inject({ method: 'POST', url: '/offices', headers: await as(manager), payload: officeFile() })).json().id as string;
    await waitForOffice(refused, 'awaiting decision', (o) => o.waitingOn === 'supervisor');
    const res = await call(env.api, 'supervisor', 'POST', `/offices/${refused}/decision`, { decision: 'refuse', reason: 'no site visit possible' });
    expect(res.json()).toMatchObject({ status: 'refused', stage: 'closed' });
    expect((await getOffice(refused)).statusReason).toBe('no site visit possible');
  });

  it('lets a file that is never completed lapse when its amendment deadline passes, not before', async () => {
    // A short deadline in an environment of its own: nothing here has to beat it.
    const short = await startTestEnv({ officeAmendmentDeadline: '3s' });
    try {
      expect((await call(short.api, 'supervisor', 'POST', '/accreditation-rounds', { id: 'T-LAPSE', name: 'Lapse round', cap: 5, opensOn: day(-1), closesOn: day(1) })).statusCode).toBe(201);
      const manager: TokenClaims = { sub: 'manager-lapsing', roles: ['office_manager'] };
      const filed = await short.api.inject({ method: 'POST', url: '/offices', headers: { authorization: `Bearer ${await short.token(manager)}` }, payload: { ...officeFile(), documents: [] } });
      expect(filed.statusCode, filed.body).toBe(201);
      const lapsing = filed.json().id as string;
      const lapsed = await waitFor(`office ${lapsing} lapsed`, async () => {
        const o = (await call(short.api, 'supervisor', 'GET', `/offices/${lapsing}`)).json();
        return o.status === 'refused' ? o : undefined;
      }, { timeoutMs: 60_000 });
      expect(lapsed.timeline.map((e: { event: string }) => e.event)).toEqual(['applied', 'amendment_requested', 'lapsed']);
      expect(lapsed.deficiencies.map((d: { code: string }) => d.code).sort()).toEqual(['OFFICE_DOCUMENT_MISSING', 'OFFICE_DOCUMENT_MISSING', 'OFFICE_DOCUMENT_MISSING']);
      // It lapsed on the deadline's timer, in the workflow's own time: no sooner than 3 s after asking for the amendment.
      const at = (event: string) => Date.parse(lapsed.timeline.find((e: { event: string }) => e.event === event).at);
      expect(at('lapsed') - at('amendment_requested')).toBeGreaterThanOrEqual(3_000);
    } finally {
      await short.close();
    }
  });

  it("admits no more offices than the round's cap, even when approvals race", async () => {
    const capped = await startTestEnv({ startWorker: true });
    try {
      expect((await call(capped.api, 'supervisor', 'POST', '/accreditation-rounds', { id: 'T-CAP', name: 'Capped', cap: 2, opensOn: day(-1), closesOn: day(1) })).statusCode).toBe(201);
      const manager: TokenClaims = { sub: 'manager-cap', roles: ['office_manager'] };
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await capped.api.inject({ method: 'POST', url: '/offices', headers: { authorization: `Bearer ${await capped.token(manager)}` }, payload: officeFile() });
        expect(res.statusCode, res.body).toBe(201);
        ids.push(res.json().id);
      }
      for (const id of ids) {
        await waitFor(`${id} ready`, async () => (await call(capped.api, 'supervisor', 'GET', `/offices/${id}`)).json().waitingOn === 'supervisor');
      }
      const answers = await Promise.all(ids.map((id) => call(capped.api, 'supervisor', 'POST', `/offices/${id}/decision`, { decision: 'approve' })));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 409]);
      const full = answers.find((a) => a.statusCode === 409)!;
      expect(full.json().message).toMatch(/round "Capped" is full: 2 offices/);
      const rounds = (await call(capped.api, 'supervisor', 'GET', '/accreditation-rounds')).json();
      expect(rounds.items.find((r: { id: string }) => r.id === 'T-CAP').accredited).toBe(2);
      // The office left out still waits for a decision (a later round, or a refusal).
      const left = ids[answers.findIndex((a) => a.statusCode === 409)]!;
      expect((await call(capped.api, 'supervisor', 'GET', `/offices/${left}`)).json()).toMatchObject({ status: 'applying', waitingOn: 'supervisor' });
    } finally {
      await capped.close();
    }
  });
});

describe('suspension', () => {
  it("a suspended office takes no new applications; a supervisor moves its open cases and they finish elsewhere", async () => {
    const b = env.offices.b;
    // Two open cases at office B, waiting for review.
    const cases: string[] = [];
    for (const body of [commercialApplication(), healthApplication()]) {
      const res = await submit(env.api, body, undefined, 'clerkB');
      expect(res.statusCode, res.body).toBe(201);
      cases.push(res.json().id);
      await waitForStage(env.api, res.json().id, 'review');
    }

    // Only a supervisor suspends; the reason is kept.
    expect((await call(env.api, 'managerB', 'POST', `/offices/${b}/standing`, { action: 'suspend', reason: 'self-suspension' })).statusCode).toBe(403);
    const suspended = await call(env.api, 'supervisor', 'POST', `/offices/${b}/standing`, { action: 'suspend', reason: 'inspection found unlicensed inspectors' });
    expect(suspended.json()).toMatchObject({ status: 'suspended' });
    await waitForOffice(b, 'suspended', (o) => o.status === 'suspended');

    // Its own staff may no longer file (the standing checks of test/office-standing.test.ts).
    const refused = await submit(env.api, commercialApplication(), undefined, 'clerkB');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('office_suspended');
    const chosen = { ...commercialApplication(), applicant: { ...commercialApplication().applicant, nationalId: env.users.applicant.nationalId! } };
    const choosing = await submit(env.api, { ...chosen, officeId: b }, undefined, 'applicant');
    expect(choosing.statusCode).toBe(400);
    expect(choosing.json().field).toBe('body/officeId');
    // Left to the system, a new application goes to an accredited office.
    const auto = await submit(env.api, chosen, undefined, 'applicant');
    expect(auto.statusCode).toBe(201);
    expect((await getApp(env.api, auto.json().id)).officeId).not.toBe(b);

    const moved = await call(env.api, 'supervisor', 'POST', `/offices/${b}/reassign-cases`, { toOfficeId: env.offices.a, reason: 'office B suspended' });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().failed).toEqual([]);
    expect(moved.json().moved.map((m: { id: string }) => m.id).sort()).toEqual([...cases].sort());

    for (const id of cases) {
      const a = await waitForApp(env.api, id, 'moved to A', (x) => x.officeId === env.offices.a);
      // The case carries on where it was: still in review, nothing redone.
      expect(a.stage).toBe('review');
      const event = a.timeline.find((e: { event: string }) => e.event === 'office_reassigned');
      expect(event).toMatchObject({ actor: env.users.supervisor.sub, details: { from: b, to: env.offices.a, reason: 'office B suspended' } });
      // Office B no longer sees it; office A does, and its reviewers decide it.
      expect((await call(env.api, 'clerkB', 'GET', `/applications/${id}`)).statusCode).toBe(404);
      // (While suspended, office B's staff are refused before the case is even looked up.)
      expect((await call(env.api, 'inspectorB', 'POST', `/applications/${id}/reviews`, { kind: 'technical', decision: 'approve' })).json().error).toBe('office_suspended');
      await approveAll(env.api, id);
      await waitForApp(env.api, id, 'issued', (x) => x.status === 'issued');
      const sms = await env.db.db.select().from(smsOutbox).where(and(eq(smsOutbox.applicationId, id), eq(smsOutbox.event, 'office_reassigned')));
      expect(sms).toHaveLength(1);
    }
    // The search attribute follows the case too.
    const described = await env.client.workflow.getHandle(cases[0]!).describe();
    expect(described.typedSearchAttributes.get({ name: 'TarkheesOffice', type: 'KEYWORD' } as never)).toBe(env.offices.a);

    const reinstated = await call(env.api, 'supervisor', 'POST', `/offices/${b}/standing`, { action: 'reinstate', reason: 'inspectors licensed' });
    expect(reinstated.json()).toMatchObject({ status: 'accredited' });
    await waitForOffice(b, 'accredited again', (o) => o.status === 'accredited');
    expect((await submit(env.api, commercialApplication(), undefined, 'clerkB')).statusCode).toBe(201);
  });

  it('a supervisor moves one case; the move is refused for a closed case or an office that is not accredited', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const bad = await call(env.api, 'supervisor', 'POST', `/applications/${id}/office`, { officeId: 'OFF-ZZZZZZ', reason: 'typo' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('body/officeId');
    const same = await call(env.api, 'supervisor', 'POST', `/applications/${id}/office`, { officeId: env.offices.a, reason: 'no-op' });
    expect(same.statusCode).toBe(409);
    const ok = await call(env.api, 'supervisor', 'POST', `/applications/${id}/office`, { officeId: env.offices.b, reason: 'balancing the load' });
    expect(ok.json()).toMatchObject({ officeId: env.offices.b, stage: 'review' });
    await waitForApp(env.api, id, 'with B', (a) => a.officeId === env.offices.b);
    // Office A's inspector no longer decides it; office B's does.
    expect((await decide(env.api, id, { kind: 'technical', decision: 'approve' }, 'inspector')).statusCode).toBe(404);
    expect((await decide(env.api, id, { kind: 'technical', decision: 'approve' }, 'inspectorB')).statusCode).toBe(200);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const late = await call(env.api, 'supervisor', 'POST', `/applications/${done.id}/office`, { officeId: env.offices.a, reason: 'too late' });
    expect(late.statusCode).toBe(409);
    const [row] = await env.db.db.select().from(applications).where(eq(applications.id, id));
    expect(row!.officeId).toBe(env.offices.b);
  });

  it('an application left to the system goes to the accredited office with the least open work', async () => {
    const balanced = await startTestEnv();
    try {
      const openAt = async (office: string) =>
        (await balanced.db.db.select({ id: applications.id }).from(applications).where(and(eq(applications.officeId, office), eq(applications.status, 'in_progress')))).length;
      // Office A gets two more open cases than B.
      for (let i = 0; i < 2; i++) expect((await submit(balanced.api, commercialApplication(), undefined, 'clerk')).statusCode).toBe(201);
      const own = () => ({ ...commercialApplication(), applicant: { ...commercialApplication().applicant, nationalId: balanced.users.applicant.nationalId! } });
      const first = await submit(balanced.api, own(), undefined, 'applicant');
      expect((await getApp(balanced.api, first.json().id)).officeId).toBe(balanced.offices.b);
      const second = await submit(balanced.api, own(), undefined, 'applicant');
      expect((await getApp(balanced.api, second.json().id)).officeId).toBe(balanced.offices.b);
      // Now level (two each): the tie goes to the office accredited first, and the work stays even.
      expect(await openAt(balanced.offices.a)).toBe(await openAt(balanced.offices.b));
      const third = await submit(balanced.api, own(), undefined, 'applicant');
      const fourth = await submit(balanced.api, own(), undefined, 'applicant');
      const placed = [(await getApp(balanced.api, third.json().id)).officeId, (await getApp(balanced.api, fourth.json().id)).officeId];
      expect(placed.sort()).toEqual([balanced.offices.a, balanced.offices.b].sort());
    } finally {
      await balanced.close();
    }
  });
});
