// Signing in to the console in a real Chromium, against the built-in issuer's
// authorization-code flow and the real API: signed out, /console leads to the
// issuer's login page; a wrong password is told; the right one comes back
// signed in, in a sealed HttpOnly cookie; a form without the CSRF token is
// refused; signing out ends both sessions; axe finds no serious violation; the
// password grant still answers API clients.
import { freePort } from '../scripts/ports';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './support/env';
import { launchBrowser, seriousViolations } from './support/browser';
import type { SeedUser } from '../identity/users';

let env: TestEnv;
let browser: Browser;
let base: string;
const USER: SeedUser = { username: 'maha', name: 'Maha Al-Jaber', roles: ['office_manager'], officeId: 'OFF-000001' };
const PASSWORD = 'tarkhees';


beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  [env, browser] = await Promise.all([startTestEnv({ startWorker: false, signIn: { apiPublicUrl: base, users: [USER] } }), launchBrowser()]);
  await env.api.listen({ host: '127.0.0.1', port });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function fresh(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
  return context.newPage();
}

async function signIn(page: Page, password: string): Promise<void> {
  await page.fill('#username', USER.username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForLoadState();
}

describe('signing in to the console', () => {
  it('sends a signed-out visitor to the issuer, tells a wrong password, and comes back signed in', async () => {
    const page = await fresh();
    await page.goto(`${base}/console`);
    expect(page.url().startsWith(`${env.issuer.url}/interaction/`)).toBe(true);
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    expect(await page.textContent('h1')).toBe('تسجيل الدخول');
    expect(await seriousViolations(page)).toEqual([]);

    await signIn(page, 'not-the-password');
    expect(page.url().startsWith(`${env.issuer.url}/interaction/`)).toBe(true);
    expect(await page.textContent('[role=alert] h2')).toBe('اسم المستخدم أو كلمة المرور غير صحيحة');
    expect(await page.inputValue('#username')).toBe(USER.username);

    await signIn(page, PASSWORD);
    expect(page.url()).toBe(`${base}/console`);
    expect(await page.textContent('#signed-in-name')).toBe(USER.name);
    expect(await page.textContent('dl.summary')).toContain('مدير المكتب');
    expect(await seriousViolations(page)).toEqual([]);

    const [session] = (await page.context().cookies(`${base}/console`)).filter((c) => c.name === 'tarkhees_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    expect(session!.value).not.toContain('Maha');
    expect(Buffer.from(session!.value, 'base64url').toString('latin1')).not.toContain('Maha');
    await page.context().close();
  });

  it('refuses a console form without the session CSRF token, and takes it with one', async () => {
    const page = await fresh();
    await page.goto(`${base}/console`);
    await signIn(page, PASSWORD);
    const post = (body: Record<string, string>) =>
      page.context().request.post(`${base}/console/logout`, { form: body, maxRedirects: 0 });
    expect((await post({})).status()).toBe(403);
    expect((await post({ _csrf: 'guessed' })).status()).toBe(403);
    // Still signed in: the refused forms changed nothing.
    await page.goto(`${base}/console`);
    expect(await page.textContent('#signed-in-name')).toBe(USER.name);
    const token = await page.inputValue('input[name=_csrf]');
    const ok = await post({ _csrf: token });
    expect(ok.status()).toBe(303);
    expect(ok.headers().location?.startsWith(`${env.issuer.url}/logout`)).toBe(true);
    await page.context().close();
  });

  it('signs out of the console and the issuer: /console then asks for the password again', async () => {
    const page = await fresh();
    await page.goto(`${base}/console`);
    await signIn(page, PASSWORD);
    await page.click('form[action="/console/logout"] button');
    await page.waitForURL(`${env.issuer.url}/logout**`);
    await page.click('button[form="op.logoutForm"]');
    await page.waitForURL(`${env.issuer.url}/interaction/**`);
    expect(await page.textContent('h1')).toBe('تسجيل الدخول');
    expect((await page.context().cookies(`${base}/console`)).filter((c) => c.name === 'tarkhees_session')).toEqual([]);
    await page.context().close();
  });

  it('still answers API clients with the password grant, with the same issuer', async () => {
    const res = await fetch(`${env.issuer.url}/token`, { method: 'POST', body: new URLSearchParams({ username: USER.username, password: PASSWORD }) });
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const me = await env.api.inject({ url: '/me', headers: { authorization: `Bearer ${access_token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: USER.username, roles: USER.roles });
  });
});
