// The public verification page: what the certificate's QR code opens. Anyone
// may see whether a license number is real and in force, and for whom; the
// same service answers GET /licenses/:number.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { IN_FORCE } from '../../domain/status';
import { HttpError } from '../../api/errors';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';

/** Long enough for any license number; anything longer is no license of ours. */
const MAX_NUMBER_LENGTH = 40;

function form(w: Words, value = ''): Html {
  return html`<form method="get" action="/verify" role="search">
  <label for="number">${w.t('verify.number')}</label>
  <p class="hint" id="number-hint">${w.t('verify.numberHint')}</p>
  <input type="text" id="number" name="number" value="${value}" aria-describedby="number-hint" autocomplete="off" spellcheck="false" dir="ltr" maxlength="${MAX_NUMBER_LENGTH}">
  <div><button type="submit">${w.t('verify.submit')}</button></div>
</form>`;
}

function dateCell(w: Words, iso: string): Html {
  const [gregorian, hijri] = w.date(iso);
  return html`<time datetime="${iso}">${gregorian}</time><span class="hijri">${hijri}</span>`;
}

const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);

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
    const path = `/verify/${encodeURIComponent(number)}`;
    const license = number.length <= MAX_NUMBER_LENGTH ? await app.licenses.verify(number).catch((err: unknown) => {
      if (err instanceof HttpError && err.statusCode === 404) return undefined;
      throw err;
    }) : undefined;
    if (!license) {
      const body = html`<div class="panel bad" role="status"><h2>${w.t('verify.notFound')}</h2><p>${ltr(number)}</p></div>
<p>${w.t('verify.notFoundHint')}</p>${form(w, number)}`;
      return send(reply, 404, layout(w, { title: 'verify.title', path, body }));
    }
    // The license's workflow keeps its status; the page says it as it is now, in words.
    const valid = IN_FORCE.has(license.status);
    const body = html`<h1>${w.t('verify.title')}</h1>
<div class="panel${valid ? '' : ' bad'}" role="status"><h2>${w.t(valid ? 'verify.valid' : 'verify.inactive')}</h2><p>${w.t(`licenseStatus.${license.status}`)}</p></div>
<dl class="summary">
  <dt>${w.t('license.number')}</dt><dd>${ltr(license.number)}</dd>
  <dt>${w.t('license.tradeName')}</dt><dd>${license.tradeName}</dd>
  <dt>${w.t('license.kind')}</dt><dd>${w.t(`license.kind.${license.licenseKind}`)}</dd>
  <dt>${w.t('license.crNumber')}</dt><dd>${ltr(license.crNumber)}</dd>
  <dt>${w.t('license.activity')}</dt><dd>${ltr(license.isicCode)}</dd>
  <dt>${w.t('license.issuedOn')}</dt><dd>${dateCell(w, license.issuedOn)}</dd>
  <dt>${w.t('license.expiresOn')}</dt><dd>${dateCell(w, license.expiresOn)}</dd>
</dl>
<p><a href="/verify">${w.t('verify.again')}</a></p>`;
    return send(reply, 200, layout(w, { title: 'verify.title', path, body }));
  });
};

export default licensePages;
