import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { AGENCIES, LICENSE_KINDS } from '../../domain/status';
import { OFFICE_ID_PATTERN } from '../../workflows/accreditation/contract';
import { RepairAction, StuckReason } from './service';
import { StuckSmsFilter } from '../../integrations/sms/outbox';
import { SMS_STATUSES } from '../../domain/status';
import { principalOf } from '../plugins/auth';
import { PageLimit, RowId } from '../validation';
import { ApplicationIdParam, BEARER, DENIED, ErrorSchema, literals, Nullable } from '../schemas';

/** Which stuck cases: the list's query and a bulk repair's filter are the same. */
const stuckFilter = {
  olderThan: Type.String({ pattern: '^[0-9]{1,6}[smhd]$', default: '1h', description: 'How long without a change makes a case stuck, e.g. 30m, 2h, 3d' }),
  reason: Type.Optional(literals(Object.values(StuckReason))),
  officeId: Type.Optional(Type.String({ pattern: OFFICE_ID_PATTERN })),
  licenseKind: Type.Optional(literals(LICENSE_KINDS)),
  agency: Type.Optional(literals(AGENCIES, 'Cases waiting on this agency (down, refusing, or not compliant)')),
  limit: PageLimit(100, 500),
};
const StuckQuery = Type.Object(stuckFilter, { additionalProperties: false });
const tags = ['operations'];
const RepairBody = Type.Object(
  {
    action: literals(Object.values(RepairAction)),
    reason: Type.String({ minLength: 3, maxLength: 1000, description: 'Why: kept in the audit log' }),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'extend_deadline: the new deadline' })),
  },
  { additionalProperties: false },
);
const RepairResult = Type.Object({
  id: Type.String(),
  action: Type.String(),
  accepted: Type.Boolean(),
  moved: Type.Boolean({ description: 'The case made a new step after the repair (checked, not assumed)' }),
  status: Type.String(),
  runId: Type.Optional(Nullable(Type.String({ description: 'reset: the new run' }))),
  resetToEventId: Type.Optional(Type.Integer({ description: 'reset: the workflow task completion the new run starts from' })),
});
const BulkBody = Type.Object(
  {
    action: literals(Object.values(RepairAction)),
    reason: Type.String({ minLength: 3, maxLength: 1000 }),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    filter: Type.Object(stuckFilter, { additionalProperties: false }),
    dryRun: Type.Boolean({ default: true, description: 'true (the default) only lists the cases it would touch' }),
  },
  { additionalProperties: false },
);
const BulkResult = Type.Object({
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
const StuckPage = Type.Object({
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
const Diagnosis = Type.Object({
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

const SmsQuery = Type.Object(
  {
    status: literals(Object.values(StuckSmsFilter), 'failed: given up; retrying: not sent yet after a failed attempt'),
    applicationId: Type.Optional(ApplicationIdParam.properties.id),
    limit: PageLimit(100, 500),
  },
  { additionalProperties: false },
);
const SmsPage = Type.Object({
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
const ResendBody = Type.Object(
  {
    ids: Type.Array(RowId(), { minItems: 1, maxItems: MAX_RESEND, uniqueItems: true }),
    reason: Type.String({ minLength: 3, maxLength: 1000, description: 'Why: kept in the audit log' }),
  },
  { additionalProperties: false },
);
const ResendResult = Type.Object({
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

const operations: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/operations/stuck',
    {
      config: { operation: Operation.operationsRead },
      schema: {
        summary: 'Cases that have not moved for longer than a threshold, with the reason, counts per reason and whether workers are polling',
        tags,
        security: BEARER,
        querystring: StuckQuery,
        response: { 200: StuckPage, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.operations.stuck(req.query),
  );

  app.get(
    '/operations/cases/:id',
    {
      config: { operation: Operation.operationsRead },
      schema: {
        summary: "A case's diagnosis: projection, open tasks, pending activities with attempts and last failure, last events, pollers",
        tags,
        security: BEARER,
        params: ApplicationIdParam,
        response: { 200: Diagnosis, 400: ErrorSchema, 404: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.operations.diagnose(req.params.id),
  );

  app.post(
    '/operations/cases/:id/repair',
    {
      config: { operation: Operation.operationsRepair, target: 'application' },
      schema: {
        summary: 'Repair one case (recheck its agencies, extend its deadline, cancel, terminate, or reset its workflow to the last good workflow task), then report whether it moved',
        tags,
        security: BEARER,
        params: ApplicationIdParam,
        body: RepairBody,
        response: { 200: RepairResult, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.operations.repair(req.params.id, req.body.action, { until: req.body.until, reason: req.body.reason, by: principalOf(req).id }),
  );

  app.post(
    '/operations/bulk',
    {
      config: { operation: Operation.operationsRepair },
      schema: {
        summary: 'One repair over every stuck case a filter finds: a dry run (the default) lists them first; a real run gives a result per case',
        tags,
        security: BEARER,
        body: BulkBody,
        response: { 200: BulkResult, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => {
      const result = await app.operations.bulk(req.body.filter, req.body.action, req.body.dryRun, { until: req.body.until, reason: req.body.reason, by: principalOf(req).id });
      // The audit row names every case the run touched (or, dry, would touch), and how each ended.
      req.auditDetails = { dryRun: result.dryRun, cases: result.dryRun ? result.cases.map((c) => c.id) : result.results.map((r) => ({ id: r.id, ok: r.ok })) };
      return result;
    },
  );

  app.get(
    '/operations/sms',
    {
      config: { operation: Operation.operationsRead },
      schema: {
        summary: 'SMS that did not go out: given up (failed) or still being retried, oldest first',
        tags,
        security: BEARER,
        querystring: SmsQuery,
        response: { 200: SmsPage, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.operations.stuckSms(req.query),
  );

  app.post(
    '/operations/sms/resend',
    {
      config: { operation: Operation.operationsRepair },
      schema: {
        summary: 'Send these SMS again now, with a fresh retry horizon; reports for each whether the gateway took it',
        tags,
        security: BEARER,
        body: ResendBody,
        response: { 200: ResendResult, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => {
      req.auditDetails = { smsIds: req.body.ids };
      return app.operations.resendSms(req.body.ids);
    },
  );
};

export default operations;
