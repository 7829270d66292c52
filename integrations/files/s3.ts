// The file store in production: an S3-compatible object store (AWS S3, or
// SeaweedFS / MinIO on the municipality's own machines, addressed path-style).
// Same contract as the local store: keys the store chose, a file visible only
// once whole (a PutObject is atomic: an interrupted one leaves no object), size
// and SHA-256 of the bytes kept.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { checkFileKey, measuring, newFileKey, type FileStore, type StoredFile } from './store';

/** The store sits on the same network: a connection not made by then means it is down, and a health check should say so soon. */
const CONNECTION_TIMEOUT_MS = 3_000;
/** Until the answer's headers: a PutObject of the largest upload over a slow link fits well within it; a hung store does not. */
const REQUEST_TIMEOUT_MS = 60_000;
/** A socket with no bytes moving for this long is a stalled transfer (also while a download streams to a client). */
const SOCKET_IDLE_TIMEOUT_MS = 30_000;
/**
 * put() holds the whole file in memory (see there); uploads are limited to
 * about 10 MiB before they reach a store, so anything past this is a caller
 * that skipped the limit, refused before it can exhaust the heap.
 */
export const MAX_PUT_BYTES = 32 * 1024 * 1024;

/** Every S3 client of ours (the store's, the tests') is made here, with the timeouts above. */
export function s3Client(config: S3ClientConfig): S3Client {
  // The SDK is pinned on purpose (package.json); its notice that later releases need Node 22 is known, and it checks this when a client is made.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
    },
    ...config,
  });
}

export interface S3FileStoreOptions {
  /** Omit for AWS itself; e.g. http://seaweedfs:8333 for a store of one's own. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Both or neither: without them the SDK's own chain applies (environment, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** true for SeaweedFS and MinIO (bucket in the path, not the host name). */
  forcePathStyle: boolean;
  /** Put before every key, e.g. "documents/", to share a bucket; empty by default. */
  prefix?: string;
}

export class S3FileStore implements FileStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(opts: S3FileStoreOptions) {
    if ((opts.accessKeyId === undefined) !== (opts.secretAccessKey === undefined)) {
      throw new Error('S3FileStore: give both accessKeyId and secretAccessKey, or neither');
    }
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    this.client = s3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      credentials:
        opts.accessKeyId !== undefined && opts.secretAccessKey !== undefined
          ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
          : undefined,
    });
  }

  private objectKey(key: string): string {
    return this.prefix + checkFileKey(key);
  }

  /**
   * Reads the whole stream into memory, measuring it, then sends one PutObject.
   * Streaming to S3 needs a known length or a multipart upload
   * (@aws-sdk/lib-storage, not a dependency); for files of at most ~10 MiB one
   * buffer is simpler, and a stream that breaks off fails before anything is
   * sent, so no object is ever written from part of a file.
   */
  async put(bytes: Readable): Promise<StoredFile> {
    const key = newFileKey();
    const measure = measuring();
    const chunks: Buffer[] = [];
    let buffered = 0;
    await pipeline(bytes, measure.stream, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        buffered += chunk.length;
        if (buffered > MAX_PUT_BYTES) throw new Error(`S3FileStore: file larger than ${MAX_PUT_BYTES} bytes`);
        chunks.push(chunk);
      }
    });
    const { size, sha256 } = measure.result();
    const body = Buffer.concat(chunks, size);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentLength: size,
        ContentType: 'application/octet-stream',
        // The store checks the bytes it received against the hash we report, so the two cannot differ.
        ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      }),
    );
    return { key, size, sha256 };
  }

  async get(key: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      // On Node the SDK's body is the HTTP response itself, an IncomingMessage.
      if (!(out.Body instanceof Readable)) throw new Error('S3FileStore: the SDK gave no Node stream for the body');
      return out.Body;
    } catch (err) {
      if (isNoSuchKey(err)) return undefined;
      throw err;
    }
  }

  /** S3 answers 204 for a key that is not there, so a retried clean-up needs nothing special. */
  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  /** For health checks: throws unless the bucket exists and these credentials may reach it. */
  async checkBucket(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  check(): Promise<void> {
    return this.checkBucket();
  }

  /** Creates the bucket when it is missing: for tests and compose's files-bucket job. A bucket on AWS is the operator's to make, with its policies and versioning. */
  async ensureBucket(): Promise<void> {
    try {
      await this.checkBucket();
      return;
    } catch (err) {
      if (!isMissingBucket(err)) throw err;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // Another process made it between our two calls.
      if (!(err instanceof S3ServiceException && err.name === 'BucketAlreadyOwnedByYou')) throw err;
    }
  }

  /** The SDK keeps sockets open for reuse; close them when the process is done with the store. */
  close(): void {
    this.client.destroy();
  }
}

/**
 * A 404 for the object. NoSuchBucket is a 404 too, but a missing bucket is a
 * misconfigured store, not a missing file: that one must reach the caller.
 */
function isNoSuchKey(err: unknown): boolean {
  return err instanceof S3ServiceException && err.name !== 'NoSuchBucket' && (err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404);
}

/** HeadBucket's answer has no body, so only its status says the bucket is missing. */
function isMissingBucket(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.name === 'NotFound' || err.name === 'NoSuchBucket' || err.$metadata.httpStatusCode === 404);
}
