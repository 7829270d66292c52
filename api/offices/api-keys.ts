import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { ApiKeyBody, ApiKeyParams, ApiKeySchema, NewApiKeySchema } from './schemas';
import { principalOf } from '../plugins/auth';
import { BEARER, DENIED, ErrorSchema, OfficeIdParam } from '../schemas';

const tags = ['api keys'];

const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/offices/:id/api-keys',
    {
      config: { operation: Operation.apiKeyManage, target: 'office' },
      schema: { summary: "Create an API key for the office's own software (the key is shown once)", tags, security: BEARER, params: OfficeIdParam, body: ApiKeyBody, response: { 201: NewApiKeySchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, ...DENIED } },
    },
    async (req, reply) => reply.status(201).send(await app.offices.createApiKey(req.params.id, req.body, principalOf(req))),
  );

  app.get(
    '/offices/:id/api-keys',
    {
      config: { operation: Operation.apiKeyRead },
      schema: { summary: "An office's API keys (never their secrets)", tags, security: BEARER, params: OfficeIdParam, response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req) => app.offices.listApiKeys(req.params.id, principalOf(req)),
  );

  app.post(
    '/offices/:id/api-keys/:keyId/revoke',
    {
      config: { operation: Operation.apiKeyManage, target: 'api_key' },
      schema: { summary: 'Revoke an API key at once', tags, security: BEARER, params: ApiKeyParams, response: { 200: ApiKeySchema, 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req) => app.offices.revokeApiKey(req.params.id, req.params.keyId, principalOf(req)),
  );
};

export default apiKeyRoutes;
