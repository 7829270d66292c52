// The console's forms that carry files (a filing's documents, a correction's):
// multipart read only inside the scope these routes are registered in, every
// other console form staying urlencoded; a file too large said on the page
// rather than thrown as the API's 413.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';

/** One part of a multipart form, as @fastify/multipart attaches it to the body. */
interface FormPart {
  value?: unknown;
  filename?: string;
  file?: { truncated?: boolean };
  toBuffer?: () => Promise<Buffer>;
}
export type MultipartForm = Record<string, FormPart | FormPart[] | undefined>;

export interface FormFile {
  filename: string;
  /** Cut at the limit: the person is told, and nothing is kept. */
  truncated: boolean;
  bytes(): Promise<Buffer>;
}

const one = (form: MultipartForm, name: string): FormPart | undefined => {
  const p = form[name];
  return Array.isArray(p) ? p[0] : p;
};

/** A text field of the form, as typed (undefined when absent). */
export function textOf(form: MultipartForm, name: string): string | undefined {
  const v = one(form, name)?.value;
  return typeof v === 'string' ? v : undefined;
}

/** A file the person chose; a file input left empty (the browser sends it with no name) is none. */
export function fileOf(form: MultipartForm, name: string): FormFile | undefined {
  const p = one(form, name);
  if (!p?.toBuffer || !p.filename) return undefined;
  const read = p.toBuffer.bind(p);
  return { filename: p.filename, truncated: p.file?.truncated === true, bytes: read };
}

/** Registers `routes` in a scope of their own that reads multipart forms of at most `files` files of `maxBytes` each. */
export async function withUploads(app: FastifyInstance, opts: { maxBytes: number; files: number; fields: number }, routes: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(multipart, {
      attachFieldsToBody: true,
      throwFileSizeLimit: false,
      limits: { fields: opts.fields, fieldSize: 4_096, files: opts.files, parts: opts.fields + opts.files, headerPairs: 20, fileSize: opts.maxBytes },
    });
    routes(scope);
  });
}
