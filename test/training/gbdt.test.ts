import { describe, expect, it } from 'vitest';
import { auc } from '../../src/domain/metrics.js';
import { mulberry32 } from '../../src/domain/random.js';
import { sigmoid } from '../../src/domain/scoring.js';
import { TreeEnsembleSchema } from '../../src/domain/trees.js';
import { TreeShap } from '../../src/model/tree-shap.js';
import { compileTrees, treeMargin, treeMargins, type CompiledTrees } from '../../src/model/trees.js';
import { binColumns, fitBinner } from '../../training/gbdt/binner.js';
import { fitGbdt, trainGbdt } from '../../training/gbdt/learner.js';

interface Data {
  cols: Float64Array[];
  y: Uint8Array;
}

/** n rows of F uniform features, some missing, labelled by `pd(row)`. */
function make(n: number, F: number, seed: number, pd: (x: Float64Array) => number, missing = 0): Data {
  const r = mulberry32(seed);
  const cols = Array.from({ length: F }, () => new Float64Array(n));
  const y = new Uint8Array(n);
  const x = new Float64Array(F);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) x[f] = cols[f][i] = r() < missing ? NaN : r();
    y[i] = r() < pd(x) ? 1 : 0;
  }
  return { cols, y };
}

const pdAt = (c: CompiledTrees, row: number[]) => sigmoid(treeMargin(c, row));
const grid = (steps: number) => Array.from({ length: steps + 1 }, (_, i) => i / steps);

describe('fitGbdt', () => {
  it('learns a step function and steps at the right place', () => {
    const pd = (x: Float64Array) => (x[0] > 0.3 ? 0.8 : 0.1);
    const { cols, y } = make(6000, 2, 1, pd);
    const valid = make(3000, 2, 11, pd);
    const fit = trainGbdt(cols, y, { valid: { columns: valid.cols, labels: valid.y } });
    const c = compileTrees(fit.model);
    // PD averaged over the noise feature x1, either side of the step.
    const meanPd = (x0: number) => grid(20).reduce((s, x1) => s + pdAt(c, [x0, x1]), 0) / 21;
    for (const x0 of [0.05, 0.25]) expect(Math.abs(meanPd(x0) - 0.1)).toBeLessThan(0.05);
    for (const x0 of [0.35, 0.9]) expect(Math.abs(meanPd(x0) - 0.8)).toBeLessThan(0.05);
    // The biggest rise over a 0.01 grid is the step at 0.3.
    const xs = grid(100);
    let at = 0;
    let jump = 0;
    for (let i = 1; i < xs.length; i++) {
      const d = meanPd(xs[i]) - meanPd(xs[i - 1]);
      if (d > jump) [jump, at] = [d, (xs[i] + xs[i - 1]) / 2];
    }
    expect(Math.abs(at - 0.3)).toBeLessThan(0.01);
    // Within 0.02 either side, the PD has made the whole step.
    expect(meanPd(0.28)).toBeLessThan(0.2);
    expect(meanPd(0.32)).toBeGreaterThan(0.7);
    // The first split of the first tree is on x0, near 0.3.
    expect(fit.model.trees[0].feature[0]).toBe(0);
    expect(Math.abs(fit.model.trees[0].threshold[0] - 0.3)).toBeLessThan(0.01);
  });

  it('keeps a monotone constraint where the data say otherwise', () => {
    // U-shaped risk in x0, rising in x1.
    const pd = (x: Float64Array) => sigmoid(-2 + 10 * (x[0] - 0.5) ** 2 + (Number.isNaN(x[1]) ? 0 : x[1]));
    const { cols, y } = make(5000, 2, 2, pd, 0.05);
    const params = { rounds: 80, earlyStoppingRounds: 0, learningRate: 0.1 };
    const free = compileTrees(trainGbdt(cols, y, { params }).model);
    const up = compileTrees(trainGbdt(cols, y, { params, monotone: [1, 0] }).model);
    const down = compileTrees(trainGbdt(cols, y, { params, monotone: [-1, 0] }).model);
    const xs = grid(200);
    let freeFalls = false;
    for (const x1 of [0.1, 0.5, 0.9, NaN]) {
      for (let i = 1; i < xs.length; i++) {
        expect(treeMargin(up, [xs[i], x1])).toBeGreaterThanOrEqual(treeMargin(up, [xs[i - 1], x1]));
        expect(treeMargin(down, [xs[i], x1])).toBeLessThanOrEqual(treeMargin(down, [xs[i - 1], x1]));
        if (treeMargin(free, [xs[i], x1]) < treeMargin(free, [xs[i - 1], x1]) - 0.05) freeFalls = true;
      }
    }
    // Unconstrained, the same data give a margin that falls somewhere: the constraint did the work.
    expect(freeFalls).toBe(true);
  });

  it.each([
    ['high', 0.7],
    ['low', 0.01],
  ])('sends missing values the learned way when missing rows default %s', (_, missingRate) => {
    // Present values: PD 0.1 to 0.3 rising with x0. Missing x0: its own rate.
    const { cols, y } = make(6000, 2, 3, (x) => (Number.isNaN(x[0]) ? missingRate : 0.1 + 0.2 * x[0]), 0.3);
    const c = compileTrees(trainGbdt(cols, y, { params: { rounds: 100, earlyStoppingRounds: 0 } }).model);
    const pdMissing = pdAt(c, [NaN, 0.5]);
    expect(pdMissing).toBeCloseTo(missingRate, 1);
    for (const x0 of [0, 0.5, 1]) {
      if (missingRate > 0.5) expect(pdMissing).toBeGreaterThan(pdAt(c, [x0, 0.5]) + 0.3);
      else expect(pdMissing).toBeLessThan(pdAt(c, [x0, 0.5]));
    }
  });

  it('stops early and keeps the best round', () => {
    // Weak signal, many noise features and a fast learner: validation loss turns up soon.
    const pd = (x: Float64Array) => sigmoid(-1 + x[0]);
    const train = make(1500, 8, 4, pd);
    const valid = make(1500, 8, 5, pd);
    const fit = trainGbdt(train.cols, train.y, {
      params: { rounds: 400, earlyStoppingRounds: 15, learningRate: 0.3, minChildSamples: 5 },
      valid: { columns: valid.cols, labels: valid.y },
    });
    expect(fit.roundsRun).toBeLessThan(400);
    expect(fit.roundsRun).toBe(fit.bestIteration + 15);
    expect(fit.model.trees).toHaveLength(fit.bestIteration);
    expect(fit.validLoss).toHaveLength(fit.roundsRun);
    expect(Math.min(...fit.validLoss)).toBe(fit.validLoss[fit.bestIteration - 1]);
    // The margins reported are the kept trees', not the last round's.
    const c = compileTrees(fit.model);
    for (let i = 0; i < 50; i++)
      expect(fit.trainMargins[i]).toBe(
        treeMargin(
          c,
          train.cols.map((col) => col[i]),
        ),
      );
  });

  it('grows the same trees from the same data and seed, and others from another seed', () => {
    const { cols, y } = make(3000, 5, 6, (x) => sigmoid(-1 + 2 * x[0] - x[1] + (Number.isNaN(x[2]) ? 1 : 0)), 0.1);
    const params = { rounds: 30, earlyStoppingRounds: 0, subsample: 0.7, colsample: 0.6 };
    const a = JSON.stringify(trainGbdt(cols, y, { params: { ...params, seed: 7 } }).model);
    const b = JSON.stringify(trainGbdt(cols, y, { params: { ...params, seed: 7 } }).model);
    const other = JSON.stringify(trainGbdt(cols, y, { params: { ...params, seed: 8 } }).model);
    expect(a).toBe(b);
    expect(other).not.toBe(a);
  });

  it('round-trips: JSON, schema, evaluator and TreeSHAP agree with the learner', () => {
    const { cols, y } = make(3000, 4, 7, (x) => sigmoid(-1 + 2 * (x[0] || 0.5) - x[1]), 0.15);
    // Column-major input and row subsampling exercise the other code paths too.
    const binner = fitBinner(cols, 64);
    const fit = fitGbdt(binColumns(binner, cols, 'column'), y, {
      params: { rounds: 40, earlyStoppingRounds: 0, subsample: 0.8 },
      monotone: [0, -1, 0, 0],
    });
    const c = compileTrees(TreeEnsembleSchema.parse(JSON.parse(JSON.stringify(fit.model))));
    const n = y.length;
    const batch = new Float64Array(n * 4);
    cols.forEach((col, f) => batch.set(col, f * n));
    const margins = treeMargins(c, batch, n);
    const shap = new TreeShap(c);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(margins[i] - fit.trainMargins[i]));
      if (i % 30 === 0) {
        const phi = shap.explain(cols.map((col) => col[i]));
        expect(shap.expectedMargin + phi.reduce((s, v) => s + v, 0)).toBeCloseTo(margins[i], 10);
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-12);
  });

  it('ranks nearly as well as the true model on held-out rows', () => {
    // A missing x0 or x1 carries the mean effect; a missing x2 a risk of its own.
    const or = (v: number, d: number) => (Number.isNaN(v) ? d : v);
    const pd = (x: Float64Array) => sigmoid(-1.5 + 2 * or(x[0], 0.5) - 1.5 * or(x[1], 0.5) + or(x[2], 1.6));
    const train = make(12_000, 4, 8, pd, 0.1);
    const valid = make(4000, 4, 9, pd, 0.1);
    const test = make(8000, 4, 10, pd, 0.1);
    const fit = trainGbdt(train.cols, train.y, { params: { rounds: 400 }, valid: { columns: valid.cols, labels: valid.y } });
    const c = compileTrees(fit.model);
    const n = test.y.length;
    const truth = new Float64Array(n);
    const model = new Float64Array(n);
    const x = new Float64Array(4);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < 4; f++) x[f] = test.cols[f][i];
      truth[i] = pd(x);
      model[i] = treeMargin(c, x);
    }
    const best = auc(test.y, truth);
    const got = auc(test.y, model);
    expect(got).toBeGreaterThan(best - 0.01);
    expect(got).toBeLessThan(best + 0.01);
  });

  it.each([
    ['a label 2', () => trainGbdt([Float64Array.of(1, 2)], [0, 2]), /label 1 is 2/],
    ['one class', () => trainGbdt([Float64Array.of(1, 2)], [1, 1]), /needs both classes/],
    ['too few labels', () => trainGbdt([Float64Array.of(1, 2)], [1]), /2 rows but 1 labels/],
    [
      'a monotone of the wrong length',
      () => trainGbdt([Float64Array.of(1, 2)], [0, 1], { monotone: [1, 1] }),
      /monotone has 2 entries for 1 features/,
    ],
    ['a monotone of 2', () => trainGbdt([Float64Array.of(1, 2)], [0, 1], { monotone: [2] }), /monotone\[0\] is 2/],
    ['a bad hyperparameter', () => trainGbdt([Float64Array.of(1, 2)], [0, 1], { params: { lambda: -1 } }), /lambda/],
    [
      'a validation set binned differently',
      () => {
        const x = [Float64Array.of(1, 2, 3)];
        return fitGbdt(binColumns(fitBinner(x), x), [0, 1, 0], { valid: { x: binColumns(fitBinner(x), x), labels: [0, 1, 0] } });
      },
      /different binner/,
    ],
  ])('rejects %s', (_, f, msg) => {
    expect(f).toThrow(msg);
  });
});
