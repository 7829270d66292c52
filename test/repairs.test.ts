// What a repair reports, checked against what the case then did: a repair
// Temporal takes but that moves nothing says `moved: false`; a bulk run keeps
// its pace (README: at most 10 cases a second) and reports each case on its
// own, a failing one among cases that succeed. Cases stuck for real: an agency
// down, no worker polling, a workflow terminated behind the API's back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, getApp, submit, submitOk, waitForApp } from './support/fixtures';

/** The README's promise for a real bulk run. */
const BULK_CASES_PER_SECOND = 10;
/**
 * Slack on the database's stamps: each is taken some milliseconds into its repair (Temporal's answer, then the
 * insert), and under load those milliseconds vary from case to case. Without the pace, ten repairs take a
 * fraction of a second; at twice the pace, half of one.
 */
const STAMP_JITTER_MS = 200;

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await labor(false);
  await env?.close();
});

const labor = (outage: boolean) =>
  fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage }) });

type BulkResult = { id: string; ok: boolean; moved: boolean; status: string | null; error: string | null };
const bulk = (body: object) => call(env.api, 'admin', 'POST', '/operations/bulk', body);
const lastSeq = async (id: string) => ((await getApp(env.api, id)).timeline as { seq: number }[]).at(-1)!.seq;

/** A case the Labor Office's outage holds: its reviews approved, Zakat answered, the Labor Office retried with backoff. */
async function waitingOnLabor(): Promise<string> {
  const id = await submitOk(env.api, commercialApplication());
  await approveAll(env.api, id);
  await waitForApp(env.api, id, 'Labor Office unavailable, Zakat answered', (a) => a.agencies.labor_office?.state === 'unavailable' && a.agencies.zakat?.state === 'compliant');
  return id;
}

describe('a single repair', () => {
  it('answers moved: false when Temporal takes it but the case does not move: the Labor Office is still down', async () => {
    await labor(true);
    const id = await waitingOnLabor();
    const before = await lastSeq(id);
    const res = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'recheck_agencies', reason: 'is the Labor Office back?' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id, action: 'recheck_agencies', accepted: true, moved: false, status: 'in_progress' });
    // The answer was the truth: the case made no step during the repair's watch, nor since.
    expect(await lastSeq(id)).toBe(before);
    // The recheck did reach the workflow: it asks again now, and once the agency answers the case goes on by itself.
    await labor(false);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
  });
});

describe('a bulk repair', () => {
  it(`goes at most ${BULK_CASES_PER_SECOND} cases a second, and reports each`, async () => {
    // With no worker the cases stay where the API put them: not moving, each a row and a workflow nobody runs.
    await env.stopWorker();
    const n = BULK_CASES_PER_SECOND + 2;
    const ids: string[] = [];
    try {
      for (let i = 0; i < n; i++) ids.push((await submit(env.api, commercialApplication(), undefined, 'clerkB')).json().id);
      const filter = { olderThan: '1s', officeId: env.offices.b, reason: 'not_moving' };
      await waitFor(`all ${n} listed`, async () => ((await bulk({ action: 'terminate', reason: 'pace', filter })).json().cases.length === n ? true : undefined));

      const started = Date.now();
      const run = await bulk({ action: 'terminate', reason: 'abandoned while the worker was down', filter, dryRun: false });
      const took = Date.now() - started;
      expect(run.statusCode, run.body).toBe(200);
      const results = run.json().results as BulkResult[];
      expect(results.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(results.every((r) => r.ok && r.moved && r.status === 'cancelled' && r.error === null)).toBe(true);

      // When each case was closed, by the database's clock: any window of one second holds at most the promised number.
      const stamps = await rowsOf<{ at: Date }>(env.db.db, sql`
        select at from application_events where event = 'cancelled' and application_id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)}) order by at`);
      expect(stamps).toHaveLength(n);
      const ms = stamps.map((s) => new Date(s.at).getTime());
      for (let i = 0; i + BULK_CASES_PER_SECOND < n; i++) expect(ms[i + BULK_CASES_PER_SECOND]! - ms[i]!).toBeGreaterThanOrEqual(1000 - STAMP_JITTER_MS);
      expect(took).toBeGreaterThanOrEqual(((n - 1) * 1000) / BULK_CASES_PER_SECOND);
      for (const id of ids) expect((await env.client.workflow.getHandle(id).describe()).status.name).toBe('TERMINATED');
    } finally {
      await env.startWorker();
    }
  });

  it('reports a case that fails on its own: the others are repaired, the failed one is left as it was', async () => {
    await labor(true);
    const ids = [await waitingOnLabor(), await waitingOnLabor(), await waitingOnLabor(), await waitingOnLabor()];
    const [closedAfterDryRun, terminatedBehindOurBack, ...healthy] = ids as [string, string, ...string[]];
    const filter = { olderThan: '1s', officeId: env.offices.a, agency: 'labor_office' };
    await waitFor('all four listed', async () => {
      const listed = (await bulk({ action: 'cancel', reason: 'dry', filter })).json().cases.map((c: { id: string }) => c.id);
      return ids.every((id) => listed.includes(id)) || undefined;
    });
    // Between the dry run and the real run: one case is closed by a repair of its own, one workflow ends outside the API.
    expect((await call(env.api, 'admin', 'POST', `/operations/cases/${closedAfterDryRun}/repair`, { action: 'cancel', reason: 'the owner withdrew' })).json()).toMatchObject({ moved: true });
    await env.client.workflow.getHandle(terminatedBehindOurBack).terminate('an operator with the Temporal CLI');

    const run = await bulk({ action: 'cancel', reason: 'the Labor Office link is retired', filter, dryRun: false });
    expect(run.statusCode, run.body).toBe(200);
    const results = run.json().results as BulkResult[];
    // The case already closed is no longer stuck: the real run finds the cases again, and does not touch it.
    expect(results.map((r) => r.id).sort()).toEqual([terminatedBehindOurBack, ...healthy].sort());
    const byId = new Map(results.map((r) => [r.id, r]));
    for (const id of healthy) expect(byId.get(id)).toEqual({ id, ok: true, moved: true, status: 'cancelled', error: null });
    expect(byId.get(terminatedBehindOurBack)).toEqual({
      id: terminatedBehindOurBack,
      ok: false,
      moved: false,
      status: null,
      error: 'the workflow is terminated, so there is nothing to cancel: terminate closes the case in the read model',
    });

    for (const id of [closedAfterDryRun, ...healthy]) {
      expect((await getApp(env.api, id)).status).toBe('cancelled');
      // Cancelled cleanly, while its Labor Office call waited out a backoff: no workflow task failed on the way.
      const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowTaskFailedEventAttributes).map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([]);
    }
    // Still open in the read model: what is left for the operator (terminate closes it there).
    expect((await getApp(env.api, terminatedBehindOurBack)).status).toBe('in_progress');
    const [row] = await rowsOf<{ cases: { id: string; ok: boolean }[] }>(env.db.db, sql`
      select details->'cases' as cases from audit_log where route = '/operations/bulk' and details->>'dryRun' = 'false' order by id desc limit 1`);
    expect(row!.cases.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
      [terminatedBehindOurBack, ...healthy].sort().map((id) => ({ id, ok: id !== terminatedBehindOurBack })),
    );
  });
});
