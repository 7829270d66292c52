// The public verification page: what the certificate's QR code opens. Anyone
// may see whether a license number is real and in force, and for which
// establishment (not who holds it: see certificate.ts); the same service
// answers GET /licenses/:number.
import type { FastifyPluginAsync } from 'fastify';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';
import { certificatePath, dateCell, lookUp, MAX_NUMBER_LENGTH, send, standing, verifyPath } from './license';

function form(w: Words, value = ''): Html {
  return html`<form method="get" action="/verify" role="search">
  <label for="number">${w.t('verify.number')}</label>
  <p class="hint" id="number-hint">${w.t('verify.numberHint')}</p>
  <input type="text" id="number" name="number" value="${value}" aria-describedby="number-hint" autocomplete="off" spellcheck="false" dir="ltr" maxlength="${MAX_NUMBER_LENGTH}">
  <div><button type="submit">${w.t('verify.submit')}</button></div>
</form>`;
}

/** A number that is no license: what was typed, as text, and the form to try again. */
export function notFoundBody(w: Words, number: string): Html {
  return html`<div class="panel bad" role="status"><h2>${w.t('verify.notFound')}</h2><p>${ltr(number)}</p></div>
<p>${w.t('verify.notFoundHint')}</p>${form(w, number)}`;
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

  app.get<{ Params: { number: string } }>('/verify/:number', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const w = words(localeOf(req, reply));
    const number = req.params.number;
    const path = verifyPath(number);
    const license = await lookUp(app, number);
    if (!license) return send(reply, 404, layout(w, { title: 'verify.title', path, body: notFoundBody(w, number) }));
    const state = standing(license);
    const body = html`<h1>${w.t('verify.title')}</h1>
<div class="panel${state === 'verify.valid' ? '' : ' bad'}" role="status"><h2>${w.t(state)}</h2></div>
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
    return send(reply, 200, layout(w, { title: 'verify.title', path, body }));
  });
};

export default licensePages;
