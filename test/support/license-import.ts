// Licenses from before Tarkhees for the import's tests and bench: rows in the
// import's CSV format, a number of our own per run, and the import driven as
// an administrator does it, through the API.
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { riyadhDate } from '../../domain/calendar';
import { withSaudiIdCheckDigit } from '../../domain/identifiers';
import { IMPORT_COLUMNS } from '../../domain/license-import';
import { waitFor } from '../../scripts/wait';

export type CsvRow = Partial<Record<(typeof IMPORT_COLUMNS)[number], string>>;

const DAY_MS = 86_400_000;
/** A Riyadh date `days` from today (negative: ago). */
export const dayFromToday = (days: number) => riyadhDate(new Date(Date.now() + days * DAY_MS));

/** A run's own numbers: LEG-<year>-<8 random digits><n>, so repeated runs on one database do not meet. */
export function numbers(): (n: number) => string {
  const base = String(randomInt(1e8)).padStart(8, '0');
  return (n) => `LEG-2020-${base}${String(n).padStart(5, '0')}`;
}

/** A good active commercial license row; `over` changes what a case needs. */
export function csvRow(number: string, over: CsvRow = {}, i = 0): CsvRow {
  return {
    license_number: number,
    license_kind: 'commercial',
    cr_number: `22${String(5_000_000 + i).padStart(8, '0')}`,
    trade_name: `Legacy Trading ${i}`,
    isic_code: '477101',
    holder_national_id: withSaudiIdCheckDigit(`1${String(10_000_000 + i).padStart(8, '0')}`),
    holder_name: `Holder ${i}`,
    holder_mobile: `05${String(50_000_000 + i).padStart(8, '0')}`,
    office_id: '',
    issued_on: dayFromToday(-300),
    expires_on: dayFromToday(200),
    status: 'active',
    status_reason: '',
    suspended_by: '',
    district: 'Al-Mubarraz',
    ...over,
  };
}

const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export function csvOf(rows: CsvRow[]): string {
  return [IMPORT_COLUMNS.join(','), ...rows.map((r) => IMPORT_COLUMNS.map((c) => quote(r[c] ?? '')).join(','))].join('\r\n') + '\r\n';
}

/** POST the CSV as an administrator; the answer's JSON, or a throw naming the status. */
export async function importCsv(api: FastifyInstance, headers: Record<string, string>, csv: string): Promise<Record<string, any>> {
  const res = await api.inject({ method: 'POST', url: '/operations/license-imports', headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
  if (res.statusCode !== 202) throw new Error(`POST /operations/license-imports answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

export const importFinished = (api: FastifyInstance, headers: Record<string, string>, id: string, timeoutMs = 60_000) =>
  waitFor(`import ${id} finished`, async () => {
    const p = (await api.inject({ method: 'GET', url: `/operations/license-imports/${id}`, headers })).json<Record<string, any>>();
    return p.status === 'finished' ? p : undefined;
  }, { timeoutMs, intervalMs: 200 });
