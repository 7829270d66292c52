import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { principalOf } from '../plugins/auth';
import {
  ApplicationBody,
  ApplicationDetailSchema,
  ApplicationIdParam,
  CorrectionBody,
  ErrorSchema,
  IdempotencyHeaders,
  ListQuery,
  ListResponse,
  ReassignBody,
  ReviewDecisionBody,
  UpdateResultSchema,
} from '../schemas';

const denied = { 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema };
const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema, ...denied };
const bearer: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];

const applications: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/applications',
    {
      config: { operation: Operation.applicationSubmit, target: 'application' },
      schema: {
        summary: 'Submit a license application',
        description: 'Office staff and API keys file for their own office; an applicant files for themself and may choose an accredited office.',
        tags: ['applications'],
        security: bearer,
        headers: IdempotencyHeaders,
        body: ApplicationBody,
        response: { 201: Type.Object({ id: Type.String(), status: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const { id, status, replayed } = await app.service.submit(req.body, principalOf(req), req.headers['idempotency-key']);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(201).header('location', `/applications/${id}`).send({ id, status });
    },
  );

  app.get(
    '/applications',
    {
      config: { operation: Operation.applicationRead },
      schema: {
        summary: 'List the applications the caller may see, newest first',
        tags: ['applications'],
        security: bearer,
        querystring: ListQuery,
        response: { 200: ListResponse, 400: ErrorSchema, ...denied },
      },
    },
    async (req) => app.service.list(req.query, principalOf(req)),
  );

  app.get(
    '/applications/:id',
    {
      config: { operation: Operation.applicationRead },
      schema: {
        summary: 'An application: status, stage, deficiencies, reviews, agency results, license and timeline',
        tags: ['applications'],
        security: bearer,
        params: ApplicationIdParam,
        response: { 200: ApplicationDetailSchema, 400: ErrorSchema, 404: ErrorSchema, ...denied },
      },
    },
    async (req) => app.service.get(req.params.id, principalOf(req)),
  );

  app.post(
    '/applications/:id/corrections',
    {
      config: { operation: Operation.applicationCorrect, target: 'application' },
      schema: {
        summary: 'Send corrections for an application awaiting them',
        tags: ['applications'],
        security: bearer,
        params: ApplicationIdParam,
        body: CorrectionBody,
        response: { 200: UpdateResultSchema, ...errors },
      },
    },
    async (req) => app.service.correct(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/applications/:id/reviews',
    {
      config: { operation: [Operation.reviewHealth, Operation.reviewTechnical], target: 'application' },
      schema: {
        summary: 'Decide the health or technical review of an application (the caller is the reviewer)',
        tags: ['reviews'],
        security: bearer,
        params: ApplicationIdParam,
        body: ReviewDecisionBody,
        response: { 200: UpdateResultSchema, ...errors },
      },
    },
    async (req) => app.service.decide(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/applications/:id/office',
    {
      config: { operation: Operation.applicationReassign, target: 'application' },
      schema: {
        summary: 'Move an open application to another accredited office (supervisors)',
        tags: ['applications'],
        security: bearer,
        params: ApplicationIdParam,
        body: ReassignBody,
        response: { 200: Type.Composite([UpdateResultSchema, Type.Object({ officeId: Type.String() })]), ...errors },
      },
    },
    async (req) => app.service.reassign(req.params.id, req.body, principalOf(req)),
  );
};

export default applications;
