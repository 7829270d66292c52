// A license's life on the real Temporal server and PostgreSQL, every duration
// in seconds (license_rules shortened): the renewal window and its reminders,
// expiry and late renewal, renewal with a deficiency corrected, cancellation
// through the agencies' clearance, suspension on an agency's report, and the
// state carried across continue-as-new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { agencyReportSignal, licenseWorkflowId, type AgencyReport } from '../workflows/license/contract';
import { startTestEnv, waitFor, type TestEnv } from './support/env';
import { approveAll, call, commercialApplication, crNumber, submitOk, waitForApp } from './support/fixtures';
import { licenseSms, licenseState, licenseView, secondsRules, startLicense, timeline, waitForLicense } from './support/licenses';
import { sample, uploadOk } from './support/uploads';
import { startLicenseWorkflow } from '../activities/license/start';

let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv();
  await secondsRules(env, {
    renewal_window: '20s',
    reminders: ['20s', '12s'],
    grace_period: '10s',
    objection_window: '6s',
    renewal_correction: '60s',
    cancellation_deadline: '60s',
    agency_recheck: '1s',
  });
}, 120_000);
afterAll(async () => env?.close());

const events = async (number: string) => (await timeline(env, number)).map((e) => e.event);
const report = (number: string, r: Partial<AgencyReport> & Pick<AgencyReport, 'reportId' | 'kind'>) =>
  env.client.workflow.getHandle(licenseWorkflowId(number)).signal(agencyReportSignal, {
    agency: 'labor_office',
    reason: 'Workers without contracts',
    reportedAt: new Date().toISOString(),
    ...r,
  });

describe('the license workflow', () => {
  it('is started by issuance: an issued case has a live license with its timeline', async () => {
    const id = await submitOk(env.api, commercialApplication({ establishment: { ...commercialApplication().establishment, crNumber: crNumber(1) } }));
    await approveAll(env.api, id);
    const app = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    const number = app.license.number as string;
    await waitFor('the license timeline', async () => (await events(number)).includes('issued'));
    expect((await licenseView(env, number)).status).toBe('active');
    const d = await env.client.workflow.getHandle(licenseWorkflowId(number)).describe();
    expect(d.status.name).toBe('RUNNING');
  }, 120_000);

  it("is started once per license: a second start finds it, and another license's under the same number is refused", async () => {
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await startLicenseWorkflow(env.client, env.config.temporal.taskQueue, l, 'issued');
    const started = await env.client.workflow.list({ query: `WorkflowId = '${licenseWorkflowId(l.number)}'` });
    const runs: string[] = [];
    for await (const w of started) runs.push(w.runId);
    expect(runs).toHaveLength(1);
    // Numbers drawn again (a database restored to before it): not taken for this license's workflow.
    const other = startLicenseWorkflow(env.client, env.config.temporal.taskQueue, { ...l, crNumber: crNumber(2) }, 'issued');
    await expect(other).rejects.toMatchObject({ type: 'LicenseNumberCollision' });
  });

  it('opens the renewal window, reminds once per reminder, expires, and ends after the grace period', async () => {
    const l = await startLicense(env, { expiresInMs: 24_000 });
    await waitForLicense(env, l.number, 'renewal open', (v) => v.status === 'renewal_open');
    await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired');
    await waitFor('grace ended', async () => (await events(l.number)).includes('grace_ended'), { timeoutMs: 30_000 });
    expect(await events(l.number)).toEqual(['issued', 'renewal_window_opened', 'renewal_reminder', 'expired', 'grace_ended']);
    // The 20s reminder is the opening's own message; the 12s one goes once; the expiry once.
    expect(await licenseSms(env, l.number)).toEqual({ renewal_window_opened: 1, renewal_reminder: 1, expired: 1 });
    // The workflow ends in the task after its last row is written: waited for, not raced.
    await waitFor('the workflow ended', async () => (await env.client.workflow.getHandle(licenseWorkflowId(l.number)).describe()).status.name === 'COMPLETED');
    const renewal = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal`, {});
    expect(renewal.statusCode).toBe(409);
  }, 120_000);

  it('renews with a deficiency corrected: same number, the term extended from the old expiry, carried across continue-as-new', async () => {
    const lapsed = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const body = commercialApplication();
    const l = await startLicense(env, {
      expiresInMs: 40_000,
      data: { documents: body.documents.map((d) => (d.type === 'civil_defense' ? { ...d, expiresOn: lapsed } : d)) } as never,
    });
    // Before the window opens, a renewal is refused.
    const early = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/renewal window opens/);
    await waitForLicense(env, l.number, 'renewal open', (v) => v.status === 'renewal_open');
    // A report noted before the renewal: its id must survive the new run.
    await report(l.number, { reportId: 'R-NOTED-1', kind: 'resolved' });
    await waitFor('report noted', async () => (await events(l.number)).includes('report_noted'));
    const handle = env.client.workflow.getHandle(licenseWorkflowId(l.number));
    const firstRun = (await handle.describe()).runId;
    const asked = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal`, {});
    expect(asked.statusCode).toBe(202);
    await waitFor('correction requested', async () => (await events(l.number)).includes('renewal_correction_requested'));
    const tl = await timeline(env, l.number);
    expect(tl.find((e) => e.event === 'renewal_correction_requested')!.details.deficiencies).toContain('DOC_EXPIRED');
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const cd = await uploadOk(env.api, 'clerk', { type: 'civil_defense', expiresOn: inAYear, file: { name: 'civil-defense.pdf', bytes: sample('civil-defense.pdf') } });
    const corrected = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal/corrections`, { documents: [{ type: 'civil_defense', documentId: cd }] });
    expect(corrected.statusCode).toBe(202);
    const renewed = await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    expect(renewed).toMatchObject({ number: l.number, status: 'active', lastRenewalLate: false });
    const [y, m, d] = l.expiresOn.split('-').map(Number);
    expect(renewed.expiresOn).toBe(new Date(Date.UTC(y! + 1, m! - 1, d!)).toISOString().slice(0, 10));
    expect(await licenseSms(env, l.number)).toMatchObject({ renewal_correction_requested: 1, renewed: 1 });
    // A new run, with the state it had: renewals, the timeline's counter, the report ids taken.
    await waitFor('a new run', async () => (await handle.describe()).runId !== firstRun);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const state = await licenseState(env, l.number);
    expect(state).toMatchObject({ renewals: 1, status: 'active', remindersSent: [] });
    expect(state.reportIds).toContain('R-NOTED-1');
    const seqBefore = state.seq;
    await report(l.number, { reportId: 'R-NOTED-1', kind: 'resolved' });
    await report(l.number, { reportId: 'R-NOTED-2', kind: 'resolved' });
    await waitFor('the second report noted', async () => (await licenseState(env, l.number)).seq === seqBefore + 1);
    const seqs = (await timeline(env, l.number)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }, 180_000);

  it('renews late within the grace period, marked late', async () => {
    const l = await startLicense(env, { expiresInMs: 2_000 });
    await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired');
    const asked = await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/renewal`, {});
    expect(asked.statusCode).toBe(202);
    expect(asked.json().renewal.late).toBe(true);
    const renewed = await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    expect(renewed).toMatchObject({ status: 'active', lastRenewalLate: true });
    expect((await timeline(env, l.number)).find((e) => e.event === 'renewed')!.details.late).toBe(true);
    expect(await licenseSms(env, l.number)).toMatchObject({ expired: 1, renewed: 1 });
  }, 120_000);

  it('cancels at once when both agencies clear, telling each once, with one SMS', async () => {
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await waitFor('started', async () => (await events(l.number)).includes('issued'));
    const asked = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/cancellation`, { reason: 'closing the shop' });
    expect(asked.statusCode).toBe(202);
    const cancelled = await waitForLicense(env, l.number, 'cancelled', (v) => v.status === 'cancelled');
    expect(cancelled.statusReason).toBe('closing the shop');
    await waitFor('both agencies told', async () => {
      const control = (await (await fetch(`${env.simulatorUrl}/_control`)).json()) as any;
      return control.labor.cancellations[l.number] === 1 && control.zakat.cancellations[l.number] === 1;
    });
    expect(await licenseSms(env, l.number)).toEqual({ cancelled: 1 });
    expect(await events(l.number)).toEqual(['issued', 'cancellation_requested', 'cancelled']);
    const again = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/cancellation`, {});
    expect(again.statusCode).toBe(409);
  }, 120_000);

  it('waits on an outstanding Zakat obligation, tells the holder what and by whom once, and cancels when it clears', async () => {
    const l = await startLicense(env, { expiresInMs: 3_600_000, cr: crNumber(8) });
    await waitFor('started', async () => (await events(l.number)).includes('issued'));
    expect((await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/cancellation`, {})).statusCode).toBe(202);
    await waitFor('outstanding', async () => (await events(l.number)).includes('cancellation_outstanding'));
    const outstanding = (await timeline(env, l.number)).find((e) => e.event === 'cancellation_outstanding')!;
    expect(outstanding.details.outstanding).toEqual({ zakat: ['ZAKAT_RETURN_OUTSTANDING'] });
    const [sms] = await env.db.db.execute(sql`select body_en from sms_outbox where license_number = ${l.number}`).then((r) => (r as unknown as { rows: { body_en: string }[] }).rows);
    expect(sms!.body_en).toMatch(/Zakat & Income: ZAKAT_RETURN_OUTSTANDING/);
    // Rechecked every second; still owed, so still active, and the holder is not told again.
    await waitFor('a few rechecks', async () => {
      const control = (await (await fetch(`${env.simulatorUrl}/_control`)).json()) as any;
      return (control.zakat.callsByCr[l.crNumber] ?? 0) >= 3;
    });
    expect((await licenseView(env, l.number)).status).toBe('active');
    await fetch(`${env.simulatorUrl}/_control/zakat/clearances/${l.crNumber}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cleared: true }) });
    await waitForLicense(env, l.number, 'cancelled', (v) => v.status === 'cancelled');
    expect(await licenseSms(env, l.number)).toEqual({ cancellation_outstanding: 1, cancelled: 1 });
  }, 120_000);

  it("suspends on an agency's report (the same report twice is one) and revokes when the objection window ends", async () => {
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await waitFor('started', async () => (await events(l.number)).includes('issued'));
    await report(l.number, { reportId: 'LBR-R-1', kind: 'violation' });
    await report(l.number, { reportId: 'LBR-R-1', kind: 'violation' });
    const suspended = await waitForLicense(env, l.number, 'suspended', (v) => v.status === 'suspended');
    expect(suspended.statusReason).toBe('Workers without contracts');
    expect(suspended.objectionDueAt).toBeTruthy();
    // Suspended: no renewal, no cancellation.
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/cancellation`, {})).statusCode).toBe(409);
    const revoked = await waitForLicense(env, l.number, 'revoked', (v) => v.status === 'revoked', 30_000);
    expect(revoked.statusReason).toBe('Workers without contracts');
    expect(await events(l.number)).toEqual(['issued', 'suspended', 'revoked']);
    expect(await licenseSms(env, l.number)).toEqual({ suspended: 1, revoked: 1 });
    await waitFor('the workflow ended', async () => (await env.client.workflow.getHandle(licenseWorkflowId(l.number)).describe()).status.name === 'COMPLETED');
  }, 120_000);

  it("is reinstated by a 'resolved' from the agency that suspended it, not by another's", async () => {
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await waitFor('started', async () => (await events(l.number)).includes('issued'));
    await report(l.number, { reportId: 'ZKT-R-1', agency: 'zakat', kind: 'closure', reason: 'Unpaid zakat' });
    await waitForLicense(env, l.number, 'suspended', (v) => v.status === 'suspended');
    await report(l.number, { reportId: 'LBR-R-9', agency: 'labor_office', kind: 'resolved' });
    await report(l.number, { reportId: 'ZKT-R-2', agency: 'zakat', kind: 'resolved' });
    await waitForLicense(env, l.number, 'reinstated', (v) => v.status === 'active');
    expect(await events(l.number)).toEqual(['issued', 'suspended', 'report_noted', 'reinstated']);
    expect(await licenseSms(env, l.number)).toEqual({ suspended: 1, reinstated: 1 });
  }, 60_000);
});
