// One repair over many stuck cases, as the API's POST /operations/bulk runs it
// (the same service, so the same access, audit row and checks): the
// administrator picks the cases (why they are stuck, for how long, which
// agency) and the action, sees the dry run's list of what would be done to
// each, confirms it, and sees each case's result and whether it moved. The
// real run is kept to the cases the dry run listed: one that became stuck in
// between is not repaired unseen.
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../../api/errors';
import { BulkBody } from '../../api/operations/schemas';
import { bulkAuditDetails, type BulkRepair, type StuckQuery } from '../../api/operations/service';
import { ApplicationIdParam } from '../../api/schemas';
import { Operation } from '../../domain/access';
import { RepairAction, StuckReason } from '../../domain/operations';
import { AGENCIES, type Agency, type Stage, type Status } from '../../domain/status';
import { CSRF_FIELD, signedIn, type ConsoleSession } from '../auth/plugin';
import type { MessageKey } from '../catalogue';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';
import { ACTIONS, AGE, ageOptions, BULK_PATH, DEFAULT_AGE, refusalSummary, send, when } from './routes';

/**
 * The page waits for the whole run, and each case's repair watches up to ten
 * seconds for the case to move (api/operations/service.ts): this many keep
 * the worst wait near three minutes. More cases are a second run away.
 */
export const BULK_LIMIT = 20;
const REASONS = Object.values(StuckReason);
const APPLICATION_ID = new RegExp(ApplicationIdParam.properties.id.pattern!);
/** The API's bounds on the operator's reason. */
const REASON_TEXT = BulkBody.properties.reason;
/** A deadline as the API's date-time format takes it: a date, a time with seconds, and its offset. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** The form's fields, as a GET's query or a POST's body brings them. */
type Form = Partial<Record<'olderThan' | 'stuck' | 'agency' | 'action' | 'until' | 'reason' | 'ids' | 'run' | 'confirm', string>>;

/** What the administrator chose, as the service takes it. */
interface Choice {
  filter: StuckQuery;
  action: RepairAction;
  reason: string;
  until?: string;
  /** On a confirmation: the cases its dry run listed. */
  ids?: string[];
}

const oneOf = <T extends string>(v: string | undefined, allowed: readonly T[]): T | undefined => ((allowed as readonly string[]).includes(v ?? '') ? (v as T) : undefined);

/** The choice, or the label of the first field that is wrong: the checks of the API's schema, on a form. */
function choiceOf(form: Form): Choice | { wrong: MessageKey } {
  const olderThan = form.olderThan ?? '';
  if (!AGE.test(olderThan)) return { wrong: 'ops.olderThan' };
  const stuck = oneOf(form.stuck, REASONS);
  if (form.stuck && !stuck) return { wrong: 'ops.bulk.stuck' };
  const agency = oneOf(form.agency, AGENCIES);
  if (form.agency && !agency) return { wrong: 'ops.bulk.agency' };
  const action = oneOf(form.action, ACTIONS);
  if (!action) return { wrong: 'ops.action' };
  // Only an extension has a deadline; the other actions ignore the field.
  const until = action === RepairAction.extendDeadline ? form.until?.trim() : undefined;
  if (action === RepairAction.extendDeadline && !(until && DATE_TIME.test(until) && !Number.isNaN(Date.parse(until)))) return { wrong: 'ops.until' };
  const reason = (form.reason ?? '').trim();
  if (reason.length < REASON_TEXT.minLength! || reason.length > REASON_TEXT.maxLength!) return { wrong: 'ops.reason' };
  const ids = form.ids === undefined ? undefined : [...new Set(form.ids.split(/\s+/).filter(Boolean))];
  // A real run from a page repairs only what its dry run showed.
  if (form.run === 'yes' && !ids) return { wrong: 'ops.bulk.cases' };
  if (ids && (ids.length === 0 || ids.length > BULK_LIMIT || !ids.every((id) => APPLICATION_ID.test(id)))) return { wrong: 'ops.bulk.cases' };
  return { filter: { olderThan, reason: stuck, agency, limit: BULK_LIMIT }, action, reason, until, ids };
}

const option = (value: string, label: string, chosen: string | undefined): Html => html`<option value="${value}"${value === chosen ? html` selected` : ''}>${label}</option>`;
const csrf = (session: ConsoleSession): Html => html`<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">`;
const hidden = (name: keyof Form, value: string | undefined): Html => (value === undefined ? html`` : html`<input type="hidden" name="${name}" value="${value}">`);
const diagnosisLink = (id: string): Html => html`<a href="/console/operations/cases/${encodeURIComponent(id)}">${ltr(id)}</a>`;

/** The cases and the repair to choose, filled in with what was chosen so far (a link from the stuck list, a refused form). */
function choicePage(w: Words, session: ConsoleSession, f: Form, refusal?: string): Html {
  const olderThan = AGE.test(f.olderThan ?? '') ? f.olderThan! : DEFAULT_AGE;
  return html`${refusal ? refusalSummary(w, refusal) : ''}
<h1>${w.t('ops.bulk.title')}</h1>
<p>${w.t('ops.bulk.intro')}</p>
<form method="post" action="${BULK_PATH}" class="decision">
<fieldset><legend>${w.t('ops.bulk.which')}</legend>
<label for="olderThan">${w.t('ops.olderThan')}</label><select id="olderThan" name="olderThan">${ageOptions(olderThan)}</select>
<label for="stuck">${w.t('ops.bulk.stuck')}</label><select id="stuck" name="stuck">${option('', w.t('ops.bulk.anyReason'), f.stuck)}${REASONS.map((r) => option(r, w.t(`ops.reason.${r}`), f.stuck))}</select>
<label for="agency">${w.t('ops.bulk.agency')}</label><select id="agency" name="agency">${option('', w.t('ops.bulk.anyAgency'), f.agency)}${AGENCIES.map((a) => option(a, w.t(`waitingOn.${a}`), f.agency))}</select>
</fieldset>
<fieldset><legend>${w.t('ops.repair')}</legend>
<label for="action">${w.t('ops.action')}</label><select id="action" name="action">${ACTIONS.map((a) => option(a, w.t(`ops.action.${a}`), f.action))}</select>
<label for="until">${w.t('ops.until')}</label><input type="text" id="until" name="until" value="${f.until ?? ''}" dir="ltr" placeholder="2027-01-31T12:00:00+03:00" maxlength="40">
<label for="reason">${w.t('ops.reason')}</label><textarea id="reason" name="reason" rows="2" required minlength="${REASON_TEXT.minLength}" maxlength="${REASON_TEXT.maxLength}">${f.reason ?? ''}</textarea>
</fieldset>
<p class="hint">${w.t('ops.bulk.limit')} ${ltr(String(BULK_LIMIT))}</p>
${csrf(session)}<div><button type="submit">${w.t('ops.bulk.preview')}</button></div></form>`;
}

/** What was chosen, in words: the action, why, the deadline, and which cases. */
function summary(w: Words, c: Choice): Html {
  const { reason: stuck, agency, olderThan } = c.filter;
  return html`<dl class="summary">
  <dt>${w.t('ops.action')}</dt><dd>${w.t(`ops.action.${c.action}`)}</dd>
  ${c.until ? html`<dt>${w.t('ops.until')}</dt><dd>${when(w, new Date(c.until).toISOString())}</dd>` : ''}
  <dt>${w.t('ops.reason')}</dt><dd><bdi>${c.reason}</bdi></dd>
  <dt>${w.t('ops.bulk.selection')}</dt><dd>${stuck ? w.t(`ops.reason.${stuck}`) : w.t('ops.bulk.anyReason')} · ${w.t('ops.olderThan')} ${ltr(olderThan)}${agency ? html` · ${w.t(`waitingOn.${agency as Agency}`)}` : ''}</dd>
</dl>`;
}

const changeLink = (w: Words, c: Choice): Html =>
  html`<p><a href="${BULK_PATH}?${new URLSearchParams({ olderThan: c.filter.olderThan, stuck: c.filter.reason ?? '', agency: c.filter.agency ?? '', action: c.action }).toString()}">${w.t('ops.bulk.change')}</a></p>`;

/** The dry run: each case and what would be done to it, then the confirmation that runs it on exactly these. */
function dryRunPage(w: Words, session: ConsoleSession, c: Choice, dry: BulkRepair, refusal?: string): Html {
  const ids = dry.cases.map((x) => x.id);
  return html`${refusal ? refusalSummary(w, refusal) : ''}
<h1>${w.t('ops.bulk.dryRun')}</h1>
<div class="panel" role="status"><p>${w.t('ops.bulk.nothingYet')}</p></div>
${summary(w, c)}
${
  ids.length === 0
    ? html`<p>${w.t('ops.bulk.none')}</p>`
    : html`<table class="tasks" id="dry-run"><thead><tr><th scope="col">${w.t('ops.col.case')}</th><th scope="col">${w.t('ops.bulk.stuck')}</th><th scope="col">${w.t('ops.bulk.col.stage')}</th><th scope="col">${w.t('ops.bulk.col.would')}</th></tr></thead>
<tbody>${dry.cases.map(
        (x) => html`<tr data-case="${x.id}"><td>${diagnosisLink(x.id)}</td><td>${w.t(`ops.reason.${x.reason as StuckReason}`)}</td><td>${w.t(`stage.${x.stage as Stage}`)}</td><td>${w.t(`ops.action.${c.action}`)}</td></tr>`,
      )}</tbody></table>
<form method="post" action="${BULK_PATH}" class="decision" id="confirm-run">
${hidden('olderThan', c.filter.olderThan)}${hidden('stuck', c.filter.reason)}${hidden('agency', c.filter.agency)}${hidden('action', c.action)}${hidden('until', c.until)}${hidden('reason', c.reason)}
${hidden('ids', ids.join(' '))}${hidden('run', 'yes')}
<div><input type="checkbox" id="confirm" name="confirm" value="yes"><label class="inline" for="confirm">${w.t('ops.bulk.confirm')}</label></div>
${csrf(session)}<div><button type="submit">${w.t('ops.bulk.run')} (${ids.length})</button></div></form>`
}
${changeLink(w, c)}`;
}

type Outcome = 'moved' | 'not_moved' | 'refused' | 'skipped';

/** The real run: each confirmed case, what became of it, and where it stands. */
function resultsPage(w: Words, c: Choice, run: BulkRepair): Html {
  const byId = new Map(run.results.map((r) => [r.id, r]));
  const rows = (c.ids ?? run.results.map((r) => r.id)).map((id) => {
    const r = byId.get(id);
    const outcome: Outcome = !r ? 'skipped' : !r.ok ? 'refused' : r.moved ? 'moved' : 'not_moved';
    return { id, r, outcome };
  });
  const count = (...o: Outcome[]) => rows.filter((x) => o.includes(x.outcome)).length;
  const said: Record<Outcome, (error: string | null) => Html | string> = {
    moved: () => w.t('ops.result.moved'),
    not_moved: () => w.t('ops.result.notMoved'),
    refused: (error) => html`<strong class="overdue">${w.t('ops.bulk.outcome.refused')}</strong>: ${error ?? ''}`,
    skipped: () => w.t('ops.bulk.outcome.skipped'),
  };
  return html`<div class="panel" role="status" tabindex="-1"><h2>${w.t('ops.bulk.results')}</h2>
<ul class="counts">
  <li>${w.t('ops.bulk.count.repaired')} <strong data-count="repaired">${count('moved', 'not_moved')}</strong></li>
  <li>${w.t('ops.bulk.count.moved')} <strong data-count="moved">${count('moved')}</strong></li>
  <li>${w.t('ops.bulk.count.refused')} <strong data-count="refused">${count('refused')}</strong></li>
  <li>${w.t('ops.bulk.count.skipped')} <strong data-count="skipped">${count('skipped')}</strong></li>
</ul></div>
<h1>${w.t('ops.bulk.title')}</h1>
${summary(w, c)}
<table class="tasks" id="results"><thead><tr><th scope="col">${w.t('ops.col.case')}</th><th scope="col">${w.t('ops.bulk.col.result')}</th><th scope="col">${w.t('ops.bulk.col.status')}</th></tr></thead>
<tbody>${rows.map(
    ({ id, r, outcome }) =>
      html`<tr data-case="${id}" data-outcome="${outcome}"><td>${diagnosisLink(id)}</td><td>${said[outcome](r?.error ?? null)}</td><td>${r?.status ? w.t(`status.${r.status as Status}`) : ''}</td></tr>`,
  )}</tbody></table>
<p><a href="/console/operations?${new URLSearchParams({ olderThan: c.filter.olderThan }).toString()}">${w.t('ops.bulk.again')}</a></p>`;
}

const bulkRepairPages: FastifyPluginAsync = async (app) => {
  const page = (w: Words, body: Html) => layout(w, { title: 'ops.bulk.title', path: BULK_PATH, body, home: '/console/operations' });

  app.get(BULK_PATH, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.operationsRepair);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    return send(reply, 200, page(w, choicePage(w, session, req.query as Form)));
  });

  // A dry run and a real run are both this POST, as they are both POST /operations/bulk: audited alike.
  app.post(BULK_PATH, { config: { public: true, operation: Operation.operationsRepair }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.operationsRepair);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const form = (req.body ?? {}) as Form;
    const choice = choiceOf(form);
    if ('wrong' in choice) return send(reply, 400, page(w, choicePage(w, session, form, `${w.t('ops.bulk.check')}: ${w.t(choice.wrong)}`)));
    const confirming = form.run === 'yes';
    const run = confirming && form.confirm === 'yes';
    let result: BulkRepair;
    try {
      result = await app.operations.bulk(choice.filter, choice.action, !run, { reason: choice.reason, until: choice.until, by: session.principal.id, ids: choice.ids });
    } catch (err) {
      if (err instanceof HttpError && err.statusCode < 500) return send(reply, err.statusCode, page(w, choicePage(w, session, form, err.message)));
      throw err;
    }
    req.auditDetails = bulkAuditDetails(result);
    if (run) return send(reply, 200, page(w, resultsPage(w, choice, result)));
    // A confirmation without its tick runs nothing: the list again, as it stands now, and what is missing.
    return send(reply, confirming ? 409 : 200, page(w, dryRunPage(w, session, choice, result, confirming ? w.t('ops.confirmNeeded') : undefined)));
  });
};

export default bulkRepairPages;
