// An import of licenses from before Tarkhees: what it answers when taken, and its progress.
import { Type } from '@sinclair/typebox';
import { IsoDateTime, Nullable } from '../schemas';

export const LICENSE_IMPORT_ID_PATTERN = '^IMP-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{6}$';

export const LicenseImportIdParam = Type.Object({ id: Type.String({ pattern: LICENSE_IMPORT_ID_PATTERN, description: 'Import id, e.g. IMP-20261201-7KQ2MX' }) });

export const ImportErrorSchema = Type.Object({
  row: Type.Integer({ description: "The line in the file (1 is the header)" }),
  field: Type.String({ description: 'The column, `row` for the row as a whole, or `header`' }),
  message: Type.String(),
});

const counts = {
  id: Type.String(),
  rows: Type.Integer({ description: 'Data rows in the file' }),
  accepted: Type.Integer({ description: 'Rows that passed every check: each becomes (or finds) a license and its workflow' }),
  rejected: Type.Integer({ description: 'Rows refused, each named in errors' }),
  errors: Type.Array(ImportErrorSchema, { description: 'The refusals by row and column (the first 5,000)' }),
};

export const LicenseImportAccepted = Type.Object({
  ...counts,
  status: Type.Union([Type.Literal('running'), Type.Literal('finished')]),
});

export const LicenseImportProgress = Type.Object({
  ...counts,
  status: Type.Union([Type.Literal('running'), Type.Literal('finished')], { description: 'finished: every accepted row has its license row and its workflow started' }),
  source: Type.String(),
  createdBy: Type.String(),
  createdAt: IsoDateTime,
  finishedAt: Nullable(IsoDateTime),
  created: Type.Integer({ description: 'Licenses this import wrote' }),
  existing: Type.Integer({ description: 'Numbers already there (an earlier import, or issued by Tarkhees): left as they were' }),
  started: Type.Integer({ description: 'Accepted rows whose workflow is started (or was found running or closed)' }),
});
