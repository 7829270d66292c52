// Finding stuck cases and diagnosing them, with cases stuck for real: an agency
// down, a review past its SLA, no worker polling, a row with no workflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, healthApplication, submitOk, waitForApp, waitForStage } from './support/fixtures';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { createAppWorker } from '../system';
import { recheckAgenciesSignal, SA_STATUS } from '../workflows/application/contract';
import { BAD_TIMER_MS } from './support/bad-release/workflows';
import { resetPoint } from '../api/operations/service';

/** The bundler's own progress lines are noise in a test run. */
const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

type Stuck = { items: { id: string; reason: string; cause: string | null; ageSeconds: number }[]; counts: Record<string, number>; workers: { workflow: number; activity: number } | null; diagnosis: string | null };

const stuckOf = (env: TestEnv, query = 'olderThan=1s') => call(env.api, 'admin', 'GET', `/operations/stuck?${query}`).then((r) => r.json() as Stuck);
const findStuck = (env: TestEnv, id: string, reason: string) =>
  waitFor(`${id} listed as ${reason}`, async () => {
    const page = await stuckOf(env);
    const item = page.items.find((i) => i.id === id);
    return item?.reason === reason ? { page, item } : undefined;
  });

/** A case row as the API writes it, two hours old, with no workflow started for it (the test starts one, or not). */
const insertCaseRow = (env: TestEnv, id: string, name: string) =>
  env.db.db.execute(sql`insert into applications (id, license_kind, office_id, applicant_national_id, applicant_name, applicant_mobile,
      cr_number, trade_name, isic_code, district, data, submitted_at, updated_at)
    values (${id}, 'commercial', ${env.offices.a}, '1000000008', ${name}, '+966500000000', '2250000000', ${name}, '477101', 'Hofuf',
      '{}'::jsonb, now() - interval '2 hours', now() - interval '2 hours')`);

describe('with workers running', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv();
    await env.db.db.execute(sql`update task_slas set working_days = ${3 / 86_400}`);
  });
  afterAll(async () => {
    await fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"outage":false}' });
    await env?.close();
  });

  it('finds a case waiting on an agency that is down, and shows the retrying call', async () => {
    await fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"outage":true}' });
    const id = await submitOk(env.api, commercialApplication());
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'labor unavailable', (a) => a.agencies.labor_office?.state === 'unavailable');
    const { page } = await findStuck(env, id, 'waiting_on_agency');
    // The environment's only case so far, and so the only one waiting on an agency.
    expect(page.items.filter((i) => i.reason === 'waiting_on_agency').map((i) => i.id)).toEqual([id]);
    expect(page.counts.waiting_on_agency).toBe(1);
    // By agency: the one that is down, not the other.
    expect((await stuckOf(env, 'olderThan=1s&agency=labor_office')).items.map((i) => i.id)).toContain(id);
    expect((await stuckOf(env, 'olderThan=1s&agency=zakat')).items.map((i) => i.id)).not.toContain(id);
    expect(page.workers!.workflow).toBeGreaterThan(0);
    expect(page.diagnosis).toBeNull();

    const d = (await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json();
    expect(d.projection).toMatchObject({ status: 'in_progress', stage: 'agency_linkage' });
    expect(d.workflow).toMatchObject({ found: true, status: 'RUNNING' });
    const pending = d.workflow.pendingActivities.find((a: { activityType: string }) => a.activityType === 'checkAgency');
    expect(pending.attempt).toBeGreaterThanOrEqual(1);
    expect(pending.lastFailure).toMatch(/labor_office/);
    expect(d.inconsistent).toBe(false);
    expect(d.lastEvents.length).toBeGreaterThan(0);

    await fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"outage":false}' });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect((await stuckOf(env)).items.some((i) => i.id === id)).toBe(false);
  });

  it('finds a case whose review is past its SLA, and the supervisor repairs it by reassigning the reviews', async () => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    await findStuck(env, id, 'waiting_on_person');
    const d = (await call(env.api, 'supervisor', 'GET', `/operations/cases/${id}`)).json();
    expect(d.projection.overdue).toBe(true);
    expect(d.openTasks.map((t: { kind: string }) => t.kind).sort()).toEqual(['health_review', 'technical_review']);
    // Filters narrow the list to what an operator asks for.
    expect((await stuckOf(env, `olderThan=1s&reason=waiting_on_person&officeId=${env.offices.a}`)).items.map((i) => i.id)).toContain(id);
    expect((await stuckOf(env, `olderThan=1s&officeId=${env.offices.b}`)).items.map((i) => i.id)).not.toContain(id);
    expect((await stuckOf(env, 'olderThan=2d')).items.map((i) => i.id)).not.toContain(id);

    // The matching repair: the supervisor gives the overdue reviews to reviewers who are in, saying why; they decide.
    for (const [kind, who] of [['health', 'health'], ['technical', 'inspector']] as const) {
      const given = await call(env.api, 'supervisor', 'POST', `/tasks/${id}:${kind}:1/reassign`, { assignee: env.users[who].sub, reason: 'overdue: the first reviewer is away' });
      expect(given.statusCode, given.body).toBe(200);
      expect((await call(env.api, who, 'POST', `/tasks/${id}:${kind}:1/decision`, { decision: 'approve' })).statusCode).toBe(200);
    }
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued' && a.overdue === false);
    expect((await stuckOf(env)).items.some((i) => i.id === id)).toBe(false);
  });

  it('flags a case the read model shows open but Temporal has never heard of', async () => {
    const id = 'TRK-20260101-0RPHAN';
    await insertCaseRow(env, id, 'Orphan');
    expect((await stuckOf(env, 'olderThan=1h')).items.find((i) => i.id === id)).toMatchObject({ reason: 'not_moving', cause: 'no_workflow' });
    const d = (await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json();
    expect(d.workflow.found).toBe(false);
    expect(d.inconsistent).toBe(true);
  });

  it('repairs a case whose agency refused the question: recheck now, and the case is seen to move', async () => {
    const fixLaborOffice = await env.misconfigureLaborOffice();
    const id = await submitOk(env.api, commercialApplication());
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'labor refused', (a) => a.agencies.labor_office?.state === 'unavailable');
    await findStuck(env, id, 'waiting_on_agency');
    // The operator fixes the cause (the agency's address), then repairs the case.
    await fixLaborOffice();
    const repaired = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'recheck_agencies', reason: 'labor office URL fixed' });
    expect(repaired.statusCode, repaired.body).toBe(200);
    expect(repaired.json()).toMatchObject({ accepted: true, moved: true });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const trail = (await call(env.api, 'auditor', 'GET', `/audit?applicationId=${id}`)).json().items;
    expect(trail.find((r: { route: string }) => r.route === '/operations/cases/:id/repair')).toMatchObject({
      actor: { id: env.users.admin.sub },
      details: { reason: 'labor office URL fixed' },
    });
  });

  it('cancels stuck cases in bulk: a dry run lists them, the real run cancels each, texts the applicant, and reports per case', async () => {
    const b = commercialApplication();
    const ids = [
      await submitOk(env.api, { ...b, documents: b.documents.filter((d) => d.type !== 'civil_defense') }),
      await submitOk(env.api, { ...commercialApplication(), documents: [] }),
    ];
    for (const id of ids) await waitForStage(env.api, id, 'awaiting_correction');
    // Waiting for the applicant within the deadline is not stuck: mark them overdue (as a lapsed task would)
    // and move them to an office and kind of their own, so the filter finds exactly these two.
    await env.db.db.execute(sql`update applications set office_id = ${env.offices.b}, license_kind = 'professional' where id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`);
    await env.db.db.execute(sql`update applications set overdue = true where id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`);
    const filter = { olderThan: '1s', officeId: env.offices.b, licenseKind: 'professional' };
    const dry = await waitFor('both listed', async () => {
      const r = (await call(env.api, 'admin', 'POST', '/operations/bulk', { action: 'cancel', reason: 'filed twice by mistake', filter })).json();
      return r.cases.length === 2 ? r : undefined;
    });
    expect(dry).toMatchObject({ dryRun: true, results: [] });
    for (const id of ids) expect((await call(env.api, 'admin', 'GET', `/applications/${id}`)).json().status).toBe('in_progress');

    const run = (await call(env.api, 'admin', 'POST', '/operations/bulk', { action: 'cancel', reason: 'filed twice by mistake', filter, dryRun: false })).json();
    expect(run.results.map((r: { id: string; ok: boolean; moved: boolean; status: string }) => [r.id, r.ok, r.moved, r.status]).sort()).toEqual(
      ids.map((id) => [id, true, true, 'cancelled']).sort(),
    );
    for (const id of ids) {
      const a = (await call(env.api, 'admin', 'GET', `/applications/${id}`)).json();
      expect(a).toMatchObject({ status: 'cancelled', stage: 'closed' });
      const texts = await env.db.db.execute(sql`select event::text as event from sms_outbox where application_id = ${id}`);
      expect((texts as unknown as { rows: { event: string }[] }).rows.map((r) => r.event)).toContain('cancelled');
      expect((await call(env.api, 'supervisor', 'GET', `/tasks?q=${id}`)).json().items).toEqual([]);
    }
    // A closed case is not repaired again.
    expect((await call(env.api, 'admin', 'POST', `/operations/cases/${ids[0]}/repair`, { action: 'cancel', reason: 'again' })).statusCode).toBe(409);
    // The run's audit row names each case it touched and how it ended (the dry run's, the cases it would touch).
    const [row] = await rowsOf<{ details: { dryRun: boolean; cases: { id: string; ok: boolean }[]; reason: string } }>(env.db.db, sql`
      select details from audit_log where route = '/operations/bulk' and details->>'dryRun' = 'false' order by id desc limit 1`);
    expect(row!.details.reason).toBe('filed twice by mistake');
    expect(row!.details.cases.sort((x, y) => x.id.localeCompare(y.id))).toEqual([...ids].sort().map((id) => ({ id, ok: true })));
    const [dryRow] = await rowsOf<{ cases: string[] }>(env.db.db, sql`
      select details->'cases' as cases from audit_log where route = '/operations/bulk' and details->>'dryRun' = 'true' order by id desc limit 1`);
    expect([...dryRow!.cases].sort()).toEqual([...ids].sort());
  });

  it('cancels a case in review with its clocks running: its tasks are cancelled and the applicant told', async () => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/claim`);
    const res = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'cancel', reason: 'withdrawn by the owner' });
    expect(res.json()).toMatchObject({ moved: true, status: 'cancelled' });
    const tasks = await env.db.db.execute(sql`select status::text as status from tasks where application_id = ${id}`);
    expect((tasks as unknown as { rows: { status: string }[] }).rows.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect((await env.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
  });

  it('names a workflow task that keeps failing (a bug) as the cause, and terminating ends it', async () => {
    const id = 'TRK-20260101-BVGGY1';
    await insertCaseRow(env, id, 'Buggy');
    // Input the workflow's code cannot handle: its first workflow task throws, and Temporal retries it forever.
    await env.client.workflow.start('licenseApplication', { workflowId: id, taskQueue: env.config.temporal.taskQueue, args: [{ applicationId: id, data: {} }] });
    const { item } = await waitFor('the failing workflow task named', async () => {
      const found = (await stuckOf(env, 'olderThan=1h')).items.find((i) => i.id === id);
      return found?.cause === 'workflow_task_failing' ? { item: found } : undefined;
    });
    expect(item.reason).toBe('not_moving');
    const d = (await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json();
    expect(d.workflow.workflowTask).toMatchObject({ failing: true });
    expect(d.lastEvents.map((e: { type: string }) => e.type)).toContain('WORKFLOW_TASK_FAILED');
    expect((await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'terminate', reason: 'bad input from a migration' })).json()).toMatchObject({ moved: true, status: 'cancelled' });
  });

  it('resets a case a bad release broke to before that release\'s first decision, and the case goes on to its license', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const handle = env.client.workflow.getHandle(id);
    const EventType = proto.temporal.api.enums.v1.EventType;
    const badTimers = async () =>
      ((await handle.fetchHistory()).events ?? []).filter(
        (e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED && Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds) === BAD_TIMER_MS / 1000,
      ).length;

    // The bad release takes over the task queue and runs one workflow task of the case.
    await env.stopWorker();
    const connection = await NativeConnection.connect({ address: env.config.temporal.address });
    const badBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./support/bad-release/workflows.ts', import.meta.url)), logger: quietBundler });
    const bad = await createAppWorker({ connection, config: env.config, db: env.db.db, workflowBundle: badBundle });
    const completedTasks = async () => ((await handle.fetchHistory()).events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
    await bad.runUntil(async () => {
      await handle.signal(recheckAgenciesSignal);
      await waitFor('the bad release decided a workflow task', async () => ((await badTimers()) > 0 ? true : undefined));
      // And a later one, as a release deployed for a while does: the reset must go back before both.
      const before = await completedTasks();
      await handle.signal(recheckAgenciesSignal);
      await waitFor('the bad release completed another workflow task', async () => ((await completedTasks()) > before ? true : undefined));
    });
    await connection.close();

    // Rolled back: today's code cannot replay what the bad release decided, so every workflow task of the case fails.
    await env.startWorker();
    await handle.signal(recheckAgenciesSignal);
    await waitFor('the workflow task failing', async () => {
      const d = (await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json();
      return d.workflow.workflowTask?.failing ? true : undefined;
    });
    // An administrator never claims a review, broken case or not: refused by role before the workflow is asked.
    const byAdmin = await call(env.api, 'admin', 'POST', `/tasks/${id}:technical:1/claim`);
    expect([byAdmin.statusCode, byAdmin.json()]).toEqual([403, { error: 'forbidden', message: 'role administrator may not task.claim' }]);
    // The inspector is told the case is blocked (409, nothing written), not given a 500.
    const byInspector = await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/claim`);
    expect([byInspector.statusCode, byInspector.json().error]).toEqual([409, 'case_blocked']);
    // The broken case has not moved: its review waits, open and unclaimed, for the repair.
    expect((await call(env.api, 'supervisor', 'GET', `/tasks/${id}:technical:1`)).json()).toMatchObject({ status: 'open', assignee: null });

    const brokenRun = (await handle.describe()).runId;
    const firstBadTimer = ((await handle.fetchHistory()).events ?? []).find(
      (e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED && Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds) === BAD_TIMER_MS / 1000,
    );
    const reset = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'reset', reason: 'release 1.4.2 started a stray timer' });
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toMatchObject({ action: 'reset', accepted: true, moved: true, status: 'in_progress' });
    expect(reset.json().runId).not.toBe(brokenRun);
    // Back to before the bad release's first decision, not only its last task.
    expect(reset.json().resetToEventId).toBeLessThan(Number(firstBadTimer?.eventId));
    expect((await handle.describe()).runId).toBe(reset.json().runId);
    // The new run has today's decisions only, and the case goes on.
    expect(await badTimers()).toBe(0);
    const claimed = await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/claim`);
    expect(claimed.statusCode, claimed.body).toBe(200);
    expect(claimed.json()).toMatchObject({ status: 'claimed', assignee: env.users.inspector.sub });
    expect((await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/decision`, { decision: 'approve' })).statusCode).toBe(200);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const audit = (await call(env.api, 'auditor', 'GET', `/audit?applicationId=${id}&limit=100`)).json().items as { route: string; reason?: string; details: Record<string, unknown> }[];
    expect(audit.some((r) => r.route === '/operations/cases/:id/repair')).toBe(true);
    // Nothing left to reset to on a closed case.
    expect((await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'reset', reason: 'again' })).statusCode).toBe(409);
  }, 60_000);

  it('names an activity that failed for good as the cause of a case whose workflow failed', async () => {
    const id = 'TRK-20260101-FAGD11';
    await insertCaseRow(env, id, 'Orphan');
    // A workflow whose case row is missing (a bad migration copied the id wrong): its first write fails for good.
    const data = { ...commercialApplication(), officeId: env.offices.a };
    await env.client.workflow.start('licenseApplication', {
      workflowId: id,
      taskQueue: env.config.temporal.taskQueue,
      args: [{ applicationId: 'TRK-20260101-NOROW1', submittedAt: new Date().toISOString(), data, timing: env.config.timing }],
      // Indexed as the API starts every case.
      typedSearchAttributes: [{ key: SA_STATUS, value: 'in_progress' }],
    });
    const { item } = await waitFor('the failed activity named', async () => {
      const found = (await stuckOf(env, 'olderThan=1h')).items.find((i) => i.id === id);
      // Temporal has closed the workflow (failed) while the read model shows the case open.
      return found?.cause === 'activity_failed' && found.reason === 'inconsistent' ? { item: found } : undefined;
    });
    expect(item).toMatchObject({ reason: 'inconsistent', cause: 'activity_failed' });
    const d = (await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json();
    expect(d.workflow).toMatchObject({ found: true, status: 'FAILED' });
    expect(d.inconsistent).toBe(true);
    // A failed workflow cannot be reset to go on from here (its input is wrong), but it can be closed.
    expect((await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'reset', reason: 'try again' })).statusCode).toBe(409);
    expect((await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'terminate', reason: 'migrated with a wrong id' })).json()).toMatchObject({
      moved: true,
      status: 'cancelled',
    });
    expect((await stuckOf(env, 'olderThan=1h')).items.some((i) => i.id === id)).toBe(false);
  });

  it('finds a case in review whose workflow was terminated behind the API’s back: the read model and Temporal disagree', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    // Someone used the Temporal CLI or Web UI: the workflow stops, the projection still says in review.
    await env.client.workflow.getHandle(id).terminate('by hand in the Web UI');
    const { page, item } = await findStuck(env, id, 'inconsistent');
    expect(item.cause).toBe('workflow_terminated');
    // The cases made inconsistent before this one were repaired: it is the only one.
    expect(page.items.filter((i) => i.reason === 'inconsistent').map((i) => i.id)).toEqual([id]);
    expect(page.counts.inconsistent).toBe(1);
    expect((await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json()).toMatchObject({ inconsistent: true, workflow: { status: 'TERMINATED' } });
    // The repair: terminate closes the case in the read model too (Temporal has nothing left to stop).
    const closed = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'terminate', reason: 'close what the Web UI stopped' });
    expect(closed.json()).toMatchObject({ moved: true, status: 'cancelled' });
    expect((await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json().inconsistent).toBe(false);
    expect((await call(env.api, 'supervisor', 'GET', `/tasks?status=active&q=${id}`)).json().items).toEqual([]);
  });

  it('answers 400 for a bad threshold and 403 to office staff', async () => {
    expect((await call(env.api, 'admin', 'GET', '/operations/stuck?olderThan=soon')).json().field).toBe('querystring/olderThan');
    expect((await call(env.api, 'admin', 'GET', '/operations/stuck?reason=bored')).json().field).toBe('querystring/reason');
    expect((await call(env.api, 'admin', 'GET', '/operations/stuck?agency=police')).json().field).toBe('querystring/agency');
    expect((await call(env.api, 'clerk', 'GET', '/operations/stuck')).statusCode).toBe(403);
    expect((await call(env.api, 'admin', 'GET', '/operations/cases/TRK-20260101-AAAAAA')).statusCode).toBe(404);
  });
});

describe('with no worker', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ startWorker: false });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('says no worker is polling, and lists the cases that therefore do not move', async () => {
    const id = await submitOk(env.api, commercialApplication());
    const { page, item } = await findStuck(env, id, 'not_moving');
    expect(item.cause).toBe('no_worker');
    expect(page.workers).toEqual({ workflow: 0, activity: 0 });
    expect(page.diagnosis).toMatch(/no worker is polling/);
    const d = (await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json();
    expect(d.workflow).toMatchObject({ found: true, status: 'RUNNING' });
    expect(d.lastEvents.map((e: { type: string }) => e.type)).toContain('WORKFLOW_TASK_SCHEDULED');
    // Terminating is the last resort: the workflow stops, and the read model closes the case.
    const other = await submitOk(env.api, commercialApplication());
    await findStuck(env, other, 'not_moving');
    const ended = await call(env.api, 'admin', 'POST', `/operations/cases/${other}/repair`, { action: 'terminate', reason: 'duplicate of a paper file' });
    expect(ended.json()).toMatchObject({ moved: true, status: 'cancelled' });
    expect((await env.client.workflow.getHandle(other).describe()).status.name).toBe('TERMINATED');
    const closed = (await call(env.api, 'admin', 'GET', `/applications/${other}`)).json();
    expect(closed).toMatchObject({ status: 'cancelled', stage: 'closed' });
    expect(closed.timeline.at(-1)).toMatchObject({ event: 'cancelled', actor: env.users.admin.sub, details: { terminated: true, reason: 'duplicate of a paper file' } });
    expect((await call(env.api, 'admin', 'GET', `/operations/cases/${other}`)).json().inconsistent).toBe(false);

    // A worker coming back is the repair: the case moves on, and off the list.
    await env.startWorker();
    await waitForStage(env.api, id, 'review');
    expect((await stuckOf(env)).items.some((i) => i.id === id)).toBe(false);
  });
});

describe('retrying a blocked step now', () => {
  let env: TestEnv;
  const labor = (outage: boolean) =>
    fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage }) });
  beforeAll(async () => {
    // Backoff of 10 s and more: long enough to tell a recheck from the next scheduled attempt.
    env = await startTestEnv({ timing: { agencyRetryInitialMs: 10_000, agencyRetryMaxMs: 60_000 } });
  });
  afterAll(async () => {
    await labor(false);
    await env?.close();
  });

  it('asks an agency again at once when the operator rechecks after an outage, instead of waiting out the backoff', async () => {
    await labor(true);
    const id = await submitOk(env.api, commercialApplication());
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'labor unavailable', (a) => a.agencies.labor_office?.state === 'unavailable', 60_000);
    const next = await waitFor('the next attempt scheduled well ahead', async () => {
      const d = (await call(env.api, 'admin', 'GET', `/operations/cases/${id}`)).json();
      const pending = d.workflow.pendingActivities?.find((a: { activityType: string }) => a.activityType === 'checkAgency');
      const at = pending?.nextAttemptAt ? Date.parse(pending.nextAttemptAt) : NaN;
      // Well ahead (the backoff goes 10 s, 20 s, 40 s): room for the repair and the call it makes on a loaded machine.
      return at - Date.now() > 15_000 ? at : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });

    await labor(false);
    const repaired = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'recheck_agencies', reason: 'labor office back up' });
    expect(repaired.json()).toMatchObject({ accepted: true, moved: true });
    const issued = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued', 30_000);
    // The Labor Office answered, in the workflow's own time, before the attempt the backoff had scheduled would even have run.
    const checked = issued.timeline.filter((e: { event: string }) => e.event === 'agency_checked').map((e: { at: string }) => Date.parse(e.at));
    expect(checked.length).toBeGreaterThan(0);
    expect(Math.max(...checked)).toBeLessThan(next);
  }, 120_000);
});

describe('extending a deadline', () => {
  /** Long enough that the calls made before it (submit, three repairs) have room on a loaded machine. */
  const FIRST_DEADLINE_MS = 15_000;
  /** How far past the first deadline the case that is left to run out gets. */
  const EXTENSION_MS = 10_000;
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ timing: { correctionDeadlineMs: FIRST_DEADLINE_MS } });
  });
  afterAll(async () => {
    await env?.close();
  });

  const { EventType } = proto.temporal.api.enums.v1;
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
  /** The case's timers, from its history: when each was due and whether it fired, was cancelled or is pending. */
  async function timersOf(id: string) {
    const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const timers = new Map<string, { dueAt: number; fate: 'pending' | 'fired' | 'cancelled' }>();
    for (const e of events) {
      if (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) {
        const a = e.timerStartedEventAttributes!;
        timers.set(a.timerId!, { dueAt: ms(e.eventTime) + ms(a.startToFireTimeout), fate: 'pending' });
      } else if (e.eventType === EventType.EVENT_TYPE_TIMER_FIRED) {
        timers.get(e.timerFiredEventAttributes!.timerId!)!.fate = 'fired';
      } else if (e.eventType === EventType.EVENT_TYPE_TIMER_CANCELED) {
        timers.get(e.timerCanceledEventAttributes!.timerId!)!.fate = 'cancelled';
      }
    }
    return [...timers.values()];
  }
  type Entry = { event: string; at: string; details?: Record<string, unknown> };
  const when = (timeline: Entry[], event: string) => {
    const e = timeline.find((x) => x.event === event);
    if (!e) throw new Error(`no ${event} in the timeline: ${timeline.map((x) => x.event).join(', ')}`);
    return Date.parse(e.at);
  };

  it('gives the applicant more time: the case outlives its first deadline, the applicant is told, and a correction then goes through', async () => {
    const body = commercialApplication();
    const incomplete = { ...body, documents: body.documents.filter((d) => d.type !== 'civil_defense') };
    // Two cases: one is left to run out on its new deadline (the proof that time passed in the
    // workflow), the other is corrected once that has happened, past its own first deadline.
    const [lapsing, corrected] = [await submitOk(env.api, incomplete), await submitOk(env.api, incomplete)];
    const firstDue = new Map<string, number>();
    for (const id of [lapsing, corrected]) firstDue.set(id, Date.parse((await waitForStage(env.api, id, 'awaiting_correction')).correctionDueAt));
    const until = new Date(Math.max(...firstDue.values()) + EXTENSION_MS).toISOString();
    const later = new Date(Date.parse(until) + 600_000).toISOString();

    expect((await call(env.api, 'admin', 'POST', `/operations/cases/${lapsing}/repair`, { action: 'extend_deadline', reason: 'office closed for Eid' })).json().field).toBe('body/until');
    const earlier = await call(env.api, 'admin', 'POST', `/operations/cases/${lapsing}/repair`, { action: 'extend_deadline', reason: 'typo', until: new Date(Date.now() - 60_000).toISOString() });
    expect(earlier.statusCode).toBe(409);
    expect(earlier.json().message).toMatch(/must be after the current one/);

    for (const [id, to] of [[lapsing, until], [corrected, later]] as const) {
      const extended = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'extend_deadline', reason: 'office closed for Eid', until: to });
      expect(extended.statusCode, extended.body).toBe(200);
      expect(extended.json()).toMatchObject({ moved: true, status: 'in_progress' });
      const after = (await call(env.api, 'admin', 'GET', `/applications/${id}`)).json();
      expect(after.correctionDueAt).toBe(to);
      const [task] = (await call(env.api, 'supervisor', 'GET', `/tasks?q=${id}`)).json().items;
      expect(task.dueAt).toBe(to);
      const texts = await env.db.db.execute(sql`select event::text as event from sms_outbox where application_id = ${id}`);
      expect((texts as unknown as { rows: { event: string }[] }).rows.map((r) => r.event)).toContain('deadline_extended');
      // The workflow's own wait moved: the first deadline's timer is cancelled, and the only one
      // pending is due no sooner than the new deadline.
      const timers = await waitFor(`${id}: its deadline timer replaced`, async () => {
        const t = await timersOf(id);
        return t.some((x) => x.fate === 'cancelled') && t.some((x) => x.fate === 'pending') ? t : undefined;
      });
      expect(timers.filter((x) => x.fate === 'fired')).toEqual([]);
      const pending = timers.filter((x) => x.fate === 'pending');
      expect(pending).toHaveLength(1);
      expect(pending[0]!.dueAt, 'its pending timer is due before the new deadline').toBeGreaterThanOrEqual(Date.parse(to) - 1);
    }

    // The case left alone runs out on its new deadline, not on its first: a timer fired in the workflow, past both first deadlines.
    const excluded = await waitForApp(env.api, lapsing, 'excluded', (a) => a.status === 'excluded', Date.parse(until) - Date.now() + 60_000);
    expect(excluded.exclusionReason).toBe('incomplete');
    expect(when(excluded.timeline, 'excluded'), 'excluded before its new deadline').toBeGreaterThanOrEqual(Date.parse(until));
    const fired = (await timersOf(lapsing)).filter((x) => x.fate === 'fired');
    expect(fired).toHaveLength(1);
    expect(fired[0]!.dueAt, 'the timer that fired was due before the new deadline').toBeGreaterThanOrEqual(Date.parse(until) - 1);

    // The other, past its first deadline in its own time too, still waits; its correction goes through.
    const fixed = await call(env.api, 'clerk', 'POST', `/applications/${corrected}/corrections`, { documents: body.documents });
    expect(fixed.statusCode, fixed.body).toBe(200);
    const reviewed = await waitForStage(env.api, corrected, 'review');
    expect(when(reviewed.timeline, 'correction_received')).toBeGreaterThan(firstDue.get(corrected)!);
    expect(reviewed.timeline.map((e: Entry) => e.event)).not.toContain('excluded');
  }, 180_000);
});

describe('where a reset starts the new run', () => {
  const { EventType, WorkflowTaskFailedCause } = proto.temporal.api.enums.v1;
  const completed = (id: number) => ({ eventId: id, eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED });
  const nondeterminism = (id: number, message: string) => ({
    eventId: id,
    eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    workflowTaskFailedEventAttributes: { cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR, failure: { message } },
  });
  const at = (events: object[]) => Number(resetPoint(events as never)?.eventId);

  it('goes back before the first event the code does not replay, past later tasks the bad release completed', () => {
    const history = [completed(4), completed(18), completed(23), nondeterminism(27, '[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 19, TimerStarted)')];
    expect(at(history)).toBe(18);
  });

  it('takes the last completed task when the failure names no event, or when there is no failure', () => {
    expect(at([completed(4), completed(18), nondeterminism(20, 'Activity type of scheduled event does not match')])).toBe(18);
    expect(at([completed(4), completed(18)])).toBe(18);
  });

  it('has nothing to reset to when no task completed before the diverging event', () => {
    expect(resetPoint([completed(4), nondeterminism(9, 'No command scheduled for event HistoryEvent(id: 3, TimerStarted)')] as never)).toBeUndefined();
    expect(resetPoint([] as never)).toBeUndefined();
  });
});
