// The worker process: runs the application workflows and their activities, and
// the SMS dispatcher that drains the outbox; serves its metrics and exports
// traces when configured to.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Registry } from 'prom-client';
import { createActivities } from './activities';
import { loadConfig, type Config } from './config';
import { openMigratedDb, type Db } from './db/client';
import { httpAgencyClients } from './integrations/agencies';
import { meteredAgencyClients, meteredSmsProvider, startWorkerMetrics } from './integrations/metrics';
import { SmsDispatcher } from './integrations/sms/dispatcher';
import { consoleSmsProvider, httpSmsProvider, type SmsProvider } from './integrations/sms/providers';
import { onStopSignal } from './integrations/signals';
import { tracingFromConfig, workerTracing, type Tracing } from './integrations/tracing';
import { workerRuntimeLogging } from './integrations/worker-logging';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
/** Bundled with the workflows: whoever builds a bundle (the worker, the tests' global setup) passes these. */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('./workflows/tracing.ts', import.meta.url))];

/** With a registry, each send is counted by outcome (see integrations/metrics.ts). */
export function smsProviderFor(config: Config, metrics?: Registry): SmsProvider {
  const provider = config.sms.provider === 'http'
    ? httpSmsProvider({ url: config.sms.httpUrl!, token: config.sms.httpToken, timeoutMs: config.sms.sendTimeoutMs })
    : consoleSmsProvider();
  return metrics ? meteredSmsProvider(provider, metrics) : provider;
}

export interface AppWorkerOptions {
  connection: NativeConnection;
  config: Config;
  db: Db;
  /** Tests pass a prebuilt bundle so each worker does not re-bundle the workflows. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  workerOptions?: Partial<WorkerOptions>;
  /** On: activities are spans, and the workflows' spans are exported. */
  tracing?: Tracing;
  /** Agency calls are counted and timed in this registry. */
  metrics?: Registry;
}

export async function createAppWorker(opts: AppWorkerOptions): Promise<Worker> {
  const { config } = opts;
  const agencies = httpAgencyClients(config.agencies);
  const tracing = workerTracing(opts.tracing);
  return Worker.create({
    connection: opts.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    interceptors: {
      // Only with tracing on: the interceptor modules cost every workflow call a little even when they
      // trace nothing (the bench showed it). They add no commands, so a workflow replays the same either way.
      // A prebuilt bundle has its interceptor modules inside already.
      ...(opts.workflowBundle || !opts.tracing ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
      activity: tracing.activity,
    },
    sinks: tracing.sinks,
    activities: createActivities({
      db: opts.db,
      agencies: opts.metrics ? meteredAgencyClients(agencies, opts.metrics) : agencies,
      licenseNumberPrefix: config.licenseNumberPrefix,
      workDays: config.workDays,
    }),
    ...opts.workerOptions,
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const sdkMetricsAddress = config.telemetry.workerSdkMetricsAddress;
  const { logger, logging } = workerRuntimeLogging(config.logLevel);
  Runtime.install({
    logger,
    telemetryOptions: {
      logging,
      // The Temporal SDK's own metrics (task latencies, slots, pollers, activity failures) for Prometheus.
      ...(sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } : {}),
    },
  });
  const metrics = await startWorkerMetrics(config.telemetry.workerAppMetrics);
  const tracing = tracingFromConfig(config, 'tarkhees-worker');
  const handle = await openMigratedDb(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createAppWorker({ connection, config, db: handle.db, tracing, metrics: metrics?.registry });
  const dispatcher = new SmsDispatcher(handle.db, smsProviderFor(config, metrics?.registry), config.sms);
  dispatcher.start();
  logger.info('worker polling', { taskQueue: config.temporal.taskQueue, address: config.temporal.address, metrics: metrics?.url ?? null });
  // Worker.run() stops on SIGINT/SIGTERM by itself; then drain the rest. The
  // SDK listens for the first signal only: this keeps a second copy of it
  // from killing the process mid-shutdown (see integrations/signals.ts).
  onStopSignal(() => {});
  await worker.run();
  await dispatcher.stop();
  await connection.close();
  await handle.close();
  await metrics?.close();
  await tracing?.shutdown();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
