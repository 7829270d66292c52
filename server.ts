// The API process: Fastify in front of the projection (PostgreSQL) and Temporal.
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from './api/app';
import { loadConfig } from './config';
import { migrateDb, openDb } from './db/client';

async function main(): Promise<void> {
  const config = loadConfig();
  const handle = await openDb(config);
  await migrateDb(handle);
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = await buildApp({ config, db: handle.db, temporal });
  app.addHook('onClose', async () => {
    await connection.close();
    await handle.close();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close());
  await app.listen({ host: config.api.host, port: config.api.port });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
