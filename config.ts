// Configuration is read from the environment once, validated, and passed down.
// Every variable and its default is listed in the README.
import { accessSync, constants } from 'node:fs';
import { DEFAULT_TASK_QUEUE, type CaseTiming } from './domain/case';
import { parseWorkWeek } from './domain/calendar';
import { durationMs } from './domain/duration';
import { AGENCIES, type Agency } from './domain/status';
import type { SmsDeliveryOptions } from './domain/sms';

export class ConfigError extends Error {}

/** "500ms", "30s", "10m", "6h", "14d" → milliseconds; anything else stops the start naming the variable. */
export function parseDuration(name: string, value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new ConfigError(`${name}: "${value}" is not a duration like 30s, 10m, 6h or 14d`);
  return ms;
}

function port(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name}: "${value}" is not a port`);
  return n;
}

function url(name: string, value: string): string {
  try {
    return new URL(value).toString().replace(/\/$/, '');
  } catch {
    throw new ConfigError(`${name}: "${value}" is not a URL`);
  }
}

/** An IPv4 or IPv6 address, optionally with a /prefix. */
const ADDRESS_OR_CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(?:\/\d{1,3})?$/;

/**
 * `false`, or the proxies' addresses (CIDR ranges too), comma-separated.
 * `true` (believe any X-Forwarded-For) is refused: any caller could then name
 * whatever address it likes in the audit log and the per-address rate limit.
 */
function proxyList(name: string, value: string): string[] {
  if (value === 'false') return [];
  if (value === 'true') throw new ConfigError(`${name}: "true" would believe any caller's X-Forwarded-For; list the proxies' addresses, e.g. 10.0.0.5,10.0.1.0/24`);
  const list = value.split(',').map((v) => v.trim()).filter(Boolean);
  const bad = list.find((v) => !ADDRESS_OR_CIDR.test(v));
  if (bad !== undefined || list.length === 0) throw new ConfigError(`${name}: "${bad ?? value}" is not an address or a CIDR range`);
  return list;
}

/** "host:port" (a bracketed IPv6 host too) → the parts a listener takes. */
function hostPort(name: string, value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(value);
  if (!m) throw new ConfigError(`${name}: "${value}" is not host:port, e.g. 0.0.0.0:9464`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: port(name, m[2]!) };
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name}: "${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * Production is what the deployment says (`NODE_ENV=production`, as the
 * Dockerfile sets): then nothing meant for one developer's machine may run or
 * be trusted. Anything else is development.
 */
export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV?.trim() === 'production';
}

/** Stops a development-only process (the built-in issuer, the seeding, the simulator) in production. */
export function refuseInProduction(what: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!isProduction(env)) return;
  console.error(`${what} is for development only and does not run with NODE_ENV=production`);
  process.exit(1);
}

/** Signature algorithms a token may use: asymmetric only, so no shared secret can mint one. */
export const TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

export type FileStoreConfig =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; endpoint?: string; region: string; bucket: string; accessKeyId?: string; secretAccessKey?: string; forcePathStyle: boolean };

export interface Config {
  /** NODE_ENV=production: development parts refuse to run, and only an https identity provider is trusted. */
  production: boolean;
  /** Unset: the embedded PostgreSQL (PGlite) under pgliteDir. */
  databaseUrl?: string;
  /** The schema owner, for migrations; then DATABASE_URL is the runtime role the owner grants its rights to. */
  databaseOwnerUrl?: string;
  pgliteDir: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  /**
   * maxCachedWorkflows: how many workflows a worker keeps in memory between their tasks. A case or a
   * license waits days on people and timers between bursts of tasks; only those in a burst gain from
   * staying cached, so the cache is sized to them, not to the work open (docs/operations.md).
   */
  /** workflowBundle: a file `npm run bundle-workflows` wrote; unset, the worker bundles the workflows as it starts. */
  worker: { maxCachedWorkflows: number; workflowBundle?: string };
  /** trustProxies: the reverse proxies whose X-Forwarded-For names the caller; empty, the socket's peer is the caller. */
  api: { host: string; port: number; publicUrl: string; trustProxies: string[] };
  agencies: { laborOfficeUrl: string; zakatUrl: string; timeoutMs: number };
  simulatorPort: number;
  agencyReports: {
    /** Each agency's secret for signing its reports to POST /agency-reports (HMAC-SHA256). */
    secrets: Record<Agency, string>;
    /** How often a worker starts the dispatch of reports whose start failed at intake (Temporal was down). */
    sweepEveryMs: number;
  };
  sms: { provider: 'console' | 'http'; httpUrl?: string; httpToken?: string } & SmsDeliveryOptions;
  payments: {
    /** The payment gateway's base URL (bills, statements, refunds). */
    gatewayUrl: string;
    /** Sent as a bearer token on every call to the gateway, when set. */
    gatewayToken?: string;
    /** The secret the gateway signs its POST /payments/notifications with (HMAC-SHA256). */
    notificationSecret: string;
    /** One gateway HTTP call. */
    timeoutMs: number;
  };
  licenseNumberPrefix: string;
  /**
   * charged: the municipality's fees are invoiced and paid through Tarkhees before issuance and
   * renewal; off, a case goes from the agencies straight to issuance (a municipality not yet
   * contracted with a gateway). reconcileHour: the Riyadh hour the day before is reconciled.
   */
  fees: { charged: boolean; reconcileHour: number };
  timing: CaseTiming;
  /** Offices' accreditation files: how long an office has to complete one. */
  officeAmendmentDeadlineMs: number;
  auth: {
    /** The token issuer the API trusts; the built-in one on a single machine. */
    issuer: string;
    /** Unset: the `jwks_uri` of the issuer's discovery document. */
    jwksUrl?: string;
    audience: string;
    /** The only algorithms a token's signature may use. */
    algorithms: TokenAlgorithm[];
    /** How long fetched signing keys are trusted before they are fetched again (a rotation is seen within this). */
    jwksCacheMaxAgeMs: number;
    /** Where the start command runs the built-in issuer (when AUTH_ISSUER is not set). */
    builtInIssuerPort: number;
    builtInIssuerHost: string;
    /** The built-in issuer's signing key, kept so tokens survive a restart. */
    builtInIssuerKeyFile: string;
    tokenTtlSeconds: number;
    /** True when AUTH_ISSUER is unset: the single-machine start runs the built-in issuer and seeds its people's offices. */
    builtIn: boolean;
  };
  console: {
    /** Its OpenID Connect client at AUTH_ISSUER: public, with PKCE (no secret to keep). */
    clientId: string;
    /** What encrypts its session cookies; unset (development only), a key kept in sessionKeyFile. */
    sessionSecret?: string;
    sessionKeyFile: string;
    /** A session ends this long after sign-in, however busy. */
    sessionTtlMs: number;
    /** How often an open inbox asks for its badge counts again. */
    countsRefreshMs: number;
    /** How often an open inbox asks for its list again, and a case page for where the case stands. */
    pageRefreshMs: number;
  };
  documents: {
    /** Where uploaded files are kept: a folder (the embedded default), or an S3-compatible object store. */
    store: FileStoreConfig;
    /** No upload is read past this, whatever its type's rule allows (the multipart limit). */
    maxBytes: number;
    /** An upload no filed case names is removed this long after it came. */
    orphanAfterMs: number;
    /** How often the Temporal Schedule sweeps orphans and documents past their retention. */
    sweepEveryMs: number;
    /** The last day an application may name a document by a bare reference instead of an uploaded file (YYYY-MM-DD). */
    referencesUntil: string;
  };
  /** Per client (token subject or API key) and per client address, in one window. */
  /** anonymousAuditMax: an address's unidentified refusals stored one by one per window; the rest are counted in one summary row. */
  rateLimit: { max: number; ipMax: number; windowMs: number; anonymousAuditMax: number };
  /** Working days of the week for task SLAs (0 = Sunday). */
  workDays: ReadonlySet<number>;
  logLevel: string;
  telemetry: {
    /** OTLP/HTTP base URL traces go to (`/v1/traces` is appended); unset, nothing is traced. */
    otlpEndpoint?: string;
    /** Where the worker serves the Temporal SDK's own Prometheus metrics (the SDK's core binds it). */
    workerSdkMetricsAddress?: string;
    /** Where the worker serves Tarkhees's metrics (agency calls, SMS sends). */
    workerAppMetrics?: { host: string; port: number };
    /** Where the API serves its own metrics; unset, it serves none. */
    apiMetrics?: { host: string; port: number };
  };
}

export const DEFAULTS = {
  PGLITE_DIR: '.data/pglite',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_TASK_QUEUE: DEFAULT_TASK_QUEUE,
  // Room for every workflow in a burst at 5 submissions a second (bench/README.md, "open work"); a
  // workflow evicted between bursts is replayed from its history when it wakes.
  WORKER_MAX_CACHED_WORKFLOWS: '100',
  API_HOST: '127.0.0.1',
  API_PORT: '3000',
  SIMULATOR_PORT: '4010',
  // A report kept while Temporal was down reaches its cases within half a minute of Temporal's return.
  AGENCY_REPORT_SWEEP_EVERY: '30s',
  AGENCY_TIMEOUT: '10s',
  PAYMENT_GATEWAY_TIMEOUT: '10s',
  SMS_PROVIDER: 'console',
  SMS_POLL_INTERVAL: '1s',
  SMS_SEND_TIMEOUT: '10s',
  SMS_CONCURRENCY: '4',
  SMS_RETRY_INITIAL: '5s',
  SMS_RETRY_MAX: '10m',
  // An outage of a day, or a gateway misconfigured overnight, loses nothing.
  SMS_RETRY_HORIZON: '24h',
  LICENSE_NUMBER_PREFIX: 'AHS',
  FEES_CHARGED: 'true',
  // After midnight, once the gateway has closed the day's statement; before the offices open.
  PAYMENT_RECONCILE_HOUR: '2',
  CORRECTION_DEADLINE: '14d',
  AGENCY_HOLD_DEADLINE: '30d',
  AGENCY_RECHECK_INTERVAL: '6h',
  AGENCY_RETRY_INITIAL: '5s',
  AGENCY_RETRY_MAX: '10m',
  WORK_WEEK: '0,1,2,3,4',
  VISIT_REMINDER_BEFORE: '1d',
  OFFICE_AMENDMENT_DEADLINE: '30d',
  ISSUER_PORT: '4020',
  ISSUER_HOST: '127.0.0.1',
  ISSUER_KEY_FILE: '.data/issuer/key.json',
  AUTH_AUDIENCE: 'tarkhees-api',
  // Keycloak signs with RS256 by default; the built-in issuer with ES256.
  AUTH_ALGORITHMS: 'RS256,ES256',
  AUTH_JWKS_CACHE_MAX_AGE: '10m',
  ISSUER_TOKEN_TTL: '8h',
  CONSOLE_CLIENT_ID: 'tarkhees-console',
  CONSOLE_SESSION_KEY_FILE: '.data/console/session.key',
  // A working day: a desk signs in once a shift, and a forgotten browser is closed out by evening.
  CONSOLE_SESSION_TTL: '8h',
  // A badge behind by a quarter of a minute at most; its count reads an index only (about 1 ms, bench/README.md).
  CONSOLE_COUNTS_REFRESH: '15s',
  // A list that rearranges itself moves under the reader's eyes: half as often as the badges, which tell first that it has changed.
  CONSOLE_PAGE_REFRESH: '30s',
  RATE_LIMIT_MAX: '600',
  // Five clients' worth: an office's several desks (and the public verifying licenses) share one address.
  RATE_LIMIT_IP_MAX: '3000',
  // A stray expired token or a few probes stay in the trail one by one; a flood of forged keys costs one row a window.
  AUDIT_ANONYMOUS_MAX: '20',
  RATE_LIMIT_WINDOW: '1m',
  LOG_LEVEL: 'info',
  FILES_STORE: 'local',
  FILES_DIR: '.data/files',
  S3_REGION: 'us-east-1',
  DOCUMENT_MAX_BYTES: String(10 * 1024 * 1024),
  // A clerk may upload on Sunday and file on Thursday; a week more is generous.
  DOCUMENT_ORPHAN_AFTER: '14d',
  DOCUMENT_SWEEP_EVERY: '1h',
  // Six months from the day uploads came (2026-12-01): the API clients' time to move to POST /documents.
  DOCUMENT_REFERENCES_UNTIL: '2027-05-31',
} as const;

/** 32 characters of base64 are 192 bits: more than a guess can reach, and what openssl rand -base64 24 gives. */
const MIN_SECRET_LENGTH = 32;

/** The variable that holds each agency's report-signing secret. */
export const AGENCY_REPORT_SECRET_VARIABLES: Record<Agency, string> = {
  labor_office: 'LABOR_OFFICE_REPORT_SECRET',
  zakat: 'ZAKAT_REPORT_SECRET',
};

/**
 * Outside production, unset secrets are these fixed values, so `npm start`'s
 * API and simulator (and a separately run simulator) agree with nothing to
 * set. They are public: production refuses them.
 */
export const DEVELOPMENT_REPORT_SECRETS: Record<Agency, string> = {
  labor_office: 'development-only-labor-office-report-secret',
  zakat: 'development-only-zakat-report-secret-0000000',
};

/** The agencies' report-signing secrets, checked as the API checks them (the simulator reads them here too). */
export function agencyReportSecrets(env: NodeJS.ProcessEnv = process.env): Record<Agency, string> {
  const production = isProduction(env);
  const secret = (agency: Agency): string => {
    const name = AGENCY_REPORT_SECRET_VARIABLES[agency];
    const value = env[name]?.trim();
    if (!value) {
      if (production) throw new ConfigError(`${name}: required with NODE_ENV=production (the agency signs its reports with it; e.g. openssl rand -base64 32)`);
      return DEVELOPMENT_REPORT_SECRETS[agency];
    }
    if (value.length < MIN_SECRET_LENGTH) throw new ConfigError(`${name}: must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
    if (production && Object.values(DEVELOPMENT_REPORT_SECRETS).includes(value)) throw new ConfigError(`${name}: the development value is public; set the secret agreed with the agency`);
    return value;
  };
  const secrets = Object.fromEntries(AGENCIES.map((a) => [a, secret(a)])) as Record<Agency, string>;
  // One agency's secret must not sign as the other: a shared value would let either speak for both.
  if (new Set(Object.values(secrets)).size !== AGENCIES.length) throw new ConfigError(`${Object.values(AGENCY_REPORT_SECRET_VARIABLES).join(' and ')}: must differ`);
  return secrets;
}

/**
 * Outside production, an unset PAYMENT_NOTIFICATION_SECRET is this fixed
 * value, so `npm start`'s API and simulator agree with nothing to set. It is
 * public: production refuses it.
 */
export const DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET = 'development-only-payment-notification-secret';

/** The secret the gateway's notifications are signed with, checked as the API checks it (the simulator reads it here too). */
export function paymentNotificationSecret(env: NodeJS.ProcessEnv = process.env): string {
  const name = 'PAYMENT_NOTIFICATION_SECRET';
  const value = env[name]?.trim();
  if (!value) {
    if (isProduction(env)) throw new ConfigError(`${name}: required with NODE_ENV=production (the payment gateway signs its notifications with it; e.g. openssl rand -base64 32)`);
    return DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET;
  }
  if (value.length < MIN_SECRET_LENGTH) throw new ConfigError(`${name}: must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
  if (isProduction(env) && value === DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET) throw new ConfigError(`${name}: the development value is public; set the secret agreed with the gateway`);
  return value;
}

function readableFile(name: string, value: string): string {
  try {
    accessSync(value, constants.R_OK);
  } catch {
    throw new ConfigError(`${name}: "${value}" is not a file this process can read`);
  }
  return value;
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name}: "${value}" is not a positive whole number`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const get = (k: keyof typeof DEFAULTS): string => env[k]?.trim() || DEFAULTS[k];
  const apiPort = port('API_PORT', get('API_PORT'));
  const apiHost = get('API_HOST');
  const smsProvider = oneOf('SMS_PROVIDER', get('SMS_PROVIDER'), ['console', 'http'] as const);
  const smsHttpUrl = env.SMS_HTTP_URL ? url('SMS_HTTP_URL', env.SMS_HTTP_URL) : undefined;
  if (smsProvider === 'http' && !smsHttpUrl) throw new ConfigError('SMS_HTTP_URL: required when SMS_PROVIDER=http');
  const prefix = get('LICENSE_NUMBER_PREFIX');
  if (!/^[A-Z]{2,6}$/.test(prefix)) throw new ConfigError(`LICENSE_NUMBER_PREFIX: "${prefix}" must be 2-6 capital letters`);
  const issuerPort = port('ISSUER_PORT', get('ISSUER_PORT'));
  // Unset, the agencies are the simulator the single-machine start runs.
  const simulatorPort = port('SIMULATOR_PORT', get('SIMULATOR_PORT'));
  const simulator = `http://127.0.0.1:${simulatorPort}`;
  const production = isProduction(env);
  const issuer = url('AUTH_ISSUER', env.AUTH_ISSUER?.trim() || `http://127.0.0.1:${issuerPort}`);
  const jwksUrl = optional(env.AUTH_JWKS_URL, (v) => url('AUTH_JWKS_URL', v));
  if (production) {
    // Only the municipality's identity provider, over TLS, may vouch for a caller.
    if (!env.AUTH_ISSUER?.trim()) throw new ConfigError('AUTH_ISSUER: required with NODE_ENV=production (the built-in issuer is for development)');
    if (new URL(issuer).protocol !== 'https:') throw new ConfigError(`AUTH_ISSUER: "${issuer}" must be https with NODE_ENV=production`);
    if (jwksUrl && new URL(jwksUrl).origin !== new URL(issuer).origin) {
      throw new ConfigError(`AUTH_JWKS_URL: "${jwksUrl}" must be on the issuer's origin (${new URL(issuer).origin}) with NODE_ENV=production; leave it unset to use the issuer's discovery document`);
    }
  }
  if (production) {
    // Unset, they would be the simulator, which passes every CR number and takes any payment, and SMS would only be logged.
    for (const name of ['LABOR_OFFICE_URL', 'ZAKAT_URL', 'PAYMENT_GATEWAY_URL'] as const) {
      if (!env[name]?.trim()) throw new ConfigError(`${name}: required with NODE_ENV=production (the default is the development simulator)`);
    }
    if (smsProvider !== 'http') throw new ConfigError('SMS_PROVIDER: must be http with NODE_ENV=production (console only logs the messages)');
  }
  const algorithms = get('AUTH_ALGORITHMS')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => oneOf('AUTH_ALGORITHMS', a, TOKEN_ALGORITHMS));
  const sessionSecret = env.CONSOLE_SESSION_SECRET?.trim() || undefined;
  if (production && !sessionSecret) throw new ConfigError('CONSOLE_SESSION_SECRET: required with NODE_ENV=production (development keeps a generated key in a file)');
  if (sessionSecret && sessionSecret.length < MIN_SECRET_LENGTH) throw new ConfigError(`CONSOLE_SESSION_SECRET: must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl) url('DATABASE_URL', databaseUrl);
  const databaseOwnerUrl = optional(env.DATABASE_OWNER_URL, (v) => url('DATABASE_OWNER_URL', v));
  if (databaseOwnerUrl && !databaseUrl) throw new ConfigError('DATABASE_OWNER_URL: needs DATABASE_URL (the runtime role it grants to)');
  return {
    production,
    documents: {
      store: fileStore(env, get('FILES_STORE'), get('FILES_DIR'), get('S3_REGION')),
      maxBytes: positiveInt('DOCUMENT_MAX_BYTES', get('DOCUMENT_MAX_BYTES')),
      orphanAfterMs: parseDuration('DOCUMENT_ORPHAN_AFTER', get('DOCUMENT_ORPHAN_AFTER')),
      sweepEveryMs: parseDuration('DOCUMENT_SWEEP_EVERY', get('DOCUMENT_SWEEP_EVERY')),
      referencesUntil: isoDate('DOCUMENT_REFERENCES_UNTIL', get('DOCUMENT_REFERENCES_UNTIL')),
    },
    databaseUrl,
    databaseOwnerUrl,
    pgliteDir: get('PGLITE_DIR'),
    temporal: {
      address: get('TEMPORAL_ADDRESS'),
      namespace: get('TEMPORAL_NAMESPACE'),
      taskQueue: get('TEMPORAL_TASK_QUEUE'),
    },
    worker: {
      maxCachedWorkflows: positiveInt('WORKER_MAX_CACHED_WORKFLOWS', get('WORKER_MAX_CACHED_WORKFLOWS')),
      workflowBundle: optional(env.WORKFLOW_BUNDLE, (v) => readableFile('WORKFLOW_BUNDLE', v)),
    },
    api: {
      host: apiHost,
      port: apiPort,
      publicUrl: env.API_PUBLIC_URL?.trim() || `http://${apiHost === '0.0.0.0' ? '127.0.0.1' : apiHost}:${apiPort}`,
      trustProxies: proxyList('API_TRUST_PROXY', env.API_TRUST_PROXY?.trim() || 'false'),
    },
    agencies: {
      laborOfficeUrl: url('LABOR_OFFICE_URL', env.LABOR_OFFICE_URL?.trim() || `${simulator}/labor`),
      zakatUrl: url('ZAKAT_URL', env.ZAKAT_URL?.trim() || `${simulator}/zakat`),
      timeoutMs: parseDuration('AGENCY_TIMEOUT', get('AGENCY_TIMEOUT')),
    },
    simulatorPort,
    agencyReports: {
      secrets: agencyReportSecrets(env),
      sweepEveryMs: parseDuration('AGENCY_REPORT_SWEEP_EVERY', get('AGENCY_REPORT_SWEEP_EVERY')),
    },
    payments: {
      gatewayUrl: url('PAYMENT_GATEWAY_URL', env.PAYMENT_GATEWAY_URL?.trim() || `${simulator}/payments`),
      gatewayToken: env.PAYMENT_GATEWAY_TOKEN?.trim() || undefined,
      notificationSecret: paymentNotificationSecret(env),
      timeoutMs: parseDuration('PAYMENT_GATEWAY_TIMEOUT', get('PAYMENT_GATEWAY_TIMEOUT')),
    },
    sms: {
      provider: smsProvider,
      httpUrl: smsHttpUrl,
      httpToken: env.SMS_HTTP_TOKEN || undefined,
      pollIntervalMs: parseDuration('SMS_POLL_INTERVAL', get('SMS_POLL_INTERVAL')),
      sendTimeoutMs: parseDuration('SMS_SEND_TIMEOUT', get('SMS_SEND_TIMEOUT')),
      concurrency: positiveInt('SMS_CONCURRENCY', get('SMS_CONCURRENCY')),
      retry: {
        initialMs: parseDuration('SMS_RETRY_INITIAL', get('SMS_RETRY_INITIAL')),
        maxMs: parseDuration('SMS_RETRY_MAX', get('SMS_RETRY_MAX')),
        horizonMs: parseDuration('SMS_RETRY_HORIZON', get('SMS_RETRY_HORIZON')),
      },
    },
    licenseNumberPrefix: prefix,
    fees: {
      charged: oneOf('FEES_CHARGED', get('FEES_CHARGED'), ['true', 'false'] as const) === 'true',
      reconcileHour: (() => {
        const h = Number(get('PAYMENT_RECONCILE_HOUR'));
        if (!Number.isInteger(h) || h < 0 || h > 23) throw new ConfigError(`PAYMENT_RECONCILE_HOUR: "${get('PAYMENT_RECONCILE_HOUR')}" is not an hour from 0 to 23`);
        return h;
      })(),
    },
    timing: {
      correctionDeadlineMs: parseDuration('CORRECTION_DEADLINE', get('CORRECTION_DEADLINE')),
      agencyHoldDeadlineMs: parseDuration('AGENCY_HOLD_DEADLINE', get('AGENCY_HOLD_DEADLINE')),
      agencyRecheckIntervalMs: parseDuration('AGENCY_RECHECK_INTERVAL', get('AGENCY_RECHECK_INTERVAL')),
      agencyRetryInitialMs: parseDuration('AGENCY_RETRY_INITIAL', get('AGENCY_RETRY_INITIAL')),
      agencyRetryMaxMs: parseDuration('AGENCY_RETRY_MAX', get('AGENCY_RETRY_MAX')),
      visitReminderBeforeMs: parseDuration('VISIT_REMINDER_BEFORE', get('VISIT_REMINDER_BEFORE')),
    },
    officeAmendmentDeadlineMs: parseDuration('OFFICE_AMENDMENT_DEADLINE', get('OFFICE_AMENDMENT_DEADLINE')),
    auth: {
      issuer,
      jwksUrl,
      audience: get('AUTH_AUDIENCE'),
      algorithms,
      jwksCacheMaxAgeMs: parseDuration('AUTH_JWKS_CACHE_MAX_AGE', get('AUTH_JWKS_CACHE_MAX_AGE')),
      builtInIssuerPort: issuerPort,
      builtInIssuerHost: get('ISSUER_HOST'),
      builtInIssuerKeyFile: get('ISSUER_KEY_FILE'),
      builtIn: !env.AUTH_ISSUER?.trim(),
      tokenTtlSeconds: Math.round(parseDuration('ISSUER_TOKEN_TTL', get('ISSUER_TOKEN_TTL')) / 1000),
    },
    console: {
      clientId: get('CONSOLE_CLIENT_ID'),
      sessionSecret,
      sessionKeyFile: get('CONSOLE_SESSION_KEY_FILE'),
      sessionTtlMs: parseDuration('CONSOLE_SESSION_TTL', get('CONSOLE_SESSION_TTL')),
      countsRefreshMs: parseDuration('CONSOLE_COUNTS_REFRESH', get('CONSOLE_COUNTS_REFRESH')),
      pageRefreshMs: parseDuration('CONSOLE_PAGE_REFRESH', get('CONSOLE_PAGE_REFRESH')),
    },
    rateLimit: {
      max: positiveInt('RATE_LIMIT_MAX', get('RATE_LIMIT_MAX')),
      ipMax: positiveInt('RATE_LIMIT_IP_MAX', get('RATE_LIMIT_IP_MAX')),
      windowMs: parseDuration('RATE_LIMIT_WINDOW', get('RATE_LIMIT_WINDOW')),
      anonymousAuditMax: positiveInt('AUDIT_ANONYMOUS_MAX', get('AUDIT_ANONYMOUS_MAX')),
    },
    workDays: (() => {
      try {
        return parseWorkWeek(get('WORK_WEEK'));
      } catch (err) {
        throw new ConfigError(`WORK_WEEK: ${(err as Error).message}`);
      }
    })(),
    logLevel: get('LOG_LEVEL'),
    telemetry: {
      otlpEndpoint: optional(env.OTEL_EXPORTER_OTLP_ENDPOINT, (v) => url('OTEL_EXPORTER_OTLP_ENDPOINT', v)),
      // Checked here so a typo stops the process by name; the SDK's core parses it again itself.
      workerSdkMetricsAddress: optional(env.WORKER_METRICS_ADDRESS, (v) => {
        hostPort('WORKER_METRICS_ADDRESS', v);
        return v;
      }),
      workerAppMetrics: optional(env.WORKER_APP_METRICS_ADDRESS, (v) => hostPort('WORKER_APP_METRICS_ADDRESS', v)),
      apiMetrics: optional(env.API_METRICS_ADDRESS, (v) => hostPort('API_METRICS_ADDRESS', v)),
    },
  };
}

function isoDate(name: string, value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new ConfigError(`${name}: "${value}" is not a date like 2027-05-31`);
  }
  return value;
}

function fileStore(env: NodeJS.ProcessEnv, kind: string, dir: string, region: string): FileStoreConfig {
  if (oneOf('FILES_STORE', kind, ['local', 's3'] as const) === 'local') return { kind: 'local', dir };
  const bucket = env.S3_BUCKET?.trim();
  if (!bucket) throw new ConfigError('S3_BUCKET: required when FILES_STORE=s3');
  const endpoint = optional(env.S3_ENDPOINT, (v) => url('S3_ENDPOINT', v));
  const accessKeyId = env.S3_ACCESS_KEY_ID?.trim() || undefined;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY?.trim() || undefined;
  // Both or neither: neither, the SDK's own chain (instance role, AWS_* variables) finds them.
  if (!accessKeyId !== !secretAccessKey) throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both, or neither');
  const pathStyle = oneOf('S3_FORCE_PATH_STYLE', env.S3_FORCE_PATH_STYLE?.trim() || (endpoint ? 'true' : 'false'), ['true', 'false'] as const);
  return { kind: 's3', endpoint, region, bucket, accessKeyId, secretAccessKey, forcePathStyle: pathStyle === 'true' };
}

/** An unset or blank variable is undefined; a set one is parsed. */
function optional<T>(value: string | undefined, parse: (v: string) => T): T | undefined {
  const v = value?.trim();
  return v ? parse(v) : undefined;
}
