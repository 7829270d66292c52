// A license imported from before Tarkhees (no case) renewed with freshly
// uploaded files, on the real Temporal server and PostgreSQL, with the
// document sweep running every second and an orphan window of seconds: the
// uploads are claimed by the license (no case to claim them), the renewal's
// checks find them and the license renews; the holder, its office and the
// municipality see the files, another office does not; and the sweep, which
// takes uploads nothing named, keeps them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { call } from './support/fixtures';
import { csvOf, csvRow, dayFromToday, importCsv, importFinished, numbers } from './support/license-import';
import { licenseSms, licenseView, timeline, waitForLicense } from './support/licenses';
import { commercialUploads, sample, uploadOk } from './support/uploads';

let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv({ documents: { DOCUMENT_SWEEP_EVERY: '1s', DOCUMENT_ORPHAN_AFTER: '4s' } });
}, 120_000);
afterAll(async () => env?.close());

const documentRow = async (id: string) =>
  (await rowsOf<{ state: string; application_id: string | null; license_number: string | null; storage_key: string }>(
    env.db.db,
    sql`select state, application_id, license_number, storage_key from documents where id = ${id}`,
  ))[0];
const fileOf = (key: string) => path.join(env.filesDir, key.slice(0, 2), key);

describe('renewing a license imported from before Tarkhees', () => {
  it('takes freshly uploaded files: claimed by the license, seen by its holder and office, renewed, and kept by the sweep', async () => {
    // A clothing shop of office A's, in its renewal window (20 days left): nothing of its file came with the import.
    const number = numbers()(1);
    const admin = await env.auth('admin');
    const taken = await importCsv(env.api, admin, csvOf([csvRow(number, { office_id: env.offices.a, holder_national_id: env.users.applicant.nationalId!, expires_on: dayFromToday(20) }, 300)]));
    await importFinished(env.api, admin, taken.id);
    await waitForLicense(env, number, 'renewal open', (v) => v.status === 'renewal_open');
    expect((await licenseView(env, number)).applicationId).toBeNull();

    const documents = await commercialUploads(env.api, 'clerk');
    const asked = await call(env.api, 'clerk', 'POST', `/licenses/${number}/renewal`, { documents });
    expect(asked.statusCode, asked.body).toBe(202);
    const renewed = await waitForLicense(env, number, 'renewed', (v) => v.renewals === 1);
    expect(renewed).toMatchObject({ status: 'active', lastRenewalLate: false });
    expect((await timeline(env, number)).map((e) => e.event)).toEqual(['imported', 'renewal_requested', 'renewed']);
    expect(await licenseSms(env, number)).toEqual({ renewed: 1 });

    for (const d of documents) {
      expect(await documentRow(d.documentId), d.type).toMatchObject({ state: 'attached', application_id: null, license_number: number });
    }
    const [lease] = documents.filter((d) => d.type === 'lease_or_deed');
    // The holder, their office and the municipality see a file the renewal took; another office does not.
    for (const who of ['clerk', 'health', 'applicant', 'supervisor'] as const) {
      expect((await call(env.api, who, 'GET', `/documents/${lease!.documentId}`)).statusCode, who).toBe(200);
    }
    expect((await call(env.api, 'clerkB', 'GET', `/documents/${lease!.documentId}`)).statusCode).toBe(404);
    // Taken by a license, an upload is not the uploader's to delete, nor another filing's to name.
    const del = await env.api.inject({ method: 'DELETE', url: `/documents/${lease!.documentId}`, headers: await env.auth('clerk') });
    expect(del.statusCode).toBe(409);
    expect(del.json().message).toMatch(new RegExp(`part of license ${number}`));

    // The sweep runs past the orphan window (an upload nothing names goes), and keeps what the renewal named.
    const loose = await uploadOk(env.api, 'clerk', { type: 'building_permit', file: { name: 'loose.pdf', bytes: sample('building-permit.pdf') } });
    await waitFor(`${loose} swept`, async () => (await documentRow(loose))?.state === 'removed' || undefined, { timeoutMs: 30_000 });
    for (const d of documents) {
      const row = await documentRow(d.documentId);
      expect(row, d.type).toMatchObject({ state: 'attached', license_number: number });
      expect(existsSync(fileOf(row!.storage_key)), d.type).toBe(true);
    }
    expect((await call(env.api, 'applicant', 'GET', `/documents/${lease!.documentId}`)).statusCode).toBe(200);
  }, 120_000);
});
