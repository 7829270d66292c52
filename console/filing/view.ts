// Filing's pages: one question group a page (GOV.UK's pattern), the error
// summary on top with a link to each field it names, the check so far, and
// "check your answers" with a change link per step.
import type { Deficiency } from '../../domain/application';
import type { DocumentRule } from '../../domain/rules';
import type { DocumentType } from '../../domain/status';
import { html, ltr, type Html } from '../html';
import type { Words } from '../i18n';
import { CSRF_FIELD } from '../auth/plugin';
import type { MessageKey } from '../catalogue';
import { FILING_MESSAGES } from './messages';
import type { Draft } from './store';
import { STEP_FIELDS, STEP_PREFIXES, valueAt, WORKER_FIELDS, type Field, type Step } from './steps';

export interface StepContext {
  w: Words;
  csrf: string;
  draft: Draft;
  steps: Step[];
  step: Step;
  /** Field path → what is wrong with it. */
  errors?: Map<string, MessageKey>;
  /** What was typed, shown again when it was refused. */
  typed?: Record<string, string>;
  /** The refusal of a call (an upload, the filing), in the service's words. */
  refusal?: { title: MessageKey; message: string };
  deficiencies: Deficiency[];
  /** Came from the check page: continue goes back there. */
  returnToCheck?: boolean;
}

const idOf = (path: string) => `f-${path.replace(/\//g, '-')}`;
const base = (draft: Draft) => `/console/file/${encodeURIComponent(draft.id)}`;
const csrfField = (csrf: string) => html`<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">`;

function errorSummary(w: Words, errors: Map<string, MessageKey> | undefined, refusal?: StepContext['refusal']): Html {
  if (refusal) return html`<div class="error-summary" role="alert" tabindex="-1"><h2>${w.t(refusal.title)}</h2><p>${refusal.message}</p></div>`;
  if (!errors || errors.size === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1"><h2>${w.t('file.errorsTitle')}</h2>
<ul>${[...errors].map(([path, key]) => html`<li><a href="#${idOf(path)}">${w.t(key)}</a></li>`)}</ul></div>`;
}

/** The deficiencies of what has been typed, for this step (or all, on the check page); FIELD_REQUIRED is the form's own error. */
export function checkSoFar(w: Words, step: Step, deficiencies: Deficiency[]): Html {
  const mine = deficiencies.filter((d) => d.code !== 'FIELD_REQUIRED' && STEP_PREFIXES[step].some((p) => d.field.startsWith(p)));
  return html`<section id="live-check" class="panel${mine.length ? ' bad' : ''}" aria-live="polite" aria-labelledby="live-check-title">
<h2 id="live-check-title">${w.t('file.checkSoFar')}</h2>
${mine.length === 0 ? html`<p>${w.t('file.checkSoFarNone')}</p>` : html`<ul class="deficiencies">${mine.map((d) => html`<li data-code="${d.code}">${w.locale === 'ar' ? d.messageAr : d.messageEn}</li>`)}</ul>`}
</section>`;
}

function optionLabel(w: Words, path: string, option: string): string {
  if (path === 'licenseKind') return w.t(`file.licenseKind.${option}` as MessageKey);
  return w.t(`file.role.${option}` as MessageKey);
}

function fieldHtml(w: Words, f: Field, value: unknown, error: MessageKey | undefined, opts: { readonly?: boolean } = {}): Html {
  const id = idOf(f.path);
  const label = w.t(`file.field.${f.path}` as MessageKey);
  const hintKey = f.path === 'establishment/location/lat' ? 'file.hint.location' : `file.hint.${f.path}`;
  const hint = hintKey in FILING_MESSAGES.ar ? w.t(hintKey as MessageKey) : f.input === 'date' ? w.t('file.hint.date') : undefined;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const err = error ? html`<p class="error-message" id="${id}-error">${w.t(error)}</p>` : '';
  const hintHtml = hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : '';
  const text = value === undefined || value === null ? '' : String(value);
  if (f.input === 'radio') {
    return html`<div class="field${error ? ' invalid' : ''}"><fieldset${described ? html` aria-describedby="${described}"` : ''}><legend>${label}</legend>${hintHtml}${err}
${(f.options ?? []).map(
      (o, i) => html`<div><input type="radio" id="${i === 0 ? id : `${id}-${o}`}" name="${f.path}" value="${o}"${text === o ? html` checked` : ''}><label class="inline" for="${i === 0 ? id : `${id}-${o}`}">${optionLabel(w, f.path, o)}</label></div>`,
    )}</fieldset></div>`;
  }
  if (f.input === 'checkbox') {
    return html`<div class="field"><input type="checkbox" id="${id}" name="${f.path}"${value === true ? html` checked` : ''}><label class="inline" for="${id}">${label}</label></div>`;
  }
  const type = f.input === 'number' ? 'text' : f.input;
  return html`<div class="field${error ? ' invalid' : ''}"><label for="${id}">${label}${f.optional ? html` <span class="hint">${w.t('file.optional')}</span>` : ''}</label>${hintHtml}${err}
<input type="${type}" id="${id}" name="${f.path}" value="${text}"${f.ltr ? html` dir="ltr"` : ''}${f.inputmode ? html` inputmode="${f.inputmode}"` : ''}${f.autocomplete ? html` autocomplete="${f.autocomplete}"` : ''}${f.maxlength ? html` maxlength="${f.maxlength}"` : ''}${f.input === 'number' ? html` class="short"` : ''}${error ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}${opts.readonly ? html` readonly` : ''}></div>`;
}

function progress(c: StepContext): Html {
  const n = c.steps.indexOf(c.step) + 1;
  return html`<p class="caption">${c.w.t('file.stepOf')} ${n} ${c.w.t('file.stepOfTotal')} ${c.steps.length} · ${c.w.t(`file.step.${c.step}`)}</p>`;
}

function backLink(c: StepContext): Html {
  const i = c.steps.indexOf(c.step);
  const to = c.returnToCheck ? 'check' : i > 0 ? c.steps[i - 1] : undefined;
  return to ? html`<p><a class="back" href="${base(c.draft)}/${to}">${c.w.t('file.back')}</a></p>` : html`<p><a class="back" href="/console/file">${c.w.t('file.back')}</a></p>`;
}

function continueButton(c: StepContext): Html {
  return html`${c.returnToCheck ? html`<input type="hidden" name="return" value="check">` : ''}<div><button type="submit" name="action" value="continue">${c.w.t(c.returnToCheck ? 'file.saveAndCheck' : 'file.continue')}</button></div>`;
}

/** A step of plain fields: kind, applicant, establishment, office. */
export function fieldsStep(c: StepContext, step: keyof typeof STEP_FIELDS, opts: { fixed?: Set<string>; hint?: Html } = {}): Html {
  const { w, draft } = c;
  const action = `${base(draft)}/${step}`;
  return html`${backLink(c)}${errorSummary(w, c.errors, c.refusal)}${progress(c)}
<h1>${w.t(`file.step.${step}`)}</h1>${opts.hint ?? ''}
<form method="post" action="${action}" novalidate class="filing" hx-post="${action}/live" hx-trigger="input changed delay:500ms, change" hx-target="#live-check" hx-swap="outerHTML">
${csrfField(c.csrf)}
${STEP_FIELDS[step].map((f) => fieldHtml(w, f, c.typed ? c.typed[f.path] ?? (f.input === 'checkbox' ? undefined : '') : valueAt(draft.data.body, f.path), c.errors?.get(f.path), { readonly: opts.fixed?.has(f.path) }))}
${continueButton(c)}
</form>
${checkSoFar(w, step, c.deficiencies)}`;
}

/** An applicant's choice of office: the accredited ones by name, or the least busy one. */
export function officeStep(c: StepContext, offices: { id: string; name: string }[]): Html {
  const { w, draft } = c;
  const chosen = c.typed ? c.typed.officeId ?? '' : (draft.data.body.officeId ?? '');
  const options = [{ id: '', name: w.t('file.office.any') }, ...offices];
  return html`${backLink(c)}${errorSummary(w, c.errors, c.refusal)}${progress(c)}
<h1>${w.t('file.step.office')}</h1>
<form method="post" action="${base(draft)}/office" novalidate class="filing">${csrfField(c.csrf)}
<div class="field${c.errors?.has('officeId') ? ' invalid' : ''}"><fieldset aria-describedby="f-officeId-hint"><legend>${w.t('file.field.officeId')}</legend><p class="hint" id="f-officeId-hint">${w.t('file.hint.officeId')}</p>
${c.errors?.has('officeId') ? html`<p class="error-message">${w.t(c.errors.get('officeId')!)}</p>` : ''}
${options.map((o, i) => html`<div><input type="radio" id="${i === 0 ? 'f-officeId' : `f-officeId-${o.id}`}" name="officeId" value="${o.id}"${chosen === o.id ? html` checked` : ''}><label class="inline" for="${i === 0 ? 'f-officeId' : `f-officeId-${o.id}`}"><bdi>${o.name}</bdi></label></div>`)}
</fieldset></div>
${continueButton(c)}
</form>`;
}

export function workersStep(c: StepContext): Html {
  const { w, draft } = c;
  const workers = draft.data.body.workers ?? [];
  const action = `${base(draft)}/workers`;
  return html`${backLink(c)}${errorSummary(w, c.errors, c.refusal)}${progress(c)}
<h1>${w.t('file.step.workers')}</h1><p>${w.t('file.workers.needed')}</p>
${
  workers.length === 0
    ? html`<p>${w.t('file.workers.none')}</p>`
    : html`<table class="tasks"><thead><tr><th scope="col">${w.t('case.worker.name')}</th><th scope="col">${w.t('case.worker.certificate')}</th><th scope="col">${w.t('case.worker.expiry')}</th><th scope="col"><span class="visually-hidden">${w.t('file.workers.remove')}</span></th></tr></thead>
<tbody>${workers.map(
        (x, i) => html`<tr><td><bdi>${x.name}</bdi></td><td>${ltr(x.healthCertificateNumber)}</td><td>${ltr(x.healthCertificateExpiry)}</td>
<td><form method="post" action="${action}">${csrfField(c.csrf)}<button type="submit" class="secondary" name="action" value="remove-${i}" aria-label="${w.t('file.workers.remove')} ${x.name}">${w.t('file.workers.remove')}</button></form></td></tr>`,
      )}</tbody></table>`
}
<form method="post" action="${action}" novalidate class="filing">
${csrfField(c.csrf)}
${WORKER_FIELDS.map((f) => fieldHtml(w, f, c.typed?.[f.path] ?? '', c.errors?.get(f.path)))}
<div><button type="submit" class="secondary" name="action" value="add">${w.t('file.workers.add')}</button></div>
</form>
<form method="post" action="${action}">${csrfField(c.csrf)}${continueButton(c)}</form>
${checkSoFar(w, 'workers', c.deficiencies)}`;
}

export function documentsStep(c: StepContext, needed: { type: DocumentType; rule: DocumentRule | undefined }[] | undefined): Html {
  const { w, draft } = c;
  const entries = new Map((draft.data.body.documents ?? []).map((d) => [d.type, d]));
  const action = `${base(draft)}/documents`;
  return html`${backLink(c)}${errorSummary(w, c.errors, c.refusal)}${progress(c)}
<h1>${w.t('file.step.documents')}</h1>
${
  needed === undefined
    ? html`<p>${w.t('file.documents.kindFirst')}</p>`
    : html`<p>${w.t('file.documents.needed')}</p>
${needed.map(({ type, rule }) => {
  const entry = entries.get(type);
  const file = entry?.documentId ? draft.data.files[entry.documentId] : undefined;
  const id = `doc-${type}`;
  return html`<section class="document" aria-labelledby="${id}-title"><h2 id="${id}-title">${w.t(`documentType.${type}`)}</h2>
${
  file && entry?.documentId
    ? html`<p><a href="/console/documents/${encodeURIComponent(entry.documentId)}" target="_blank" rel="noopener"><bdi>${file.name}</bdi></a> <span class="hint">${ltr(String(file.sizeBytes))} ${w.t('file.documents.bytes')}${file.expiresOn ? html` · ${w.t('case.document.expiresOn')} ${ltr(file.expiresOn)}` : ''}</span></p>
<form method="post" action="${action}" class="remove">${csrfField(c.csrf)}<input type="hidden" name="type" value="${type}"><button type="submit" class="secondary" name="action" value="remove">${w.t('file.documents.remove')}</button></form>`
    : html`<p class="hint">${w.t('file.documents.missing')}</p>`
}
<form method="post" action="${action}/upload" enctype="multipart/form-data" class="upload">
${csrfField(c.csrf)}<input type="hidden" name="type" value="${type}">
<label for="${id}-file">${w.t('file.field.document/file')}</label><p class="hint" id="${id}-file-hint">${w.t('file.hint.document')} ${ltr((rule?.acceptedKinds ?? []).map((k) => k.toUpperCase()).join(', '))}</p>
<input type="file" id="${id}-file" name="file" aria-describedby="${id}-file-hint" accept="${(rule?.acceptedKinds ?? []).map((k) => (k === 'pdf' ? 'application/pdf' : `image/${k}`)).join(',')}">
${
  rule?.expiry === 'entered'
    ? html`<label for="${id}-expiresOn">${w.t('file.field.document/expiresOn')}</label><p class="hint" id="${id}-expiresOn-hint">${w.t('file.hint.date')}</p>
<input type="date" id="${id}-expiresOn" name="expiresOn" dir="ltr" aria-describedby="${id}-expiresOn-hint">`
    : ''
}
<div><button type="submit" class="secondary">${w.t(file ? 'file.documents.replace' : 'file.documents.upload')}</button></div>
</form></section>`;
})}`
}
<form method="post" action="${action}">${csrfField(c.csrf)}${continueButton(c)}</form>
${checkSoFar(w, 'documents', c.deficiencies)}`;
}

function answer(w: Words, f: Field, value: unknown): Html | string {
  if (f.input === 'checkbox') return w.t(value === true ? 'file.yes' : 'file.no');
  if (value === undefined || value === null || value === '') return w.t('file.none');
  if (f.input === 'radio') return optionLabel(w, f.path, String(value));
  return f.ltr ? ltr(String(value)) : html`<bdi>${String(value)}</bdi>`;
}

/** "Check your answers": every step's answers with a link to change them, what the check would find, and the filing itself. */
export function checkPage(c: StepContext): Html {
  const { w, draft } = c;
  const body = draft.data.body;
  const change = (step: Step) => html`<a href="${base(draft)}/${step}?return=check">${w.t('file.check.change')}<span class="visually-hidden"> ${w.t(`file.step.${step}`)}</span></a>`;
  const section = (step: Step, rows: Html) => html`<section aria-labelledby="check-${step}"><h2 id="check-${step}">${w.t(`file.step.${step}`)}</h2>
<p>${change(step)}</p><dl class="summary">${rows}</dl></section>`;
  const fieldsOf = (step: keyof typeof STEP_FIELDS) =>
    section(step, html`${STEP_FIELDS[step].map((f) => html`<dt>${w.t(`file.field.${f.path}` as MessageKey)}</dt><dd>${answer(w, f, valueAt(body, f.path))}</dd>`)}`);
  const open = c.deficiencies.length > 0;
  return html`${backLink(c)}${errorSummary(w, c.errors, c.refusal)}
<h1>${w.t('file.step.check')}</h1>
${c.steps.map((s) => {
  if (s === 'workers')
    return section(s, html`${(body.workers ?? []).map((x) => html`<dt><bdi>${x.name}</bdi></dt><dd>${ltr(x.healthCertificateNumber)} · ${ltr(x.healthCertificateExpiry)}</dd>`)}`);
  if (s === 'documents')
    return section(
      s,
      html`${(body.documents ?? []).map((d) => html`<dt>${w.t(`documentType.${d.type}`)}</dt><dd><bdi>${(d.documentId && draft.data.files[d.documentId]?.name) ?? ''}</bdi></dd>`)}`,
    );
  if (s === 'check') return '';
  return fieldsOf(s);
})}
<section id="live-check" class="panel${open ? ' bad' : ''}" aria-labelledby="live-check-title"><h2 id="live-check-title">${w.t('file.checkSoFar')}</h2>
${open ? html`<p>${w.t('file.check.notReady')}</p><ul class="deficiencies">${c.deficiencies.map((d) => html`<li data-code="${d.code}">${w.locale === 'ar' ? d.messageAr : d.messageEn}</li>`)}</ul>` : html`<p>${w.t('file.check.ready')}</p>`}
</section>
<form method="post" action="${base(draft)}/check">${csrfField(c.csrf)}
<p>${w.t('file.check.declaration')}</p>
<div><button type="submit">${w.t('file.check.submit')}</button></div></form>`;
}

/** The start page: a new application, or one left part-way. */
export function startPage(w: Words, csrf: string, drafts: Draft[]): Html {
  return html`<h1>${w.t('file.title')}</h1><p>${w.t('file.intro')}</p>
<form method="post" action="/console/file">${csrfField(csrf)}<button type="submit">${w.t('file.start')}</button></form>
${
  drafts.length
    ? html`<h2>${w.t('file.drafts')}</h2><table class="tasks"><thead><tr><th scope="col">${w.t('list.col.case')}</th><th scope="col">${w.t('file.draft.updated')}</th></tr></thead>
<tbody>${drafts.map(
        (d) => html`<tr><td><a href="/console/file/${encodeURIComponent(d.id)}">${d.data.body.establishment?.tradeName ?? w.t('file.draft.untitled')}</a></td><td>${w.instant(d.updatedAt.toISOString())[0]}</td></tr>`,
      )}</tbody></table>`
    : ''
}`;
}
