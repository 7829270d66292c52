import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Operation } from '../../domain/access';
import { AuditPage, AuditQuery, MeSchema } from './schemas';
import { describePrincipal } from './service';
import { principalOf } from '../plugins/auth';
import { BEARER_OR_KEY, DENIED, ErrorSchema } from '../schemas';

const audit: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      config: { operation: Operation.auditRead },
      schema: { summary: 'The audit log, newest first: by application, office or actor', tags: ['audit'], security: BEARER_OR_KEY, querystring: AuditQuery, response: { 200: AuditPage, 400: ErrorSchema, ...DENIED } },
    },
    async (req) => app.audit.page(req.query),
  );

  app.get(
    '/me',
    {
      schema: { summary: 'Who the caller is, and what they may do', tags: ['audit'], security: BEARER_OR_KEY, response: { 200: MeSchema, ...DENIED } },
    },
    async (req) => describePrincipal(principalOf(req)),
  );
};

export default audit;
