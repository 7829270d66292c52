// Where uploaded files are kept, behind one interface: a folder under the data
// directory for the embedded default (npm start needs nothing else), an
// S3-compatible object store in production (integrations/files/s3.ts).
// Files are written once under a key the system chose, never the uploader's
// name, and are never changed: a correction supersedes a file with another.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';

export interface StoredFile {
  key: string;
  size: number;
  /** Hex SHA-256 of the bytes as stored. */
  sha256: string;
}

export interface FileStore {
  /** Streams the bytes in under a new key; the file is visible only once it is whole. */
  put(bytes: Readable): Promise<StoredFile>;
  /** The bytes of a stored file; undefined when no such key. */
  get(key: string): Promise<Readable | undefined>;
  /** Removes a file; removing one already gone is not an error (a retried clean-up). */
  remove(key: string): Promise<void>;
  /** Throws unless files can be kept now (the health check): the folder writable, the bucket reachable. */
  check(): Promise<void>;
  /** Lets go of connections (an S3 client's sockets); a folder holds none. */
  close?(): void;
}

/**
 * Keys are ours, the same in every store: 32 hex digits (128 random bits, so
 * never reused and never guessed), nothing of the uploader's in them, and safe
 * as a file name or an object key as they are.
 */
const KEY = /^[0-9a-f]{32}$/;

/** A key for a new file. */
export function newFileKey(): string {
  return randomBytes(16).toString('hex');
}

/** Refuses anything but a key a store made: no path or object name can be smuggled in through one. */
export function checkFileKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not a file key: ${JSON.stringify(key)}`);
  return key;
}

/** A pass-through that measures what flows through it: every store reports size and SHA-256 of the bytes it kept. */
export function measuring(): { stream: Transform; result(): { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest('hex') }) };
}

export class LocalFileStore implements FileStore {
  constructor(private readonly dir: string) {}

  /** Two of the key's digits are a folder, so no directory grows without bound. */
  private pathOf(key: string): string {
    checkFileKey(key);
    return path.join(this.dir, key.slice(0, 2), key);
  }

  async put(bytes: Readable): Promise<StoredFile> {
    const key = newFileKey();
    const final = this.pathOf(key);
    await mkdir(path.dirname(final), { recursive: true });
    // Written beside its final name, then renamed: a crash mid-write leaves a .part, never a torn file under a key.
    const part = `${final}.part`;
    const measure = measuring();
    try {
      await pipeline(bytes, measure.stream, createWriteStream(part, { flags: 'wx' }));
      await rename(part, final);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return { key, ...measure.result() };
  }

  async get(key: string): Promise<Readable | undefined> {
    const file = this.pathOf(key);
    try {
      await stat(file);
    } catch {
      return undefined;
    }
    return createReadStream(file);
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async check(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.W_OK);
  }
}
