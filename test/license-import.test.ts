// Licenses issued before Tarkhees, imported on the real Temporal server and
// PostgreSQL: each good row a license with its workflow at its true state (the
// clock deciding active, window open or expired), bad rows named by row and
// column, no SMS for the import itself; the same file twice, one row and one
// workflow each; an import that died half-way finished by running it again;
// an imported license's life going on (its window opens on time); only
// administrators may import.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { endOfRiyadhDay } from '../domain/license';
import { licenseWorkflowId } from '../workflows/license/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { csvOf, csvRow, dayFromToday, importCsv, importFinished, numbers } from './support/license-import';
import { licenseSms, licenseState, licenseView, secondsRules, timeline, waitForLicense } from './support/licenses';
import { multipartBody } from './support/uploads';

let env: TestEnv;
let admin: Record<string, string>;

beforeAll(async () => {
  env = await startTestEnv();
  admin = await env.auth('admin');
}, 120_000);
afterAll(async () => env?.close());

const DAY_MS = 86_400_000;
const events = async (number: string) => (await timeline(env, number)).map((e) => e.event);
const describeLicense = (number: string) => env.client.workflow.getHandle(licenseWorkflowId(number)).describe();

/** Every execution (runs included) Temporal has under the license's workflow id. */
async function executions(number: string): Promise<number> {
  let n = 0;
  for await (const _ of env.client.workflow.list({ query: `WorkflowId = '${licenseWorkflowId(number)}'` })) n++;
  return n;
}

const num = numbers();
/** One row of each state the export may give, and the clock's verdict on each. */
const good = {
  active: csvRow(num(1), {}, 1),
  // 20 days left: inside the 90-day window, past the 90- and 30-day reminders, before the 7-day one.
  windowOpen: csvRow(num(2), { expires_on: dayFromToday(20), trade_name: 'Al-Noor, "the bright" Trading' }, 2),
  expired: csvRow(num(3), { status: 'expired', expires_on: dayFromToday(-10) }, 3),
  // The export says active; its dates say it lapsed five days ago.
  lapsed: csvRow(num(4), { expires_on: dayFromToday(-5) }, 4),
  pastGrace: csvRow(num(5), { status: 'expired', issued_on: dayFromToday(-800), expires_on: dayFromToday(-400) }, 5),
  suspended: csvRow(num(6), { status: 'suspended', status_reason: 'Workers without contracts', suspended_by: 'labor_office', office_id: 'OFFICE_A' }, 6),
  revoked: csvRow(num(7), { status: 'revoked', status_reason: 'Closed by court order' }, 7),
  cancelled: csvRow(num(8), { status: 'cancelled', status_reason: "At the holder's request" }, 8),
};
/** Bad rows, each with what must be said about it (its line in the file: the header is 1, the good rows 2–9). */
const bad = [
  { row: csvRow(num(9), { holder_national_id: '1000000000' }, 9), fields: ['holder_national_id'] },
  { row: csvRow(num(10), { holder_mobile: '12345', district: '' }, 10), fields: ['holder_mobile', 'district'] },
  { row: csvRow(num(11), { status: 'suspended' }, 11), fields: ['status_reason', 'suspended_by'] },
  { row: csvRow(num(12), { status: 'renewal_open' }, 12), fields: ['status'] },
  { row: csvRow(num(2), {}, 13), fields: ['license_number'] },
  { row: csvRow(num(14), { office_id: 'OFF-999999', expires_on: dayFromToday(-400) }, 14), fields: ['office_id', 'expires_on'] },
];

function theFile(): string {
  const rows = Object.values(good).map((r) => (r.office_id === 'OFFICE_A' ? { ...r, office_id: env.offices.a } : r));
  return csvOf([...rows, ...bad.map((b) => b.row)]);
}

describe('importing licenses from before Tarkhees', () => {
  it('starts each good row at its true state, names every bad row by row and column, and sends no SMS for the import', async () => {
    const taken = await importCsv(env.api, admin, theFile());
    expect(taken).toMatchObject({ rows: 14, accepted: 8, rejected: 6 });
    const errors = taken.errors as { row: number; field: string; message: string }[];
    bad.forEach((b, i) => {
      const line = 10 + i;
      expect(errors.filter((e) => e.row === line).map((e) => e.field).sort(), `line ${line}`).toEqual([...b.fields].sort());
    });
    expect(errors.find((e) => e.field === 'license_number')!.message).toMatch(/row 3/);

    const done = await importFinished(env.api, admin, taken.id);
    expect(done).toMatchObject({ accepted: 8, rejected: 6, created: 8, existing: 0, started: 8 });

    const view = async (r: { license_number?: string }) => licenseView(env, r.license_number!);
    const settled = (r: { license_number?: string }, status: string) => waitForLicense(env, r.license_number!, status, (v) => v.status === status);
    await settled(good.active, 'active');
    await settled(good.windowOpen, 'renewal_open');
    await settled(good.expired, 'expired');
    await settled(good.lapsed, 'expired');
    await settled(good.suspended, 'suspended');
    expect((await view(good.windowOpen)).tradeName).toBe('Al-Noor, "the bright" Trading');
    expect((await view(good.windowOpen)).applicationId).toBeNull();
    expect(await view(good.revoked)).toMatchObject({ status: 'revoked', statusReason: 'Closed by court order' });
    expect(await view(good.cancelled)).toMatchObject({ status: 'cancelled', statusReason: "At the holder's request" });

    // The live ones run, in the state their dates give; the reminders already past count as sent.
    for (const r of [good.active, good.windowOpen, good.expired, good.lapsed, good.suspended]) {
      expect((await describeLicense(r.license_number!)).status.name, r.license_number).toBe('RUNNING');
    }
    const open = await licenseState(env, good.windowOpen.license_number!);
    expect(open.remindersSent.sort((a, b) => a - b)).toEqual([30 * DAY_MS, 90 * DAY_MS]);
    expect(open.expiresAt).toBe(endOfRiyadhDay(good.windowOpen.expires_on!));
    const suspended = await licenseState(env, good.suspended.license_number!);
    expect(suspended.suspension).toMatchObject({ agency: 'labor_office', reason: 'Workers without contracts', before: 'active' });
    expect(Date.parse(suspended.suspension!.objectionDueAt) - Date.now()).toBeGreaterThan(59 * DAY_MS);
    expect((await licenseView(env, good.suspended.license_number!)).objectionDueAt).not.toBeNull();
    // Nothing left to happen to these: the workflow wrote the import and ended.
    for (const r of [good.revoked, good.cancelled, good.pastGrace]) {
      await waitFor(`${r.license_number} closed`, async () => (await describeLicense(r.license_number!)).status.name === 'COMPLETED');
    }
    expect(await events(good.pastGrace.license_number!)).toEqual(['imported', 'grace_ended']);
    expect(await events(good.windowOpen.license_number!)).toEqual(['imported']);
    for (const r of Object.values(good)) expect(await licenseSms(env, r.license_number!), r.license_number).toEqual({});
    // Refused rows left nothing behind.
    const [{ n }] = (await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from licenses where number = any(${`{${bad.map((b) => b.row.license_number).join(',')}}`}::text[])`)) as [{ n: number }];
    expect(n).toBe(1); // only row 13's number, which is row 3's license
  }, 120_000);

  it('the same file again (as a multipart upload) writes no second row and starts no second workflow', async () => {
    const runIds = new Map<string, string>();
    for (const r of Object.values(good)) runIds.set(r.license_number!, (await describeLicense(r.license_number!)).runId);
    const { payload, contentType } = multipartBody({ file: { name: 'licenses.csv', bytes: Buffer.from(theFile()), contentType: 'text/csv' } });
    const res = await env.api.inject({ method: 'POST', url: '/operations/license-imports', headers: { ...admin, 'content-type': contentType }, payload });
    expect(res.statusCode, res.body).toBe(202);
    const done = await importFinished(env.api, admin, res.json().id);
    expect(done).toMatchObject({ source: 'api:licenses.csv', accepted: 8, created: 0, existing: 8, started: 8 });
    for (const r of Object.values(good)) {
      expect((await describeLicense(r.license_number!)).runId, r.license_number).toBe(runIds.get(r.license_number!));
      await waitFor(`${r.license_number} listed`, async () => (await executions(r.license_number!)) > 0);
      expect(await executions(r.license_number!), r.license_number).toBe(1);
      expect(await events(r.license_number!)).toContain('imported');
      expect((await events(r.license_number!)).filter((e) => e === 'imported')).toHaveLength(1);
    }
    const [{ n }] = (await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from licenses where number like ${`${good.active.license_number!.slice(0, -5)}%`}`)) as [{ n: number }];
    expect(n).toBe(8);
  }, 120_000);

  it('finishes an import that died half-way when the file is imported again', async () => {
    const more = numbers();
    const rows = [1, 2, 3, 4].map((i) => csvRow(more(i), {}, 100 + i));
    // What a crash leaves: an import's first page written (licenses rows), its workflows never started.
    for (const r of rows.slice(0, 2)) {
      await env.db.db.execute(sql`
        insert into licenses (number, license_kind, cr_number, trade_name, holder_national_id, isic_code, issued_on, expires_on, holder_name, holder_mobile, district)
        values (${r.license_number!}, 'commercial', ${r.cr_number!}, ${r.trade_name!}, ${r.holder_national_id!}, ${r.isic_code!}, ${r.issued_on!}, ${r.expires_on!},
                ${r.holder_name!}, '+966550000000', ${r.district!})`);
    }
    const taken = await importCsv(env.api, admin, csvOf(rows));
    const done = await importFinished(env.api, admin, taken.id);
    expect(done).toMatchObject({ accepted: 4, created: 2, existing: 2, started: 4 });
    for (const r of rows) {
      expect((await describeLicense(r.license_number!)).status.name).toBe('RUNNING');
      await waitForLicense(env, r.license_number!, 'its import written', (v) => v.status === 'active');
      expect(await events(r.license_number!)).toEqual(['imported']);
    }
  }, 120_000);

  it('refuses callers other than administrators, audits the import, and answers 404 for no import', async () => {
    const csv = csvOf([csvRow(numbers()(1))]);
    for (const who of ['supervisor', 'clerk', 'auditor', 'applicant'] as const) {
      const post = await env.api.inject({ method: 'POST', url: '/operations/license-imports', headers: { ...(await env.auth(who)), 'content-type': 'text/csv' }, payload: csv });
      expect(post.statusCode, who).toBe(403);
      const get = await env.api.inject({ method: 'GET', url: '/operations/license-imports/IMP-20260101-ABCDEF', headers: await env.auth(who) });
      expect(get.statusCode, who).toBe(403);
    }
    const anonymous = await env.api.inject({ method: 'POST', url: '/operations/license-imports', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(anonymous.statusCode).toBe(401);
    const none = await env.api.inject({ method: 'GET', url: '/operations/license-imports/IMP-20260101-ABCDEF', headers: admin });
    expect(none.statusCode).toBe(404);
    const json = await env.api.inject({ method: 'POST', url: '/operations/license-imports', headers: admin, payload: { csv } });
    expect(json.statusCode).toBe(415);

    // What PostgreSQL would refuse is a 4xx, never a 500 (the body's own check: storableText).
    const nul = await env.api.inject({ method: 'POST', url: '/operations/license-imports', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv.replace('district', 'dist\u0000rict') });
    expect(nul.statusCode).toBe(400);

    const taken = await importCsv(env.api, admin, csv);
    const audit = await waitFor('the audit row', async () => {
      const [row] = await rowsOf<{ actor_id: string; status_code: number; target_type: string; details: Record<string, unknown> }>(
        env.db.db,
        sql`select actor_id, status_code, target_type, details from audit_log where operation = 'license.import' and target_id = ${taken.id}`,
      );
      return row;
    });
    expect(audit).toMatchObject({ actor_id: env.users.admin.sub, status_code: 202, target_type: 'license_import', details: { rows: 1, accepted: 1, rejected: 0 } });
    const refused = await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from audit_log where operation = 'license.import' and status_code = 403`);
    expect(refused[0]!.n).toBeGreaterThanOrEqual(4);
  }, 120_000);

  // Last: it changes the rules every kind reads.
  it('an imported license lives on: its renewal window opens on time, with its SMS', async () => {
    const number = numbers()(1);
    const expiresOn = dayFromToday(1);
    // The window opens 12 s from now, for a license that expires at the end of tomorrow.
    const windowS = Math.floor((Date.parse(endOfRiyadhDay(expiresOn)) - Date.now()) / 1000) - 12;
    await secondsRules(env, { renewal_window: `${windowS}s`, reminders: [`${windowS}s`] });
    const taken = await importCsv(env.api, admin, csvOf([csvRow(number, { expires_on: expiresOn }, 200)]));
    await importFinished(env.api, admin, taken.id);
    expect((await licenseView(env, number)).status).toBe('active');
    const opened = await waitForLicense(env, number, 'renewal open', (v) => v.status === 'renewal_open', 40_000);
    expect(opened.status).toBe('renewal_open');
    expect(await events(number)).toEqual(['imported', 'renewal_window_opened']);
    expect(await licenseSms(env, number)).toEqual({ renewal_window_opened: 1 });
  }, 120_000);
});
