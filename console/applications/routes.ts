// The case page and the files it opens, for whoever signed in may see the case:
// the same call as GET /applications/:id, the same scope, the same 404.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { HttpError } from '../../api/errors';
import { signedIn } from '../auth/plugin';
import { html, layout } from '../html';
import { localeOf, words } from '../i18n';
import { casePage } from './view';

const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);
const notFound = (err: unknown) => err instanceof HttpError && (err.statusCode === 404 || err.statusCode === 400);

const applicationPages: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { id: string } }>('/console/applications/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const path = `/console/applications/${encodeURIComponent(req.params.id)}`;
    try {
      const view = await app.applications.get(req.params.id, session.principal);
      return send(reply, 200, layout(w, { title: 'case.title', path, body: casePage(w, view), home: '/console' }));
    } catch (err) {
      if (!notFound(err)) throw err;
      const body = html`<div class="panel bad" role="status"><h2>${w.t('case.notFound')}</h2></div>`;
      return send(reply, 404, layout(w, { title: 'case.title', path, body, home: '/console' }));
    }
  });

  // The documents open inside the console's session; the API's GET /documents/:id wants a bearer token.
  app.get<{ Params: { id: string } }>('/console/documents/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply);
    if (!session) return reply;
    const { bytes, headers } = await app.documents.download(req.params.id, session.principal, 'inline');
    return reply.headers(headers).send(bytes);
  });
};

export default applicationPages;
