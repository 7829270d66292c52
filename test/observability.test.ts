// The worker's own Prometheus metrics (agency calls, SMS sends) and one
// OpenTelemetry trace from an API request through the workflow to its
// activities.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { AgencyRequestError, AgencyUnavailableError, type AgencyClient } from '../integrations/agencies';
import { meteredAgencyClients, meteredSmsProvider } from '../integrations/metrics';
import { workerTracing } from '../integrations/tracing';
import { authHeaders, startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, commercialApplication, crNumber, getApp, submitOk, waitForApp } from './support/fixtures';
import { expectEachSentOnce } from './support/sms-gateway';

const spans = new InMemorySpanExporter();
let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ workerMetrics: true, spanExporter: spans });
});
afterAll(async () => {
  await env?.close();
});

/** One sample of the Prometheus text: the series with these labels (others ignored), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

async function workerMetrics(): Promise<string> {
  const res = await fetch(env.workerMetricsUrl!);
  expect(res.status).toBe(200);
  return res.text();
}

const smsSent = (text: string) => sample(text, 'tarkhees_sms_sends_total', { provider: 'http', outcome: 'sent' });

async function setLabor(outage: boolean) {
  const res = await fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage }) });
  expect(res.ok).toBe(true);
}

describe('worker metrics', () => {
  it('count agency calls by outcome through an outage and its recovery, and the SMS sent', async () => {
    const before = await workerMetrics();
    const calls = (text: string, agency: string, outcome: string) => sample(text, 'tarkhees_agency_calls_total', { agency, outcome });
    await setLabor(true);
    let id: string;
    try {
      const body = commercialApplication();
      id = await submitOk(env.api, { ...body, establishment: { ...body.establishment, crNumber: crNumber(1) } });
      await approveAll(env.api, id);
      await waitForApp(env.api, id, 'labor unavailable', (a) => a.agencies.labor_office?.state === 'unavailable');
      // The case records the outage after its quick attempts: each was a call that got no answer.
      const down = await workerMetrics();
      expect(calls(down, 'labor_office', 'unavailable') - calls(before, 'labor_office', 'unavailable')).toBeGreaterThanOrEqual(3);
      expect(sample(down, 'tarkhees_agency_call_duration_seconds_count', { agency: 'labor_office', outcome: 'unavailable' })).toBe(calls(down, 'labor_office', 'unavailable'));
    } finally {
      await setLabor(false);
    }
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');

    const after = await workerMetrics();
    // Each call that reached an agency (the simulator counts them on arrival) counted once, by its outcome: the
    // outage's unanswered ones, then the one compliant answer that let the case go on.
    const reached = (await (await fetch(`${env.simulatorUrl}/_control`)).json()) as { labor: { callsByCr: Record<string, number> }; zakat: { callsByCr: Record<string, number> } };
    const cr = (await getApp(env.api, id)).establishment.crNumber as string;
    const delta = (agency: string, outcome: string) => calls(after, agency, outcome) - calls(before, agency, outcome);
    expect(delta('labor_office', 'compliant')).toBe(1);
    expect(delta('labor_office', 'unavailable') + delta('labor_office', 'compliant')).toBe(reached.labor.callsByCr[cr]);
    expect([delta('zakat', 'compliant'), delta('zakat', 'unavailable')]).toEqual([reached.zakat.callsByCr[cr], 0]);
    expect(calls(after, 'labor_office', 'refused')).toBe(0);
    // Every message of the case (submitted, in review, issued), each sent to the gateway once and counted once.
    const rows = await expectEachSentOnce(env, [id]);
    expect(rows.map((r) => r.event)).toEqual(['submitted', 'review_started', 'issued']);
    // Counted as the gateway answers, before the outbox marks the message sent: no need to wait.
    expect(smsSent(await workerMetrics()) - smsSent(before)).toBe(rows.length);
  });

  it('tell a non-compliant answer from a refusal and an outage, and a refused SMS from a sent one', async () => {
    const registry = new Registry();
    const answers: Record<string, () => Promise<never> | Promise<{ compliant: boolean; reasons: string[] }>> = {
      '1': async () => ({ compliant: false, reasons: ['FILE_INACTIVE'] }),
      '2': async () => Promise.reject(new AgencyRequestError('400')),
      '3': async () => Promise.reject(new AgencyUnavailableError('503')),
    };
    const fake: AgencyClient = { check: (cr) => answers[cr]!() };
    const agencies = meteredAgencyClients({ labor_office: fake, zakat: fake }, registry);
    // The metering passes each answer and each failure through as it came.
    await expect(agencies.labor_office.check('1')).resolves.toEqual({ compliant: false, reasons: ['FILE_INACTIVE'] });
    await expect(agencies.labor_office.check('2')).rejects.toBeInstanceOf(AgencyRequestError);
    await expect(agencies.labor_office.check('3')).rejects.toBeInstanceOf(AgencyUnavailableError);
    let refuse = true;
    const sms = meteredSmsProvider({ name: 'fake', send: async () => (refuse ? Promise.reject(new Error('429')) : { messageId: 'm' }) }, registry);
    await expect(sms.send({ to: '0500000000', body: 'x', reference: 'r1' })).rejects.toThrow('429');
    refuse = false;
    await expect(sms.send({ to: '0500000000', body: 'x', reference: 'r1' })).resolves.toEqual({ messageId: 'm' });

    const text = await registry.metrics();
    const calls = (outcome: string) => sample(text, 'tarkhees_agency_calls_total', { agency: 'labor_office', outcome });
    expect([calls('compliant'), calls('non_compliant'), calls('refused'), calls('unavailable')]).toEqual([0, 1, 1, 1]);
    expect(sample(text, 'tarkhees_sms_sends_total', { provider: 'fake', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'tarkhees_sms_sends_total', { provider: 'fake', outcome: 'sent' })).toBe(1);
  });
});

describe('tracing', () => {
  it('puts the API request, the workflow and its activities in the caller\'s trace, and the traced case replays', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const res = await env.api.inject({
      method: 'POST',
      url: '/applications',
      payload: commercialApplication(),
      headers: { ...(await authHeaders(env.api, 'clerk')), traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json<{ id: string }>().id;
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');

    // The workflow's span ends with the workflow, a moment after the projection shows the case issued.
    const inTrace = await waitFor('the workflow\'s span exported', () => {
      const mine = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return mine.some((s) => s.name === 'RunWorkflow:licenseApplication') ? mine : undefined;
    });
    type Span = (typeof inTrace)[number];
    const children = (name: string, parents: Span[]) =>
      inTrace.filter((s) => s.name === name && parents.some((p) => s.parentSpanId === p.spanContext().spanId));
    const request = inTrace.filter((s) => s.name === 'POST /applications');
    expect(request.map((s) => [s.parentSpanId, s.attributes['http.response.status_code']])).toEqual([[callerSpanId, 201]]);
    const run = children('RunWorkflow:licenseApplication', children('StartWorkflow:licenseApplication', request));
    expect(run).toHaveLength(1);
    // Activities under their scheduling (workflow side), under the workflow: both agency calls, regular activities.
    expect(children('RunActivity:checkAgency', children('StartActivity:checkAgency', run))).toHaveLength(2);
    expect(children('RunActivity:recordTransition', children('StartActivity:recordTransition', run)).length).toBeGreaterThan(0);

    // A traced case replays as it ran (a worker restarting mid-case replays it).
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    await expect(Worker.runReplayHistory({ workflowBundle, sinks: workerTracing(undefined).sinks }, history, id)).resolves.toBeUndefined();
  });
});
