import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';

const HealthSchema = Type.Object({ ok: Type.Boolean(), database: Type.Boolean(), temporal: Type.Boolean(), files: Type.Boolean({ description: 'The document store takes files: its folder writable, or its bucket reachable' }) });

/**
 * How long each dependency has to answer a trivial question. One that takes
 * longer is not healthy, and the probe must say so: a server that hangs (or a
 * host gone silent) would otherwise hold the answer as long as it hangs, and
 * the load balancer would learn nothing but its own timeout.
 */
const CHECK_TIMEOUT_MS = 3_000;

/** Whether `check` succeeds within the timeout. A PostgreSQL connection cannot be abandoned mid-way: the race stops waiting on it. */
function within(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check().then(() => true, () => false), late]).finally(() => clearTimeout(timer));
}

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
      const [database, temporal, files] = await Promise.all([
        within(() => app.db.execute(sql`select 1`)),
        // The deadline also ends the gRPC call itself (and the client's retries of it).
        within(() => app.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => app.temporal.connection.workflowService.getSystemInfo({}))),
        within(() => app.documents.checkStore()),
      ]);
      const ok = database && temporal && files;
      return reply.status(ok ? 200 : 503).send({ ok, database, temporal, files });
    },
  );
};

export default health;
