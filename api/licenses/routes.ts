import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorSchema } from '../schemas';
import { LicenseNumberParam, LicenseSchema } from './schemas';

const licenses: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/licenses/:number',
    {
      config: { public: true },
      schema: {
        summary: 'Verify a license by its number (public)',
        tags: ['licenses'],
        params: LicenseNumberParam,
        response: { 200: LicenseSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => app.licenses.verify(req.params.number),
  );
};

export default licenses;
