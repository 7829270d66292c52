// The administrator's console: the stuck cases by reason with their counts
// (GET /operations/stuck), one case's diagnosis, and each repair with its
// reason and a confirmation, answered with whether the case actually moved.
// The same service and the same operations as the API routes require.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { HttpError } from '../../api/errors';
import { Operation, can } from '../../domain/access';
import { RepairAction, type StuckReason } from '../../domain/operations';
import { StuckQuery } from '../../api/operations/schemas';
import type { Stage, Status, WaitingOn } from '../../domain/status';
import { CSRF_FIELD, signedIn, type ConsoleSession } from '../auth/plugin';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';

/** The choices of "not moved for": a minute finds a fresh outage, a day the forgotten. */
export const AGES = ['1m', '15m', '1h', '1d'] as const;
/** Any age the API takes (a link from elsewhere, a test's seconds), as its schema spells one. */
export const AGE = new RegExp(StuckQuery.properties.olderThan.pattern!);
export const DEFAULT_AGE = '1h';
export const ACTIONS = Object.values(RepairAction);
const STUCK_LIMIT = 100;
/** Where a repair over many cases starts (./bulk.ts), from the stuck list's reasons. */
export const BULK_PATH = '/console/operations/bulk';

export const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);

/** "Not moved for": the standard choices and the one asked. */
export const ageOptions = (chosen: string): Html[] =>
  [...new Set([...AGES, chosen])].map((a) => html`<option value="${a}"${a === chosen ? html` selected` : ''}>${a}</option>`);

export function when(w: Words, iso: string): Html {
  return html`<time datetime="${iso}">${w.instant(iso)[0]}</time>`;
}

/** Why nothing was run, on top of the page that asked. */
export const refusalSummary = (w: Words, why: string): Html =>
  html`<div class="error-summary" role="alert" tabindex="-1"><h2>${w.t('ops.refused')}</h2><p>${why}</p></div>`;

const operationsPages: FastifyPluginAsync = async (app) => {
  app.get('/console/operations', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.operationsRead);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const asked = (req.query as { olderThan?: unknown }).olderThan;
    const olderThan = typeof asked === 'string' && AGE.test(asked) ? asked : DEFAULT_AGE;
    const stuck = await app.operations.stuck({ olderThan, limit: STUCK_LIMIT });
    // Repairers take the cases of one reason on to a bulk repair.
    const bulk = can(session.principal, Operation.operationsRepair) ? Object.entries(stuck.counts).filter(([, n]) => n > 0) : [];
    const body = html`<h1>${w.t('ops.title')}</h1>
<form method="get" action="/console/operations" class="filters">
  <label for="olderThan">${w.t('ops.olderThan')}</label>
  <select id="olderThan" name="olderThan">${ageOptions(olderThan)}</select>
  <div><button type="submit">${w.t('ops.show')}</button></div>
</form>
${stuck.diagnosis ? html`<div class="error-summary" role="alert"><p>${w.t('ops.noWorker')}</p></div>` : ''}
<ul class="tabs">${Object.entries(stuck.counts).map(([reason, n]) => html`<li><span>${w.t(`ops.reason.${reason as StuckReason}`)} <span class="badge" data-reason="${reason}">${n}</span></span></li>`)}
<li><span>${w.t('ops.smsUnsent')} <span class="badge">${stuck.sms.failed + stuck.sms.retrying}</span></span></li></ul>
${
  bulk.length
    ? html`<p class="bulk-links">${w.t('ops.bulk.link')}: ${bulk.map(
        ([reason, n], i) =>
          html`${i ? w.t('list.separator') : ''}<a href="${BULK_PATH}?${new URLSearchParams({ olderThan, stuck: reason }).toString()}">${w.t(`ops.reason.${reason as StuckReason}`)} (${n})</a>`,
      )}</p>`
    : ''
}
${
  stuck.items.length === 0
    ? html`<p>${w.t('ops.none')}</p>`
    : html`<table class="tasks"><thead><tr><th scope="col">${w.t('ops.col.case')}</th><th scope="col">${w.t('ops.col.reason')}</th><th scope="col">${w.t('ops.col.since')}</th></tr></thead>
<tbody>${stuck.items.map(
        (c) => html`<tr><td><a href="/console/operations/cases/${encodeURIComponent(c.id)}">${ltr(c.id)}</a><br>${w.t(`stage.${c.stage as Stage}`)}</td>
<td>${w.t(`ops.reason.${c.reason}`)}${c.cause ? html` · ${ltr(c.cause)}` : ''}${c.waitingOn.length ? html`<br>${c.waitingOn.map((x, i) => html`${i ? w.t('list.separator') : ''}${w.t(`waitingOn.${x as WaitingOn}`)}`)}` : ''}</td>
<td>${when(w, c.since)}</td></tr>`,
      )}</tbody></table>`
}`;
    return send(reply, 200, layout(w, { title: 'ops.title', path: '/console/operations', body, home: '/console' }));
  });

  async function casePage(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, id: string, outcome?: { moved: boolean } | { refused: string }) {
    const w = words(localeOf(req, reply));
    const d = await app.operations.diagnose(id);
    const mayRepair = can(session.principal, Operation.operationsRepair);
    const body = html`${
      outcome && 'refused' in outcome
        ? refusalSummary(w, outcome.refused)
        : outcome
          ? html`<div class="panel" role="status"><h2>${w.t(outcome.moved ? 'ops.result.moved' : 'ops.result.notMoved')}</h2></div>`
          : ''
    }
<h1>${w.t('ops.case')}</h1>
<dl class="summary">
  <dt>${w.t('case.number')}</dt><dd><a href="/console/applications/${encodeURIComponent(id)}">${ltr(id)}</a></dd>
  <dt>${w.t('case.status')}</dt><dd>${w.t(`status.${d.projection.status as Status}`)} · ${w.t(`stage.${d.projection.stage as Stage}`)}</dd>
  <dt>${w.t('case.awaited')}</dt><dd>${d.projection.waitingOn.map((x, i) => html`${i ? w.t('list.separator') : ''}${w.t(`waitingOn.${x as 'applicant'}`)}`)}</dd>
  <dt>${w.t('ops.workflow')}</dt><dd>${d.workflow.found ? ltr(d.workflow.status ?? '') : w.t('ops.workflowMissing')}</dd>
</dl>
${d.inconsistent ? html`<div class="error-summary" role="alert"><p>${w.t('ops.inconsistent')}</p></div>` : ''}
${
  d.workflow.found && d.workflow.pendingActivities?.length
    ? html`<h2>${w.t('ops.pending')}</h2><ul>${(d.workflow.pendingActivities ?? []).map(
        (a) => html`<li>${ltr(a.activityType ?? '')} · ${w.t('ops.attempt')} ${a.attempt}${a.lastFailure ? html` · ${w.t('ops.lastFailure')}: ${ltr(a.lastFailure)}` : ''}</li>`,
      )}</ul>`
    : ''
}
${
  mayRepair && d.projection.status === 'in_progress'
    ? html`<form method="post" action="/console/operations/cases/${encodeURIComponent(id)}/repair" class="decision"><h2>${w.t('ops.repair')}</h2>
<label for="action">${w.t('ops.action')}</label>
<select id="action" name="action">${ACTIONS.map((a) => html`<option value="${a}">${w.t(`ops.action.${a}`)}</option>`)}</select>
<label for="until">${w.t('ops.until')}</label><input type="text" id="until" name="until" dir="ltr" placeholder="2027-01-31T12:00:00+03:00" maxlength="40">
<label for="reason">${w.t('ops.reason')}</label><textarea id="reason" name="reason" rows="2" required minlength="3" maxlength="1000"></textarea>
<div><input type="checkbox" id="confirm" name="confirm" value="yes"><label class="inline" for="confirm">${w.t('ops.confirm')}</label></div>
<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}"><div><button type="submit">${w.t('ops.submit')}</button></div></form>`
    : ''
}`;
    return send(reply, outcome && 'refused' in outcome ? 409 : 200, layout(w, { title: 'ops.case', path: `/console/operations/cases/${encodeURIComponent(id)}`, body, home: '/console/operations' }));
  }

  app.get<{ Params: { id: string } }>('/console/operations/cases/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.operationsRead);
    if (!session) return reply;
    return casePage(req, reply, session, req.params.id);
  });

  app.post<{ Params: { id: string } }>(
    '/console/operations/cases/:id/repair',
    { config: { public: true, operation: Operation.operationsRepair, target: 'application' }, schema: { hide: true } },
    async (req, reply) => {
      const session = signedIn(req, reply, Operation.operationsRepair);
      if (!session) return reply;
      const form = (req.body ?? {}) as Record<string, string>;
      const w = words(localeOf(req, reply));
      const action = (ACTIONS as readonly string[]).includes(form.action ?? '') ? (form.action as RepairAction) : undefined;
      const reason = (form.reason ?? '').trim();
      if (form.confirm !== 'yes' || !action) return casePage(req, reply, session, req.params.id, { refused: w.t('ops.confirmNeeded') });
      if (reason.length < 3) return casePage(req, reply, session, req.params.id, { refused: `${w.t('ops.reason')}` });
      try {
        const result = await app.operations.repair(req.params.id, action, { reason, until: form.until?.trim() || undefined, by: session.principal.id });
        return casePage(req, reply, session, req.params.id, { moved: 'moved' in result ? Boolean(result.moved) : false });
      } catch (err) {
        if (err instanceof HttpError && err.statusCode < 500) return casePage(req, reply, session, req.params.id, { refused: err.message });
        if (err instanceof WorkflowUpdateFailedError) return casePage(req, reply, session, req.params.id, { refused: err.cause?.message ?? err.message });
        throw err;
      }
    },
  );
};

export default operationsPages;
