import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Operation } from '../../domain/access';
import {
  ApiKeyBody,
  ApiKeyParams,
  ApiKeySchema,
  DecisionBody,
  NewApiKeySchema,
  OfficeAmendmentBody,
  OfficeApplicationBody,
  OfficeDetail,
  OfficeListQuery,
  OfficeSummary,
  OfficeUpdateResultSchema,
  ReassignCasesBody,
  ReassignCasesResult,
  RoundBody,
  RoundSchema,
  StandingBody,
} from './schemas';
import { principalOf } from '../plugins/auth';
import { BEARER, BEARER_OR_KEY, CHANGE_ERRORS, DENIED, ErrorSchema, OfficeIdParam } from '../schemas';
import { Type } from '@sinclair/typebox';

const tags = ['offices'];

const officeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/offices',
    {
      config: { operation: Operation.officeRead },
      schema: { summary: 'Service offices the caller may see (everyone sees the accredited ones)', tags, security: BEARER_OR_KEY, querystring: OfficeListQuery, response: { 200: Type.Object({ items: Type.Array(OfficeSummary) }), 400: ErrorSchema, ...DENIED } },
    },
    async (req) => app.offices.list(req.query, principalOf(req)),
  );

  app.get(
    '/offices/:id',
    {
      config: { operation: Operation.officeRead },
      schema: { summary: 'An office; its staff, file and timeline for its own staff and the municipality', tags, security: BEARER_OR_KEY, params: OfficeIdParam, response: { 200: OfficeDetail, 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req) => app.offices.get(req.params.id, principalOf(req)),
  );

  app.post(
    '/offices',
    {
      config: { operation: Operation.officeApply, target: 'office' },
      schema: { summary: 'A consulting firm applies for accreditation in the round open today', tags, security: BEARER_OR_KEY, body: OfficeApplicationBody, response: { 201: Type.Object({ id: Type.String(), status: Type.String() }), ...CHANGE_ERRORS } },
    },
    async (req, reply) => {
      const { id, status } = await app.offices.apply(req.body, principalOf(req));
      return reply.status(201).header('location', `/offices/${id}`).send({ id, status });
    },
  );

  app.post(
    '/offices/:id/amendments',
    {
      config: { operation: Operation.officeAmend, target: 'office' },
      schema: { summary: 'Complete an office file that was found lacking', tags, security: BEARER_OR_KEY, params: OfficeIdParam, body: OfficeAmendmentBody, response: { 200: OfficeUpdateResultSchema, ...CHANGE_ERRORS } },
    },
    async (req) => app.offices.amend(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/offices/:id/decision',
    {
      config: { operation: Operation.officeDecide, target: 'office' },
      schema: { summary: 'Approve or refuse an office’s accreditation (supervisors)', tags, security: BEARER_OR_KEY, params: OfficeIdParam, body: DecisionBody, response: { 200: OfficeUpdateResultSchema, ...CHANGE_ERRORS } },
    },
    async (req) => app.offices.decide(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/offices/:id/standing',
    {
      config: { operation: Operation.officeStanding, target: 'office' },
      schema: { summary: 'Suspend, reinstate or revoke an accredited office (supervisors)', tags, security: BEARER_OR_KEY, params: OfficeIdParam, body: StandingBody, response: { 200: OfficeUpdateResultSchema, ...CHANGE_ERRORS } },
    },
    async (req) => app.offices.changeStanding(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/offices/:id/reassign-cases',
    {
      config: { operation: Operation.applicationReassign, target: 'office' },
      schema: { summary: 'Move every open application of an office to accredited offices (supervisors)', tags, security: BEARER_OR_KEY, params: OfficeIdParam, body: ReassignCasesBody, response: { 200: ReassignCasesResult, ...CHANGE_ERRORS } },
    },
    async (req) => app.offices.reassignCases(req.params.id, req.body, principalOf(req)),
  );

  // Accreditation rounds
  app.get(
    '/accreditation-rounds',
    {
      config: { operation: Operation.officeRead },
      schema: { summary: 'Accreditation rounds, newest first, with how many offices each admitted', tags: ['offices'], security: BEARER, response: { 200: Type.Object({ items: Type.Array(RoundSchema) }), ...DENIED } },
    },
    async () => app.offices.rounds(),
  );

  app.post(
    '/accreditation-rounds',
    {
      config: { operation: Operation.roundManage, target: 'round' },
      schema: { summary: 'Open an accreditation round with a cap on offices', tags: ['offices'], security: BEARER, body: RoundBody, response: { 201: RoundSchema, 400: ErrorSchema, 409: ErrorSchema, ...DENIED } },
    },
    async (req, reply) => reply.status(201).send(await app.offices.createRound(req.body)),
  );

  // API keys, for the office's own software
  app.post(
    '/offices/:id/api-keys',
    {
      config: { operation: Operation.apiKeyManage, target: 'office' },
      schema: { summary: "Create an API key for the office's own software (the key is shown once)", tags: ['api keys'], security: BEARER, params: OfficeIdParam, body: ApiKeyBody, response: { 201: NewApiKeySchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, ...DENIED } },
    },
    async (req, reply) => reply.status(201).send(await app.offices.createApiKey(req.params.id, req.body, principalOf(req))),
  );

  app.get(
    '/offices/:id/api-keys',
    {
      config: { operation: Operation.apiKeyRead },
      schema: { summary: "An office's API keys (never their secrets)", tags: ['api keys'], security: BEARER, params: OfficeIdParam, response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req) => app.offices.listApiKeys(req.params.id, principalOf(req)),
  );

  app.post(
    '/offices/:id/api-keys/:keyId/revoke',
    {
      config: { operation: Operation.apiKeyManage, target: 'api_key' },
      schema: { summary: 'Revoke an API key at once', tags: ['api keys'], security: BEARER, params: ApiKeyParams, response: { 200: ApiKeySchema, 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req) => app.offices.revokeApiKey(req.params.id, req.params.keyId, principalOf(req)),
  );
};

export default officeRoutes;
