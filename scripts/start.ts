// Everything on one machine: the Temporal dev server (unless TEMPORAL_ADDRESS
// points elsewhere), the database (PGlite unless DATABASE_URL is set) with its
// migrations, the built-in issuer, the agency simulator, the worker with the
// SMS dispatcher, and the API, assembled in system.ts. PGlite is in-process,
// which is why worker and API share this process here.
import { loadConfig } from '../config';
import { importOffices, openDevRound } from '../identity/seed';
import { DEV_SIGN_INS, SEED_OFFICES } from '../identity/users';
import { fileDemoCase } from './demo';
import { onStopSignal } from '../integrations/signals';
import { startSystem } from '../system';

const TEMPORAL_UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);


async function main() {
  const config = loadConfig();
  const system = await startSystem(config, {
    // One process runs the worker and the API here: one tracer, one service name.
    service: 'tarkhees',
    worker: {},
    api: {},
    installRuntime: true,
    embedded: {
      temporalOwn: !process.env.TEMPORAL_ADDRESS,
      temporalDataFile: '.data/temporal.db',
      temporalUiPort: TEMPORAL_UI_PORT,
      simulatorOwn: !process.env.LABOR_OFFICE_URL && !process.env.ZAKAT_URL,
    },
  });
  try {
    const { api: app, issuer, devServer, metrics, tracing, db } = system;
    let demoCase: string | undefined;
    await app!.listen({ host: config.api.host, port: config.api.port });
    if (issuer) {
      // The built-in issuer's people work for these offices: make sure they exist, accredited.
      await importOffices(db.db, app!.offices, SEED_OFFICES);
      await openDevRound(db.db);
      demoCase = await fileDemoCase(app!);
    }
    const api = config.api.publicUrl;
    console.log(
      [
        '',
        'Tarkhees is running',
        `  API               ${api}`,
        `  OpenAPI docs      ${api}/docs`,
        `  License check     ${api}/verify`,
        `  Web console       ${api}/console${issuer ? ' (password "tarkhees" for everyone below)' : ''}`,
        ...(issuer ? DEV_SIGN_INS.map((u) => `    ${u.roles[0]!.replaceAll('_', ' ').padEnd(24)}${u.username}`) : []),
        `  Temporal Web UI   ${devServer?.uiUrl ?? '(external Temporal: its own UI)'}`,
        `  Temporal gRPC     ${config.temporal.address}`,
        ...(metrics ? [`  Worker metrics    ${metrics.url}`] : []),
        ...(app!.metricsUrl ? [`  API metrics       ${app!.metricsUrl}`] : []),
        ...(tracing ? [`  Traces to         ${config.telemetry.otlpEndpoint}`] : []),
        `  Agency simulator  ${system.simulatorUrl ?? '(external agencies)'}`,
        `  Database          ${db.kind === 'pglite' ? `embedded PGlite in ${config.pgliteDir}` : 'PostgreSQL at DATABASE_URL'}`,
        `  Token issuer      ${issuer ? `${issuer.url} (built-in; users: ${issuer.url}/users, password "tarkhees")` : config.auth.issuer}`,
        ...(issuer ? [`  Get a token       curl -s ${issuer.url}/token -d username=clerk.ahsa -d password=tarkhees`] : []),
        ...(demoCase ? [`  Demo case         ${demoCase} (a café with its documents, in health.ahsa's and inspector.ahsa's inboxes)`] : []),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      onStopSignal(() => resolve());
      system.worker!.done!.catch((err: unknown) => {
        console.error('worker stopped', err);
        resolve();
      });
    });
  } finally {
    await system.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
