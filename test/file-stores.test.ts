// One contract, every file store: the local folder (npm start's default) on a
// temporary folder, and the S3 store on a real SeaweedFS. What a store holds is
// looked at from outside it (the folder's files, the bucket's listing), so a
// store cannot vouch for itself.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PUT_BYTES, s3Client, S3FileStore, type S3FileStoreOptions } from '../integrations/files/s3';
import { LocalFileStore, type FileStore } from '../integrations/files/store';
import { startSeaweedFs, type SeaweedFs } from './support/seaweedfs';

const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n', 'latin1');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
const KEY = /^[0-9a-f]{32}$/;

interface Subject {
  store: FileStore;
  /** Everything the store has written, read around it (files in the folder, objects in the bucket). */
  everything(): Promise<string[]>;
  close(): Promise<void>;
}

const read = async (r: Readable) => Buffer.concat(await r.toArray());
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function contract(name: string, open: () => Promise<Subject>) {
  describe(name, () => {
    let opening: Promise<Subject>;
    let subject: Subject;
    let store: FileStore;
    // Each test awaits the store itself: one that cannot start (no weed binary)
    // fails every test by name, where a failed beforeAll would report them skipped.
    const ready = async () => {
      subject = await opening;
      store = subject.store;
    };
    beforeAll(async () => {
      opening = open();
      await opening.catch(() => {});
    });
    afterAll(async () => {
      await opening?.then((s) => s.close(), () => {});
    });

    it('keeps the bytes under a key of its own, with their size and SHA-256, and gives them back', async () => {
      await ready();
      const body = Buffer.concat([PDF, Buffer.alloc(200_000, 7)]);
      const stored = await store.put(Readable.from([body.subarray(0, 1000), body.subarray(1000)]));
      expect(stored.key).toMatch(KEY);
      expect(stored.size).toBe(body.length);
      expect(stored.sha256).toBe(sha256(body));
      expect((await read((await store.get(stored.key))!)).equals(body)).toBe(true);
    });

    it('never reuses a key nor makes it from the bytes, and answers undefined for one it does not hold', async () => {
      await ready();
      const a = await store.put(Readable.from([PNG]));
      const b = await store.put(Readable.from([PNG]));
      expect(a.key).not.toBe(b.key);
      expect(a.sha256).toBe(b.sha256);
      expect(sha256(PNG).startsWith(a.key)).toBe(false);
      expect(await store.get('0'.repeat(32))).toBeUndefined();
    });

    it('refuses a key it did not make, so no path can be named through it', async () => {
      await ready();
      for (const bad of ['../../etc/passwd', `${'0'.repeat(32)}/../x`, 'A'.repeat(32), '']) {
        await expect(store.get(bad)).rejects.toThrow(/not a file key/);
        await expect(store.remove(bad)).rejects.toThrow(/not a file key/);
      }
    });

    it('leaves nothing behind when the upload breaks off mid-stream', async () => {
      await ready();
      const before = await subject.everything();
      const broken = new Readable({
        read() {
          this.push(JPEG);
          this.destroy(new Error('connection reset'));
        },
      });
      await expect(store.put(broken)).rejects.toThrow(/connection reset/);
      expect(await subject.everything()).toEqual(before);
    });

    it('removes a file, and removing it again is no error', async () => {
      await ready();
      const f = await store.put(Readable.from([JPEG]));
      const other = await store.put(Readable.from([PNG]));
      await store.remove(f.key);
      await store.remove(f.key);
      expect(await store.get(f.key)).toBeUndefined();
      expect((await subject.everything()).some((p) => p.endsWith(f.key))).toBe(false);
      // Only that one: its neighbour is still whole.
      expect((await read((await store.get(other.key))!)).equals(PNG)).toBe(true);
    });
  });
}

contract('the local file store', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tarkhees-files-'));
  return {
    store: new LocalFileStore(dir),
    async everything() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Shared by the S3 contract and the checks only an S3 store has. */
let seaweed: Promise<SeaweedFs> | undefined;
function seaweedFs(): Promise<SeaweedFs> {
  seaweed ??= startSeaweedFs();
  return seaweed;
}
afterAll(async () => {
  await seaweed?.then((s) => s.stop(), () => {});
});

function s3Options(s: SeaweedFs, bucket: string): S3FileStoreOptions {
  return { endpoint: s.endpoint, region: s.region, bucket, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, forcePathStyle: true, prefix: 'documents/' };
}

/** Every object in the bucket, whatever its prefix: a stray one anywhere counts. */
async function listBucket(s: SeaweedFs, bucket: string): Promise<string[]> {
  const client = s3Client({ endpoint: s.endpoint, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } });
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  } finally {
    client.destroy();
  }
}

contract('the S3 file store, on SeaweedFS', async () => {
  const s = await seaweedFs();
  const store = new S3FileStore(s3Options(s, 'contract'));
  await store.ensureBucket();
  return { store, everything: () => listBucket(s, 'contract'), close: async () => store.close() };
});

describe('the S3 file store, beyond the contract', () => {
  let s: SeaweedFs;
  const opened: S3FileStore[] = [];
  const open = (opts: S3FileStoreOptions) => {
    const store = new S3FileStore(opts);
    opened.push(store);
    return store;
  };
  let starting: Promise<SeaweedFs>;
  beforeAll(async () => {
    starting = seaweedFs();
    await starting.then((started) => console.info(`weed mini took ${started.startupMs} ms to take its first PutObject`), () => {});
  });
  beforeEach(async () => {
    // As in the contract: a server that did not start fails each test, never skips it.
    s = await starting;
  });
  afterAll(() => {
    for (const store of opened) store.close();
  });

  it('keeps each file under its prefix, as one object named by the key', async () => {
    const store = open(s3Options(s, 'prefixed'));
    await store.ensureBucket();
    const f = await store.put(Readable.from([PDF]));
    expect(await listBucket(s, 'prefixed')).toEqual([`documents/${f.key}`]);
  });

  it('says whether its bucket is there, and makes it only when asked', async () => {
    const store = open(s3Options(s, 'made-on-request'));
    await expect(store.checkBucket()).rejects.toThrow();
    await store.ensureBucket();
    await store.ensureBucket(); // a second process starting does the same
    await expect(store.checkBucket()).resolves.toBeUndefined();
  });

  it('treats a missing bucket as a broken store, not as a missing file', async () => {
    const store = open(s3Options(s, 'never-made'));
    await expect(store.get('0'.repeat(32))).rejects.toThrow();
    // Nor does a write make it: a misspelt S3_BUCKET must not start a second bucket.
    await expect(store.put(Readable.from([PDF]))).rejects.toThrow();
    await expect(store.checkBucket()).rejects.toThrow();
  });

  it('fails on a wrong secret, and its health check says so', async () => {
    await open(s3Options(s, 'contract')).ensureBucket();
    const store = open({ ...s3Options(s, 'contract'), secretAccessKey: 'not-the-secret' });
    await expect(store.checkBucket()).rejects.toThrow();
    await expect(store.put(Readable.from([PDF]))).rejects.toThrow(/signature/i);
  });

  it('refuses a file larger than it will hold in memory, before sending any of it', async () => {
    const store = open(s3Options(s, 'too-large'));
    await store.ensureBucket();
    const chunk = Buffer.alloc(1024 * 1024);
    const chunks = Math.floor(MAX_PUT_BYTES / chunk.length) + 1;
    await expect(store.put(Readable.from(Array.from({ length: chunks }, () => chunk)))).rejects.toThrow(/larger than/);
    expect(await listBucket(s, 'too-large')).toEqual([]);
  });

  it('refuses half a credential rather than falling back to another identity', () => {
    expect(() => new S3FileStore({ ...s3Options(s, 'contract'), secretAccessKey: undefined })).toThrow(/both/);
  });
});
