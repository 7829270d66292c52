// Documents end to end, on the real Temporal server, PostgreSQL and file store:
// upload, attach, file, review and download; every way an upload is refused;
// whose a document is; a filed document is never changed; the completeness
// check reads the stored files; the sweep's Schedule clears orphans and ends
// retention (durations in seconds), each removal audited.
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approve, call, commercialApplication, decide, getApp, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';
import { auditRowsFor, requestIdOf } from './support/audit-rows';
import { commercialUploads, multipartBody, sample, upload, uploadOk } from './support/uploads';

let env: TestEnv;
/** Sweeps every second; orphans after 6 s; bare references past their transition. */
let sweeping: TestEnv;
beforeAll(async () => {
  [env, sweeping] = await Promise.all([
    startTestEnv(),
    startTestEnv({ documents: { DOCUMENT_SWEEP_EVERY: '1s', DOCUMENT_ORPHAN_AFTER: '6s', DOCUMENT_REFERENCES_UNTIL: '2026-01-31' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([env?.close(), sweeping?.close()]);
});

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(4096, 1)]);

async function documentRow(e: TestEnv, id: string) {
  const [row] = await rowsOf<{ state: string; storage_key: string; application_id: string | null; removal_reason: string | null }>(
    e.db.db,
    sql`select state, storage_key, application_id, removal_reason from documents where id = ${id}`,
  );
  return row;
}
const fileOf = (e: TestEnv, key: string) => path.join(e.filesDir, key.slice(0, 2), key);

describe('a filed application carries its files', () => {
  it('uploads, files, reviews and issues, and each who may see the case downloads the very bytes', async () => {
    const documents = await commercialUploads(env.api);
    const body = commercialApplication({ documents, applicant: { ...commercialApplication().applicant, nationalId: env.users.applicant.nationalId! } });
    const res = await submit(env.api, body);
    expect(res.statusCode, res.body).toBe(201);
    // Uploads are the current form: no deprecation notice.
    expect(res.headers.deprecation).toBeUndefined();
    const id = res.json().id as string;

    const inReview = await waitForStage(env.api, id, 'review');
    expect(inReview.deficiencies).toEqual([]);
    const lease = inReview.documents.find((d: { type: string }) => d.type === 'lease_or_deed');
    expect(lease).toMatchObject({ documentId: documents[1]!.documentId, name: 'lease.pdf', contentType: 'application/pdf', sha256: sha(sample('lease.pdf')), url: `/documents/${documents[1]!.documentId}` });
    expect(inReview.documents.find((d: { type: string }) => d.type === 'storefront_photo')).toMatchObject({ name: 'واجهة المحل.png', contentType: 'image/png' });
    expect(await documentRow(env, documents[1]!.documentId)).toMatchObject({ state: 'attached', application_id: id });

    await decide(env.api, id, approve('technical'));
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');

    for (const who of ['inspector', 'clerk', 'manager', 'supervisor', 'auditor', 'applicant'] as const) {
      const got = await call(env.api, who, 'GET', lease.url);
      expect(got.statusCode, `${who}: ${got.body.slice(0, 200)}`).toBe(200);
      expect(got.rawPayload.equals(sample('lease.pdf'))).toBe(true);
      expect(got.headers['content-type']).toBe('application/pdf');
      expect(got.headers['content-disposition']).toBe(`attachment; filename="lease.pdf"; filename*=UTF-8''lease.pdf`);
      expect(got.headers['x-content-type-options']).toBe('nosniff');
    }
    const photo = await call(env.api, 'inspector', 'GET', `/documents/${documents[0]!.documentId}?disposition=inline`);
    expect(photo.headers['content-type']).toBe('image/png');
    expect(photo.headers['content-disposition']).toBe(`inline; filename="_____ _____.png"; filename*=UTF-8''${encodeURIComponent('واجهة المحل.png')}`);
  });

  it('answers 404 to a download by anyone who may not see the case, as if the document did not exist', async () => {
    const documents = await commercialUploads(env.api);
    const res = await submit(env.api, commercialApplication({ documents }));
    expect(res.statusCode).toBe(201);
    const url = `/documents/${documents[0]!.documentId}`;
    for (const who of ['clerkB', 'healthB', 'managerB', 'applicant'] as const) {
      const got = await call(env.api, who, 'GET', url);
      expect(got.statusCode, who).toBe(404);
      expect(got.json()).toEqual({ error: 'not_found', message: `no document ${documents[0]!.documentId}` });
    }
    const unknown = await call(env.api, 'supervisor', 'GET', '/documents/DOC-0000000000000000');
    expect(unknown.statusCode).toBe(404);
    expect((await env.api.inject({ method: 'GET', url })).statusCode).toBe(401);
  });

  it('answers a retried upload (same Idempotency-Key, same file) with the first document, and refuses the key for another file', async () => {
    const parts = { type: 'building_permit', file: { name: 'permit.pdf', bytes: sample('building-permit.pdf') } };
    const first = await upload(env.api, 'clerk', parts, 'upload-key-0001');
    const again = await upload(env.api, 'clerk', parts, 'upload-key-0001');
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await upload(env.api, 'clerk', { ...parts, file: { name: 'permit.pdf', bytes: sample('lease.pdf') } }, 'upload-key-0001');
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe('idempotency_key_reused');
    const [counted] = await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from documents where uploaded_by = ${env.users.clerk.sub} and idempotency_key like ${'%upload-key-0001'}`);
    expect(counted!.n).toBe(1);
  });
});

describe('who may upload', () => {
  it('lets an applicant upload and file under their own national ID, and an office refuses to name that upload', async () => {
    const documents = await commercialUploads(env.api, 'applicant');
    const base = commercialApplication();
    const body = commercialApplication({ documents, officeId: env.offices.a, applicant: { ...base.applicant, nationalId: env.users.applicant.nationalId! } });
    const byClerk = await submit(env.api, body);
    expect(byClerk.statusCode).toBe(400);
    expect(byClerk.json().error).toBe('unknown_document');
    const own = await submit(env.api, body, undefined, 'applicant');
    expect(own.statusCode, own.body).toBe(201);
    expect(await documentRow(env, documents[0]!.documentId)).toMatchObject({ state: 'attached', application_id: own.json().id });
    // The case's office now sees the applicant's files.
    expect((await call(env.api, 'inspector', 'GET', `/documents/${documents[0]!.documentId}`)).statusCode).toBe(200);
  });

  it("lets an office's software upload with a key scoped to filing, and not with a read-only key", async () => {
    const mint = async (scopes: string[]) =>
      (await call(env.api, 'manager', 'POST', `/offices/${env.offices.a}/api-keys`, { name: `uploads ${scopes.join(' ')}`, scopes })).json().key as string;
    const [filing, reading] = await Promise.all([mint(['application.submit', 'application.read']), mint(['application.read'])]);
    const send = (key: string) => {
      const { payload, contentType } = multipartBody({ type: 'building_permit', file: { name: 'permit.pdf', bytes: sample('building-permit.pdf') } });
      return env.api.inject({ method: 'POST', url: '/documents', payload, headers: { 'x-api-key': key, 'content-type': contentType } });
    };
    const ok = await send(filing);
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await env.api.inject({ method: 'GET', url: ok.json().url, headers: { 'x-api-key': filing } })).statusCode).toBe(200);
    // Its office's clerk may name it: it is the office's upload.
    expect(await documentRow(env, ok.json().id)).toMatchObject({ state: 'uploaded' });
    expect((await send(reading)).statusCode).toBe(403);
  });
});

describe('an upload is judged before it is kept', () => {
  const pdf = (name = 'x.pdf') => ({ name, bytes: sample('civil-defense.pdf'), contentType: 'application/pdf' });
  const cases: [string, Parameters<typeof upload>[2], number, string, string][] = [
    ['a PDF as a storefront photo', { type: 'storefront_photo', file: pdf() }, 415, 'file_type_not_accepted', 'body/file'],
    ['a renamed executable', { type: 'building_permit', file: { name: 'permit.pdf', bytes: ELF, contentType: 'application/pdf' } }, 415, 'file_type_not_accepted', 'body/file'],
    ['a photo over its type\'s 5 MiB', { type: 'storefront_photo', file: { name: 'big.png', bytes: Buffer.concat([sample('storefront.png'), Buffer.alloc(5 * 1024 * 1024)]) } }, 413, 'file_too_large', 'body/file'],
    ['a file over the 10 MiB any upload may be', { type: 'building_permit', file: { name: 'huge.pdf', bytes: Buffer.concat([sample('building-permit.pdf'), Buffer.alloc(10 * 1024 * 1024)]) } }, 413, 'file_too_large', 'body/file'],
    ['an empty file', { type: 'building_permit', file: { name: 'empty.pdf', bytes: Buffer.alloc(0) } }, 400, 'file_empty', 'body/file'],
    ['a civil-defense certificate without its expiry date', { type: 'civil_defense', file: pdf() }, 400, 'validation_failed', 'body/expiresOn'],
    ['an expiry that is no date', { type: 'civil_defense', expiresOn: '2027-02-30', file: pdf() }, 400, 'validation_failed', 'body/expiresOn'],
    ['no type', { file: pdf() }, 400, 'validation_failed', 'body/type'],
    ['a type that is not one', { type: 'passport', file: pdf() }, 400, 'validation_failed', 'body/type'],
    ['no file', { type: 'building_permit' }, 400, 'validation_failed', 'body/file'],
    ['a field that is not an upload\'s', { type: 'building_permit', extra: { owner: 'x' }, file: pdf() }, 400, 'validation_failed', 'body/owner'],
  ];
  it.each(cases)('refuses %s, naming the field, keeps nothing, and audits the refusal', async (_what, parts, status, error, field) => {
    const before = await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from documents`);
    const res = await upload(env.api, 'clerk', parts);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toMatchObject({ error, field });
    const after = await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from documents`);
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(await auditRowsFor(env.db.db, requestIdOf(res))).toEqual([expect.objectContaining({ method: 'POST', route: '/documents', statusCode: status })]);
  });

  it('answers a malformed or oversized multipart body with a 4xx naming the body, never a 500', async () => {
    const headers = { ...(await env.auth('clerk')) };
    const boundary = '----x';
    const part = (name: string, body: string, file?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"` : ''}\r\n\r\n${body}\r\n`;
    const bodies: [string, string, string][] = [
      ['truncated mid-file', `${part('type', 'building_permit')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.pdf"\r\n\r\n%PDF-1.4 cut`, `multipart/form-data; boundary=${boundary}`],
      ['no boundary', part('type', 'building_permit'), 'multipart/form-data'],
      ['two files', `${part('type', 'building_permit')}${part('file', '%PDF-1.4 a', 'a.pdf')}${part('file', '%PDF-1.4 b', 'b.pdf')}--${boundary}--\r\n`, `multipart/form-data; boundary=${boundary}`],
      ['a long field', `${part('type', 'x'.repeat(10_000))}${part('file', '%PDF-1.4 a', 'a.pdf')}--${boundary}--\r\n`, `multipart/form-data; boundary=${boundary}`],
      ['a file part named otherwise', `${part('type', 'building_permit')}${part('upload', '%PDF-1.4 a', 'a.pdf')}--${boundary}--\r\n`, `multipart/form-data; boundary=${boundary}`],
    ];
    for (const [what, payload, contentType] of bodies) {
      const res = await env.api.inject({ method: 'POST', url: '/documents', payload, headers: { ...headers, 'content-type': contentType } });
      expect(res.statusCode, `${what}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(500);
      expect(res.json().field, what).toMatch(/^body/);
    }
  });

  it('refuses a JSON body (415) and a caller who may not file (403)', async () => {
    const json = await call(env.api, 'clerk', 'POST', '/documents', { type: 'building_permit' });
    expect(json.statusCode).toBe(415);
    const denied = await upload(env.api, 'inspector', { type: 'building_permit', file: { name: 'p.pdf', bytes: sample('building-permit.pdf') } });
    expect(denied.statusCode).toBe(403);
  });
});

describe('whose a document is', () => {
  it("refuses another office's upload in an application, and hides it from that office altogether", async () => {
    const theirs = await uploadOk(env.api, 'clerkB', { type: 'building_permit', file: { name: 'permit.pdf', bytes: sample('building-permit.pdf') } });
    const documents = (await commercialUploads(env.api)).map((d) => (d.type === 'building_permit' ? { ...d, documentId: theirs } : d));
    const res = await submit(env.api, commercialApplication({ documents }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'unknown_document', field: 'body/documents/2/documentId' });
    expect((await call(env.api, 'clerk', 'GET', `/documents/${theirs}`)).statusCode).toBe(404);
    const del = await env.api.inject({ method: 'DELETE', url: `/documents/${theirs}`, headers: await env.auth('clerk') });
    expect(del.statusCode).toBe(404);
    expect(await documentRow(env, theirs)).toMatchObject({ state: 'uploaded', application_id: null });
    // Office B itself sees it, before it is filed.
    expect((await call(env.api, 'clerkB', 'GET', `/documents/${theirs}`)).statusCode).toBe(200);
  });

  it('refuses an upload named under another type, and one named twice', async () => {
    const documents = await commercialUploads(env.api);
    const wrongType = documents.map((d) => (d.type === 'building_permit' ? { ...d, documentId: documents[1]!.documentId } : d));
    const res = await submit(env.api, commercialApplication({ documents: wrongType }));
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toMatch(/^body\/documents\/\d\/(type|documentId)$/);
    const both = await submit(env.api, commercialApplication({ documents: [{ type: 'building_permit', documentId: documents[2]!.documentId, reference: 'x' }] as never }));
    expect(both.statusCode).toBe(400);
    expect(both.json().field).toBe('body/documents/0');
  });
});

describe('a filed document is never changed', () => {
  it('cannot go into a second application, be taken back, or be served once its bytes were altered', async () => {
    const documents = await commercialUploads(env.api);
    const first = await submit(env.api, commercialApplication({ documents }));
    expect(first.statusCode).toBe(201);
    const second = await submit(env.api, commercialApplication({ documents }));
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: 'document_in_use', field: 'body/documents/0/documentId' });

    const del = await env.api.inject({ method: 'DELETE', url: `/documents/${documents[0]!.documentId}`, headers: await env.auth('clerk') });
    expect(del.statusCode).toBe(409);
    expect(del.json().error).toBe('document_attached');
    expect(await auditRowsFor(env.db.db, requestIdOf(del))).toEqual([expect.objectContaining({ method: 'DELETE', statusCode: 409, targetId: documents[0]!.documentId })]);

    // Someone with access to the disk rewrites the file: it is not served.
    const row = await documentRow(env, documents[2]!.documentId);
    writeFileSync(fileOf(env, row!.storage_key), sample('lease.pdf'));
    const got = await call(env.api, 'inspector', 'GET', `/documents/${documents[2]!.documentId}`);
    expect(got.statusCode).toBe(409);
    expect(got.json().error).toBe('document_altered');
  });

  it('goes to one case only when several filings name it at once', async () => {
    const documents = await commercialUploads(env.api);
    const body = commercialApplication({ documents });
    const answers = await Promise.all(Array.from({ length: 6 }, () => submit(env.api, { ...body, establishment: { ...body.establishment } })));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409]);
    const winner = answers.find((a) => a.statusCode === 201)!.json().id as string;
    for (const d of documents) expect(await documentRow(env, d.documentId)).toMatchObject({ state: 'attached', application_id: winner });
    const [cases] = await rowsOf<{ n: number }>(env.db.db, sql`select count(*)::int as n from applications where cr_number = ${body.establishment.crNumber}`);
    expect(cases!.n).toBe(1);
  });

  it('may be taken back while no application names it', async () => {
    const id = await uploadOk(env.api, 'clerk', { type: 'building_permit', file: { name: 'p.pdf', bytes: sample('building-permit.pdf') } });
    const key = (await documentRow(env, id))!.storage_key;
    expect(existsSync(fileOf(env, key))).toBe(true);
    const del = await env.api.inject({ method: 'DELETE', url: `/documents/${id}`, headers: await env.auth('clerk') });
    expect(del.statusCode).toBe(204);
    expect(await documentRow(env, id)).toBeUndefined();
    expect(existsSync(fileOf(env, key))).toBe(false);
  });
});

describe('the completeness check reads the stored documents', () => {
  it('asks for a missing file, then an expired one, and goes on once a correction uploads a valid one; what was replaced stays with the case', async () => {
    const uploads = await commercialUploads(env.api, 'clerk');
    const health = healthApplication();
    const clean = await uploadOk(env.api, 'clerk', { type: 'cleaning_contract', expiresOn: inAYear(), file: { name: 'cleaning.pdf', bytes: sample('cleaning-contract.pdf') } });
    const documents = [...uploads.filter((d) => d.type !== 'civil_defense'), { type: 'cleaning_contract' as const, documentId: clean }];
    const res = await submit(env.api, { ...health, documents });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    const missing = await waitForStage(env.api, id, 'awaiting_correction');
    expect(missing.deficiencies.map((d: { code: string; field: string }) => [d.code, d.field])).toEqual([['DOC_MISSING', 'documents/civil_defense']]);

    const expired = await uploadOk(env.api, 'clerk', { type: 'civil_defense', expiresOn: '2025-06-30', file: { name: 'cd-old.pdf', bytes: sample('civil-defense.pdf') } });
    const c1 = await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: [{ type: 'civil_defense', documentId: expired }] });
    expect(c1.statusCode, c1.body).toBe(200);
    const stale = await waitForApp(env.api, id, 'asked again', (a) => a.stage === 'awaiting_correction' && a.deficiencies.some((d: { code: string }) => d.code === 'DOC_EXPIRED'));
    expect(stale.deficiencies.map((d: { code: string; field: string }) => [d.code, d.field])).toEqual([['DOC_EXPIRED', 'documents/civil_defense']]);

    const valid = await uploadOk(env.api, 'clerk', { type: 'civil_defense', expiresOn: inAYear(), file: { name: 'cd-new.pdf', bytes: sample('civil-defense.pdf') } });
    const c2 = await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: [{ type: 'civil_defense', documentId: valid }] });
    expect(c2.statusCode, c2.body).toBe(200);
    const review = await waitForStage(env.api, id, 'review');
    expect(review.deficiencies).toEqual([]);
    expect(review.documents.find((d: { type: string }) => d.type === 'civil_defense').documentId).toBe(valid);
    expect(review.supersededDocuments).toEqual([expect.objectContaining({ id: expired, state: 'superseded', applicationId: id })]);
    // The replaced file is still there for the record.
    expect((await call(env.api, 'health', 'GET', `/documents/${expired}`)).statusCode).toBe(200);
  });

  it('gives an upload back when the case refuses the correction it came with', async () => {
    const documents = await commercialUploads(env.api);
    const res = await submit(env.api, commercialApplication({ documents }));
    const id = res.json().id as string;
    await waitForStage(env.api, id, 'review');
    const spare = await uploadOk(env.api, 'clerk', { type: 'building_permit', file: { name: 'p2.pdf', bytes: sample('building-permit.pdf') } });
    const refused = await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: [{ type: 'building_permit', documentId: spare }] });
    expect(refused.statusCode).toBe(409);
    expect(await documentRow(env, spare)).toMatchObject({ state: 'uploaded', application_id: null });
  });

  it('fails a file whose row says it was removed, as missing', async () => {
    const documents = await commercialUploads(env.api);
    await env.db.db.execute(sql`update documents set state = 'removed', removal_reason = 'orphaned' where id = ${documents[3]!.documentId}`);
    const res = await submit(env.api, commercialApplication({ documents }));
    // A removed upload cannot be named at all.
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'document_removed', field: 'body/documents/3/documentId' });
  });
});

describe('the transition from bare references', () => {
  it('still takes a reference, and says in the answer that the form is deprecated and until when', async () => {
    const res = await submit(env.api, commercialApplication());
    expect(res.statusCode).toBe(201);
    expect(res.headers.deprecation).toBe(`@${Date.parse('2026-12-01T00:00:00+03:00') / 1000}`);
    expect(res.headers.sunset).toBe(new Date('2027-05-31T23:59:59+03:00').toUTCString());
    expect(res.headers.link).toContain('rel="deprecation"');
  });

  it('refuses a reference once the transition has ended, naming the field', async () => {
    const res = await submit(sweeping.api, commercialApplication());
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'references_retired', field: 'body/documents/0/reference' });
  });
});

describe('the document sweep (a Temporal Schedule)', () => {
  const removedAudit = (e: TestEnv, id: string) =>
    rowsOf<{ actor_kind: string; operation: string; details: Record<string, unknown> }>(
      e.db.db,
      sql`select actor_kind, operation, details from audit_log where target_type = 'document' and target_id = ${id} and operation = 'document.remove'`,
    );

  it('removes an upload no application named within DOCUMENT_ORPHAN_AFTER, file and all, with an audit row', async () => {
    const id = await uploadOk(sweeping.api, 'clerk', { type: 'building_permit', file: { name: 'p.pdf', bytes: sample('building-permit.pdf') } });
    const key = (await documentRow(sweeping, id))!.storage_key;
    const gone = await waitFor(`${id} removed`, async () => {
      const row = await documentRow(sweeping, id);
      return row?.state === 'removed' ? row : undefined;
    }, { timeoutMs: 30_000 });
    expect(gone.removal_reason).toBe('orphaned');
    expect(existsSync(fileOf(sweeping, key))).toBe(false);
    expect(await removedAudit(sweeping, id)).toEqual([{ actor_kind: 'system', operation: 'document.remove', details: { reason: 'orphaned', type: 'building_permit', applicationId: null } }]);
    const got = await call(sweeping.api, 'clerk', 'GET', `/documents/${id}`);
    expect(got.statusCode).toBe(410);
    expect(got.json().error).toBe('document_removed');
  });

  it("keeps an upload a console draft names while the draft is worked on, and lets both go once it is left", async () => {
    const held = await uploadOk(sweeping.api, 'clerk', { type: 'lease_or_deed', expiresOn: inAYear(), file: { name: 'lease.pdf', bytes: sample('lease.pdf') } });
    const draftId = `d_test_${held.slice(-8)}`;
    const data = { body: { documents: [{ type: 'lease_or_deed', documentId: held }] }, files: {} };
    await sweeping.db.db.execute(sql`insert into filing_drafts (id, owner_id, data) values (${draftId}, 'clerk', ${JSON.stringify(data)}::jsonb)`);
    // Kept fresh by its clerk; an upload beside it, named by nothing, is swept: runs past the window have been.
    const loose = await uploadOk(sweeping.api, 'clerk', { type: 'building_permit', file: { name: 'p.pdf', bytes: sample('building-permit.pdf') } });
    await waitFor(`${loose} removed`, async () => {
      await sweeping.db.db.execute(sql`update filing_drafts set updated_at = now() where id = ${draftId}`);
      return (await documentRow(sweeping, loose))?.state === 'removed' || undefined;
    }, { timeoutMs: 30_000 });
    expect(await documentRow(sweeping, held)).toMatchObject({ state: 'uploaded' });
    // Left for longer than the window: the draft goes, and its upload after it.
    await sweeping.db.db.execute(sql`update filing_drafts set updated_at = now() - interval '1 hour' where id = ${draftId}`);
    await waitFor(`${held} removed`, async () => (await documentRow(sweeping, held))?.state === 'removed' || undefined, { timeoutMs: 30_000 });
    expect(await rowsOf(sweeping.db.db, sql`select id from filing_drafts where id = ${draftId}`)).toEqual([]);
  });

  it("keeps a filed case's files for its retention: from the close, or from the license's expiry", async () => {
    await sweeping.db.db.execute(sql`update document_rules set retention = '2 seconds'`);
    // Excluded at once (area below the activity's minimum): retention counts from the close.
    const small = commercialApplication({ documents: await commercialUploads(sweeping.api) });
    const excluded = await submit(sweeping.api, { ...small, establishment: { ...small.establishment, areaSqm: 5 } });
    expect(excluded.statusCode, excluded.body).toBe(201);
    // Issued, its license then lapsed (set back, as time would): retention counts from the expiry.
    const lapsedDocs = await commercialUploads(sweeping.api);
    const lapsed = (await submit(sweeping.api, commercialApplication({ documents: lapsedDocs }))).json().id as string;
    // Issued and current: kept.
    const currentDocs = await commercialUploads(sweeping.api);
    const current = (await submit(sweeping.api, commercialApplication({ documents: currentDocs }))).json().id as string;
    for (const id of [lapsed, current]) {
      await waitForStage(sweeping.api, id, 'review');
      await decide(sweeping.api, id, approve('technical'));
      await waitForApp(sweeping.api, id, 'issued', (a) => a.status === 'issued');
    }
    await sweeping.db.db.execute(sql`update licenses set expires_on = current_date - 1 where application_id = ${lapsed}`);
    const excludedId = excluded.json().id as string;
    await waitForApp(sweeping.api, excludedId, 'excluded', (a) => a.status === 'excluded');
    const excludedDocs = (await getApp(sweeping.api, excludedId)).documents as { documentId: string }[];

    for (const d of [...excludedDocs, ...lapsedDocs]) {
      await waitFor(`${d.documentId} past retention`, async () => (await documentRow(sweeping, d.documentId))?.state === 'removed', { timeoutMs: 30_000 });
      expect(await removedAudit(sweeping, d.documentId)).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'retention_ended' }) })]);
    }
    // Runs have come and gone since; the current license's files are all still kept.
    for (const d of currentDocs) expect(await documentRow(sweeping, d.documentId)).toMatchObject({ state: 'attached' });
    const schedule = await sweeping.client.schedule.getHandle(`document-sweep:${sweeping.config.temporal.taskQueue}`).describe();
    expect(schedule.info.recentActions.length).toBeGreaterThan(0);
  });
});
