// The supervisor's pages as markup, from what the services answer the same
// caller (GET /offices/:id, /accreditation-rounds, /tasks/:id, ...). No data
// is read here: routes.ts reads it and says which forms the caller may use.
import type { TString } from '@sinclair/typebox';
import { ReassignBody } from '../../api/applications/schemas';
import type { ApplicationService } from '../../api/applications/service';
import { ReassignTaskBody } from '../../api/inbox/schemas';
import type { InboxService } from '../../api/inbox/service';
import { DecisionBody, ReassignCasesBody, StandingBody } from '../../api/offices/schemas';
import type { OfficeService } from '../../api/offices/service';
import { can, Operation, OfficeStatus } from '../../domain/access';
import { riyadhDate } from '../../domain/calendar';
import { CSRF_FIELD, type ConsoleSession } from '../auth/plugin';
import type { MessageKey } from '../catalogue';
import { html, ltr, type Html } from '../html';
import type { Words } from '../i18n';

export type OfficeSummary = Awaited<ReturnType<OfficeService['list']>>['items'][number];
/** What the municipality sees of an office: its file, staff and history besides the summary. */
export type OfficeFile = Extract<Awaited<ReturnType<OfficeService['get']>>, { staff: unknown }>;
export type Round = Awaited<ReturnType<OfficeService['rounds']>>['items'][number];
export type Task = Awaited<ReturnType<InboxService['get']>>;
export type CaseSummary = Awaited<ReturnType<ApplicationService['list']>>['items'][number];
export type CaseView = Awaited<ReturnType<ApplicationService['get']>>;
export type BulkMove = Awaited<ReturnType<OfficeService['reassignCases']>>;

/** Whoever may change an office or where cases go sees the offices' screens; readers have GET /offices. */
export const SUPERVISION: Operation[] = [Operation.officeDecide, Operation.officeStanding, Operation.applicationReassign, Operation.roundManage];
export const maySupervise = (p: ConsoleSession['principal']) => SUPERVISION.some((op) => can(p, op));

/** What a POST left to say on the page it answers with: a refusal, or what was done. */
export type Notice = { refused: string } | { done: Html };

/** The changes of standing each status allows (the accreditation workflow's rules). */
const STANDING_ACTIONS: Partial<Record<OfficeStatus, readonly ('suspend' | 'reinstate' | 'revoke')[]>> = {
  accredited: ['suspend', 'revoke'],
  suspended: ['reinstate', 'revoke'],
};
const TROUBLED: ReadonlySet<OfficeStatus> = new Set([OfficeStatus.suspended, OfficeStatus.revoked, OfficeStatus.refused]);
/** The office events the catalogue has words for; any other is named by its code. */
const OFFICE_EVENTS = ['imported', 'applied', 'amendment_requested', 'amended', 'awaiting_decision', 'lapsed', 'accredited', 'refused', 'suspended', 'reinstated', 'revoked'] as const;
type OfficeEvent = (typeof OFFICE_EVENTS)[number];
const isOfficeEvent = (e: string): e is OfficeEvent => (OFFICE_EVENTS as readonly string[]).includes(e);

const csrf = (session: ConsoleSession): Html => html`<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">`;
const day = (w: Words, iso: string): string => w.date(riyadhDate(new Date(iso)))[0];
const when = (w: Words, iso: string): Html => html`<time datetime="${iso}">${w.instant(iso)[0]}</time>`;
/** An option cannot hold markup: Unicode isolates keep a Latin name and its id in order inside an Arabic page. */
const optionLabel = (name: string, id: string) => `\u2068${name}\u2069 (\u2066${id}\u2069)`;
export const officeLink = (id: string) => `/console/offices/${encodeURIComponent(id)}`;
export const moveLink = (caseId: string) => `/console/applications/${encodeURIComponent(caseId)}/office`;
export const reassignLink = (taskId: string) => `/console/tasks/${encodeURIComponent(taskId)}/reassign`;

export function notice(w: Words, n: Notice | undefined): Html {
  if (!n) return html``;
  if ('refused' in n) return html`<div class="error-summary" role="alert" tabindex="-1"><h2>${w.t('supervision.refused')}</h2><p>${n.refused}</p></div>`;
  return html`<div class="panel" role="status"><h2>${w.t('supervision.done')}</h2>${n.done}</div>`;
}

/** The form field a confirmation box sends when ticked. */
export const CONFIRMED = 'yes';

/** Each form's reason, bounded as the API route's schema bounds it (the browser says so before the server does). */
const REASONS = {
  decision: DecisionBody.properties.reason,
  standing: StandingBody.properties.reason,
  bulk: ReassignCasesBody.properties.reason,
  move: ReassignBody.properties.reason,
  reassign: ReassignTaskBody.properties.reason,
} satisfies Record<string, TString>;

/** A reason a change carries to the audit log and the record. */
interface Reason {
  label: MessageKey;
  schema: TString;
  required: boolean;
  hint?: MessageKey;
}

const reasonField = (id: string, r: Reason, w: Words): Html =>
  html`<label for="${id}">${w.t(r.label)}</label>${r.hint ? html`<p class="hint" id="${id}-hint">${w.t(r.hint)}</p>` : ''}
<textarea id="${id}" name="reason" rows="2"${r.required ? html` required` : ''} minlength="${r.schema.minLength}" maxlength="${r.schema.maxLength}"${r.hint ? html` aria-describedby="${id}-hint"` : ''}></textarea>`;

const confirmBox = (id: string, label: MessageKey, w: Words): Html =>
  html`<div><input type="checkbox" id="${id}" name="confirm" value="${CONFIRMED}"><label class="inline" for="${id}">${w.t(label)}</label></div>`;

/** Handing something to one of a list (a task to a reviewer, cases to an office), with a reason: the shape of every move here. */
interface HandOver {
  action: string;
  heading?: MessageKey;
  /** The choice's field, its label and hint, and the choices (the first one selected). */
  field: string;
  label: MessageKey;
  hint?: MessageKey;
  /** A first choice that sends nothing, for the service to choose. */
  none?: MessageKey;
  choices: { value: string; name: string }[];
  reason: Reason;
  confirm?: MessageKey;
  submit: MessageKey;
  /** Why there is nothing to hand over (a closed case, nobody to take it): said instead of the form. */
  unavailable?: MessageKey;
}

function handOverForm(w: Words, session: ConsoleSession, f: HandOver): Html {
  if (f.unavailable) return html`<p>${w.t(f.unavailable)}</p>`;
  const hint = `${f.field}-hint`;
  return html`<form method="post" action="${f.action}" class="decision">${f.heading ? html`<h3>${w.t(f.heading)}</h3>` : ''}
<label for="${f.field}">${w.t(f.label)}</label>${f.hint ? html`<p class="hint" id="${hint}">${w.t(f.hint)}</p>` : ''}
<select id="${f.field}" name="${f.field}"${f.none ? '' : html` required`}${f.hint ? html` aria-describedby="${hint}"` : ''}>${f.none ? html`<option value="">${w.t(f.none)}</option>` : ''}${f.choices.map(
    (c) => html`<option value="${c.value}">${optionLabel(c.name, c.value)}</option>`,
  )}</select>
${reasonField(`${f.field}-reason`, f.reason, w)}
${f.confirm ? confirmBox(`${f.field}-confirm`, f.confirm, w) : ''}
${csrf(session)}<div><button type="submit">${w.t(f.submit)}</button></div></form>`;
}

const radios = <T extends string>(name: string, values: readonly T[], label: (v: T) => MessageKey, w: Words): Html =>
  html`${values.map((v, i) => html`<div><input type="radio" id="${name}-${v}" name="${name}" value="${v}"${i === 0 ? html` checked` : ''}><label class="inline" for="${name}-${v}">${w.t(label(v))}</label></div>`)}`;

export function officeList(w: Words, offices: OfficeSummary[], status: OfficeStatus | undefined, mayManageRounds: boolean): Html {
  const tab = (s: OfficeStatus | undefined, label: MessageKey) =>
    html`<li><a href="/console/offices${s ? `?status=${s}` : ''}"${s === status ? html` aria-current="page"` : ''}>${w.t(label)}</a></li>`;
  return html`<h1>${w.t('offices.title')}</h1>
<nav aria-label="${w.t('offices.col.status')}"><ul class="tabs">${tab(undefined, 'offices.filter.all')}${Object.values(OfficeStatus).map((s) => tab(s, `officeStatus.${s}`))}</ul></nav>
${
  offices.length === 0
    ? html`<p>${w.t('offices.empty')}</p>`
    : html`<table class="tasks"><thead><tr><th scope="col">${w.t('offices.col.name')}</th><th scope="col">${w.t('offices.col.status')}</th><th scope="col">${w.t('offices.col.round')}</th><th scope="col">${w.t('offices.col.appliedAt')}</th><th scope="col">${w.t('offices.col.accreditedAt')}</th></tr></thead>
<tbody>${offices.map(
        (o) => html`<tr><td><a href="${officeLink(o.id)}"><bdi>${o.name}</bdi></a><br>${ltr(o.id)}</td><td data-status="${o.status}">${w.t(`officeStatus.${o.status}`)}</td>
<td>${ltr(o.roundId)}</td><td>${day(w, o.appliedAt)}</td><td>${o.accreditedAt ? day(w, o.accreditedAt) : ''}</td></tr>`,
      )}</tbody></table>`
}
<p><a href="/console/accreditation-rounds">${w.t(mayManageRounds ? 'rounds.open' : 'rounds.title')}</a></p>`;
}

function officeFile(w: Words, o: OfficeFile): Html {
  const documents = o.documents ?? [];
  const staff = o.staff ?? [];
  const deficiencies = o.deficiencies ?? [];
  return html`<section aria-labelledby="file"><h2 id="file">${w.t('office.file')}</h2>
${
  deficiencies.length
    ? html`<h3>${w.t('office.deficiencies')}</h3><ul class="deficiencies">${deficiencies.map((d) => html`<li>${w.locale === 'ar' ? d.messageAr : d.messageEn}</li>`)}</ul>`
    : ''
}
<h3>${w.t('office.documents')}</h3>
<dl class="summary">${documents.map(
    (d) => html`<dt>${w.t(`officeDocument.${d.type}`)}</dt><dd>${ltr(d.reference)}${d.expiresOn ? html`<span class="hijri">${w.t('office.document.expiresOn')} ${w.date(d.expiresOn)[0]}</span>` : ''}</dd>`,
  )}</dl>
<h3>${w.t('office.staff')}</h3>
<table class="tasks"><thead><tr><th scope="col">${w.t('office.staff.name')}</th><th scope="col">${w.t('office.staff.user')}</th><th scope="col">${w.t('office.staff.role')}</th></tr></thead>
<tbody>${staff.map((m) => html`<tr><td><bdi>${m.name}</bdi></td><td>${ltr(m.userId)}</td><td>${w.t(`role.${m.role}`)}</td></tr>`)}</tbody></table></section>`;
}

function officeTimeline(w: Words, o: OfficeFile): Html {
  const said = (d: Record<string, unknown>) => [d.reason, d.note].filter((x): x is string => typeof x === 'string' && x.length > 0);
  return html`<section aria-labelledby="timeline"><h2 id="timeline">${w.t('office.timeline')}</h2>
<ol class="timeline">${[...(o.timeline ?? [])].reverse().map(
    (e) => html`<li data-event="${e.event}">${isOfficeEvent(e.event) ? w.t(`officeEvent.${e.event}`) : html`${w.t('officeEvent.other')} ${ltr(e.event)}`} · ${when(w, e.at)} · ${w.t('office.by')} ${ltr(e.actor)}${said(e.details).map((s) => html`<br><q>${s}</q>`)}</li>`,
  )}</ol></section>`;
}

function decisionForm(w: Words, session: ConsoleSession, o: OfficeFile): Html {
  if (o.waitingOn !== 'supervisor' || !can(session.principal, Operation.officeDecide)) return html``;
  return html`<form method="post" action="${officeLink(o.id)}/decision" class="decision"><fieldset><legend>${w.t('decide.title')}</legend>
${radios('decision', ['approve', 'refuse'] as const, (d) => `decide.${d}`, w)}</fieldset>
${reasonField('decision-reason', { label: 'decide.reason', schema: REASONS.decision, required: false }, w)}
${csrf(session)}<div><button type="submit">${w.t('decide.submit')}</button></div></form>`;
}

function standingForm(w: Words, session: ConsoleSession, o: OfficeFile): Html {
  const actions = STANDING_ACTIONS[o.status];
  if (!actions || !can(session.principal, Operation.officeStanding)) return html``;
  return html`<form method="post" action="${officeLink(o.id)}/standing" class="decision"><fieldset><legend>${w.t('standing.title')}</legend>
${radios('action', actions, (a) => `standing.${a}`, w)}</fieldset>
${reasonField('standing-reason', { label: 'standing.reason', schema: REASONS.standing, required: true, hint: 'standing.reasonHint' }, w)}
${confirmBox('standing-confirm', 'standing.confirmRevoke', w)}
${csrf(session)}<div><button type="submit">${w.t('standing.submit')}</button></div></form>`;
}

function officeCases(w: Words, session: ConsoleSession, o: OfficeFile, cases: CaseSummary[], others: OfficeSummary[]): Html {
  const mayMove = can(session.principal, Operation.applicationReassign);
  return html`<section aria-labelledby="cases"><h2 id="cases">${w.t('office.cases')}</h2>
${
  cases.length === 0
    ? html`<p>${w.t('office.cases.none')}</p>`
    : html`<table class="tasks" id="open-cases"><thead><tr><th scope="col">${w.t('list.col.case')}</th><th scope="col">${w.t('list.col.status')}</th>${mayMove ? html`<td></td>` : ''}</tr></thead>
<tbody>${cases.map(
        (c) => html`<tr><td><a href="/console/applications/${encodeURIComponent(c.id)}"><bdi>${c.tradeName}</bdi></a><br>${ltr(c.id)}</td><td>${w.t(`stage.${c.stage}`)}</td>
${mayMove ? html`<td><a href="${moveLink(c.id)}">${w.t('office.cases.move')}</a></td>` : ''}</tr>`,
      )}</tbody></table>${cases.length < (o.openApplications ?? 0) ? html`<p class="hint">${w.t('office.cases.shown')}</p>` : ''}`
}
${
  mayMove && cases.length > 0
    ? handOverForm(w, session, {
        action: `${officeLink(o.id)}/reassign-cases`,
        heading: 'bulk.title',
        field: 'toOfficeId',
        label: 'bulk.to',
        none: 'bulk.spread',
        choices: others.map((x) => ({ value: x.id, name: x.name })),
        reason: { label: 'bulk.reason', schema: REASONS.bulk, required: true },
        confirm: 'bulk.confirm',
        submit: 'bulk.submit',
      })
    : ''
}</section>`;
}

export function officePage(w: Words, session: ConsoleSession, o: OfficeFile, cases: CaseSummary[], others: OfficeSummary[], n?: Notice): Html {
  return html`${notice(w, n)}
<p class="caption"><a href="/console/offices">${w.t('offices.title')}</a></p>
<h1><bdi>${o.name}</bdi></h1>
<div class="panel${TROUBLED.has(o.status) ? ' bad' : ''}" role="status" id="office-status"><h2>${w.t(`officeStatus.${o.status}`)}</h2>
${o.waitingOn === 'office' || o.waitingOn === 'supervisor' ? html`<p>${w.t(`office.waitingOn.${o.waitingOn}`)}</p>` : ''}
${o.statusReason ? html`<p>${w.t('office.reason')}: <q>${o.statusReason}</q></p>` : ''}</div>
<dl class="summary">
  <dt>${w.t('office.id')}</dt><dd>${ltr(o.id)}</dd>
  <dt>${w.t('office.firmLicense')}</dt><dd>${ltr(o.firmLicenseNumber)}</dd>
  <dt>${w.t('office.crNumber')}</dt><dd>${ltr(o.crNumber ?? '')}</dd>
  <dt>${w.t('office.round')}</dt><dd>${ltr(o.roundId)}</dd>
  <dt>${w.t('office.appliedAt')}</dt><dd>${day(w, o.appliedAt)}</dd>
  <dt>${w.t('office.accreditedAt')}</dt><dd>${o.accreditedAt ? day(w, o.accreditedAt) : ''}</dd>
  <dt>${w.t('office.openApplications')}</dt><dd>${o.openApplications ?? 0}</dd>
</dl>
${officeFile(w, o)}
${decisionForm(w, session, o)}
${standingForm(w, session, o)}
${officeCases(w, session, o, cases, others)}
${officeTimeline(w, o)}`;
}

/** What a move of every open case did, case by case. */
export function bulkMoved(w: Words, r: BulkMove): Html {
  return html`<p>${w.t('bulk.moved')}: ${r.moved.length}</p>${
    r.failed.length ? html`<p>${w.t('bulk.failed')}:</p><ul>${r.failed.map((f) => html`<li>${ltr(f.id)}: ${f.reason}</li>`)}</ul>` : ''
  }`;
}

export function roundsPage(w: Words, session: ConsoleSession, rounds: Round[], n?: Notice): Html {
  return html`${notice(w, n)}
<p class="caption"><a href="/console/offices">${w.t('offices.title')}</a></p>
<h1>${w.t('rounds.title')}</h1>
${
  rounds.length === 0
    ? html`<p>${w.t('rounds.empty')}</p>`
    : html`<table class="tasks" id="rounds"><thead><tr><th scope="col">${w.t('rounds.col.id')}</th><th scope="col">${w.t('rounds.col.name')}</th><th scope="col">${w.t('rounds.col.opensOn')}</th><th scope="col">${w.t('rounds.col.closesOn')}</th><th scope="col">${w.t('rounds.col.accredited')}</th></tr></thead>
<tbody>${rounds.map(
        (r) => html`<tr><td>${ltr(r.id)}</td><td><bdi>${r.name}</bdi></td><td>${w.date(r.opensOn)[0]}</td><td>${w.date(r.closesOn)[0]}</td><td>${ltr(`${r.accredited} / ${r.cap}`)}</td></tr>`,
      )}</tbody></table>`
}
${
  can(session.principal, Operation.roundManage)
    ? html`<form method="post" action="/console/accreditation-rounds" class="decision"><h2>${w.t('rounds.open')}</h2>
<label for="round-id">${w.t('rounds.id')}</label><p class="hint" id="round-id-hint">${w.t('rounds.idHint')}</p>
<input type="text" id="round-id" name="id" dir="ltr" required pattern="[A-Z0-9\\-]{2,40}" maxlength="40" aria-describedby="round-id-hint">
<label for="round-name">${w.t('rounds.name')}</label><input type="text" id="round-name" name="name" required minlength="2" maxlength="200">
<label for="round-cap">${w.t('rounds.cap')}</label><input type="number" id="round-cap" name="cap" required min="1" max="10000" dir="ltr">
<label for="round-opens">${w.t('rounds.opensOn')}</label><input type="date" id="round-opens" name="opensOn" required dir="ltr">
<label for="round-closes">${w.t('rounds.closesOn')}</label><input type="date" id="round-closes" name="closesOn" required dir="ltr">
${csrf(session)}<div><button type="submit">${w.t('rounds.submit')}</button></div></form>`
    : ''
}`;
}

export function movePage(w: Words, session: ConsoleSession, c: CaseView, from: OfficeSummary | undefined, to: OfficeSummary[], n?: Notice): Html {
  const open = c.status === 'in_progress';
  return html`${notice(w, n)}
<h1>${w.t('move.title')}</h1>
<dl class="summary">
  <dt>${w.t('move.case')}</dt><dd><a href="/console/applications/${encodeURIComponent(c.id)}"><bdi>${c.tradeName}</bdi></a> · ${ltr(c.id)}</dd>
  <dt>${w.t('case.status')}</dt><dd>${w.t(`status.${c.status}`)}${open ? html` · ${w.t(`stage.${c.stage}`)}` : ''}</dd>
  <dt>${w.t('move.from')}</dt><dd>${c.officeId ? html`<a href="${officeLink(c.officeId)}"><bdi>${from?.name ?? c.officeId}</bdi></a>` : ''}</dd>
</dl>
${handOverForm(w, session, {
  action: moveLink(c.id),
  field: 'officeId',
  label: 'move.to',
  choices: to.map((o) => ({ value: o.id, name: o.name })),
  reason: { label: 'move.reason', schema: REASONS.move, required: true },
  submit: 'move.submit',
  unavailable: !open ? 'move.closed' : to.length === 0 ? 'move.noOffice' : undefined,
})}`;
}

export function reassignPage(w: Words, session: ConsoleSession, t: Task, office: OfficeFile | undefined, n?: Notice): Html {
  const active = t.status === 'open' || t.status === 'claimed';
  const eligible = (office?.staff ?? []).filter((m) => m.role === t.requiredRole && m.userId !== t.assignee);
  return html`${notice(w, n)}
<h1>${w.t('reassign.title')}</h1>
<dl class="summary">
  <dt>${w.t('move.case')}</dt><dd><a href="/console/tasks/${encodeURIComponent(t.id)}"><bdi>${t.tradeName}</bdi></a> · ${ltr(t.applicationId ?? t.licenseNumber ?? '')}</dd>
  <dt>${w.t('reassign.task')}</dt><dd>${w.t(`task.kind.${t.kind}`)} · ${w.t(`task.status.${t.status}`)}</dd>
  <dt>${w.t('reassign.holder')}</dt><dd id="holder">${t.assignee ? ltr(t.assignee) : w.t('reassign.nobody')}</dd>
  <dt>${w.t('inbox.col.due')}</dt><dd>${when(w, t.dueAt)}</dd>
  <dt>${w.t('move.from')}</dt><dd>${office ? html`<a href="${officeLink(office.id)}"><bdi>${office.name}</bdi></a>` : ''}</dd>
</dl>
${handOverForm(w, session, {
  action: reassignLink(t.id),
  field: 'assignee',
  label: 'reassign.to',
  hint: 'reassign.toHint',
  choices: eligible.map((m) => ({ value: m.userId, name: m.name })),
  reason: { label: 'reassign.reason', schema: REASONS.reassign, required: false },
  submit: 'reassign.submit',
  unavailable: !active ? 'reassign.notActive' : eligible.length === 0 ? 'reassign.noneEligible' : undefined,
})}`;
}

/**
 * On a task's page, for those who may reassign: give it back to the inbox (the
 * inbox's own release, which a supervisor may use on anyone's task), give it to
 * someone else, or move its case to another office.
 */
export function taskSupervision(w: Words, session: ConsoleSession, t: Task): Html {
  const p = session.principal;
  const active = t.status === 'open' || t.status === 'claimed';
  if (!can(p, Operation.taskReassign) || !active || t.kind === 'applicant_correction') return html``;
  return html`<section class="supervision" aria-label="${w.t('reassign.section')}"><ul class="tabs">
<li><a href="${reassignLink(t.id)}">${w.t('reassign.link')}</a></li>
${can(p, Operation.applicationReassign) && t.applicationId && !t.licenseNumber ? html`<li><a href="${moveLink(t.applicationId)}">${w.t('reassign.moveCase')}</a></li>` : ''}</ul>
${
  t.status === 'claimed' && t.assignee !== p.id
    ? html`<form method="post" action="/console/tasks/${encodeURIComponent(t.id)}/release">${csrf(session)}<button type="submit" class="secondary">${w.t('reassign.release')}</button></form>`
    : ''
}</section>`;
}
