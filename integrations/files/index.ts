// The file store the configuration names: a folder (the embedded default) or
// an S3-compatible object store. The API keeps and serves uploads through it;
// the worker's document sweep removes them.
import path from 'node:path';
import type { FileStoreConfig } from '../../config';
import { S3FileStore } from './s3';
import { LocalFileStore, type FileStore } from './store';

export function fileStoreFor(config: FileStoreConfig): FileStore {
  if (config.kind === 'local') return new LocalFileStore(path.resolve(config.dir));
  return new S3FileStore(config);
}

export type { FileStore } from './store';
