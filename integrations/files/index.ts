// The file store the configuration names: a folder (the embedded default) or
// an S3-compatible object store. The API keeps and serves uploads through it;
// the worker's document sweep removes them.
import path from 'node:path';
import type { FileStoreConfig } from '../../config';
import { LocalFileStore, type FileStore } from './store';

export function fileStoreFor(config: FileStoreConfig): FileStore {
  if (config.kind === 'local') return new LocalFileStore(path.resolve(config.dir));
  throw new Error('FILES_STORE=s3: the S3 store is not built into this version yet');
}

export type { FileStore } from './store';
