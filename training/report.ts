/**
 * The model bundle's `report.html`: one self-contained page (inline CSS and SVG, no scripts, no
 * external fonts or links) that a reviewer can open offline to judge the model: discrimination,
 * calibration, score distribution, drivers, fairness and how it was trained.
 */
import type { Metrics } from '../src/domain/bundle.js';
import type { CalibrationRow, KsPoint } from '../src/domain/metrics.js';
import type { FairnessRow } from './fairness.js';
import { FOUR_FIFTHS } from './fairness.js';
import { CHART_CSS, COLORS, esc, fmt, hbarChart, histogramChart, lineChart } from './report-charts.js';

export interface ReportInput {
  bundleMeta: {
    name: string;
    version: string;
    createdAt: string;
    dataSha256: string;
    rows: number;
    trainRows: number;
    validationRows: number;
    testRows: number;
    backend: string;
    trainingSeconds: number;
  };
  metrics: { test: Metrics; validation: Metrics; train?: Metrics };
  /** Test-set ROC curve, (0,0) to (1,1). */
  roc: { fpr: number; tpr: number }[];
  /** Test-set cumulative bad and good shares by PD (see `ksCurve`). */
  ksCurve: KsPoint[];
  /** Test-set equal-mass calibration bins. */
  calibration: CalibrationRow[];
  /** Points histogram on the test set: interior edges, and the share of goods / bads per bin. */
  scoreHistogram: { edges: number[]; good: number[]; bad: number[] };
  importance: { feature: string; value: number }[];
  fairness: FairnessRow[];
  tiers: { cuts: number[]; names: string[] };
  /** Hyperparameters, timings and the model-selection log: any JSON-able key-values. */
  training: Record<string, unknown>;
}

const pct = (v: number | null, d = 1) => (v === null || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(d)}%`);

function table(head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => (c.startsWith('<td') ? c : `<td>${c}</td>`)).join('')}</tr>`).join('');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function header(m: ReportInput['bundleMeta']): string {
  const facts: [string, string][] = [
    ['Version', m.version],
    ['Created', m.createdAt],
    ['Data fingerprint (sha256)', m.dataSha256],
    [
      'Rows',
      `${m.rows.toLocaleString('en')} (train ${m.trainRows.toLocaleString('en')} · validation ${m.validationRows.toLocaleString('en')} · test ${m.testRows.toLocaleString('en')})`,
    ],
    ['Backend', m.backend],
    ['Training time', `${fmt(m.trainingSeconds, 1)} s`],
  ];
  const dl = facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd${k.startsWith('Data') ? ' class="mono"' : ''}>${esc(v)}</dd>`).join('');
  return `<header><h1>${esc(m.name)} <span class="muted">· PD model evaluation</span></h1><dl class="facts">${dl}</dl></header>`;
}

function metricsTable(m: ReportInput['metrics']): string {
  const sets: [string, Metrics][] = [
    ['Test', m.test],
    ['Validation', m.validation],
  ];
  if (m.train) sets.push(['Train', m.train]);
  const lines: [string, (x: Metrics) => string][] = [
    ['AUC', (x) => fmt(x.auc)],
    ['Gini', (x) => fmt(x.gini)],
    ['KS', (x) => fmt(x.ks)],
    ['Brier', (x) => fmt(x.brier)],
    ['Log loss', (x) => fmt(x.logloss)],
    ['ECE (equal-mass deciles)', (x) => fmt(x.ece)],
    ['Rows', (x) => x.rows.toLocaleString('en')],
    ['Default rate', (x) => pct(x.rows ? x.positives / x.rows : null, 2)],
  ];
  return table(
    ['Metric', ...sets.map(([n]) => esc(n))],
    lines.map(([name, f]) => [esc(name), ...sets.map(([, x]) => `<td class="num">${f(x)}</td>`)]),
  );
}

function charts(r: ReportInput): string {
  const roc = lineChart({
    title: `ROC curve (test) — AUC ${fmt(r.metrics.test.auc)}`,
    x: { min: 0, max: 1, label: 'False positive rate (goods flagged)' },
    y: { min: 0, max: 1, label: 'True positive rate (bads caught)' },
    series: [
      { name: 'Model', color: COLORS.model, points: r.roc.map((p) => [p.fpr, p.tpr]) },
      {
        name: 'Random',
        color: COLORS.ref,
        dashed: true,
        points: [
          [0, 0],
          [1, 1],
        ],
      },
    ],
  });
  const widest = r.ksCurve.reduce(
    (b, p) => (Math.abs(p.good - p.bad) > Math.abs(b.good - b.bad) ? p : b),
    r.ksCurve[0] ?? { population: 0, good: 0, bad: 0, score: 0 },
  );
  const ks = lineChart({
    title: `KS plot (test) — KS ${fmt(r.metrics.test.ks)}`,
    x: { min: 0, max: 1, label: 'Share of accounts, lowest PD first' },
    y: { min: 0, max: 1, label: 'Cumulative share' },
    series: [
      { name: 'Goods', color: COLORS.good, points: r.ksCurve.map((p) => [p.population, p.good]) },
      { name: 'Bads', color: COLORS.bad, points: r.ksCurve.map((p) => [p.population, p.bad]) },
    ],
    vline: { x: widest.population, y1: widest.bad, y2: widest.good, label: `KS at PD ≤ ${fmt(widest.score, 3)}` },
  });
  const top = Math.max(0.01, ...r.calibration.flatMap((c) => [c.meanPd, c.observed])) * 1.1;
  const cal = lineChart({
    title: `Calibration (test) — ECE ${fmt(r.metrics.test.ece)}`,
    x: { min: 0, max: top, label: 'Mean predicted PD per decile' },
    y: { min: 0, max: top, label: 'Observed default rate' },
    series: [
      { name: 'Deciles', color: COLORS.model, markers: true, points: r.calibration.map((c) => [c.meanPd, c.observed]) },
      {
        name: 'Perfect calibration',
        color: COLORS.ref,
        dashed: true,
        points: [
          [0, 0],
          [top, top],
        ],
      },
    ],
  });
  const hist = histogramChart({
    title: 'Score distribution (test)',
    edges: r.scoreHistogram.edges,
    series: [
      { name: 'Goods', color: COLORS.good, values: r.scoreHistogram.good },
      { name: 'Bads', color: COLORS.bad, values: r.scoreHistogram.bad },
    ],
    xLabel: 'Points (higher = lower risk)',
    yLabel: 'Share of group',
  });
  const imp = r.importance.length
    ? hbarChart({
        title: 'Feature importance',
        items: r.importance.map((i) => ({ label: i.feature, value: i.value })),
        xLabel: 'Importance',
      })
    : '<p class="muted">No feature importance recorded.</p>';
  const fig = (svg: string) => `<figure>${svg}</figure>`;
  return `<section><h2>Charts</h2><div class="grid">${[roc, ks, cal, hist, imp].map(fig).join('')}</div></section>`;
}

function fairnessSection(rows: FairnessRow[]): string {
  if (!rows.length) return '<section><h2>Fairness</h2><p class="muted">No protected attributes were configured.</p></section>';
  const cuts = rows[0].approval.map((a) => a.cut);
  const head = [
    'Attribute',
    'Group',
    'Rows',
    'Defaults',
    'Default rate',
    'Mean PD',
    'AUC',
    ...cuts.flatMap((c) => [`Approved (PD &lt; ${esc(pct(c, 1))})`, 'AIR']),
  ];
  const body = rows.map((r) => [
    esc(r.attribute),
    esc(r.group),
    `<td class="num">${r.rows.toLocaleString('en')}</td>`,
    `<td class="num">${r.positives.toLocaleString('en')}</td>`,
    `<td class="num">${pct(r.observedRate, 2)}</td>`,
    `<td class="num">${pct(r.meanPd, 2)}</td>`,
    `<td class="num">${fmt(r.auc, 3)}</td>`,
    ...r.approval.flatMap((a) => {
      const flagged = a.air !== null && a.air < FOUR_FIFTHS;
      return [
        `<td class="num">${pct(a.rate, 1)}</td>`,
        `<td class="num${flagged ? ' flag' : ''}">${fmt(a.air, 3)}${flagged ? ' ⚑' : ''}</td>`,
      ];
    }),
  ]);
  const note = `<p class="note">Approved = PD below the tier cut point. AIR (adverse impact ratio) = the group's approval rate over the
highest approval rate among the attribute's groups; cells below ${FOUR_FIFTHS} fail the four-fifths rule and are flagged ⚑.
Protected attributes are not model inputs. AUC is blank where a group has only one outcome.</p>`;
  return `<section><h2>Fairness (test)</h2><div class="scroll">${table(
    head.map((h, i) => (i < 7 ? esc(h) : h)),
    body,
  )}</div>${note}</section>`;
}

function calibrationSection(rows: CalibrationRow[]): string {
  const body = rows.map((c) => [
    `<td class="num">${c.bin}</td>`,
    `<td class="num">${c.rows.toLocaleString('en')}</td>`,
    `<td class="num">${pct(c.meanPd, 2)}</td>`,
    `<td class="num">${pct(c.observed, 2)}</td>`,
    `<td class="num">${(c.observed - c.meanPd >= 0 ? '+' : '') + ((c.observed - c.meanPd) * 100).toFixed(2)} pp</td>`,
  ]);
  return `<section><h2>Calibration table (test, equal-mass deciles by PD)</h2>${table(['Decile', 'Rows', 'Mean PD', 'Observed', 'Observed − predicted'], body)}</section>`;
}

function tiersSection(t: ReportInput['tiers']): string {
  const body = t.names.map((name, i) => {
    const lo = i === 0 ? null : t.cuts[i - 1];
    const hi = i < t.cuts.length ? t.cuts[i] : null;
    const range = lo === null ? `PD &lt; ${pct(hi, 2)}` : hi === null ? `PD ≥ ${pct(lo, 2)}` : `${pct(lo, 2)} ≤ PD &lt; ${pct(hi, 2)}`;
    return [esc(name), range];
  });
  return `<section><h2>Risk tiers</h2>${table(['Tier', 'PD range'], body, 'narrow')}</section>`;
}

function trainingSection(training: Record<string, unknown>): string {
  const value = (v: unknown) =>
    v !== null && typeof v === 'object'
      ? `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`
      : esc(typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v);
  const body = Object.entries(training).map(([k, v]) => [`<td class="mono">${esc(k)}</td>`, value(v)]);
  return `<section><h2>Training and model selection</h2>${body.length ? table(['Setting', 'Value'], body, 'kv') : '<p class="muted">Nothing recorded.</p>'}</section>`;
}

const CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #f7fafc; color: #1a202c; font: 14px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
header { border-bottom: 3px solid #2b6cb0; margin-bottom: 8px; padding-bottom: 12px; }
h1 { font-size: 26px; margin: 0 0 12px; } h2 { font-size: 18px; margin: 28px 0 10px; }
.muted { color: #718096; font-weight: 400; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
.facts dt { color: #4a5568; } .facts dd { margin: 0; }
.mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
pre { margin: 0; white-space: pre-wrap; }
table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.06); margin-bottom: 6px; }
th, td { padding: 5px 12px; border-bottom: 1px solid #e2e8f0; text-align: left; vertical-align: top; }
th { background: #edf2f7; font-weight: 600; font-size: 13px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.flag { background: #fed7d7; color: #9b2c2c; font-weight: 600; }
table.kv td:first-child { width: 220px; }
.scroll { overflow-x: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.06); padding: 6px; }
.note { color: #4a5568; font-size: 12.5px; max-width: 900px; }
footer { margin-top: 36px; color: #718096; font-size: 12px; }
${CHART_CSS}`;

/** The full report page. Every piece of text from the input is escaped. */
export function renderReport(input: ReportInput): string {
  const m = input.bundleMeta;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${m.name} ${m.version} — evaluation report`)}</title><style>${CSS}</style></head>
<body><main>
${header(m)}
<section><h2>Metrics</h2>${metricsTable(input.metrics)}
<p class="note">Test = held-out rows never used in fitting, selection or calibration. ECE is measured over equal-mass deciles by PD.</p></section>
${charts(input)}
${fairnessSection(input.fairness)}
${calibrationSection(input.calibration)}
${tiersSection(input.tiers)}
${trainingSection(input.training)}
<footer>Generated by arrears for ${esc(m.name)} ${esc(m.version)} at ${esc(m.createdAt)}.</footer>
</main></body></html>
`;
}
