// Everything on one machine: the Temporal dev server (unless TEMPORAL_ADDRESS
// points elsewhere), the database (PGlite unless DATABASE_URL is set) with its
// migrations, the agency simulator, the worker with the SMS dispatcher, and the
// API. PGlite is in-process, which is why worker and API share this process here.
import path from 'node:path';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { workerRuntimeLogging } from '../integrations/worker-logging';
import { buildApp } from '../api/app';
import { connectTemporalClient } from '../api/temporal';
import { loadConfig } from '../config';
import { openMigratedDb } from '../db/client';
import { startWorkerMetrics } from '../integrations/metrics';
import { SmsDispatcher } from '../integrations/sms/dispatcher';
import { tracingFromConfig } from '../integrations/tracing';
import { buildSimulator } from '../simulator/app';
import { createAppWorker, smsProviderFor } from '../worker';
import { startIssuer, type Issuer } from '../identity/issuer';
import { importOffices, openDevRound } from '../identity/seed';
import { SEED_OFFICES } from '../identity/users';
import { startTemporalDevServer, type DevServer } from './temporal';
import { onStopSignal } from '../integrations/signals';

const TEMPORAL_UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);

async function main() {
  const config = loadConfig();
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
  };
  try {
    let temporal: DevServer | undefined;
    if (!process.env.TEMPORAL_ADDRESS) {
      const [, port] = config.temporal.address.split(':');
      temporal = await startTemporalDevServer({
        port: Number(port),
        uiPort: TEMPORAL_UI_PORT,
        dbFile: path.resolve('.data/temporal.db'),
        namespace: config.temporal.namespace,
      });
      stops.push(() => temporal!.stop());
    }

    // The built-in token issuer, unless AUTH_ISSUER names a real identity provider.
    let issuer: Issuer | undefined;
    if (config.auth.builtIn) {
      issuer = await startIssuer({
        url: config.auth.issuer,
        host: config.auth.builtInIssuerHost,
        port: config.auth.builtInIssuerPort,
        audience: config.auth.audience,
        tokenTtlSeconds: config.auth.tokenTtlSeconds,
        keyFile: path.resolve(config.auth.builtInIssuerKeyFile),
      });
      stops.push(() => issuer!.close());
    }

    const db = await openMigratedDb(config);
    stops.push(() => db.close());

    const ownSimulator = !process.env.LABOR_OFFICE_URL && !process.env.ZAKAT_URL;
    if (ownSimulator) {
      const simulator = buildSimulator();
      await simulator.listen({ host: '127.0.0.1', port: config.simulatorPort });
      stops.push(() => simulator.close());
    }

    // One process runs the worker and the API here: one tracer, one service name.
    const tracing = tracingFromConfig(config, 'tarkhees');
    if (tracing) stops.push(() => tracing.shutdown());
    const metrics = await startWorkerMetrics(config.telemetry.workerAppMetrics);
    if (metrics) stops.push(() => metrics.close());

    // The worker's lines as JSON next to the API's, each about a case carrying its applicationId.
    const { logger, logging } = workerRuntimeLogging(config.logLevel);
    Runtime.install({ logger, telemetryOptions: { logging } });
    const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
    stops.push(() => nativeConnection.close());
    const worker = await createAppWorker({ connection: nativeConnection, config, db: db.db, tracing, metrics: metrics?.registry });
    const workerDone = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
    });
    const dispatcher = new SmsDispatcher(db.db, smsProviderFor(config, metrics?.registry), config.sms);
    dispatcher.start();
    stops.push(() => dispatcher.stop());

    const { client, connection } = await connectTemporalClient(config, tracing);
    stops.push(() => connection.close());
    // The built-in issuer's keys are handed over here, not fetched: nothing else listening on its port can stand in for it.
    const app = await buildApp({ config, db: db.db, temporal: client, tracing, issuerKeys: issuer?.publicJwks });
    await app.listen({ host: config.api.host, port: config.api.port });
    stops.push(() => app.close());
    if (issuer) {
      // The built-in issuer's people work for these offices: make sure they exist, accredited.
      await importOffices(db.db, app.offices, SEED_OFFICES);
      await openDevRound(db.db);
    }

    const api = config.api.publicUrl;
    console.log(
      [
        '',
        'Tarkhees is running',
        `  API               ${api}`,
        `  OpenAPI docs      ${api}/docs`,
        `  Temporal Web UI   ${temporal?.uiUrl ?? '(external Temporal: its own UI)'}`,
        `  Temporal gRPC     ${config.temporal.address}`,
        ...(metrics ? [`  Worker metrics    ${metrics.url}`] : []),
        ...(app.metricsUrl ? [`  API metrics       ${app.metricsUrl}`] : []),
        ...(tracing ? [`  Traces to         ${config.telemetry.otlpEndpoint}`] : []),
        `  Agency simulator  ${ownSimulator ? `http://127.0.0.1:${config.simulatorPort}` : '(external agencies)'}`,
        `  Database          ${db.kind === 'pglite' ? `embedded PGlite in ${config.pgliteDir}` : 'PostgreSQL at DATABASE_URL'}`,
        `  Token issuer      ${issuer ? `${issuer.url} (built-in; users: ${issuer.url}/users, password "tarkhees")` : config.auth.issuer}`,
        ...(issuer
          ? [`  Get a token       curl -s ${issuer.url}/token -d username=clerk.ahsa -d password=tarkhees`]
          : []),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );

    await new Promise<void>((resolve) => {
      onStopSignal(() => resolve());
      workerDone.catch((err) => {
        console.error('worker stopped', err);
        resolve();
      });
    });
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
