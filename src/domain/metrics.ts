/**
 * Evaluation metrics for a PD model, and the distribution tools monitoring uses (PSI).
 * Pure functions: training, the report, the bundle and the drift endpoint all compute the same
 * numbers from the same code.
 *
 * Conventions: labels are 0/1 with 1 = default ("bad"); scores are risk-oriented (higher means
 * more likely to default, as a PD is). Functions that rank rows throw a RangeError on a NaN score
 * or a label that is not 0 or 1, because a silently wrong AUC is worse than a loud failure.
 */
import { mulberry32 } from './random.js';
import type { Metrics } from './bundle.js';

type Nums = ArrayLike<number>;

function check(labels: Nums, scores: Nums, what = 'scores'): void {
  if (labels.length !== scores.length) throw new RangeError(`labels has ${labels.length} rows but ${what} has ${scores.length}`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`labels[${i}] is ${labels[i]}; labels must be 0 or 1`);
    if (Number.isNaN(scores[i])) throw new RangeError(`${what}[${i}] is NaN`);
  }
}

/** Row indices ordered by score (ascending, or descending), ties kept in row order. */
function order(scores: Nums, descending = false): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  const sign = descending ? -1 : 1;
  // Comparisons rather than subtraction, so ±Infinity scores (saturated logits) still sort.
  return idx.sort((a, b) => (scores[a] < scores[b] ? -sign : scores[a] > scores[b] ? sign : a - b));
}

function countPositives(labels: Nums): number {
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i];
  return p;
}

/**
 * Area under the ROC curve, exactly, by the Mann–Whitney U statistic: tied scores share the
 * average of their ranks, so a tie between a bad and a good counts one half. O(n log n).
 * NaN when either class is absent (the AUC is undefined there).
 */
export function auc(labels: Nums, scores: Nums): number {
  check(labels, scores);
  const n = labels.length;
  const pos = countPositives(labels);
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  const idx = order(scores);
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j + 2) / 2; // ranks are 1-based: i+1 .. j+1
    for (let k = i; k <= j; k++) if (labels[idx[k]] === 1) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** One point per distinct score, from the highest score down: the ROC curve, (0,0) first and (1,1) last. */
function rocPoints(labels: Nums, scores: Nums): { fpr: number; tpr: number }[] {
  check(labels, scores);
  const n = labels.length;
  const pos = countPositives(labels);
  const neg = n - pos;
  const idx = order(scores, true);
  const pts = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    const s = scores[idx[i]];
    // All rows with an equal score cross the threshold together.
    for (; i < n && scores[idx[i]] === s; i++) labels[idx[i]] === 1 ? tp++ : fp++;
    pts.push({ fpr: neg ? fp / neg : 0, tpr: pos ? tp / pos : 0 });
  }
  return pts;
}

/**
 * Kolmogorov–Smirnov statistic: the largest gap |TPR − FPR| over all thresholds, equal scores
 * crossing a threshold together. 0 when either class is absent.
 */
export function ks(labels: Nums, scores: Nums): number {
  let best = 0;
  for (const p of rocPoints(labels, scores)) best = Math.max(best, Math.abs(p.tpr - p.fpr));
  return best;
}

/** Brier score: mean squared error of the PD against the 0/1 outcome. */
export function brier(labels: Nums, pd: Nums): number {
  check(labels, pd, 'pd');
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (pd[i] - labels[i]) ** 2;
  return s / labels.length;
}

const CLIP = 1e-15;

/** Mean negative log-likelihood (natural log); PDs are clipped to [1e-15, 1 − 1e-15] so a confident miss is finite. */
export function logloss(labels: Nums, pd: Nums): number {
  check(labels, pd, 'pd');
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(pd[i], CLIP), 1 - CLIP);
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / labels.length;
}

export interface CalibrationRow {
  /** 1 = the lowest-PD bin. */
  bin: number;
  rows: number;
  meanPd: number;
  observed: number;
}

/**
 * Predicted against observed default rate in equal-mass bins: rows sorted by PD ascending and cut
 * into `bins` groups of (nearly) equal size, so rows with the same PD may land in adjacent bins.
 * Empty bins (fewer rows than bins) are left out.
 */
export function calibrationTable(labels: Nums, pd: Nums, bins = 10): CalibrationRow[] {
  check(labels, pd, 'pd');
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const n = labels.length;
  const idx = order(pd);
  const out: CalibrationRow[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins);
    const hi = Math.floor(((b + 1) * n) / bins);
    if (hi === lo) continue;
    let sp = 0;
    let sy = 0;
    for (let k = lo; k < hi; k++) {
      sp += pd[idx[k]];
      sy += labels[idx[k]];
    }
    out.push({ bin: b + 1, rows: hi - lo, meanPd: sp / (hi - lo), observed: sy / (hi - lo) });
  }
  return out;
}

/**
 * Expected calibration error: Σ_b (rows_b / n) · |meanPd_b − observed_b| over the equal-mass bins
 * of {@link calibrationTable}. Equal-mass rather than equal-width on purpose: credit PDs cluster
 * below a few percent, so equal-width bins on [0, 1] would put nearly every row into the first bin
 * and average its errors away; deciles by PD look at every part of the portfolio and are stricter.
 */
export function ece(labels: Nums, pd: Nums, bins = 10): number {
  const n = labels.length;
  let e = 0;
  for (const r of calibrationTable(labels, pd, bins)) e += (r.rows / n) * Math.abs(r.meanPd - r.observed);
  return e;
}

/** All the test-set metrics the bundle stores (MetricsSchema); gini = 2·auc − 1. */
export function summarize(labels: Nums, pd: Nums): Metrics {
  const a = auc(labels, pd);
  return {
    rows: labels.length,
    positives: countPositives(labels),
    auc: a,
    gini: 2 * a - 1,
    ks: ks(labels, pd),
    brier: brier(labels, pd),
    logloss: logloss(labels, pd),
    ece: ece(labels, pd),
  };
}

/** Keeps at most `max` points, evenly spaced by index; the first, the last and `keep` always stay. */
function downsample<T>(pts: T[], max: number, keep = -1): T[] {
  if (pts.length <= max || max < 2) return pts;
  const chosen = new Set<number>();
  for (let k = 0; k < max; k++) chosen.add(Math.round((k * (pts.length - 1)) / (max - 1)));
  if (keep >= 0) chosen.add(keep);
  return [...chosen].sort((a, b) => a - b).map((i) => pts[i]);
}

/** The ROC curve, from (0,0) to (1,1), downsampled to at most `maxPoints` points for plotting. */
export function rocCurve(labels: Nums, scores: Nums, maxPoints = 200): { fpr: number; tpr: number }[] {
  return downsample(rocPoints(labels, scores), maxPoints);
}

export interface KsPoint {
  /** The threshold: shares are of rows with score ≤ this (the origin point repeats the lowest score). */
  score: number;
  /** Share of all rows with score ≤ threshold. */
  population: number;
  /** Cumulative share of bads (label 1) with score ≤ threshold. */
  bad: number;
  /** Cumulative share of goods (label 0) with score ≤ threshold. */
  good: number;
}

/**
 * The cumulative distributions of bads and goods by score, lowest score first, starting at the
 * origin. The widest gap between `good` and `bad` is the KS; that point is always kept when the
 * curve is downsampled to `maxPoints`.
 */
export function ksCurve(labels: Nums, scores: Nums, maxPoints = 200): KsPoint[] {
  check(labels, scores);
  const n = labels.length;
  const pos = countPositives(labels);
  const neg = n - pos;
  const idx = order(scores);
  const pts: KsPoint[] = [{ score: n ? scores[idx[0]] : 0, population: 0, bad: 0, good: 0 }];
  let bads = 0;
  let goods = 0;
  let best = 0;
  let bestAt = 0;
  for (let i = 0; i < n; ) {
    const s = scores[idx[i]];
    for (; i < n && scores[idx[i]] === s; i++) labels[idx[i]] === 1 ? bads++ : goods++;
    const p = { score: s, population: i / n, bad: pos ? bads / pos : 0, good: neg ? goods / neg : 0 };
    if (Math.abs(p.good - p.bad) > best) {
      best = Math.abs(p.good - p.bad);
      bestAt = pts.length;
    }
    pts.push(p);
  }
  return downsample(pts, maxPoints, bestAt);
}

/** Bin of `v` for ascending interior `edges`: 0 below edges[0], i for edges[i-1] ≤ v < edges[i]. */
function binOf(v: number, edges: Nums): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Proportions of `values` in the `edges.length + 1` bins that ascending interior `edges` make:
 * (-∞, e0), [e0, e1), …, [e_last, ∞). NaN values are not counted; no values gives all zeros.
 */
export function histogram(values: Nums, edges: Nums): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    counts[binOf(values[i], edges)]++;
    n++;
  }
  return counts.map((c) => (n ? c / n : 0));
}

/**
 * Interior edges that split `values` into `bins` equal-mass bins for {@link histogram}: the
 * lowest value of each bin after the first. Repeated edges (many equal values) are merged, so
 * discrete data can give fewer bins; NaN is ignored.
 */
export function quantileEdges(values: Nums, bins: number): number[] {
  const v = Float64Array.from(Array.from(values).filter((x) => !Number.isNaN(x))).sort();
  const edges: number[] = [];
  if (!v.length) return edges;
  for (let k = 1; k < bins; k++) {
    const e = v[Math.floor((k * v.length) / bins)];
    if (e > v[0] && e !== edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/** Floor for a bin's proportion in {@link psi}: an empty bin would otherwise make the log infinite. */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index Σ (a − e) · ln(a / e) between two binned distributions (the same
 * edges), each proportion floored at {@link PSI_EPSILON} (1e-4) first. Used for drift of the live
 * score distribution against the training baseline; the usual reading is < 0.1 stable,
 * 0.1–0.25 some shift, > 0.25 a major shift.
 */
export function psi(expected: number[], actual: number[]): number {
  if (expected.length !== actual.length) throw new RangeError(`expected has ${expected.length} bins but actual has ${actual.length}`);
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], PSI_EPSILON);
    const a = Math.max(actual[i], PSI_EPSILON);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

/**
 * The ECE a perfectly calibrated model would still show on these rows: labels drawn from the PDs
 * themselves, `sims` seeded draws. `mean` is the noise floor, `p90` its 90th percentile, and
 * `shareAtMost` the share of draws whose ECE is at most `target`. An observed ECE inside this
 * distribution is sampling noise, not miscalibration; on a few thousand rows the floor alone can
 * exceed 0.01.
 */
export function eceNoise(pd: Nums, target = 0.01, sims = 200, seed = 1, bins = 10): { mean: number; p90: number; shareAtMost: number } {
  const rand = mulberry32(seed);
  const y = new Uint8Array(pd.length);
  const draws = new Float64Array(sims);
  for (let k = 0; k < sims; k++) {
    for (let i = 0; i < pd.length; i++) y[i] = rand() < pd[i] ? 1 : 0;
    draws[k] = ece(y, pd, bins);
  }
  draws.sort();
  return {
    mean: draws.reduce((a, b) => a + b, 0) / sims,
    p90: draws[Math.floor(0.9 * (sims - 1))],
    shareAtMost: draws.filter((e) => e <= target).length / sims,
  };
}
