// POST /operations/license-imports (administrators): a CSV of licenses from
// before Tarkhees, as the body (text/csv) or a multipart part named "file";
// GET /operations/license-imports/:id: its progress and its refusals by row.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Operation } from '../../domain/access';
import { IMPORT_COLUMNS } from '../../domain/license-import';
import { HttpError } from '../errors';
import { principalOf } from '../plugins/auth';
import { BEARER, CHANGE_ERRORS, DENIED, ErrorSchema } from '../schemas';
import { LicenseImportAccepted, LicenseImportIdParam, LicenseImportProgress } from './schemas';

/** A municipality's whole register in one file: 100,000 rows of about 250 bytes, with room. */
export const LICENSE_IMPORT_MAX_BYTES = 64 * 1024 * 1024;

const tags = ['operations'];

const licenseImports: FastifyPluginAsyncTypebox = async (app) => {
  // Only in this plugin: every other route still refuses CSV and multipart bodies (415).
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: LICENSE_IMPORT_MAX_BYTES }, (_req, body, done) => done(null, body));
  await app.register(multipart, { limits: { fields: 0, files: 1, parts: 1, fileSize: LICENSE_IMPORT_MAX_BYTES } });

  app.post(
    '/operations/license-imports',
    {
      config: { operation: Operation.licenseImport, target: 'license_import' },
      bodyLimit: LICENSE_IMPORT_MAX_BYTES,
      schema: {
        summary: 'Import licenses issued before Tarkhees from a CSV file: each good row becomes a license with its workflow at its true state; bad rows are named by row and column',
        description: `The body is the CSV (\`text/csv\`, UTF-8) or a multipart/form-data part named \`file\`. Columns (a header row names them): ${IMPORT_COLUMNS.join(', ')} (docs/samples/licenses-import.csv). Idempotent on the license number: a number already there is left as it is. 202: the import's id and counts; its workflow writes the licenses and starts theirs (GET /operations/license-imports/:id).`,
        tags,
        security: BEARER,
        consumes: ['text/csv', 'multipart/form-data'],
        response: { 202: LicenseImportAccepted, 413: ErrorSchema, 415: ErrorSchema, ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => {
      let csv: string;
      let source = 'api';
      if (req.isMultipart()) {
        const refused = (err: unknown): never => {
          if (err instanceof HttpError) throw err;
          if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new HttpError(413, 'file_too_large', `body/file: larger than ${LICENSE_IMPORT_MAX_BYTES} bytes`, 'body/file');
          throw new HttpError(400, 'invalid_body', `body: not a well-formed multipart body (${(err as Error).message})`, 'body');
        };
        const file = await req.file().catch(refused);
        if (!file || file.fieldname !== 'file') throw new HttpError(400, 'validation_failed', 'body/file: the CSV comes in a part named "file"', 'body/file');
        csv = (await file.toBuffer().catch(refused)).toString('utf8');
        // Only printable characters of the file's name reach the import's row.
        source = `api:${file.filename.replace(/[^\x20-\x7E\u0600-\u06FF]/g, '_').slice(0, 200)}`;
      } else if (typeof req.body === 'string') {
        csv = req.body;
      } else {
        throw new HttpError(415, 'unsupported_media_type', 'body: the CSV as text/csv, or multipart/form-data with a part named "file"', 'body');
      }
      const result = await app.licenseImports.start(csv, source, principalOf(req).id);
      req.auditDetails = { rows: result.rows, accepted: result.accepted, rejected: result.rejected };
      return reply.status(202).send(result);
    },
  );

  app.get(
    '/operations/license-imports/:id',
    {
      config: { operation: Operation.licenseImport },
      schema: {
        summary: "An import's progress: rows accepted and refused (by row and column), licenses written and workflows started",
        tags,
        security: BEARER,
        params: LicenseImportIdParam,
        response: { 200: LicenseImportProgress, 400: ErrorSchema, 404: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.licenseImports.progress(req.params.id),
  );
};

export default licenseImports;
