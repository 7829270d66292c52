// The audit log for those who may read it (GET /audit's filters): who did
// what, when, on which case or office, and how it ended, newest first.
import type { FastifyPluginAsync } from 'fastify';
import { Operation } from '../../domain/access';
import { APPLICATION_ID_PATTERN } from '../../domain/identifiers';
import { OFFICE_ID_PATTERN } from '../../domain/office';
import { signedIn } from '../auth/plugin';
import { html, layout, ltr } from '../html';
import { localeOf, words } from '../i18n';

/** A screenful: the filters narrow it; "older" pages back. */
const PAGE_SIZE = 50;
const APPLICATION_ID = new RegExp(APPLICATION_ID_PATTERN);
const OFFICE_ID = new RegExp(OFFICE_ID_PATTERN);
/** As the API's query allows: anything else in a field is left out of the filter, not an error page. */
const ACTOR_MAX = 200;

const auditPages: FastifyPluginAsync = async (app) => {
  app.get('/console/audit', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.auditRead);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const q = req.query as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const applicationId = APPLICATION_ID.test(text(q.applicationId)) ? text(q.applicationId) : undefined;
    const officeId = OFFICE_ID.test(text(q.officeId)) ? text(q.officeId) : undefined;
    const actorId = text(q.actorId) && text(q.actorId).length <= ACTOR_MAX ? text(q.actorId) : undefined;
    const before = Number(text(q.before));
    const page = await app.audit.page({ applicationId, officeId, actorId, limit: PAGE_SIZE, ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}) });
    const older = page.nextBefore
      ? `/console/audit?${new URLSearchParams({ ...(applicationId ? { applicationId } : {}), ...(officeId ? { officeId } : {}), ...(actorId ? { actorId } : {}), before: String(page.nextBefore) })}`
      : undefined;
    const body = html`<h1>${w.t('audit.title')}</h1>
<form method="get" action="/console/audit" class="filters" role="search">
  <label for="applicationId">${w.t('audit.applicationId')}</label><input type="text" id="applicationId" name="applicationId" value="${applicationId ?? ''}" dir="ltr" maxlength="40">
  <label for="officeId">${w.t('audit.officeId')}</label><input type="text" id="officeId" name="officeId" value="${officeId ?? ''}" dir="ltr" maxlength="20">
  <label for="actorId">${w.t('audit.actorId')}</label><input type="text" id="actorId" name="actorId" value="${actorId ?? ''}" dir="ltr" maxlength="${ACTOR_MAX}">
  <div><button type="submit">${w.t('audit.filter')}</button></div>
</form>
${
  page.items.length === 0
    ? html`<p>${w.t('audit.empty')}</p>`
    : html`<table class="tasks audit"><thead><tr><th scope="col">${w.t('audit.col.at')}</th><th scope="col">${w.t('audit.col.actor')}</th><th scope="col">${w.t('audit.col.action')}</th><th scope="col">${w.t('audit.col.target')}</th><th scope="col">${w.t('audit.col.result')}</th></tr></thead>
<tbody>${page.items.map(
        (e) => html`<tr><td><time datetime="${e.at}">${w.instant(e.at)[0]}</time></td><td>${ltr(e.actor.id)}${e.actor.name ? html`<br><bdi>${e.actor.name}</bdi>` : ''}</td>
<td>${ltr(`${e.method} ${e.route}`)}${e.operation ? html`<br>${ltr(e.operation)}` : ''}</td><td>${e.target ? ltr(`${e.target.type} ${e.target.id ?? ''}`) : ''}</td><td>${ltr(String(e.statusCode))}</td></tr>`,
      )}</tbody></table>`
}
${older ? html`<p><a href="${older}">${w.t('audit.older')}</a></p>` : ''}`;
    return reply.header('content-type', 'text/html; charset=utf-8').send(layout(w, { title: 'audit.title', path: '/console/audit', body, home: '/console' }));
  });
};

export default auditPages;
