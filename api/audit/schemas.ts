// The audit log as auditors page through it, and the caller's own identity.
import { Type, type Static } from '@sinclair/typebox';
import { OPERATIONS, PRINCIPAL_KINDS, ROLES } from '../../domain/access';
import { APPLICATION_ID_PATTERN } from '../../workflows/application/contract';
import { OFFICE_ID_PATTERN } from '../../workflows/accreditation/contract';
import { IsoDateTime, literals, Nullable } from '../schemas';
import { PageLimit, RowId } from '../validation';

export const AuditQuery = Type.Object(
  {
    applicationId: Type.Optional(Type.String({ pattern: APPLICATION_ID_PATTERN })),
    officeId: Type.Optional(Type.String({ pattern: OFFICE_ID_PATTERN })),
    actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    before: Type.Optional(RowId({ description: 'nextBefore of the previous page' })),
    limit: PageLimit(50),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      at: IsoDateTime,
      actor: Type.Object({
        kind: Type.String(),
        id: Type.String(),
        name: Nullable(Type.String()),
        roles: Type.Array(Type.String()),
        officeId: Nullable(Type.String()),
      }),
      client: Nullable(Type.String()),
      ip: Nullable(Type.String()),
      userAgent: Nullable(Type.String()),
      requestId: Type.String(),
      method: Type.String(),
      route: Type.String(),
      operation: Nullable(Type.String()),
      target: Type.Union([Type.Object({ type: Type.String(), id: Nullable(Type.String()) }), Type.Null()]),
      statusCode: Type.Integer(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
  nextBefore: Type.Union([Type.Integer(), Type.Null()]),
});

export const MeSchema = Type.Object({
  kind: literals(PRINCIPAL_KINDS),
  id: Type.String(),
  name: Nullable(Type.String()),
  roles: Type.Array(literals(ROLES)),
  officeId: Nullable(Type.String()),
  client: Nullable(Type.String()),
  operations: Type.Array(literals(OPERATIONS)),
});
