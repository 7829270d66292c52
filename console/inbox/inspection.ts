// An inspection task's page parts: the findings form the municipal inspector
// holding it records the result with (a pass, or violations chosen from
// violation_codes, each with a note), read into the body POST
// /tasks/:id/inspection takes and sent through the same InboxService; the
// refusal in the catalogue's words; and, for any task on a license, the
// license as it stands with its timeline, the task's own result first.
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { InboxService } from '../../api/inbox/service';
import { InspectionBody } from '../../api/inbox/schemas';
import type { LicenseService } from '../../api/licenses/service';
import { badRequest, HttpError } from '../../api/errors';
import { durationMs } from '../../domain/duration';
import { IN_FORCE, INSPECTION_RESULTS, LicenseEvent, type InspectionResult, type LicenseStatus, type ViolationSeverity } from '../../domain/status';
import type { Principal } from '../../domain/access';
import type { MessageKey } from '../catalogue';
import { html, ltr, type Html } from '../html';
import type { Words } from '../i18n';
import { renewalInvoice } from '../payments/invoice';

export type ViolationCode = Awaited<ReturnType<InboxService['violationCodes']>>[number];
type Task = Awaited<ReturnType<InboxService['get']>>;
type Timeline = Awaited<ReturnType<LicenseService['timeline']>>;
type License = Awaited<ReturnType<LicenseService['verify']>>;
type Finding = { code: string; severity?: ViolationSeverity; note?: string };

const DAY_MS = 86_400_000;
/** The result rows of an inspection on the license's timeline: a closure's is the suspension itself. */
const RESULT_EVENTS: ReadonlySet<string> = new Set([LicenseEvent.inspectionPassed, LicenseEvent.inspectionViolations, LicenseEvent.suspended]);

const text = (w: Words, c: ViolationCode | undefined) => (c ? (w.locale === 'ar' ? c.textAr : c.textEn) : undefined);
const field = (code: string) => `violation-${code}`;
const noteField = (code: string) => `note-${code}`;

function when(w: Words, iso: string): Html {
  const [gregorian, hijri] = w.instant(iso);
  return html`<time datetime="${iso}">${gregorian}</time> <span class="hijri">${hijri}</span>`;
}

/** A code's time to fix, in whole days as the table gives them ("14d"); a shorter one (a test's seconds) as written. */
function fixWithin(w: Words, c: ViolationCode): Html | string {
  if (!c.fixWithin) return '';
  const days = (durationMs(c.fixWithin) ?? 0) / DAY_MS;
  const shown = Number.isInteger(days) && days >= 1
    ? new Intl.NumberFormat(`${w.locale === 'ar' ? 'ar-SA' : 'en-GB'}-u-nu-latn`, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(days)
    : c.fixWithin;
  return html` · ${w.t('inspection.fixWithin')}: ${shown}`;
}

/** The form, for the inspector holding the task: pass or violations, the codes with a note each, a comment; `form` refills it after a refusal. */
export function findingsForm(w: Words, o: { action: string; csrf: Html; codes: ViolationCode[]; form?: Record<string, string> }): Html {
  const form = o.form ?? {};
  const result = form.result === 'violations' ? 'violations' : 'pass';
  return html`<form method="post" action="${o.action}" class="decision" id="inspection-form"><fieldset><legend>${w.t('inspection.record')}</legend>
${INSPECTION_RESULTS.map((r) => html`<div><input type="radio" id="result-${r}" name="result" value="${r}"${r === result ? html` checked` : ''}><label class="inline" for="result-${r}">${w.t(`inspection.result.${r}`)}</label></div>`)}
</fieldset>
<fieldset aria-describedby="violations-hint"><legend>${w.t('inspection.violations')}</legend><p class="hint" id="violations-hint">${w.t('inspection.violationsHint')}</p>
${o.codes.map(
  (c) => html`<div class="violation"><input type="checkbox" id="${field(c.code)}" name="${field(c.code)}" value="on"${form[field(c.code)] ? html` checked` : ''}>
<label class="inline" for="${field(c.code)}"><span class="code">${ltr(c.code)}</span> ${text(w, c)} <span class="hint">(${w.t(`violationSeverity.${c.severity}`)}${fixWithin(w, c)})</span></label>
<label for="${noteField(c.code)}" class="note">${w.t('inspection.note')} ${ltr(c.code)}</label>
<input type="text" id="${noteField(c.code)}" name="${noteField(c.code)}" maxlength="500" value="${form[noteField(c.code)] ?? ''}"></div>`,
)}
</fieldset>
<label for="inspection-comment">${w.t('inspection.comment')}</label><textarea id="inspection-comment" name="comment" rows="2" maxlength="4000">${form.comment ?? ''}</textarea>
${o.csrf}<div><button type="submit">${w.t('inspection.submit')}</button></div></form>`;
}

/**
 * The form as the body POST /tasks/:id/inspection takes: the ticked codes in
 * the table's order (a code not in the form's list is named as sent, for the
 * service to refuse), each with its note; refused as that route's schema
 * refuses it, since a form is not JSON.
 */
export function inspectionBody(form: Record<string, string>): InspectionBody {
  const result = (INSPECTION_RESULTS as readonly string[]).includes(form.result ?? '') ? (form.result as InspectionResult) : undefined;
  if (!result) throw badRequest('body/result', 'body/result: must be one of pass, violations');
  const violations = Object.keys(form)
    .filter((k) => k.startsWith('violation-') && form[k])
    .map((k) => {
      const code = k.slice('violation-'.length);
      const note = form[noteField(code)]?.trim();
      return { code, ...(note ? { note } : {}) };
    });
  const comment = form.comment?.trim();
  const body = { result, ...(violations.length ? { violations } : {}), ...(comment ? { comment } : {}) };
  if (!Value.Check(InspectionBody, body)) {
    const first = [...Value.Errors(InspectionBody, body)][0]!;
    throw badRequest(`body${first.path}`, `body${first.path}: ${first.message}`);
  }
  return body;
}

/**
 * Why the service would not take the result, in the catalogue's words; the
 * task read again tells a result already recorded from a task someone else
 * holds. Undefined for a fault, which the error handler answers.
 */
export async function inspectionRefusal(inbox: InboxService, w: Words, err: unknown, id: string, p: Principal, form: Record<string, string>): Promise<Html | undefined> {
  const words = (key: MessageKey, detail?: Html | string) => html`${w.t(key)}${detail ? html` ${detail}` : ''}`;
  if (err instanceof HttpError && err.statusCode === 400) {
    if (/^body\/violations\/\d+\/code$/.test(err.field ?? '')) return words('inspection.refused.code');
    if (err.field === 'body/violations') return words(form.result === 'pass' ? 'inspection.refused.passWithViolations' : 'inspection.refused.noViolation');
    return words('inspection.refused.invalid', html`<span dir="ltr" lang="en">${err.field ?? err.message}</span>`);
  }
  if (err instanceof HttpError && err.statusCode === 403) return words('inspection.refused.forbidden');
  if ((err instanceof HttpError && err.statusCode === 409) || err instanceof WorkflowUpdateFailedError) {
    const task = await inbox.get(id, p);
    if (task.status !== 'open' && task.status !== 'claimed') return words('inspection.refused.recorded');
    if (task.assignee === null) return words('inspection.refused.notClaimed');
    if (task.assignee !== p.id) return words('inspection.refused.notHolder', ltr(task.assignee));
  }
  return undefined;
}

/** The task's result on the timeline: what was found, by code, with the inspector's notes, and what follows. */
function resultOf(w: Words, row: Timeline['events'][number], codes: Map<string, ViolationCode>): Html {
  const found = ((row.details.violations ?? []) as Finding[]).map((f) => ({ ...f, severity: f.severity ?? codes.get(f.code)?.severity }));
  const outcome = row.event === LicenseEvent.suspended ? 'closure' : found.some((f) => f.severity === 'fix') ? 'fix' : found.length ? 'noted' : 'pass';
  const fixBy = typeof row.details.fixBy === 'string' ? row.details.fixBy : undefined;
  const comment = typeof row.details.comment === 'string' ? row.details.comment : undefined;
  return html`<section aria-labelledby="inspection-result" id="inspection-result-section"><h2 id="inspection-result">${w.t('inspection.record')}</h2>
<div class="panel${outcome === 'closure' ? ' bad' : ''}" data-outcome="${outcome}"><p><strong>${w.t(`inspection.outcome.${outcome}`)}</strong> · ${when(w, row.at)}</p>
${fixBy ? html`<p>${w.t('inspection.fixBy')}: ${when(w, fixBy)}</p>` : ''}</div>
${
  found.length
    ? html`<table class="tasks" id="inspection-findings"><thead><tr><th scope="col">${w.t('inspection.col.code')}</th><th scope="col">${w.t('inspection.col.text')}</th><th scope="col">${w.t('inspection.col.severity')}</th><th scope="col">${w.t('inspection.col.note')}</th></tr></thead>
<tbody>${found.map(
        (f) => html`<tr data-code="${f.code}"><th scope="row" class="code">${ltr(f.code)}</th><td>${text(w, codes.get(f.code)) ?? w.t('reports.inspections.retired')}</td><td>${f.severity ? w.t(`violationSeverity.${f.severity}`) : ''}</td><td>${f.note ? html`<bdi>${f.note}</bdi>` : ''}</td></tr>`,
      )}</tbody></table>`
    : ''
}
${comment ? html`<p>${w.t('inspection.commented')}: <bdi>${comment}</bdi></p>` : ''}</section>`;
}

/** The codes a timeline row names (an inspection's violations), after its words. */
function rowCodes(row: Timeline['events'][number]): Html | string {
  const found = (row.details.violations ?? []) as Finding[];
  return found.length ? html` · ${found.map((f, i) => html`${i ? ', ' : ''}${ltr(f.code)}`)}` : '';
}

/**
 * The license a task is on, as it stands (the status, and why when it is not
 * in force), with its timeline newest first; a completed inspection's result
 * above it. `timeline` is absent for whoever may not read it.
 */
export function licensePanel(w: Words, o: { task: Task; license: License; timeline?: Timeline; codes: ViolationCode[] }): Html {
  const { task, license, timeline } = o;
  const codes = new Map(o.codes.map((c) => [c.code, c]));
  const result = task.kind === 'inspection' ? timeline?.events.find((e) => RESULT_EVENTS.has(e.event) && e.details.taskId === task.id) : undefined;
  const inForce = IN_FORCE.has(license.status as LicenseStatus);
  return html`${result ? resultOf(w, result, codes) : ''}
<section aria-labelledby="task-license"><h2 id="task-license">${w.t('task.license')}</h2>
<div class="panel${inForce ? '' : ' bad'}" id="license-status" data-status="${license.status}"><p><strong>${w.t(`licenseStatus.${license.status as LicenseStatus}`)}</strong></p>
${!inForce && license.statusReason ? html`<p>${w.t('task.license.reason')}: <bdi>${license.statusReason}</bdi></p>` : ''}</div>
<dl class="summary">
  <dt>${w.t('license.number')}</dt><dd>${ltr(license.number)}</dd>
  <dt>${w.t('license.tradeName')}</dt><dd><bdi>${license.tradeName}</bdi></dd>
  <dt>${w.t('license.kind')}</dt><dd>${w.t(`license.kind.${license.licenseKind}`)}</dd>
  <dt>${w.t('license.expiresOn')}</dt><dd>${w.date(license.expiresOn)[0]}</dd>
</dl>
<p><a href="/verify/${encodeURIComponent(license.number)}">${w.t('case.license.verify')}</a></p>
${timeline ? renewalInvoice(w, timeline) : ''}
${
  timeline
    ? html`<h3>${w.t('task.license.timeline')}</h3><ol class="timeline" id="license-timeline">${[...timeline.events]
        .reverse()
        .map((e) => html`<li data-event="${e.event}">${w.t(`licenseEvent.${e.event}`)}${rowCodes(e)} · ${when(w, e.at)}</li>`)}</ol>`
    : ''
}</section>`;
}

/** What the task page needs of a license's task: the license, its timeline (for those who read it) and the codes. */
export async function licenseOfTask(app: FastifyInstance, task: Task, p: Principal, readsTimeline: boolean) {
  if (!task.licenseNumber) return undefined;
  const [license, timeline, codes] = await Promise.all([
    app.licenses.verify(task.licenseNumber),
    readsTimeline ? app.licenses.timeline(task.licenseNumber, p) : undefined,
    app.inbox.violationCodes(),
  ]);
  return { license, timeline, codes };
}
