// The console's own files: its stylesheet, the Arabic webfont it ships (IBM
// Plex Sans Arabic, from npm), so every page and screenshot renders the same on
// any machine, and htmx (from npm too), which keeps the live pages current.
// Served from memory, immutable, by name from a fixed list.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

const require = createRequire(import.meta.url);
const FONT_DIR = path.join(path.dirname(require.resolve('@fontsource/ibm-plex-sans-arabic/package.json')), 'files');
const FONTS = ['arabic-400', 'arabic-700', 'latin-400', 'latin-700'].map((f) => `ibm-plex-sans-arabic-${f}-normal.woff2`);

/** A font, or the script under its hash, never changes under its name; the stylesheet changes with a release, so it is revalidated. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
const CSS_CACHE = 'public, max-age=300';

const HTMX_BYTES = readFileSync(require.resolve('htmx.org/dist/htmx.min.js'));
const htmxDigest = (algorithm: 'sha256' | 'sha384') => createHash(algorithm).update(HTMX_BYTES).digest();
/**
 * The script as pages name it: its address carries its content's hash, so an
 * upgrade is a new address (never a stale copy under the year-long cache), and
 * the integrity a page asks for always matches the file at that address.
 */
export const HTMX = {
  path: `/console/assets/htmx-${htmxDigest('sha256').toString('base64url').slice(0, 16)}.min.js`,
  integrity: `sha384-${htmxDigest('sha384').toString('base64')}`,
};

const face = (weight: number, subset: 'arabic' | 'latin', range: string) => `@font-face {
  font-family: 'Plex Arabic'; font-style: normal; font-display: swap; font-weight: ${weight};
  src: url(/console/assets/fonts/ibm-plex-sans-arabic-${subset}-${weight}-normal.woff2) format('woff2');
  unicode-range: ${range};
}`;
const ARABIC_RANGE = 'U+0600-06FF, U+0750-077F, U+0870-08FF, U+FB50-FDFF, U+FE70-FEFF, U+200C-200E';
const LATIN_RANGE = 'U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+2000-206F, U+20AC, U+2122, U+2212, U+2215';

// Plain and readable on a phone, as GOV.UK's patterns are; logical properties so one sheet serves both directions.
const CSS = `${[face(400, 'arabic', ARABIC_RANGE), face(700, 'arabic', ARABIC_RANGE), face(400, 'latin', LATIN_RANGE), face(700, 'latin', LATIN_RANGE)].join('\n')}
:root { --ink: #0b0c0c; --muted: #505a5f; --line: #b1b4b6; --brand: #00594c; --focus: #ffdd00; --ok: #00703c; --bad: #d4351c; --paper: #ffffff; }
* { box-sizing: border-box; }
html { font-family: 'Plex Arabic', system-ui, sans-serif; font-size: 19px; line-height: 1.5; color: var(--ink); background: var(--paper); }
body { margin: 0; }
.wrap { max-inline-size: 960px; margin-inline: auto; padding-inline: 16px; }
.skip { position: absolute; inset-inline-start: -9999px; }
.skip:focus { position: static; display: block; padding: 8px; background: var(--focus); color: var(--ink); }
a { color: #1d70b8; }
a:focus, input:focus, button:focus { outline: 3px solid var(--focus); outline-offset: 0; box-shadow: 0 4px 0 var(--ink); }
.masthead { background: var(--brand); color: #fff; padding-block: 12px; }
.masthead .wrap { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
.brand { color: #fff; font-weight: 700; font-size: 1.4rem; text-decoration: none; }
.tagline { flex: 1; }
.lang { color: #fff; }
main { padding-block: 24px 48px; }
h1 { font-size: 1.8rem; margin-block: 0 16px; }
label { display: block; font-weight: 700; }
.hint { color: var(--muted); margin-block: 4px 8px; }
input[type=text], input[type=number], input[type=date] { font: inherit; inline-size: min(100%, 20em); padding: 6px; border: 2px solid var(--ink); }
button { font: inherit; margin-block-start: 16px; padding: 8px 16px; color: #fff; background: var(--ok); border: 0; box-shadow: 0 2px 0 #002d18; cursor: pointer; }
.panel { padding: 16px; margin-block-end: 24px; border-inline-start: 8px solid var(--ok); background: #f3f2f1; }
.panel.bad { border-color: var(--bad); }
.panel h2 { margin: 0; font-size: 1.4rem; }
.panel > p:only-child { margin: 0; }
.counts { display: flex; flex-wrap: wrap; gap: 8px 24px; list-style: none; padding: 0; margin: 8px 0 0; }
dl.summary { display: grid; grid-template-columns: minmax(10em, 1fr) 2fr; margin: 0 0 24px; border-block-start: 1px solid var(--line); }
dl.summary dt, dl.summary dd { margin: 0; padding-block: 8px; border-block-end: 1px solid var(--line); }
dl.summary dt { font-weight: 700; padding-inline-end: 16px; }
.hijri { display: block; color: var(--muted); }
.certificate { margin-block: 16px 24px; padding: 24px; border: 3px double var(--brand); }
.certificate .other { display: block; color: var(--muted); font-size: 0.8em; font-weight: 400; }
.cert-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: flex-start; gap: 8px 24px; padding-block-end: 12px; margin-block-end: 16px; border-block-end: 2px solid var(--brand); }
.cert-head h1 { margin: 0; color: var(--brand); }
.cert-issuer { margin: 0 0 8px; font-weight: 700; }
.cert-number { margin: 0; text-align: end; }
.cert-number strong { display: block; font-size: 1.3rem; }
.cert-fields { margin: 0; }
.cert-fields > div { display: grid; grid-template-columns: minmax(8em, 1fr) 2fr; gap: 16px; padding-block: 6px; border-block-end: 1px solid var(--line); }
.cert-fields dt { font-weight: 700; }
.cert-fields dd { margin: 0; }
.cert-void { margin-block-end: 16px; padding: 12px 16px; border: 4px solid var(--bad); color: var(--bad); }
.cert-void h2 { margin: 0 0 4px; font-size: 1.4rem; }
.cert-void p { margin: 0; }
.cert-verify { display: flex; align-items: center; gap: 16px 24px; margin-block-start: 16px; }
.cert-verify p { margin: 0 0 8px; }
.cert-url { overflow-wrap: anywhere; }
.qr { flex: none; inline-size: 140px; }
.qr svg { display: block; inline-size: 100%; block-size: auto; }
/* A phone: each label above its value, the value's lines kept whole. */
@media (max-width: 30em) { .cert-fields > div { grid-template-columns: 1fr; gap: 0; } }
/* A4, the paper Saudi offices print on; a printed page is its content alone, without the site around it. */
@page { size: A4; margin: 15mm; }
@media print {
  html { font-size: 12pt; }
  .skip, .masthead, .footer, .no-print { display: none; }
  main { padding: 0; }
  .wrap { max-inline-size: none; padding: 0; }
  /* The sheet's height less its margins and a little for rounding: the frame fills the page, the QR code at its foot. */
  .certificate { margin: 0; break-inside: avoid; min-block-size: 262mm; display: flex; flex-direction: column; }
  .cert-verify { margin-block-start: auto; }
  .qr { inline-size: 35mm; }
  a { color: inherit; text-decoration: none; }
}
.tabs { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; margin: 0 0 16px; }
.tabs a { display: inline-block; padding: 6px 12px; border: 2px solid var(--line); text-decoration: none; }
.tabs a[aria-current=page] { border-color: var(--brand); font-weight: 700; }
.badge { display: inline-block; min-inline-size: 1.6em; padding: 0 6px; border-radius: 1em; background: var(--brand); color: #fff; text-align: center; }
.filters { margin-block-end: 24px; }
.filters label { margin-block-start: 8px; }
select, textarea { font: inherit; padding: 6px; border: 2px solid var(--ink); inline-size: min(100%, 30em); }
table.tasks { inline-size: 100%; border-collapse: collapse; margin-block: 16px; }
table.tasks th, table.tasks td { text-align: start; padding: 8px; border-block-end: 1px solid var(--line); vertical-align: top; }
.overdue { color: var(--bad); }
/* A code (V-CERT-01) is read whole: never broken at its hyphens. */
.code { white-space: nowrap; }
.violation { margin-block-end: 16px; }
.violation label.note { font-weight: 400; margin-block-start: 4px; margin-inline-start: calc(1.2em + 8px); }
.violation input[type=text] { margin-inline-start: calc(1.2em + 8px); }
.caption { color: var(--muted); font-size: 1.1rem; }
.error-summary { padding: 16px; margin-block-end: 24px; border: 4px solid var(--bad); }
.error-summary h2 { margin: 0 0 8px; font-size: 1.3rem; }
button.secondary { background: #f3f2f1; color: var(--ink); box-shadow: 0 2px 0 #929191; }
form.decision { margin-block-end: 32px; padding-block-end: 16px; border-block-end: 1px solid var(--line); }
fieldset { border: 0; padding: 0; margin: 16px 0; }
legend { font-weight: 700; font-size: 1.2rem; }
label.inline { display: inline; font-weight: 400; margin-inline-start: 8px; }
.deficiencies li, .timeline li { margin-block-end: 4px; }
form.filing .field { margin-block-end: 20px; }
form.filing, form.upload { margin-block-end: 24px; }
input.short { inline-size: min(100%, 10em); }
form.remove { margin-block-end: 16px; }
#live-check { margin-block-start: 24px; }
a.button { display: inline-block; padding: 8px 16px; color: #fff; background: var(--ok); text-decoration: none; box-shadow: 0 2px 0 #002d18; }
input[type=datetime-local] { font: inherit; padding: 6px; border: 2px solid var(--ink); }
ul.comments { list-style: none; padding: 0; }
ul.comments li { border-block-end: 1px solid var(--line); padding-block: 8px; }
ul.comments p { margin: 0; }
.field.invalid { padding-inline-start: 12px; border-inline-start: 4px solid var(--bad); }
.error-message { color: var(--bad); font-weight: 700; margin-block: 4px; }
.field.invalid input { border-color: var(--bad); }
input[type=tel], input[type=date], input[type=file] { font: inherit; inline-size: min(100%, 20em); padding: 6px; border: 2px solid var(--ink); }
input[type=checkbox], input[type=radio] { inline-size: 1.2em; block-size: 1.2em; vertical-align: middle; }
.error-summary a { color: var(--bad); font-weight: 700; }
.back { display: inline-block; margin-block-end: 8px; }
section.document { padding-block: 8px 16px; border-block-end: 1px solid var(--line); }
section.document h2 { font-size: 1.2rem; margin-block: 8px; }
.visually-hidden { position: absolute; inline-size: 1px; block-size: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
/* Fees and payment: the bill number is what the payer types at the bank, so it stands out; amounts line up at the end. */
.invoice .panel p { margin: 0 0 8px; }
.invoice .panel p.bill { margin-block-start: 16px; }
.bill-label { display: block; font-weight: 700; }
.bill-number, .receipt-number { font-size: 1.8rem; letter-spacing: 0.05em; }
.amount { white-space: nowrap; }
table.tasks .num { text-align: end; }
table.tasks caption { text-align: start; font-weight: 700; padding-block-end: 4px; }
table.tasks tfoot th, table.tasks tfoot td { font-weight: 700; border-block-end: 0; }
table.fees input[type=text] { inline-size: 7em; text-align: end; }
table.fees .area { white-space: nowrap; }
#fee-form .field { margin-block-end: 16px; }
.footer { color: var(--muted); border-block-start: 1px solid var(--line); padding-block: 16px; font-size: 0.85rem; }
`;

const assets: FastifyPluginAsync = async (app) => {
  const fonts = new Map(FONTS.map((f) => [f, readFileSync(path.join(FONT_DIR, f))]));
  app.get('/console/assets/console.css', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', CSS_CACHE).send(CSS),
  );
  app.get(HTMX.path, { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', IMMUTABLE_CACHE).send(HTMX_BYTES),
  );
  app.get<{ Params: { file: string } }>('/console/assets/fonts/:file', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const font = fonts.get(req.params.file);
    if (!font) return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('not found');
    return reply.header('content-type', 'font/woff2').header('cache-control', IMMUTABLE_CACHE).send(font);
  });
};

export default assets;
