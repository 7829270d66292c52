import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ApplicationBody,
  ApplicationDetailSchema,
  ApplicationIdParam,
  CorrectionBody,
  ErrorSchema,
  IdempotencyHeaders,
  ListQuery,
  ListResponse,
  ReviewDecisionBody,
  UpdateResultSchema,
} from '../schemas';
import { Type } from '@sinclair/typebox';

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema };

const applications: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/applications',
    {
      schema: {
        summary: 'Submit a license application',
        tags: ['applications'],
        headers: IdempotencyHeaders,
        body: ApplicationBody,
        response: { 201: Type.Object({ id: Type.String(), status: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const { id, status, replayed } = await app.service.submit(req.body, req.headers['idempotency-key']);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(201).header('location', `/applications/${id}`).send({ id, status });
    },
  );

  app.get(
    '/applications',
    {
      schema: { summary: 'List applications, newest first', tags: ['applications'], querystring: ListQuery, response: { 200: ListResponse, 400: ErrorSchema } },
    },
    async (req) => app.service.list(req.query),
  );

  app.get(
    '/applications/:id',
    {
      schema: {
        summary: 'An application: status, stage, deficiencies, reviews, agency results, license and timeline',
        tags: ['applications'],
        params: ApplicationIdParam,
        response: { 200: ApplicationDetailSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => app.service.get(req.params.id),
  );

  app.post(
    '/applications/:id/corrections',
    {
      schema: {
        summary: 'Send corrections for an application awaiting them',
        tags: ['applications'],
        params: ApplicationIdParam,
        body: CorrectionBody,
        response: { 200: UpdateResultSchema, ...errors },
      },
    },
    async (req) => app.service.correct(req.params.id, req.body),
  );

  app.post(
    '/applications/:id/reviews',
    {
      schema: {
        summary: 'Decide the health or technical review of an application',
        tags: ['reviews'],
        params: ApplicationIdParam,
        body: ReviewDecisionBody,
        response: { 200: UpdateResultSchema, ...errors },
      },
    },
    async (req) => app.service.decide(req.params.id, req.body),
  );
};

export default applications;
