// Inspections written into the tables as the license workflow leaves them: a
// license (of a case, or imported from before Tarkhees), its inspection task,
// and the task's rows on the license's timeline (due, claimed, the result, in
// the same order and with the same details as workflows/license/inspection.ts
// writes them). For reports over weeks a test's seconds cannot make.
import { sql } from 'drizzle-orm';
import type { TestEnv } from './env';

export interface SeededLicense {
  number: string;
  /** The case's district; absent: imported from before Tarkhees, with `importedDistrict` (or none) on the license. */
  caseDistrict?: string;
  importedDistrict?: string | null;
}

export interface SeededInspection {
  licenseNumber: string;
  /** The license transition that opened it: the task's id, and where its rows go on the timeline (seq × 10 onwards). */
  seq: number;
  status: 'open' | 'claimed' | 'completed' | 'cancelled';
  created: Date;
  due: Date;
  decided?: Date;
  /** The result's row: a pass, violations, or the `suspended` a closure is; absent, none (open or withdrawn). */
  result?: { event: 'inspection_passed' | 'inspection_violations' | 'suspended'; violations: { code: string; severity: string }[] };
}

const INSPECTOR = 'municipal-inspector-1';

export async function seedLicense(env: TestEnv, l: SeededLicense): Promise<void> {
  const app = l.caseDistrict === undefined ? null : `TRK-20250301-${l.number.slice(-6)}`;
  if (app) {
    await env.db.db.execute(sql`
      insert into applications (id, status, stage, license_kind, office_id, applicant_national_id, applicant_name, applicant_mobile,
        cr_number, trade_name, isic_code, district, data, submitted_at, updated_at, closed_at, license_number)
      values (${app}, 'issued', 'closed', 'health', ${env.offices.a}, '1000000008', 'Seeded', '+966500000000', '2250000000',
        ${`Cafe ${l.number}`}, '563001', ${l.caseDistrict}, '{}'::jsonb, now(), now(), now(), ${l.number})`);
  }
  await env.db.db.execute(sql`
    insert into licenses (number, application_id, license_kind, cr_number, trade_name, holder_national_id, isic_code, issued_on, expires_on, status, district)
    values (${l.number}, ${app}, 'health', '2250000000', ${`Cafe ${l.number}`}, '1000000008', '563001', '2025-01-01', '2027-12-31', 'active', ${l.importedDistrict ?? null})`);
}

export async function seedInspection(env: TestEnv, t: SeededInspection): Promise<string> {
  const id = `${t.licenseNumber}:inspection:${t.seq}`;
  const decision = t.result ? (t.result.violations.length ? 'violations' : 'pass') : null;
  await env.db.db.execute(sql`
    insert into tasks (id, application_id, license_number, kind, required_role, status, assignee, round, created_at, due_at, decided_at, decision,
      reasons, license_kind, trade_name, cr_number, seq)
    values (${id}, null, ${t.licenseNumber}, 'inspection', 'municipal_inspector', ${t.status}, ${t.status === 'open' ? null : INSPECTOR}, 1,
      ${t.created}, ${t.due}, ${t.decided ?? null}, ${decision}, ${`{${(t.result?.violations ?? []).map((v) => v.code).join(',')}}`}::text[],
      'health', 'Cafe', '2250000000', ${t.seq})`);
  const event = (offset: number, name: string, status: string, actor: string, details: object, at: Date) =>
    env.db.db.execute(sql`insert into license_events (license_number, seq, event, status, actor, details, at)
      values (${t.licenseNumber}, ${t.seq * 10 + offset}, ${name}, ${status}, ${actor}, ${JSON.stringify(details)}::jsonb, ${at})`);
  await event(0, 'inspection_due', 'active', 'system', { taskId: id }, t.created);
  if (t.status !== 'open') await event(1, 'task_claimed', 'active', INSPECTOR, { taskId: id, to: INSPECTOR }, t.created);
  if (t.result) await event(2, t.result.event, t.result.event === 'suspended' ? 'suspended' : 'active', INSPECTOR, { taskId: id, violations: t.result.violations }, t.decided!);
  return id;
}
