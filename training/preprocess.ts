/**
 * The preprocess step: fits the preprocessing state on the learn rows only (scikit-learn's fit
 * contract: learn plain, serialisable state; the transform is `src/domain/encoding.ts`, shared
 * with serving), then encodes every row into the inputs the fitting steps read.
 */
import type { CategoricalState, FeatureState, NumericState } from '../src/domain/encoding.js';
import type { FeatureSpec } from '../src/domain/dataset-config.js';
import type { Hyperparameters } from '../src/domain/hyperparameters.js';
import { zeroInputs, type Ablation } from './ablation.js';
import { encodeRows } from './matrix.js';
import type { Matrix } from './network.js';
import type { Column, Dataset } from './read.js';

/** Hyperparameters of the binning (the config's `training.binning`); learned values live in the fitted state. */
export type BinningParams = Hyperparameters['binning'];

interface Bin {
  hi: number; // upper edge (inclusive)
  n: number;
  bad: number;
}

/** Risk-oriented WoE: ln(share of bads / share of goods), shrunk toward 0 by `a` pseudo-rows at the prior rate. */
export function woe(bad: number, n: number, totalBad: number, total: number, a: number): number {
  const prior = totalBad / total;
  const b = bad + a * prior;
  const g = n - bad + a * (1 - prior);
  return Math.log(b / g) - Math.log(prior / (1 - prior));
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Pools adjacent bins until bad rates are monotone in `dir` (pool-adjacent-violators). */
function poolMonotone(bins: Bin[], dir: 1 | -1): Bin[] {
  const out: Bin[] = [];
  for (const b of bins) {
    out.push({ ...b });
    while (out.length > 1) {
      const cur = out[out.length - 1];
      const prev = out[out.length - 2];
      const violates = dir * (cur.bad / cur.n - prev.bad / prev.n) < 0;
      if (!violates) break;
      out.splice(out.length - 2, 2, { hi: cur.hi, n: prev.n + cur.n, bad: prev.bad + cur.bad });
    }
  }
  return out;
}

function sse(bins: Bin[], fine: Bin[]): number {
  // Weighted squared error of the pooled rates against the fine rates: lower = better fit.
  let e = 0;
  let j = 0;
  for (const f of fine) {
    while (bins[j].hi < f.hi) j++;
    const d = f.bad / f.n - bins[j].bad / bins[j].n;
    e += f.n * d * d;
  }
  return e;
}

function mergeSmall(bins: Bin[], minN: number): Bin[] {
  const out = bins.map((b) => ({ ...b }));
  let i = out.findIndex((b) => b.n < minN);
  while (i >= 0 && out.length > 1) {
    const j = i === 0 ? 1 : i === out.length - 1 ? i - 1 : out[i - 1].n < out[i + 1].n ? i - 1 : i + 1;
    const [a, b] = i < j ? [i, j] : [j, i];
    out.splice(a, 2, { hi: out[b].hi, n: out[a].n + out[b].n, bad: out[a].bad + out[b].bad });
    i = out.findIndex((x) => x.n < minN);
  }
  return out;
}

export function fitNumeric(spec: FeatureSpec, values: Float64Array, label: Uint8Array, rows: Int32Array, p: BinningParams): NumericState {
  const specials = spec.special.map(Number).filter(Number.isFinite);
  const spN = specials.map(() => 0);
  const spBad = specials.map(() => 0);
  let missN = 0;
  let missBad = 0;
  let totalBad = 0;
  const regular: number[] = [];
  const regularLabel: number[] = [];
  for (const r of rows) {
    const x = values[r];
    const y = label[r];
    totalBad += y;
    if (Number.isNaN(x)) {
      missN++;
      missBad += y;
      continue;
    }
    const k = specials.indexOf(x);
    if (k >= 0) {
      spN[k]++;
      spBad[k] += y;
      continue;
    }
    regular.push(x);
    regularLabel.push(y);
  }
  const total = rows.length;
  const order = Int32Array.from(regular.keys()).sort((a, b) => regular[a] - regular[b]);
  const sorted = Float64Array.from(order, (i) => regular[i]);
  const sortedY = Uint8Array.from(order, (i) => regularLabel[i]);

  // Fine bins at quantile edges; equal values never straddle an edge.
  const fine: Bin[] = [];
  let start = 0;
  for (let k = 1; k <= p.maxBins && start < sorted.length; k++) {
    let end = k === p.maxBins ? sorted.length : Math.max(start + 1, Math.round((k * sorted.length) / p.maxBins));
    while (end < sorted.length && sorted[end] === sorted[end - 1]) end++;
    let bad = 0;
    for (let i = start; i < end; i++) bad += sortedY[i];
    fine.push({ hi: sorted[end - 1], n: end - start, bad });
    start = end;
  }
  let bins = fine.length ? mergeSmall(fine, Math.max(1, p.minBinShare * sorted.length)) : [];
  if (bins.length > 1 && spec.monotone !== 'none') {
    if (spec.monotone === 'auto') {
      const up = poolMonotone(bins, 1);
      const down = poolMonotone(bins, -1);
      bins = sse(up, fine) <= sse(down, fine) ? up : down;
    } else bins = poolMonotone(bins, spec.monotone === 'increasing' ? 1 : -1);
  }
  const edges = bins.slice(0, -1).map((b) => b.hi);
  const w = (bad: number, n: number) => woe(bad, n, totalBad, total, p.smoothing);
  const median = quantile(sorted, 0.5);
  const q25 = quantile(sorted, 0.25);
  const q75 = quantile(sorted, 0.75);
  let scale = (q75 - q25) / 1.349;
  if (!(scale > 0)) {
    let m = 0;
    for (const v of sorted) m += v;
    m /= sorted.length || 1;
    let s = 0;
    for (const v of sorted) s += (v - m) ** 2;
    scale = Math.sqrt(s / (sorted.length || 1)) || 1;
  }
  const knots: number[] = [];
  for (let k = 0; k <= p.pleSegments; k++) {
    const v = quantile(sorted, k / p.pleSegments);
    if (knots.length === 0 || v > knots[knots.length - 1]) knots.push(v);
  }
  if (knots.length < 2) knots.push((knots[0] ?? 0) + 1);
  return {
    kind: 'numeric',
    name: spec.name,
    specials,
    edges,
    woe: bins.length ? bins.map((b) => w(b.bad, b.n)) : [0],
    specialWoe: specials.map((_, k) => w(spBad[k], spN[k])),
    missingWoe: w(missBad, missN),
    missing: spec.missing,
    median,
    lo: sorted.length ? sorted[0] : 0,
    hi: sorted.length ? sorted[sorted.length - 1] : 0,
    center: median,
    scale,
    knots,
  };
}

export function fitCategorical(
  spec: FeatureSpec,
  values: (string | null)[],
  label: Uint8Array,
  rows: Int32Array,
  p: BinningParams,
): CategoricalState {
  const counts = new Map<string, { n: number; bad: number }>();
  let missN = 0;
  let missBad = 0;
  let totalBad = 0;
  for (const r of rows) {
    const v = values[r];
    const y = label[r];
    totalBad += y;
    if (v === null || v === '') {
      missN++;
      missBad += y;
      continue;
    }
    const c = counts.get(v) ?? { n: 0, bad: 0 };
    c.n++;
    c.bad += y;
    counts.set(v, c);
  }
  const total = rows.length;
  const kept = [...counts.entries()]
    .filter(([, c]) => c.n >= p.minCategoryShare * total)
    .sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))
    .slice(0, p.maxCategories);
  const keptSet = new Set(kept.map(([k]) => k));
  let otherN = 0;
  let otherBad = 0;
  for (const [k, c] of counts)
    if (!keptSet.has(k)) {
      otherN += c.n;
      otherBad += c.bad;
    }
  const w = (bad: number, n: number) => woe(bad, n, totalBad, total, p.smoothing);
  return {
    kind: 'categorical',
    name: spec.name,
    categories: kept.map(([k]) => k),
    woe: kept.map(([, c]) => w(c.bad, c.n)),
    otherWoe: w(otherBad, otherN),
    missingWoe: w(missBad, missN),
  };
}

/** Fits every feature's state on the train rows. */
export function fitPreprocessing(
  specs: FeatureSpec[],
  cols: Column[],
  label: Uint8Array,
  train: Int32Array,
  p: BinningParams,
): FeatureState[] {
  return specs.map((s, j) => {
    const c = cols[j];
    return c.kind === 'numeric' ? fitNumeric(s, c.values, label, train, p) : fitCategorical(s, c.values, label, train, p);
  });
}

/** What the fitting steps read: the fitted states and every row encoded with them. */
export interface Inputs {
  states: FeatureState[];
  /** Network inputs and labels, in SharedArrayBuffers: worker threads read them without a copy. */
  network: Matrix;
  /** WoE inputs (one column per feature) and labels: the scorecard's. */
  woe: Matrix;
}

/** Fits the states on the learn rows, encodes every row, and zeroes the columns an ablation removes. */
export function preprocess(
  specs: FeatureSpec[],
  ds: Dataset,
  learn: Int32Array,
  p: BinningParams,
  ablations: ReadonlySet<Ablation>,
  log: (msg: string) => void,
): Inputs {
  const states = fitPreprocessing(specs, ds.features, ds.label, learn, p);
  const all = Int32Array.from({ length: ds.ids.length }, (_, i) => i);
  const enc = encodeRows(states, ds.features, all, true);
  const zeroed = zeroInputs(enc.x, enc.width, states, ablations);
  if (ablations.size) log(`ablation: ${[...ablations].join(', ')}${zeroed ? ` (${zeroed} input columns zeroed)` : ''}`);
  const y = Float32Array.from(ds.label);
  const yShared = new Float32Array(new SharedArrayBuffer(y.byteLength));
  yShared.set(y);
  log(`${states.length} features -> ${enc.width} network inputs`);
  return { states, network: { x: enc.x, y: yShared, width: enc.width }, woe: { x: enc.woe, y, width: states.length } };
}
