import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reasonCodes } from '../../src/domain/scoring.js';

/** The definition: every feature whose points fall short of its best attribute, largest gap first, ties to the earlier feature. */
function byDefinition(coef: number[], woe: Float32Array, best: number[], max: number): number[] {
  return coef
    .map((c, j) => ({ j, gap: c * woe[j] - best[j] }))
    .filter((g) => g.gap > 1e-9)
    .sort((a, b) => b.gap - a.gap || a.j - b.j)
    .slice(0, max)
    .map((g) => g.j);
}

describe('reasonCodes', () => {
  it('picks the largest gaps, largest first, ties to the earlier feature, as the definition does', () => {
    // Few distinct values, so ties and zero gaps are common.
    const v = fc.constantFrom(-1, -0.5, 0, 0.25, 0.5, 1, 2);
    fc.assert(
      fc.property(fc.array(fc.tuple(v, v, v), { minLength: 0, maxLength: 12 }), fc.integer({ min: 0, max: 6 }), (cols, max) => {
        const coef = cols.map((c) => c[0]);
        const woe = Float32Array.from(cols.map((c) => c[1]));
        const best = cols.map((c) => c[2]);
        const features = coef.map((_, j) => ({ name: `f${j}`, reason: { code: `RC_${j}`, text: `t${j}` } }));
        const bundle = { features, model: { scorecard: { coef, intercept: 0 } } } as unknown as Parameters<typeof reasonCodes>[0];
        const got = reasonCodes(bundle, woe, best, max).map((r) => Number(r.code.slice(3)));
        expect(got).toEqual(byDefinition(coef, woe, best, max));
      }),
      { numRuns: 2000 },
    );
  });
});
