// Builds the Fastify application from its dependencies; server.ts (and the
// tests) own the database and Temporal connections and pass them in.
import { randomUUID } from 'node:crypto';
import { maxHeaderSize } from 'node:http';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { JSONWebKeySet } from 'jose';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Tracing } from '../integrations/tracing';
import { fileStoreFor, type FileStore } from '../integrations/files';
import errors, { noRoute } from './errors';
import { EVERY_CHANGE_ERRORS, EVERY_ROUTE_ERRORS } from './schemas';
import storableText, { finiteNumbers } from './validation';
import audit from './plugins/audit';
import auth from './plugins/auth';
import caseLogging from './plugins/case-logging';
import metrics from './plugins/metrics';
import security from './plugins/security';
import swagger from './plugins/swagger';
import tracing from './plugins/tracing';
// One folder per capability: its routes, schemas, service and store.
import applicationRoutes from './applications/routes';
import documentRoutes from './documents/routes';
import { DocumentService } from './documents/service';
import { ApplicationService } from './applications/service';
import auditRoutes from './audit/routes';
import { AuditService } from './audit/service';
import health from './health/routes';
import inboxRoutes from './inbox/routes';
import { InboxService } from './inbox/service';
import licenseImportRoutes from './license-imports/routes';
import { LicenseImportService } from './license-imports/service';
import licenseRoutes from './licenses/routes';
import { LicenseService } from './licenses/service';
import officeRoutes from './offices/routes';
import { OfficeService } from './offices/service';
import operationsRoutes from './operations/routes';
import { OperationsService } from './operations/service';
import reportRoutes from './reports/routes';
import agencyReportRoutes from './agency-reports/routes';
import { AgencyReportService } from './agency-reports/service';
import { AgencyReportDispatcher } from '../integrations/agency-reports/dispatch';
import consolePages from '../console/plugin';
import paymentNotificationRoutes from './payments/notifications';
import paymentRoutes from './payments/routes';
import { PaymentService } from './payments/service';
import feeRoutes from './fees/routes';
import { FeeService } from './fees/service';
import { createPaymentGateway } from '../integrations/payments';
import { ReportService } from './reports/service';

declare module 'fastify' {
  interface FastifyInstance {
    applications: ApplicationService;
    documents: DocumentService;
    offices: OfficeService;
    audit: AuditService;
    licenses: LicenseService;
    licenseImports: LicenseImportService;
    inbox: InboxService;
    reports: ReportService;
    operations: OperationsService;
    agencyReports: AgencyReportService;
    payments: PaymentService;
    fees: FeeService;
    db: Db;
    temporal: Client;
  }
}

/** JSON bodies carry document ids, not files (those come multipart to /documents): 1 MiB is generous. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The router answers a path it cannot decode (%FF, a lone %) and a path
 * parameter over its length limit itself, before any hook: no rate limit, no
 * audit row, not our error body. So such a path is taken literally (its % as
 * %25), and no request line Node accepts is too long for a parameter: the
 * route's schema refuses it like any other bad id, counted and audited.
 */
function literalPercents(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    decodeURIComponent(path);
    return url;
  } catch {
    return path.replaceAll('%', '%25') + (q < 0 ? '' : url.slice(q));
  }
}

export async function buildApp(deps: {
  config: Config;
  db: Db;
  temporal: Client;
  logger?: FastifyServerOptions['logger'];
  tracing?: Tracing;
  /** The built-in issuer's public keys, when it runs in this process (npm start). */
  issuerKeys?: JSONWebKeySet;
  /** Where uploads are kept; unset, the store the configuration names. */
  files?: FileStore;
}) {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
    // Behind a proxy, X-Forwarded-For names the caller for rate limits and the audit log.
    // Only the named proxies: an X-Forwarded-For from anyone else is ignored.
    trustProxy: deps.config.api.trustProxies.length > 0 ? deps.config.api.trustProxies : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false }, plugins: [finiteNumbers] },
    rewriteUrl: (req) => literalPercents(req.url ?? '/'),
    routerOptions: { maxParamLength: maxHeaderSize },
    // Unique across processes and restarts: the audit log and the logs join on it, and the answer names it (x-request-id).
    genReqId: () => randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('db', deps.db);
  app.decorate('temporal', deps.temporal);
  const files = deps.files ?? fileStoreFor(deps.config.documents.store);
  // A store it opened itself is its own to close.
  if (!deps.files) app.addHook('onClose', async () => files.close?.());
  const documents = new DocumentService(deps.db, files, deps.config.documents, app.log);
  app.decorate('documents', documents);
  const applications = new ApplicationService(deps.db, deps.temporal, deps.config, documents);
  app.decorate('applications', applications);
  app.decorate('inbox', new InboxService(deps.db, deps.temporal, applications));
  app.decorate('reports', new ReportService(deps.db));
  app.decorate('operations', new OperationsService(deps.db, deps.temporal, deps.config));
  app.decorate('offices', new OfficeService(deps.db, deps.temporal, deps.config));
  app.decorate('audit', new AuditService(deps.db));
  app.decorate('agencyReports', new AgencyReportService(deps.db, new AgencyReportDispatcher(deps.db, deps.temporal, deps.config.temporal.taskQueue, app.log)));
  app.decorate('payments', new PaymentService(deps.db, deps.temporal, deps.config.temporal.taskQueue, createPaymentGateway(deps.config.payments)));
  app.decorate('fees', new FeeService(deps.db));
  app.decorate('licenses', new LicenseService(deps.db, deps.temporal, documents));
  app.decorate('licenseImports', new LicenseImportService(deps.db, deps.temporal, deps.config.temporal.taskQueue));
  // First, so its span covers every other hook of a request.
  if (deps.tracing) await app.register(tracing, { tracing: deps.tracing });
  await app.register(errors);
  // Before every other hook, so an answer cut short (429, 401) still names its request.
  app.addHook('onRequest', async (req, reply) => void reply.header('x-request-id', req.id));
  // Before auth: the per-address rate limit counts a request before anyone is authenticated.
  await app.register(security, deps.config.rateLimit);
  // A path no route matches answers 404 before its body is read (counted, but a body parser's 400 or 413 would hide it).
  app.addHook('onRequest', async (req) => {
    if (!req.routeOptions.url) throw noRoute(req);
  });
  await app.register(auth, { auth: deps.config.auth, production: deps.config.production, localKeys: deps.issuerKeys });
  await app.register(storableText);
  await app.register(audit, { windowMs: deps.config.rateLimit.windowMs, anonymousMax: deps.config.rateLimit.anonymousAuditMax });
  await app.register(metrics, { address: deps.config.telemetry.apiMetrics });
  await app.register(caseLogging);
  // Before any route (and before the document is built from them): their schemas list the answers every route may give.
  app.addHook('onRoute', (route) => {
    if (!route.schema) return;
    const generic = ['GET', 'HEAD'].includes(String(route.method)) ? EVERY_ROUTE_ERRORS : EVERY_CHANGE_ERRORS;
    route.schema = { ...route.schema, response: { ...generic, ...(route.schema.response as object | undefined) } };
  });
  await app.register(swagger);
  await app.register(health);
  await app.register(licenseRoutes);
  await app.register(applicationRoutes);
  await app.register(documentRoutes, { maxBytes: deps.config.documents.maxBytes });
  await app.register(officeRoutes);
  await app.register(auditRoutes);
  await app.register(inboxRoutes);
  await app.register(reportRoutes);
  await app.register(operationsRoutes);
  await app.register(licenseImportRoutes);
  await app.register(agencyReportRoutes, { secrets: deps.config.agencyReports.secrets });
  await app.register(paymentNotificationRoutes, { secret: deps.config.payments.notificationSecret });
  await app.register(paymentRoutes);
  await app.register(feeRoutes);
  // The pages, over the same services.
  await app.register(consolePages, { config: deps.config });
  return app;
}
