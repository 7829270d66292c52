import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { DOCUMENT_TYPES } from '../../domain/status';
import { HttpError } from '../errors';
import { principalOf } from '../plugins/auth';
import { BEARER_OR_KEY, CHANGE_ERRORS, DENIED, ErrorSchema, IdempotencyHeaders } from '../schemas';
import { DocumentIdParam, DocumentView, DownloadQuery } from './schemas';
import type { Upload } from './service';

/** The text fields an upload carries beside its file; anything more is not an upload of ours. */
const FIELD_LIMITS = { fields: 2, fieldSize: 64, files: 1, parts: 3, headerPairs: 20 };

const documents: FastifyPluginAsyncTypebox<{ maxBytes: number }> = async (app, opts) => {
  // Only here: every other route still refuses multipart bodies (415).
  await app.register(multipart, { limits: { ...FIELD_LIMITS, fileSize: opts.maxBytes } });

  app.post(
    '/documents',
    {
      config: { operation: Operation.applicationSubmit, target: 'document' },
      schema: {
        summary: 'Upload one document (multipart/form-data) to name in an application or a correction',
        description: `Parts: \`type\` (${DOCUMENT_TYPES.join(', ')}), \`expiresOn\` (YYYY-MM-DD; required for the types that lapse), and \`file\` (PDF, JPEG or PNG as the type's rule accepts, judged from the bytes). The answer's id goes into \`documents[].documentId\`. With an Idempotency-Key, a retry answers the first upload.`,
        tags: ['documents'],
        security: BEARER_OR_KEY,
        consumes: ['multipart/form-data'],
        headers: IdempotencyHeaders,
        response: { 201: DocumentView, 200: DocumentView, ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new HttpError(415, 'unsupported_media_type', 'body: an upload is multipart/form-data with a part named "file"', 'body');
      const upload = await readUpload(req.parts(), opts.maxBytes);
      const { document, replayed } = await app.documents.upload(upload, principalOf(req), req.headers['idempotency-key']);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(replayed ? 200 : 201).header('location', document.url).send(document);
    },
  );

  app.get(
    '/documents/:id',
    {
      config: { operation: Operation.applicationRead },
      schema: {
        summary: "A document's file, to those who may see its case (its uploader's office or applicant before it is filed)",
        tags: ['documents'],
        security: BEARER_OR_KEY,
        params: DocumentIdParam,
        querystring: DownloadQuery,
        produces: ['application/pdf', 'image/jpeg', 'image/png'],
        response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), 404: ErrorSchema, 409: ErrorSchema, 410: ErrorSchema, 503: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { bytes, headers } = await app.documents.download(req.params.id, principalOf(req), req.query.disposition);
      return reply.headers(headers).send(bytes);
    },
  );

  app.delete(
    '/documents/:id',
    {
      config: { operation: Operation.applicationSubmit, target: 'document' },
      schema: {
        summary: 'Take back an upload no application names yet (a filed one is never removed: a correction replaces it)',
        tags: ['documents'],
        security: BEARER_OR_KEY,
        params: DocumentIdParam,
        response: { 204: Type.Null(), ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => {
      await app.documents.remove(req.params.id, principalOf(req));
      return reply.status(204).send(null);
    },
  );
};

type Parts = ReturnType<import('fastify').FastifyRequest['parts']>;

/** The upload's parts, the file read whole (it is at most maxBytes); the multipart limits' errors named by field. */
async function readUpload(parts: Parts, maxBytes: number): Promise<Upload> {
  const upload: Upload = {};
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw new HttpError(400, 'validation_failed', `body/${part.fieldname}: the file part is named "file"`, `body/${part.fieldname}`);
        upload.file = { bytes: await part.toBuffer(), filename: part.filename };
      } else if (part.fieldname === 'type' || part.fieldname === 'expiresOn') {
        upload[part.fieldname] = String(part.value);
      } else {
        throw new HttpError(400, 'validation_failed', `body/${part.fieldname}: not a field of an upload (type, expiresOn, file)`, `body/${part.fieldname}`);
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new HttpError(413, 'file_too_large', `body/file: larger than the ${maxBytes} bytes any upload may be`, 'body/file');
    if (code === 'FST_FILES_LIMIT') throw new HttpError(400, 'validation_failed', 'body/file: one file per upload', 'body/file');
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') throw new HttpError(400, 'validation_failed', 'body: an upload carries type, expiresOn and one file, nothing more', 'body');
    if (code === 'FST_PROTO_VIOLATION' || code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') throw new HttpError(400, 'invalid_body', `body: ${(err as Error).message}`, 'body');
    if (err instanceof HttpError) throw err;
    // busboy's own complaints (a truncated body, a bad boundary) are the caller's malformed multipart.
    if (err instanceof Error && !('statusCode' in err)) throw new HttpError(400, 'invalid_body', `body: not a well-formed multipart body (${err.message})`, 'body');
    throw err;
  }
  return upload;
}

export default documents;
