// Security headers and rate limits. Every request counts, before its body is
// parsed or validated, so a client is throttled on refused requests as on good
// ones: first against its address (before authentication: a flood of bad
// credentials is stopped before a token is verified or a key looked up), then,
// once the auth hook knows who calls, against its client (token subject or API
// key; an anonymous caller is its address), so one office's busy software
// cannot starve another's behind the same address. The counters are rows in
// PostgreSQL, shared by every API instance (rate-limit-store.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit, { type CreateRateLimitOptions } from '@fastify/rate-limit';
import { HttpError } from '../errors';
import { postgresRateLimitStore, type LimiterOptions } from './rate-limit-store';

export interface RateLimits {
  /** Requests one client may make per window. */
  max: number;
  /** Requests one address may make per window, all its clients together. */
  ipMax: number;
  windowMs: number;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
/** The plugin hands a limiter's options on to the store's child, ours included. */
type Options = CreateRateLimitOptions & LimiterOptions;

export default fp(async function security(app, opts: RateLimits) {
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

  // The plugin's window and our counters, without its per-route hooks: the two limits below run where they must.
  const counters = postgresRateLimitStore(app.db);
  await app.register(rateLimit, {
    global: false,
    timeWindow: opts.windowMs,
    store: counters.Store as never,
    // Counters that cannot be written (the database is down) let the request through: it fails
    // on its own call to the database, with that call's answer, rather than as a rate limit's error.
    skipOnError: true,
  });
  const stopSweeping = counters.startSweeping();
  app.addHook('onClose', async () => stopSweeping());
  const enforce = (limiter: Limiter, what: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const state = await limiter(req);
    if (state.isAllowed) return;
    reply.header('x-ratelimit-limit', state.max).header('x-ratelimit-remaining', state.remaining).header('x-ratelimit-reset', state.ttlInSeconds);
    if (!state.isExceeded) return;
    reply.header('retry-after', state.ttlInSeconds);
    throw new HttpError(429, 'rate_limited', `more than ${state.max} requests from this ${what} in ${Math.round(opts.windowMs / 1000)} s; retry in ${state.ttlInSeconds} s`);
  };
  // The plugin's default key: the address, with an IPv6 client's /64 taken as one address.
  const limiter = (options: Options) => app.createRateLimit(options);
  app.addHook('onRequest', enforce(limiter({ max: opts.ipMax, keyPrefix: 'address:' }), 'address'));
  // preParsing: after every onRequest hook (the auth hook authenticates there), before the body is read.
  app.addHook(
    'preParsing',
    enforce(
      limiter({
        max: opts.max,
        keyPrefix: 'client:',
        keyGenerator: (req) => (req.principal ? `${req.principal.kind}:${req.principal.id}` : `ip:${req.ip}`),
      }),
      'client',
    ),
  );
});
