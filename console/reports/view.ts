// The reports page: the period's form, the summary (every outcome, cancelled
// included, so that each line adds up to what was received), the outcomes
// over time, the office league table and its charts, and the CSV downloads.
// Rendered from what GET /reports/summary and /reports/offices answer.
import type { ReportService } from '../../api/reports/service';
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
const OUTCOMES = ['issued', 'excludedIncomplete', 'excludedConditions', 'rejected', 'cancelled', 'open'] as const satisfies readonly (keyof Outcomes)[];
/** Told apart by more than hue (green and red differ in lightness too), and each at least 3:1 on white. */
/** The columns of a table of outcomes. */
const OUTCOME_COLUMNS = ['received', ...OUTCOMES] as const;
const OUTCOME_COLOURS: Record<(typeof OUTCOMES)[number], string> = {
  issued: '#00703c',
  excludedIncomplete: '#b35900',
  excludedConditions: '#912b88',
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

function downloads(w: Words, p: Period): Html {
  const query = new URLSearchParams({ from: p.from, to: p.to });
  return html`<section aria-labelledby="download"><h2 id="download">${w.t('reports.download')}</h2><p class="hint">${w.t('reports.csvHint')}</p>
<ul><li><a id="csv-summary" href="/console/reports/summary.csv?${query}" download>${w.t('reports.csv.summary')}</a></li>
<li><a id="csv-offices" href="/console/reports/offices.csv?${query}" download>${w.t('reports.csv.offices')}</a></li>
<li><a id="csv-licenses" href="/console/reports/licenses.csv?${query}" download>${w.t('reports.csv.licenses')}</a></li>
<li><a id="csv-inspections" href="/console/reports/inspections.csv?${query}" download>${w.t('reports.csv.inspections')}</a></li></ul></section>`;
}

export function reportsPage(
  w: Words,
  r: { period: Period; summary: Summary; offices: Offices; licenses: Licenses; inspections: Inspections; granularity: Granularity; parts: { period: Period; total: Outcomes }[] },
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
${downloads(w, r.period)}`;
}
