import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createActivities, type Transition } from '../activities';
import { applicationEvents, licenses, smsOutbox } from '../db/schema';
import { httpAgencyClients } from '../integrations/agencies';
import { startTestEnv, type TestEnv } from './support/env';
import { approveAll, decide, approve, healthApplication, submitOk, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('durability', () => {
  it('a case survives its worker stopping mid-way; a new worker finishes it', async () => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    expect((await decide(env.api, id, approve('health'))).statusCode).toBe(200);

    await env.stopWorker();
    // With no worker the API still reads the case from PostgreSQL.
    const paused = await waitForApp(env.api, id, 'paused in review', (a) => a.stage === 'review');
    expect(paused.waitingOn).toEqual(['technicalInspector']);

    await env.startWorker();
    expect((await decide(env.api, id, approve('technical'))).statusCode).toBe(200);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.reviews).toHaveLength(2);
    const lic = await env.db.db.select().from(licenses).where(eq(licenses.applicationId, id));
    expect(lic).toHaveLength(1);
  });

  it('activities run twice write one row, draw one license number and queue one SMS', async () => {
    const id = await submitOk(env.api, healthApplication());
    await approveAll(env.api, id);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');

    const acts = createActivities({ db: env.db.db, agencies: httpAgencyClients(env.config.agencies), licenseNumberPrefix: 'AHS' });
    // A retry of issuance (e.g. after a timeout) returns the same license.
    const again = await acts.issueLicense({ applicationId: id, licenseKind: 'health', termMonths: 12 });
    expect(again.number).toBe(done.license.number);
    const concurrent = await Promise.all([1, 2, 3].map(() => acts.issueLicense({ applicationId: id, licenseKind: 'health', termMonths: 12 })));
    expect(new Set(concurrent.map((l) => l.number))).toEqual(new Set([done.license.number]));
    expect(await env.db.db.select().from(licenses).where(eq(licenses.applicationId, id))).toHaveLength(1);

    // A retry of the last transition (issued, which sends an SMS) changes nothing.
    const last = done.timeline[done.timeline.length - 1];
    const smsBefore = await env.db.db.select().from(smsOutbox).where(eq(smsOutbox.applicationId, id));
    const replayed: Transition = {
      seq: last.seq,
      event: 'issued',
      at: last.at,
      contact: { mobile: '+966500000000', tradeName: 'Replayed Body' },
      state: {
        applicationId: id,
        stage: 'closed',
        status: 'issued',
        waitingOn: [],
        round: 1,
        deficiencies: [],
        pendingReviews: [],
        agencies: {},
        license: done.license,
        data: { ...healthApplication(), establishment: { ...healthApplication().establishment, tradeName: 'Replayed Body' } },
      },
    };
    await acts.recordTransition(replayed);
    await acts.recordTransition(replayed);
    expect(await env.db.db.select().from(smsOutbox).where(eq(smsOutbox.applicationId, id))).toHaveLength(smsBefore.length);
    expect(await env.db.db.select().from(applicationEvents).where(eq(applicationEvents.applicationId, id))).toHaveLength(done.timeline.length);
    // The projection kept the workflow's own data, not the replayed body.
    const after = await waitForApp(env.api, id, 'unchanged', () => true);
    expect(after.tradeName).toBe(done.tradeName);
  });
});
