import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/domain/random.js';
import { binColumns, fitBinner, missingCode } from '../../training/gbdt/binner.js';
import { DEFAULT_GBDT_PARAMS, resolveParams } from '../../training/gbdt/params.js';

const col = (...v: number[]) => Float64Array.from(v);

describe('fitBinner', () => {
  it('puts an edge between each pair of distinct values when they fit, at the midpoint', () => {
    const b = fitBinner([col(3, 1, 2, 2, NaN, 1)]);
    expect(b.edges[0]).toEqual([1.5, 2.5]);
    const m = binColumns(b, [col(1, 1.5, 1.6, 2, 3, 99, NaN, -5)]);
    // x <= 1.5 -> 0, (1.5, 2.5] -> 1, above -> 2, NaN -> the missing code 3
    expect([...m.codes]).toEqual([0, 0, 1, 1, 2, 2, 3, 0]);
    expect(missingCode(b, 0)).toBe(3);
  });

  it('makes near-equal-count bins and never more than maxBins', () => {
    const r = mulberry32(1);
    const x = Float64Array.from({ length: 10_000 }, () => r());
    const b = fitBinner([x], 10);
    expect(b.edges[0].length).toBe(9);
    const counts = new Array(10).fill(0);
    for (const c of binColumns(b, [x]).codes) counts[c]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(30);
  });

  it('gives a heavy value a bin of its own rather than merging its neighbours into it', () => {
    // Half the rows are 0 (no balance), the rest spread over 2, 4, .., 1000.
    const x = Float64Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 0 : 1 + (i % 1000)));
    const b = fitBinner([x], 8);
    // 0 alone in bin 0; the smallest balance already in the next one.
    expect(b.edges[0][0]).toBe(1);
    expect(b.edges[0].length).toBeLessThanOrEqual(7);
    expect(b.edges[0].length).toBeGreaterThanOrEqual(5);
  });

  it('fits on the given rows only', () => {
    const x = col(1, 2, 3, 100, 200);
    expect(fitBinner([x], 255, [0, 1, 2]).edges[0]).toEqual([1.5, 2.5]);
  });

  it('uses 16-bit codes only when a feature needs more than 255 codes', () => {
    const x = Float64Array.from({ length: 600 }, (_, i) => i);
    expect(binColumns(fitBinner([x], 255), [x]).codes).toBeInstanceOf(Uint8Array);
    expect(binColumns(fitBinner([x], 300), [x]).codes).toBeInstanceOf(Uint16Array);
  });

  it('lays codes out by row or by column', () => {
    const a = col(1, 2, 3);
    const b = col(10, NaN, 30);
    const s = fitBinner([a, b]);
    expect([...binColumns(s, [a, b], 'row').codes]).toEqual([0, 0, 1, 2, 2, 1]);
    expect([...binColumns(s, [a, b], 'column').codes]).toEqual([0, 1, 2, 0, 2, 1]);
  });

  it.each([
    ['an infinity', () => fitBinner([col(1, Infinity)]), /feature 0 row 1 is Infinity/],
    ['columns of different lengths', () => fitBinner([col(1, 2), col(1)]), /feature 1 has 1 rows/],
    ['no columns', () => fitBinner([]), /no feature columns/],
    ['maxBins 1', () => fitBinner([col(1, 2)], 1), /maxBins is 1/],
    ['a plain array', () => fitBinner([[1, 2] as unknown as Float64Array]), /not a Float64Array/],
    ['the wrong feature count when binning', () => binColumns(fitBinner([col(1, 2)]), [col(1), col(2)]), /fitted on 1 features but 2/],
    ['an infinity when binning', () => binColumns(fitBinner([col(1, 2)]), [col(-Infinity)]), /-Infinity/],
  ])('rejects %s', (_, f, msg) => {
    expect(f).toThrow(msg);
  });
});

describe('resolveParams', () => {
  it('fills in the defaults', () => {
    expect(resolveParams({ learningRate: 0.2 })).toEqual({ ...DEFAULT_GBDT_PARAMS, learningRate: 0.2 });
    expect(DEFAULT_GBDT_PARAMS).toMatchObject({ maxLeaves: 31, maxBins: 255, minChildSamples: 20, lambda: 1 });
  });

  it.each([
    [{ learningRate: 0 }, /learningRate/],
    [{ maxLeaves: 1 }, /maxLeaves/],
    [{ subsample: 1.5 }, /subsample/],
    [{ rounds: 2.5 }, /rounds/],
    [{ learning_rate: 0.1 }, /learning_rate/],
  ])('rejects %o, naming it', (p, msg) => {
    expect(() => resolveParams(p as never)).toThrow(msg);
  });
});
