// Security headers and per-client rate limits. A client is the caller the auth
// hook identified (token subject or API key), so one office's busy software
// cannot starve another's; anonymous calls are counted per address.
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';

export default fp(async function security(app, opts: { max: number; windowMs: number }) {
  await app.register(helmet, {
    // The API answers JSON; the one HTML page (/docs) needs its own scripts, so
    // the JSON answers get a deny-all policy below instead of a global one.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
    }
    return payload;
  });
  await app.register(rateLimit, {
    global: true,
    max: opts.max,
    timeWindow: opts.windowMs,
    // After authentication, so the key is the verified caller.
    hook: 'preHandler',
    keyGenerator: (req) => (req.principal ? `${req.principal.kind}:${req.principal.id}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: 'rate_limited',
      message: `more than ${ctx.max} requests in ${ctx.after}; retry later`,
    }),
  });
});
