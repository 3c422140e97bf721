import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalibrationSchema } from '../../src/domain/bundle.js';
import { blendLogit, predictPd, scorecardLogit, usesNetwork, type PredictionModel } from '../../src/domain/prediction.js';
import { sigmoid } from '../../src/domain/scoring.js';

const model = (blendWeight: number): PredictionModel => ({
  scorecard: { intercept: -2, coef: [0.5, 1.5] },
  blendWeight,
  calibration: { method: 'platt', a: 0.9, b: -0.1 },
});

describe('predictPd', () => {
  it('is the Platt map of the blended logit', () => {
    const m = model(0.25);
    const zs = scorecardLogit(m.scorecard, Float32Array.of(1, 2));
    expect(zs).toBeCloseTo(-2 + 0.5 + 3, 12);
    expect(predictPd(m, zs, 4)).toBeCloseTo(sigmoid(0.9 * (0.75 * zs + 0.25 * 4) - 0.1), 12);
  });

  it('a scorecard-only model gives the same PD whatever the network logit', () => {
    const m = model(0);
    expect(usesNetwork(m)).toBe(false);
    fc.assert(fc.property(fc.double({ min: -20, max: 20, noNaN: true }), (zn) => predictPd(m, 1.2, zn) === predictPd(m, 1.2, 0)));
  });

  it('a network-only model gives the same PD whatever the scorecard logit', () => {
    const m = model(1);
    expect(usesNetwork(m)).toBe(true);
    expect(predictPd(m, -5, 0.3)).toBe(predictPd(m, 5, 0.3));
  });

  it('PDs rise with either logit when both carry weight', () => {
    const m = model(0.5);
    expect(predictPd(m, 1, 0)).toBeGreaterThan(predictPd(m, 0, 0));
    expect(predictPd(m, 0, 1)).toBeGreaterThan(predictPd(m, 0, 0));
    expect(blendLogit(0.5, 1, 3)).toBe(2);
  });
});

describe('scorecardLogit', () => {
  it('reads a row of a row-major WoE matrix as it reads the row on its own', () => {
    const sc = { intercept: 0.3, coef: [1, -2, 0.5] };
    const matrix = Float32Array.of(1, 2, 3, -1, 0.5, 4, 7, 8, 9);
    for (let r = 0; r < 3; r++) expect(scorecardLogit(sc, matrix, r * 3)).toBe(scorecardLogit(sc, matrix.subarray(r * 3, r * 3 + 3)));
  });
});

describe('bundle calibration', () => {
  it('accepts Platt scaling and refuses any other method, naming the field', () => {
    expect(CalibrationSchema.safeParse({ method: 'platt', a: 1, b: 0 }).success).toBe(true);
    const r = CalibrationSchema.safeParse({ method: 'isotonic', x: [0, 1], y: [0, 1] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].path).toEqual(['method']);
  });
});
