// Prometheus metrics of the worker process: what the agencies answered and how
// long they took, and what the SMS gateway did with each message. Recorded by
// decorators around the agency clients and the SMS provider the worker injects,
// so activities and the dispatcher know nothing of them; a sample is a counter
// or histogram update in memory, never I/O in a case's path. The open cases per
// stage and the outbox by status come from the projection, at the API's /metrics.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import client, { type Registry } from 'prom-client';
import type { Agency } from '../domain/status';
import { AgencyRequestError, type AgencyClient } from './agencies';
import type { SmsProvider } from './sms/providers';

/** Agencies answer in tens of milliseconds to seconds and give up at AGENCY_TIMEOUT (10 s by default). */
const AGENCY_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const AGENCY_OUTCOMES = ['compliant', 'non_compliant', 'unavailable', 'refused'] as const;
type AgencyOutcome = (typeof AGENCY_OUTCOMES)[number];
const SMS_OUTCOMES = ['sent', 'failed'] as const;

/** A worker restarted in the same process decorates again: it reuses the metric instead of registering a second. */
function metric<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

export function meteredAgencyClients(clients: Record<Agency, AgencyClient>, registry: Registry): Record<Agency, AgencyClient> {
  const labelNames = ['agency', 'outcome'] as const;
  const calls = metric(registry, 'tarkhees_agency_calls_total', () =>
    new client.Counter({ name: 'tarkhees_agency_calls_total', help: 'Agency calls by agency and outcome (compliant, non_compliant, unavailable, refused)', labelNames, registers: [registry] }),
  );
  const duration = metric(registry, 'tarkhees_agency_call_duration_seconds', () =>
    new client.Histogram({ name: 'tarkhees_agency_call_duration_seconds', help: 'Agency call latency by agency and outcome', labelNames, buckets: AGENCY_LATENCY_BUCKETS, registers: [registry] }),
  );
  const metered = (agency: Agency, inner: AgencyClient): AgencyClient => {
    // Zero from the start: an outcome that has not happened yet reads 0, not absent.
    for (const outcome of AGENCY_OUTCOMES) calls.inc({ agency, outcome }, 0);
    return {
      async check(crNumber) {
        const started = performance.now();
        let outcome: AgencyOutcome = 'unavailable';
        try {
          const answer = await inner.check(crNumber);
          outcome = answer.compliant ? 'compliant' : 'non_compliant';
          return answer;
        } catch (err) {
          if (err instanceof AgencyRequestError) outcome = 'refused';
          throw err;
        } finally {
          calls.inc({ agency, outcome });
          duration.observe({ agency, outcome }, (performance.now() - started) / 1000);
        }
      },
    };
  };
  return Object.fromEntries(Object.entries(clients).map(([agency, inner]) => [agency, metered(agency as Agency, inner)])) as Record<Agency, AgencyClient>;
}

export function meteredSmsProvider(provider: SmsProvider, registry: Registry): SmsProvider {
  const sends = metric(registry, 'tarkhees_sms_sends_total', () =>
    new client.Counter({
      name: 'tarkhees_sms_sends_total',
      help: 'SMS handed to the provider: sent (accepted) or failed (refused or unanswered; the message waits for another attempt)',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    }),
  );
  for (const outcome of SMS_OUTCOMES) sends.inc({ provider: provider.name, outcome }, 0);
  return {
    name: provider.name,
    async send(message) {
      try {
        const sent = await provider.send(message);
        sends.inc({ provider: provider.name, outcome: 'sent' });
        return sent;
      } catch (err) {
        sends.inc({ provider: provider.name, outcome: 'failed' });
        throw err;
      }
    },
  };
}

export interface WorkerMetrics extends MetricsEndpoint {
  registry: Registry;
}

export interface MetricsEndpoint {
  /** The scrape URL, `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a registry as GET /metrics on a listener of its own, apart from any
 * public port: a scrape can then reach it only from where the operator bound
 * it (the internal network), and nobody else can make it run its queries.
 */
export async function serveMetrics(registry: Registry, address: { host: string; port: number }): Promise<MetricsEndpoint> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?', 1)[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/**
 * The worker's registry, served as GET /metrics at `address`, on its own port
 * apart from the Temporal SDK's (which the SDK's core serves). Without an
 * address, undefined: nothing is decorated and nothing recorded.
 */
export async function startWorkerMetrics(address: { host: string; port: number } | undefined): Promise<WorkerMetrics | undefined> {
  if (!address) return undefined;
  const registry = new client.Registry();
  // Node's process metrics: the Temporal SDK's have none.
  client.collectDefaultMetrics({ register: registry, prefix: 'tarkhees_worker_' });
  return { registry, ...(await serveMetrics(registry, address)) };
}
