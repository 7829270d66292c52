// Licenses for the lifecycle tests: a case row and its license, the license's
// workflow started as issuance starts it, with an expiry seconds away; the
// rules table shortened to seconds; and the reads the tests poll.
import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client';
import type { ApplicationData } from '../../domain/application';
import type { LicenseState } from '../../domain/license';
import { riyadhDate } from '../../domain/calendar';
import { startLicenseWorkflow } from '../../activities/license/start';
import { getLicenseStateQuery, licenseWorkflowId } from '../../workflows/license/contract';
import { commercialApplication, crNumber, healthApplication } from './fixtures';
import { waitFor, type TestEnv } from './env';

/** Every kind's durations in seconds, so a license's whole life fits in a test. */
export async function secondsRules(env: TestEnv, rules: Partial<Record<'renewal_window' | 'grace_period' | 'objection_window' | 'renewal_correction' | 'cancellation_deadline' | 'agency_recheck', string>> & { reminders?: string[] }) {
  const { reminders, ...durations } = rules;
  for (const [column, value] of Object.entries(durations)) {
    await env.db.db.execute(sql`update license_rules set ${sql.identifier(column)} = ${value}`);
  }
  if (reminders) await env.db.db.execute(sql`update license_rules set reminders = ${`{${reminders.join(',')}}`}::text[]`);
}

/**
 * A commercial license of office A's clerk for the environment's applicant, expiring `expiresInMs` from now; `data`
 * changes what it was filed with (a health activity: `healthData`), `officeId: null` gives it no office.
 */
export async function startLicense(
  env: TestEnv,
  opts: { expiresInMs: number; cr?: string; data?: Partial<ApplicationData>; officeId?: string | null },
): Promise<LicenseState> {
  const body = commercialApplication({ establishment: { ...commercialApplication().establishment, crNumber: opts.cr ?? crNumber(1) } });
  const officeId = opts.officeId === undefined ? env.offices.a : opts.officeId;
  const data: ApplicationData = {
    ...body,
    applicant: { ...body.applicant, nationalId: env.users.applicant.nationalId!, mobile: '+966500000077' },
    ...(officeId ? { officeId } : {}),
    ...opts.data,
  } as ApplicationData;
  const kind = data.licenseKind;
  const id = `TRK-20260101-${String(randomInt(1e6)).padStart(6, '0')}`;
  const number = `TST-2026-${String(randomInt(1e8)).padStart(8, '0')}`;
  const expiresAt = new Date(Date.now() + opts.expiresInMs);
  const expiresOn = riyadhDate(expiresAt);
  const issuedOn = riyadhDate(new Date());
  const e = data.establishment;
  await env.db.db.execute(sql`
    insert into applications (id, status, stage, license_kind, office_id, applicant_national_id, applicant_name, applicant_mobile,
      cr_number, trade_name, isic_code, district, data, submitted_at, updated_at, license_number)
    values (${id}, 'issued', 'closed', ${kind}, ${officeId}, ${data.applicant.nationalId}, ${data.applicant.name}, ${data.applicant.mobile},
      ${e.crNumber}, ${e.tradeName}, ${e.isicCode}, ${e.district}, ${JSON.stringify(data)}::jsonb, now(), now(), ${number})`);
  await env.db.db.execute(sql`
    insert into licenses (number, application_id, license_kind, cr_number, trade_name, holder_national_id, isic_code, issued_on, expires_on, office_id)
    values (${number}, ${id}, ${kind}, ${e.crNumber}, ${e.tradeName}, ${data.applicant.nationalId}, ${e.isicCode}, ${issuedOn}, ${expiresOn}, ${officeId})`);
  const state: LicenseState = {
    number,
    applicationId: id,
    licenseKind: kind,
    crNumber: e.crNumber,
    tradeName: e.tradeName,
    isicCode: e.isicCode,
    ...(officeId ? { officeId } : {}),
    holder: { nationalId: data.applicant.nationalId, name: data.applicant.name, mobile: data.applicant.mobile },
    status: 'active',
    issuedOn,
    expiresOn,
    expiresAt: expiresAt.toISOString(),
    termMonths: 12,
    renewals: 0,
    remindersSent: [],
    reportIds: [],
    data,
    seq: 0,
  };
  await startLicenseWorkflow(env.client, env.config.temporal.taskQueue, state, 'issued');
  return state;
}

/** What a café's license was filed with (a health activity whose renewal the rules have a health specialist review), with a compliant CR. */
export function healthData(cr = crNumber(1)): Partial<ApplicationData> {
  const { establishment, licenseKind, documents, workers } = healthApplication();
  return { establishment: { ...establishment, crNumber: cr }, licenseKind, documents, workers } as Partial<ApplicationData>;
}

export async function licenseView(env: TestEnv, number: string) {
  const res = await env.api.inject({ method: 'GET', url: `/licenses/${number}` });
  if (res.statusCode !== 200) throw new Error(`GET /licenses/${number} answered ${res.statusCode}: ${res.body}`);
  return res.json<Record<string, any>>();
}

export const waitForLicense = (env: TestEnv, number: string, what: string, pred: (l: Record<string, any>) => boolean, timeoutMs = 60_000) =>
  waitFor(`${number} ${what}`, async () => {
    const l = await licenseView(env, number);
    return pred(l) ? l : undefined;
  }, { timeoutMs, intervalMs: 200 });

/** The timeline's events in order, as the supervisor reads them. */
export async function timeline(env: TestEnv, number: string): Promise<{ seq: number; event: string; status: string; details: Record<string, any> }[]> {
  const res = await env.api.inject({ method: 'GET', url: `/licenses/${number}/timeline`, headers: await env.auth('supervisor') });
  if (res.statusCode !== 200) throw new Error(`timeline answered ${res.statusCode}: ${res.body}`);
  return res.json<{ events: any[] }>().events;
}

/** The license's SMS in the outbox, by event. */
export async function licenseSms(env: TestEnv, number: string): Promise<Record<string, number>> {
  const rows = await rowsOf<{ event: string; n: number }>(env.db.db, sql`select event, count(*)::int as n from sms_outbox where license_number = ${number} group by event`);
  return Object.fromEntries(rows.map((r) => [r.event, r.n]));
}

export const licenseState = (env: TestEnv, number: string) => env.client.workflow.getHandle(licenseWorkflowId(number)).query(getLicenseStateQuery);
