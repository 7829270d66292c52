// Schemas of the reviewer workbench: the task inbox, its counts, claiming and
// deciding, home-visit proposals, escalation notifications, and comments on a case.
import { Type, type Static } from '@sinclair/typebox';
import { INSPECTION_RESULTS, LICENSE_KINDS, OBJECTION_DECISIONS, REVIEW_DECISIONS, TASK_KINDS, TASK_STATUSES } from '../../domain/status';
import { ROLES } from '../../domain/access';
import { OFFICE_ID_PATTERN } from '../../workflows/accreditation/contract';
import { literals, Nullable } from '../schemas';
import { DECISION_FIELDS, VisitSchema } from '../applications/schemas';
import { PageLimit, RowId } from '../validation';

const IsoDateTime = Type.String({ format: 'date-time' });

/** A case's task (its application id, the kind, the round) or a license's (its number, the kind, the transition that opened it). */
export const TASK_ID_PATTERN = '^(TRK-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{6}:(health|technical|correction)|[A-Z]{2,6}-[0-9]{4}-[0-9]{6,}:(objection|inspection|renewal-health|renewal-technical)):[0-9]{1,6}$';
export const TaskIdParam = Type.Object({
  id: Type.String({ pattern: TASK_ID_PATTERN, description: 'e.g. TRK-20261128-7KQ2MX:health:1, AHS-2026-000123:objection:4, AHS-2026-000123:inspection:2, AHS-2026-000123:renewal-health:7' }),
});

const TaskFilters = {
  kind: Type.Optional(literals(TASK_KINDS)),
  role: Type.Optional(literals(ROLES)),
  officeId: Type.Optional(Type.String({ pattern: OFFICE_ID_PATTERN })),
  licenseKind: Type.Optional(literals(LICENSE_KINDS)),
  /** Trade name (part of it), application number (its start) or CR number. */
  q: Type.Optional(Type.String({ minLength: 2, maxLength: 100 })),
};

export const TaskListQuery = Type.Object(
  {
    ...TaskFilters,
    status: Type.Union([literals(TASK_STATUSES), Type.Literal('active')], { default: 'active', description: 'active = open or claimed' }),
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: '"me", "unassigned", or a user id' })),
    overdue: Type.Optional(Type.Boolean()),
    dueBefore: Type.Optional(IsoDateTime),
    sort: Type.Union([Type.Literal('due'), Type.Literal('created'), Type.Literal('priority')], { default: 'due' }),
    limit: PageLimit(25, 100),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
export type TaskListQuery = Static<typeof TaskListQuery>;

export const TaskCountsQuery = Type.Object(TaskFilters, { additionalProperties: false });
export type TaskCountsQuery = Static<typeof TaskCountsQuery>;

export const TaskSchema = Type.Object({
  id: Type.String(),
  applicationId: Nullable(Type.String({ description: "The case; a license's task: the case that issued the license, none for a license imported from before Tarkhees" })),
  licenseNumber: Nullable(Type.String({ description: "A license's task (an objection): the license it is about" })),
  kind: literals(TASK_KINDS),
  requiredRole: literals(ROLES),
  officeId: Nullable(Type.String()),
  status: literals(TASK_STATUSES),
  assignee: Nullable(Type.String()),
  priority: Type.Integer(),
  round: Type.Integer(),
  createdAt: IsoDateTime,
  dueAt: IsoDateTime,
  overdue: Type.Boolean(),
  claimedAt: Nullable(IsoDateTime),
  decidedAt: Nullable(IsoDateTime),
  decision: Nullable(Type.String()),
  reasons: Type.Array(Type.String()),
  comment: Nullable(Type.String()),
  licenseKind: literals(LICENSE_KINDS),
  tradeName: Type.String(),
  crNumber: Type.String(),
});

export const TaskPage = Type.Object({ items: Type.Array(TaskSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const TaskCounts = Type.Object({
  active: Type.Integer(),
  open: Type.Integer(),
  claimed: Type.Integer(),
  mine: Type.Integer(),
  unassigned: Type.Integer(),
  overdue: Type.Integer(),
  byKind: Type.Record(Type.String(), Type.Integer()),
});

export const ReassignTaskBody = Type.Object(
  {
    assignee: Type.String({ minLength: 1, maxLength: 200, description: "A reviewer of the task's office with the task's role" }),
    reason: Type.Optional(Type.String({ minLength: 3, maxLength: 1000, description: 'Why (kept in the audit log and on the case timeline)' })),
  },
  { additionalProperties: false },
);
export type ReassignTaskBody = Static<typeof ReassignTaskBody>;

export const TaskDecisionBody = Type.Object(
  {
    ...DECISION_FIELDS,
    decision: literals([...REVIEW_DECISIONS, ...OBJECTION_DECISIONS], "A review (an application's or a renewal's): approve, reject or return. An objection: upheld (the suspension stands: revoked) or accepted (reinstated)"),
  },
  { additionalProperties: false },
);
export type TaskDecisionBody = Static<typeof TaskDecisionBody>;

export const InspectionBody = Type.Object(
  {
    result: literals(INSPECTION_RESULTS, 'pass: nothing wrong; violations: the codes found (violation_codes)'),
    violations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            code: Type.String({ pattern: '^[A-Z][A-Z0-9-]{1,29}$', description: 'A code of violation_codes, e.g. V-CERT-01' }),
            note: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'What the inspector saw' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type InspectionBody = Static<typeof InspectionBody>;

export const CommentBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false });
export type CommentBody = Static<typeof CommentBody>;

export const CommentSchema = Type.Object({
  id: Type.Integer(),
  authorId: Type.String(),
  authorName: Nullable(Type.String()),
  authorRoles: Type.Array(Type.String()),
  body: Type.String(),
  at: IsoDateTime,
});

export const CommentPage = Type.Object({ items: Type.Array(CommentSchema) });

export const VisitProposalBody = Type.Object({ slot: IsoDateTime }, { additionalProperties: false });
export const VisitResult = Type.Object({ id: Type.String(), visit: VisitSchema });

export const NotificationQuery = Type.Object({ unacknowledged: Type.Optional(Type.Boolean()), limit: PageLimit(50) }, { additionalProperties: false });
export type NotificationQuery = Static<typeof NotificationQuery>;
export const NotificationIdParam = Type.Object({ id: RowId() });

export const NotificationSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  officeId: Nullable(Type.String()),
  applicationId: Nullable(Type.String({ description: "None for an imported license's task" })),
  taskId: Nullable(Type.String()),
  messageAr: Type.String(),
  messageEn: Type.String(),
  createdAt: IsoDateTime,
  acknowledgedAt: Nullable(IsoDateTime),
  acknowledgedBy: Nullable(Type.String()),
});
export const NotificationPage = Type.Object({ items: Type.Array(NotificationSchema) });

export const VisitAnswerBody = Type.Union(
  [
    Type.Object({ confirm: Type.Literal(true) }, { additionalProperties: false }),
    Type.Object({ slot: Type.String({ format: 'date-time', description: 'Another time for the visit' }) }, { additionalProperties: false }),
  ],
  { description: 'Confirm the proposed slot, or move the visit to another time' },
);
export type VisitAnswerBody = Static<typeof VisitAnswerBody>;
