// The API process: Fastify in front of the projection (PostgreSQL) and Temporal.
import { pathToFileURL } from 'node:url';
import { buildApp } from './api/app';
import { connectTemporalClient } from './api/temporal';
import { loadConfig } from './config';
import { openMigratedDb } from './db/client';
import { onStopSignal } from './integrations/signals';
import { tracingFromConfig } from './integrations/tracing';

async function main(): Promise<void> {
  const config = loadConfig();
  const handle = await openMigratedDb(config);
  const tracing = tracingFromConfig(config, 'tarkhees-api');
  const { client: temporal, connection } = await connectTemporalClient(config, tracing);
  const app = await buildApp({ config, db: handle.db, temporal, tracing });
  app.addHook('onClose', async () => {
    await connection.close();
    await handle.close();
    await tracing?.shutdown();
  });
  onStopSignal(() => void app.close());
  await app.listen({ host: config.api.host, port: config.api.port });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
