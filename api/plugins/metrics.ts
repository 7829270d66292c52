// Prometheus metrics of the API: requests by route, method and status, with
// latency; and, read from the projection when scraped, the open cases per stage
// and the SMS outbox. Served as GET /metrics on a listener of its own
// (API_METRICS_ADDRESS), never on the public port: a scrape runs aggregate
// queries, which nobody outside should be able to set off.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sql, type SQL } from 'drizzle-orm';
import client from 'prom-client';
import { outboxHealth, type OutboxHealth } from '../../integrations/sms/outbox';
import { serveMetrics } from '../../integrations/metrics';

/** Buckets for an API that answers reads in milliseconds and writes through Temporal in tens. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the API's metrics are scraped, when API_METRICS_ADDRESS is set. */
    metricsUrl?: string;
  }
}

export default fp(async function metrics(app: FastifyInstance, opts: { address?: { host: string; port: number } }) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'tarkhees_api_' });
  const requests = new client.Counter({
    name: 'tarkhees_http_requests_total',
    help: 'API requests by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: 'tarkhees_http_request_duration_seconds',
    help: 'API request latency by route and method',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const db = app.db;
  /** A gauge of row counts by one label, read when scraped: `query` answers (label, n) rows. */
  const countsBy = (name: string, help: string, label: string, query: SQL) =>
    new client.Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        const r = (await db.execute(query)) as unknown as { rows: { label: string; n: number }[] };
        this.reset();
        for (const row of r.rows) this.set({ [label]: row.label }, row.n);
      },
    });
  countsBy(
    'tarkhees_cases_open',
    'Open cases by stage (from the projection, when scraped)',
    'stage',
    sql`select stage::text as label, count(*)::int as n from applications where status = 'in_progress' group by stage`,
  );
  // One query feeds the three SMS gauges: a scrape collects them together, so they share the read in flight.
  let scrape: Promise<OutboxHealth> | undefined;
  const health = () => (scrape ??= outboxHealth(db).finally(() => (scrape = undefined)));
  new client.Gauge({
    name: 'tarkhees_sms_outbox',
    help: 'SMS outbox rows by status (pending, sending, sent, failed)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      for (const [status, n] of Object.entries((await health()).byStatus)) this.set({ status }, n);
    },
  });
  new client.Gauge({
    name: 'tarkhees_sms_stuck',
    help: 'SMS the applicants have not received: failed (given up: resend them) or retrying (not sent after a failed attempt)',
    labelNames: ['reason'] as const,
    registers: [registry],
    async collect() {
      const h = await health();
      this.set({ reason: 'failed' }, h.failed);
      this.set({ reason: 'retrying' }, h.retrying);
    },
  });
  new client.Gauge({
    name: 'tarkhees_sms_oldest_unsent_seconds',
    help: 'Age of the oldest SMS still waiting to go out (0: none)',
    registers: [registry],
    async collect() {
      this.set((await health()).oldestUnsentSeconds);
    },
  });

  countsBy(
    'tarkhees_payment_mismatches_open',
    "Payments held for an administrator's decision (another amount, an unknown bill, a closed invoice, a statement that disagrees)",
    'reason',
    sql`select reason::text as label, count(*)::int as n from payment_mismatches where status = 'open' group by reason`,
  );
  new client.Gauge({
    name: 'tarkhees_invoices_open',
    help: 'Invoices waiting to be paid, and those past their due date (their workflow closes them)',
    labelNames: ['due'] as const,
    registers: [registry],
    async collect() {
      const r = (await db.execute(sql`
        select count(*) filter (where due_at >= now())::int as upcoming, count(*) filter (where due_at < now())::int as past
        from invoices where status = 'open'`)) as unknown as { rows: { upcoming: number; past: number }[] };
      this.set({ due: 'upcoming' }, r.rows[0]?.upcoming ?? 0);
      this.set({ due: 'past' }, r.rows[0]?.past ?? 0);
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    // Unknown routes are counted under one label, not one per URL a scanner tried.
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    latency.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });

  // Not a route of the public API: its own listener (API_METRICS_ADDRESS), or none.
  if (opts.address) {
    const endpoint = await serveMetrics(registry, opts.address);
    app.decorate('metricsUrl', endpoint.url);
    app.addHook('onClose', () => endpoint.close());
  }
});
