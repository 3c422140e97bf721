import { describe, expect, it } from 'vitest';
import { MetricsSchema } from '../../src/domain/bundle.js';
import {
  auc,
  brier,
  calibrationTable,
  ece,
  histogram,
  ks,
  ksCurve,
  logloss,
  psi,
  quantileEdges,
  rocCurve,
  summarize,
} from '../../src/domain/metrics.js';
import { mulberry32 } from '../../src/domain/random.js';

// The running example. Bads score 0.35 and 0.8; goods 0.1 and 0.4.
const y = [0, 0, 1, 1];
const s = [0.1, 0.4, 0.35, 0.8];

describe('auc', () => {
  it('counts concordant bad/good pairs', () => {
    // pairs (bad, good): (0.35,0.1) yes, (0.35,0.4) no, (0.8,0.1) yes, (0.8,0.4) yes -> 3/4
    expect(auc(y, s)).toBeCloseTo(0.75, 12);
  });
  it('counts a tie as one half', () => {
    // bads 0.5, 0.9; goods 0.5, 0.2. (0.5,0.5) = 1/2, the other three pairs = 1 -> 3.5/4
    // ranks: 0.2 -> 1, 0.5 and 0.5 -> 2.5 each, 0.9 -> 4; bad rank sum 6.5 - 2·3/2 = 3.5
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    expect(auc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
  });
  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class', () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    expect(auc(labels, labels)).toBe(1);
    expect(
      auc(
        labels,
        labels.map((v) => -v),
      ),
    ).toBe(0);
    expect(auc([0, 0], [0.1, 0.2])).toBeNaN();
  });
  it('is about 0.5 for random scores on 10k rows', () => {
    const r = mulberry32(7);
    const labels = Uint8Array.from({ length: 10_000 }, () => (r() < 0.3 ? 1 : 0));
    const scores = Float64Array.from({ length: 10_000 }, () => r());
    // standard error here is about 0.006
    expect(Math.abs(auc(labels, scores) - 0.5)).toBeLessThan(0.03);
  });
  it.each([
    ['length mismatch', [0, 1], [0.1], /rows/],
    ['label 2', [0, 2], [0.1, 0.2], /0 or 1/],
    ['NaN score', [0, 1], [0.1, NaN], /NaN/],
  ])('rejects %s', (_, labels, scores, msg) => {
    expect(() => auc(labels, scores)).toThrow(msg);
  });
});

describe('ks', () => {
  it('is the widest gap between TPR and FPR', () => {
    // thresholds high to low: 0.8 (bad) tpr .5 fpr 0 -> .5; 0.4 (good) .5/.5 -> 0; 0.35 (bad) 1/.5 -> .5; 0.1 -> 0
    expect(ks(y, s)).toBeCloseTo(0.5, 12);
  });
  it('moves tied scores together', () => {
    // 0.8 (bad) -> tpr .5, fpr 0; then 0.5 holds a bad AND a good -> tpr 1, fpr .5. Gap .5.
    // One row at a time, the bad at 0.5 alone would give tpr 1, fpr 0 -> a false KS of 1.
    expect(ks([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.1])).toBeCloseTo(0.5, 12);
    expect(ks([0, 1], [0.5, 0.5])).toBe(0);
  });
});

describe('brier and logloss', () => {
  it('match hand computation', () => {
    // (0.2 - 0)^2 = 0.04, (0.6 - 1)^2 = 0.16 -> mean 0.1
    expect(brier([0, 1], [0.2, 0.6])).toBeCloseTo(0.1, 12);
    // (0.01 + 0.16 + 0.4225 + 0.04) / 4
    expect(brier(y, s)).toBeCloseTo(0.158125, 12);
    // -(ln 0.8 + ln 0.6) / 2 = (0.223144 + 0.510826) / 2
    expect(logloss([0, 1], [0.2, 0.6])).toBeCloseTo(0.366985, 6);
  });
  it('clips PDs so a confident miss is finite', () => {
    // -ln(1e-15) = 34.5388
    expect(logloss([1], [0])).toBeCloseTo(34.538776, 5);
    // 1 - (1 - 1e-15) is not exactly 1e-15 in floating point, hence the looser check
    expect(logloss([0], [1])).toBeCloseTo(34.54, 1);
  });
});

describe('calibration', () => {
  // PD ascending; two equal-mass bins of 3 rows.
  const labels = [0, 0, 1, 0, 1, 1];
  const pd = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
  it('bins by PD in equal-mass groups', () => {
    // bin 1: PDs .1 .2 .3 -> mean .2, observed 1/3; bin 2: .4 .5 .6 -> mean .5, observed 2/3
    const t = calibrationTable(labels, pd, 2);
    expect(t.map((r) => r.rows)).toEqual([3, 3]);
    expect(t[0].meanPd).toBeCloseTo(0.2, 12);
    expect(t[0].observed).toBeCloseTo(1 / 3, 12);
    expect(t[1].meanPd).toBeCloseTo(0.5, 12);
    expect(t[1].observed).toBeCloseTo(2 / 3, 12);
  });
  it('sorts by PD whatever the row order, and leaves out empty bins', () => {
    const t = calibrationTable([1, 0, 0], [0.9, 0.1, 0.5], 10);
    expect(t.map((r) => [r.bin, r.rows, r.meanPd, r.observed])).toEqual([
      [4, 1, 0.1, 0],
      [7, 1, 0.5, 0],
      [10, 1, 0.9, 1],
    ]);
  });
  it('ece weights each bin error by its share of rows', () => {
    // 3/6 · |0.2 - 1/3| + 3/6 · |0.5 - 2/3| = 0.5 · 0.13333 + 0.5 · 0.16667 = 0.15
    expect(ece(labels, pd, 2)).toBeCloseTo(0.15, 12);
    // a PD that equals the bin's default rate is perfectly calibrated
    expect(ece([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], 1)).toBe(0);
  });
});

describe('summarize', () => {
  it('fills MetricsSchema with gini = 2·auc − 1', () => {
    const m = MetricsSchema.parse(summarize(y, s));
    expect(m.rows).toBe(4);
    expect(m.positives).toBe(2);
    expect(m.auc).toBeCloseTo(0.75, 12);
    expect(m.gini).toBeCloseTo(0.5, 12);
    expect(m.ks).toBeCloseTo(0.5, 12);
  });
});

describe('curves', () => {
  const r = mulberry32(3);
  const labels = Uint8Array.from({ length: 5000 }, () => (r() < 0.2 ? 1 : 0));
  const scores = Float64Array.from(labels, (l) => r() + 0.5 * l);
  it('roc runs from (0,0) to (1,1), monotone, downsampled', () => {
    const roc = rocCurve(labels, scores, 50);
    expect(roc.length).toBeLessThanOrEqual(50);
    expect(roc[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(roc[roc.length - 1]).toEqual({ fpr: 1, tpr: 1 });
    for (let i = 1; i < roc.length; i++) expect(roc[i].fpr >= roc[i - 1].fpr && roc[i].tpr >= roc[i - 1].tpr).toBe(true);
    expect(rocCurve(y, s)).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });
  it('ks curve keeps the point of the widest gap when downsampled', () => {
    const c = ksCurve(labels, scores, 20);
    expect(c.length).toBeLessThanOrEqual(21);
    const gap = Math.max(...c.map((p) => Math.abs(p.good - p.bad)));
    expect(gap).toBeCloseTo(ks(labels, scores), 12);
    expect(c[c.length - 1]).toMatchObject({ population: 1, bad: 1, good: 1 });
  });
});

describe('histogram, quantileEdges and psi', () => {
  it('bins with lower-inclusive interior edges', () => {
    // (-inf,2): 1 | [2,4): 2, 3 | [4,inf): 4 ; NaN not counted
    expect(histogram([1, 2, 3, 4, NaN], [2, 4])).toEqual([0.25, 0.5, 0.25]);
    expect(histogram([], [2])).toEqual([0, 0]);
  });
  it('quantile edges give equal mass and merge repeats', () => {
    const v = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(quantileEdges(v, 5)).toEqual([3, 5, 7, 9]);
    expect(histogram(v, quantileEdges(v, 5))).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(quantileEdges([1, 1, 1, 1, 2], 2)).toEqual([]);
    expect(quantileEdges([1, 1, 2, 2, 3, 3], 3)).toEqual([2, 3]);
  });
  it('psi is 0 for identical distributions', () => {
    expect(psi([0.1, 0.2, 0.7], [0.1, 0.2, 0.7])).toBe(0);
  });
  it('psi matches hand computation, with empty bins floored at 1e-4', () => {
    // (0.25-0.5)·ln(0.25/0.5) + (0.75-0.5)·ln(0.75/0.5) = 0.173287 + 0.101366
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.274653, 6);
    // (0.4-0.5)·ln(0.8) + (0.1-0.0001)·ln(0.1/0.0001) = 0.022314 + 0.690085
    expect(psi([0.5, 0.5, 0], [0.5, 0.4, 0.1])).toBeCloseTo(0.7124, 5);
    expect(() => psi([1], [0.5, 0.5])).toThrow(/bins/);
  });
});

describe('eceNoise', () => {
  it('is the ECE of perfectly calibrated PDs: positive, and it shrinks as rows grow', async () => {
    const { eceNoise } = await import('../../src/domain/metrics.js');
    const pds = (n: number) => Float64Array.from({ length: n }, (_, i) => 0.05 + (0.4 * i) / n);
    const small = eceNoise(pds(1_000), 0.01, 50);
    const big = eceNoise(pds(16_000), 0.01, 50);
    expect(small.mean).toBeGreaterThan(0.005);
    // the noise of a decile mean falls with sqrt(rows): 16x rows, about a quarter of the floor
    expect(big.mean).toBeLessThan(small.mean / 2.5);
    expect(small.p90).toBeGreaterThan(small.mean);
    // more rows, more of the calibrated draws meet 0.01
    expect(big.shareAtMost).toBeGreaterThan(small.shareAtMost);
    expect(eceNoise(pds(1_000), 0.01, 50, 1)).toEqual(small); // seeded: same inputs, same figures
  });
});
