// A real Chromium for page tests: Debian's package (scripts/test.sh installs it
// when missing), driven by playwright-core; nothing is downloaded. And axe-core,
// run inside the page, for the accessibility checks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { freePort } from '../../scripts/ports';
import { startTestEnv, type TestEnv, type Who } from './env';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Flags a sandboxed CI container needs, and none that phone home. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: FLAGS });
}

/**
 * A test environment whose people sign in through the issuer's login page,
 * listening where the browser reaches it (its public URL, `base`), and the browser.
 */
export async function startConsoleEnv(opts: Omit<NonNullable<Parameters<typeof startTestEnv>[0]>, 'signIn'> = {}): Promise<{ env: TestEnv; browser: Browser; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const [env, browser] = await Promise.all([startTestEnv({ ...opts, signIn: { apiPublicUrl: base, people: true } }), launchBrowser()]);
  // With fees the environment listens there already, for the gateway's notifications.
  if (!env.api.server.listening) await env.api.listen({ host: '127.0.0.1', port });
  return { env, browser, base };
}

/** Signs in at the issuer's login page as one of the environment's people (username: their Who), landing on the console's home. */
export async function signIn(page: Page, base: string, who: Who): Promise<void> {
  await page.goto(`${base}/console`);
  await page.fill('#username', who);
  await page.fill('#password', DEV_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/console`);
}

/** The development issuer's password for everyone it knows. */
const DEV_PASSWORD = 'tarkhees';

/** A fresh browser context signed in through the issuer's login page (a test environment's people sign in by their Who), on the console's home. */
export async function signInAs(browser: Browser, base: string, username: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signIn(page, base, username as Who);
  return page;
}

/** Clicks a form's submit button and answers the POST it sends (the page loaded after it). */
export async function submitForm(page: Page, button: string): Promise<Response> {
  const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()), page.click(button)]);
  await page.waitForLoadState();
  return answer;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** The serious and critical accessibility violations axe finds on the page as it stands. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's script policy does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ ...v, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}

/**
 * The page as it is, in Arabic and then in English (`<name>-ar.png`, `<name>-en.png`), left in Arabic after.
 * `reach`: how to come to the page again in a language, for a page that answers a form's POST (its
 * address alone shows the form); by default, the page's address with `?lang=`.
 */
export async function screenshotsInBothLanguages(page: Page, dir: string, name: string, reach?: (lang: 'ar' | 'en') => Promise<void>): Promise<void> {
  const at = new URL(page.url());
  const shoot = async (lang: 'ar' | 'en') => {
    if (reach) await reach(lang);
    else {
      at.searchParams.set('lang', lang);
      await page.goto(at.toString());
    }
    await page.screenshot({ path: `${dir}/${name}-${lang}.png`, fullPage: true });
  };
  await shoot('en');
  await shoot('ar');
}
