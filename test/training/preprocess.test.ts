import { describe, expect, it } from 'vitest';
import { FeatureSpec } from '../../src/domain/dataset-config.js';
import { encodeFeature, featureWidth, featureWoe, numericWoe, valueWarning, type NumericState } from '../../src/domain/encoding.js';
import { DEFAULT_HYPERPARAMETERS } from '../../src/domain/hyperparameters.js';
import { mulberry32 } from '../../src/domain/random.js';
import { fitCategorical, fitNumeric, woe } from '../../training/preprocess.js';

const DEFAULT_BINNING = DEFAULT_HYPERPARAMETERS.binning;

const spec = (o: Record<string, unknown>) => FeatureSpec.parse({ name: 'x', type: 'numeric', ...o });
const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** Rows whose default probability rises with x (with noise), plus special codes and missing values. */
function synthetic(n: number, seed = 1) {
  const rand = mulberry32(seed);
  const x = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const u = rand();
    if (u < 0.05) x[i] = NaN;
    else if (u < 0.1) x[i] = 98;
    else x[i] = Math.round(rand() * 50);
    const p = Number.isNaN(x[i]) ? 0.5 : x[i] === 98 ? 0.05 : 0.05 + x[i] / 100;
    y[i] = rand() < p ? 1 : 0;
  }
  return { x, y };
}

describe('WoE', () => {
  it('is 0 at the prior rate and signed by risk', () => {
    expect(woe(10, 100, 100, 1000, 0)).toBeCloseTo(0, 12);
    // hand: bad share 30/100, good share 70/900 -> ln(0.3 / 0.07778) = 1.3499
    expect(woe(30, 100, 100, 1000, 0)).toBeCloseTo(Math.log(0.3 / (70 / 900)), 10);
    expect(woe(1, 100, 100, 1000, 0)).toBeLessThan(0);
  });
  it('shrinks thin bins toward 0', () => {
    expect(Math.abs(woe(2, 2, 100, 1000, 20))).toBeLessThan(Math.abs(woe(2, 2, 100, 1000, 0)));
  });
});

describe('fitNumeric', () => {
  const { x, y } = synthetic(20_000);

  it('monotone increasing bins have non-decreasing WoE', () => {
    const s = fitNumeric(spec({ monotone: 'increasing', special: [98] }), x, y, all(x.length), DEFAULT_BINNING);
    expect(s.edges.length).toBeGreaterThan(2);
    for (let i = 1; i < s.woe.length; i++) expect(s.woe[i]).toBeGreaterThanOrEqual(s.woe[i - 1]);
  });

  it('auto picks the direction the data supports', () => {
    const s = fitNumeric(spec({ monotone: 'auto', special: [98] }), x, y, all(x.length), DEFAULT_BINNING);
    for (let i = 1; i < s.woe.length; i++) expect(s.woe[i]).toBeGreaterThanOrEqual(s.woe[i - 1]);
  });

  it('forcing the wrong direction pools everything into one flat bin', () => {
    const s = fitNumeric(spec({ monotone: 'decreasing', special: [98] }), x, y, all(x.length), DEFAULT_BINNING);
    expect(s.edges).toEqual([]);
  });

  it('special codes get their own WoE and never enter the numeric bins or range', () => {
    const s = fitNumeric(spec({ monotone: 'increasing', special: [98] }), x, y, all(x.length), DEFAULT_BINNING);
    expect(s.hi).toBe(50);
    expect(s.specialWoe[0]).toBeLessThan(0); // code 98 is low risk in the data
    expect(numericWoe(s, 98)).toBe(s.specialWoe[0]);
    expect(s.missingWoe).toBeGreaterThan(0.5); // missing rows default at 0.5 against a ~0.3 prior
    expect(numericWoe(s, null)).toBe(s.missingWoe);
  });

  it('fits on the given rows only', () => {
    const first = Int32Array.from({ length: 1000 }, (_, i) => i);
    const a = fitNumeric(spec({ special: [98] }), x, y, first, DEFAULT_BINNING);
    const xs = x.slice();
    for (let i = 1000; i < xs.length; i++) xs[i] = 1e9; // later rows must not matter
    const b = fitNumeric(spec({ special: [98] }), xs, y, first, DEFAULT_BINNING);
    expect(b).toEqual(a);
  });
});

describe('encodeFeature (the serving transform)', () => {
  const { x, y } = synthetic(5_000, 2);
  const s: NumericState = fitNumeric(spec({ monotone: 'increasing', special: [98] }), x, y, all(x.length), DEFAULT_BINNING);

  it('lays out WoE, scaled value, missing flag, special flags and piecewise-linear segments', () => {
    const out = new Float32Array(featureWidth(s));
    encodeFeature(s, 25, out, 0);
    expect(out[0]).toBeCloseTo(numericWoe(s, 25), 6);
    expect(out[2]).toBe(0);
    expect(out[3]).toBe(0);
    const ple = Array.from(out.slice(4));
    // below the value: full segments; above: empty; in between: one partial
    expect(ple.filter((v) => v === 1).length + ple.filter((v) => v === 0).length).toBeGreaterThanOrEqual(ple.length - 1);
    expect(ple).toEqual([...ple].sort((a, b) => b - a));
  });

  it('flags missing and special values and leaves the magnitude inputs at 0', () => {
    const m = new Float32Array(featureWidth(s));
    encodeFeature(s, null, m, 0);
    expect(valueWarning(s, null)).toEqual({ feature: 'x', issue: 'missing' });
    expect(m[2]).toBe(1);
    expect(Array.from(m.slice(4)).every((v) => v === 0)).toBe(true);
    const sp = new Float32Array(featureWidth(s));
    encodeFeature(s, 98, sp, 0);
    expect(valueWarning(s, 98)).toBeNull(); // a special code is a meaning, not an out-of-range value
    expect(sp[3]).toBe(1);
    expect(sp[0]).toBeCloseTo(s.specialWoe[0], 6);
  });

  it('clips values outside the training range and says so', () => {
    const a = new Float32Array(featureWidth(s));
    const b = new Float32Array(featureWidth(s));
    encodeFeature(s, 1e6, a, 0);
    encodeFeature(s, s.hi, b, 0);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(valueWarning(s, 1e6)).toEqual({ feature: 'x', issue: 'clipped_high' });
    expect(valueWarning(s, s.lo - 1)).toEqual({ feature: 'x', issue: 'clipped_low' });
    expect(valueWarning(s, s.hi)).toBeNull();
  });
});

describe('fitCategorical', () => {
  it('keeps frequent categories, folds rare ones into other, and treats unseen as other', () => {
    const vals: (string | null)[] = [];
    const y: number[] = [];
    for (let i = 0; i < 1000; i++) {
      vals.push(i % 10 === 0 ? null : i % 2 ? 'A' : i === 2 ? 'rare' : 'B');
      y.push(i % 2 && i % 3 === 0 ? 1 : 0);
    }
    const s = fitCategorical(FeatureSpec.parse({ name: 'c', type: 'categorical' }), vals, Uint8Array.from(y), all(1000), {
      ...DEFAULT_BINNING,
      minCategoryShare: 0.01,
    });
    expect(s.categories.sort()).toEqual(['A', 'B']);
    expect(featureWoe(s, 'A')).toBeGreaterThan(featureWoe(s, 'B'));
    expect(featureWoe(s, 'never-seen')).toBe(s.otherWoe);
    expect(featureWoe(s, null)).toBe(s.missingWoe);
  });
});
