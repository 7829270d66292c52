// The worker process: runs the application and accreditation workflows and
// their activities, and the SMS dispatcher that drains the outbox; serves its
// metrics and exports traces when configured to (assembled in system.ts).
import { pathToFileURL } from 'node:url';
import { Runtime } from '@temporalio/worker';
import { loadConfig } from './config';
import { onStopSignal } from './integrations/signals';
import { startSystem } from './system';

async function main(): Promise<void> {
  const config = loadConfig();
  const system = await startSystem(config, { service: 'tarkhees-worker', worker: {}, installRuntime: true });
  Runtime.instance().logger.info('worker polling', { taskQueue: config.temporal.taskQueue, address: config.temporal.address, metrics: system.metrics?.url ?? null });
  // Worker.run() stops on SIGINT/SIGTERM by itself; then the rest is stopped. The
  // SDK listens for the first signal only: this keeps a second copy of it from
  // killing the process mid-shutdown (see integrations/signals.ts).
  onStopSignal(() => {});
  await system.worker!.done;
  await system.stop();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
