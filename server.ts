// The API process: Fastify in front of the projection (PostgreSQL) and Temporal (assembled in system.ts).
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config';
import { onStopSignal } from './integrations/signals';
import { startSystem } from './system';

async function main(): Promise<void> {
  const config = loadConfig();
  const system = await startSystem(config, { service: 'tarkhees-api', api: {} });
  onStopSignal(() => void system.stop());
  await system.api!.listen({ host: config.api.host, port: config.api.port });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
