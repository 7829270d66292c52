// The worker process's log lines: JSON, one object a line, and every line about
// a case names it. The real worker.ts runs as its own process (as in compose)
// and works a case the API submits.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLine } from '../integrations/worker-logging';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { commercialApplication, submitOk, waitForApp } from './support/fixtures';

let env: TestEnv;
let worker: ChildProcess | undefined;
const lines: string[] = [];

beforeAll(async () => {
  env = await startTestEnv({ startWorker: false });
  worker = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: env.config.databaseUrl!,
      TEMPORAL_ADDRESS: env.config.temporal.address,
      TEMPORAL_TASK_QUEUE: env.config.temporal.taskQueue,
      LABOR_OFFICE_URL: env.config.agencies.laborOfficeUrl,
      ZAKAT_URL: env.config.agencies.zakatUrl,
      FEES_CHARGED: String(env.config.fees.charged),
      PAYMENT_GATEWAY_URL: env.config.payments.gatewayUrl,
      SMS_PROVIDER: 'http',
      SMS_HTTP_URL: env.config.sms.httpUrl!,
      LOG_LEVEL: 'debug',
      WORKER_METRICS_ADDRESS: '',
      WORKER_APP_METRICS_ADDRESS: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let rest = '';
  worker.stdout!.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop()!;
    lines.push(...parts.filter((l) => l.trim()));
  });
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  await env?.close();
});

describe('the worker process logs', () => {
  it('writes JSON lines, and each line from a case’s workflow or activities carries its applicationId', async () => {
    await waitFor('the worker polling', async () => (lines.some((l) => l.startsWith('{') && JSON.parse(l).msg === 'worker polling') ? true : undefined));
    // Excluded on conditions: the whole case runs in the worker without a reviewer.
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, establishment: { ...body.establishment, areaSqm: 2 } });
    await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded');
    const about = await waitFor('log lines about the case', async () => {
      const found = lines.filter((l) => l.includes(id));
      return found.length >= 2 ? found : undefined;
    });
    // Every line, not only the case's, is one JSON object.
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    for (const line of about) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ applicationId: id, name: 'tarkhees-worker' });
      expect(typeof entry.level).toBe('number');
      expect(typeof entry.msg).toBe('string');
    }
  }, 60_000);

  it('names the case only for an application’s workflow id', () => {
    const entry = (workflowId: string) =>
      JSON.parse(logLine({ level: 'WARN', message: 'm', timestampNanos: 1_700_000_000_000_000_000n, meta: { workflowId } })) as Record<string, unknown>;
    expect(entry('TRK-20261128-7KQ2MX')).toMatchObject({ applicationId: 'TRK-20261128-7KQ2MX', level: 40, time: 1_700_000_000_000 });
    expect(entry('office-OFF-000001').applicationId).toBeUndefined();
  });
});
