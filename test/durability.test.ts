// Durability with real crashes: the worker runs as its own process (worker.ts,
// as in production: the workflows, their activities and the SMS dispatcher),
// is killed with SIGKILL while a case is mid-way (an agency call in flight, an
// SMS on its way to the gateway), and a new worker process finishes the case:
// every transition written once, one license, each SMS delivered once.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import proto from '@temporalio/proto';
import { createActivities } from '../activities';
import { applicationEvents, applications, licenses, reviews, smsOutbox } from '../db/schema';
import { httpAgencyClients } from '../integrations/agencies';
import type { Transition } from '../activities';
import type { ControlState, SmsMessage, SmsRequest } from '../simulator/app';
import { nodeProcess, pollsTaskQueue, Supervised, type Crash } from '../scripts/chaos/processes';
import { getStateQuery } from '../workflows/application/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, healthApplication, submitOk, waitForApp, waitForStage } from './support/fixtures';

/** A worker bundles its workflows as it starts: tens of seconds on two busy cores, twice per test. */
const CRASH_TEST_TIMEOUT_MS = 8 * 60_000;
/**
 * The worker's SMS send timeout: a message a killed dispatcher held is sent
 * again once its lease (three send timeouts) runs out. Long enough that the
 * killed one's own timeout cannot come first on a loaded machine.
 */
const SMS_SEND_TIMEOUT_MS = 10_000;
/** A simulated latency no call outlives: the answer never comes while the test looks. */
const NEVER_MS = 600_000;

let env: TestEnv;
let worker: Supervised;
const crashes: Crash[] = [];

beforeAll(async () => {
  // No worker and no dispatcher in this process: the worker process does both.
  env = await startTestEnv({ startWorker: false, smsDispatcher: false });
  const logDir = path.resolve('.data/test/durability');
  mkdirSync(logDir, { recursive: true });
  const c = env.config;
  const workerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: c.databaseUrl,
    TEMPORAL_ADDRESS: c.temporal.address,
    TEMPORAL_NAMESPACE: c.temporal.namespace,
    TEMPORAL_TASK_QUEUE: c.temporal.taskQueue,
    LABOR_OFFICE_URL: `${env.simulatorUrl}/labor`,
    ZAKAT_URL: `${env.simulatorUrl}/zakat`,
    // As the environment's own worker: fees as it charges them, at its simulator's gateway.
    FEES_CHARGED: String(c.fees.charged),
    PAYMENT_GATEWAY_URL: c.payments.gatewayUrl,
    // Longer than the activity's own timeout: a call the Labor Office never answers is cut by Temporal, not by the client.
    AGENCY_TIMEOUT: '60s',
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: `${env.simulatorUrl}/sms/v1/messages`,
    SMS_POLL_INTERVAL: '100ms',
    SMS_SEND_TIMEOUT: `${SMS_SEND_TIMEOUT_MS}ms`,
    SMS_RETRY_INITIAL: '200ms',
    SMS_RETRY_MAX: '1s',
    WORK_WEEK: '0,1,2,3,4,5,6',
    LOG_LEVEL: 'warn',
    // The run's bundle, as the image gives its worker one: every restart after a kill skips bundling.
    WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    WORKER_METRICS_ADDRESS: '',
    WORKER_APP_METRICS_ADDRESS: '',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
  };
  worker = new Supervised(
    'worker',
    nodeProcess({ script: 'worker.ts', env: workerEnv, logFile: path.join(logDir, `worker-${c.temporal.taskQueue}.log`), ready: pollsTaskQueue(env.client.connection, c.temporal.taskQueue, c.temporal.namespace) }),
    (crash) => crashes.push(crash),
  );
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

const simulator = (method: 'GET' | 'PUT', url: string, body?: unknown) =>
  fetch(`${env.simulatorUrl}${url}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json());
const gateway = () => simulator('GET', '/_control/sms') as Promise<{ messages: SmsMessage[]; requests: SmsRequest[] }>;

/** The case's transitions as stored, in order. */
const eventsOf = async (id: string) =>
  (await env.db.db.select().from(applicationEvents).where(eq(applicationEvents.applicationId, id)).orderBy(asc(applicationEvents.seq))).map((e) => e.event);

/** Every SMS of the case went out, and reached the phone once: one delivery per outbox row at the gateway. */
async function expectEachSmsOnce(id: string) {
  const rows = await waitFor(`${id}: every SMS sent`, async () => {
    const r = await env.db.db.select().from(smsOutbox).where(eq(smsOutbox.applicationId, id));
    return r.length > 0 && r.every((m) => m.status === 'sent') ? r : undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
  const { messages } = await gateway();
  const refs = new Set(rows.map((r) => r.dedupeKey));
  const delivered = messages.filter((m) => refs.has(m.reference)).map((m) => m.reference).sort();
  expect(delivered).toEqual([...refs].sort());
  return rows;
}

/** The attempts Temporal recorded for the case's activities, by activity type. */
async function attemptsOf(id: string) {
  const { EventType } = proto.temporal.api.enums.v1;
  const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const types = new Map<string, string>();
  const attempts: { type: string; attempt: number }[] = [];
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) types.set(String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!);
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes!;
      attempts.push({ type: types.get(String(a.scheduledEventId))!, attempt: a.attempt ?? 1 });
    }
  }
  return attempts;
}

describe('durability', () => {
  it('a worker killed (-9) while an agency call is in flight: a new worker retries the call and finishes the case, each step once', { timeout: CRASH_TEST_TIMEOUT_MS }, async () => {
    await simulator('PUT', '/_control/labor', { latencyMs: NEVER_MS });
    const body = healthApplication();
    const cr = body.establishment.crNumber;
    const id = await submitOk(env.api, body);
    await approveAll(env.api, id);
    // Mid-way: the Labor Office has the call, and the worker's activity waits for its answer.
    await waitFor('the Labor Office call in flight', async () => ((await simulator('GET', '/_control')) as ControlState).labor.callsByCr[cr] === 1, { timeoutMs: 60_000 });
    const inFlight = await waitFor('the agency activity started', async () => {
      const d = await env.client.workflow.getHandle(id).describe();
      return d.raw.pendingActivities?.find((a) => a.activityType?.name === 'checkAgency' && a.state === proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    });
    expect(inFlight.attempt).toBe(1);
    await worker.kill9();
    await simulator('PUT', '/_control/labor', { latencyMs: 0 });

    // With no worker the API still reads the case from PostgreSQL.
    expect((await waitForStage(env.api, id, 'agency_linkage')).status).toBe('in_progress');
    await worker.start();
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued', 180_000);

    // The call the killed worker made was asked again, once, by the new one.
    expect(((await simulator('GET', '/_control')) as ControlState).labor.callsByCr[cr]).toBe(2);
    expect((await attemptsOf(id)).filter((a) => a.type === 'checkAgency').map((a) => a.attempt).sort()).toEqual([1, 2]);
    // Every step once: the transitions, the two reviews, one license.
    expect(await eventsOf(id)).toEqual(['submitted', 'review_started', 'task_claimed', 'review_decided', 'task_claimed', 'review_decided', 'agency_linkage_started', 'agency_checked', 'agency_checked', 'issued']);
    expect(done.timeline.map((e: { event: string }) => e.event)).toEqual(await eventsOf(id));
    expect((await env.db.db.select().from(reviews).where(eq(reviews.applicationId, id))).map((r) => r.kind).sort()).toEqual(['health', 'technical']);
    const lic = await env.db.db.select().from(licenses).where(eq(licenses.applicationId, id));
    expect(lic.map((l) => l.number)).toEqual([done.license.number]);
    await expectEachSmsOnce(id);
    expect(crashes).toEqual([]);
  });

  it('a worker killed (-9) while an SMS is on its way to the gateway: the new worker sends it once and finishes the case', { timeout: CRASH_TEST_TIMEOUT_MS }, async () => {
    await simulator('PUT', '/_control/sms', { latencyMs: NEVER_MS });
    const id = await submitOk(env.api, commercialApplication());
    // Mid-way: the gateway holds the case's first text and has not answered.
    const [held] = await waitFor('an SMS of the case at the gateway', async () => {
      const rows = await env.db.db.select().from(smsOutbox).where(eq(smsOutbox.applicationId, id));
      const refs = new Set(rows.map((r) => r.dedupeKey));
      const at = (await gateway()).requests.filter((r) => refs.has(r.reference));
      return at.length > 0 ? at : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50 });
    await worker.kill9();
    await simulator('PUT', '/_control/sms', { latencyMs: 0 });
    const [heldRow] = await env.db.db.select().from(smsOutbox).where(eq(smsOutbox.dedupeKey, held!.reference));
    expect(heldRow!.status).not.toBe('sent');

    await worker.start();
    await waitForStage(env.api, id, 'review');
    // The read model can be ahead of the workflow here: a write the killed worker made (a local
    // activity) in a workflow task it never completed. The new worker runs those steps again, and
    // until it has, the workflow has no review task to claim (409). Wait for the workflow's own state.
    await waitFor('the workflow to have the review task open', async () =>
      Boolean((await env.client.workflow.getHandle(id).query(getStateQuery)).tasks[`${id}:technical:1`]), { timeoutMs: 120_000, intervalMs: 250 });
    // The first calls after the restart may find the workflow service busy with the dead worker's
    // sticky queue: 503 with Retry-After, as the README promises; a caller tries again.
    const asInspector = async (url: string, payload?: unknown) =>
      waitFor(`${url} answered`, async () => {
        const r = await call(env.api, 'inspector', 'POST', url, payload);
        return r.statusCode === 503 ? undefined : r;
      }, { timeoutMs: 120_000, intervalMs: 500 });
    const claimed = await asInspector(`/tasks/${id}:technical:1/claim`);
    expect(claimed.statusCode, claimed.body).toBe(200);
    const decided = await asInspector(`/tasks/${id}:technical:1/decision`, { decision: 'approve' });
    expect(decided.statusCode, decided.body).toBe(200);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued', 180_000);
    expect(await eventsOf(id)).toEqual(['submitted', 'review_started', 'task_claimed', 'review_decided', 'agency_linkage_started', 'agency_checked', 'agency_checked', 'issued']);
    const lic = await env.db.db.select().from(licenses).where(eq(licenses.applicationId, id));
    expect(lic.map((l) => l.number)).toEqual([done.license.number]);
    await expectEachSmsOnce(id);
    // The held text was sent again by the new worker (its lease ran out) and delivered once: two requests, one message.
    const { messages, requests } = await gateway();
    expect(requests.filter((r) => r.reference === held!.reference)).toHaveLength(2);
    expect(messages.filter((m) => m.reference === held!.reference)).toHaveLength(1);
    expect(crashes).toEqual([]);
  });

  it('issuance retried or raced for a case the workflow issued returns its license, drawing no other number', async () => {
    const id = await submitOk(env.api, healthApplication());
    await approveAll(env.api, id);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued', 120_000);
    const acts = createActivities({
      db: env.db.db,
      agencies: httpAgencyClients(env.config.agencies),
      licenseNumberPrefix: 'AHS',
      licenseWorkflows: { client: env.client, taskQueue: env.config.temporal.taskQueue },
    });
    const again = await acts.issueLicense({ applicationId: id, licenseKind: 'health', termMonths: 12 });
    expect(again.number).toBe(done.license.number);
    const concurrent = await Promise.all([1, 2, 3].map(() => acts.issueLicense({ applicationId: id, licenseKind: 'health', termMonths: 12 })));
    expect(new Set(concurrent.map((l) => l.number))).toEqual(new Set([done.license.number]));
    expect(await env.db.db.select().from(licenses).where(eq(licenses.applicationId, id))).toHaveLength(1);
  }, 180_000);

  // The projection's batching contract, on transitions the test writes: the workflow cannot be made to
  // issue two writes for one case out of order on purpose, so this one drives the activity itself.
  it('transitions written together: each case moves forward, in order, and a bad one fails alone', async () => {
    const acts = createActivities({ db: env.db.db, agencies: httpAgencyClients(env.config.agencies), licenseNumberPrefix: 'AHS' });
    const ids = await Promise.all([0, 1, 2].map(() => submitOk(env.api, commercialApplication())));
    // Let the workflows' own first writes land, then write far ahead of them.
    for (const id of ids) await waitForStage(env.api, id, 'review');
    const at = new Date().toISOString();
    const t = (id: string, seq: number, stage: 'review' | 'agency_linkage', withReview = false): Transition => ({
      seq,
      event: withReview ? 'review_decided' : 'agency_linkage_started',
      at,
      actor: 'batch-test',
      contact: { mobile: '+966500000000', tradeName: 'x' },
      review: withReview ? { kind: 'technical', decision: 'approve', reviewer: { id: 'ti-batch', role: 'technical_inspector' }, round: 1, decidedAt: at } : undefined,
      state: { applicationId: id, stage, status: 'in_progress', waitingOn: [], round: 1, deficiencies: [], pendingReviews: [], agencies: {} },
    });
    const writes = [
      // Two for one case, issued together: the later one must win, whatever the batching.
      acts.recordTransition(t(ids[0]!, 100, 'review', true)),
      acts.recordTransition(t(ids[0]!, 101, 'agency_linkage')),
      acts.recordTransition(t(ids[1]!, 100, 'agency_linkage')),
      // A case that was never stored: its write fails, and only its.
      acts.recordTransition(t('TRK-20260101-NOROW1', 1, 'review')),
      acts.recordTransition(t(ids[2]!, 100, 'agency_linkage', true)),
    ];
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ type: 'MissingApplicationRow', nonRetryable: true });
    const rows = await env.db.db.select().from(applications).where(inArray(applications.id, ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(ids[0]!)).toMatchObject({ stage: 'agency_linkage', transitionSeq: 101 });
    expect(byId.get(ids[1]!)).toMatchObject({ stage: 'agency_linkage', transitionSeq: 100 });
    const batchReviews = await env.db.db.select().from(reviews).where(eq(reviews.reviewerId, 'ti-batch'));
    expect(batchReviews.map((r) => r.applicationId).sort()).toEqual([ids[0]!, ids[2]!].sort());
    // The same transitions again are no-ops.
    await Promise.all([acts.recordTransition(t(ids[0]!, 100, 'review', true)), acts.recordTransition(t(ids[1]!, 100, 'agency_linkage'))]);
    expect((await env.db.db.select().from(applications).where(eq(applications.id, ids[0]!)))[0]).toMatchObject({ stage: 'agency_linkage', transitionSeq: 101 });
    expect(await env.db.db.select().from(reviews).where(eq(reviews.reviewerId, 'ti-batch'))).toHaveLength(2);
  }, 120_000);
});
