// The documents path with the production store: uploads kept in a real
// S3-compatible object store (SeaweedFS), filed, reviewed, issued, downloaded,
// an altered object refused, and the sweep removing an object it clears.
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app';
import { rowsOf } from '../db/client';
import { S3FileStore, s3Client } from '../integrations/files/s3';
import { DOCUMENT_SWEEP_WORKFLOW_TYPE } from '../workflows/documents/contract';
import { startTestEnv, type TestEnv } from './support/env';
import { approve, call, commercialApplication, decide, submit, waitForApp, waitForStage } from './support/fixtures';
import { startSeaweedFs, type SeaweedFs } from './support/seaweedfs';
import { commercialUploads, sample, uploadOk } from './support/uploads';

const BUCKET = 'tarkhees-documents';
let weed: SeaweedFs;
let env: TestEnv;
beforeAll(async () => {
  weed = await startSeaweedFs();
  const creds = { endpoint: weed.endpoint, region: weed.region, accessKeyId: weed.accessKeyId, secretAccessKey: weed.secretAccessKey, forcePathStyle: true };
  // The bucket exists before the system starts, as compose's files-bucket job makes sure.
  const store = new S3FileStore({ ...creds, bucket: BUCKET });
  await store.ensureBucket();
  store.close();
  env = await startTestEnv({
    documents: { FILES_STORE: 's3', S3_ENDPOINT: weed.endpoint, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: weed.accessKeyId, S3_SECRET_ACCESS_KEY: weed.secretAccessKey },
  });
}, 120_000);
afterAll(async () => {
  await env?.close();
  await weed?.stop();
});

const client = () => s3Client({ endpoint: weed.endpoint, region: weed.region, credentials: { accessKeyId: weed.accessKeyId, secretAccessKey: weed.secretAccessKey }, forcePathStyle: true });
const storageKey = async (id: string) => (await rowsOf<{ storage_key: string }>(env.db.db, sql`select storage_key from documents where id = ${id}`))[0]!.storage_key;
async function objectKeys(): Promise<string[]> {
  const c = client();
  try {
    return ((await c.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!);
  } finally {
    c.destroy();
  }
}

describe('documents in an S3-compatible object store', () => {
  it('uploads into the bucket, files, reviews, issues, and serves the very bytes back', async () => {
    const documents = await commercialUploads(env.api);
    const keys = await Promise.all(documents.map((d) => storageKey(d.documentId)));
    expect(await objectKeys()).toEqual(expect.arrayContaining(keys));
    const res = await submit(env.api, commercialApplication({ documents }));
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    await waitForStage(env.api, id, 'review');
    await decide(env.api, id, approve('technical'));
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const got = await call(env.api, 'inspector', 'GET', `/documents/${documents[1]!.documentId}`);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(sample('lease.pdf'))).toBe(true);
    expect(got.headers['content-type']).toBe('application/pdf');
  });

  it('refuses to serve an object rewritten behind its back', async () => {
    const id = await uploadOk(env.api, 'clerk', { type: 'building_permit', file: { name: 'p.pdf', bytes: sample('building-permit.pdf') } });
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: await storageKey(id), Body: sample('lease.pdf') }));
    c.destroy();
    const got = await call(env.api, 'clerk', 'GET', `/documents/${id}`);
    expect(got.statusCode).toBe(409);
    expect(got.json().error).toBe('document_altered');
  });

  it('reports the bucket in /health, and a 503 naming the store when it cannot be reached', async () => {
    const res = await env.api.inject({ method: 'GET', url: '/health' });
    expect(res.json()).toEqual({ ok: true, database: true, temporal: true, files: true });
    const store = env.config.documents.store;
    if (store.kind !== 's3') throw new Error('this file runs the S3 store');
    const cut = await buildApp({ config: { ...env.config, documents: { ...env.config.documents, store: { ...store, bucket: 'no-such-bucket' } } }, db: env.db.db, temporal: env.client, logger: false });
    try {
      const down = await cut.inject({ method: 'GET', url: '/health' });
      expect({ status: down.statusCode, body: down.json() }).toEqual({ status: 503, body: { ok: false, database: true, temporal: true, files: false } });
    } finally {
      await cut.close();
    }
  });

  it('has the sweep remove an orphan object from the bucket', async () => {
    const id = await uploadOk(env.api, 'clerk', { type: 'building_permit', file: { name: 'orphan.pdf', bytes: sample('building-permit.pdf') } });
    const key = await storageKey(id);
    expect(await objectKeys()).toContain(key);
    // One run as the Schedule starts it, with every upload older than now an orphan.
    const totals = await env.client.workflow.execute(DOCUMENT_SWEEP_WORKFLOW_TYPE, {
      taskQueue: env.config.temporal.taskQueue,
      workflowId: `sweep-now-${id}`,
      args: [{ orphanAfterMs: 0 }],
    });
    expect(totals.orphaned).toBeGreaterThanOrEqual(1);
    expect(await objectKeys()).not.toContain(key);
    expect((await call(env.api, 'clerk', 'GET', `/documents/${id}`)).statusCode).toBe(410);
  });
});
