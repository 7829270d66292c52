// The web console: server-rendered pages in the API's own process, over the
// same services (app.licenses, ...) and the same access policy. Pages get a
// policy of their own: only this origin's styles, fonts and scripts.
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config';
import assets from './assets';
import consoleAuth from './auth/plugin';
import homePage from './home/page';
import licensePages from './licenses/page';
import certificatePages from './licenses/certificate';
import applicationPages from './applications/routes';
import inboxPages from './inbox/routes';
import operationsPages from './operations/routes';
import bulkRepairPages from './operations/bulk';
import auditPages from './audit/routes';
import filingPages from './filing/routes';
import caseActionPages from './applications/actions';
import reportsPages from './reports/routes';
import supervisionPages from './supervision/routes';
import feePages from './payments/fees';
import paymentPages from './payments/routes';
import { pagePolicy } from './html';


/** A console form is a few fields; files go to POST /documents. */
const FORM_BODY_LIMIT = 64 * 1024;

export interface ConsoleOptions {
  config: Config;
}

const consolePlugin: FastifyPluginAsync<ConsoleOptions> = async (app, { config }) => {
  // Sign-in and sign-out forms answer with a redirect to the issuer.
  const PAGE_POLICY = pagePolicy([new URL(config.auth.issuer).origin]);
  // The pages' forms; the API itself takes JSON only (this parser is for these routes alone).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.header('content-security-policy', PAGE_POLICY);
      reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
    }
    return payload;
  });
  await app.register(assets);
  await app.register(consoleAuth, { config });
  await app.register(licensePages);
  await app.register(certificatePages, { config });
  await app.register(homePage);
  await app.register(applicationPages, { config });
  await app.register(inboxPages, { config });
  await app.register(operationsPages);
  await app.register(bulkRepairPages);
  await app.register(auditPages);
  await app.register(filingPages, { config });
  await app.register(caseActionPages, { config });
  await app.register(reportsPages);
  await app.register(supervisionPages);
  await app.register(feePages);
  await app.register(paymentPages);
};

// Encapsulated: the page policy is for these routes only (Swagger UI at /docs brings its own scripts).
export default consolePlugin;
