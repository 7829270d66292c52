// The public verification page: what the certificate's QR code opens. Anyone
// may see whether a license number is real and in force, and for which
// establishment (not who holds it: see certificate.ts); the same service
// answers GET /licenses/:number.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { MessageKey } from '../catalogue';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';
import { certificatePath, dateCell, lookUp, MAX_NUMBER_LENGTH, send, standing, verifyPath, type License } from './license';

function form(w: Words, value = ''): Html {
  return html`<form method="get" action="/verify" role="search">
  <label for="number">${w.t('verify.number')}</label>
  <p class="hint" id="number-hint">${w.t('verify.numberHint')}</p>
  <input type="text" id="number" name="number" value="${value}" aria-describedby="number-hint" autocomplete="off" spellcheck="false" dir="ltr" maxlength="${MAX_NUMBER_LENGTH}">
  <div><button type="submit">${w.t('verify.submit')}</button></div>
</form>`;
}

/** A number that is no license: what was typed, as text, and the form to try again. */
function notFoundBody(w: Words, number: string): Html {
  return html`<div class="panel bad" role="status"><h2>${w.t('verify.notFound')}</h2><p>${ltr(number)}</p></div>
<p>${w.t('verify.notFoundHint')}</p>${form(w, number)}`;
}

/**
 * A public page of one license, by the number in its address (`route`, and
 * `pathOf` for a number's own address): the license's page, or for a number
 * that is no license the not-found page (404) with the form to try again.
 */
export function licensePage(
  app: FastifyInstance,
  page: { route: string; pathOf: (number: string) => string; title: MessageKey },
  render: (w: Words, license: License) => Html | Promise<Html>,
): void {
  app.get<{ Params: { number: string } }>(page.route, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const w = words(localeOf(req, reply));
    const number = req.params.number;
    const path = page.pathOf(number);
    const license = await lookUp(app, number);
    if (!license) return send(reply, 404, layout(w, { title: page.title, path, body: notFoundBody(w, number) }));
    return send(reply, 200, layout(w, { title: page.title, path, body: await render(w, license) }));
  });
}

const licensePages: FastifyPluginAsync = async (app) => {
  app.get('/verify', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const number = (req.query as { number?: unknown }).number;
    // The form's answer goes to the license's own address, the one the QR code carries.
    if (typeof number === 'string' && number.trim()) return reply.redirect(`/verify/${encodeURIComponent(number.trim().toUpperCase())}`, 303);
    const w = words(localeOf(req, reply));
    const body = html`<h1>${w.t('verify.title')}</h1><p>${w.t('verify.intro')}</p>${form(w)}`;
    return send(reply, 200, layout(w, { title: 'verify.title', path: '/verify', body }));
  });

  licensePage(app, { route: '/verify/:number', pathOf: verifyPath, title: 'verify.title' }, (w, license) => {
    const state = standing(license);
    return html`<h1>${w.t('verify.title')}</h1>
<div class="panel${state === 'verify.valid' ? '' : ' bad'}" role="status"><h2>${w.t(state)}</h2><p>${w.t(`licenseStatus.${license.status}`)}</p></div>
<dl class="summary">
  <dt>${w.t('license.number')}</dt><dd>${ltr(license.number)}</dd>
  <dt>${w.t('license.tradeName')}</dt><dd>${license.tradeName}</dd>
  <dt>${w.t('license.kind')}</dt><dd>${w.t(`license.kind.${license.licenseKind}`)}</dd>
  <dt>${w.t('license.crNumber')}</dt><dd>${ltr(license.crNumber)}</dd>
  <dt>${w.t('license.activity')}</dt><dd>${ltr(license.isicCode)}</dd>
  <dt>${w.t('license.issuedOn')}</dt><dd>${dateCell(w, license.issuedOn)}</dd>
  <dt>${w.t('license.expiresOn')}</dt><dd>${dateCell(w, license.expiresOn)}</dd>
</dl>
<p><a href="${certificatePath(license.number)}">${w.t('certificate.link')}</a></p>
<p><a href="/verify">${w.t('verify.again')}</a></p>`;
  });
};

export default licensePages;
