// A case as its people see it: where it stands and who it waits for, what is
// to be corrected and by when, its documents (opened in the page), the license
// and its public check, the reviews, the agencies and the timeline in words.
// Rendered from what GET /applications/:id answers the same caller.
import type { ApplicationService } from '../../api/applications/service';
import { html, ltr, type Html } from '../html';
import type { Words } from '../i18n';
import { invoiceSection } from '../payments/invoice';

export type CaseView = Awaited<ReturnType<ApplicationService['get']>>;

function when(w: Words, iso: string): Html {
  const [gregorian, hijri] = w.instant(iso);
  return html`<time datetime="${iso}">${gregorian}</time> <span class="hijri">${hijri}</span>`;
}

function awaited(w: Words, c: CaseView): Html {
  if (c.status !== 'in_progress') return html``;
  if (c.waitingOn.length === 0) return html`<p>${w.t('case.nothingAwaited')}</p>`;
  return html`<p><strong>${w.t('case.awaited')}:</strong> ${c.waitingOn.map((who, i) => html`${i > 0 ? w.t('list.separator') : ''}${w.t(`waitingOn.${who}`)}`)}</p>`;
}

function deficiencies(w: Words, c: CaseView): Html {
  if (c.stage !== 'awaiting_correction' || c.deficiencies.length === 0) return html``;
  return html`<section aria-labelledby="deficiencies"><h2 id="deficiencies">${w.t('case.deficiencies')}</h2>
${c.correctionDueAt ? html`<p>${w.t('case.correctionDue')}: ${when(w, c.correctionDueAt)}</p>` : ''}
<ul class="deficiencies">${c.deficiencies.map((d) => html`<li>${w.locale === 'ar' ? d.messageAr : d.messageEn}</li>`)}</ul></section>`;
}

function documents(w: Words, c: CaseView): Html {
  return html`<section aria-labelledby="documents"><h2 id="documents">${w.t('case.documents')}</h2>
<dl class="summary">${c.documents.map(
    (d) => html`<dt>${w.t(`documentType.${d.type}`)}</dt><dd>${
      'url' in d
        ? html`<a href="/console${d.url}" target="_blank" rel="noopener"><bdi>${d.name}</bdi></a> <span class="hint">(${d.contentType})</span>${
            d.expiresOn ? html`<span class="hijri">${w.t('case.document.expiresOn')} ${w.date(d.expiresOn)[0]}</span>` : ''
          }`
        : html`${w.t('case.document.reference')}: ${ltr(d.reference ?? '')}`
    }</dd>`,
  )}</dl></section>`;
}

function workers(w: Words, c: CaseView): Html {
  if (c.workers.length === 0) return html``;
  const today = new Date().toISOString().slice(0, 10);
  return html`<section aria-labelledby="workers"><h2 id="workers">${w.t('case.workers')}</h2>
<table class="tasks"><thead><tr><th scope="col">${w.t('case.worker.name')}</th><th scope="col">${w.t('case.worker.certificate')}</th><th scope="col">${w.t('case.worker.expiry')}</th></tr></thead>
<tbody>${c.workers.map(
    (x) => html`<tr><td><bdi>${x.name}</bdi></td><td>${ltr(x.healthCertificateNumber)}</td><td>${w.date(x.healthCertificateExpiry)[0]}${x.healthCertificateExpiry < today ? html` <strong class="overdue">${w.t('case.worker.expired')}</strong>` : ''}</td></tr>`,
  )}</tbody></table></section>`;
}

/** `renewal`: the license's renewal invoice while it waits to be paid (console/payments/invoice.ts renewalInvoice). */
function license(w: Words, c: CaseView, renewal?: Html): Html {
  if (!c.license) return html``;
  const verify = `/verify/${encodeURIComponent(c.license.number)}`;
  return html`<section aria-labelledby="license"><h2 id="license">${w.t('case.license')}</h2>
<p>${ltr(c.license.number)} · <a href="${verify}">${w.t('case.license.verify')}</a> · <a href="/licenses/${encodeURIComponent(c.license.number)}/certificate">${w.t('certificate.link')}</a></p>${renewal}</section>`;
}

/**
 * The case's invoice (one for its issuance) and, once paid, its receipt; a
 * case excluded for not paying says so on it. `oob`: sent beside the status,
 * so the receipt shows without a reload once the payment arrives.
 */
export function invoices(w: Words, c: CaseView, oob = false): Html {
  const unpaid = c.status === 'excluded' && c.exclusionReason === 'unpaid';
  return html`<div id="case-invoices"${oob ? html` hx-swap-oob="true"` : ''}>${c.invoices.map((inv) => invoiceSection(w, inv, { excludedUnpaid: unpaid && inv.status === 'expired' }))}</div>`;
}

function reviews(w: Words, c: CaseView): Html {
  if (c.reviews.length === 0) return html``;
  return html`<section aria-labelledby="reviews"><h2 id="reviews">${w.t('case.reviews')}</h2>
<ul>${c.reviews.map((r) => html`<li>${w.t(`reviewKind.${r.kind}`)} (${w.t('case.reviews.round')} ${r.round}): ${w.t(`decision.${r.decision}`)} · ${when(w, r.decidedAt)}</li>`)}</ul></section>`;
}

function agencies(w: Words, c: CaseView): Html {
  const entries = Object.entries(c.agencies) as [('labor_office' | 'zakat'), { state: 'pending' | 'unavailable' | 'compliant' | 'non_compliant' }][];
  if (entries.length === 0) return html``;
  return html`<section aria-labelledby="agencies"><h2 id="agencies">${w.t('case.agencies')}</h2>
<dl class="summary">${entries.map(([name, a]) => html`<dt>${w.t(`agency.${name}`)}</dt><dd>${w.t(`agencyState.${a.state}`)}</dd>`)}</dl></section>`;
}

/** `oob`: sent beside the status to take the page's own timeline's place (htmx, out of band). */
export function timeline(w: Words, c: CaseView, oob = false): Html {
  return html`<section id="case-timeline" aria-labelledby="timeline"${oob ? html` hx-swap-oob="true"` : ''}><h2 id="timeline">${w.t('case.timeline')}</h2>
<ol class="timeline">${[...c.timeline].reverse().map((e) => html`<li>${w.t(`event.${e.event}`)} · ${when(w, e.at)}</li>`)}</ol></section>`;
}

/** Where to ask again for where the case stands, and how often: htmx polls it while the case is open. */
export interface LiveStatus {
  url: string;
  everyMs: number;
}

/**
 * Where the case stands. Live and open, it asks again for its own content
 * (swapped inside, so a screen reader hears the change in this status
 * region); a closed case's answer replaces the panel whole, with no more asking.
 */
export function caseStatus(w: Words, c: CaseView, live?: LiveStatus): Html {
  const polled = live && c.status === 'in_progress' ? html` hx-get="${live.url}" hx-trigger="every ${live.everyMs}ms" hx-swap="innerHTML"` : '';
  return html`<div id="case-status" class="panel${c.status === 'excluded' || c.status === 'rejected' || c.status === 'cancelled' ? ' bad' : ''}" role="status"${polled}>${statusContent(w, c)}</div>`;
}

export function statusContent(w: Words, c: CaseView): Html {
  return html`
  <h2>${w.t(`status.${c.status}`)}${c.status === 'in_progress' ? html` · ${w.t(`stage.${c.stage}`)}` : ''}</h2>
  ${awaited(w, c)}
  ${c.exclusionReason ? html`<p>${w.t('case.exclusion')}: ${w.t(`exclusion.${c.exclusionReason}`)}</p>` : ''}
`;
}

/**
 * `actions`: what the viewer may do here (console/applications/actions.ts), under the status; `live`: the status kept current;
 * `renewal`: its license's renewal invoice, for whoever may read the license.
 */
export function casePage(w: Words, c: CaseView, { actions, live, renewal }: { actions?: Html; live?: LiveStatus; renewal?: Html } = {}): Html {
  return html`<h1>${c.tradeName}</h1>
${caseStatus(w, c, live)}
<dl class="summary">
  <dt>${w.t('case.number')}</dt><dd>${ltr(c.id)}</dd>
  <dt>${w.t('case.office')}</dt><dd>${ltr(c.officeId ?? '')}</dd>
  <dt>${w.t('case.submittedAt')}</dt><dd>${when(w, c.submittedAt)}</dd>
</dl>
${invoices(w, c)}${deficiencies(w, c)}${actions}${documents(w, c)}${workers(w, c)}${license(w, c, renewal)}${reviews(w, c)}${agencies(w, c)}${timeline(w, c)}`;
}
