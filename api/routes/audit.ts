import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Operation } from '../../domain/access';
import { describePrincipal } from '../offices';
import { AuditPage, AuditQuery, MeSchema } from '../office-schemas';
import { principalOf } from '../plugins/auth';
import { ErrorSchema } from '../schemas';

const denied = { 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema };
const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];

const audit: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      config: { operation: Operation.auditRead },
      schema: { summary: 'The audit log, newest first: by application, office or actor', tags: ['audit'], security, querystring: AuditQuery, response: { 200: AuditPage, 400: ErrorSchema, ...denied } },
    },
    async (req) => app.offices.audit(req.query),
  );

  app.get(
    '/me',
    {
      schema: { summary: 'Who the caller is, and what they may do', tags: ['audit'], security, response: { 200: MeSchema, ...denied } },
    },
    async (req) => describePrincipal(principalOf(req)),
  );
};

export default audit;
