// Builds the Fastify application from its dependencies; server.ts (and the
// tests) own the database and Temporal connections and pass them in.
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import errors from './errors';
import swagger from './plugins/swagger';
import applications from './routes/applications';
import health from './routes/health';
import licenses from './routes/licenses';
import { ApplicationService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    service: ApplicationService;
    db: Db;
    temporal: Client;
  }
}

/** Applications carry document references, not files: 1 MiB is generous. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export async function buildApp(deps: { config: Config; db: Db; temporal: Client; logger?: FastifyServerOptions['logger'] }) {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('db', deps.db);
  app.decorate('temporal', deps.temporal);
  app.decorate('service', new ApplicationService(deps.db, deps.temporal, deps.config));
  await app.register(errors);
  await app.register(swagger);
  await app.register(health);
  await app.register(applications);
  await app.register(licenses);
  return app;
}
