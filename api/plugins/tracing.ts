// One span per API request, continuing the caller's trace when it sends a W3C
// `traceparent`, and active while the route runs: the Temporal client's
// interceptor makes the workflow start or Update a child of it, and the
// workflow and its activities follow from there. Registered only when tracing
// is on (see integrations/tracing.ts).
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Tracing } from '../../integrations/tracing';

/** Scrapes and probes every few seconds would bury the traces that matter. */
const UNTRACED_ROUTES = new Set(['/metrics', '/health']);

export default fp(async function tracing(app: FastifyInstance, opts: { tracing: Tracing }) {
  const { tracer } = opts.tracing;
  const spans = new WeakMap<FastifyRequest, { span: Span; context: Context }>();

  const end = (req: FastifyRequest, statusCode?: number) => {
    const traced = spans.get(req);
    if (!traced) return;
    spans.delete(req);
    if (statusCode !== undefined) {
      traced.span.setAttribute('http.response.status_code', statusCode);
      if (statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    traced.span.end();
  };

  // The first hook, so refusals (401, 403, 429) are traced too.
  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    if (route && UNTRACED_ROUTES.has(route)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      `${req.method} ${route ?? 'unmatched'}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.url.split('?', 1)[0]!, ...(route ? { 'http.route': route } : {}) },
      },
      parent,
    );
    spans.set(req, { span, context: trace.setSpan(parent, span) });
    done();
  });

  // Entered after the body is parsed: a stream's events do not keep the
  // context entered before them. The route's handler runs inside this call.
  app.addHook('preHandler', (req, _reply, done) => {
    const traced = spans.get(req);
    if (!traced) return done();
    context.with(traced.context, done);
  });

  app.addHook('onError', async (req, _reply, err) => {
    spans.get(req)?.span.recordException(err);
  });
  app.addHook('onResponse', async (req, reply) => end(req, reply.statusCode));
  app.addHook('onRequestAbort', async (req) => end(req));
});
