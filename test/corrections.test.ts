import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/env';
import { approve, approveAll, call, commercialApplication, decide, healthApplication, submitOk, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;
let shortDeadline: TestEnv;
beforeAll(async () => {
  [env, shortDeadline] = await Promise.all([startTestEnv(), startTestEnv({ timing: { correctionDeadlineMs: 2_000 } })]);
});
afterAll(async () => {
  await Promise.all([env?.close(), shortDeadline?.close()]);
});

const withoutCivilDefense = () => {
  const body = healthApplication();
  return { ...body, documents: body.documents.filter((d) => d.type !== 'civil_defense') };
};

describe('an incomplete application', () => {
  it('asks for the missing items, takes the correction and goes on to issuance', async () => {
    const id = await submitOk(env.api, withoutCivilDefense());
    const waiting = await waitForStage(env.api, id, 'awaiting_correction');
    expect(waiting.waitingOn).toEqual(['applicant']);
    expect(waiting.correctionDueAt).toBeTruthy();
    expect(waiting.deficiencies).toEqual([
      expect.objectContaining({ code: 'DOC_MISSING', field: 'documents/civil_defense', messageAr: expect.stringContaining('الدفاع المدني'), messageEn: expect.stringContaining('civil-defense') }),
    ]);

    const res = await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, {
      documents: [{ type: 'civil_defense', reference: 'doc-cd-new', expiresOn: '2099-01-01' }],
      note: 'attached',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'in_progress' });

    await approveAll(env.api, id);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.documents.find((d: { type: string }) => d.type === 'civil_defense').reference).toBe('doc-cd-new');
    expect(done.timeline.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['correction_requested', 'correction_received']));
  });

  it('is excluded as incomplete when the correction deadline passes', async () => {
    const id = await submitOk(shortDeadline.api, withoutCivilDefense());
    const done = await waitForApp(shortDeadline.api, id, 'excluded', (a) => a.status === 'excluded', 20_000);
    expect(done.exclusionReason).toBe('incomplete');
    expect(done.stage).toBe('closed');
    expect(done.deficiencies[0].code).toBe('DOC_MISSING');
    // A correction after the case closed is refused.
    const late = await call(shortDeadline.api, 'clerk', 'POST', `/applications/${id}/corrections`, {
      documents: [{ type: 'civil_defense', reference: 'late' }],
    });
    expect(late.statusCode).toBe(409);
  });

  it('refuses a correction while the case is not waiting for one', async () => {
    const id = await submitOk(env.api, commercialApplication());
    await waitForStage(env.api, id, 'review');
    const res = await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { note: 'hello' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/not awaiting a correction/);
  });
});

describe('a reviewer returning the application', () => {
  it('sends it back for correction, and the next round is reviewed afresh', async () => {
    const id = await submitOk(env.api, healthApplication());
    await waitForStage(env.api, id, 'review');
    expect((await decide(env.api, id, approve('technical'))).statusCode).toBe(200);
    const ret = await decide(env.api, id, {
      kind: 'health',
      decision: 'return',
      comment: 'the kitchen extractor is not shown',
      deficiencies: [{ code: 'PHOTO_KITCHEN', field: 'documents/storefront_photo', messageAr: 'أرفق صورة المطبخ', messageEn: 'Attach a photo of the kitchen' }],
    });
    expect(ret.statusCode).toBe(200);
    const back = await waitForStage(env.api, id, 'awaiting_correction');
    expect(back.round).toBe(2);
    expect(back.deficiencies[0].code).toBe('PHOTO_KITCHEN');

    await call(env.api, 'clerk', 'POST', `/applications/${id}/corrections`, { documents: [{ type: 'storefront_photo', reference: 'photo-with-kitchen' }] });
    const round2 = await waitForApp(env.api, id, 'round 2 review', (a) => a.stage === 'review' && a.round === 2);
    expect(round2.waitingOn.sort()).toEqual(['health_specialist', 'technical_inspector']);
    await approveAll(env.api, id);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.reviews.map((r: { round: number; kind: string; decision: string }) => `${r.round}:${r.kind}:${r.decision}`).sort()).toEqual([
      '1:health:return',
      '1:technical:approve',
      '2:health:approve',
      '2:technical:approve',
    ]);
  });
});
