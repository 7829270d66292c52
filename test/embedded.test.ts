// The embedded store: `npm start` on a fresh machine keeps everything in PGlite.
// A case goes the whole way there, through the same statements (named and
// prepared ones included) that run against the PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/env';
import { call, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ embedded: true });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

describe('the embedded store (PGlite)', () => {
  it('takes a case from submission through the task inbox to a license, and a retried submission stays one case', async () => {
    expect(env.db.kind).toBe('pglite');
    const body = healthApplication();
    const first = await submit(env.api, body, 'embedded-key');
    expect(first.statusCode, first.body).toBe(201);
    const again = await submit(env.api, body, 'embedded-key');
    expect(again.json().id).toBe(first.json().id);
    const id = first.json().id as string;
    await waitForStage(env.api, id, 'review');

    for (const [who, kind] of [['health', 'health'], ['inspector', 'technical']] as const) {
      const task = `${id}:${kind}:1`;
      const claimed = await call(env.api, who, 'POST', `/tasks/${task}/claim`);
      expect(claimed.statusCode, claimed.body).toBe(200);
      expect(claimed.json()).toEqual((await call(env.api, 'supervisor', 'GET', `/tasks/${task}`)).json());
      const decided = await call(env.api, who, 'POST', `/tasks/${task}/decision`, { decision: 'approve' });
      expect(decided.json()).toMatchObject({ status: 'completed', decision: 'approve' });
    }
    const issued = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(issued.license.number).toMatch(/^[A-Z]+-\d{4}-\d{6}$/);
    const license = await call(env.api, 'supervisor', 'GET', `/licenses/${issued.license.number}`);
    expect(license.json()).toMatchObject({ applicationId: id, status: 'active' });
    expect(issued.timeline.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['submitted', 'review_started', 'task_claimed', 'review_decided', 'issued']),
    );
  }, 60_000);
});
