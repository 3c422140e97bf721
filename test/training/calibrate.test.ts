import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/domain/random.js';
import { sigmoid } from '../../src/domain/scoring.js';
import { averagingCorrection, fitPlatt } from '../../training/calibrate.js';

describe('averagingCorrection', () => {
  it('leaves the map alone when the networks never disagree', () => {
    const c = averagingCorrection({ a: 1.2, b: -0.3 }, [0, 1, 2, 3], 0, 0.8, 5);
    expect(c).toEqual({ a: 1.2, b: -0.3, stretch: 1 });
  });

  it('fits the average of K noisy networks better than the single-network map does', () => {
    // True logit f; each of K networks sees f plus its own noise. Platt is fitted on one network's
    // logits (out of fold); the model serves the K-network average, which is less noisy.
    const rand = mulberry32(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const n = 60_000;
    const K = 5;
    const tau2 = 0.6;
    const f = Float64Array.from({ length: n }, () => normal() * 1.2 - 1.5);
    const y = Float64Array.from(f, (v) => (rand() < sigmoid(v) ? 1 : 0));
    const single = Float64Array.from(f, (v) => v + normal() * Math.sqrt(tau2));
    const average = Float64Array.from(f, (v) => {
      let s = 0;
      for (let k = 0; k < K; k++) s += v + normal() * Math.sqrt(tau2);
      return s / K;
    });
    const oof = fitPlatt(single, y);
    const fixed = averagingCorrection(oof, single, tau2, 1, K);
    // The slope the average really needs, fitted on the average itself (what no pipeline can do).
    const ideal = fitPlatt(
      Float64Array.from(average, (z) => oof.a * z + oof.b),
      y,
    );
    const needed = ideal.a;
    expect(needed).toBeGreaterThan(1.05); // the single-network map is under-confident on the average
    expect(fixed.stretch).toBeGreaterThan(1);
    expect(Math.abs(fixed.stretch - needed)).toBeLessThan(Math.abs(1 - needed) / 3);
    // The average PD on the averaged logits matches the observed default rate, better than before.
    const meanPd = (a: number, b: number) => average.reduce((s, z) => s + sigmoid(a * z + b), 0) / n;
    const rate = y.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(meanPd(fixed.a, fixed.b) - rate)).toBeLessThan(0.002);
    expect(Math.abs(meanPd(fixed.a, fixed.b) - rate)).toBeLessThan(Math.abs(meanPd(oof.a, oof.b) - rate));
  });
});
