// One-shot job (the `files-bucket` service in docker-compose.yml): makes the
// documents bucket when it is missing, then proves the store takes a write
// (a probe file put and removed), so the worker and the API start against a
// store that works. Idempotent: run on every `up`, it changes nothing the
// second time.
//
// It reads the S3_* variables itself, the same ones the app reads: a bucket
// job must not need the database or Temporal settings loadConfig insists on.
import { Readable } from 'node:stream';
import { S3FileStore } from '../integrations/files/s3.ts';

/** SeaweedFS's S3 gateway answers some seconds before it takes writes; a cold volume on a slow disk, more. */
const READY_TIMEOUT_MS = 120_000;
const RETRY_MS = 1_000;

const env = (name, fallback) => {
  const v = process.env[name] || fallback;
  if (v === undefined) {
    console.error(`files-bucket: ${name} is not set`);
    process.exit(1);
  }
  return v;
};

if ((process.env.FILES_STORE ?? 's3') !== 's3') {
  console.log(`files-bucket: FILES_STORE=${process.env.FILES_STORE}; no bucket to make`);
  process.exit(0);
}
const bucket = env('S3_BUCKET');
const store = new S3FileStore({
  endpoint: process.env.S3_ENDPOINT || undefined,
  region: env('S3_REGION'),
  bucket,
  accessKeyId: process.env.S3_ACCESS_KEY_ID || undefined,
  secretAccessKey: process.env.S3_SECRET_ACCESS_KEY || undefined,
  forcePathStyle: env('S3_FORCE_PATH_STYLE', 'false') === 'true',
});

/**
 * Waiting will not mend a refusal: the identity in S3_* and the store's s3
 * config disagree. HeadBucket's 403 has no body to name it, so the status says it.
 */
const refused = (err) => err?.$metadata?.httpStatusCode === 403 || err?.$metadata?.httpStatusCode === 401;

const deadline = Date.now() + READY_TIMEOUT_MS;
for (;;) {
  try {
    await store.ensureBucket();
    const probe = await store.put(Readable.from([Buffer.from('files-bucket probe')]));
    await store.remove(probe.key);
    break;
  } catch (err) {
    if (refused(err)) {
      console.error(`files-bucket: the store refused our credentials (${err.name}, ${err.$metadata.httpStatusCode}); check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY against its s3 config`);
      process.exit(1);
    }
    if (Date.now() > deadline) {
      console.error(`files-bucket: the store at ${process.env.S3_ENDPOINT || 'AWS'} did not take a write within ${READY_TIMEOUT_MS} ms:`, err);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}
store.close();
console.log(`files-bucket: bucket ${bucket} is there and takes writes`);
