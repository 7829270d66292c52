// A reset starts a new run from an earlier workflow task; what the case was
// told since (signals) must not be lost with the run it replaces. Here the
// signal is an operator's recheck, sent while no worker runs, so it arrives
// after the last completed workflow task: exactly what a reset goes back past.
// Depending on which task was last completed, the new run meets the recheck
// after the refusal or in the same activation as it: in that second case the
// workflow used to clear the recheck as it began to wait for one (it failed 2
// runs in 5 before the fix, none in 5 after).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, submitOk, waitForApp } from './support/fixtures';
import { recheckAgenciesSignal } from '../workflows/application/contract';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('reset', () => {
  it('keeps a signal received after the reset point: the new run acts on it without being asked again', async () => {
    const labor = env.config.agencies.laborOfficeUrl;
    // The Labor Office refuses the question (a bad address): the case waits for an operator's recheck, and only for that.
    await env.misconfigureLaborOffice();
    const id = await submitOk(env.api, commercialApplication());
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'waiting for a recheck', (a) =>
      a.timeline.some((e: { event: string; details: { refused?: boolean } }) => e.event === 'agency_unavailable' && e.details.refused === true),
    );

    // With no worker running, the fix is deployed and the recheck sent: no workflow task completes after it.
    await env.stopWorker();
    env.config.agencies.laborOfficeUrl = labor;
    const handle = env.client.workflow.getHandle(id);
    await handle.signal(recheckAgenciesSignal);
    const before = (await handle.describe()).runId;

    const repair = call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'reset', reason: 'new worker release' });
    await env.startWorker();
    const reset = (await repair).json();
    expect(reset).toMatchObject({ action: 'reset', accepted: true, moved: true });
    expect(reset.runId).not.toBe(before);

    // No second recheck: the signal came over to the new run, which asked the agency again and issued.
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.agencies.labor_office.state).toBe('compliant');
    const history = await env.client.workflow.getHandle(id, reset.runId).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === recheckAgenciesSignal.name);
    expect(signals).toHaveLength(1);
  });
});
