import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/env';
import { expectEachSentOnce, gateway } from './support/sms-gateway';
import { approveAll, call, commercialApplication, getApp, healthApplication, submitOk, waitForApp } from './support/fixtures';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('an application that meets every condition', () => {
  it('is issued after the health and technical reviews approve it', async () => {
    const id = await submitOk(env.api, healthApplication());
    await approveAll(env.api, id);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');

    expect(done.stage).toBe('closed');
    expect(done.healthReviewRequired).toBe(true);
    expect(done.reviews.map((r: { kind: string }) => r.kind).sort()).toEqual(['health', 'technical']);
    expect(done.agencies.labor_office.state).toBe('compliant');
    expect(done.agencies.zakat.state).toBe('compliant');
    expect(done.license.number).toMatch(/^AHS-\d{4}-\d{6}$/);
    // Health activities run 12 months, whatever was asked.
    const issued = new Date(done.license.issuedOn);
    const expires = new Date(done.license.expiresOn);
    expect(expires.getUTCFullYear() * 12 + expires.getUTCMonth() - (issued.getUTCFullYear() * 12 + issued.getUTCMonth())).toBe(12);
    expect(done.timeline.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['submitted', 'review_started', 'review_decided', 'agency_linkage_started', 'agency_checked', 'issued']),
    );
    const seqs = done.timeline.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b));

    const lic = await env.api.inject({ method: 'GET', url: `/licenses/${done.license.number}` });
    expect(lic.statusCode).toBe(200);
    expect(lic.json()).toMatchObject({ applicationId: id, status: 'active', licenseKind: 'health' });

    // One SMS per applicant-facing change: submitted, in review, issued; each sent to the gateway exactly once.
    const sms = await expectEachSentOnce(env, [id]);
    expect(sms.map((r) => r.event)).toEqual(['submitted', 'review_started', 'issued']);
    expect(sms[2]!.bodyAr).toContain(done.license.number);
    // Each ends with the case's page in the console, in both languages.
    const page = `${env.config.api.publicUrl}/console/applications/${id}`;
    for (const r of sms) expect([r.bodyAr.endsWith(` ${page}`), r.bodyEn.endsWith(` ${page}`)]).toEqual([true, true]);
    const { messages } = await gateway(env.simulatorUrl);
    // By reference: the dispatcher sends several at once, so the gateway may take them in another order than the outbox's.
    const byReference = (rows: [string, string, string][]) => rows.sort((a, b) => a[0].localeCompare(b[0]));
    expect(byReference(messages.filter((m) => m.reference.startsWith(`${id}:`)).map((m) => [m.reference, m.to, m.body]))).toEqual(
      byReference(sms.map((r) => [r.dedupeKey, r.mobile, `${r.bodyAr}\n${r.bodyEn}`])),
    );
  });

  it('skips the health review when the activity does not touch public health', async () => {
    const id = await submitOk(env.api, commercialApplication({ requestedTermYears: 3 }));
    const inReview = await waitForApp(env.api, id, 'in review', (a) => a.stage === 'review');
    expect(inReview.healthReviewRequired).toBe(false);
    expect(inReview.waitingOn).toEqual(['technical_inspector']);
    await approveAll(env.api, id);
    const done = await waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');
    expect(done.reviews).toHaveLength(1);
    expect(done.reviews[0].kind).toBe('technical');
    // Commercial: the requested three years.
    expect(Number(done.license.expiresOn.slice(0, 4)) - Number(done.license.issuedOn.slice(0, 4))).toBe(3);
  });

  it('lists applications with filters and keyset paging', async () => {
    const kind = 'professional';
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        await submitOk(
          env.api,
          commercialApplication({
            licenseKind: kind,
            establishment: { ...commercialApplication().establishment, isicCode: '711001', tradeName: `Office ${i}` },
            documents: [
              { type: 'lease_or_deed', reference: 'l' },
              { type: 'civil_defense', reference: 'c' },
            ],
            requestedTermYears: 1,
          }),
        ),
      );
    }
    const first = await call(env.api, 'clerk', 'GET', `/applications?licenseKind=${kind}&limit=2`);
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBeTruthy();
    const second = await call(env.api, 'clerk', 'GET', `/applications?licenseKind=${kind}&limit=2&cursor=${page1.nextCursor}`);
    const page2 = second.json();
    const seen = [...page1.items, ...page2.items].map((a: { id: string }) => a.id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    const detail = await getApp(env.api, ids[0]!);
    expect(detail.licenseKind).toBe(kind);
  });
});

describe('an application that fails the conditions', () => {
  it('is excluded (conditions) with reasons, without reaching review', async () => {
    const body = commercialApplication();
    const id = await submitOk(env.api, { ...body, licenseKind: 'professional', requestedTermYears: 1, documents: body.documents });
    const done = await waitForApp(env.api, id, 'excluded', (a) => a.status === 'excluded');
    expect(done.exclusionReason).toBe('conditions');
    expect(done.deficiencies.map((d: { code: string }) => d.code)).toEqual(['ACTIVITY_NOT_ALLOWED_FOR_KIND']);
    expect(done.reviews).toEqual([]);
    expect(done.timeline.map((e: { event: string }) => e.event)).not.toContain('review_started');
    const sms = await expectEachSentOnce(env, [id]);
    expect(sms.map((r) => r.event)).toEqual(['submitted', 'excluded']);
  });
});
