// Charts drawn on the server as inline SVG: no script and no style attribute
// (the page's policy allows neither), colours and sizes as presentation
// attributes. Each is an image with a title and a description for assistive
// technology, each of its marks names its figure on hover, and the page shows
// every figure in a table as well. Mirrored in Arabic: time runs from the
// right and bars grow leftwards, as the text does; text anchors are logical
// (start, end), so they follow the direction the page gives the text.
import { html, type Html } from '../html';
import type { Words } from '../i18n';

export interface Series {
  key: string;
  name: string;
  /** A presentation attribute's colour: at least 3:1 against the white page. */
  colour: string;
}

/** Wide as the page's column, so a user unit is about a CSS pixel at full width. */
const VIEW_WIDTH = 900;
const FONT_SIZE = 14;
/** Where text sits for its line to look centred on a point: most of a glyph is above the baseline. */
const BASELINE_SHIFT = FONT_SIZE * 0.35;
const INK = '#0b0c0c';
const MUTED = '#505a5f';
const GRID = '#b1b4b6';
const TRACK = '#f3f2f1';
/** Between stacked segments, so two neighbours of like colour stay two. */
const SEPARATOR = '#ffffff';

const round = (n: number) => Math.round(n * 10) / 10;

/** The smallest 1, 2 or 5 times a power of ten that is at least x: steps an axis is read by at a glance. */
export function niceStep(x: number): number {
  if (x <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].find((m) => m * power >= x) ?? 10) * power;
}

/** A left-to-right x (and the width of what starts there) placed for the page's direction. */
const placer = (w: Words) => (x: number, width = 0) => round(w.dir === 'rtl' ? VIEW_WIDTH - x - width : x);

function frame(w: Words, id: string, title: string, desc: string, height: number, marks: Html): Html {
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${VIEW_WIDTH} ${round(height)}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" direction="${w.dir}" font-size="${FONT_SIZE}" fill="${INK}" data-chart="${id}"><title id="${id}-title">${title}</title><desc id="${id}-desc">${desc}</desc>${marks}</svg>`;
}

/** The series' colours and names, in words beside the chart (a chart's own legend would not wrap). */
export function legend(w: Words, series: Series[]): Html {
  return html`<ul class="tabs" aria-label="${w.t('reports.legend')}">${series.map(
    (s) => html`<li><svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false"><rect width="14" height="14" fill="${s.colour}"/></svg> ${s.name}</li>`,
  )}</ul>`;
}

export interface Column {
  label: string;
  values: Record<string, number>;
}

const COLUMNS_HEIGHT = 300;
const COLUMNS_TOP = 12;
/** Room under the plot for the columns' labels. */
const COLUMNS_BOTTOM = 40;
/** Room beside the plot for the axis's numbers. */
const AXIS_WIDTH = 56;
const END_MARGIN = 12;
const Y_TICKS = 4;
/** Of each column's band, the share its bar takes; the rest is the gap between bars. */
const BAR_SHARE = 0.6;
/** Labels closer than this would run into each other: then only every other (every third, ...) is written. */
const MIN_LABEL_SPACING = 72;

/** Columns over time, each a stack of the series (counts, or riyals with `format`), with a scale of round numbers. */
export function stackedColumns(
  w: Words,
  o: { id: string; title: string; desc: string; series: Series[]; columns: Column[]; format?: (v: number) => string; axisFormat?: (v: number) => string },
): Html {
  const format = o.format ?? String;
  // The axis has AXIS_WIDTH for its numbers: a large figure is written short there (300K), whole in each mark's title.
  const axisFormat = o.axisFormat ?? format;
  const x = placer(w);
  const total = (c: Column) => o.series.reduce((sum, s) => sum + (c.values[s.key] ?? 0), 0);
  const step = niceStep(Math.max(1, ...o.columns.map(total)) / Y_TICKS);
  const top = Math.ceil(Math.max(1, ...o.columns.map(total)) / step) * step;
  const plotWidth = VIEW_WIDTH - AXIS_WIDTH - END_MARGIN;
  const plotHeight = COLUMNS_HEIGHT - COLUMNS_TOP - COLUMNS_BOTTOM;
  const y = (v: number) => round(COLUMNS_TOP + plotHeight - (v / top) * plotHeight);
  const band = plotWidth / Math.max(1, o.columns.length);
  const barWidth = band * BAR_SHARE;
  const labelEvery = Math.max(1, Math.ceil(MIN_LABEL_SPACING / band));
  const ticks = Array.from({ length: top / step + 1 }, (_, i) => i * step);
  const grid = ticks.map(
    (t) => html`<line x1="${x(AXIS_WIDTH)}" x2="${x(VIEW_WIDTH - END_MARGIN)}" y1="${y(t)}" y2="${y(t)}" stroke="${GRID}" stroke-width="1"/><text x="${x(AXIS_WIDTH - 8)}" y="${round(y(t) + BASELINE_SHIFT)}" text-anchor="end" fill="${MUTED}">${axisFormat(t)}</text>`,
  );
  const bars = o.columns.map((c, i) => {
    const left = AXIS_WIDTH + i * band + (band - barWidth) / 2;
    let below = 0;
    const segments = o.series.map((s) => {
      const v = c.values[s.key] ?? 0;
      if (v <= 0) return '';
      const segment = html`<rect x="${x(left, barWidth)}" y="${y(below + v)}" width="${round(barWidth)}" height="${round(y(below) - y(below + v))}" fill="${s.colour}" stroke="${SEPARATOR}" stroke-width="1"><title>${c.label} · ${s.name}: ${format(v)}</title></rect>`;
      below += v;
      return segment;
    });
    // Counted back from the last: the latest part, the one people look for, always has its label.
    const label = (o.columns.length - 1 - i) % labelEvery === 0 ? html`<text x="${x(left + barWidth / 2)}" y="${COLUMNS_HEIGHT - COLUMNS_BOTTOM + 22}" text-anchor="middle" fill="${MUTED}">${c.label}</text>` : '';
    return html`<g>${segments}${label}</g>`;
  });
  return frame(w, o.id, o.title, o.desc, COLUMNS_HEIGHT, html`${grid}${bars}`);
}

export interface Bar {
  label: string;
  /** One per series; null where there is no figure (no license issued yet, no review decided). */
  values: (number | null)[];
}

const LABEL_WIDTH = 260;
/** Room after the longest bar for its figure. */
const VALUE_WIDTH = 90;
const BAR_HEIGHT = 16;
const BAR_GAP = 4;
const ROW_GAP = 14;
const EDGE = 8;
/** An office's name longer than this is cut in the chart; the table beside it has it whole. */
const MAX_LABEL_CHARS = 34;

/** Isolated as <bdi> would be (SVG text has no such element): an Arabic name cut in an English page keeps its ellipsis at its own end. */
const FIRST_STRONG_ISOLATE = '\u2068';
const POP_DIRECTIONAL_ISOLATE = '\u2069';
const cut = (s: string) => FIRST_STRONG_ISOLATE + (s.length > MAX_LABEL_CHARS ? `${s.slice(0, MAX_LABEL_CHARS - 1)}…` : s) + POP_DIRECTIONAL_ISOLATE;

/**
 * A row of bars per item (one per series), its figure written at its end.
 * With `max` the scale is fixed (a share: 1), and each bar has its track to it.
 */
export function horizontalBars(
  w: Words,
  o: { id: string; title: string; desc: string; series: Series[]; rows: Bar[]; max?: number; format: (v: number) => string },
): Html {
  const x = placer(w);
  const plotWidth = VIEW_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const max = o.max ?? Math.max(Number.MIN_VALUE, ...o.rows.flatMap((r) => r.values.filter((v): v is number => v !== null)));
  const rowHeight = o.series.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_GAP;
  const rows = o.rows.map((r, i) => {
    const top = EDGE + i * rowHeight;
    const bars = o.series.map((s, j) => {
      const v = r.values[j] ?? null;
      const barTop = top + j * (BAR_HEIGHT + BAR_GAP);
      const length = v === null ? 0 : (Math.min(v, max) / max) * plotWidth;
      const figure = v === null ? w.t('reports.noFigure') : o.format(v);
      return html`${o.max !== undefined ? html`<rect x="${x(LABEL_WIDTH, plotWidth)}" y="${barTop}" width="${plotWidth}" height="${BAR_HEIGHT}" fill="${TRACK}"/>` : ''}
<rect x="${x(LABEL_WIDTH, length)}" y="${barTop}" width="${round(length)}" height="${BAR_HEIGHT}" fill="${s.colour}"><title>${r.label} · ${s.name}: ${figure}</title></rect>
<text x="${x(LABEL_WIDTH + (o.max !== undefined ? plotWidth : length) + 6)}" y="${round(barTop + BAR_HEIGHT / 2 + BASELINE_SHIFT)}" text-anchor="start">${figure}</text>`;
    });
    const middle = top + (rowHeight - ROW_GAP) / 2;
    return html`<g><text x="${x(LABEL_WIDTH - 10)}" y="${round(middle + BASELINE_SHIFT)}" text-anchor="end">${cut(r.label)}</text>${bars}</g>`;
  });
  return frame(w, o.id, o.title, o.desc, EDGE * 2 + o.rows.length * rowHeight - ROW_GAP, html`${rows}`);
}
