// An invoice as its payer reads it, on a case's page and on a license's: the
// bill number to pay at any bank through SADAD, the amount in riyals and what
// it is for line by line, the due date in both calendars, where it stands in
// words, and once paid the receipt. One renderer for both, and the small
// pieces the fee and payment pages share (amounts, templates, dates).
import type { InvoiceLine } from '../../domain/fees';
import { formatSar, InvoiceBasis, InvoiceStatus, type InvoiceRef } from '../../domain/payments';
import type { MessageKey } from '../catalogue';
import { html, ltr, type Html } from '../html';
import type { Words } from '../i18n';

/** An invoice as shown: its lines when known (a case's view has them; a license's pending renewal finds them on its timeline). */
export type ShownInvoice = InvoiceRef & { lines?: InvoiceLine[]; scheduleVersion?: number };

/**
 * A catalogue template with its {names} filled: each value text (escaped) or
 * markup of ours, so an amount keeps its own direction inside a sentence.
 */
export function fill(template: string, values: Record<string, Html | string>): Html {
  const parts = template.split(/\{(\w+)\}/);
  return html`${parts.map((part, i) => (i % 2 === 1 ? (values[part] ?? `{${part}}`) : part))}`;
}

/** Halalas as riyals, in the page's words ("SAR 900.00", "900.00 ريال"), the figure left to right. */
export const sar = (w: Words, halalas: number): Html => html`<span class="amount">${fill(w.t('money.sar'), { amount: ltr(formatSar(halalas)) })}</span>`;

/** A count of a unit in the page's language ("12 شهرًا", "14 days"), Latin digits as the console writes them. */
export const units = (w: Words, n: number, unit: 'month' | 'day' | 'hour'): string =>
  new Intl.NumberFormat(`${w.locale === 'ar' ? 'ar-SA' : 'en-GB'}-u-nu-latn`, { style: 'unit', unit, unitDisplay: 'long' }).format(n);

export const percent = (w: Words, n: number): string => new Intl.NumberFormat(`${w.locale === 'ar' ? 'ar-SA' : 'en-GB'}-u-nu-latn`, { style: 'percent' }).format(n / 100);

/** An instant in both calendars: the Riyadh date and time, the Hijri date under it. */
export function when(w: Words, iso: string): Html {
  const [gregorian, hijri] = w.instant(iso);
  return html`<time datetime="${iso}">${gregorian}</time> <span class="hijri">${hijri}</span>`;
}

function lineText(w: Words, l: InvoiceLine): Html {
  if (l.code === 'late_penalty') return fill(w.t('invoice.line.late_penalty'), { percent: ltr(percent(w, l.percent ?? 0)) });
  const key: MessageKey = l.code === 'renewal_fee' ? 'invoice.line.renewal_fee' : 'invoice.line.issuance_fee';
  return fill(w.t(key), { months: units(w, l.termMonths ?? 12, 'month'), annual: sar(w, l.annualHalalas ?? l.amountHalalas) });
}

function lines(w: Words, inv: ShownInvoice, id: string): Html {
  if (!inv.lines?.length) return html``;
  return html`<table class="tasks invoice-lines" aria-labelledby="${id}-lines"><caption id="${id}-lines">${w.t('invoice.lines')}</caption>
<thead><tr><th scope="col">${w.t('invoice.col.item')}</th><th scope="col" class="num">${w.t('invoice.col.amount')}</th></tr></thead>
<tbody>${inv.lines.map((l) => html`<tr data-line="${l.code}"><td>${lineText(w, l)}</td><td class="num">${sar(w, l.amountHalalas)}</td></tr>`)}</tbody>
<tfoot><tr><th scope="row">${w.t('invoice.sum')}</th><td class="num">${sar(w, inv.amountHalalas)}</td></tr></tfoot></table>`;
}

/**
 * The invoice's section. Open: the bill number first and large, with how to
 * pay it and by when. Paid: the receipt first. `excludedUnpaid`: its case was
 * excluded for it, which the section says in so many words.
 */
export function invoiceSection(w: Words, inv: ShownInvoice, opts: { excludedUnpaid?: boolean } = {}): Html {
  // An id an attribute can carry: the invoice id is "<case or license>:invoice[:n]".
  const id = `invoice-${inv.id.replace(/[^A-Za-z0-9-]/g, '-')}`;
  const open = inv.status === InvoiceStatus.open;
  const paid = inv.status === InvoiceStatus.paid;
  const closed = inv.status === InvoiceStatus.expired || inv.status === InvoiceStatus.cancelled;
  return html`<section class="invoice" id="${id}" aria-labelledby="${id}-title" data-status="${inv.status}" data-bill="${inv.billNumber}">
<h2 id="${id}-title">${w.t(inv.basis === InvoiceBasis.renewal ? 'invoice.title.renewal' : 'invoice.title.issuance')}</h2>
<div class="panel${closed ? ' bad' : ''}"><p><span class="visually-hidden">${w.t('invoice.status')}: </span><strong class="invoice-status">${w.t(`invoice.status.${inv.status}`)}</strong></p>
${opts.excludedUnpaid ? html`<p class="invoice-excluded">${w.t('invoice.unpaidExcluded')}</p>` : ''}
${open && inv.billNumber ? html`<p class="bill"><span class="bill-label">${w.t('invoice.billNumber')}</span> <strong class="bill-number">${ltr(inv.billNumber)}</strong></p><p class="hint">${w.t('invoice.howToPay')}</p>` : ''}
${paid && inv.receiptNumber ? html`<p class="bill"><span class="bill-label">${w.t('invoice.receipt')}</span> <strong class="receipt-number">${ltr(inv.receiptNumber)}</strong></p>` : ''}</div>
<dl class="summary">
  <dt>${w.t('invoice.total')}</dt><dd><strong class="invoice-total">${sar(w, inv.amountHalalas)}</strong></dd>
  ${paid && inv.paidAt ? html`<dt>${w.t('invoice.paidAt')}</dt><dd class="invoice-paid-at">${when(w, inv.paidAt)}</dd>` : html`<dt>${w.t('invoice.dueAt')}</dt><dd class="invoice-due">${when(w, inv.dueAt)}</dd>`}
  ${!open && inv.billNumber ? html`<dt>${w.t('invoice.billNumber')}</dt><dd>${ltr(inv.billNumber)}</dd>` : ''}
</dl>
${lines(w, inv, id)}
${inv.scheduleVersion ? html`<p class="hint">${fill(w.t('invoice.schedule'), { version: ltr(String(inv.scheduleVersion)) })}</p>` : ''}
</section>`;
}

/** The timeline a license shows to whoever may read it (LicenseService.timeline's answer, as far as this needs). */
interface LicenseTimeline {
  pending: Record<string, unknown> | null;
  events: { event: string; details: Record<string, unknown> }[];
}

/**
 * A renewal's invoice while the renewal waits for it: on the license's
 * pending renewal, its lines from the timeline's renewal_invoiced row.
 */
export function renewalInvoice(w: Words, timeline: LicenseTimeline): Html {
  const renewal = timeline.pending?.renewal as { stage?: string; invoice?: InvoiceRef } | undefined;
  if (renewal?.stage !== 'awaiting_payment' || !renewal.invoice) return html``;
  const raised = [...timeline.events].reverse().find((e) => e.event === 'renewal_invoiced' && e.details.invoiceId === renewal.invoice!.id);
  const raisedLines = raised?.details.lines as InvoiceLine[] | undefined;
  return invoiceSection(w, { ...renewal.invoice, ...(raisedLines ? { lines: raisedLines } : {}) });
}
