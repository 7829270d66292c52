// What people do from a case page, in a real Chromium against the real API,
// Temporal and PostgreSQL: the applicant corrects a case that lacks a
// document (the file uploaded in the correction form) and sees it move on;
// the inspector proposes a home visit from the task page and the applicant
// confirms it from theirs; staff comment on a case, and the applicant does
// not see the comments.
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client';
import { screenshotsInBothLanguages, seriousViolations, signInAs, startConsoleEnv } from './support/browser';
import { waitFor, type TestEnv, type Who } from './support/env';
import { commercialApplication, getApp, submit, waitForStage } from './support/fixtures';
import { commercialUploads, sample } from './support/uploads';

let env: TestEnv;
let browser: Browser;
let base: string;
const SHOTS = '.data/test/screenshots';
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  ({ env, browser, base } = await startConsoleEnv());
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const signedInAs = (who: Who): Promise<Page> => signInAs(browser, base, who);

/** A clothing shop filed by office A's clerk for the environment's applicant, with `documents` of its four. */
async function fileFor(body: ReturnType<typeof commercialApplication>): Promise<string> {
  const res = await submit(env.api, { ...body, applicant: { ...body.applicant, nationalId: env.users.applicant.nationalId! } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

describe('acting from the case page', () => {
  it('lets the applicant correct a missing document with a file, and the case moves on', async () => {
    const uploads = await commercialUploads(env.api);
    const id = await fileFor(commercialApplication({ documents: uploads.filter((d) => d.type !== 'civil_defense') }));
    await waitForStage(env.api, id, 'awaiting_correction');
    const page = await signedInAs('applicant');
    await page.goto(`${base}/console/applications/${id}`);
    await page.click(`a[href="/console/applications/${id}/correct"]`);
    expect(await page.textContent('ul.deficiencies')).toContain('شهادة الدفاع المدني');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotsInBothLanguages(page, SHOTS, 'correction');

    // Nothing changed: refused on the page, the case untouched.
    await Promise.all([page.waitForLoadState(), page.click('form[action$="/correct"] button[type=submit]')]);
    expect(await page.textContent('.error-summary')).toContain('لم تغيّر شيئًا بعد');
    expect((await getApp(env.api, id)).stage).toBe('awaiting_correction');

    await page.setInputFiles('input[name="file:civil_defense"]', { name: 'الدفاع المدني.pdf', mimeType: 'application/pdf', buffer: sample('civil-defense.pdf') });
    await page.fill('input[name="file:civil_defense-expiresOn"]', inAYear());
    await page.fill('#note', 'أرفقت شهادة الدفاع المدني');
    await Promise.all([page.waitForURL(`${base}/console/applications/${id}`), page.click('form[action$="/correct"] button[type=submit]')]);
    // The check runs again and finds it complete: the case is in review, the new file with it.
    await waitForStage(env.api, id, 'review');
    await page.reload();
    expect(await page.textContent('[role=status] h2')).toContain('المراجعة الصحية والفنية');
    expect(await page.textContent('section[aria-labelledby=documents]')).toContain('الدفاع المدني.pdf');
    expect(await page.locator(`a[href="/console/applications/${id}/correct"]`).count()).toBe(0);
    const [row] = await rowsOf<{ actor_id: string; status_code: number }>(
      env.db.db,
      sql`select actor_id, status_code from audit_log where route = '/console/applications/:id/correct' and target_id = ${id} and status_code = 303`,
    );
    expect(row).toEqual({ actor_id: 'applicant', status_code: 303 });
    await page.context().close();
  });

  it('lets the inspector propose a home visit from the task page, and the applicant confirm it', async () => {
    const b = commercialApplication({ documents: await commercialUploads(env.api) });
    const id = await fileFor({ ...b, establishment: { ...b.establishment, establishmentsOwned: 6 } });
    await waitForStage(env.api, id, 'review');
    const inspector = await signedInAs('inspector');
    await inspector.goto(`${base}/console/tasks/${encodeURIComponent(`${id}:technical:1`)}`);
    await Promise.all([inspector.waitForLoadState(), inspector.click('form[action$="/claim"] button')]);
    // Two days ahead, at ten in the morning in Riyadh.
    const day = new Date(Date.now() + 2 * 86_400_000 + 3 * 3_600_000).toISOString().slice(0, 10);
    await inspector.fill('#visit-slot', `${day}T10:00`);
    await Promise.all([inspector.waitForLoadState(), inspector.click('form[action$="/visit"] button')]);
    expect(await seriousViolations(inspector)).toEqual([]);
    await waitFor('the visit proposed', async () => ((await getApp(env.api, id)).visit?.status === 'proposed' ? true : undefined));
    expect((await getApp(env.api, id)).visit.slot).toBe(new Date(`${day}T10:00:00+03:00`).toISOString());

    const applicant = await signedInAs('applicant');
    await applicant.goto(`${base}/console/applications/${id}`);
    expect(await applicant.textContent('section[aria-labelledby=visit]')).toContain('10:00');
    expect(await seriousViolations(applicant)).toEqual([]);
    await Promise.all([applicant.waitForURL(`${base}/console/applications/${id}`), applicant.click('form[action$="/visit"] button:has-text("أؤكد")')]);
    expect(await applicant.textContent('section[aria-labelledby=visit]')).toContain('موعد الزيارة مؤكد');
    expect((await getApp(env.api, id)).visit).toMatchObject({ status: 'confirmed', confirmedBy: 'applicant' });
    await inspector.context().close();
    await applicant.context().close();
  });

  it("keeps staff's comments among staff", async () => {
    const id = await fileFor(commercialApplication({ documents: await commercialUploads(env.api) }));
    await waitForStage(env.api, id, 'review');
    const inspector = await signedInAs('inspector');
    await inspector.goto(`${base}/console/applications/${id}`);
    // An empty comment is refused on the page, nothing written.
    await Promise.all([inspector.waitForLoadState(), inspector.click('form[action$="/comments"] button')]);
    expect(await inspector.textContent('.error-summary')).toContain('اكتب الملاحظة');
    await inspector.fill('#comment-body', 'اللوحة الإعلانية تحتاج تصريحًا؛ أتحقق منه في المعاينة');
    await Promise.all([inspector.waitForURL(/#comments$/), inspector.click('form[action$="/comments"] button')]);
    const clerk = await signedInAs('clerk');
    await clerk.goto(`${base}/console/applications/${id}`);
    expect(await clerk.textContent('ul.comments')).toContain('اللوحة الإعلانية');
    expect(await seriousViolations(clerk)).toEqual([]);
    const applicant = await signedInAs('applicant');
    await applicant.goto(`${base}/console/applications/${id}`);
    expect(await applicant.locator('section[aria-labelledby=comments]').count()).toBe(0);
    expect(await applicant.textContent('main')).not.toContain('اللوحة الإعلانية');
    for (const p of [inspector, clerk, applicant]) await p.context().close();
  });
});
