// Replays recorded workflow histories against today's workflow code: a change
// that would break cases already running (non-determinism) fails here.
// `npm run record-histories` re-records them from live runs of each scenario.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { temporalCli } from '../scripts/temporal';
import { officeFile, startTestEnv, waitFor, type TestEnv } from './support/env';
import { approve, approveAll, call, commercialApplication, crNumber, decide, healthApplication, submitOk, waitForApp, waitForStage } from './support/fixtures';
import { commercialUploads, sample, uploadOk } from './support/uploads';
import { DOCUMENT_SWEEP_WORKFLOW_TYPE, type DocumentSweepInput } from '../workflows/documents/contract';
import { agencyReportSignal, getLicenseStateQuery, licenseWorkflowId, type AgencyReport } from '../workflows/license/contract';
import { healthData, secondsRules, startLicense, timeline, waitForLicense } from './support/licenses';
import { gatewayState, gatewaySwitches, invoicedCase, payBill, setPaymentDue } from './support/payments';
import { riyadhDate } from '../domain/calendar';

const DIR = path.resolve('test/histories');
/**
 * `1` records the scenarios that have no history yet; `all` records every one
 * again. A history is kept as `<scenario>@<commit>.json`, the commit it was
 * recorded on, and old ones stay: they are cases started by older code, which
 * today's code must still replay (docs/architecture.md, "Versioning").
 */
const recording = process.env.RECORD_HISTORIES === '1' || process.env.RECORD_HISTORIES === 'all';
const rerecordAll = process.env.RECORD_HISTORIES === 'all';
const scenarioOf = (file: string) => file.replace(/@[^@]*\.json$/, '');

/** Each scenario drives one case to its end; its history is what gets recorded. */
/** A workflow id (its last run is recorded), or one run of it: a license's first run ends by continuing as new. */
type Recorded = string | { workflowId: string; runId: string };

const scenarios: Record<string, (env: TestEnv) => Promise<Recorded>> = {
  'license-window-reminder-expired-grace-ended': async (env) => {
    await licenseSecondsRules(env);
    const l = await startLicense(env, { expiresInMs: 14_000 });
    await waitFor('grace ended', async () => (await timeline(env, l.number)).some((e) => e.event === 'grace_ended'), { timeoutMs: 60_000 });
    return licenseWorkflowId(l.number);
  },
  'license-renewal-corrected-continued-as-new': async (env) => {
    await licenseSecondsRules(env);
    const lapsed = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const l = await startLicense(env, { expiresInMs: 9_000, data: { documents: commercialApplication().documents.map((d) => (d.type === 'civil_defense' ? { ...d, expiresOn: lapsed } : d)) } });
    const handle = env.client.workflow.getHandle(licenseWorkflowId(l.number));
    const runId = (await handle.describe()).runId;
    await waitForLicense(env, l.number, 'renewal open', (v) => v.status === 'renewal_open');
    await report(env, l.number, { reportId: 'R-NOTED', kind: 'resolved' });
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal`, {})).statusCode).toBe(202);
    await waitFor('correction asked', async () => (await timeline(env, l.number)).some((e) => e.event === 'renewal_correction_requested'));
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal/corrections`, { documents: [{ type: 'civil_defense', reference: 'cd-new', expiresOn: '2099-01-01' }] })).statusCode).toBe(202);
    await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    return { workflowId: licenseWorkflowId(l.number), runId };
  },
  'license-renewal-reviewed-overdue-returned-approved': async (env) => {
    // The health review's SLA in seconds (its own environment: the worker caches task_slas), so its reminder and escalation are in the history.
    await env.db.db.execute(sql`update task_slas set working_days = ${4 / 86_400}, remind_at_share = 0.5 where kind = 'health_review'`);
    await secondsRules(env, { renewal_window: '2h', reminders: ['2h'], renewal_correction: '60s', agency_recheck: '1s' });
    // A café: its activity's rules ask for a health review on renewal.
    const l = await startLicense(env, { expiresInMs: 3_600_000, data: healthData() });
    const handle = env.client.workflow.getHandle(licenseWorkflowId(l.number));
    const runId = (await handle.describe()).runId;
    await waitForLicense(env, l.number, 'renewal open', (v) => v.status === 'renewal_open');
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal`, {})).statusCode).toBe(202);
    const round = (n: number) =>
      waitFor(`review round ${n}`, async () => {
        const s = await handle.query(getLicenseStateQuery);
        return s.renewal?.stage === 'review' && s.renewal.round === n ? s.renewal.reviews![0]!.taskId : undefined;
      });
    const first = await round(1);
    await waitFor('overdue', async () => (await timeline(env, l.number)).some((e) => e.event === 'task_overdue'), { timeoutMs: 20_000 });
    await call(env.api, 'health', 'POST', `/tasks/${first}/claim`);
    await call(env.api, 'health', 'POST', `/tasks/${first}/release`);
    await call(env.api, 'supervisor', 'POST', `/tasks/${first}/reassign`, { assignee: env.users.health.sub });
    const deficiency = { code: 'HYGIENE_PHOTO', field: 'documents/storefront_photo', messageAr: 'صورة الواجهة', messageEn: 'The storefront photo' };
    expect((await call(env.api, 'health', 'POST', `/tasks/${first}/decision`, { decision: 'return', deficiencies: [deficiency] })).statusCode).toBe(200);
    await waitFor('returned', async () => (await timeline(env, l.number)).some((e) => e.event === 'renewal_returned'));
    const photo = await uploadOk(env.api, 'clerk', { type: 'storefront_photo', file: { name: 'entrance.png', bytes: sample('storefront.png'), contentType: 'image/png' } });
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/renewal/corrections`, { documents: [{ type: 'storefront_photo', documentId: photo }] })).statusCode).toBe(202);
    const second = await round(2);
    await call(env.api, 'health', 'POST', `/tasks/${second}/claim`);
    await call(env.api, 'health', 'POST', `/tasks/${second}/decision`, { decision: 'approve' });
    await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    return { workflowId: licenseWorkflowId(l.number), runId };
  },
  'license-cancellation-waits-on-zakat-then-cancelled': async (env) => {
    await licenseSecondsRules(env);
    const l = await startLicense(env, { expiresInMs: 3_600_000, cr: crNumber(8) });
    expect((await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/cancellation`, {})).statusCode).toBe(202);
    await waitFor('outstanding', async () => (await timeline(env, l.number)).some((e) => e.event === 'cancellation_outstanding'));
    await fetch(`${env.simulatorUrl}/_control/zakat/clearances/${l.crNumber}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cleared: true }) });
    await waitForLicense(env, l.number, 'cancelled', (v) => v.status === 'cancelled');
    return licenseWorkflowId(l.number);
  },
  'license-suspended-noted-then-revoked': async (env) => {
    await licenseSecondsRules(env);
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await report(env, l.number, { reportId: 'LBR-1', kind: 'violation' });
    await report(env, l.number, { reportId: 'LBR-1', kind: 'violation' });
    await report(env, l.number, { reportId: 'ZKT-1', agency: 'zakat', kind: 'resolved' });
    await waitForLicense(env, l.number, 'revoked', (v) => v.status === 'revoked');
    return licenseWorkflowId(l.number);
  },
  'license-objection-overdue-claimed-upheld': async (env) => {
    // The objection's SLA in seconds (its own environment: the worker caches task_slas), so its reminder and escalation are in the history.
    await env.db.db.execute(sql`update task_slas set working_days = ${3 / 86_400}, remind_at_share = 0.5 where kind = 'objection_review'`);
    await secondsRules(env, { renewal_window: '8s', objection_window: '60s', agency_recheck: '1s' });
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await report(env, l.number, { reportId: 'LBR-OBJ', kind: 'violation' });
    await waitForLicense(env, l.number, 'suspended', (v) => v.status === 'suspended');
    const objected = await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/objection`, { grounds: 'The workers have had contracts since March' });
    const taskId = objected.json().suspension.objection.taskId as string;
    await waitFor('overdue', async () => (await timeline(env, l.number)).some((e) => e.event === 'task_overdue'), { timeoutMs: 20_000 });
    await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/claim`);
    await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/release`);
    await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/reassign`, { assignee: env.users.supervisor.sub });
    await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/decision`, { decision: 'upheld' });
    await waitForLicense(env, l.number, 'revoked', (v) => v.status === 'revoked');
    return licenseWorkflowId(l.number);
  },
  'license-objection-accepted-reinstated': async (env) => {
    // A window long enough to object in (its own environment: the shared one's is 3 seconds).
    await secondsRules(env, { renewal_window: '8s', objection_window: '60s', agency_recheck: '1s' });
    const l = await startLicense(env, { expiresInMs: 3_600_000 });
    await report(env, l.number, { reportId: 'LBR-OBJ-A', kind: 'closure' });
    await waitForLicense(env, l.number, 'suspended', (v) => v.status === 'suspended');
    const objected = await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/objection`, { grounds: 'The shop reopened under a civil-defense permit' });
    const taskId = objected.json().suspension.objection.taskId as string;
    await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/claim`);
    await call(env.api, 'supervisor', 'POST', `/tasks/${taskId}/decision`, { decision: 'accepted' });
    await waitForLicense(env, l.number, 'reinstated', (v) => v.status === 'active');
    // Its workflow lives on: cancelled at the holder's request, so the history closes.
    await call(env.api, 'clerk', 'POST', `/licenses/${l.number}/cancellation`, {});
    await waitForLicense(env, l.number, 'cancelled', (v) => v.status === 'cancelled');
    return licenseWorkflowId(l.number);
  },
  'license-inspection-passed-fix-reinspected-closure-suspended': async (env) => {
    // Intervals, the time to fix and the inspection's SLA in seconds (its own environment: the worker caches task_slas).
    await env.db.db.execute(sql`update task_slas set working_days = ${60 / 86_400}, remind_at_share = 0.5 where kind = 'inspection'`);
    await env.db.db.execute(sql`update inspection_rules set interval = '2s' where risk_class = 'high'`);
    await env.db.db.execute(sql`update violation_codes set fix_within = '2s' where severity = 'fix'`);
    await secondsRules(env, { renewal_window: '8s', objection_window: '3s', agency_recheck: '1s' });
    const l = await startLicense(env, { expiresInMs: 3_600_000, data: { establishment: { ...healthApplication().establishment, crNumber: crNumber(1) } } });
    const inspected = async (body: unknown) => {
      const task = await waitFor('an inspection due', async () => {
        const items = (await call(env.api, 'municipalInspector', 'GET', '/tasks?kind=inspection&status=open&limit=100')).json().items as { id: string; licenseNumber: string }[];
        return items.find((t) => t.licenseNumber === l.number);
      }, { timeoutMs: 20_000 });
      await call(env.api, 'municipalInspector', 'POST', `/tasks/${task.id}/claim`);
      await call(env.api, 'municipalInspector', 'POST', `/tasks/${task.id}/inspection`, body);
    };
    await inspected({ result: 'pass' });
    await inspected({ result: 'violations', violations: [{ code: 'V-CERT-01' }] });
    await inspected({ result: 'violations', violations: [{ code: 'V-PEST-01' }] });
    await waitForLicense(env, l.number, 'revoked', (v) => v.status === 'revoked', 30_000);
    return licenseWorkflowId(l.number);
  },
  'issued-with-health-review': async (env) => {
    const id = await submitOk(env.api, healthApplication());
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'corrected-returned-then-issued': async (env) => {
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, documents: body.documents.slice(1) });
    await waitForStage(env.api, id, 'awaiting_correction');
    await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: body.documents.slice(0, 1) });
    await waitForStage(env.api, id, 'review');
    await decide(env.api, id, {
      kind: 'technical',
      decision: 'return',
      deficiencies: [{ code: 'SIGNAGE', field: 'documents/storefront_photo', messageAr: 'اللوحة غير واضحة', messageEn: 'Signage not visible' }],
    });
    await waitForApp(env.api, id, 'round 2', (a) => a.stage === 'awaiting_correction' && a.round === 2);
    await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: [{ type: 'storefront_photo', reference: 'new' }] });
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'uploaded-documents-corrected-then-issued': async (env) => {
    const documents = await commercialUploads(env.api);
    const id = await submitOk(env.api, commercialApplication({ documents: documents.slice(1) }));
    await waitForStage(env.api, id, 'awaiting_correction');
    await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: documents.slice(0, 1) });
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'document-sweep-removes-an-orphan': async (env) => {
    await uploadOk(env.api, 'clerk', { type: 'building_permit', file: { name: 'permit.pdf', bytes: sample('building-permit.pdf') } });
    // Started as its Schedule starts it, with every upload counted an orphan.
    const workflowId = `replay-document-sweep-${Date.now()}`;
    const input: DocumentSweepInput = { orphanAfterMs: 0 };
    const totals = await env.client.workflow.execute(DOCUMENT_SWEEP_WORKFLOW_TYPE, { taskQueue: env.config.temporal.taskQueue, workflowId, args: [input] });
    expect(totals).toEqual({ orphaned: 1, retentionEnded: 0 });
    return workflowId;
  },
  rejected: async (env) => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    await decide(env.api, id, approve('technical'));
    await decide(env.api, id, { kind: 'health', decision: 'reject', reasons: ['PEST_CONTROL'] });
    await waitForApp(env.api, id, 'rejected', (a) => a.status === 'rejected');
    return id;
  },
  'agency-outage-and-hold-then-issued': async (env) => {
    const body = commercialApplication();
    const cr = crNumber(8);
    const ctl = (p: string, b: unknown) => fetch(`${env.simulatorUrl}/_control${p}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    await ctl('/labor', { outage: true });
    const id = await submitOk(env.api, { ...body, establishment: { ...body.establishment, crNumber: cr } });
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'labor unavailable', (a) => a.agencies.labor_office?.state === 'unavailable');
    await ctl('/labor', { outage: false });
    await waitForStage(env.api, id, 'on_hold');
    await ctl(`/zakat/establishments/${cr}`, { compliant: true });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'agency-outage-recheck-cuts-backoff-issued': async (env) => {
    // Rechecks during the outage cut the backoff short (the retrying call is cancelled and asked again).
    const ctl = (b: unknown) => fetch(`${env.simulatorUrl}/_control/labor`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    await ctl({ outage: true });
    const id = await submitOk(env.api, commercialApplication());
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'labor unavailable', (a) => a.agencies.labor_office?.state === 'unavailable');
    for (let i = 0; i < 3; i++) {
      await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'recheck_agencies', reason: 'still down?' });
    }
    await ctl({ outage: false });
    await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'recheck_agencies', reason: 'back up' });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'office-reassigned-then-issued': async (env) => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    await call(env.api, 'supervisor', 'POST', `/applications/${id}/office`, { officeId: env.offices.b, reason: 'office A suspended' });
    await decide(env.api, id, approve('technical'), 'inspectorB');
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'office-accreditation-lifecycle': async (env) => {
    const today = new Date().toISOString().slice(0, 10);
    await call(env.api, 'supervisor', 'POST', '/accreditation-rounds', { id: 'REPLAY', name: 'Replay', cap: 5, opensOn: today, closesOn: '2099-12-31' });
    const file = officeFile();
    const manager = { sub: 'replay-manager', roles: ['office_manager' as const] };
    const headers = { authorization: `Bearer ${await env.token(manager)}` };
    const officeId = (await env.api.inject({ method: 'POST', url: '/offices', headers, payload: { ...file, staff: file.staff.slice(0, 1) } })).json().id as string;
    const office = async () => (await call(env.api, 'supervisor', 'GET', `/offices/${officeId}`)).json();
    await waitFor('amendment asked', async () => (await office()).waitingOn === 'office');
    const own = { authorization: `Bearer ${await env.token({ ...manager, officeId })}` };
    await env.api.inject({ method: 'POST', url: `/offices/${officeId}/amendments`, headers: own, payload: { staff: file.staff } });
    await waitFor('decision asked', async () => (await office()).waitingOn === 'supervisor');
    await call(env.api, 'supervisor', 'POST', `/offices/${officeId}/decision`, { decision: 'approve' });
    await call(env.api, 'supervisor', 'POST', `/offices/${officeId}/standing`, { action: 'suspend', reason: 'complaints' });
    await call(env.api, 'supervisor', 'POST', `/offices/${officeId}/standing`, { action: 'reinstate', reason: 'resolved' });
    await call(env.api, 'supervisor', 'POST', `/offices/${officeId}/standing`, { action: 'revoke', reason: 'firm dissolved' });
    await waitFor('revoked', async () => (await office()).status === 'revoked');
    return `office-${officeId}`;
  },
  'workbench-claims-reminder-overdue-issued': async (env) => {
    // SLAs of seconds so the reminder and the escalation happen in the recording.
    await env.db.db.execute(sql`update task_slas set working_days = ${4 / 86_400}, remind_at_share = 0.5`);
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/claim`);
    await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/release`);
    await call(env.api, 'supervisor', 'POST', `/tasks/${id}:technical:1/reassign`, { assignee: env.users.inspector.sub });
    await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/decision`, { decision: 'approve' });
    await waitForApp(env.api, id, 'overdue', (a) => a.timeline.some((e: { event: string }) => e.event === 'task_overdue'), 20_000);
    await call(env.api, 'health', 'POST', `/tasks/${id}:health:1/claim`);
    await call(env.api, 'health', 'POST', `/tasks/${id}:health:1/decision`, { decision: 'approve' });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'inbox-claims-and-decisions-issued': async (env) => {
    // The SLA schedule comes with the conditions check; the task Updates answer with their time.
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    for (const [who, kind] of [['health', 'health'], ['inspector', 'technical']] as const) {
      await call(env.api, who, 'POST', `/tasks/${id}:${kind}:1/claim`);
      await call(env.api, who, 'POST', `/tasks/${id}:${kind}:1/decision`, { decision: 'approve' });
    }
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'both-reviews-decided-at-once-issued': async (env) => {
    // Both decisions in flight as the review ends: the case moves on once both writes are done.
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    const pairs = [['health', 'health'], ['inspector', 'technical']] as const;
    for (const [who, kind] of pairs) await call(env.api, who, 'POST', `/tasks/${id}:${kind}:1/claim`);
    await Promise.all(pairs.map(([who, kind]) => call(env.api, who, 'POST', `/tasks/${id}:${kind}:1/decision`, { decision: 'approve' })));
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'home-visit-proposed-moved-decided': async (env) => {
    const b = commercialApplication();
    const id = await submitOk(env.api, { ...b, establishment: { ...b.establishment, establishmentsOwned: 7 } });
    await waitForStage(env.api, id, 'review');
    const task = `${id}:technical:1`;
    await call(env.api, 'inspector', 'POST', `/tasks/${task}/claim`);
    await call(env.api, 'inspector', 'POST', `/tasks/${task}/visit`, { slot: new Date(Date.now() + 60_000).toISOString() });
    await call(env.api, 'clerk', 'POST', `/applications/${id}/visit`, { slot: new Date(Date.now() + 2_000).toISOString() });
    await waitFor('after the visit', async () => (await call(env.api, 'inspector', 'POST', `/tasks/${task}/decision`, { decision: 'approve' })).statusCode === 200, { timeoutMs: 15_000, intervalMs: 250 });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'cancelled-by-administrator': async (env) => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    await call(env.api, 'inspector', 'POST', `/tasks/${id}:technical:1/claim`);
    await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'cancel', reason: 'filed in error' });
    await waitForApp(env.api, id, 'cancelled', (a) => a.status === 'cancelled');
    return id;
  },
  'deadline-extended-then-corrected': async (env) => {
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, documents: body.documents.slice(1) });
    await waitForStage(env.api, id, 'awaiting_correction');
    await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'extend_deadline', reason: 'asked for time', until: new Date(Date.now() + 120_000).toISOString() });
    await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: body.documents.slice(0, 1) });
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'excluded-conditions': async (env) => {
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, establishment: { ...body.establishment, areaSqm: 2 } });
    await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded');
    return id;
  },
  'excluded-incomplete-after-correction-deadline': async (env) => {
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, documents: body.documents.slice(1) });
    await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded' && a.exclusionReason === 'incomplete', 30_000);
    return id;
  },
  'excluded-conditions-after-hold-deadline': async (env) => {
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, establishment: { ...body.establishment, crNumber: crNumber(8) } });
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded' && a.exclusionReason === 'conditions', 30_000);
    return id;
  },
  'agency-refused-then-rechecked-issued': async (env) => {
    // The Labor Office answers 4xx (a bad address): the case waits for an operator, who fixes it and asks again.
    const fixLaborOffice = await env.misconfigureLaborOffice();
    const id = await submitOk(env.api, commercialApplication());
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'labor refused', (a) => a.timeline.some((e: { event: string; details: { refused?: boolean } }) => e.event === 'agency_unavailable' && e.details.refused));
    await fixLaborOffice();
    await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'recheck_agencies', reason: 'address fixed' });
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'terminated-by-administrator': async (env) => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'terminate', reason: 'workflow beyond repair' });
    await waitForApp(env.api, id, 'cancelled', (a) => a.status === 'cancelled');
    return id;
  },
  'reset-in-review-then-issued': async (env) => {
    // A reset to the last completed workflow task (no bad release: nothing to skip past), then the case goes on.
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const reset = await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'reset', reason: 'replay coverage' });
    if (reset.statusCode !== 200) throw new Error(`reset answered ${reset.statusCode}: ${reset.body}`);
    await approveAll(env.api, id);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'fee-invoiced-paid-twice-notified-issued': async (env) => {
    await gatewaySwitches(env, { duplicates: 1 });
    const { id, invoice } = await invoicedCase(env);
    await payBill(env, invoice.billNumber);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    await gatewaySwitches(env, { duplicates: 0 });
    return id;
  },
  'fee-notification-lost-reconciled-issued': async (env) => {
    const { id, invoice } = await invoicedCase(env);
    await gatewaySwitches(env, { lose: 1 });
    const { payment } = await payBill(env, invoice.billNumber);
    await waitFor('lost', async () => (await gatewayState(env)).lost.some((n) => n.paymentId === payment.paymentId) || undefined);
    expect((await call(env.api, 'admin', 'POST', '/payments/reconciliations', { day: riyadhDate(new Date(payment.paidAt)) })).statusCode).toBe(200);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'fee-unpaid-excluded': async (env) => {
    await setPaymentDue(env, '3s', 'replay: a due date of seconds');
    const { id } = await invoicedCase(env);
    await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded' && a.exclusionReason === 'unpaid', 30_000);
    return id;
  },
  'fee-cancelled-while-awaiting-payment': async (env) => {
    const { id } = await invoicedCase(env);
    await call(env.api, 'admin', 'POST', `/operations/cases/${id}/repair`, { action: 'cancel', reason: 'replay coverage' });
    await waitForApp(env.api, id, 'cancelled', (a) => a.status === 'cancelled');
    return id;
  },
  'license-renewal-late-invoiced-paid': async (env) => {
    await licenseSecondsRules(env);
    await secondsRules(env, { grace_period: '60s' });
    const l = await startLicense(env, { expiresInMs: 2_000 });
    const handle = env.client.workflow.getHandle(licenseWorkflowId(l.number));
    const runId = (await handle.describe()).runId;
    await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired');
    expect((await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/renewal`, {})).statusCode).toBe(202);
    const invoiced = await waitFor('invoiced', async () => (await timeline(env, l.number)).find((e) => e.event === 'renewal_invoiced'));
    await payBill(env, invoiced.details.billNumber as string);
    await waitForLicense(env, l.number, 'renewed', (v) => v.renewals === 1);
    return { workflowId: licenseWorkflowId(l.number), runId };
  },
  'fee-held-accepted-issued': async (env) => {
    // Paid short: held for an administrator, who accepts it; the acceptance signals the case.
    const { id, invoice } = await invoicedCase(env);
    const { payment } = await payBill(env, invoice.billNumber, { amountHalalas: invoice.amountHalalas - 100 });
    const held = await waitFor('held', async () => {
      const items = (await call(env.api, 'admin', 'GET', '/payments/mismatches?status=open')).json().items as { id: number; paymentId: string }[];
      return items.find((m) => m.paymentId === payment.paymentId);
    });
    expect((await call(env.api, 'admin', 'POST', `/payments/mismatches/${held.id}/resolve`, { action: 'accept', reason: 'replay coverage' })).statusCode).toBe(200);
    await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    return id;
  },
  'license-renewal-unpaid': async (env) => {
    await licenseSecondsRules(env);
    await secondsRules(env, { grace_period: '60s' });
    await setPaymentDue(env, '3s', 'replay: a due date of seconds');
    const l = await startLicense(env, { expiresInMs: 2_000 });
    await waitForLicense(env, l.number, 'expired', (v) => v.status === 'expired');
    expect((await call(env.api, 'applicant', 'POST', `/licenses/${l.number}/renewal`, {})).statusCode).toBe(202);
    await waitFor('unpaid', async () => (await timeline(env, l.number)).some((e) => e.event === 'renewal_unpaid') || undefined, { timeoutMs: 30_000 });
    // Its workflow goes on (the grace period runs): the history so far is what a running license holds.
    return licenseWorkflowId(l.number);
  },
  'office-accreditation-refused': async (env) => {
    const officeId = await applyForAccreditation(env, 'REPLAYR');
    await call(env.api, 'supervisor', 'POST', `/offices/${officeId}/decision`, { decision: 'refuse', reason: 'inspectors not licensed' });
    await waitFor('refused', async () => (await call(env.api, 'supervisor', 'GET', `/offices/${officeId}`)).json().status === 'refused');
    return `office-${officeId}`;
  },
  'office-accreditation-lapsed': async (env) => {
    // Its file is never completed: the amendment deadline (seconds here) passes.
    const today = new Date().toISOString().slice(0, 10);
    await call(env.api, 'supervisor', 'POST', '/accreditation-rounds', { id: 'REPLAYL', name: 'Replay lapse', cap: 5, opensOn: today, closesOn: '2099-12-31' });
    const file = officeFile();
    const headers = { authorization: `Bearer ${await env.token({ sub: 'replay-lapsing', roles: ['office_manager'] })}` };
    const officeId = (await env.api.inject({ method: 'POST', url: '/offices', headers, payload: { ...file, staff: file.staff.slice(0, 1) } })).json().id as string;
    await waitFor('lapsed', async () => (await call(env.api, 'supervisor', 'GET', `/offices/${officeId}`)).json().status === 'refused', { timeoutMs: 30_000 });
    return `office-${officeId}`;
  },
};

/** A license's durations in seconds, for the license scenarios (each starts its licenses after setting them). */
const licenseSecondsRules = (env: TestEnv) =>
  secondsRules(env, { renewal_window: '8s', reminders: ['8s', '4s'], grace_period: '3s', objection_window: '3s', renewal_correction: '60s', cancellation_deadline: '60s', agency_recheck: '1s' });

const report = (env: TestEnv, number: string, r: Partial<AgencyReport> & Pick<AgencyReport, 'reportId' | 'kind'>) =>
  env.client.workflow
    .getHandle(licenseWorkflowId(number))
    .signal(agencyReportSignal, { agency: 'labor_office', reason: 'Workers without contracts', reportedAt: new Date().toISOString(), ...r });

/** A complete office file, applied for in a round of its own: it waits for the supervisor's decision. */
async function applyForAccreditation(env: TestEnv, round: string): Promise<string> {
  const today = new Date().toISOString().slice(0, 10);
  await call(env.api, 'supervisor', 'POST', '/accreditation-rounds', { id: round, name: round, cap: 5, opensOn: today, closesOn: '2099-12-31' });
  const headers = { authorization: `Bearer ${await env.token({ sub: `manager-${round}`, roles: ['office_manager'] })}` };
  const officeId = (await env.api.inject({ method: 'POST', url: '/offices', headers, payload: officeFile() })).json().id as string;
  await waitFor('decision asked', async () => (await call(env.api, 'supervisor', 'GET', `/offices/${officeId}`)).json().waitingOn === 'supervisor');
  return officeId;
}

/**
 * Scenarios that record in an environment of their own: deadlines of seconds,
 * or SLAs of seconds written before its worker first reads (and caches) them.
 */
const OWN_ENVIRONMENT: Record<string, Parameters<typeof startTestEnv>[0]> = {
  'workbench-claims-reminder-overdue-issued': {},
  'license-objection-overdue-claimed-upheld': {},
  'license-renewal-reviewed-overdue-returned-approved': {},
  'license-objection-accepted-reinstated': {},
  'license-inspection-passed-fix-reinspected-closure-suspended': {},
  'excluded-incomplete-after-correction-deadline': { timing: { correctionDeadlineMs: 3_000 } },
  'excluded-conditions-after-hold-deadline': { timing: { agencyHoldDeadlineMs: 3_000 } },
  'office-accreditation-lapsed': { officeAmendmentDeadline: '3s' },
  // Fees charged (the API listening for the gateway's notifications), each with its own gateway switches and schedule.
  'fee-invoiced-paid-twice-notified-issued': { fees: true },
  'fee-notification-lost-reconciled-issued': { fees: true },
  'fee-unpaid-excluded': { fees: true },
  'fee-cancelled-while-awaiting-payment': { fees: true },
  'license-renewal-late-invoiced-paid': { fees: true },
  'fee-held-accepted-issued': { fees: true },
  'license-renewal-unpaid': { fees: true },
  // Every upload there is counted: none of another scenario's.
  'document-sweep-removes-an-orphan': {},
};

// Defined only when recording, so that a normal run has no skipped test (.ci/run fails on one).
if (recording) describe('recording histories', () => {
  it('records every scenario', async () => {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const recorded = new Set(readdirSync(DIR).filter((f) => f.endsWith('.json')).map(scenarioOf));
    const shared = await startTestEnv();
    try {
      for (const [name, run] of Object.entries(scenarios)) {
        if (!rerecordAll && recorded.has(name)) continue;
        const own = OWN_ENVIRONMENT[name] ? await startTestEnv(OWN_ENVIRONMENT[name]) : undefined;
        const env = own ?? shared;
        try {
          const recorded = await run(env);
          const { workflowId: id, runId } = typeof recorded === 'string' ? { workflowId: recorded, runId: undefined } : recorded;
          // Recorded once the workflow (or the run) has closed, so the whole history is there.
          await env.client.workflow.getHandle(id, runId, { followRuns: false }).result().catch(() => undefined);
          // The CLI writes the proto JSON that historyFromJSON reads back.
          const json = execFileSync(
            temporalCli(),
            ['workflow', 'show', '--workflow-id', id, ...(runId ? ['--run-id', runId] : []), '--address', env.config.temporal.address, '--output', 'json'],
            { encoding: 'utf8' },
          );
          writeFileSync(path.join(DIR, `${name}@${commit}.json`), json);
        } finally {
          await own?.close();
        }
      }
    } finally {
      await shared.close();
    }
  }, 600_000);
});

if (!recording) describe('replaying recorded histories', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('has a recorded history for every scenario', () => {
    // More than one per scenario is welcome: each is a case started by the code of its commit.
    const recorded = new Set(files.map(scenarioOf));
    expect(Object.keys(scenarios).filter((s) => !recorded.has(s))).toEqual([]);
    expect(files.every((f) => /^[a-z0-9-]+@[0-9a-f]{7,}\.json$/.test(f))).toBe(true);
  });

  it.each(files)('%s replays without non-determinism', async (file) => {
    // The worker converts the CLI's proto JSON itself.
    const history = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as unknown;
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    await expect(Worker.runReplayHistory({ workflowBundle }, history, file)).resolves.toBeUndefined();
  });
});
