// The console's home: who is signed in, in words, and the way out. The
// screens of issue #17 (filing, the inbox, the case page) will start here.
import type { FastifyPluginAsync } from 'fastify';
import { can, Operation } from '../../domain/access';
import { html, layout } from '../html';
import { localeOf, words } from '../i18n';
import { CSRF_FIELD, signedIn } from '../auth/plugin';
import { maySupervise } from '../supervision/views';
import { FEES_PATH } from '../payments/fees';
import { PAYMENTS_PATH } from '../payments/routes';

const homePage: FastifyPluginAsync = async (app) => {
  app.get('/console', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const p = session.principal;
    const roles = p.roles.length ? p.roles.map((r) => w.t(`role.${r}`)).join(w.t('list.separator')) : w.t('console.noRoles');
    const body = html`<h1>${w.t('console.title')}</h1>
<h2>${w.t('console.signedInAs')}</h2>
<dl class="summary">
  <dt>${w.t('console.user')}</dt><dd id="signed-in-name">${p.name ?? p.id}</dd>
  <dt>${w.t('console.roles')}</dt><dd>${roles}</dd>
</dl>
<nav aria-label="${w.t('console.title')}"><ul class="tabs">
  ${can(p, Operation.applicationSubmit) ? html`<li><a href="/console/file">${w.t('file.title')}</a></li>` : ''}
  ${can(p, Operation.applicationRead) ? html`<li><a href="/console/applications">${w.t('list.title')}</a></li>` : ''}
  ${can(p, Operation.taskRead) ? html`<li><a href="/console/tasks">${w.t('inbox.title')}</a></li>` : ''}
  ${can(p, Operation.notificationRead) ? html`<li><a href="/console/escalations">${w.t('escalations.title')}</a></li>` : ''}
  ${can(p, Operation.operationsRead) ? html`<li><a href="/console/operations">${w.t('ops.title')}</a></li>` : ''}
  ${can(p, Operation.auditRead) ? html`<li><a href="/console/audit">${w.t('audit.title')}</a></li>` : ''}
  ${can(p, Operation.reportRead) ? html`<li><a href="/console/reports">${w.t('reports.title')}</a></li>` : ''}
  ${can(p, Operation.paymentRead) ? html`<li><a href="${FEES_PATH}">${w.t('fees.title')}</a></li><li><a href="${PAYMENTS_PATH}">${w.t('payments.title')}</a></li>` : ''}
  ${maySupervise(p) ? html`<li><a href="/console/offices">${w.t('offices.title')}</a></li><li><a href="/console/accreditation-rounds">${w.t('rounds.title')}</a></li>` : ''}
</ul></nav>
<form method="post" action="/console/logout">
  <input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">
  <button type="submit">${w.t('console.signOut')}</button>
</form>`;
    return reply.header('content-type', 'text/html; charset=utf-8').send(layout(w, { title: 'console.title', path: '/console', body, home: '/console' }));
  });
};

export default homePage;
