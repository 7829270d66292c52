// POST /applications/validate: a draft checked against the same rules a filing
// meets, on the real database (rules tables, stored documents), filing nothing.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { startTestEnv, type TestEnv } from './support/env';
import { call, commercialApplication, healthApplication } from './support/fixtures';
import { auditRowsFor, requestIdOf } from './support/audit-rows';
import { commercialUploads, sample, uploadOk } from './support/uploads';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ startWorker: false });
});
afterAll(async () => {
  await env?.close();
});

const validate = (body: unknown, who: Parameters<typeof call>[1] = 'clerk') => call(env.api, who, 'POST', '/applications/validate', body);
const codes = (res: { json(): { deficiencies: { code: string; field: string }[] } }) => res.json().deficiencies.map((d) => `${d.code} ${d.field}`);
const count = async (table: 'applications' | 'audit_log') => (await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from ${sql.raw(table)}`))[0]!.n;

describe('validating a draft', () => {
  it('names every field an empty draft still needs, in Arabic and English', async () => {
    const res = await validate({});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().fileable).toBe(false);
    expect(codes(res)).toEqual([
      'FIELD_REQUIRED applicant/nationalId',
      'FIELD_REQUIRED applicant/name',
      'FIELD_REQUIRED applicant/mobile',
      'FIELD_REQUIRED applicant/role',
      'FIELD_REQUIRED establishment/crNumber',
      'FIELD_REQUIRED establishment/tradeName',
      'FIELD_REQUIRED establishment/isicCode',
      'FIELD_REQUIRED establishment/district',
      'FIELD_REQUIRED establishment/areaSqm',
      'FIELD_REQUIRED licenseKind',
    ]);
    expect(res.json().deficiencies[1]).toMatchObject({ messageAr: 'الحقل مطلوب: اسم مقدم الطلب', messageEn: "Required: applicant's name" });
  });

  it('shows the documents and workers a café needs as soon as its kind and activity are known', async () => {
    const res = await validate({ licenseKind: 'health', establishment: { isicCode: '563001', location: { lat: 25.4, lng: 49.58 } } });
    expect(codes(res).filter((c) => !c.startsWith('FIELD_REQUIRED'))).toEqual([
      'DOC_MISSING documents/storefront_photo',
      'DOC_MISSING documents/lease_or_deed',
      'DOC_MISSING documents/building_permit',
      'DOC_MISSING documents/civil_defense',
      'DOC_MISSING documents/cleaning_contract',
      'WORKERS_MISSING workers',
    ]);
  });

  it('answers the conditions a whole draft would be excluded on', async () => {
    const body = commercialApplication();
    const res = await validate({ ...body, establishment: { ...body.establishment, areaSqm: 5 } });
    expect(codes(res)).toEqual(['AREA_TOO_SMALL establishment/areaSqm']);
  });

  it('passes a draft with its uploads, and files nothing, claims nothing and audits nothing', async () => {
    const documents = await commercialUploads(env.api);
    const [cases, audits] = [await count('applications'), await count('audit_log')];
    const res = await validate(commercialApplication({ documents }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ fileable: true, deficiencies: [] });
    expect(await count('applications')).toBe(cases);
    expect(await count('audit_log')).toBe(audits);
    expect(await auditRowsFor(env.db.db, requestIdOf(res))).toEqual([]);
    const [row] = await rowsOf<{ state: string }>(env.db.db, sql`select state from documents where id = ${documents[0]!.documentId}`);
    expect(row!.state).toBe('uploaded');
  });

  it('reads the uploads themselves: an expired file is a deficiency', async () => {
    const documents = await commercialUploads(env.api);
    const old = await uploadOk(env.api, 'clerk', { type: 'civil_defense', expiresOn: '2025-01-31', file: { name: 'cd.pdf', bytes: sample('civil-defense.pdf') } });
    const res = await validate(commercialApplication({ documents: documents.map((d) => (d.type === 'civil_defense' ? { ...d, documentId: old } : d)) }));
    expect(codes(res)).toEqual(['DOC_EXPIRED documents/civil_defense']);
  });

  it('refuses what a filing refuses, naming the field: a bad national ID, another office\'s upload, a caller who may not file', async () => {
    const badId = await validate({ applicant: { nationalId: '1000000000' } });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().field).toBe('body/applicant/nationalId');
    const theirs = await uploadOk(env.api, 'clerkB', { type: 'building_permit', file: { name: 'p.pdf', bytes: sample('building-permit.pdf') } });
    const other = await validate({ documents: [{ type: 'building_permit', documentId: theirs }] });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toMatchObject({ error: 'unknown_document', field: 'body/documents/0/documentId' });
    expect((await validate(healthApplication(), 'inspector')).statusCode).toBe(403);
    expect((await validate({ establishment: { crNumber: '12' } })).json().field).toBe('body/establishment/crNumber');
  });
});
