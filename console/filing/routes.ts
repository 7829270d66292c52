// Filing an application from the console, one page a step, then "check your
// answers". The draft is kept between pages (console/filing/store.ts); each
// page's fields are checked with the API's schemas, and what the case would
// meet with POST /applications/validate's own service, as the clerk goes. The
// filing is the API's submit, keyed by the draft: pressing "file" twice, or
// from two tabs, answers the one case.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { Operation, Role, type Principal } from '../../domain/access';
import { requirementsOf } from '../../domain/rules';
import type { Deficiency } from '../../domain/application';
import { ApplicationBody, type DraftBody } from '../../api/applications/schemas';
import { HttpError } from '../../api/errors';
import type { Config } from '../../config';
import { signedIn, type ConsoleSession } from '../auth/plugin';
import { html, layout, toString, type Html } from '../html';
import { localeOf, words } from '../i18n';
import type { MessageKey } from '../catalogue';
import { FILING_MESSAGES } from './messages';
import { refusalOf } from '../refusal';
import { DraftStore, type Draft } from './store';
import { fileOf, textOf, withUploads, type MultipartForm } from '../uploads';
import { errorKey, fieldErrors, isStep, wellFormed, STEP_FIELDS, STEPS, STEP_PREFIXES, stepsFor, withFields, workerOf, type Step } from './steps';
import { checkPage, checkSoFar, documentsStep, fieldsStep, officeStep, startPage, workersStep, type StepContext } from './view';

/** As many workers as a page lists and a form post carries comfortably; a larger team files through the API (which takes 500). */
const MAX_CONSOLE_WORKERS = 100;
/** A municipality's accredited offices fit one list; the API's own limit for a page of offices. */
const MAX_LISTED_OFFICES = 500;
/** The upload form's text parts: the CSRF token, the type, the expiry. */
const UPLOAD_FIELDS = 3;

const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);
const MAY_FILE = Operation.applicationSubmit;


export interface FilingOptions {
  config: Config;
}

const filingPages: FastifyPluginAsync<FilingOptions> = async (app, { config }) => {
  const drafts = new DraftStore(app.db);

  /** A new draft starts with what the session already says: an applicant files under their own ID. */
  const seed = (p: Principal): DraftBody => (p.nationalId && p.roles.includes(Role.applicant) ? { applicant: { nationalId: p.nationalId } } : {});
  const fixedFields = (p: Principal) => new Set(p.nationalId && p.roles.includes(Role.applicant) ? ['applicant/nationalId'] : []);

  /** What filing this draft needs, once its kind and activity are known. */
  async function needs(body: DraftBody) {
    const kind = body.licenseKind;
    const isic = body.establishment?.isicCode;
    if (!kind || !isic) return undefined;
    const rules = await app.applications.filingRules();
    const req = requirementsOf(rules, kind, isic);
    return { ...req, rules: req.documents.map((type) => ({ type, rule: rules.documents[type] })) };
  }

  /** What the completeness and conditions checks would find; an upload the service refuses (taken meanwhile) is a deficiency too. */
  async function deficienciesOf(body: DraftBody, p: Principal): Promise<Deficiency[]> {
    try {
      return (await app.applications.validate(body, p)).deficiencies;
    } catch (err) {
      const message = refusalOf(err);
      if (message === undefined) throw err;
      return [{ code: 'DRAFT_REFUSED', field: 'documents', messageAr: message, messageEn: message }];
    }
  }

  async function draftOf(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, session: ConsoleSession): Promise<Draft | undefined> {
    const draft = await drafts.get(req.params.id.slice(0, 60), session.principal.id);
    if (!draft) {
      const w = words(localeOf(req, reply));
      void send(reply, 404, layout(w, { title: 'file.title', body: html`<div class="panel bad" role="status"><h2>${w.t('file.notFound')}</h2></div>`, home: '/console' }));
      return undefined;
    }
    // Filed already (from another tab, or the back button): its case is where it lives now.
    if (draft.applicationId) {
      void reply.redirect(`/console/applications/${encodeURIComponent(draft.applicationId)}`, 303);
      return undefined;
    }
    return draft;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, draft: Draft, step: Step, extra: Partial<StepContext> = {}, status = 200) {
    const w = words(localeOf(req, reply));
    const need = await needs(draft.data.body);
    const steps = stepsFor(session.principal, need?.workers ?? false);
    // A step this draft does not have (workers for a shop that needs none): the next one it has.
    const at = steps.includes(step) ? step : steps.find((s) => STEPS_ORDER(s) > STEPS_ORDER(step)) ?? 'check';
    const deficiencies = extra.deficiencies ?? (await deficienciesOf(draft.data.body, session.principal));
    const returnToCheck = (req.query as { return?: string }).return === 'check' || (req.body as { return?: string } | undefined)?.return === 'check';
    const c: StepContext = { w, csrf: session.csrf, draft, steps, step: at, deficiencies, returnToCheck, ...extra };
    let body: Html;
    if (at === 'workers') body = workersStep(c);
    else if (at === 'documents') body = documentsStep(c, need?.rules);
    else if (at === 'check') body = checkPage(c);
    else if (at === 'office') body = officeStep(c, (await app.offices.list({ status: 'accredited', limit: MAX_LISTED_OFFICES }, session.principal)).items);
    else body = fieldsStep(c, at, { fixed: fixedFields(session.principal) });
    const path = `/console/file/${encodeURIComponent(draft.id)}/${at}`;
    // live: the plain steps check what is typed as it is typed (htmx), and work as plain forms without it.
    return send(reply, status, layout(w, { title: at === 'check' ? 'file.step.check' : 'file.title', path, body, home: '/console', live: true }));
  }

  /** Where "continue" leads: the check page when the person came from it, else the step after this one. */
  async function next(reply: FastifyReply, session: ConsoleSession, draft: Draft, step: Step, form: Record<string, string>) {
    const need = await needs(draft.data.body);
    const steps = stepsFor(session.principal, need?.workers ?? false);
    const after = form.return === 'check' ? 'check' : (steps.find((s) => STEPS_ORDER(s) > STEPS_ORDER(step)) ?? 'check');
    return reply.redirect(`/console/file/${encodeURIComponent(draft.id)}/${after}`, 303);
  }

  app.get('/console/file', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, MAY_FILE);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const body = startPage(w, session.csrf, await drafts.open(session.principal.id));
    return send(reply, 200, layout(w, { title: 'file.title', path: '/console/file', body, home: '/console' }));
  });

  app.post('/console/file', { config: { public: true, operation: MAY_FILE }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, MAY_FILE);
    if (!session) return reply;
    const draft = await drafts.create(session.principal.id, seed(session.principal));
    return reply.redirect(`/console/file/${encodeURIComponent(draft.id)}/kind`, 303);
  });

  app.get<{ Params: { id: string } }>('/console/file/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, MAY_FILE);
    if (!session) return reply;
    const draft = await draftOf(req, reply, session);
    if (!draft) return reply;
    return reply.redirect(`/console/file/${encodeURIComponent(draft.id)}/kind`, 303);
  });

  app.get<{ Params: { id: string; step: string } }>('/console/file/:id/:step', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, MAY_FILE);
    if (!session) return reply;
    const draft = await draftOf(req, reply, session);
    if (!draft) return reply;
    return render(req, reply, session, draft, isStep(req.params.step) ? req.params.step : 'kind');
  });

  /** A plain step's fields: refused by name and shown again as typed, or saved and on to the next. */
  async function saveFields(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, draft: Draft, step: keyof typeof STEP_FIELDS, form: Record<string, string>) {
    const body = withFields(draft.data.body, STEP_FIELDS[step], { ...form, ...fixedValues(session.principal) });
    const errors = fieldErrors(body, STEP_PREFIXES[step]);
    if (errors.size > 0) return render(req, reply, session, draft, step, { errors: errors as Map<string, MessageKey>, typed: form }, 400);
    await drafts.save(draft.id, session.principal.id, { ...draft.data, body });
    return next(reply, session, { ...draft, data: { ...draft.data, body } }, step, form);
  }
  const fixedValues = (p: Principal): Record<string, string> => (p.nationalId && p.roles.includes(Role.applicant) ? { 'applicant/nationalId': p.nationalId } : {});

  async function saveWorkers(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, draft: Draft, form: Record<string, string>) {
    const workers = [...(draft.data.body.workers ?? [])];
    const action = form.action ?? 'continue';
    if (action === 'add') {
      const typed = workerOf(form);
      if ('errors' in typed) return render(req, reply, session, draft, 'workers', { errors: typed.errors as Map<string, MessageKey>, typed: form }, 400);
      if (workers.length >= MAX_CONSOLE_WORKERS) return render(req, reply, session, draft, 'workers', { errors: new Map([['worker/name', 'file.error.workers/full']]), typed: form }, 400);
      workers.push(typed.worker);
    } else if (action.startsWith('remove-')) {
      workers.splice(Number(action.slice('remove-'.length)), 1);
    } else {
      return next(reply, session, draft, 'workers', form);
    }
    const body = { ...draft.data.body, workers };
    await drafts.save(draft.id, session.principal.id, { ...draft.data, body });
    return reply.redirect(`/console/file/${encodeURIComponent(draft.id)}/workers${form.return === 'check' ? '?return=check' : ''}`, 303);
  }

  /** Takes an upload out of the draft, and back from the documents store (no case has it). */
  async function removeDocument(session: ConsoleSession, draft: Draft, type: string) {
    const documents = draft.data.body.documents ?? [];
    const gone = documents.find((d) => d.type === type);
    if (!gone) return draft;
    const files = { ...draft.data.files };
    if (gone.documentId) {
      delete files[gone.documentId];
      await app.documents.remove(gone.documentId, session.principal).catch((err: unknown) => {
        // Already taken back, or swept: the draft lets go of it all the same.
        if (!(err instanceof HttpError && err.statusCode < 500)) throw err;
      });
    }
    const data = { body: { ...draft.data.body, documents: documents.filter((d) => d !== gone) }, files };
    await drafts.save(draft.id, session.principal.id, data);
    return { ...draft, data };
  }

  app.post<{ Params: { id: string; step: string } }>('/console/file/:id/:step', { config: { public: true, operation: MAY_FILE }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, MAY_FILE);
    if (!session) return reply;
    const draft = await draftOf(req, reply, session);
    if (!draft) return reply;
    const form = (req.body ?? {}) as Record<string, string>;
    const step = req.params.step;
    if (step === 'workers') return saveWorkers(req, reply, session, draft, form);
    if (step === 'documents') {
      if (form.action === 'remove') {
        await removeDocument(session, draft, form.type ?? '');
        return reply.redirect(`/console/file/${encodeURIComponent(draft.id)}/documents${form.return === 'check' ? '?return=check' : ''}`, 303);
      }
      return next(reply, session, draft, 'documents', form);
    }
    if (step === 'check') return file(req, reply, session, draft);
    if (step in STEP_FIELDS) return saveFields(req, reply, session, draft, step as keyof typeof STEP_FIELDS, form);
    return reply.redirect(`/console/file/${encodeURIComponent(draft.id)}/kind`, 303);
  });

  // As the clerk types (htmx posts the form on change): the check of what is typed, saving nothing.
  app.post<{ Params: { id: string; step: string } }>('/console/file/:id/:step/live', { config: { public: true, operation: MAY_FILE, readOnly: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, MAY_FILE);
    if (!session) return reply;
    const draft = await draftOf(req, reply, session);
    if (!draft) return reply;
    const step = req.params.step;
    if (!(step in STEP_FIELDS)) return reply.status(404).send();
    const w = words(localeOf(req, reply));
    const body = withFields(draft.data.body, STEP_FIELDS[step as keyof typeof STEP_FIELDS], { ...(req.body as Record<string, string>), ...fixedValues(session.principal) });
    // A field the schema refuses is the form's own error when it is sent; the check reads only what is well-formed.
    return send(reply, 200, toString(checkSoFar(w, step as Step, await deficienciesOf(wellFormed(body), session.principal))));
  });

  /** The filing: the API's own schema and submit, keyed by the draft. */
  async function file(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, draft: Draft) {
    const body = draft.data.body;
    const errors = fieldErrors(body as DraftBody, ['']);
    if (!Value.Check(ApplicationBody, { documents: [], ...body })) {
      // What is still missing, each named, with a link to its step.
      for (const e of Value.Errors(ApplicationBody, { documents: [], ...body })) {
        const path = e.path.replace(/^\//, '');
        if (!errors.has(path)) errors.set(path, errorKey(path) ?? 'file.errorsTitle');
      }
      return render(req, reply, session, draft, 'check', { errors: errors as Map<string, MessageKey> }, 400);
    }
    try {
      const { id } = await app.applications.submit({ documents: [], ...body } as ApplicationBody, session.principal, `console-draft:${draft.id}`);
      await drafts.filed(draft.id, session.principal.id, id);
      req.auditDetails = { draftId: draft.id, applicationId: id };
      return reply.redirect(`/console/applications/${encodeURIComponent(id)}`, 303);
    } catch (err) {
      const message = refusalOf(err);
      if (message === undefined) throw err;
      return render(req, reply, session, draft, 'check', { refusal: { title: 'file.check.refused', message } }, err instanceof HttpError ? err.statusCode : 400);
    }
  }

  // Uploads: a multipart form of their own (console/uploads.ts).
  await withUploads(app, { maxBytes: config.documents.maxBytes, files: 1, fields: UPLOAD_FIELDS }, (uploads) => {
    uploads.post<{ Params: { id: string } }>('/console/file/:id/documents/upload', { config: { public: true, operation: MAY_FILE, target: 'document' }, schema: { hide: true } }, async (req, reply) => {
      const session = signedIn(req, reply, MAY_FILE);
      if (!session) return reply;
      const draft = await draftOf(req, reply, session);
      if (!draft) return reply;
      const form = (req.body ?? {}) as MultipartForm;
      const type = textOf(form, 'type') ?? '';
      const expiresOn = textOf(form, 'expiresOn')?.trim() || undefined;
      const chosen = fileOf(form, 'file');
      const refuse = (message: string) => render(req, reply, session, draft, 'documents', { refusal: { title: 'file.upload.refused', message } }, 400);
      const w = words(localeOf(req, reply));
      if (!chosen) return refuse(w.t('file.error.document/file'));
      if (chosen.truncated) return refuse(w.t('file.upload.file_too_large'));
      try {
        const { document } = await app.documents.upload({ type, expiresOn, file: { bytes: await chosen.bytes(), filename: chosen.filename } }, session.principal);
        // One file a type: the one it replaces goes back (no case has it).
        const replaced = await removeDocument(session, draft, type);
        const data = {
          body: { ...replaced.data.body, documents: [...(replaced.data.body.documents ?? []), { type: document.type, documentId: document.id }] },
          files: { ...replaced.data.files, [document.id]: { name: document.name, sizeBytes: document.sizeBytes, expiresOn: document.expiresOn } },
        };
        await drafts.save(draft.id, session.principal.id, data);
      } catch (err) {
        const message = uploadRefusal(w, err);
        if (message === undefined) throw err;
        return refuse(message);
      }
      return reply.redirect(`/console/file/${encodeURIComponent(draft.id)}/documents`, 303);
    });
  });
};

const STEPS_ORDER = (s: Step) => STEPS.indexOf(s);

/** An upload the documents service refused, in the page's words where they are the file's own fault; undefined for a fault of ours. */
export function uploadRefusal(w: ReturnType<typeof words>, err: unknown): string | undefined {
  if (!(err instanceof HttpError) || err.statusCode >= 500) return undefined;
  // The rest (a bad date, a type this office may not file) as the API names them.
  const known = `file.upload.${err.code}`;
  return known in FILING_MESSAGES.ar ? w.t(known as MessageKey) : err.message;
}

export default filingPages;
