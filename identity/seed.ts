// Offices that were accredited before Tarkhees (and, on a dev machine, the
// seeded ones): each gets its registry row and an accreditation workflow that
// starts active. Idempotent: run it at every start.
import { sql } from 'drizzle-orm';
import type { OfficeService } from '../api/offices/service';
import type { Db } from '../db/client';
import type { OfficeApplication } from '../domain/office';

/** The round imported offices belong to: they were admitted before rounds existed here. */
export const FOUNDING_ROUND = { id: 'FOUNDING', name: 'Accredited before Tarkhees', cap: 10_000, opensOn: '2000-01-01', closesOn: '2000-01-01' };

export async function importOffices(db: Db, offices: OfficeService, list: { id: string; application: OfficeApplication }[]): Promise<void> {
  const r = FOUNDING_ROUND;
  await db.execute(sql`insert into accreditation_rounds (id, name, cap, opens_on, closes_on)
    values (${r.id}, ${r.name}, ${r.cap}, ${r.opensOn}, ${r.closesOn}) on conflict do nothing`);
  for (const o of list) {
    const a = o.application;
    const now = new Date();
    await db.execute(sql`insert into offices (id, name, firm_license_number, cr_number, status, round_id, data, applied_at, accredited_at, updated_at)
      values (${o.id}, ${a.name}, ${a.firmLicenseNumber}, ${a.crNumber}, 'accredited', ${r.id}, ${JSON.stringify(a)}::jsonb, ${now}, ${now}, ${now})
      on conflict do nothing`);
    await offices.startAccreditation({ officeId: o.id, roundId: r.id, application: a, actor: 'import', imported: true });
  }
}

/** A round open for a year from today, so a dev machine can try an office's application. */
export async function openDevRound(db: Db): Promise<void> {
  const year = new Date().getUTCFullYear();
  await db.execute(sql`insert into accreditation_rounds (id, name, cap, opens_on, closes_on)
    values (${`${year}-P1`}, ${`${year}, phase 1`}, 5, current_date - 1, current_date + 365) on conflict do nothing`);
}
