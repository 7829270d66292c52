// The reviewer's inbox and a task's page: the API's inbox (same filters and
// sorts, same counts, same claims and decisions through the case's workflow),
// as plain forms. Every POST carries the session's CSRF token; each answers
// with a redirect (the page again), or the page with the refusal on top.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, HttpError } from '../../api/errors';
import { refusalOf } from '../refusal';
import type { Config } from '../../config';
import { can, Operation, type Principal } from '../../domain/access';
import { OBJECTION_DECISIONS, REVIEW_DECISIONS } from '../../domain/status';
import { caseActions } from '../applications/actions';
import { casePage } from '../applications/view';
import { CSRF_FIELD, signedIn, type ConsoleSession } from '../auth/plugin';
import { html, layout, ltr, toString, type Html } from '../html';
import { localeOf, riyadhInstant, words, type Words } from '../i18n';
import { taskSupervision } from '../supervision/views';
import { findingsForm, inspectionBody, inspectionRefusal, licenseOfTask, licensePanel } from './inspection';

const VIEWS = ['mine', 'unassigned', 'overdue', 'all'] as const;
type View = (typeof VIEWS)[number];
const SORTS = ['due', 'priority', 'created'] as const;
/** As the API's DECISION_FIELDS spell a reason code. */
const REASON_CODE = /^[A-Z][A-Z0-9_]{1,59}$/;
/** A page of tasks: a reviewer's working set fits; the rest is a click away. */
const PAGE_SIZE = 25;

const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);
const oneOf = <T extends string>(v: unknown, allowed: readonly T[], fallback: T): T => ((allowed as readonly unknown[]).includes(v) ? (v as T) : fallback);

function filtersOf(view: View) {
  if (view === 'mine') return { assignee: 'me' };
  if (view === 'unassigned') return { assignee: 'unassigned' };
  if (view === 'overdue') return { overdue: true };
  return {};
}

function when(w: Words, iso: string): Html {
  const [g] = w.instant(iso);
  return html`<time datetime="${iso}">${g}</time>`;
}

function csrf(session: ConsoleSession): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">`;
}

/** What an inbox shows, from its address: the page's and its live parts' alike. */
function inboxQuery(req: FastifyRequest) {
  const query = req.query as Record<string, unknown>;
  return {
    view: oneOf(query.view, VIEWS, 'mine'),
    sort: oneOf(query.sort, SORTS, 'due'),
    q: typeof query.q === 'string' && query.q.trim().length >= 2 ? query.q.trim().slice(0, 100) : undefined,
    cursor: typeof query.cursor === 'string' ? query.cursor.slice(0, 300) : undefined,
  };
}
type InboxQuery = ReturnType<typeof inboxQuery>;

/** An inbox address: the page itself, or (`part`) one of its live parts, with the same view, sort, search and page. */
const inboxLink = ({ view, sort, q }: InboxQuery, part = '', extra: Record<string, string> = {}) =>
  `/console/tasks${part}?${new URLSearchParams({ view, sort, ...(q ? { q } : {}), ...extra }).toString()}`;

/**
 * Polled by htmx and swapped whole, so what comes back asks again in turn. The
 * attributes are inert without scripts, where the page is as current as its last load.
 */
const poll = (url: string, everyMs: number): Html => html` hx-get="${url}" hx-trigger="every ${everyMs}ms" hx-swap="outerHTML"`;

export interface InboxOptions {
  config: Config;
}

const inboxPages: FastifyPluginAsync<InboxOptions> = async (app, { config }) => {
  const { countsRefreshMs, pageRefreshMs } = config.console;

  function tabs(w: Words, iq: InboxQuery, counts: Awaited<ReturnType<typeof app.inbox.counts>>): Html {
    const badge: Record<View, number> = { mine: counts.mine, unassigned: counts.unassigned, overdue: counts.overdue, all: counts.active };
    return html`<ul class="tabs"${poll(inboxLink(iq, '/counts'), countsRefreshMs)}>${VIEWS.map(
      (v) => html`<li><a href="${inboxLink({ ...iq, view: v })}"${v === iq.view ? html` aria-current="page"` : ''}>${w.t(`inbox.view.${v}`)} <span class="badge" data-count="${v}">${badge[v]}</span></a></li>`,
    )}</ul>`;
  }

  function list(w: Words, iq: InboxQuery, p: Principal, page: Awaited<ReturnType<typeof app.inbox.list>>): Html {
    // The page's own cursor, so a refresh keeps the reader on the page they are on.
    const self = inboxLink(iq, '/list', iq.cursor ? { cursor: iq.cursor } : {});
    return html`<div id="task-list"${poll(self, pageRefreshMs)}>${
      page.items.length === 0
        ? html`<p>${w.t('inbox.empty')}</p>`
        : html`<table class="tasks"><thead><tr><th scope="col">${w.t('inbox.col.case')}</th><th scope="col">${w.t('inbox.col.kind')}</th><th scope="col">${w.t('inbox.col.due')}</th><th scope="col">${w.t('inbox.col.holder')}</th></tr></thead>
<tbody>${page.items.map(
            // The link's id lets htmx give focus back to the same task after a refresh.
            (t) => html`<tr><td><a id="task-${t.id}" href="/console/tasks/${encodeURIComponent(t.id)}">${t.tradeName}</a><br>${ltr(t.applicationId ?? t.licenseNumber ?? '')}</td>
<td>${w.t(`task.kind.${t.kind}`)}</td>
<td>${when(w, t.dueAt)}${t.overdue ? html` <strong class="overdue">${w.t('inbox.overdue')}</strong>` : ''}</td>
<td>${t.assignee === null ? w.t('inbox.unassigned') : t.assignee === p.id ? w.t('inbox.you') : ltr(t.assignee)}</td></tr>`,
          )}</tbody></table>`
    }
${page.nextCursor ? html`<p><a href="${inboxLink(iq, '', { cursor: page.nextCursor })}">${w.t('inbox.next')}</a></p>` : ''}</div>`;
  }

  const readCounts = (iq: InboxQuery, p: Principal) => app.inbox.counts({ q: iq.q }, p);
  const readList = (iq: InboxQuery, p: Principal) => {
    const { view, sort, q, cursor } = iq;
    return app.inbox.list({ status: 'active', sort, limit: PAGE_SIZE, q, cursor, ...filtersOf(view) }, p).catch((err: unknown) => {
      // A cursor from another sort or a stale link: the first page instead.
      if (err instanceof HttpError && err.statusCode === 400) return app.inbox.list({ status: 'active', sort, limit: PAGE_SIZE, q, ...filtersOf(view) }, p);
      throw err;
    });
  };

  app.get('/console/tasks', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.taskRead);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const iq = inboxQuery(req);
    const p = session.principal;
    const [counts, page] = await Promise.all([readCounts(iq, p), readList(iq, p)]);
    const body = html`<h1>${w.t('inbox.title')}</h1>
<nav aria-label="${w.t('inbox.title')}">${tabs(w, iq, counts)}</nav>
<form method="get" action="/console/tasks" role="search" class="filters">
  <input type="hidden" name="view" value="${iq.view}">
  <label for="q">${w.t('inbox.search')}</label>
  <input type="text" id="q" name="q" value="${iq.q ?? ''}" maxlength="100">
  <label for="sort">${w.t('inbox.sort')}</label>
  <select id="sort" name="sort">${SORTS.map((s) => html`<option value="${s}"${s === iq.sort ? html` selected` : ''}>${w.t(`inbox.sort.${s}`)}</option>`)}</select>
  <div><button type="submit">${w.t('inbox.searchButton')}</button></div>
</form>
${list(w, iq, p, page)}`;
    return send(reply, 200, layout(w, { title: 'inbox.title', path: '/console/tasks', body, home: '/console', live: true }));
  });

  // The inbox's live parts: the same access and the same calls as the page, each answering only its part.
  app.get('/console/tasks/counts', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.taskRead);
    if (!session) return reply;
    const iq = inboxQuery(req);
    return send(reply, 200, toString(tabs(words(localeOf(req, reply)), iq, await readCounts(iq, session.principal))));
  });
  app.get('/console/tasks/list', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.taskRead);
    if (!session) return reply;
    const iq = inboxQuery(req);
    return send(reply, 200, toString(list(words(localeOf(req, reply)), iq, session.principal, await readList(iq, session.principal))));
  });

  /** `refused`: why the last change was not taken, with its status, and (the findings form) what was typed, to fill the form again. */
  async function taskPage(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, id: string, refused?: { why: Html | string; status: number; form?: Record<string, string> }) {
    const w = words(localeOf(req, reply));
    const p = session.principal;
    const refusal = refused?.why;
    const task = await app.inbox.get(id, p);
    // A license's task of a license imported from before Tarkhees has no case to show.
    const [view, license] = await Promise.all([
      task.applicationId === null ? undefined : app.applications.get(task.applicationId, p),
      licenseOfTask(app, task, p, can(p, Operation.licenseRead)),
    ]);
    const active = task.status === 'open' || task.status === 'claimed';
    const mine = task.status === 'claimed' && task.assignee === p.id;
    // An inspection's result has a form of its own (the findings), below.
    const review = task.kind !== 'applicant_correction' && task.kind !== 'inspection';
    const objection = task.kind === 'objection_review';
    const decisions = objection ? OBJECTION_DECISIONS : REVIEW_DECISIONS;
    const action = (verb: string) => `/console/tasks/${encodeURIComponent(id)}/${verb}`;
    const body = html`${refusal ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>${w.t('task.refused')}</h2><p>${refusal}</p></div>` : ''}
<p class="caption">${w.t(`task.kind.${task.kind}`)} · ${w.t(`task.status.${task.status}`)}${task.assignee ? html` · ${task.assignee === p.id ? w.t('task.heldByYou') : html`${w.t('task.heldBy')} ${ltr(task.assignee)}`}` : ''}</p>
${active && task.status === 'open' && can(p, Operation.taskClaim) && p.roles.includes(task.requiredRole) ? html`<form method="post" action="${action('claim')}">${csrf(session)}<button type="submit">${w.t('task.claim')}</button></form>` : ''}
${mine ? html`<form method="post" action="${action('release')}">${csrf(session)}<button type="submit" class="secondary">${w.t('task.release')}</button></form>` : ''}
${
  mine && task.kind === 'technical_review' && view?.status === 'in_progress' && view.visit && view.visit.status !== 'confirmed'
    ? html`<form method="post" action="${action('visit')}" class="decision"><p class="hint" id="visit-hint">${w.t('task.visit.hint')}</p>
<label for="visit-slot">${w.t('case.visit.slot')}</label><input type="datetime-local" id="visit-slot" name="slot" dir="ltr" aria-describedby="visit-hint">
${csrf(session)}<div><button type="submit">${w.t('task.visit.propose')}</button></div></form>`
    : ''
}
${
  mine && review
    ? html`<form method="post" action="${action('decision')}" class="decision"><fieldset><legend>${w.t('task.decide')}</legend>
${decisions.map((d, i) => html`<div><input type="radio" id="decision-${d}" name="decision" value="${d}"${i === 0 ? html` checked` : ''}><label class="inline" for="decision-${d}">${w.t(`task.decision.${d}`)}</label></div>`)}
</fieldset>
${
  objection
    ? ''
    : html`<label for="reasons">${w.t('task.reasons')}</label><p class="hint" id="reasons-hint">${w.t('task.reasonsHint')}</p>
<input type="text" id="reasons" name="reasons" aria-describedby="reasons-hint" dir="ltr" maxlength="600">
<label for="deficiencies">${w.t('task.deficiencies')}</label><textarea id="deficiencies" name="deficiencies" rows="3" maxlength="4000"></textarea>`
}
<label for="comment">${w.t('task.comment')}</label><textarea id="comment" name="comment" rows="2" maxlength="4000"></textarea>
${csrf(session)}<div><button type="submit">${w.t('task.submitDecision')}</button></div></form>`
    : ''
}
${mine && task.kind === 'inspection' && license && can(p, Operation.inspectionRecord) ? findingsForm(w, { action: action('inspection'), csrf: csrf(session), codes: license.codes, form: refused?.form }) : ''}
${taskSupervision(w, session, task)}
${license ? html`${view ? '' : html`<h1><bdi>${license.license.tradeName}</bdi></h1>`}${licensePanel(w, { task, ...license })}` : ''}
${view ? casePage(w, view, { actions: await caseActions(app, w, session, view) }) : ''}`;
    return send(reply, refused?.status ?? 200, layout(w, { title: 'task.title', path: `/console/tasks/${encodeURIComponent(id)}`, body, home: '/console/tasks' }));
  }

  app.get<{ Params: { id: string } }>('/console/tasks/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.taskRead);
    if (!session) return reply;
    return taskPage(req, reply, session, req.params.id);
  });

  /**
   * A change to a task: done, back to its page; refused by the case (someone else holds it, already decided), its page says why,
   * in the words `explain` finds for it (and with the form as typed), or the service's.
   */
  const change = (
    verb: 'claim' | 'release' | 'decision' | 'visit' | 'inspection',
    may: Operation[],
    act: (id: string, form: Record<string, string>, p: Principal) => Promise<unknown>,
    explain?: (err: unknown, w: Words, id: string, form: Record<string, string>, p: Principal) => Promise<Html | undefined>,
  ) =>
    // operation and target: what the audit row says, as for the API's route (the session, not the API's hook, is checked here).
    app.post<{ Params: { id: string } }>(`/console/tasks/:id/${verb}`, { config: { public: true, operation: may, target: 'task' }, schema: { hide: true } }, async (req, reply) => {
      const session = signedIn(req, reply, may);
      if (!session) return reply;
      const form = (req.body ?? {}) as Record<string, string>;
      try {
        await act(req.params.id, form, session.principal);
      } catch (err) {
        const why = (await explain?.(err, words(localeOf(req, reply)), req.params.id, form, session.principal)) ?? refusalOf(err);
        // The findings form answers with the refusal's own status (400 for a code not in the table); the others as before, 409.
        const status = explain && err instanceof HttpError ? err.statusCode : 409;
        if (why !== undefined) return taskPage(req, reply, session, req.params.id, { why, status, ...(explain ? { form } : {}) });
        throw err;
      }
      return reply.redirect(`/console/tasks/${encodeURIComponent(req.params.id)}`, 303);
    });

  // Escalations of overdue tasks, for the municipality's supervisors and each office's manager: seen to, one by one.
  app.get('/console/escalations', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.notificationRead);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const { items } = await app.inbox.notifications({ unacknowledged: true, limit: 50 }, session.principal);
    const body = html`<h1>${w.t('escalations.title')}</h1>
${
  items.length === 0
    ? html`<p>${w.t('escalations.empty')}</p>`
    : html`<ul class="escalations">${items.map(
        (n) => html`<li><p>${w.locale === 'ar' ? n.messageAr : n.messageEn}</p><p class="hint">${when(w, n.createdAt)} · ${n.applicationId ? html`<a href="/console/applications/${encodeURIComponent(n.applicationId)}">${w.t('escalations.openCase')}</a>` : ''}</p>
<form method="post" action="/console/escalations/${n.id}/acknowledge">${csrf(session)}<button type="submit" class="secondary">${w.t('escalations.acknowledge')}</button></form></li>`,
      )}</ul>`
}`;
    return send(reply, 200, layout(w, { title: 'escalations.title', path: '/console/escalations', body, home: '/console' }));
  });

  app.post<{ Params: { id: string } }>('/console/escalations/:id/acknowledge', { config: { public: true, operation: Operation.notificationAcknowledge }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.notificationAcknowledge);
    if (!session) return reply;
    const id = Number(req.params.id);
    // Not a row id: as the API's schema would refuse it; one outside the caller's sight is not found there.
    if (!Number.isSafeInteger(id) || id <= 0) throw badRequest('params/id', 'params/id: not a notification id');
    await app.inbox.acknowledge(id, session.principal);
    return reply.redirect('/console/escalations', 303);
  });

  // The operations each API route of the same action requires.
  change('claim', [Operation.taskClaim], (id, _f, p) => app.inbox.claim(id, p));
  change('release', [Operation.taskClaim, Operation.taskReassign], (id, _f, p) => app.inbox.release(id, p));
  change('visit', [Operation.taskClaim], (id, f, p) => {
    const slot = riyadhInstant(f.slot);
    if (!slot) throw badRequest('body/slot', 'body/slot: a date and time for the visit');
    return app.inbox.proposeVisit(id, slot, p);
  });
  // The findings, as POST /tasks/:id/inspection takes them, through the same service.
  change(
    'inspection',
    [Operation.inspectionRecord],
    (id, f, p) => app.inbox.recordInspection(id, inspectionBody(f), p),
    (err, w, id, f, p) => inspectionRefusal(app.inbox, w, err, id, p, f),
  );
  change('decision', [Operation.reviewHealth, Operation.reviewTechnical, Operation.renewalReview, Operation.objectionDecide], (id, f, p) => {
    // The inbox service says which decisions the task's kind takes.
    const decision = oneOf(f.decision, [...REVIEW_DECISIONS, ...OBJECTION_DECISIONS] as const, 'approve');
    const reasons = (f.reasons ?? '').split(',').map((r) => r.trim().toUpperCase()).filter(Boolean);
    // The API's schema for a reason code, asked here since the form is not JSON.
    const bad = reasons.find((r) => !REASON_CODE.test(r));
    if (bad !== undefined) throw badRequest('body/reasons', `body/reasons: "${bad}" is not a reason code (capital letters, digits and _)`);
    const lines = (f.deficiencies ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    return app.inbox.decide(
      id,
      {
        decision,
        ...(reasons.length ? { reasons } : {}),
        ...(f.comment?.trim() ? { comment: f.comment.trim() } : {}),
        // The reviewer writes plain points; each becomes a deficiency the applicant reads in both languages as written.
        ...(lines.length ? { deficiencies: lines.map((l) => ({ code: 'REVIEWER_NOTE', field: 'review', messageAr: l, messageEn: l })) } : {}),
      },
      p,
    );
  });
};

export default inboxPages;
