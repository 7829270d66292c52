import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';

const HealthSchema = Type.Object({ ok: Type.Boolean(), database: Type.Boolean(), temporal: Type.Boolean() });

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        summary: 'Liveness and dependencies',
        tags: ['operations'],
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_req, reply) => {
      const [database, temporal] = await Promise.all([
        app.db.execute(sql`select 1`).then(() => true, () => false),
        app.temporal.connection.workflowService.getSystemInfo({}).then(() => true, () => false),
      ]);
      return reply.status(database && temporal ? 200 : 503).send({ ok: database && temporal, database, temporal });
    },
  );
};

export default health;
