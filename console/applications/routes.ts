// The case page and the files it opens, for whoever signed in may see the case:
// the same call as GET /applications/:id, the same scope, the same 404.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { HttpError } from '../../api/errors';
import { can, Operation, type Principal } from '../../domain/access';
import { signedIn } from '../auth/plugin';
import type { Config } from '../../config';
import { html, layout, ltr, toString } from '../html';
import { localeOf, words } from '../i18n';
import { caseActions } from './actions';
import { renewalInvoice } from '../payments/invoice';
import { casePage, caseStatus, invoices, statusContent, timeline, type CaseView } from './view';

const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);
const notFound = (err: unknown) => err instanceof HttpError && (err.statusCode === 404 || err.statusCode === 400);

/** A page of cases: an office's week fits; the rest is a click away. */
const PAGE_SIZE = 25;

export interface ApplicationPagesOptions {
  config: Config;
}

const applicationPages: FastifyPluginAsync<ApplicationPagesOptions> = async (app, { config }) => {
  /** The case's license's timeline, where a renewal's invoice waits, for whoever may read it (the holder, its office, the municipality). */
  const licenseTimeline = async (view: CaseView, p: Principal) => {
    if (!view.license || !can(p, Operation.licenseRead)) return undefined;
    return app.licenses.timeline(view.license.number, p).catch((err: unknown) => {
      if (notFound(err)) return undefined;
      throw err;
    });
  };

  // The caller's cases, newest first: an applicant's own, an office's, or (the municipality) all.
  app.get('/console/applications', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.applicationRead);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const cursor = (req.query as { cursor?: unknown }).cursor;
    const list = (c?: string) => app.applications.list({ limit: PAGE_SIZE, ...(c ? { cursor: c } : {}) }, session.principal);
    // A stale or foreign cursor: the first page rather than an error.
    const page = await (typeof cursor === 'string' ? list(cursor.slice(0, 300)).catch(() => list()) : list());
    const body = html`<h1>${w.t('list.title')}</h1>
${
  page.items.length === 0
    ? html`<p>${w.t('list.empty')}</p>`
    : html`<table class="tasks"><thead><tr><th scope="col">${w.t('list.col.case')}</th><th scope="col">${w.t('list.col.status')}</th><th scope="col">${w.t('list.col.submittedAt')}</th></tr></thead>
<tbody>${page.items.map(
        (c) => html`<tr><td><a href="/console/applications/${encodeURIComponent(c.id)}">${c.tradeName}</a><br>${ltr(c.id)}</td>
<td>${w.t(`status.${c.status}`)}${c.status === 'in_progress' ? html` · ${w.t(`stage.${c.stage}`)}` : ''}</td><td>${w.date(c.submittedAt.slice(0, 10))[0]}</td></tr>`,
      )}</tbody></table>`
}
${page.nextCursor ? html`<p><a href="/console/applications?cursor=${encodeURIComponent(page.nextCursor)}">${w.t('list.next')}</a></p>` : ''}`;
    return send(reply, 200, layout(w, { title: 'list.title', path: '/console/applications', body, home: '/console' }));
  });

  app.get<{ Params: { id: string } }>('/console/applications/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.applicationRead);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const path = `/console/applications/${encodeURIComponent(req.params.id)}`;
    try {
      const view = await app.applications.get(req.params.id, session.principal);
      const live = { url: `${path}/status`, everyMs: config.console.pageRefreshMs };
      const [actions, licensed] = await Promise.all([caseActions(app, w, session, view), licenseTimeline(view, session.principal)]);
      const renewal = licensed ? renewalInvoice(w, licensed) : undefined;
      return send(reply, 200, layout(w, { title: 'case.title', path, body: casePage(w, view, { actions, live, renewal }), home: '/console', live: true }));
    } catch (err) {
      if (!notFound(err)) throw err;
      const body = html`<div class="panel bad" role="status"><h2>${w.t('case.notFound')}</h2></div>`;
      return send(reply, 404, layout(w, { title: 'case.title', path, body, home: '/console' }));
    }
  });

  // The case page's live part: where the case stands, and its timeline beside it. Same call, same scope, same 404 (which htmx leaves unswapped).
  app.get<{ Params: { id: string } }>('/console/applications/:id/status', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.applicationRead);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    let view: CaseView;
    try {
      view = await app.applications.get(req.params.id, session.principal);
    } catch (err) {
      if (!notFound(err)) throw err;
      return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('not found');
    }
    const status = view.status === 'in_progress' ? statusContent(w, view) : caseStatus(w, view);
    // Closed: the panel whole (its colour may change), with nothing left to ask.
    if (view.status !== 'in_progress') reply.header('hx-reswap', 'outerHTML');
    return send(reply, 200, toString(html`${status}${timeline(w, view, true)}${invoices(w, view, true)}`));
  });

  // The documents open inside the console's session; the API's GET /documents/:id wants a bearer token.
  app.get<{ Params: { id: string } }>('/console/documents/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.applicationRead);
    if (!session) return reply;
    const { bytes, headers } = await app.documents.download(req.params.id, session.principal, 'inline');
    return reply.headers(headers).send(bytes);
  });
};

export default applicationPages;
