/**
 * Tiny inline-SVG chart builders for the evaluation report. No dependencies and no external
 * resources, so `report.html` opens anywhere, offline, years later. Every piece of text passes
 * through {@link esc}: feature and group names come from user configs.
 */

/** HTML/SVG text and attribute escaping. */
export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number for people: a dash for missing values, otherwise fixed decimals. */
export function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

export const COLORS = { good: '#2b6cb0', bad: '#c53030', model: '#2b6cb0', ref: '#a0aec0', accent: '#dd6b20' };

const W = 520;
const H = 360;
const M = { top: 34, right: 18, bottom: 50, left: 58 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const n2 = (v: number) => (Math.round(v * 100) / 100).toString();

/** Around five round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

function tickText(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function frame(title: string, body: string, height = H): string {
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title><rect x="0" y="0" width="${W}" height="${height}" fill="#fff"/>` +
    `<text x="${W / 2}" y="20" text-anchor="middle" class="ct">${esc(title)}</text>${body}</svg>`
  );
}

function legend(items: { name: string; color: string; dashed?: boolean }[]): string {
  return items
    .map((s, i) => {
      const x = M.left + 10;
      const y = M.top + 12 + i * 16;
      return (
        `<line x1="${x}" y1="${y}" x2="${x + 18}" y2="${y}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>` +
        `<text x="${x + 24}" y="${y + 4}" class="cl">${esc(s.name)}</text>`
      );
    })
    .join('');
}

export interface Axis {
  min: number;
  max: number;
  label: string;
}

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
  /** Draw a dot on every point (for a few points, such as calibration deciles). */
  markers?: boolean;
}

/** Axes, grid lines and labels; returns the body and the data-to-pixel mappers. */
function axes(x: Axis, y: Axis, xTicks = true): { body: string; sx: (v: number) => number; sy: (v: number) => number } {
  const sx = (v: number) => M.left + ((v - x.min) / (x.max - x.min || 1)) * PW;
  const sy = (v: number) => M.top + PH - ((v - y.min) / (y.max - y.min || 1)) * PH;
  let body = '';
  for (const t of niceTicks(y.min, y.max)) {
    body +=
      `<line x1="${M.left}" x2="${M.left + PW}" y1="${n2(sy(t))}" y2="${n2(sy(t))}" class="grid"/>` +
      `<text x="${M.left - 6}" y="${n2(sy(t) + 4)}" text-anchor="end" class="tk">${tickText(t)}</text>`;
  }
  for (const t of xTicks ? niceTicks(x.min, x.max) : []) {
    body +=
      `<line x1="${n2(sx(t))}" x2="${n2(sx(t))}" y1="${M.top + PH}" y2="${M.top + PH + 4}" class="axis"/>` +
      `<text x="${n2(sx(t))}" y="${M.top + PH + 17}" text-anchor="middle" class="tk">${tickText(t)}</text>`;
  }
  body +=
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" class="plot"/>` +
    `<text x="${M.left + PW / 2}" y="${H - 10}" text-anchor="middle" class="al">${esc(x.label)}</text>` +
    `<text transform="translate(15 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle" class="al">${esc(y.label)}</text>`;
  return { body, sx, sy };
}

/** A line chart: polylines over shared axes, an optional vertical marker with a label. */
export function lineChart(o: {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
  vline?: { x: number; y1: number; y2: number; label: string };
}): string {
  const { body, sx, sy } = axes(o.x, o.y);
  let lines = '';
  for (const s of o.series) {
    const pts = s.points.map(([a, b]) => `${n2(sx(a))},${n2(sy(b))}`).join(' ');
    lines += `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`;
    if (s.markers) lines += s.points.map(([a, b]) => `<circle cx="${n2(sx(a))}" cy="${n2(sy(b))}" r="3.5" fill="${s.color}"/>`).join('');
  }
  if (o.vline) {
    const v = o.vline;
    lines +=
      `<line x1="${n2(sx(v.x))}" x2="${n2(sx(v.x))}" y1="${n2(sy(v.y1))}" y2="${n2(sy(v.y2))}" stroke="${COLORS.accent}" stroke-width="2"/>` +
      // Label on whichever side of the marker has room.
      `<text x="${n2(sx(v.x) + (v.x > (o.x.min + o.x.max) / 2 ? -6 : 6))}" y="${n2((sy(v.y1) + sy(v.y2)) / 2)}" text-anchor="${v.x > (o.x.min + o.x.max) / 2 ? 'end' : 'start'}" class="cl" fill="${COLORS.accent}">${esc(v.label)}</text>`;
  }
  return frame(o.title, body + lines + legend(o.series));
}

/**
 * A histogram of two or more groups side by side, over bins made by ascending interior `edges`
 * (edges.length + 1 bins; the outer two are open-ended and drawn as wide as the others).
 */
export function histogramChart(o: {
  title: string;
  edges: number[];
  series: { name: string; color: string; values: number[] }[];
  xLabel: string;
  yLabel: string;
}): string {
  const bins = o.edges.length + 1;
  const top = Math.max(1e-9, ...o.series.flatMap((s) => s.values)) * 1.1;
  // A histogram labels bin boundaries rather than a continuous x axis.
  const { body, sy } = axes({ min: 0, max: 1, label: o.xLabel }, { min: 0, max: top, label: o.yLabel }, false);
  const bw = PW / bins;
  const gap = bw * 0.12;
  const each = (bw - 2 * gap) / o.series.length;
  let bars = '';
  o.series.forEach((s, k) => {
    s.values.forEach((v, i) => {
      const x = M.left + i * bw + gap + k * each;
      bars += `<rect x="${n2(x)}" y="${n2(sy(v))}" width="${n2(Math.max(each - 1, 1))}" height="${n2(M.top + PH - sy(v))}" fill="${s.color}" opacity="0.85"><title>${esc(`${s.name}: ${(v * 100).toFixed(1)}%`)}</title></rect>`;
    });
  });
  const step = Math.max(1, Math.ceil(o.edges.length / 8));
  let ticks = '';
  o.edges.forEach((e, i) => {
    if (i % step) return;
    const x = M.left + (i + 1) * bw;
    ticks +=
      `<line x1="${n2(x)}" x2="${n2(x)}" y1="${M.top + PH}" y2="${M.top + PH + 4}" class="axis"/>` +
      `<text x="${n2(x)}" y="${M.top + PH + 17}" text-anchor="middle" class="tk">${esc(tickText(e))}</text>`;
  });
  return frame(o.title, body + bars + ticks + legend(o.series));
}

/** Horizontal bars, largest first as given; long labels are shortened with an ellipsis. */
export function hbarChart(o: { title: string; items: { label: string; value: number }[]; xLabel: string }): string {
  const items = o.items;
  const short = (s: string) => (s.length > 30 ? `${s.slice(0, 29)}…` : s);
  const labelW = Math.min(210, 16 + 6.6 * Math.max(4, ...items.map((i) => short(i.label).length)));
  const rowH = 20;
  const height = M.top + items.length * rowH + 40;
  const plotW = W - labelW - M.right - 50;
  const max = Math.max(1e-12, ...items.map((i) => i.value));
  let body = '';
  items.forEach((it, i) => {
    const y = M.top + i * rowH;
    const w = (Math.max(0, it.value) / max) * plotW;
    body +=
      `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end" class="tk">${esc(short(it.label))}<title>${esc(it.label)}</title></text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${n2(Math.max(w, 0.5))}" height="${rowH - 6}" fill="${COLORS.model}"/>` +
      `<text x="${n2(labelW + w + 5)}" y="${y + 14}" class="tk">${esc(fmt(it.value, 3))}</text>`;
  });
  body +=
    `<line x1="${labelW}" x2="${labelW}" y1="${M.top}" y2="${M.top + items.length * rowH}" class="axis"/>` +
    `<text x="${labelW + plotW / 2}" y="${height - 12}" text-anchor="middle" class="al">${esc(o.xLabel)}</text>`;
  return frame(o.title, body, height);
}

/** The CSS the chart classes above rely on. */
export const CHART_CSS = `
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
svg.chart .ct { font-size: 14px; font-weight: 600; fill: #1a202c; }
svg.chart .tk { font-size: 11px; fill: #4a5568; }
svg.chart .al { font-size: 12px; fill: #2d3748; }
svg.chart .cl { font-size: 11.5px; fill: #2d3748; }
svg.chart .grid { stroke: #edf2f7; }
svg.chart .axis { stroke: #718096; }
svg.chart .plot { fill: none; stroke: #a0aec0; }
`;
