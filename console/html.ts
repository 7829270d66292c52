// HTML by tagged template: every interpolated value is escaped unless it is
// markup this module made (raw), so no caller text can become markup. And the
// one page layout: language and direction, the font, the landmarks.
import type { MessageKey } from './catalogue';
import type { Words } from './i18n';
import { HTMX } from './assets';

const SAFE = Symbol('html');
export interface Html {
  [SAFE]: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escape = (v: string): string => v.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const render = (v: unknown): string => {
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && SAFE in (v as object)) return (v as Html)[SAFE];
  return escape(String(v));
};

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return { [SAFE]: out };
}

export const toString = (h: Html): string => h[SAFE];

/** Markup a library made for us to embed (oidc-provider's logout form): never text from a visitor. */
export const libraryMarkup = (markup: string): Html => ({ [SAFE]: markup });

/**
 * Pages get a policy of their own: only this origin's styles, fonts and scripts
 * (htmx, whose requests go to this origin only), nothing inline, nothing
 * evaluated. `formTargets`: the other origins a form's answer may redirect to
 * (Chromium holds a form's redirects to form-action too): sign-in and sign-out
 * go between the console and its issuer.
 */
export const pagePolicy = (formTargets: string[] = []): string =>
  `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; form-action ${["'self'", ...formTargets].join(' ')}; base-uri 'none'; frame-ancestors 'none'`;

/**
 * htmx as the policy allows it: no eval (hx-on, filters and js: values stay
 * off), no script from a fragment, no inline style of its own, no request to
 * another origin, and no page of a case kept in the browser's storage.
 */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
});

/** Text that must read left to right inside a right-to-left page: numbers, ids, codes. */
export const ltr = (text: string): Html => html`<bdi dir="ltr">${text}</bdi>`;

/**
 * `path`: the page's address for the language link (none without it); `home`:
 * where the brand leads; `live`: the page keeps itself current with htmx (and
 * works as well without it).
 */
export function layout(w: Words, opts: { title: MessageKey; path?: string; body: Html; home?: string; live?: boolean }): string {
  const other = w.locale === 'ar' ? 'en' : 'ar';
  return (
    '<!doctype html>' +
    toString(html`<html lang="${w.locale}" dir="${w.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${w.t(opts.title)} · ${w.t('app.name')}</title>
<link rel="stylesheet" href="/console/assets/console.css">
${opts.live && html`<meta name="htmx-config" content="${HTMX_CONFIG}">
<script src="${HTMX.path}" integrity="${HTMX.integrity}" defer></script>`}
</head>
<body>
<a class="skip" href="#main">${w.t('nav.skip')}</a>
<header class="masthead">
  <div class="wrap">
    <a class="brand" href="${opts.home ?? '/verify'}">${w.t('app.name')}</a>
    <span class="tagline">${w.t('app.tagline')}</span>
    ${opts.path !== undefined && html`<a class="lang" href="${opts.path}?lang=${other}" lang="${other}" hreflang="${other}">${w.t('nav.language')}</a>`}
  </div>
</header>
<main id="main" class="wrap" tabindex="-1">
${opts.body}
</main>
<footer class="wrap footer"><p>${w.t('footer.text')}</p></footer>
</body>
</html>`)
  );
}
