import { describe, expect, it } from 'vitest';
import { calibrationTable, histogram, ksCurve, rocCurve, summarize } from '../../src/domain/metrics.js';
import { mulberry32 } from '../../src/domain/random.js';
import { fairnessTable } from '../../training/fairness.js';
import { renderReport, type ReportInput } from '../../training/report.js';

/** 2,000 synthetic held-out rows with a PD that is informative but imperfect. */
function fixture(): ReportInput {
  const r = mulberry32(11);
  const n = 2000;
  const pd = Float64Array.from({ length: n }, () => Math.min(0.95, r() ** 3 * 0.6));
  const y = Uint8Array.from(pd, (p) => (r() < p * 1.1 ? 1 : 0));
  const points = Array.from(pd, (p) => 600 + (20 / Math.LN2) * Math.log((1 - p) / p / 50));
  const edges = Array.from({ length: 12 }, (_, i) => 450 + i * 25);
  const sex = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'F' : i % 11 === 0 ? null : 'M'));
  const test = summarize(y, pd);
  return {
    bundleMeta: {
      name: 'sample & co',
      version: '20250101-000000-abcd1234',
      createdAt: '2025-01-01T00:00:00.000Z',
      dataSha256: 'f'.repeat(64),
      rows: 10_000,
      trainRows: 6000,
      validationRows: 2000,
      testRows: n,
      backend: 'wasm',
      trainingSeconds: 12.34,
    },
    metrics: { test: { ...test, ece: 0.0123 }, validation: summarize(y, pd) },
    roc: rocCurve(y, pd),
    ksCurve: ksCurve(y, pd),
    calibration: calibrationTable(y, pd),
    scoreHistogram: {
      edges,
      good: histogram(
        points.filter((_, i) => y[i] === 0),
        edges,
      ),
      bad: histogram(
        points.filter((_, i) => y[i] === 1),
        edges,
      ),
    },
    importance: [
      { feature: 'utilisation', value: 0.91 },
      { feature: 'months_since_last_delinquency', value: 0.55 },
      { feature: '<script>alert(1)</script>', value: 0.2 },
    ],
    fairness: fairnessTable(
      [{ attribute: 'sex', values: sex }],
      y,
      Array.from(pd, (p, i) => (sex[i] === 'F' ? p * 1.6 : p)),
      [0.05, 0.2],
    ),
    tiers: { cuts: [0.02, 0.05, 0.1, 0.2, 0.4], names: ['A', 'B', 'C', 'D', 'E', 'F'] },
    training: { seed: 42, blendWeight: 0.35, calibration: 'Platt a=1.0210 b=-0.0100', selection: [{ candidate: 'net-64', auc: 0.78 }] },
  };
}

describe('renderReport', () => {
  const input = fixture();
  const html = renderReport(input);

  it('is a complete HTML page with one SVG per chart', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    // ROC, KS, calibration, score distribution, importance
    expect(html.match(/<svg /g)?.length).toBe(5);
    for (const t of ['ROC curve', 'KS plot', 'Calibration (test)', 'Score distribution', 'Feature importance']) expect(html).toContain(t);
  });

  it('prints the ECE in the calibration title and the metrics', () => {
    expect(html).toContain('Calibration (test) — ECE 0.0123');
    expect(html).toContain(input.metrics.test.auc.toFixed(4));
  });

  it('escapes user-supplied text', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('sample &amp; co');
  });

  it('loads nothing from outside the page', () => {
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//i);
  });

  it('flags adverse impact ratios under four-fifths, and only those', () => {
    const flagged = input.fairness.flatMap((r) => r.approval).filter((a) => a.air !== null && a.air < 0.8).length;
    expect(flagged).toBeGreaterThan(0);
    expect(html.match(/class="num flag"/g)?.length).toBe(flagged);
  });

  it('lists the tiers, the calibration deciles and the training settings', () => {
    expect(html).toContain('PD ≥ 40.00%');
    expect(html).toContain('PD &lt; 2.00%');
    expect(html.match(/<tr><td class="num">\d+<\/td>/g)?.length).toBe(10);
    expect(html).toContain('blendWeight');
    expect(html).toContain('&quot;candidate&quot;: &quot;net-64&quot;');
  });

  it('renders with no fairness groups and no importance', () => {
    const bare = renderReport({ ...input, fairness: [], importance: [] });
    expect(bare).toContain('No protected attributes were configured.');
    expect(bare.match(/<svg /g)?.length).toBe(4);
  });
});
