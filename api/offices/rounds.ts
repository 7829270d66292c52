import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { RoundBody, RoundSchema } from './schemas';
import { BEARER, DENIED, ErrorSchema } from '../schemas';


const rounds: FastifyPluginAsyncTypebox = async (app) => {
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
};

export default rounds;
