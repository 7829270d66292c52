// The reports page: the period's form, the summary (every outcome, cancelled
// included, so that each line adds up to what was received), the outcomes
// over time, the office league table and its charts, the licenses, the
// inspections, the fees received and the invoices unpaid, and the CSV
// downloads. Rendered from what GET /reports/* answer.
import type { ReportService } from '../../api/reports/service';
import type { InvoiceBasis, RefundReason } from '../../domain/payments';
import type { LicenseKind, ViolationSeverity } from '../../domain/status';
import type { MessageKey } from '../catalogue';
import { html, ltr, type Html } from '../html';
import type { Words } from '../i18n';
import { horizontalBars, legend, stackedColumns, type Series } from './charts';
import { riyadhToday, type Granularity, type Period } from './period';

export type Summary = Awaited<ReturnType<ReportService['summary']>>;
export type Offices = Awaited<ReturnType<ReportService['offices']>>;
type Outcomes = Summary['total'];
type Office = Offices['offices'][number];
export type Licenses = Awaited<ReturnType<ReportService['licenses']>>;
export type Inspections = Awaited<ReturnType<ReportService['inspections']>>;
export type Revenue = Awaited<ReturnType<ReportService['revenue']>>;
export type Outstanding = Awaited<ReturnType<ReportService['outstanding']>>;
type InspectionLine = Inspections['byDistrict'][number];
type Standing = Licenses['now'];
/** The statuses in the order of a license's life, each a column. */
const STANDING_COLUMNS = ['active', 'renewalOpen', 'expiringSoon', 'expired', 'suspended', 'revoked', 'cancelled'] as const;
const STATUS_OF: Record<(typeof STANDING_COLUMNS)[number], MessageKey> = {
  active: 'licenseStatus.active',
  renewalOpen: 'licenseStatus.renewal_open',
  expiringSoon: 'reports.licenses.expiringSoon',
  expired: 'licenseStatus.expired',
  suspended: 'licenseStatus.suspended',
  revoked: 'licenseStatus.revoked',
  cancelled: 'licenseStatus.cancelled',
};

/** The outcomes a case ends in (or open), in the order a case is told them; with received, the columns of the summary. */
const OUTCOMES = ['issued', 'excludedIncomplete', 'excludedConditions', 'excludedUnpaid', 'rejected', 'cancelled', 'open'] as const satisfies readonly (keyof Outcomes)[];
/** Told apart by more than hue (green and red differ in lightness too), and each at least 3:1 on white. */
/** The columns of a table of outcomes. */
const OUTCOME_COLUMNS = ['received', ...OUTCOMES] as const;
const OUTCOME_COLOURS: Record<(typeof OUTCOMES)[number], string> = {
  issued: '#00703c',
  excludedIncomplete: '#b35900',
  excludedConditions: '#912b88',
  excludedUnpaid: '#7a6500',
  rejected: '#d4351c',
  cancelled: '#505a5f',
  open: '#1d70b8',
};
const VOLUME_COLOUR = '#00594c';
const MEDIAN_COLOUR = '#5694ca';
const P90_COLOUR = '#003078';
const FIRST_TIME_COLOUR = '#00703c';
const SLA_COLOUR = '#1d70b8';

const LOCALE_TAGS = { ar: 'ar-SA', en: 'en-GB' } as const;

/** Numbers as this page writes them: Latin digits in both languages, as the rest of the console does. */
function formats(w: Words) {
  const tag = `${LOCALE_TAGS[w.locale]}-u-nu-latn`;
  const dates = `${LOCALE_TAGS[w.locale]}-u-ca-gregory-nu-latn`;
  const count = new Intl.NumberFormat(tag);
  const days = new Intl.NumberFormat(tag, { maximumFractionDigits: 1 });
  const share = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 1 });
  const riyals = new Intl.NumberFormat(tag, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const compact = new Intl.NumberFormat(tag, { notation: 'compact', maximumFractionDigits: 1 });
  // A part's date is a Riyadh date; read at noon UTC it is the same day everywhere.
  const part: Record<Granularity, Intl.DateTimeFormat> = {
    day: new Intl.DateTimeFormat(dates, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
    month: new Intl.DateTimeFormat(dates, { month: 'short', year: 'numeric', timeZone: 'UTC' }),
    year: new Intl.DateTimeFormat(dates, { year: 'numeric', timeZone: 'UTC' }),
  };
  return {
    count: (n: number) => count.format(n),
    days: (n: number) => days.format(n),
    share: (n: number) => share.format(n),
    /** Halalas as riyals, two decimals: an integer over 100 is never more than half a halala off its decimal, so rounding lands on it. */
    sar: (halalas: number) => riyals.format(halalas / 100),
    /** Riyals on a chart's axis: 300K. */
    compactRiyals: (riyals: number) => compact.format(riyals),
    part: (g: Granularity, from: string) => part[g].format(new Date(`${from}T12:00:00Z`)),
  };
}
type Formats = ReturnType<typeof formats>;

const outcomeName = (w: Words, k: keyof Outcomes) => w.t(`reports.outcome.${k}`);
const outcomeSeries = (w: Words): Series[] => OUTCOMES.map((k) => ({ key: k, name: outcomeName(w, k), colour: OUTCOME_COLOURS[k] }));
const officeName = (w: Words, o: Office) => o.officeName ?? w.t('reports.noOffice');

/** The header row of a table of outcomes: what the first column holds, received, then each outcome. */
const outcomeHead = (w: Words, first: MessageKey) =>
  html`<thead><tr><th scope="col">${w.t(first)}</th>${OUTCOME_COLUMNS.map((k) => html`<th scope="col">${outcomeName(w, k)}</th>`)}</tr></thead>`;
const outcomeCells = (f: Formats, o: Outcomes) => OUTCOME_COLUMNS.map((k) => html`<td data-outcome="${k}">${ltr(f.count(o[k]))}</td>`);

function periodForm(w: Words, asked: Period, invalid: boolean): Html {
  return html`${invalid ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>${w.t('reports.badPeriod')}</h2><p>${w.t('reports.badPeriodHint')}</p></div>` : ''}
<form method="get" action="/console/reports" class="filters">
  <p class="hint" id="period-hint">${w.t('reports.dateHint')} ${ltr(riyadhToday())}</p>
  ${(['from', 'to'] as const).map(
    (end) => html`<label for="${end}">${w.t(`reports.${end}`)}</label>
<input type="text" id="${end}" name="${end}" value="${asked[end]}" dir="ltr" inputmode="numeric" maxlength="10" pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" required aria-describedby="period-hint"${invalid ? html` aria-invalid="true"` : ''}>`,
  )}
  <div><button type="submit">${w.t('reports.show')}</button></div>
</form>`;
}

/** The page before any figure: a period that is not one comes back to its form. */
export function invalidPeriodPage(w: Words, asked: Period): Html {
  return html`<h1>${w.t('reports.title')}</h1><p>${w.t('reports.intro')}</p>${periodForm(w, asked, true)}`;
}

function when(w: Words, iso: string): Html {
  const [gregorian, hijri] = w.date(iso);
  return html`<time datetime="${iso}">${gregorian}</time><span class="hijri">${hijri}</span>`;
}

function summarySection(w: Words, f: Formats, s: Summary): Html {
  return html`<section aria-labelledby="summary"><h2 id="summary">${w.t('reports.summary')}</h2>
<table class="tasks" id="summary-table"><caption class="caption">${w.t('reports.summaryCaption')}</caption>${outcomeHead(w, 'license.kind')}
<tbody><tr data-row="total"><th scope="row">${w.t('reports.all')}</th>${outcomeCells(f, s.total)}</tr>
${s.byLicenseKind.map((k) => html`<tr data-row="${k.licenseKind}"><th scope="row">${w.t(`license.kind.${k.licenseKind as LicenseKind}`)}</th>${outcomeCells(f, k)}</tr>`)}</tbody></table></section>`;
}

function overTimeSection(w: Words, f: Formats, granularity: Granularity, parts: { period: Period; total: Outcomes }[]): Html {
  const columns = parts.map((p) => ({ label: f.part(granularity, p.period.from), values: p.total }));
  return html`<section aria-labelledby="over-time"><h2 id="over-time">${w.t('reports.overTime')}</h2>
${legend(w, outcomeSeries(w))}
${stackedColumns(w, { id: 'chart-over-time', title: w.t('reports.overTime'), desc: w.t('reports.overTimeDesc'), series: outcomeSeries(w), columns })}
<table class="tasks" id="over-time-table">${outcomeHead(w, `reports.bucket.${granularity}`)}
<tbody>${parts.map((p, i) => html`<tr><th scope="row"><time datetime="${p.period.from}">${columns[i]!.label}</time></th>${outcomeCells(f, p.total)}</tr>`)}</tbody></table></section>`;
}

/** A figure of the league table: a column, and a series of the chart it is drawn in. */
interface Figure {
  head: MessageKey;
  value: (r: Office) => number | null;
  format: (n: number) => string;
}
type FigureKey = 'received' | 'issued' | 'median' | 'p90' | 'firstTime' | 'reviews' | 'sla';

const figuresOf = (f: Formats): Record<FigureKey, Figure> => ({
  received: { head: 'reports.outcome.received', value: (r) => r.received, format: f.count },
  issued: { head: 'reports.outcome.issued', value: (r) => r.issued, format: f.count },
  median: { head: 'reports.col.median', value: (r) => r.medianDaysToIssue, format: f.days },
  p90: { head: 'reports.col.p90', value: (r) => r.p90DaysToIssue, format: f.days },
  firstTime: { head: 'reports.col.firstTime', value: (r) => r.firstTimeCompleteShare, format: f.share },
  reviews: { head: 'reports.col.reviews', value: (r) => r.reviewsDecided, format: f.count },
  sla: { head: 'reports.col.sla', value: (r) => r.slaComplianceShare, format: f.share },
});

/** The charts of the league table: which figures each draws (a series each); a share is drawn against its whole. */
const OFFICE_CHARTS: { id: string; title: MessageKey; figures: Partial<Record<FigureKey, string>>; share?: true }[] = [
  { id: 'chart-volume', title: 'reports.chart.volume', figures: { received: VOLUME_COLOUR } },
  { id: 'chart-days', title: 'reports.chart.days', figures: { median: MEDIAN_COLOUR, p90: P90_COLOUR } },
  { id: 'chart-first-time', title: 'reports.chart.firstTime', figures: { firstTime: FIRST_TIME_COLOUR }, share: true },
  { id: 'chart-sla', title: 'reports.chart.sla', figures: { sla: SLA_COLOUR }, share: true },
];

function leagueSection(w: Words, f: Formats, o: Offices): Html {
  const rows = o.offices;
  const figures = figuresOf(f);
  const shown = (x: Figure, r: Office) => {
    const v = x.value(r);
    return v === null ? w.t('reports.noFigure') : x.format(v);
  };
  const charts = OFFICE_CHARTS.map((c) => {
    const drawn = (Object.entries(c.figures) as [FigureKey, string][]).map(([key, colour]) => ({ key, colour, name: w.t(figures[key].head), figure: figures[key] }));
    const desc = `${w.t('reports.chart.officeDesc')} ${rows.map((r) => `${officeName(w, r)}: ${drawn.map((d) => shown(d.figure, r)).join(' / ')}`).join(w.t('list.separator'))}`;
    return html`<h3>${w.t(c.title)}</h3>${drawn.length > 1 ? legend(w, drawn) : ''}
${horizontalBars(w, {
  id: c.id,
  title: w.t(c.title),
  desc,
  series: drawn,
  rows: rows.map((r) => ({ label: officeName(w, r), values: drawn.map((d) => d.figure.value(r)) })),
  format: drawn[0]!.figure.format,
  ...(c.share ? { max: 1 } : {}),
})}`;
  });
  return html`<section aria-labelledby="offices"><h2 id="offices">${w.t('reports.offices')}</h2>
<table class="tasks" id="league-table"><caption class="caption">${w.t('reports.officesCaption')}</caption>
<thead><tr><th scope="col">${w.t('reports.col.rank')}</th><th scope="col">${w.t('reports.col.office')}</th>${Object.values(figures).map((x) => html`<th scope="col">${w.t(x.head)}</th>`)}</tr></thead>
<tbody>${rows.map(
    (r, i) => html`<tr data-office="${r.officeId ?? ''}"><td>${ltr(f.count(i + 1))}</td><th scope="row"><bdi>${officeName(w, r)}</bdi>${r.officeId ? html`<br>${ltr(r.officeId)}` : ''}</th>
${(Object.entries(figures) as [FigureKey, Figure][]).map(([key, x]) => html`<td data-figure="${key}">${ltr(shown(x, r))}</td>`)}</tr>`,
  )}</tbody></table>
${charts}
</section>`;
}

function licensesSection(w: Words, f: Formats, l: Licenses): Html {
  const cells = (x: Standing) => html`<td>${ltr(f.count(x.total))}</td>${STANDING_COLUMNS.map((c) => html`<td data-figure="${c}">${ltr(f.count(x[c]))}</td>`)}`;
  const r = l.renewals;
  return html`<section aria-labelledby="licenses"><h2 id="licenses">${w.t('reports.licenses')}</h2>
<table class="tasks" id="licenses-table"><caption class="caption">${w.t('reports.licensesCaption')}</caption>
<thead><tr><th scope="col">${w.t('license.kind')}</th><th scope="col">${w.t('reports.licenses.total')}</th>${STANDING_COLUMNS.map((c) => html`<th scope="col">${w.t(STATUS_OF[c])}</th>`)}</tr></thead>
<tbody><tr data-row="total"><th scope="row">${w.t('reports.licenses.total')}</th>${cells(l.now)}</tr>
${l.byLicenseKind.map((k) => html`<tr data-row="${k.licenseKind}"><th scope="row">${w.t(`license.kind.${k.licenseKind as LicenseKind}`)}</th>${cells(k)}</tr>`)}</tbody></table>
<h3>${w.t('reports.renewals')}</h3>
<dl class="summary" id="renewals"><dt>${w.t('reports.renewals.onTime')}</dt><dd>${ltr(f.count(r.renewedOnTime))}</dd>
<dt>${w.t('reports.renewals.late')}</dt><dd>${ltr(f.count(r.renewedLate))}</dd>
<dt>${w.t('reports.renewals.lapsed')}</dt><dd>${ltr(f.count(r.lapsed))}</dd>
<dt>${w.t('reports.renewals.rate')}</dt><dd data-figure="renewalRate">${r.renewalRate === null ? w.t('reports.noFigure') : ltr(f.share(r.renewalRate))}</dd></dl></section>`;
}

/** An inspection task's timing, in the order of its life: came due, recorded (on time, late) or withdrawn, or still open. */
const INSPECTION_TIMING = ['cameDue', 'doneOnTime', 'doneLate', 'withdrawn', 'openOverdue', 'openDue'] as const satisfies readonly (keyof InspectionLine)[];
/** A result by its gravest violation, the lightest first; then the violations found in all. */
const INSPECTION_OUTCOMES = ['pass', 'noted', 'fix', 'closure'] as const satisfies readonly (keyof InspectionLine)[];
const INSPECTION_COLOURS: Record<(typeof INSPECTION_OUTCOMES)[number], string> = {
  pass: '#00703c',
  noted: '#1d70b8',
  fix: '#b35900',
  closure: '#d4351c',
};
const VIOLATIONS_COLOUR = '#912b88';

const figuresOnly = ({ district: _, ...figures }: InspectionLine) => figures;

function inspectionsSection(w: Words, f: Formats, r: Inspections): Html {
  const district = (d: InspectionLine) => (d.district === null ? w.t('reports.inspections.noDistrict') : d.district);
  const lines: { key: string; name: Html | string; x: Omit<InspectionLine, 'district'> }[] = [
    { key: 'total', name: w.t('reports.inspections.all'), x: r.total },
    ...r.byDistrict.map((d) => ({ key: d.district ?? '', name: html`<bdi>${district(d)}</bdi>`, x: d })),
  ];
  const table = (id: string, caption: MessageKey, columns: readonly (keyof Omit<InspectionLine, 'district'>)[]) =>
    html`<table class="tasks" id="${id}"><caption class="caption">${w.t(caption)}</caption>
<thead><tr><th scope="col">${w.t('reports.inspections.district')}</th>${columns.map((c) => html`<th scope="col">${w.t(`reports.inspections.${c}`)}</th>`)}</tr></thead>
<tbody>${lines.map((l, i) => html`<tr${i === 0 ? html` data-row="total"` : html` data-district="${l.key}"`}><th scope="row">${l.name}</th>${columns.map((c) => html`<td data-figure="${c}">${ltr(f.count(l.x[c]))}</td>`)}</tr>`)}</tbody></table>`;
  const series: Series[] = INSPECTION_OUTCOMES.map((k) => ({ key: k, name: w.t(`reports.inspections.${k}`), colour: INSPECTION_COLOURS[k] }));
  const codeText = (c: Inspections['byCode'][number]) => (w.locale === 'ar' ? c.textAr : c.textEn) ?? w.t('reports.inspections.retired');
  const share = r.total.onTimeShare;
  const recorded = r.total.doneOnTime + r.total.doneLate;
  return html`<section aria-labelledby="inspections"><h2 id="inspections">${w.t('reports.inspections')}</h2>
<p>${w.t('reports.inspectionsIntro')}</p>
<dl class="summary" id="inspections-summary"><dt>${w.t('reports.inspectionsAsOf')}</dt><dd>${w.instant(r.asOf)[0]}</dd>
<dt>${w.t('reports.inspections.onTimeShare')}</dt><dd data-figure="onTimeShare">${share === null ? w.t('reports.noFigure') : ltr(f.share(share))}</dd></dl>
${table('inspections-table', 'reports.inspectionsCaption', INSPECTION_TIMING)}
<h3>${w.t('reports.inspections.results')}</h3>
${table('inspection-results-table', 'reports.inspections.resultsCaption', [...INSPECTION_OUTCOMES, 'violations'])}
${
  recorded === 0
    ? ''
    : html`${legend(w, series)}
${stackedColumns(w, {
  id: 'chart-inspection-results',
  title: w.t('reports.chart.inspectionResults'),
  desc: w.t('reports.chart.inspectionResultsDesc'),
  series,
  columns: r.byDistrict.filter((d) => d.doneOnTime + d.doneLate > 0).map((d) => ({ label: district(d), values: figuresOnly(d) })),
})}`
}
<h3>${w.t('reports.inspections.byCode')}</h3>
${
  r.byCode.length === 0
    ? html`<p id="violations-empty">${w.t('reports.inspections.none')}</p>`
    : html`<table class="tasks" id="violations-table"><caption class="caption">${w.t('reports.inspections.byCodeCaption')}</caption>
<thead><tr><th scope="col">${w.t('reports.inspections.code')}</th><th scope="col">${w.t('reports.inspections.text')}</th><th scope="col">${w.t('reports.inspections.severity')}</th><th scope="col">${w.t('reports.inspections.found')}</th><th scope="col">${w.t('reports.inspections.inspections')}</th></tr></thead>
<tbody>${r.byCode.map(
        (c) => html`<tr data-code="${c.code}"><th scope="row" class="code">${ltr(c.code)}</th><td>${codeText(c)}</td><td>${w.t(`violationSeverity.${c.severity as ViolationSeverity}`)}</td><td data-figure="violations">${ltr(f.count(c.violations))}</td><td data-figure="inspections">${ltr(f.count(c.inspections))}</td></tr>`,
      )}</tbody></table>
${horizontalBars(w, {
  id: 'chart-violations',
  title: w.t('reports.chart.violations'),
  desc: `${w.t('reports.chart.violationsDesc')} ${r.byCode.map((c) => `${c.code}: ${f.count(c.violations)}`).join(w.t('list.separator'))}`,
  series: [{ key: 'violations', name: w.t('reports.inspections.found'), colour: VIOLATIONS_COLOUR }],
  rows: r.byCode.map((c) => ({ label: `${c.code} · ${codeText(c)}`, values: [c.violations] })),
  format: f.count,
})}`
}
</section>`;
}

const REVENUE_COLOUR = '#00703c';

/** A table of received riyals by one breakdown: a line each, the null one (payments of no invoice) named so. */
function moneyTable(w: Words, f: Formats, o: { id: string; head: MessageKey; caption: MessageKey; countHead?: MessageKey; rows: { key: string; name: Html | string; count: number; halalas: number }[] }): Html {
  return html`<table class="tasks" id="${o.id}"><caption class="caption">${w.t(o.caption)}</caption>
<thead><tr><th scope="col">${w.t(o.head)}</th><th scope="col">${w.t(o.countHead ?? 'reports.revenue.count')}</th><th scope="col">${w.t('reports.revenue.amount')}</th></tr></thead>
<tbody>${o.rows.map((r) => html`<tr data-key="${r.key}"><th scope="row">${r.name}</th><td data-figure="count">${ltr(f.count(r.count))}</td><td data-figure="sar">${ltr(f.sar(r.halalas))}</td></tr>`)}</tbody></table>`;
}

/** The period's revenue in its parts (those of the chart over time): the days of each part summed. */
function revenueParts(r: Revenue, parts: Period[]) {
  return parts.map((p) => {
    const days = r.byDay.filter((d) => d.day >= p.from && d.day <= p.to);
    const total = (k: 'receivedCount' | 'receivedHalalas' | 'refundedHalalas' | 'netHalalas') => days.reduce((sum, d) => sum + d[k], 0);
    return { period: p, receivedCount: total('receivedCount'), receivedHalalas: total('receivedHalalas'), refundedHalalas: total('refundedHalalas'), netHalalas: total('netHalalas') };
  });
}

function revenueSection(w: Words, f: Formats, r: Revenue, granularity: Granularity, periods: Period[]): Html {
  const noInvoice = w.t('reports.revenue.noInvoice');
  const parts = revenueParts(r, periods);
  const labels = parts.map((p) => f.part(granularity, p.period.from));
  const series: Series[] = [{ key: 'received', name: w.t('reports.revenue.received'), colour: REVENUE_COLOUR }];
  const totals: { key: string; label: MessageKey; count: number | null; halalas: number }[] = [
    { key: 'received', label: 'reports.revenue.received', count: r.received.count, halalas: r.received.halalas },
    { key: 'refunded', label: 'reports.revenue.refunded', count: r.refunded.count, halalas: r.refunded.halalas },
    { key: 'net', label: 'reports.revenue.net', count: null, halalas: r.netHalalas },
    { key: 'held', label: 'reports.revenue.held', count: r.held.count, halalas: r.held.halalas },
  ];
  const activity = (a: Revenue['byActivity'][number]) =>
    a.isicCode === null ? noInvoice : html`${ltr(a.isicCode)} ${(w.locale === 'ar' ? a.activityAr : a.activityEn) ?? ''}`;
  return html`<section aria-labelledby="revenue"><h2 id="revenue">${w.t('reports.revenue')}</h2>
<p>${w.t('reports.revenueIntro')}</p>
<table class="tasks" id="revenue-table">
<thead><tr><th scope="col">${w.t('reports.revenue.line')}</th><th scope="col">${w.t('reports.revenue.count')}</th><th scope="col">${w.t('reports.revenue.amount')}</th></tr></thead>
<tbody>${totals.map(
    (t) => html`<tr data-row="${t.key}"><th scope="row">${w.t(t.label)}</th><td data-figure="count">${t.count === null ? w.t('reports.noFigure') : ltr(f.count(t.count))}</td><td data-figure="sar">${ltr(f.sar(t.halalas))}</td></tr>`,
  )}</tbody></table>
${
  r.received.count === 0 && r.refunded.count === 0
    ? html`<p id="revenue-empty">${w.t('reports.revenue.none')}</p>`
    : html`<h3>${w.t('reports.revenue.overTime')}</h3>
${stackedColumns(w, {
  id: 'chart-revenue',
  title: w.t('reports.revenue.overTime'),
  desc: w.t('reports.revenue.overTimeDesc'),
  series,
  columns: parts.map((p, i) => ({ label: labels[i]!, values: { received: p.receivedHalalas / 100 } })),
  format: (riyals) => f.sar(Math.round(riyals * 100)),
  axisFormat: f.compactRiyals,
})}
<table class="tasks" id="revenue-over-time-table">
<thead><tr><th scope="col">${w.t(`reports.bucket.${granularity}`)}</th><th scope="col">${w.t('reports.revenue.count')}</th><th scope="col">${w.t('reports.revenue.received')}</th><th scope="col">${w.t('reports.revenue.refunded')}</th><th scope="col">${w.t('reports.revenue.net')}</th></tr></thead>
<tbody>${parts.map(
        (p, i) => html`<tr><th scope="row"><time datetime="${p.period.from}">${labels[i]}</time></th><td data-figure="count">${ltr(f.count(p.receivedCount))}</td><td data-figure="received">${ltr(f.sar(p.receivedHalalas))}</td><td data-figure="refunded">${ltr(f.sar(p.refundedHalalas))}</td><td data-figure="net">${ltr(f.sar(p.netHalalas))}</td></tr>`,
      )}</tbody></table>
<h3>${w.t('reports.revenue.byKind')}</h3>
${moneyTable(w, f, { id: 'revenue-kind-table', head: 'license.kind', caption: 'reports.revenue.addsUp', rows: r.byLicenseKind.map((k) => ({ key: k.licenseKind ?? '', name: k.licenseKind === null ? noInvoice : w.t(`license.kind.${k.licenseKind as LicenseKind}`), ...k })) })}
<h3>${w.t('reports.revenue.byOffice')}</h3>
${moneyTable(w, f, { id: 'revenue-office-table', head: 'reports.col.office', caption: 'reports.revenue.addsUp', rows: r.byOffice.map((o) => ({ key: o.officeId ?? '', name: o.officeId === null ? noInvoice : html`<bdi>${o.officeName ?? w.t('reports.noOffice')}</bdi><br>${ltr(o.officeId)}`, ...o })) })}
<h3>${w.t('reports.revenue.byActivity')}</h3>
${moneyTable(w, f, { id: 'revenue-activity-table', head: 'reports.revenue.activity', caption: 'reports.revenue.addsUp', rows: r.byActivity.map((a) => ({ key: a.isicCode ?? '', name: activity(a), ...a })) })}
<h3>${w.t('reports.revenue.byBasis')}</h3>
${moneyTable(w, f, { id: 'revenue-basis-table', head: 'reports.revenue.basis', caption: 'reports.revenue.addsUp', rows: r.byBasis.map((b) => ({ key: b.basis ?? '', name: b.basis === null ? noInvoice : w.t(`reports.revenue.basis.${b.basis as InvoiceBasis}`), ...b })) })}
${
  r.refundsByReason.length === 0
    ? ''
    : html`<h3>${w.t('reports.revenue.byReason')}</h3>
${moneyTable(w, f, { id: 'refunds-table', head: 'reports.revenue.reason', caption: 'reports.revenue.refundsAddUp', countHead: 'reports.revenue.refunds', rows: r.refundsByReason.map((x) => ({ key: x.reason, name: w.t(`reports.revenue.reason.${x.reason as RefundReason}`), ...x })) })}`
}`
}
</section>`;
}

/** The open invoices' figures as a table's cells: how many and how much, overdue, not yet due. */
const OUTSTANDING_COLUMNS = [
  ['count', 'reports.outstanding.invoices', 'count'],
  ['halalas', 'reports.revenue.amount', 'sar'],
  ['overdueCount', 'reports.outstanding.overdue', 'count'],
  ['overdueHalalas', 'reports.outstanding.overdueAmount', 'sar'],
  ['notDueCount', 'reports.outstanding.notDue', 'count'],
  ['notDueHalalas', 'reports.outstanding.notDueAmount', 'sar'],
] as const satisfies readonly (readonly [keyof Outstanding['total'], MessageKey, 'count' | 'sar'])[];

function outstandingSection(w: Words, f: Formats, o: Outstanding): Html {
  const head = (first: MessageKey) => html`<thead><tr><th scope="col">${w.t(first)}</th>${OUTSTANDING_COLUMNS.map(([, label]) => html`<th scope="col">${w.t(label)}</th>`)}</tr></thead>`;
  const cells = (x: Outstanding['total']) => OUTSTANDING_COLUMNS.map(([k, , kind]) => html`<td data-figure="${k}">${ltr(kind === 'sar' ? f.sar(x[k]) : f.count(x[k]))}</td>`);
  return html`<section aria-labelledby="outstanding"><h2 id="outstanding">${w.t('reports.outstanding')}</h2>
<p>${w.t('reports.outstandingIntro')}</p>
<dl class="summary"><dt>${w.t('reports.outstandingAsOf')}</dt><dd>${w.instant(o.asOf)[0]}</dd></dl>
<table class="tasks" id="outstanding-table"><caption class="caption">${w.t('reports.outstanding.caption')}</caption>${head('license.kind')}
<tbody><tr data-row="total"><th scope="row">${w.t('reports.outstanding.all')}</th>${cells(o.total)}</tr>
${o.byLicenseKind.map((k) => html`<tr data-row="${k.licenseKind}"><th scope="row">${w.t(`license.kind.${k.licenseKind as LicenseKind}`)}</th>${cells(k)}</tr>`)}</tbody></table>
${
  o.total.count === 0
    ? html`<p id="outstanding-empty">${w.t('reports.outstanding.none')}</p>`
    : html`<table class="tasks" id="outstanding-office-table">${head('reports.col.office')}
<tbody>${o.byOffice.map((x) => html`<tr data-office="${x.officeId ?? ''}"><th scope="row"><bdi>${x.officeName ?? w.t('reports.noOffice')}</bdi>${x.officeId ? html`<br>${ltr(x.officeId)}` : ''}</th>${cells(x)}</tr>`)}</tbody></table>
<h3>${w.t('reports.outstanding.list')}</h3>
<table class="tasks" id="outstanding-invoices"><caption class="caption">${w.t('reports.outstanding.listCaption')}</caption>
<thead><tr><th scope="col">${w.t('reports.outstanding.due')}</th><th scope="col">${w.t('reports.outstanding.subject')}</th><th scope="col">${w.t('reports.outstanding.bill')}</th><th scope="col">${w.t('reports.revenue.amount')}</th><th scope="col">${w.t('reports.col.office')}</th></tr></thead>
<tbody>${o.invoices.map(
        (i) => html`<tr data-invoice="${i.invoiceId}"${i.overdue ? html` data-overdue="true"` : ''}><td>${w.instant(i.dueAt)[0]}<br>${w.t(i.overdue ? 'reports.outstanding.isOverdue' : 'reports.outstanding.notOverdue')}</td>
<th scope="row">${i.applicationId ? html`<a href="/console/applications/${i.applicationId}">${ltr(i.applicationId)}</a>` : ltr(i.licenseNumber ?? '')}<br><bdi>${i.tradeName}</bdi></th>
<td data-figure="bill">${i.billNumber ? ltr(i.billNumber) : w.t('reports.outstanding.noBill')}</td><td data-figure="sar">${ltr(f.sar(i.amountHalalas))}</td><td><bdi>${i.officeName ?? w.t('reports.noOffice')}</bdi></td></tr>`,
      )}</tbody></table>`
}
</section>`;
}

function downloads(w: Words, p: Period): Html {
  const query = new URLSearchParams({ from: p.from, to: p.to });
  return html`<section aria-labelledby="download"><h2 id="download">${w.t('reports.download')}</h2><p class="hint">${w.t('reports.csvHint')}</p>
<ul><li><a id="csv-summary" href="/console/reports/summary.csv?${query}" download>${w.t('reports.csv.summary')}</a></li>
<li><a id="csv-offices" href="/console/reports/offices.csv?${query}" download>${w.t('reports.csv.offices')}</a></li>
<li><a id="csv-licenses" href="/console/reports/licenses.csv?${query}" download>${w.t('reports.csv.licenses')}</a></li>
<li><a id="csv-inspections" href="/console/reports/inspections.csv?${query}" download>${w.t('reports.csv.inspections')}</a></li>
<li><a id="csv-revenue" href="/console/reports/revenue.csv?${query}" download>${w.t('reports.csv.revenue')}</a></li>
<li><a id="csv-outstanding" href="/console/reports/outstanding.csv" download>${w.t('reports.csv.outstanding')}</a></li></ul></section>`;
}

export function reportsPage(
  w: Words,
  r: {
    period: Period;
    summary: Summary;
    offices: Offices;
    licenses: Licenses;
    inspections: Inspections;
    revenue: Revenue;
    outstanding: Outstanding;
    granularity: Granularity;
    parts: { period: Period; total: Outcomes }[];
  },
): Html {
  const f = formats(w);
  const received = r.summary.total.received;
  return html`<h1>${w.t('reports.title')}</h1><p>${w.t('reports.intro')}</p>
${periodForm(w, r.period, false)}
<dl class="summary"><dt>${w.t('reports.from')}</dt><dd>${when(w, r.period.from)}</dd><dt>${w.t('reports.to')}</dt><dd>${when(w, r.period.to)}</dd></dl>
${summarySection(w, f, r.summary)}
${received === 0 ? html`<p id="reports-empty">${w.t('reports.empty')}</p>` : html`${overTimeSection(w, f, r.granularity, r.parts)}${leagueSection(w, f, r.offices)}`}
${licensesSection(w, f, r.licenses)}
${inspectionsSection(w, f, r.inspections)}
${revenueSection(w, f, r.revenue, r.granularity, r.parts.map((p) => p.period))}
${outstandingSection(w, f, r.outstanding)}
${downloads(w, r.period)}`;
}
