import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { createActivities, type Transition } from '../activities';
import { applicationEvents, applications, licenses, reviews, smsOutbox } from '../db/schema';
import { httpAgencyClients } from '../integrations/agencies';
import { startTestEnv, type TestEnv } from './support/env';
import { approveAll, decide, approve, commercialApplication, healthApplication, submitOk, waitForApp, waitForStage } from './support/fixtures';

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
    expect(paused.waitingOn).toEqual(['technical_inspector']);

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
  });
});
