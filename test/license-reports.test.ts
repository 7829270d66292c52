// The licenses' report against seeded licenses with known answers: every
// status counted once and the statuses adding up to the total, those in force
// expiring within 90 days, and the period's renewal rate from the renewals
// decided in it (the timeline's `renewed`, late or not, and `grace_ended`).
// Written into the tables as the license workflow leaves them: a license's
// dates cannot be made to fall months apart in a test's seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestEnv, type TestEnv } from './support/env';
import { call } from './support/fixtures';

let env: TestEnv;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

interface Seed {
  n: number;
  kind: 'commercial' | 'health' | 'professional';
  status: 'active' | 'renewal_open' | 'expired' | 'suspended' | 'revoked' | 'cancelled';
  expiresIn: number;
  /** Timeline events written at the given Riyadh instant. */
  events?: { event: 'renewed' | 'grace_ended'; late?: boolean; at: string }[];
}

const SEED: Seed[] = [
  { n: 1, kind: 'commercial', status: 'active', expiresIn: 300 },
  { n: 2, kind: 'commercial', status: 'active', expiresIn: 60 },
  { n: 3, kind: 'health', status: 'renewal_open', expiresIn: 20, events: [{ event: 'renewed', at: '2025-03-05T10:00' }] },
  { n: 4, kind: 'health', status: 'expired', expiresIn: -10, events: [{ event: 'renewed', late: true, at: '2025-03-20T10:00' }] },
  { n: 5, kind: 'professional', status: 'suspended', expiresIn: 30 },
  { n: 6, kind: 'professional', status: 'revoked', expiresIn: 100, events: [{ event: 'grace_ended', at: '2025-03-31T23:30' }] },
  { n: 7, kind: 'commercial', status: 'cancelled', expiresIn: 200, events: [{ event: 'renewed', at: '2025-04-01T00:30' }] },
];
const number = (n: number) => `RPT-2025-${String(n).padStart(6, '0')}`;

beforeAll(async () => {
  env = await startTestEnv({ startWorker: false });
  for (const s of SEED) {
    const app = `TRK-20250301-LRP00${s.n}`;
    await env.db.db.execute(sql`
      insert into applications (id, status, stage, license_kind, office_id, applicant_national_id, applicant_name, applicant_mobile,
        cr_number, trade_name, isic_code, district, data, submitted_at, updated_at, closed_at)
      values (${app}, 'issued', 'closed', ${s.kind}, ${env.offices.a}, '1000000008', 'Seeded', '+966500000000', '2250000000',
        ${`Shop ${s.n}`}, '477101', 'Al-Hofuf', '{}'::jsonb, now(), now(), now())`);
    await env.db.db.execute(sql`
      insert into licenses (number, application_id, license_kind, cr_number, trade_name, holder_national_id, isic_code, issued_on, expires_on, status)
      values (${number(s.n)}, ${app}, ${s.kind}, '2250000000', ${`Shop ${s.n}`}, '1000000008', '477101', ${day(-365)}::date, ${day(s.expiresIn)}::date, ${s.status})`);
    for (const [i, e] of (s.events ?? []).entries()) {
      await env.db.db.execute(sql`insert into license_events (license_number, seq, event, status, details, at)
        values (${number(s.n)}, ${i + 1}, ${e.event}, ${s.status}, ${JSON.stringify({ late: e.late ?? false })}::jsonb, ${new Date(`${e.at}:00+03:00`)})`);
    }
  }
}, 120_000);
afterAll(async () => {
  await env?.close();
});

describe('the licenses report', () => {
  it('counts every license by status and kind, those expiring within 90 days, and the renewal rate of the period', async () => {
    const res = await call(env.api, 'supervisor', 'GET', '/reports/licenses?from=2025-03-01&to=2025-03-31');
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    // Other tests' licenses are not in this database: these are the seven.
    expect(r.now).toEqual({ total: 7, active: 2, renewalOpen: 1, expiringSoon: 2, expired: 1, suspended: 1, revoked: 1, cancelled: 1 });
    const { total, ...statuses } = r.now;
    expect(statuses.active + statuses.renewalOpen + statuses.expired + statuses.suspended + statuses.revoked + statuses.cancelled).toBe(total);
    expect(r.byLicenseKind).toEqual([
      { licenseKind: 'commercial', total: 3, active: 2, renewalOpen: 0, expiringSoon: 1, expired: 0, suspended: 0, revoked: 0, cancelled: 1 },
      { licenseKind: 'health', total: 2, active: 0, renewalOpen: 1, expiringSoon: 1, expired: 1, suspended: 0, revoked: 0, cancelled: 0 },
      { licenseKind: 'professional', total: 2, active: 0, renewalOpen: 0, expiringSoon: 0, expired: 0, suspended: 1, revoked: 1, cancelled: 0 },
    ]);
    // March in Riyadh: two renewed (one late), one lapsed at 23:30 on the 31st; April's first half-hour is outside.
    expect(r.renewals).toEqual({ renewedOnTime: 1, renewedLate: 1, lapsed: 1, renewalRate: 0.667 });
  });

  it('gives the same figures as CSV, for those who may read reports only', async () => {
    const csv = await call(env.api, 'auditor', 'GET', '/reports/licenses?from=2025-03-01&to=2025-03-31&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.body.startsWith('\uFEFFscope,key,total,active,renewalOpen,expiringSoon,expired,suspended,revoked,cancelled\r\ntotal,,7,2,1,2,1,1,1,1\r\n')).toBe(true);
    expect((await call(env.api, 'health', 'GET', '/reports/licenses?from=2025-03-01&to=2025-03-31')).statusCode).toBe(403);
    const backwards = await call(env.api, 'supervisor', 'GET', '/reports/licenses?from=2025-03-31&to=2025-03-01');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().field).toBe('querystring/to');
  });
});
