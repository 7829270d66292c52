// The one assembly of Tarkhees from its config: the database (migrated), the
// Temporal connections, the worker with its activities, the SMS dispatcher, the
// API, and on one machine the Temporal dev server, the built-in token issuer
// and the agency simulator. worker.ts, server.ts, the single-machine start,
// the tests and the benches all build what they run here, and stop it with
// one call, in the reverse order of starting. The API, the issuer, the
// simulator and the dev server are loaded only by the processes that run them:
// a worker alone does not carry the API's code (docs/operations.md, "Sizing a worker").
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Registry } from 'prom-client';
import { createActivities } from './activities';
import { fileStoreFor, type FileStore } from './integrations/files';
import { DOCUMENT_SWEEP_WORKFLOW_TYPE, documentSweepScheduleId, type DocumentSweepInput } from './workflows/documents/contract';
import { PAYMENT_RECONCILIATION_WORKFLOW_TYPE, reconciliationScheduleId } from './workflows/payments/contract';
import { createPaymentGateway } from './integrations/payments';
import { connectTemporalClient } from './integrations/temporal';
import type { Config } from './config';
import { openMigratedDb, type DbHandle } from './db/client';
import type { Issuer } from './identity/issuer';
import { httpAgencyClients, httpClearanceClients } from './integrations/agencies';
import { meteredAgencyClients, meteredSmsProvider, startWorkerMetrics, type WorkerMetrics } from './integrations/metrics';
import { SmsDispatcher } from './integrations/sms/dispatcher';
import { consoleSmsProvider, httpSmsProvider, type SmsProvider } from './integrations/sms/providers';
import { tracingFromConfig, workerTracing, type Tracing } from './integrations/tracing';
import { workerRuntimeLogging } from './integrations/worker-logging';
import type { DevServer } from './scripts/temporal';
import { AgencyReportDispatcher } from './integrations/agency-reports/dispatch';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
/** Bundled with the workflows: whoever builds a bundle (the worker, the tests' global setup) passes these. */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('./workflows/tracing.ts', import.meta.url))];

export interface SystemOptions {
  /** Traces carry this service name (when OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  service: string;
  /** The workflows and their activities; started at once unless `start: false` (a test starts it later). */
  worker?: { bundle?: WorkerOptions['workflowBundle']; options?: Partial<WorkerOptions>; start?: boolean };
  /** Where a worker runs, it drains the SMS outbox too, unless this is false (a test that runs its own). */
  smsDispatcher?: boolean;
  /** The API (not listening yet: the caller chooses where). */
  api?: { logger?: FastifyServerOptions['logger'] };
  /**
   * The single-machine start: a Temporal dev server (unless TEMPORAL_ADDRESS
   * points elsewhere), the built-in issuer (unless AUTH_ISSUER names a real
   * provider) and the simulator (unless the agencies are named), as config says.
   */
  embedded?: { temporalDataFile?: string; temporalUiPort?: number; temporalOwn: boolean; simulatorOwn: boolean };
  /** The Temporal runtime's logs as JSON lines (the processes); tests and benches install their own quieter one. */
  installRuntime?: boolean;
  /** Instead of tracing from config (a test's exporter). */
  tracing?: Tracing;
}

export interface WorkerPart {
  readonly running?: Worker;
  /** Settles when the running worker stops (on its own or by `stop`). */
  readonly done?: Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface System {
  config: Config;
  db: DbHandle;
  client: Client;
  worker?: WorkerPart;
  dispatcher?: SmsDispatcher;
  /** Where a worker runs: starts the dispatch of agency reports kept while Temporal was down. */
  reportSweep?: AgencyReportDispatcher;
  api?: FastifyInstance;
  tracing?: Tracing;
  metrics?: WorkerMetrics;
  devServer?: DevServer;
  issuer?: Issuer;
  /** Where the embedded simulator listens. */
  simulatorUrl?: string;
  stop(): Promise<void>;
}

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
  db: DbHandle['db'];
  /** Tests pass a prebuilt bundle so each worker does not re-bundle the workflows. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  workerOptions?: Partial<WorkerOptions>;
  /** On: activities are spans, and the workflows' spans are exported. */
  tracing?: Tracing;
  /** Agency calls are counted and timed in this registry. */
  metrics?: Registry;
  /** Where uploads are kept; unset, the store the configuration names. */
  files?: FileStore;
}

/** A test's bundle, else the configured file (bundled ahead, interceptors inside), else bundled at start. */
function workflowsOf(opts: AppWorkerOptions): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (opts.workflowBundle) return { workflowBundle: opts.workflowBundle };
  if (opts.config.worker.workflowBundle) return { workflowBundle: { codePath: opts.config.worker.workflowBundle } };
  return { workflowsPath: WORKFLOWS_PATH };
}

/** The worker of the application and accreditation workflows, with every activity. */
export async function createAppWorker(opts: AppWorkerOptions): Promise<Worker> {
  const { config } = opts;
  const agencies = httpAgencyClients(config.agencies);
  const tracing = workerTracing(opts.tracing);
  return Worker.create({
    connection: opts.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowsOf(opts),
    interceptors: {
      // Only with tracing on: the interceptor modules cost every workflow call a little even when they
      // trace nothing (the bench showed it). They add no commands, so a workflow replays the same either way.
      // A prebuilt bundle has its interceptor modules inside already.
      ...(opts.workflowBundle || config.worker.workflowBundle || !opts.tracing ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
      activity: tracing.activity,
    },
    sinks: tracing.sinks,
    activities: createActivities({
      db: opts.db,
      agencies: opts.metrics ? meteredAgencyClients(agencies, opts.metrics) : agencies,
      clearances: httpClearanceClients(config.agencies),
      licenseNumberPrefix: config.licenseNumberPrefix,
      workDays: config.workDays,
      files: opts.files ?? fileStoreFor(config.documents.store),
      consoleBase: config.api.publicUrl,
      payments: createPaymentGateway(config.payments),
      feesCharged: config.fees.charged,
    }),
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    ...opts.workerOptions,
  });
}

export async function startSystem(config: Config, opts: SystemOptions): Promise<System> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => console.error(err));
  };
  try {
    const system = await assemble(config, opts, stops);
    return { ...system, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function assemble(config: Config, opts: SystemOptions, stops: (() => Promise<unknown>)[]): Promise<Omit<System, 'stop'>> {
  const embedded = opts.embedded;
  let devServer: DevServer | undefined;
  if (embedded?.temporalOwn) {
    const [, port] = config.temporal.address.split(':');
    const { startTemporalDevServer } = await import('./scripts/temporal');
    devServer = await startTemporalDevServer({
      port: Number(port),
      uiPort: embedded.temporalUiPort,
      dbFile: embedded.temporalDataFile && path.resolve(embedded.temporalDataFile),
      namespace: config.temporal.namespace,
    });
    stops.push(() => devServer!.stop());
  }

  let issuer: Issuer | undefined;
  if (embedded && config.auth.builtIn) {
    const { startIssuer } = await import('./identity/issuer');
    issuer = await startIssuer({
      url: config.auth.issuer,
      host: config.auth.builtInIssuerHost,
      port: config.auth.builtInIssuerPort,
      audience: config.auth.audience,
      tokenTtlSeconds: config.auth.tokenTtlSeconds,
      keyFile: path.resolve(config.auth.builtInIssuerKeyFile),
    // The web console signs in here (authorization code with PKCE).
    consoleUrl: `${config.api.publicUrl.replace(/\/$/, '')}/console`,
    });
    stops.push(() => issuer!.close());
  }

  const db = await openMigratedDb(config);
  stops.push(() => db.close());
  const files = fileStoreFor(config.documents.store);
  stops.push(async () => files.close?.());

  let simulatorUrl: string | undefined;
  if (embedded?.simulatorOwn) {
    // Its agencies report to this system's API, signed with the secrets the API checks.
    const { buildSimulator } = await import('./simulator/app');
    const simulator = buildSimulator({
      reports: { url: config.api.publicUrl, secrets: config.agencyReports.secrets },
      // Its gateway notifies this system's API of payments, signed with the secret the API checks.
      payments: { notifyUrl: config.api.publicUrl, secret: config.payments.notificationSecret, token: config.payments.gatewayToken },
    });
    await simulator.listen({ host: '127.0.0.1', port: config.simulatorPort });
    simulatorUrl = `http://127.0.0.1:${config.simulatorPort}`;
    stops.push(() => simulator.close());
  }

  const tracing = opts.tracing ?? tracingFromConfig(config, opts.service);
  if (tracing && !opts.tracing) stops.push(() => tracing.shutdown());

  let metrics: WorkerMetrics | undefined;
  let worker: WorkerPart | undefined;
  let dispatcher: SmsDispatcher | undefined;
  if (opts.worker) {
    if (opts.installRuntime) {
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
    }
    metrics = await startWorkerMetrics(config.telemetry.workerAppMetrics);
    if (metrics) stops.push(() => metrics!.close());
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    stops.push(() => connection.close());
    const w = opts.worker;
    worker = workerPart(() =>
      createAppWorker({ connection, config, db: db.db, workflowBundle: w.bundle, workerOptions: w.options, tracing, metrics: metrics?.registry, files }),
    );
    stops.push(() => worker!.stop());
    if (w.start !== false) await worker.start();
    if (opts.smsDispatcher !== false) {
      dispatcher = new SmsDispatcher(db.db, smsProviderFor(config, metrics?.registry), config.sms);
      dispatcher.start();
      stops.push(() => dispatcher!.stop());
    }
  }

  const { client, connection } = await connectTemporalClient(config, tracing);
  stops.push(() => connection.close());
  // Where the workflows run, their schedule is kept as the configuration says.
  if (opts.worker) {
    await ensureDocumentSweep(client, config);
    await ensureReconciliation(client, config);
  }
  let reportSweep: AgencyReportDispatcher | undefined;
  if (opts.worker) {
    reportSweep = new AgencyReportDispatcher(db.db, client, config.temporal.taskQueue);
    reportSweep.startSweeping(config.agencyReports.sweepEveryMs);
    stops.push(() => reportSweep!.stop());
  }

  let api: FastifyInstance | undefined;
  if (opts.api) {
    // The built-in issuer's keys are handed over, not fetched: nothing else listening on its port can stand in for it.
    const { buildApp } = await import('./api/app');
    api = await buildApp({ config, db: db.db, temporal: client, tracing, logger: opts.api.logger, issuerKeys: issuer?.publicJwks, files });
    await api.ready();
    stops.push(() => api!.close());
  }

  return { config, db, client, worker, dispatcher, reportSweep, api, tracing, metrics, devServer, issuer, simulatorUrl };
}

/** A sweep missed while Temporal was down is run once when it is back, if within this. */
const SWEEP_CATCHUP_WINDOW = '1h';

/**
 * The document sweep's Schedule, created the first time and brought up to the
 * configuration (its interval, the orphans' age) at every worker start. Kept
 * when the worker stops: it belongs to the deployment, not to one process.
 */
export async function ensureDocumentSweep(client: Client, config: Config): Promise<void> {
  const scheduleId = documentSweepScheduleId(config.temporal.taskQueue);
  const input: DocumentSweepInput = { orphanAfterMs: config.documents.orphanAfterMs };
  const spec = { intervals: [{ every: config.documents.sweepEveryMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: DOCUMENT_SWEEP_WORKFLOW_TYPE,
    workflowId: scheduleId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
  };
  // A run still busy (a store that is down) is not joined by a second.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: SWEEP_CATCHUP_WINDOW };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
  }
}

/** A night missed while Temporal was down is reconciled when it is back, within this: the statement keeps. */
const RECONCILE_CATCHUP_WINDOW = '1d';

/**
 * The nightly reconciliation's Schedule: every day at PAYMENT_RECONCILE_HOUR,
 * Riyadh time, the day before against the gateway's statement. Kept up to the
 * configuration at every worker start, as the document sweep's.
 */
export async function ensureReconciliation(client: Client, config: Config): Promise<void> {
  const scheduleId = reconciliationScheduleId(config.temporal.taskQueue);
  const spec = { calendars: [{ hour: config.fees.reconcileHour, comment: 'the day before, once its statement is closed' }], timezone: 'Asia/Riyadh' };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: PAYMENT_RECONCILIATION_WORKFLOW_TYPE,
    workflowId: scheduleId,
    taskQueue: config.temporal.taskQueue,
    args: [{}],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: RECONCILE_CATCHUP_WINDOW };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
  }
}

/** A worker that can be stopped and started again (a test's crash, a redeploy). */
function workerPart(create: () => Promise<Worker>): WorkerPart {
  let current: { worker: Worker; done: Promise<void> } | undefined;
  return {
    get running() {
      return current?.worker;
    },
    get done() {
      return current?.done;
    },
    async start() {
      if (current) return;
      const worker = await create();
      current = { worker, done: worker.run() };
    },
    async stop() {
      if (!current) return;
      const c = current;
      current = undefined;
      if (c.worker.getState() === 'RUNNING') c.worker.shutdown();
      await c.done;
    },
  };
}

