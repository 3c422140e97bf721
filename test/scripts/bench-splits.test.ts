import { describe, expect, it } from 'vitest';
import { bars, summariseSplits, type SplitResult } from '../../scripts/bench/splits.js';
import { ece } from '../../src/domain/metrics.js';

/** A split with labels y, our PDs and one reference's PDs; metrics as given. */
function split(
  seed: number,
  y: number[],
  ours: number[],
  ref: number[] | null,
  m: { auc: number; brier: number; ece: number; refAuc: number; refBrier: number },
): SplitResult {
  return {
    seed,
    y: Uint8Array.from(y),
    ours: {
      auc: m.auc,
      ks: 0,
      brier: m.brier,
      ece: m.ece,
      logloss: 0,
      eceFloor: 0,
      eceFloorP90: 0,
      eceCalibratedShareMeetingTarget: 0,
      trainSeconds: 1,
    },
    oursPd: Float64Array.from(ours),
    references: { xgboost: { auc: m.refAuc, ks: 0, brier: m.refBrier, fitSeconds: 1, ...(ref ? { ece: ece(y, ref) } : {}) } },
    referencePd: ref ? { xgboost: Float64Array.from(ref) } : {},
  };
}

const yA = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1];
const pA = [0.1, 0.2, 0.15, 0.7, 0.3, 0.6, 0.8, 0.25, 0.9, 0.55];
const yB = [1, 0, 0, 0, 1, 0];
const pB = [0.4, 0.1, 0.2, 0.3, 0.9, 0.05];

describe('bench:accuracy --splits bookkeeping', () => {
  it('judges each split against its own best reference, within the accuracy bars’ margins', () => {
    const r = split(1, yA, pA, null, { auc: 0.79, brier: 0.1309, ece: 0.012, refAuc: 0.7915, refBrier: 0.13 });
    expect(bars(r, 0.01)).toEqual({ auc: true, brier: true, ece: false });
    expect(bars({ ...r, ours: { ...r.ours, auc: 0.789 } }, 0.01)?.auc).toBe(false);
    expect(bars({ ...r, ours: { ...r.ours, brier: 0.1311 } }, 0.01)?.brier).toBe(false);
    expect(bars({ ...r, references: {} }, 0.01)).toBeNull();
  });

  it('pools every split’s test predictions with their own labels, and averages the per-split metrics', () => {
    const a = split(
      42,
      yA,
      pA,
      pA.map((p) => p * 0.9),
      { auc: 0.8, brier: 0.1, ece: 0.02, refAuc: 0.79, refBrier: 0.11 },
    );
    const b = split(
      43,
      yB,
      pB,
      pB.map((p) => Math.min(1, p * 1.2)),
      { auc: 0.7, brier: 0.2, ece: 0.005, refAuc: 0.75, refBrier: 0.19 },
    );
    const s = summariseSplits([a, b], 0.01, 20);
    expect(s.seeds).toEqual([42, 43]);
    expect(s.testRows).toBe(16);
    const ours = s.models[0];
    expect(ours).toMatchObject({ model: 'ours', splits: 2 });
    expect([ours.meanAuc, ours.meanBrier, ours.meanEce!].map((v) => v.toFixed(6))).toEqual(['0.750000', '0.150000', '0.012500']);
    // Labels and PDs stay aligned across the concatenation: the same as scoring the joined arrays.
    expect(ours.pooledEce).toBeCloseTo(ece([...yA, ...yB], [...pA, ...pB]), 12);
    const ref = s.models[1];
    expect(ref.model).toBe('xgboost');
    expect(ref.pooledEce).toBeCloseTo(ece([...yA, ...yB], [...pA.map((p) => p * 0.9), ...pB.map((p) => Math.min(1, p * 1.2))]), 12);
    // Split a meets AUC (0.80 vs 0.79) but not ECE; split b misses AUC (0.70 vs 0.75) and meets ECE.
    expect(s.barsMet).toEqual({ splits: 2, auc: 1, brier: 1, ece: 1 });
    expect(s.pooledEceFloor).toBeGreaterThan(0);
  });

  it('leaves a pooled or mean ECE out rather than computing it from part of the splits', () => {
    const a = split(42, yA, pA, pA, { auc: 0.8, brier: 0.1, ece: 0.02, refAuc: 0.79, refBrier: 0.11 });
    const b = split(43, yB, pB, null, { auc: 0.7, brier: 0.2, ece: 0.005, refAuc: 0.75, refBrier: 0.19 });
    const ref = summariseSplits([a, b], 0.01, 20).models[1];
    expect(ref).toMatchObject({ model: 'xgboost', splits: 2 });
    expect(ref.meanAuc).toBeCloseTo(0.77, 12);
    expect(ref.meanEce).toBeUndefined();
    expect(ref.pooledEce).toBeUndefined();
    // A reference that ran on one split only is listed, with how many it ran on.
    const c = { ...b, references: {}, referencePd: {} };
    expect(summariseSplits([a, c], 0.01, 20).models[1]).toMatchObject({ model: 'xgboost', splits: 1, meanAuc: 0.79 });
  });
});
