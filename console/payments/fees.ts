// The fee schedule's page: the version in force (who saved it, when and why),
// its bands in riyals a year and its settings, and every version; for an
// administrator, the form that saves the next version through the same
// FeeService as PUT /fees, with the version it started from, so a schedule
// someone saved meanwhile is never overwritten unseen. The form is read into
// the body PUT /fees takes and refused as its schema refuses it, field by field.
import { Value } from '@sinclair/typebox/value';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../api/errors';
import { FeeScheduleBody } from '../../api/fees/schemas';
import { can, Operation } from '../../domain/access';
import { durationMs } from '../../domain/duration';
import type { FeeBand, FeeSchedule } from '../../domain/fees';
import { CSRF_FIELD, signedIn, type ConsoleSession } from '../auth/plugin';
import { send } from '../licenses/license';
import { html, layout, ltr, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';
import type { MessageKey } from '../catalogue';
import { fill, percent, sar, units, when } from './invoice';

export const FEES_PATH = '/console/fees';
/** Every version an administrator is likely to look back on; GET /fees/versions answers as many. */
const VERSIONS_SHOWN = 100;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A field of the form and why it was refused; `field` undefined: the form as a whole (a stale version). */
interface Refusal {
  field?: string;
  message: Html;
}

const issuanceField = (i: number) => `issuance-${i}`;
const renewalField = (i: number) => `renewal-${i}`;
const SETTINGS = ['latePenaltyPercent', 'refundPercent', 'paymentDue'] as const;

/** Riyals as typed (Arabic-Indic digits, a thousands comma, the Arabic decimal point) to halalas; undefined for anything else. */
export function halalasOf(typed: string | undefined): number | undefined {
  const text = (typed ?? '')
    .trim()
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\u066B/g, '.')
    .replace(/[,\u066C\s]/g, '');
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : undefined;
}

/** A whole number as typed, or undefined. */
const wholeOf = (typed: string | undefined): number | undefined => (/^\d{1,3}$/.test((typed ?? '').trim()) ? Number(typed!.trim()) : undefined);

/** Halalas as the form shows them for editing: riyals with two decimals, no thousands separator. */
const riyals = (halalas: number) => (halalas / 100).toFixed(2);

function kindWords(w: Words, b: FeeBand): string {
  return w.t(`license.kind.${b.licenseKind}`);
}
function activityWords(w: Words, b: FeeBand): Html {
  return b.isicPrefix === '' ? html`${w.t('fees.activity.any')}` : fill(w.t('fees.activity.prefix'), { prefix: ltr(b.isicPrefix) });
}
function areaWords(w: Words, b: FeeBand): Html {
  if (b.areaFromSqm === 0 && b.areaToSqm === null) return html`${w.t('fees.area.any')}`;
  return b.areaToSqm === null
    ? fill(w.t('fees.area.open'), { from: ltr(String(b.areaFromSqm)) })
    : fill(w.t('fees.area.range'), { from: ltr(String(b.areaFromSqm)), to: ltr(String(b.areaToSqm)) });
}

/** "14d" as people say it (14 days, 48 hours); anything shorter, a test's seconds, as written. */
function periodWords(w: Words, due: string): Html | string {
  const ms = durationMs(due) ?? 0;
  if (ms >= DAY_MS && ms % DAY_MS === 0) return units(w, ms / DAY_MS, 'day');
  if (ms >= HOUR_MS && ms % HOUR_MS === 0) return units(w, ms / HOUR_MS, 'hour');
  return ltr(due);
}

/**
 * The form as the body PUT /fees takes: the bands of the version it started
 * from with the fees typed, the settings and the reason; or what is wrong
 * with it, by field, in the catalogue's words.
 */
function readForm(w: Words, form: Record<string, string>, base: FeeSchedule): { body?: FeeScheduleBody; refusals: Refusal[] } {
  const refusals: Refusal[] = [];
  const amount = (name: string, fallback: number) => {
    const v = halalasOf(form[name]);
    if (v === undefined) refusals.push({ field: name, message: html`${w.t('fees.refused.amount')}` });
    return v ?? fallback;
  };
  const bands = base.bands.map((b, i) => ({ ...b, issuanceFeeHalalas: amount(issuanceField(i), b.issuanceFeeHalalas), renewalFeeHalalas: amount(renewalField(i), b.renewalFeeHalalas) }));
  const whole = (name: 'latePenaltyPercent' | 'refundPercent') => {
    const v = wholeOf(form[name]);
    if (v === undefined) refusals.push({ field: name, message: html`${w.t('fees.refused.percent')}` });
    return v ?? base.settings[name];
  };
  const settings = { latePenaltyPercent: whole('latePenaltyPercent'), refundPercent: whole('refundPercent'), paymentDue: (form.paymentDue ?? '').trim() };
  const body = { version: Number(form.version), bands, settings, reason: (form.reason ?? '').trim() };
  if (refusals.length) return { refusals };
  // The route's schema, asked here since a form is not JSON: every problem, each on its field.
  const problems = [...Value.Errors(FeeScheduleBody, body)];
  const seen = new Set<string>();
  for (const p of problems) {
    const r = refusalAt(w, `body${p.path}`);
    if (seen.has(r.field ?? '')) continue;
    seen.add(r.field ?? '');
    refusals.push(r);
  }
  return refusals.length ? { refusals } : { body: body as FeeScheduleBody, refusals };
}

/** A field the API names (body/bands/3/renewalFeeHalalas) as the form's own, with the words for it. */
function refusalAt(w: Words, path: string): Refusal {
  const band = /^body\/bands\/(\d+)\/(issuance|renewal)FeeHalalas$/.exec(path);
  if (band) return { field: band[2] === 'issuance' ? issuanceField(Number(band[1])) : renewalField(Number(band[1])), message: html`${w.t('fees.refused.amount')}` };
  const setting = /^body\/settings\/(\w+)$/.exec(path)?.[1];
  if (setting === 'latePenaltyPercent' || setting === 'refundPercent') return { field: setting, message: html`${w.t('fees.refused.percent')}` };
  if (setting === 'paymentDue') return { field: setting, message: html`${w.t('fees.refused.paymentDue')}` };
  if (path === 'body/reason') return { field: 'reason', message: html`${w.t('fees.refused.reason')}` };
  if (path.startsWith('body/bands')) return { message: html`${w.t('fees.refused.bands')}` };
  return { message: html`${w.t('fees.refused.invalid')} <span dir="ltr" lang="en">${path}</span>` };
}

interface Outcome {
  saved?: FeeSchedule;
  refusals?: Refusal[];
  /** What was typed, to fill the form again after a refusal. */
  form?: Record<string, string>;
}

const feePages: FastifyPluginAsync = async (app) => {
  function bandsTable(w: Words, s: FeeSchedule): Html {
    return html`<table class="tasks fees" id="fee-bands"><caption>${w.t('fees.bands')}</caption>
<thead><tr><th scope="col">${w.t('fees.col.kind')}</th><th scope="col">${w.t('fees.col.activity')}</th><th scope="col">${w.t('fees.col.area')}</th><th scope="col" class="num">${w.t('fees.col.issuance')}</th><th scope="col" class="num">${w.t('fees.col.renewal')}</th></tr></thead>
<tbody>${s.bands.map(
      (b, i) =>
        html`<tr data-band="${i}"><td>${kindWords(w, b)}</td><td>${activityWords(w, b)}</td><td class="area">${areaWords(w, b)}</td><td class="num" data-fee="issuance">${sar(w, b.issuanceFeeHalalas)}</td><td class="num" data-fee="renewal">${sar(w, b.renewalFeeHalalas)}</td></tr>`,
    )}</tbody></table>`;
  }

  function settingsList(w: Words, s: FeeSchedule): Html {
    return html`<h2>${w.t('fees.settings')}</h2><dl class="summary" id="fee-settings">
  <dt>${w.t('fees.latePenalty')}</dt><dd>${ltr(percent(w, s.settings.latePenaltyPercent))}</dd>
  <dt>${w.t('fees.refund')}</dt><dd>${ltr(percent(w, s.settings.refundPercent))}</dd>
  <dt>${w.t('fees.paymentDue')}</dt><dd>${periodWords(w, s.settings.paymentDue)}</dd>
</dl>`;
  }

  function editForm(w: Words, session: ConsoleSession, s: FeeSchedule, outcome: Outcome): Html {
    const typed = outcome.form;
    const value = (name: string, current: string) => typed?.[name] ?? current;
    const wrong = new Map((outcome.refusals ?? []).filter((r) => r.field).map((r) => [r.field!, r.message]));
    const error = (name: string) => (wrong.has(name) ? html`<p class="error-message" id="${name}-error">${wrong.get(name)}</p>` : '');
    const described = (name: string, hint?: string) => {
      const ids = [hint, wrong.has(name) ? `${name}-error` : undefined].filter(Boolean).join(' ');
      return ids ? html` aria-describedby="${ids}"` : '';
    };
    const invalid = (name: string) => (wrong.has(name) ? html` aria-invalid="true"` : '');
    const feeInput = (name: string, halalas: number, label: Html) =>
      html`<td class="num${wrong.has(name) ? ' invalid' : ''}"><label class="visually-hidden" for="${name}">${label}</label><input type="text" id="${name}" name="${name}" value="${value(name, riyals(halalas))}" inputmode="decimal" dir="ltr" maxlength="14"${described(name, 'amount-hint')}${invalid(name)}>${error(name)}</td>`;
    const band = (b: FeeBand) => fill(w.t('fees.band'), { kind: kindWords(w, b), activity: activityWords(w, b), area: areaWords(w, b) });
    const setting = (name: (typeof SETTINGS)[number], label: MessageKey, hint: MessageKey, current: string) =>
      html`<div class="field${wrong.has(name) ? ' invalid' : ''}"><label for="${name}">${w.t(label)}</label><p class="hint" id="${name}-hint">${w.t(hint)}</p>${error(name)}
<input type="text" class="short" id="${name}" name="${name}" value="${value(name, current)}" dir="ltr" maxlength="20"${described(name, `${name}-hint`)}${invalid(name)}></div>`;
    return html`<form method="post" action="${FEES_PATH}" class="decision" id="fee-form"><h2>${w.t('fees.edit')}</h2>
<p>${w.t('fees.editIntro')}</p>
<input type="hidden" name="version" value="${value('version', String(s.version))}">
<p class="hint" id="amount-hint">${w.t('fees.amountHint')}</p>
<table class="tasks fees"><thead><tr><th scope="col">${w.t('fees.col.kind')}</th><th scope="col">${w.t('fees.col.activity')}</th><th scope="col">${w.t('fees.col.area')}</th><th scope="col" class="num">${w.t('fees.col.issuance')}</th><th scope="col" class="num">${w.t('fees.col.renewal')}</th></tr></thead>
<tbody>${s.bands.map(
      (b, i) =>
        html`<tr><td>${kindWords(w, b)}</td><td>${activityWords(w, b)}</td><td class="area">${areaWords(w, b)}</td>${feeInput(issuanceField(i), b.issuanceFeeHalalas, html`${w.t('fees.col.issuance')}: ${band(b)}`)}${feeInput(renewalField(i), b.renewalFeeHalalas, html`${w.t('fees.col.renewal')}: ${band(b)}`)}</tr>`,
    )}</tbody></table>
${setting('latePenaltyPercent', 'fees.latePenalty', 'fees.percentHint', String(s.settings.latePenaltyPercent))}
${setting('refundPercent', 'fees.refund', 'fees.percentHint', String(s.settings.refundPercent))}
${setting('paymentDue', 'fees.paymentDue', 'fees.paymentDueHint', s.settings.paymentDue)}
<div class="field${wrong.has('reason') ? ' invalid' : ''}"><label for="reason">${w.t('fees.editReason')}</label>${error('reason')}
<textarea id="reason" name="reason" rows="2" maxlength="500"${described('reason')}${invalid('reason')}>${typed?.reason ?? ''}</textarea></div>
<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}"><div><button type="submit">${w.t('fees.save')}</button></div></form>`;
  }

  function versionsTable(w: Words, versions: FeeSchedule[], current: number): Html {
    return html`<h2>${w.t('fees.versions')}</h2><table class="tasks" id="fee-versions"><thead><tr><th scope="col">${w.t('fees.col.version')}</th><th scope="col">${w.t('fees.savedBy')}</th><th scope="col">${w.t('fees.savedAt')}</th><th scope="col">${w.t('fees.reason')}</th></tr></thead>
<tbody>${versions.map(
      (v) =>
        html`<tr data-version="${v.version}"><td>${ltr(String(v.version))}${v.version === current ? html` <strong>(${w.t('fees.inForceNow')})</strong>` : ''}</td><td>${ltr(v.createdBy)}</td><td>${when(w, v.createdAt)}</td><td><bdi>${v.reason}</bdi></td></tr>`,
    )}</tbody></table>`;
  }

  async function page(req: FastifyRequest, reply: FastifyReply, session: ConsoleSession, outcome: Outcome = {}, status = 200) {
    const w = words(localeOf(req, reply));
    const [s, versions] = await Promise.all([app.fees.current(), app.fees.versions(VERSIONS_SHOWN)]);
    const refusals = outcome.refusals ?? [];
    // After a refusal the form is the one that was sent, on the version it started from; the reader is told of any newer one.
    const started = outcome.form ? (versions.find((v) => String(v.version) === outcome.form!.version) ?? s) : s;
    const body = html`${
      refusals.length
        ? html`<div class="error-summary" role="alert" tabindex="-1" id="fee-refusal"><h2>${w.t('fees.refused')}</h2><ul>${refusals.map(
            (r) => html`<li>${r.field ? html`<a href="#${r.field}">${r.message}</a>` : r.message}</li>`,
          )}</ul></div>`
        : ''
    }${outcome.saved ? html`<div class="panel" role="status" id="fee-saved"><h2>${fill(w.t('fees.saved'), { version: ltr(String(outcome.saved.version)) })}</h2></div>` : ''}
<h1>${w.t('fees.title')}</h1>
<h2>${fill(w.t('fees.inForce'), { version: ltr(String(s.version)) })}</h2>
<dl class="summary" id="fee-version">
  <dt>${w.t('fees.savedBy')}</dt><dd>${ltr(s.createdBy)}</dd>
  <dt>${w.t('fees.savedAt')}</dt><dd>${when(w, s.createdAt)}</dd>
  <dt>${w.t('fees.reason')}</dt><dd><bdi>${s.reason}</bdi></dd>
</dl>
${bandsTable(w, s)}
${settingsList(w, s)}
${can(session.principal, Operation.feeManage) ? editForm(w, session, started, outcome) : ''}
${versionsTable(w, versions, s.version)}`;
    return send(reply, status, layout(w, { title: 'fees.title', path: FEES_PATH, body, home: '/console' }));
  }

  app.get(FEES_PATH, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.paymentRead);
    if (!session) return reply;
    return page(req, reply, session);
  });

  // operation and target: what the audit row says, as for PUT /fees (the session, not the API's hook, is checked here).
  app.post(FEES_PATH, { config: { public: true, operation: Operation.feeManage, target: 'fee_schedule' }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.feeManage);
    if (!session) return reply;
    const w = words(localeOf(req, reply));
    const form = (req.body ?? {}) as Record<string, string>;
    req.auditDetails = { ...req.auditDetails, fromVersion: Number(form.version) || form.version };
    const versions = await app.fees.versions(VERSIONS_SHOWN);
    const base = versions.find((v) => String(v.version) === form.version) ?? versions[0]!;
    const read = readForm(w, form, base);
    if (!read.body) return page(req, reply, session, { refusals: read.refusals, form }, 400);
    try {
      const saved = await app.fees.replace(read.body, session.principal.id);
      req.auditDetails = { ...req.auditDetails, version: saved.version, bands: read.body.bands.length };
      return page(req, reply, session, { saved });
    } catch (err) {
      if (!(err instanceof HttpError) || err.statusCode >= 500) throw err;
      if (err.statusCode === 409) {
        const now = await app.fees.current();
        return page(req, reply, session, { refusals: [{ message: html`${fill(w.t('fees.refused.stale'), { version: ltr(String(now.version)) })} <a href="${FEES_PATH}">${w.t('fees.reload')}</a>` }], form }, 409);
      }
      return page(req, reply, session, { refusals: [refusalAt(w, err.field ?? '')], form }, err.statusCode);
    }
  });
};

export default feePages;
