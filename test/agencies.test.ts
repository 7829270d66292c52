import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recheckAgenciesSignal, SA_NEEDS_ATTENTION, SA_WAITING_ON } from '../workflows/application/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, crNumber, submitOk, waitForApp } from './support/fixtures';

let env: TestEnv;
let shortHold: TestEnv;
beforeAll(async () => {
  [env, shortHold] = await Promise.all([startTestEnv({ timing: { agencyHoldDeadlineMs: 60_000 } }), startTestEnv({ timing: { agencyHoldDeadlineMs: 3_000 } })]);
});
afterAll(async () => {
  await Promise.all([env?.close(), shortHold?.close()]);
});

async function control(e: TestEnv, path: string, body: unknown, method = 'PUT') {
  const res = await fetch(`${e.simulatorUrl}/_control${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator ${path} answered ${res.status}`);
}

const withCr = (lastDigit: number) => {
  const body = commercialApplication();
  return { ...body, establishment: { ...body.establishment, crNumber: crNumber(lastDigit) } };
};

describe('external agency linkage', () => {
  it('waits through a Labor Office outage, shows it, and finishes when the agency is back', async () => {
    await control(env, '/labor', { outage: true });
    try {
      const body = withCr(1);
      const id = await submitOk(env.api, { ...body, applicant: { ...body.applicant, nationalId: env.users.applicant.nationalId! } });
      await approveAll(env.api, id);
      const waiting = await waitForApp(env.api, id, 'waiting on the Labor Office', (a) => a.agencies.labor_office?.state === 'unavailable');
      expect(waiting.stage).toBe('agency_linkage');
      expect(waiting.waitingOn).toContain('labor_office');
      expect(waiting.agencies.labor_office.lastError).toMatch(/503/);
      const unavailable = waiting.timeline.find((e: { event: string }) => e.event === 'agency_unavailable');
      expect(unavailable.details.error).toMatch(/503/);
      // The applicant is told, in plain words, that the case waits on the agency; not what the worker's call met.
      const mine = (await call(env.api, 'applicant', 'GET', `/applications/${id}`)).json();
      expect(mine.agencies.labor_office).toEqual({ state: 'unavailable', notice: expect.stringMatching(/not answering/) });
      const told = mine.timeline.filter((e: { event: string }) => e.event === 'agency_unavailable');
      expect(told.length).toBeGreaterThan(0);
      expect(told.map((e: { details: object }) => e.details)).toEqual(told.map(() => ({})));
      // The projection can run ahead of the workflow task that upserts the search attributes.
      const sa = await waitFor('search attributes upserted', async () => {
        const attrs = (await env.client.workflow.getHandle(id).describe()).typedSearchAttributes;
        return attrs.get(SA_NEEDS_ATTENTION) === true ? attrs : undefined;
      });
      expect(sa.get(SA_WAITING_ON)).toContain('labor_office');

      await control(env, '/labor', { outage: false });
      const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
      expect(done.agencies.labor_office.state).toBe('compliant');
      expect(done.waitingOn).toEqual([]);
      expect(done.timeline.map((e: { event: string }) => e.event)).toContain('agency_unavailable');
    } finally {
      await control(env, '/labor', { outage: false });
    }
  });

  it('puts a non-compliant case on hold and issues once the agency reports compliance', async () => {
    const body = withCr(8);
    const id = await submitOk(env.api, body);
    await approveAll(env.api, id);
    const held = await waitForApp(env.api, id, 'on hold', (a) => a.stage === 'on_hold');
    expect(held.waitingOn).toEqual(['zakat']);
    // Asked again while on hold, and still shown as waiting on Zakat.
    const rechecked = await waitForApp(env.api, id, 'rechecked', (a) => a.timeline.filter((e: { event: string; details: { state?: string } }) => e.event === 'agency_checked' && e.details.state === 'non_compliant').length >= 2);
    expect(rechecked.waitingOn).toEqual(['zakat']);
    const sa = (await env.client.workflow.getHandle(id).describe()).typedSearchAttributes;
    expect(sa.get(SA_WAITING_ON)).toEqual(['zakat']);
    expect(held.agencies.zakat.state).toBe('non_compliant');
    expect(held.agencies.zakat.reasons).toContain('ZAKAT_CERTIFICATE_EXPIRED');
    expect(held.holdDueAt).toBeTruthy();

    await control(env, `/zakat/establishments/${body.establishment.crNumber}`, { compliant: true });
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.agencies.zakat.state).toBe('compliant');
    expect(done.license.number).toBeTruthy();
  });

  it('an agency refusing the question (4xx) flags the case; after the fix a recheck signal finishes it', async () => {
    const fixLaborOffice = await env.misconfigureLaborOffice();
    const id = await submitOk(env.api, withCr(2));
    await approveAll(env.api, id);
    const flagged = await waitForApp(env.api, id, 'labor refused', (a) => a.agencies.labor_office?.state === 'unavailable');
    expect(flagged.agencies.labor_office.lastError).toMatch(/404/);
    expect(flagged.timeline.find((e: { event: string }) => e.event === 'agency_unavailable').details.refused).toBe(true);
    const handle = env.client.workflow.getHandle(id);
    await waitFor('needs attention indexed', async () => (await handle.describe()).typedSearchAttributes.get(SA_NEEDS_ATTENTION) === true);

    // The operator fixes the configuration, redeploys, and asks the case to try again.
    await fixLaborOffice();
    await handle.signal(recheckAgenciesSignal);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.agencies.labor_office.state).toBe('compliant');
  });

  it('excludes a case whose non-compliance outlasts the hold deadline', async () => {
    const id = await submitOk(shortHold.api, withCr(7));
    await approveAll(shortHold.api, id);
    const done = await waitForApp(shortHold.api, id, 'excluded', (a) => a.status === 'excluded', 20_000);
    expect(done.exclusionReason).toBe('conditions');
    expect(done.deficiencies).toEqual([expect.objectContaining({ code: 'LABOR_WORKFORCE_NONCOMPLIANT', field: 'agencies/labor_office' })]);
    expect(done.license).toBeNull();
    // It was asked again while on hold, not only once.
    const calls = await waitFor('simulator counters', async () => {
      const c = (await fetch(`${shortHold.simulatorUrl}/_control`).then((r) => r.json())) as { labor: { callsByCr: Record<string, number> } };
      return c.labor.callsByCr[done.crNumber];
    });
    expect(calls).toBeGreaterThan(1);
  });
});
