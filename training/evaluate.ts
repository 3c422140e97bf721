/**
 * The evaluate step: the fitted model judged on the held-out test rows (and, for comparison, out of
 * fold and in sample on the learn rows): metrics, calibration, the score distribution drift is
 * measured against, feature importance and fairness. Pure figures; the write step stores them.
 */
import type { Metrics, Scaling } from '../src/domain/bundle.js';
import {
  calibrationTable,
  histogram,
  ksCurve,
  quantileEdges,
  rocCurve,
  summarize,
  type CalibrationRow,
  type KsPoint,
} from '../src/domain/metrics.js';
import { pdToPoints } from '../src/domain/scoring.js';
import { bandValues, fairnessTable, type FairnessRow } from './fairness.js';
import type { Trained } from './pipeline.js';

/** Default PD cut points between tiers A (lowest risk) .. F; a config's `tiers` overrides them. */
export const DEFAULT_TIERS = [0.02, 0.05, 0.1, 0.2, 0.4];

export interface Evaluation {
  /** Test rows; "validation" = out-of-fold PDs of the learn rows; "train" = in-sample PDs of the learn rows. */
  metrics: { test: Metrics; validation: Metrics; train: Metrics };
  /** Test rows in equal-mass PD deciles. */
  calibrationTable: CalibrationRow[];
  tiers: { cuts: number[]; names: string[] };
  /** The learn rows' points distribution: the baseline drift (PSI) is measured against. */
  baseline: { edges: number[]; proportions: number[] };
  importance: { feature: string; value: number }[];
  fairness: FairnessRow[];
  /** Test-set curves for the report. */
  roc: { fpr: number; tpr: number }[];
  ksCurve: KsPoint[];
  /** Test-set points histogram over the scale's range: interior edges, shares of goods and bads. */
  scoreHistogram: { edges: number[]; good: number[]; bad: number[] };
}

export type EvaluationInputs = Pick<Trained, 'cfg' | 'ds' | 'split' | 'learn' | 'states' | 'scorecard' | 'pd'>;

const labels = (t: EvaluationInputs, idx: Int32Array) => Uint8Array.from(idx, (i) => t.ds.label[i]);

/** Evaluates the fitted model's PDs; `scaling` turns them into the points the baseline is kept in. */
export function evaluate(t: EvaluationInputs, scaling: Scaling): Evaluation {
  const yTest = labels(t, t.split.test);
  const yLearn = labels(t, t.learn);
  const test = summarize(yTest, t.pd.test);
  // "validation" = out-of-fold predictions on the learn rows (held-out for the model that made them).
  const held = Int32Array.from(t.learn.keys()).filter((i) => !Number.isNaN(t.pd.oof[i]));
  const validation = summarize(
    Uint8Array.from(held, (i) => yLearn[i]),
    Float64Array.from(held, (i) => t.pd.oof[i]),
  );
  const train = summarize(yLearn, t.pd.learn);
  const cuts = t.cfg.tiers ?? DEFAULT_TIERS;
  const tierNames = Array.from({ length: cuts.length + 1 }, (_, i) => String.fromCharCode(65 + i));

  const points = (pd: Float64Array) => Float64Array.from(pd, (p) => pdToPoints(scaling, p));
  const trainPoints = points(t.pd.learn);
  const testPoints = points(t.pd.test);
  const baselineEdges = quantileEdges(Array.from(trainPoints), 10);
  const baseline = { edges: baselineEdges, proportions: histogram(Array.from(trainPoints), baselineEdges) };

  // Scorecard importance: coefficient × spread of the WoE it multiplies (on train rows).
  const importance = t.states
    .map((s, j) => {
      const all = s.kind === 'numeric' ? [...s.woe, ...s.specialWoe] : s.woe;
      const spread = all.length ? Math.max(...all) - Math.min(...all) : 0;
      return { feature: s.name, value: Math.abs(t.scorecard.coef[j]) * spread };
    })
    .sort((a, b) => b.value - a.value);

  const groups = t.cfg.protected.map((p, i) => {
    const raw = t.ds.protected[i].values;
    const vals = Array.from(t.split.test, (r) => raw[r]);
    return {
      attribute: p.name,
      values: p.bands
        ? bandValues(
            vals.map((v) => (v === null ? NaN : Number(v))),
            p.bands,
          )
        : vals,
    };
  });
  const fairness = fairnessTable(groups, yTest, t.pd.test, cuts);

  const scoreEdges = Array.from({ length: 25 }, (_, i) => scaling.min + ((scaling.max - scaling.min) * (i + 1)) / 26);
  const goodPts = Array.from(testPoints).filter((_, i) => yTest[i] === 0);
  const badPts = Array.from(testPoints).filter((_, i) => yTest[i] === 1);
  return {
    metrics: { test, validation, train },
    calibrationTable: calibrationTable(yTest, t.pd.test, 10),
    tiers: { cuts, names: tierNames },
    baseline,
    importance,
    fairness,
    roc: rocCurve(yTest, t.pd.test),
    ksCurve: ksCurve(yTest, t.pd.test),
    scoreHistogram: { edges: scoreEdges, good: histogram(goodPts, scoreEdges), bad: histogram(badPts, scoreEdges) },
  };
}
