// What a person does from a case page: the applicant or their office corrects
// what the case asks for (files and details in one form), answers the home
// visit's proposed time; staff read and write the case's comments. Each goes
// through the API's own service, so the same access, audit and validators.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { can, Operation } from '../../domain/access';
import { DOCUMENT_TYPES, type DocumentType } from '../../domain/status';
import { CorrectionBody } from '../../api/applications/schemas';
import type { Config } from '../../config';
import { CSRF_FIELD, signedIn, type ConsoleSession } from '../auth/plugin';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, riyadhInstant, words, type Words } from '../i18n';
import { refusalOf } from '../refusal';
import { fileOf, textOf, withUploads, type MultipartForm } from '../uploads';
import { uploadRefusal } from '../filing/routes';
import { casePage, type CaseView } from './view';

/** The files a correction may carry: each asked-for document, and one more. */
const MAX_CORRECTION_FILES = DOCUMENT_TYPES.length + 1;
/** Text fields: the token, the details, a few workers' three fields each, the note. */
const MAX_CORRECTION_FIELDS = 200;
/** Details a correction may change: the applicant's and the establishment's, never the ID or the CR (the case is theirs). */
const CORRECTABLE = ['applicant/name', 'applicant/mobile', 'establishment/tradeName', 'establishment/district', 'establishment/areaSqm', 'establishment/location'] as const;
const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);
const csrfField = (session: ConsoleSession) => html`<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">`;
const caseUrl = (id: string) => `/console/applications/${encodeURIComponent(id)}`;
const banner = (w: Words, title: Parameters<Words['t']>[0], message: string) => html`<div class="error-summary" role="alert" tabindex="-1"><h2>${w.t(title)}</h2><p>${message}</p></div>`;

/** The parts of the case page only some may act on: the correction link, the visit's answer, the comments. */
export async function caseActions(app: FastifyInstance, w: Words, session: ConsoleSession, c: CaseView): Promise<Html> {
  const p = session.principal;
  const open = c.status === 'in_progress';
  const correct =
    open && c.stage === 'awaiting_correction' && can(p, Operation.applicationCorrect)
      ? html`<p><a class="button" href="${caseUrl(c.id)}/correct">${w.t('case.correct')}</a></p>`
      : '';
  const visit = c.visit
    ? html`<section aria-labelledby="visit"><h2 id="visit">${w.t('case.visit')}</h2>
${c.visit.status === 'to_schedule' ? html`<p>${w.t('case.visit.to_schedule')}</p>` : ''}
${c.visit.slot ? html`<p><strong>${w.t(c.visit.status === 'confirmed' ? 'case.visit.confirmed' : 'case.visit.proposed')}:</strong> <time datetime="${c.visit.slot}">${w.instant(c.visit.slot)[0]}</time> <span class="hijri">${w.instant(c.visit.slot)[1]}</span></p>` : ''}
${
  open && c.visit.status === 'proposed' && can(p, Operation.applicationCorrect)
    ? html`<form method="post" action="${caseUrl(c.id)}/visit">${csrfField(session)}<input type="hidden" name="answer" value="confirm"><button type="submit">${w.t('case.visit.confirm')}</button></form>
<form method="post" action="${caseUrl(c.id)}/visit" class="filing">${csrfField(session)}<input type="hidden" name="answer" value="move">
<label for="visit-slot">${w.t('case.visit.slot')}</label><input type="datetime-local" id="visit-slot" name="slot" dir="ltr">
<div><button type="submit" class="secondary">${w.t('case.visit.move')}</button></div></form>`
    : ''
}</section>`
    : '';
  let comments: Html | string = '';
  if (can(p, Operation.commentRead)) {
    const { items } = await app.inbox.comments(c.id, p);
    comments = html`<section aria-labelledby="comments"><h2 id="comments">${w.t('case.comments')}</h2><p class="hint">${w.t('case.comments.hint')}</p>
${items.length === 0 ? html`<p>${w.t('case.comments.none')}</p>` : html`<ul class="comments">${items.map((m) => html`<li><p>${m.body}</p><p class="hint">${m.authorName ?? ltr(m.authorId)} · <time datetime="${m.at}">${w.instant(m.at)[0]}</time></p></li>`)}</ul>`}
${
  can(p, Operation.commentWrite)
    ? html`<form method="post" action="${caseUrl(c.id)}/comments">${csrfField(session)}<label for="comment-body">${w.t('case.comments.body')}</label>
<textarea id="comment-body" name="body" rows="3" maxlength="4000"></textarea><div><button type="submit" class="secondary">${w.t('case.comments.add')}</button></div></form>`
    : ''
}</section>`;
  }
  return html`${correct}${visit}${comments}`;
}

/** The correction form: the deficiencies, a file for each document asked for, the details they name, the workers if they are named, a note. */
function correctionForm(w: Words, session: ConsoleSession, c: CaseView, refusal?: string): Html {
  const fields = new Set(c.deficiencies.map((d) => d.field));
  const askedDocs = DOCUMENT_TYPES.filter((t) => fields.has(`documents/${t}`));
  const details = CORRECTABLE.filter((f) => [...fields].some((d) => d.startsWith(f)));
  const workersNamed = [...fields].some((f) => f.startsWith('workers'));
  const est = c.establishment as unknown as Record<string, unknown> & { location?: { lat: number; lng: number } };
  const current = (path: string): string => {
    const [part, key] = path.split('/') as ['applicant' | 'establishment', string];
    const v = part === 'applicant' ? (c.applicant as Record<string, unknown>)[key] : est[key];
    return v === undefined || v === null ? '' : String(v);
  };
  const fileInput = (name: string) => html`<label for="${name}">${w.t('file.field.document/file')}</label>
<input type="file" id="${name}" name="${name}">
<label for="${name}-expiresOn">${w.t('file.field.document/expiresOn')}</label><p class="hint" id="${name}-expiresOn-hint">${w.t('case.correct.expiryHint')}</p>
<input type="date" id="${name}-expiresOn" name="${name}-expiresOn" dir="ltr" aria-describedby="${name}-expiresOn-hint">`;
  return html`<p><a class="back" href="${caseUrl(c.id)}">${w.t('file.back')}</a></p>${refusal ? banner(w, 'case.correct.refused', refusal) : ''}
<h1>${w.t('case.correct.title')}</h1><p>${w.t('case.correct.intro')}</p>
<section aria-labelledby="deficiencies"><h2 id="deficiencies">${w.t('case.deficiencies')}</h2>
<ul class="deficiencies">${c.deficiencies.map((d) => html`<li>${w.locale === 'ar' ? d.messageAr : d.messageEn}</li>`)}</ul></section>
<form method="post" action="${caseUrl(c.id)}/correct" enctype="multipart/form-data" class="filing">${csrfField(session)}
${
  askedDocs.length
    ? html`<h2>${w.t('case.correct.documents')}</h2>${askedDocs.map((t) => html`<fieldset class="document"><legend>${w.t(`documentType.${t}`)}</legend>${fileInput(`file:${t}`)}</fieldset>`)}`
    : ''
}
${
  details.length
    ? html`<h2>${w.t('case.correct.fields')}</h2>${details.map((f) =>
        f === 'establishment/location'
          ? html`<div class="field"><label for="f-lat">${w.t('file.field.establishment/location/lat')}</label><p class="hint" id="f-lat-hint">${w.t('file.hint.location')}</p><input type="text" class="short" id="f-lat" name="establishment/location/lat" dir="ltr" inputmode="decimal" aria-describedby="f-lat-hint" value="${est.location?.lat ?? ''}">
<label for="f-lng">${w.t('file.field.establishment/location/lng')}</label><input type="text" class="short" id="f-lng" name="establishment/location/lng" dir="ltr" inputmode="decimal" value="${est.location?.lng ?? ''}"></div>`
          : html`<div class="field"><label for="f-${f.replace('/', '-')}">${w.t(`file.field.${f}`)}</label><input type="text" id="f-${f.replace('/', '-')}" name="${f}" value="${current(f)}"></div>`,
      )}`
    : ''
}
${
  workersNamed
    ? html`<h2>${w.t('case.correct.workers')}</h2>${[...c.workers, { name: '', healthCertificateNumber: '', healthCertificateExpiry: '' }].map(
        (x, i) => html`<fieldset class="document"><legend>${i < c.workers.length ? html`<bdi>${x.name}</bdi>` : w.t('case.correct.newWorker')}</legend>
<label for="w-${i}-name">${w.t('file.field.worker/name')}</label><input type="text" id="w-${i}-name" name="workers/${i}/name" value="${x.name}">
<label for="w-${i}-number">${w.t('file.field.worker/healthCertificateNumber')}</label><input type="text" id="w-${i}-number" name="workers/${i}/healthCertificateNumber" dir="ltr" value="${x.healthCertificateNumber}">
<label for="w-${i}-expiry">${w.t('file.field.worker/healthCertificateExpiry')}</label><input type="date" id="w-${i}-expiry" name="workers/${i}/healthCertificateExpiry" dir="ltr" value="${x.healthCertificateExpiry}"></fieldset>`,
      )}`
    : ''
}
<fieldset class="document"><legend>${w.t('case.correct.another')}</legend>
<label for="another-type">${w.t('case.correct.anotherType')}</label>
<select id="another-type" name="another-type"><option value="">${w.t('case.correct.anotherNone')}</option>${DOCUMENT_TYPES.map((t) => html`<option value="${t}">${w.t(`documentType.${t}`)}</option>`)}</select>
${fileInput('file:another')}</fieldset>
<label for="note">${w.t('case.correct.note')} <span class="hint">${w.t('file.optional')}</span></label><textarea id="note" name="note" rows="3" maxlength="2000"></textarea>
<div><button type="submit">${w.t('case.correct.submit')}</button></div>
</form>`;
}

/** The correction the form says: the details as typed (only those that changed), the workers as listed, the note. */
function correctionOf(form: MultipartForm, c: CaseView): Record<string, unknown> {
  const body: Record<string, Record<string, unknown> | unknown> = {};
  const applicant: Record<string, unknown> = {};
  const establishment: Record<string, unknown> = {};
  for (const f of CORRECTABLE) {
    if (f === 'establishment/location') {
      const lat = textOf(form, 'establishment/location/lat')?.trim();
      const lng = textOf(form, 'establishment/location/lng')?.trim();
      if (lat || lng) establishment.location = { lat: Number(lat), lng: Number(lng) };
      continue;
    }
    const v = textOf(form, f)?.trim();
    if (v === undefined) continue;
    const [part, key] = f.split('/') as ['applicant' | 'establishment', string];
    const typed = key === 'areaSqm' ? Number(v) : v;
    const was = part === 'applicant' ? (c.applicant as Record<string, unknown>)[key] : (c.establishment as unknown as Record<string, unknown>)[key];
    if (typed !== was) (part === 'applicant' ? applicant : establishment)[key] = typed;
  }
  if (Object.keys(applicant).length) body.applicant = applicant;
  if (Object.keys(establishment).length) body.establishment = establishment;
  if (textOf(form, 'workers/0/name') !== undefined) {
    const workers = [];
    for (let i = 0; textOf(form, `workers/${i}/name`) !== undefined; i++) {
      const w = { name: textOf(form, `workers/${i}/name`)!.trim(), healthCertificateNumber: textOf(form, `workers/${i}/healthCertificateNumber`)?.trim() ?? '', healthCertificateExpiry: textOf(form, `workers/${i}/healthCertificateExpiry`)?.trim() ?? '' };
      // The blank row for a new worker, left blank.
      if (w.name || w.healthCertificateNumber || w.healthCertificateExpiry) workers.push(w);
    }
    body.workers = workers;
  }
  const note = textOf(form, 'note')?.trim();
  if (note) body.note = note;
  return body;
}

export interface CaseActionOptions {
  config: Config;
}

const caseActionPages: FastifyPluginAsync<CaseActionOptions> = async (app, { config }) => {
  async function correctionPage(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, session: ConsoleSession, refusal?: string) {
    const w = words(localeOf(req, reply));
    const c = await app.applications.get(req.params.id, session.principal);
    const path = `${caseUrl(c.id)}/correct`;
    const body = c.status === 'in_progress' && c.stage === 'awaiting_correction' ? correctionForm(w, session, c, refusal) : html`<div class="panel bad" role="status"><h2>${w.t('case.correct.notOpen')}</h2></div><p><a href="${caseUrl(c.id)}">${c.tradeName}</a></p>`;
    return send(reply, refusal ? 400 : 200, layout(w, { title: 'case.correct.title', path, body, home: '/console' }));
  }

  app.get<{ Params: { id: string } }>('/console/applications/:id/correct', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.applicationCorrect);
    if (!session) return reply;
    return correctionPage(req, reply, session);
  });

  await withUploads(app, { maxBytes: config.documents.maxBytes, files: MAX_CORRECTION_FILES, fields: MAX_CORRECTION_FIELDS }, (uploads) => {
    uploads.post<{ Params: { id: string } }>('/console/applications/:id/correct', { config: { public: true, operation: Operation.applicationCorrect, target: 'application' }, schema: { hide: true } }, async (req, reply) => {
      const session = signedIn(req, reply, Operation.applicationCorrect);
      if (!session) return reply;
      const w = words(localeOf(req, reply));
      const form = (req.body ?? {}) as MultipartForm;
      const c = await app.applications.get(req.params.id, session.principal);
      const body = correctionOf(form, c);
      // The files: each asked-for type's, and the one more of the type chosen for it.
      const chosen: [DocumentType, string][] = DOCUMENT_TYPES.map((t) => [t, `file:${t}`]);
      const another = textOf(form, 'another-type');
      if (another && (DOCUMENT_TYPES as readonly string[]).includes(another)) chosen.push([another as DocumentType, 'file:another']);
      const documents: { type: DocumentType; documentId: string }[] = [];
      for (const [type, name] of chosen) {
        const file = fileOf(form, name);
        if (!file) continue;
        if (file.truncated) return correctionPage(req, reply, session, w.t('file.upload.file_too_large'));
        try {
          const expiresOn = textOf(form, `${name}-expiresOn`)?.trim() || undefined;
          const { document } = await app.documents.upload({ type, expiresOn, file: { bytes: await file.bytes(), filename: file.filename } }, session.principal);
          documents.push({ type, documentId: document.id });
        } catch (err) {
          const message = uploadRefusal(w, err);
          if (message === undefined) throw err;
          return correctionPage(req, reply, session, `${w.t(`documentType.${type}`)}: ${message}`);
        }
      }
      if (documents.length) body.documents = documents;
      if (Object.keys(body).length === 0) return correctionPage(req, reply, session, w.t('case.correct.nothing'));
      if (!Value.Check(CorrectionBody, body)) {
        const first = [...Value.Errors(CorrectionBody, body)][0]!;
        return correctionPage(req, reply, session, `body${first.path}: ${first.message}`);
      }
      try {
        await app.applications.correct(c.id, body as CorrectionBody, session.principal);
      } catch (err) {
        const message = refusalOf(err);
        if (message === undefined) throw err;
        return correctionPage(req, reply, session, message);
      }
      return reply.redirect(caseUrl(c.id), 303);
    });
  });

  app.post<{ Params: { id: string } }>('/console/applications/:id/visit', { config: { public: true, operation: Operation.applicationCorrect, target: 'application' }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.applicationCorrect);
    if (!session) return reply;
    const form = (req.body ?? {}) as Record<string, string>;
    const w = words(localeOf(req, reply));
    const slot = form.answer === 'move' ? riyadhInstant(form.slot) : undefined;
    const refused = (message: string) => caseWithBanner(req, reply, session, banner(w, 'case.visit.refused', message));
    if (form.answer === 'move' && !slot) return refused(w.t('case.visit.badSlot'));
    try {
      await app.inbox.answerVisit(req.params.id, slot ? { slot } : { confirm: true }, session.principal);
    } catch (err) {
      const message = refusalOf(err);
      if (message === undefined) throw err;
      return refused(message);
    }
    return reply.redirect(caseUrl(req.params.id), 303);
  });

  app.post<{ Params: { id: string } }>('/console/applications/:id/comments', { config: { public: true, operation: Operation.commentWrite, target: 'application' }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.commentWrite);
    if (!session) return reply;
    const text = ((req.body ?? {}) as Record<string, string>).body?.trim() ?? '';
    const w = words(localeOf(req, reply));
    if (!text) return caseWithBanner(req, reply, session, banner(w, 'case.comments.empty', w.t('case.comments.empty')));
    await app.inbox.comment(req.params.id, { body: text.slice(0, 4000) }, session.principal);
    return reply.redirect(`${caseUrl(req.params.id)}#comments`, 303);
  });

  /** The case page again, with why the change was not made on top. */
  async function caseWithBanner(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, session: ConsoleSession, top: Html) {
    const w = words(localeOf(req, reply));
    const c = await app.applications.get(req.params.id, session.principal);
    const body = html`${top}${casePage(w, c, { actions: await caseActions(app, w, session, c) })}`;
    return send(reply, 400, layout(w, { title: 'case.title', path: caseUrl(c.id), body, home: '/console' }));
  }
};

export default caseActionPages;
