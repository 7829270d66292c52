import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Operation } from '../../domain/access';
import { bulkAuditDetails } from './service';
import { principalOf } from '../plugins/auth';
import { ApplicationIdParam, BEARER, DENIED, ErrorSchema } from '../schemas';
import { BulkBody, BulkResult, Diagnosis, RepairBody, RepairResult, ResendBody, ResendResult, SmsPage, SmsQuery, StuckPage, StuckQuery } from './schemas';

const tags = ['operations'];

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
      const result = await app.operations.bulk(req.body.filter, req.body.action, req.body.dryRun, {
        until: req.body.until,
        reason: req.body.reason,
        by: principalOf(req).id,
        ids: req.body.ids,
      });
      req.auditDetails = bulkAuditDetails(result);
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
