// What every capability's schemas share: literal unions from the one status
// vocabulary, the error body, ids, and the answers every route may give.
import { Type, type TSchema } from '@sinclair/typebox';
import { STAGES, STATUSES } from '../domain/status';
import { APPLICATION_ID_PATTERN } from '../workflows/application/contract';
import { OFFICE_ID_PATTERN } from '../workflows/accreditation/contract';

export const literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const IsoDateTime = Type.String({ format: 'date-time' });

export const ApplicationIdParam = Type.Object({
  id: Type.String({ pattern: APPLICATION_ID_PATTERN, description: 'Application number, e.g. TRK-20261128-7KQ2MX' }),
});

export const UpdateResultSchema = Type.Object({
  id: Type.String(),
  stage: literals(STAGES),
  status: literals(STATUSES),
  round: Type.Integer(),
});

export const ErrorSchema = Type.Object({
  error: Type.String({ description: 'Machine-readable error code' }),
  message: Type.String(),
  field: Type.Optional(Type.String({ description: 'The offending field, e.g. body/establishment/crNumber' })),
});

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const OfficeIdParam = Type.Object({ id: Type.String({ pattern: OFFICE_ID_PATTERN, description: 'Office id, e.g. OFF-000001' }) });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 200, pattern: '^[\\x21-\\x7E]+$' })),
});

/**
 * Answers any route may give, whatever its own schema says (app.ts adds them to
 * each): bad input (text PostgreSQL cannot store, in any part), too many
 * requests; and a change's body over the limit or in a type no route reads.
 */
export const EVERY_ROUTE_ERRORS = { 400: ErrorSchema, 429: ErrorSchema };
export const EVERY_CHANGE_ERRORS = { ...EVERY_ROUTE_ERRORS, 413: ErrorSchema, 415: ErrorSchema };

/** Answers every authenticated route may give: no or a bad credential, a role that may not, too many requests. */
export const DENIED = { 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema };
/** ...and those of a route that changes a case or an office. */
export const CHANGE_ERRORS = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema, ...DENIED };
/** OpenAPI security: a bearer token, or (where offices' software may call) an API key. */
export const BEARER: { [scheme: string]: string[] }[] = [{ bearer: [] }];
export const BEARER_OR_KEY: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];
