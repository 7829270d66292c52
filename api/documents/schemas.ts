// Documents: what an upload answers, and how a case names its files. The
// upload itself is multipart (a file part and two fields), read by the route.
import { Type, type Static } from '@sinclair/typebox';
import { DOCUMENT_STATES, DOCUMENT_TYPES } from '../../domain/status';
import { IsoDate, IsoDateTime, literals, Nullable } from '../schemas';

export const DOCUMENT_ID_PATTERN = '^DOC-[0-9A-Z]{16}$';

export const DocumentIdParam = Type.Object({
  id: Type.String({ pattern: DOCUMENT_ID_PATTERN, description: 'Document id, e.g. DOC-7KQ2MXH4P9R3T6VW' }),
});

export const DownloadQuery = Type.Object(
  {
    disposition: Type.Optional(literals(['attachment', 'inline'] as const, 'attachment (the default) saves the file; inline shows it in the browser')),
  },
  { additionalProperties: false },
);

export const DocumentView = Type.Object({
  id: Type.String(),
  type: literals(DOCUMENT_TYPES),
  state: literals(DOCUMENT_STATES),
  name: Type.String({ description: "The uploader's file name, as display text only" }),
  contentType: Type.String({ description: 'From the bytes, never from the upload: application/pdf, image/jpeg or image/png' }),
  sizeBytes: Type.Integer(),
  sha256: Type.String({ description: 'Hex SHA-256 of the bytes as kept' }),
  expiresOn: Nullable(IsoDate),
  applicationId: Nullable(Type.String({ description: 'The case it belongs to, once filed' })),
  licenseNumber: Nullable(Type.String({ description: "The license whose renewal (or objection) named it; alone, without a case, for a license imported from before Tarkhees" })),
  uploadedAt: IsoDateTime,
  url: Type.String({ description: 'Where it is downloaded (GET)' }),
});
export type DocumentView = Static<typeof DocumentView>;

/** How an application or a correction names one of its documents. */
export const DocumentEntrySchema = Type.Object(
  {
    type: literals(DOCUMENT_TYPES),
    documentId: Type.Optional(Type.String({ pattern: DOCUMENT_ID_PATTERN, description: 'An uploaded file (POST /documents) of the same type' })),
    reference: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        deprecated: true,
        description: 'Deprecated: a bare reference to a file kept elsewhere, accepted until DOCUMENT_REFERENCES_UNTIL (answers carry Deprecation and Sunset headers); upload the file and name its documentId',
      }),
    ),
    expiresOn: Type.Optional({ ...IsoDate, description: 'With a reference only: an uploaded file carries the expiry entered with it' }),
  },
  { additionalProperties: false },
);

/** A document as a case shows it: an uploaded file's details, or the reference it was filed with. */
export const CaseDocumentSchema = Type.Object({
  type: literals(DOCUMENT_TYPES),
  documentId: Type.Optional(Type.String()),
  reference: Type.Optional(Type.String()),
  expiresOn: Type.Optional(Nullable(IsoDate)),
  name: Type.Optional(Type.String()),
  contentType: Type.Optional(Type.String()),
  sizeBytes: Type.Optional(Type.Integer()),
  sha256: Type.Optional(Type.String()),
  uploadedAt: Type.Optional(IsoDateTime),
  url: Type.Optional(Type.String()),
});
