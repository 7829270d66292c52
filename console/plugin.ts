// The web console: server-rendered pages in the API's own process, over the
// same services (app.licenses, ...) and the same access policy. Pages get a
// policy of their own: only this origin's styles, fonts and (later) scripts.
import type { FastifyPluginAsync } from 'fastify';
import assets from './assets';
import licensePages from './licenses/page';

const PAGE_POLICY = "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const consolePlugin: FastifyPluginAsync = async (app) => {
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.header('content-security-policy', PAGE_POLICY);
      reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
    }
    return payload;
  });
  await app.register(assets);
  await app.register(licensePages);
};

// Encapsulated: the page policy is for these routes only (Swagger UI at /docs brings its own scripts).
export default consolePlugin;
