// The ledger's page for the municipality: the days reconciled against the
// gateway's statement, and the payments that do not fit their invoice, open
// ones first. An administrator decides each open one (accept, refund,
// dismiss, with a reason) and reconciles a day on demand, through the same
// PaymentService as POST /payments/mismatches/:id/resolve and POST
// /payments/reconciliations; the result, or why not, on top of the page.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../api/errors';
import type { PaymentService } from '../../api/payments/service';
import type { MismatchView } from '../../api/payments/schemas';
import { can, Operation } from '../../domain/access';
import { riyadhDate } from '../../domain/calendar';
import { MISMATCH_ACTIONS, MismatchStatus, type MismatchAction } from '../../domain/payments';
import { PaymentGatewayRequestError, PaymentGatewayUnavailableError } from '../../integrations/payments/gateway';
import type { MessageKey } from '../catalogue';
import { CSRF_FIELD, signedIn, type ConsoleSession } from '../auth/plugin';
import { dateCell, send } from '../licenses/license';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';
import { fill, sar, when } from './invoice';

export const PAYMENTS_PATH = '/console/payments';
/** Open mismatches are a day's work at most; the decided ones, the latest few, for context. */
const OPEN_SHOWN = 100;
const DECIDED_SHOWN = 50;
/** A month of nights. */
const DAYS_SHOWN = 31;
/** As the API's ResolveBody bounds a reason. */
const REASON_MIN = 3;
const REASON_MAX = 500;

type Report = Awaited<ReturnType<PaymentService['reconcile']>>;

interface Outcome {
  resolved?: MismatchView;
  report?: Report;
  /** Why the last decision or reconciliation was not carried out; `mismatch`: the one it was about, whose form keeps what was typed. */
  refused?: { why: string; mismatch?: number; form?: Record<string, string> };
}

const RESULTS: Partial<Record<MismatchView['status'], MessageKey>> = {
  accepted: 'payments.result.accepted',
  refunded: 'payments.result.refunded',
  dismissed: 'payments.result.dismissed',
};

/** The API's refusal codes, in the catalogue's words. */
const REFUSALS: Record<string, MessageKey> = {
  mismatch_closed: 'payments.refused.closed',
  mismatch_not_acceptable: 'payments.refused.notAcceptable',
  mismatch_not_refundable: 'payments.refused.notRefundable',
  not_found: 'payments.refused.notFound',
};

/** A real calendar day, YYYY-MM-DD, as the API's IsoDate takes it. */
function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function subject(w: Words, m: MismatchView): Html {
  // An id is read whole: never broken at its hyphens.
  if (m.applicationId) return html`${w.t('case.title')} <a class="code" href="/console/applications/${encodeURIComponent(m.applicationId)}">${ltr(m.applicationId)}</a>`;
  if (m.licenseNumber) return html`${w.t('case.license')} <a class="code" href="/verify/${encodeURIComponent(m.licenseNumber)}">${ltr(m.licenseNumber)}</a>`;
  return html`${w.t('payments.noInvoice')}`;
}

const expected = (w: Words, m: MismatchView) => (m.expectedHalalas === null ? '' : sar(w, m.expectedHalalas));

const paymentPages: FastifyPluginAsync = async (app) => {
  function days(w: Words, runs: Awaited<ReturnType<PaymentService['reconciliations']>>): Html {
    if (runs.length === 0) return html`<p>${w.t('payments.days.none')}</p>`;
    return html`<table class="tasks" id="reconciliations"><thead><tr><th scope="col">${w.t('payments.col.day')}</th><th scope="col" class="num">${w.t('payments.col.statement')}</th><th scope="col" class="num">${w.t('payments.col.matched')}</th><th scope="col" class="num">${w.t('payments.col.appliedLate')}</th><th scope="col" class="num">${w.t('payments.col.mismatches')}</th><th scope="col">${w.t('payments.col.ranAt')}</th></tr></thead>
<tbody>${runs.map(
      (r) =>
        html`<tr data-day="${r.day}"><td>${dateCell(w, r.day)}</td><td class="num">${ltr(String(r.statement_count))}</td><td class="num">${ltr(String(r.matched))}</td><td class="num">${ltr(String(r.applied_late))}</td><td class="num"${r.mismatches ? html` data-mismatches="${r.mismatches}"` : ''}>${r.mismatches ? html`<strong class="overdue">${ltr(String(r.mismatches))}</strong>` : ltr('0')}</td><td><time datetime="${r.ran_at}">${w.instant(r.ran_at)[0]}</time></td></tr>`,
    )}</tbody></table>`;
  }

  /** An open mismatch: what came and what was expected, and for an administrator the decision on it. */
  function openMismatch(w: Words, session: ConsoleSession, m: MismatchView, refused: Outcome['refused']): Html {
    const typed = refused?.mismatch === m.id ? refused.form : undefined;
    const chosen = typed?.action;
    const mayDecide = can(session.principal, Operation.paymentReconcile);
    const field = (name: string) => `${name}-${m.id}`;
    return html`<section class="mismatch panel bad" id="mismatch-${m.id}" data-mismatch="${m.id}" aria-labelledby="mismatch-${m.id}-title">
<h3 id="mismatch-${m.id}-title">${w.t(`mismatch.reason.${m.reason}`)}</h3>
<dl class="summary">
  <dt>${w.t('payments.col.bill')}</dt><dd>${ltr(m.billNumber)}</dd>
  <dt>${w.t('payments.col.subject')}</dt><dd>${subject(w, m)}</dd>
  ${m.expectedHalalas === null ? '' : html`<dt>${w.t('payments.col.expected')}</dt><dd class="expected">${expected(w, m)}</dd>`}
  <dt>${w.t('payments.col.received')}</dt><dd class="received">${sar(w, m.receivedHalalas)}</dd>
  <dt>${w.t('payments.col.at')}</dt><dd>${when(w, m.createdAt)}</dd>
  <dt>${w.t('payments.via')}</dt><dd>${w.t(`mismatch.source.${m.source}`)}</dd>
</dl>
${
  mayDecide
    ? html`<form method="post" action="${PAYMENTS_PATH}/mismatches/${m.id}/resolve" class="decision resolve"><fieldset><legend>${fill(w.t('payments.resolve'), { bill: ltr(m.billNumber) })}</legend>
${MISMATCH_ACTIONS.map(
  (a, i) =>
    html`<div><input type="radio" id="${field(`action-${a}`)}" name="action" value="${a}"${(chosen ? chosen === a : i === 0) ? html` checked` : ''}><label class="inline" for="${field(`action-${a}`)}">${w.t(`mismatch.action.${a}`)}</label></div>`,
)}</fieldset>
<label for="${field('reason')}">${w.t('payments.resolve.reason')}</label><textarea id="${field('reason')}" name="reason" rows="2" maxlength="${REASON_MAX}">${typed?.reason ?? ''}</textarea>
<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}"><div><button type="submit">${w.t('payments.resolve.submit')}</button></div></form>`
    : ''
}</section>`;
  }

  function decided(w: Words, items: MismatchView[]): Html {
    if (items.length === 0) return html``;
    return html`<h3>${w.t('payments.closed')}</h3><table class="tasks" id="decided-mismatches"><thead><tr><th scope="col">${w.t('payments.col.bill')}</th><th scope="col">${w.t('payments.col.reason')}</th><th scope="col" class="num">${w.t('payments.col.expected')}</th><th scope="col" class="num">${w.t('payments.col.received')}</th><th scope="col">${w.t('payments.col.subject')}</th><th scope="col">${w.t('payments.col.status')}</th></tr></thead>
<tbody>${items.map(
      (m) =>
        html`<tr data-mismatch="${m.id}" data-status="${m.status}"><td>${ltr(m.billNumber)}<span class="hijri"><time datetime="${m.createdAt}">${w.instant(m.createdAt)[0]}</time></span></td><td>${w.t(`mismatch.reason.${m.reason}`)}</td><td class="num">${expected(w, m)}</td><td class="num">${sar(w, m.receivedHalalas)}</td><td>${subject(w, m)}</td>
<td>${w.t(`mismatch.status.${m.status}`)}${m.resolvedBy ? html`<span class="hijri">${w.t('payments.resolvedBy')} ${ltr(m.resolvedBy)}${m.resolvedAt ? html` · <time datetime="${m.resolvedAt}">${w.instant(m.resolvedAt)[0]}</time>` : ''}</span>` : ''}${m.resolution ? html`<span class="hijri"><bdi>${m.resolution}</bdi></span>` : ''}</td></tr>`,
    )}</tbody></table>`;
  }

  function reconcileForm(w: Words, session: ConsoleSession, day: string): Html {
    return html`<form method="post" action="${PAYMENTS_PATH}/reconcile" class="decision" id="reconcile-form"><h2>${w.t('payments.reconcile')}</h2>
<p class="hint" id="reconcile-hint">${w.t('payments.reconcile.intro')}</p>
<label for="reconcile-day">${w.t('payments.reconcile.day')}</label><input type="date" id="reconcile-day" name="day" value="${day}" max="${riyadhDate(new Date())}" aria-describedby="reconcile-hint" dir="ltr">
<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}"><div><button type="submit">${w.t('payments.reconcile.submit')}</button></div></form>`;
  }

  function reportPanel(w: Words, r: Report): Html {
    return html`<div class="panel" role="status" id="reconcile-report"><h2>${fill(w.t('payments.report'), { day: html`<time datetime="${r.day}">${w.date(r.day)[0]}</time>` })}</h2>
<dl class="summary">
  <dt>${w.t('payments.col.statement')}</dt><dd data-figure="statementCount">${ltr(String(r.statementCount))}</dd>
  <dt>${w.t('payments.col.matched')}</dt><dd data-figure="matched">${ltr(String(r.matched))}</dd>
  <dt>${w.t('payments.col.appliedLate')}</dt><dd data-figure="appliedLate">${ltr(String(r.appliedLate.length))}</dd>
  <dt>${w.t('payments.col.mismatches')}</dt><dd data-figure="mismatches">${ltr(String(r.mismatches.length))}</dd>
  <dt>${w.t('payments.report.openMismatches')}</dt><dd data-figure="openMismatches">${ltr(String(r.openMismatches))}</dd>
</dl></div>`;
  }

  async function page(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, outcome: Outcome = {}, status = 200) {
    const w = words(localeOf(req, reply));
    const [runs, open, recent] = await Promise.all([
      app.payments.reconciliations(DAYS_SHOWN),
      app.payments.mismatches({ status: MismatchStatus.open, limit: OPEN_SHOWN }),
      app.payments.mismatches({ limit: OPEN_SHOWN + DECIDED_SHOWN }),
    ]);
    const closed = recent.filter((m) => m.status !== MismatchStatus.open).slice(0, DECIDED_SHOWN);
    const { resolved, report, refused } = outcome;
    const result = resolved ? RESULTS[resolved.status] : undefined;
    const body = html`${refused ? html`<div class="error-summary" role="alert" tabindex="-1" id="payments-refusal"><h2>${w.t('payments.refused')}</h2><p>${refused.why}</p></div>` : ''}
${result ? html`<div class="panel" role="status" id="payments-result"><h2>${w.t(result)}</h2><p>${w.t('payments.col.bill')}: ${ltr(resolved!.billNumber)} · ${subject(w, resolved!)}</p></div>` : ''}
${report ? reportPanel(w, report) : ''}
<h1>${w.t('payments.title')}</h1>
<h2 id="mismatches-title">${w.t('payments.mismatches')}</h2>
${open.length === 0 && closed.length === 0 ? html`<p>${w.t('payments.mismatches.none')}</p>` : ''}
${open.length ? html`<h3>${w.t('payments.open')} <span class="badge" data-count="open">${open.length}</span></h3>${open.map((m) => openMismatch(w, session, m, refused))}` : ''}
${decided(w, closed)}
<h2>${w.t('payments.days')}</h2>
${days(w, runs)}
${can(session.principal, Operation.paymentReconcile) ? reconcileForm(w, session, outcome.refused?.form?.day ?? report?.day ?? riyadhDate(new Date())) : ''}`;
    return send(reply, status, layout(w, { title: 'payments.title', path: PAYMENTS_PATH, body, home: '/console' }));
  }

  /** Why the service would not do it, in the catalogue's words; undefined for a fault, which the error handler answers. */
  function refusalOf(w: Words, err: unknown): { why: string; status: number } | undefined {
    if (err instanceof PaymentGatewayUnavailableError || err instanceof PaymentGatewayRequestError) return { why: w.t('payments.refused.gateway'), status: 503 };
    if (!(err instanceof HttpError) || (err.statusCode >= 500 && err.statusCode !== 503)) return undefined;
    if (err.statusCode === 503) return { why: w.t('payments.refused.running'), status: 503 };
    const key = REFUSALS[err.code];
    return { why: key ? w.t(key) : err.message, status: err.statusCode };
  }

  app.get(PAYMENTS_PATH, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.paymentRead);
    if (!session) return reply;
    return page(req, reply, session);
  });

  // operation and target: what the audit row says, as for the API's routes (the session, not the API's hook, is checked here).
  app.post<{ Params: { id: string } }>(
    `${PAYMENTS_PATH}/mismatches/:id/resolve`,
    { config: { public: true, operation: Operation.paymentReconcile, target: 'payment_mismatch' }, schema: { hide: true } },
    async (req, reply) => {
      const session = signedIn(req, reply, Operation.paymentReconcile);
      if (!session) return reply;
      const w = words(localeOf(req, reply));
      const form = (req.body ?? {}) as Record<string, string>;
      const id = Number(req.params.id);
      const refuse = (why: string, status: number) => page(req, reply, session, { refused: { why, mismatch: id, form } }, status);
      // Not a mismatch's number: as the API's params schema would refuse it.
      if (!Number.isSafeInteger(id) || id <= 0) return refuse(w.t('payments.refused.notFound'), 404);
      const action = (MISMATCH_ACTIONS as readonly string[]).includes(form.action ?? '') ? (form.action as MismatchAction) : undefined;
      const reason = (form.reason ?? '').trim();
      if (!action) return refuse(w.t('payments.refused.action'), 400);
      if (reason.length < REASON_MIN || reason.length > REASON_MAX) return refuse(w.t('payments.refused.reason'), 400);
      req.auditDetails = { ...req.auditDetails, action };
      try {
        const resolved = await app.payments.resolve(id, { action, reason }, session.principal.id);
        return page(req, reply, session, { resolved });
      } catch (err) {
        const refusal = refusalOf(w, err);
        if (!refusal) throw err;
        return refuse(refusal.why, refusal.status);
      }
    },
  );

  app.post(`${PAYMENTS_PATH}/reconcile`, { config: { public: true, operation: Operation.paymentReconcile, target: 'reconciliation' }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.paymentReconcile);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const form = (req.body ?? {}) as Record<string, string>;
    const day = (form.day ?? '').trim();
    if (!isDay(day)) return page(req, reply, session, { refused: { why: w.t('payments.refused.day'), form } }, 400);
    req.auditDetails = { ...req.auditDetails, day };
    try {
      return page(req, reply, session, { report: await app.payments.reconcile(day) });
    } catch (err) {
      const refusal = refusalOf(w, err);
      if (!refusal) throw err;
      return page(req, reply, session, { refused: { why: refusal.why, form } }, refusal.status);
    }
  });
};

export default paymentPages;
