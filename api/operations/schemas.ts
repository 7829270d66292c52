// Schemas of the operations console: stuck cases and their repairs (one case,
// or every case a filter finds), a case's diagnosis, and SMS that did not go out.
import { Type } from '@sinclair/typebox';
import { AGENCIES, LICENSE_KINDS, SMS_STATUSES } from '../../domain/status';
import { OFFICE_ID_PATTERN } from '../../workflows/accreditation/contract';
import { StuckSmsFilter } from '../../integrations/sms/outbox';
import { PageLimit, RowId } from '../validation';
import { ApplicationIdParam, literals, Nullable } from '../schemas';
import { RepairAction, StuckReason } from '../../domain/operations';

/** Most stuck cases one list (or one bulk repair) takes. */
const MAX_STUCK = 500;
/** Which stuck cases: the list's query and a bulk repair's filter are the same. */
const stuckFilter = {
  olderThan: Type.String({ pattern: '^[0-9]{1,6}[smhd]$', default: '1h', description: 'How long without a change makes a case stuck, e.g. 30m, 2h, 3d' }),
  reason: Type.Optional(literals(Object.values(StuckReason))),
  officeId: Type.Optional(Type.String({ pattern: OFFICE_ID_PATTERN })),
  licenseKind: Type.Optional(literals(LICENSE_KINDS)),
  agency: Type.Optional(literals(AGENCIES, 'Cases waiting on this agency (down, refusing, or not compliant)')),
  limit: PageLimit(100, MAX_STUCK),
};
export const StuckQuery = Type.Object(stuckFilter, { additionalProperties: false });
export const RepairBody = Type.Object(
  {
    action: literals(Object.values(RepairAction)),
    reason: Type.String({ minLength: 3, maxLength: 1000, description: 'Why: kept in the audit log' }),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'extend_deadline: the new deadline' })),
  },
  { additionalProperties: false },
);
export const RepairResult = Type.Object({
  id: Type.String(),
  action: Type.String(),
  accepted: Type.Boolean(),
  moved: Type.Boolean({ description: 'The case made a new step after the repair (checked, not assumed)' }),
  status: Type.String(),
  runId: Type.Optional(Nullable(Type.String({ description: 'reset: the new run' }))),
  resetToEventId: Type.Optional(Type.Integer({ description: 'reset: the workflow task completion the new run starts from' })),
});
export const BulkBody = Type.Object(
  {
    action: literals(Object.values(RepairAction)),
    reason: Type.String({ minLength: 3, maxLength: 1000 }),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    filter: Type.Object(stuckFilter, { additionalProperties: false }),
    ids: Type.Optional(
      Type.Array(ApplicationIdParam.properties.id, {
        minItems: 1,
        maxItems: MAX_STUCK,
        uniqueItems: true,
        description: 'Only these of the cases the filter finds (those a dry run listed): a case stuck since is not touched',
      }),
    ),
    dryRun: Type.Boolean({ default: true, description: 'true (the default) only lists the cases it would touch' }),
  },
  { additionalProperties: false },
);
export const BulkResult = Type.Object({
  dryRun: Type.Boolean(),
  action: Type.String(),
  cases: Type.Array(Type.Object({ id: Type.String(), reason: Type.String(), stage: Type.String() })),
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      ok: Type.Boolean(),
      moved: Type.Boolean(),
      status: Type.Union([Type.String(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
const Str = Type.String();
const NullableStr = Type.Union([Type.String(), Type.Null()]);
const Workers = Type.Union([Type.Object({ workflow: Type.Integer(), activity: Type.Integer() }), Type.Null()]);
export const StuckPage = Type.Object({
  olderThan: Str,
  workers: Workers,
  sms: Type.Object({
    failed: Type.Integer({ description: 'SMS given up on (refused, or undelivered for the whole retry horizon): resend them' }),
    retrying: Type.Integer({ description: 'SMS not sent yet after at least one failed attempt' }),
    oldestUnsentSeconds: Type.Integer({ description: 'Age of the oldest SMS still waiting to go out' }),
  }),
  diagnosis: NullableStr,
  counts: Type.Record(Type.String(), Type.Integer()),
  items: Type.Array(
    Type.Object({
      id: Str,
      reason: literals(Object.values(StuckReason)),
      cause: NullableStr,
      stage: Str,
      waitingOn: Type.Array(Str),
      officeId: NullableStr,
      licenseKind: Str,
      since: Str,
      ageSeconds: Type.Integer(),
    }),
  ),
});
export const Diagnosis = Type.Object({
  id: Str,
  projection: Type.Object({
    status: Str,
    stage: Str,
    waitingOn: Type.Array(Str),
    agencies: Type.Unknown(),
    overdue: Type.Boolean(),
    updatedAt: Str,
  }),
  openTasks: Type.Array(Type.Object({ id: Str, kind: Str, status: Str, assignee: NullableStr, dueAt: Str })),
  workflow: Type.Object({
    found: Type.Boolean(),
    error: Type.Optional(Str),
    status: Type.Optional(Str),
    historyLength: Type.Optional(Type.Integer()),
    workflowTask: Type.Optional(Type.Union([Type.Object({ attempt: Type.Integer(), failing: Type.Boolean() }), Type.Null()])),
    pendingActivities: Type.Optional(
      Type.Array(
        Type.Object({ activityType: NullableStr, attempt: Type.Integer(), state: NullableStr, lastFailure: NullableStr, nextAttemptAt: NullableStr }),
      ),
    ),
  }),
  inconsistent: Type.Boolean(),
  lastEvents: Type.Array(Type.Object({ id: Type.Integer(), type: Str, at: NullableStr })),
  workers: Workers,
});

export const SmsQuery = Type.Object(
  {
    status: literals(Object.values(StuckSmsFilter), 'failed: given up; retrying: not sent yet after a failed attempt'),
    applicationId: Type.Optional(ApplicationIdParam.properties.id),
    limit: PageLimit(100, 500),
  },
  { additionalProperties: false },
);
export const SmsPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      applicationId: Str,
      event: Str,
      mobile: Str,
      status: literals(SMS_STATUSES),
      attempts: Type.Integer(),
      lastError: NullableStr,
      createdAt: Str,
      nextAttemptAt: Str,
    }),
  ),
});
/** One request resends at most this many: a day's messages of a busy office, and a bounded wait for the answer. */
const MAX_RESEND = 500;
export const ResendBody = Type.Object(
  {
    ids: Type.Array(RowId(), { minItems: 1, maxItems: MAX_RESEND, uniqueItems: true }),
    reason: Type.String({ minLength: 3, maxLength: 1000, description: 'Why: kept in the audit log' }),
  },
  { additionalProperties: false },
);
export const ResendResult = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Type.Integer(),
      resent: Type.Boolean({ description: 'Put back in line (it was failed, or waiting out a backoff)' }),
      sent: Type.Boolean({ description: 'The gateway took it before the answer (checked, not assumed)' }),
      status: Nullable(literals(SMS_STATUSES)),
      error: NullableStr,
    }),
  ),
});
