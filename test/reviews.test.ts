import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proto from '@temporalio/proto';
import { count, eq } from 'drizzle-orm';
import { applicationEvents } from '../db/schema';
import { SA_STAGE } from '../workflows/application/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import type { Who } from './support/env';
import { approve, call, commercialApplication, decide, getApp, healthApplication, submitOk, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('review decisions', () => {
  it('a rejection closes the case as rejected with the reviewer reasons', async () => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    const res = await decide(env.api, id, {
      kind: 'health',
      decision: 'reject',
      reasons: ['UNSANITARY_PREMISES'],
      comment: 'no hand-washing station in the preparation area',
    });
    expect(res.statusCode).toBe(200);
    const done = await waitForApp(env.api, id, 'rejected', (a) => a.status === 'rejected');
    expect(done.stage).toBe('closed');
    expect(done.deficiencies).toEqual([expect.objectContaining({ code: 'UNSANITARY_PREMISES' })]);
    expect(done.license).toBeNull();
    // The technical decision that never came is not asked for any more.
    const late = await decide(env.api, id, approve('technical'));
    expect(late.statusCode).toBe(409);
  });

  it('refuses, with 409 and nothing written, decisions the workflow cannot take', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const handle = env.client.workflow.getHandle(id);
    // The projection can run ahead of history (local activities finish before their workflow task): wait for both.
    await waitFor('workflow task recorded', async () => (await handle.describe()).typedSearchAttributes.get(SA_STAGE) === 'review');
    const historyLength = async () => (await handle.describe()).historyLength;
    const eventCount = async () => (await env.db.db.select({ n: count() }).from(applicationEvents).where(eq(applicationEvents.applicationId, id)))[0]!.n;
    const before = { history: await historyLength(), events: await eventCount() };

    const refusals: [string, Parameters<typeof decide>[2], Who, number, RegExp][] = [
      ['a health review the case does not need', approve('health'), 'health', 409, /does not need a health review/],
      ['the wrong role', approve('technical'), 'health', 403, /technical review is decided by a technical_inspector/],
      ["another office's inspector", approve('technical'), 'inspectorB', 404, /no application/],
    ];
    for (const [what, body, who, status, message] of refusals) {
      const res = await decide(env.api, id, body, who);
      expect(res.statusCode, what).toBe(status);
      expect(res.json().message, what).toMatch(message);
    }
    // Nothing about the refused decisions is in history: no update accepted or rejected, no command. The
    // server may persist the rejected update's (otherwise speculative) workflow task when the case has a
    // timer running, as it has now for the review's SLA; that is bookkeeping, not the decision.
    const EventType = proto.temporal.api.enums.v1.EventType;
    const added = ((await handle.fetchHistory()).events ?? []).slice(before.history).map((e) => EventType[e.eventType ?? 0]);
    expect(added.filter((t) => !/^EVENT_TYPE_WORKFLOW_TASK_(SCHEDULED|STARTED|COMPLETED)$/.test(t ?? ''))).toEqual([]);
    expect(await eventCount()).toBe(before.events);

    expect((await decide(env.api, id, approve('technical'))).statusCode).toBe(200);
    // The same decision again: already decided (or the case has moved on).
    const again = await decide(env.api, id, approve('technical'));
    expect(again.statusCode).toBe(409);
    const after = await getApp(env.api, id);
    expect(after.reviews).toHaveLength(1);
  });

  it('refuses a decision before the case reaches review', async () => {
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, documents: [] });
    await waitForStage(env.api, id, 'awaiting_correction');
    const res = await decide(env.api, id, approve('technical'));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'refused', message: expect.stringMatching(/not in review/) });
  });

  it('answers 404 for an unknown application', async () => {
    // Straight to the route: there is no case, so no task to claim first.
    const res = await call(env.api, 'inspector', 'POST', '/applications/TRK-20260101-AAAAAA/reviews', approve('technical'));
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
  });
});
