// A test file's world: the real PostgreSQL test database, the shared Temporal
// dev server, its own agency simulator on a free port, its own task queue and
// worker, the API (Fastify, exercised through inject) and the SMS dispatcher.
import { randomInt, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET, loadConfig, type Config } from '../../config';
import type { DbHandle } from '../../db/client';
import { startTracing, type Tracing } from '../../integrations/tracing';
import { cloneName, dropDatabases, recreateDatabase } from '../../scripts/databases';
import { buildSimulator } from '../../simulator/app';
import type { CaseTiming } from '../../workflows/application/contract';
import { startSystem } from '../../system';
import { documentSweepScheduleId } from '../../workflows/documents/contract';
import { withSaudiIdCheckDigit } from '../../domain/identifiers';
import type { Role } from '../../domain/access';
import { startIssuer, type Issuer, type TokenClaims } from '../../identity/issuer';
import { importOffices } from '../../identity/seed';
import type { SeedUser } from '../../identity/users';
import type { OfficeApplication } from '../../domain/office';

/** Seconds, not days: there is no time-skipping server here. */
export const FAST_TIMING: CaseTiming = {
  correctionDeadlineMs: 60_000,
  agencyHoldDeadlineMs: 60_000,
  agencyRecheckIntervalMs: 1_000,
  agencyRetryInitialMs: 200,
  agencyRetryMaxMs: 1_000,
};

let runtimeInstalled = false;

/**
 * Each environment gets its own database, cloned from the migrated template the
 * global setup made: test files run in parallel, and one file's SMS dispatcher
 * must not send another file's messages.
 */
async function cloneTestDatabase(): Promise<{ ownerUrl: string; runtimeUrl: string }> {
  const template = new URL(inject('databaseUrl')).pathname.slice(1);
  const ownerUrl = await recreateDatabase(inject('adminDatabaseUrl'), cloneName(template), template);
  // The API, the worker and the tests' own queries connect as the runtime role, as in production.
  const runtime = new URL(ownerUrl);
  runtime.username = inject('runtimeRole');
  runtime.password = '';
  return { ownerUrl, runtimeUrl: runtime.toString() };
}

/** The people of a test environment: staff of two offices (a, b) and the municipality. */
export type Who =
  | 'applicant'
  | 'clerk'
  | 'health'
  | 'inspector'
  | 'manager'
  | 'clerkB'
  | 'healthB'
  | 'inspectorB'
  | 'managerB'
  | 'supervisor'
  | 'municipalInspector'
  | 'admin'
  | 'auditor';

const AUDIENCE = 'tarkhees-api';
const rand = (n: number) => randomUUID().replaceAll('-', '').toUpperCase().replace(/[ILOU]/g, '7').slice(0, n);

export function officeFile(overrides: Partial<OfficeApplication> = {}): OfficeApplication {
  const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const suffix = rand(6);
  return {
    name: `Test Consulting ${suffix}`,
    firmLicenseNumber: `SCE-T-${suffix}`,
    crNumber: `22519${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`,
    mobile: '+966500000001',
    documents: [
      { type: 'firm_license', reference: `fl-${suffix}`, expiresOn: inAYear },
      { type: 'commercial_registration', reference: `cr-${suffix}` },
      { type: 'professional_indemnity', reference: `pi-${suffix}`, expiresOn: inAYear },
    ],
    staff: [
      { userId: `clerk-${suffix}`, name: 'Clerk', role: 'office_clerk' },
      { userId: `health-${suffix}`, name: 'Health Specialist', role: 'health_specialist' },
      { userId: `inspector-${suffix}`, name: 'Technical Inspector', role: 'technical_inspector' },
      { userId: `manager-${suffix}`, name: 'Manager', role: 'office_manager' },
    ],
    ...overrides,
  };
}

/** Auth headers per API instance, so the fixtures can act as a given person. */
const callers = new WeakMap<FastifyInstance, (who: Who) => Promise<Record<string, string>>>();
export function authHeaders(api: FastifyInstance, who: Who): Promise<Record<string, string>> {
  const f = callers.get(api);
  if (!f) throw new Error('this API was not built by startTestEnv');
  return f(who);
}

/** Lets another API instance (built by a test) act as the environment's people. */
export function shareCallers(from: FastifyInstance, to: FastifyInstance): void {
  const f = callers.get(from);
  if (f) callers.set(to, f);
}

export interface TestEnv {
  config: Config;
  issuer: Issuer;
  /** Two accredited offices, imported at start. */
  offices: { a: string; b: string };
  users: Record<Who, TokenClaims>;
  /** A fresh token for one of the environment's people (or anyone, by claims). */
  token(who: Who | TokenClaims, opts?: { expiresInSeconds?: number }): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for one of the environment's people. */
  auth(who: Who): Promise<Record<string, string>>;
  /** Connected as the runtime role, as the API and the worker are. */
  db: DbHandle;
  /** The schema owner's URL (the PostgreSQL superuser here), for what the runtime role may not do. */
  ownerDatabaseUrl?: string;
  client: Client;
  api: FastifyInstance;
  simulatorUrl: string;
  worker: Worker;
  /** With `workerMetrics`: where the worker's own metrics are served. */
  workerMetricsUrl?: string;
  /** With `spanExporter`: the tracing the API, its Temporal client and the worker share. */
  tracing?: Tracing;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /**
   * Redeploys the worker with the Labor Office at a bad address (it answers 404:
   * the question is refused, not the agency down); the function returned
   * redeploys it with the right one, as an operator's fix would.
   */
  misconfigureLaborOffice(): Promise<() => Promise<void>>;
  /** Where this environment's uploads are kept (FILES_DIR). */
  filesDir: string;
  close(): Promise<void>;
}

export async function startTestEnv(
  opts: {
    timing?: Partial<CaseTiming>;
    startWorker?: boolean;
    rateLimitMax?: number;
    /** Unidentified refusals stored per address and window (the rest are summed up). */
    anonymousAuditMax?: number;
    rateLimitWindow?: string;
    /** Requests one client address may make per window (tests all come from 127.0.0.1: unlimited unless told). */
    rateLimitIpMax?: number;
    officeAmendmentDeadline?: string;
    /** The embedded store (PGlite in a fresh folder), as `npm start` runs without DATABASE_URL. */
    embedded?: boolean;
    /** Serve the worker's metrics (agency calls, SMS sends) on a free port, as WORKER_APP_METRICS_ADDRESS does. */
    workerMetrics?: boolean;
    /** Trace, exporting every span here as it ends (tracing is process-wide: one such env per test file). */
    spanExporter?: SpanExporter;
    /** SMS delivery settings beyond the test defaults (a short horizon, one lane). */
    sms?: Partial<Config['sms']>;
    /**
     * The console's sign-in: the API's public URL (the address a test will listen at) and the issuer's
     * users, who sign in with the development password.
     */
    signIn?: { apiPublicUrl: string; users?: SeedUser[]; people?: boolean };
    /** The console's settings as their variables spell them (CONSOLE_COUNTS_REFRESH: '1s', ...). */
    console?: Partial<Record<'CONSOLE_COUNTS_REFRESH' | 'CONSOLE_PAGE_REFRESH', string>>;
    /** Off: no dispatcher runs in this process (a test runs its own, or kills one). */
    smsDispatcher?: boolean;
    /**
     * Fees charged (FEES_CHARGED): cases and renewals are invoiced and wait for payment, and the API
     * listens on a free port (signing in: at its public URL) so the simulator's gateway can notify it.
     * Off unless asked: most tests are about what comes before the fee.
     */
    fees?: boolean;
    /** Document settings as their variables spell them (DOCUMENT_SWEEP_EVERY: '1s', ...). */
    documents?: Partial<
      Record<
        | 'DOCUMENT_SWEEP_EVERY'
        | 'DOCUMENT_ORPHAN_AFTER'
        | 'DOCUMENT_MAX_BYTES'
        | 'DOCUMENT_REFERENCES_UNTIL'
        | 'FILES_STORE'
        | 'S3_ENDPOINT'
        | 'S3_BUCKET'
        | 'S3_ACCESS_KEY_ID'
        | 'S3_SECRET_ACCESS_KEY',
        string
      >
    >;
  } = {},
): Promise<TestEnv> {
  if (!runtimeInstalled) {
    // Keep the core SDK quiet unless something is wrong.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  // The gateway notifies the API once it listens (fees on); until then, nowhere.
  const paymentsTarget = { notifyUrl: 'http://127.0.0.1:9', secret: DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET };
  const simulator = buildSimulator({ payments: paymentsTarget });
  await simulator.listen({ host: '127.0.0.1', port: 0 });
  const simulatorUrl = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`;

  const clone = opts.embedded ? undefined : await cloneTestDatabase();
  const databaseUrl = clone?.runtimeUrl;
  const pgliteDir = opts.embedded ? mkdtempSync(path.join(tmpdir(), 'tarkhees-pglite-')) : undefined;
  // Uploads of this environment only, gone with it.
  const filesDir = mkdtempSync(path.join(tmpdir(), 'tarkhees-files-'));
  const fileA = officeFile();
  const fileB = officeFile();
  const offices = { a: `OFF-${rand(6)}`, b: `OFF-${rand(6)}` };
  const staff = (file: OfficeApplication, role: Role) => file.staff.find((m) => m.role === role)!.userId;
  const member = (file: OfficeApplication, officeId: string, role: Role): TokenClaims => ({ sub: staff(file, role), roles: [role], officeId, name: role });
  const users: Record<Who, TokenClaims> = {
    applicant: { sub: 'applicant-1', roles: ['applicant'], nationalId: withSaudiIdCheckDigit(`1${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`), name: 'Applicant' },
    clerk: member(fileA, offices.a, 'office_clerk'),
    health: member(fileA, offices.a, 'health_specialist'),
    inspector: member(fileA, offices.a, 'technical_inspector'),
    manager: member(fileA, offices.a, 'office_manager'),
    clerkB: member(fileB, offices.b, 'office_clerk'),
    healthB: member(fileB, offices.b, 'health_specialist'),
    inspectorB: member(fileB, offices.b, 'technical_inspector'),
    managerB: member(fileB, offices.b, 'office_manager'),
    supervisor: { sub: 'supervisor-1', roles: ['supervisor'], name: 'Supervisor' },
    municipalInspector: { sub: 'municipal-inspector-1', roles: ['municipal_inspector'], name: 'Municipal Inspector' },
    admin: { sub: 'admin-1', roles: ['administrator'], name: 'Administrator' },
    auditor: { sub: 'auditor-1', roles: ['auditor'], name: 'Auditor' },
  };
  // Signing in through the login page: the named users, and (people) the environment's own, by their Who as username.
  const signInUsers: SeedUser[] = [
    ...(opts.signIn?.users ?? []),
    ...(opts.signIn?.people
      ? Object.entries(users).map(([who, c]) => ({ username: who, name: c.name ?? who, roles: c.roles, officeId: c.officeId, nationalId: c.nationalId }))
      : []),
  ];
  const issuer = await startIssuer({
    port: 0,
    audience: AUDIENCE,
    tokenTtlSeconds: 3600,
    users: signInUsers,
    ...(opts.signIn ? { consoleUrl: `${opts.signIn.apiPublicUrl}/console` } : {}),
  });
  const base = loadConfig({
    AUTH_ISSUER: issuer.url,
    AUTH_AUDIENCE: AUDIENCE,
    RATE_LIMIT_MAX: String(opts.rateLimitMax ?? 1_000_000),
    RATE_LIMIT_IP_MAX: String(opts.rateLimitIpMax ?? 1_000_000),
    // Every refusal stored, so a test can find its own row; test/audit-bounds.test.ts lowers it.
    AUDIT_ANONYMOUS_MAX: String(opts.anonymousAuditMax ?? 1_000_000),
    ...(opts.rateLimitWindow ? { RATE_LIMIT_WINDOW: opts.rateLimitWindow } : {}),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DIR: pgliteDir }),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    LABOR_OFFICE_URL: `${simulatorUrl}/labor`,
    ZAKAT_URL: `${simulatorUrl}/zakat`,
    PAYMENT_GATEWAY_URL: `${simulatorUrl}/payments`,
    PAYMENT_GATEWAY_TIMEOUT: '2s',
    FEES_CHARGED: opts.fees ? 'true' : 'false',
    AGENCY_TIMEOUT: '2s',
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: `${simulatorUrl}/sms/v1/messages`,
    SMS_POLL_INTERVAL: '100ms',
    SMS_SEND_TIMEOUT: '2s',
    SMS_RETRY_INITIAL: '200ms',
    SMS_RETRY_MAX: '1s',
    OFFICE_AMENDMENT_DEADLINE: opts.officeAmendmentDeadline ?? '60s',
    // Every day is a working day, so an SLA of seconds runs out on a Friday too.
    WORK_WEEK: '0,1,2,3,4,5,6',
    LOG_LEVEL: 'warn',
    // Its metrics on a listener of their own (api.metricsUrl), as in production.
    API_METRICS_ADDRESS: '127.0.0.1:0',
    ...(opts.workerMetrics ? { WORKER_APP_METRICS_ADDRESS: '127.0.0.1:0' } : {}),
    FILES_DIR: filesDir,
    // Sealed sessions with a key of the test's own, not one kept in the work tree.
    CONSOLE_SESSION_SECRET: randomUUID() + randomUUID(),
    ...(opts.signIn ? { API_PUBLIC_URL: opts.signIn.apiPublicUrl } : {}),
    ...opts.documents,
    ...opts.console,
  });
  const config: Config = { ...base, timing: { ...FAST_TIMING, ...opts.timing }, sms: { ...base.sms, ...opts.sms } };
  const tokens = new Map<Who, Promise<string>>();
  const token = (who: Who | TokenClaims, o?: { expiresInSeconds?: number }) => {
    if (typeof who !== 'string') return issuer.sign(who, o);
    if (o) return issuer.sign(users[who], o);
    if (!tokens.has(who)) tokens.set(who, issuer.sign(users[who]));
    return tokens.get(who)!;
  };
  const auth = async (who: Who) => ({ authorization: `Bearer ${await token(who)}` });
  const tracing = opts.spanExporter ? startTracing({ serviceName: 'tarkhees-test', spanProcessor: new SimpleSpanProcessor(opts.spanExporter) }) : undefined;
  // Assembled as the processes assemble it (system.ts): the database, the Temporal client, the worker
  // (from the run's shared bundle), the SMS dispatcher and the API.
  const system = await startSystem(config, {
    service: 'tarkhees-test',
    tracing,
    worker: { bundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') }, options: { shutdownGraceTime: '1s' }, start: opts.startWorker !== false },
    smsDispatcher: opts.smsDispatcher,
    api: { logger: process.env.TEST_API_LOG ? { level: 'error' } : false },
  });
  const { db, client } = system;
  // Each environment has its own database, all share one Temporal: license numbers (and so their
  // workflows' ids) start at a random point, so two environments never draw the same one.
  const start = randomInt(1, 900_000);
  if (clone) {
    // The runtime role may draw from the sequence, not set it: its owner does.
    const owner = new pg.Client({ connectionString: clone.ownerUrl });
    await owner.connect();
    await owner.query('select setval($1, $2)', ['license_number_seq', start]).finally(() => owner.end());
  } else {
    await db.db.execute(sql`select setval('license_number_seq', ${start})`);
  }
  const api = system.api!;
  const worker = system.worker!;
  if (opts.fees) {
    // Signing in too: where the browser is sent back to, the one address both reach.
    const port = opts.signIn ? Number(new URL(opts.signIn.apiPublicUrl).port) : 0;
    const address = await api.listen({ host: '127.0.0.1', port });
    paymentsTarget.notifyUrl = address;
  }
  callers.set(api, auth);
  await importOffices(db.db, api.offices, [
    { id: offices.a, application: fileA },
    { id: offices.b, application: fileB },
  ]);

  const env: TestEnv = {
    config,
    issuer,
    offices,
    users,
    token,
    auth,
    db,
    ownerDatabaseUrl: clone?.ownerUrl,
    client,
    api,
    simulatorUrl,
    workerMetricsUrl: system.metrics?.url,
    tracing,
    get worker() {
      if (!worker.running) throw new Error('no worker running');
      return worker.running;
    },
    startWorker: () => worker.start(),
    stopWorker: () => worker.stop(),
    misconfigureLaborOffice: async () => {
      const agencies = config.agencies;
      const right = agencies.laborOfficeUrl;
      await worker.stop();
      agencies.laborOfficeUrl = `${simulatorUrl}/no-such-agency`;
      await worker.start();
      return async () => {
        await worker.stop();
        agencies.laborOfficeUrl = right;
        await worker.start();
      };
    },
    filesDir,
    async close() {
      // The sweep's schedule outlives a deployment's processes, not a test's.
      await client.schedule.getHandle(documentSweepScheduleId(config.temporal.taskQueue)).delete().catch(() => undefined);
      await system.stop();
      await simulator.close();
      await issuer.close();
      await tracing?.shutdown();
      if (clone) await dropDatabases(inject('adminDatabaseUrl'), new URL(clone.ownerUrl).pathname.slice(1));
      if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
      rmSync(filesDir, { recursive: true, force: true });
    },
  };
  return env;
}

/** Polls until check returns a value (not undefined/false) or the deadline passes. */
export { waitFor } from '../../scripts/wait';
