/**
 * Gradient histograms and the split search over them. A histogram holds, for every feature and
 * bin, the sums of gradient, hessian and row count of the rows in one leaf, interleaved
 * `[g, h, n]` so one row's update touches one cache line per feature. Feature f's bins start at
 * `offset[f]`; its last bin is the missing code.
 */

/** Where each feature's bins sit in a histogram. */
export interface HistLayout {
  features: number;
  /** First bin of feature f. */
  offset: Int32Array;
  /** Bins of feature f, the missing bin included. */
  bins: Int32Array;
  /** Total bins over all features. */
  total: number;
}

export function histLayout(binsPerFeature: ArrayLike<number>): HistLayout {
  const features = binsPerFeature.length;
  const offset = new Int32Array(features);
  const bins = new Int32Array(features);
  let total = 0;
  for (let f = 0; f < features; f++) {
    offset[f] = total;
    bins[f] = binsPerFeature[f];
    total += bins[f];
  }
  return { features, offset, bins, total };
}

/**
 * Histogram slots of every row: `slots[r * F + f] = offset[f] + code`, so the histogram loop
 * reads one number per feature instead of a code and an offset.
 */
export function slotMatrix(layout: HistLayout, codes: Uint8Array | Uint16Array, rows: number): Uint16Array | Uint32Array {
  const F = layout.features;
  const slots = layout.total <= 0x10000 ? new Uint16Array(rows * F) : new Uint32Array(rows * F);
  for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) slots[r * F + f] = layout.offset[f] + codes[r * F + f];
  return slots;
}

/**
 * Sums gradients into `hist` over the rows `rowIdx[begin..end)`, for the features in `feats`
 * (null: all). Rows are visited in index order, so the floating-point sums, and with them the
 * trees, are the same on every run.
 */
export function buildHistogram(
  hist: Float64Array,
  F: number,
  slots: Uint16Array | Uint32Array,
  rowIdx: Uint32Array,
  begin: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
  feats: Int32Array | null,
): void {
  hist.fill(0);
  if (feats === null) {
    let i = begin;
    // Two rows at a time: twice the independent updates in flight per feature.
    for (; i + 1 < end; i += 2) {
      const r = rowIdx[i];
      const r2 = rowIdx[i + 1];
      const g = grad[r];
      const h = hess[r];
      const g2 = grad[r2];
      const h2 = hess[r2];
      const base = r * F;
      const base2 = r2 * F;
      for (let f = 0; f < F; f++) {
        const o = slots[base + f] * 3;
        hist[o] += g;
        hist[o + 1] += h;
        hist[o + 2] += 1;
        const o2 = slots[base2 + f] * 3;
        hist[o2] += g2;
        hist[o2 + 1] += h2;
        hist[o2 + 2] += 1;
      }
    }
    for (; i < end; i++) {
      const r = rowIdx[i];
      const g = grad[r];
      const h = hess[r];
      const base = r * F;
      for (let f = 0; f < F; f++) {
        const o = slots[base + f] * 3;
        hist[o] += g;
        hist[o + 1] += h;
        hist[o + 2] += 1;
      }
    }
    return;
  }
  const nf = feats.length;
  for (let i = begin; i < end; i++) {
    const r = rowIdx[i];
    const g = grad[r];
    const h = hess[r];
    const base = r * F;
    for (let k = 0; k < nf; k++) {
      const o = slots[base + feats[k]] * 3;
      hist[o] += g;
      hist[o + 1] += h;
      hist[o + 2] += 1;
    }
  }
}

/** `into -= small`, bin by bin: a parent's histogram becomes its larger child's. */
export function subtractHistogram(into: Float64Array, small: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] -= small[i];
}

/** Constraints a split must meet, in the units of the objective (unshrunk leaf values). */
export interface SplitRules {
  lambda: number;
  minChildWeight: number;
  minChildSamples: number;
  minSplitGain: number;
}

/** The best split of one leaf, or `gain = -Infinity` when no split passes the rules. */
export interface Split {
  gain: number;
  feature: number;
  /** Value bins 0..bin go left. */
  bin: number;
  missingLeft: boolean;
  /** Left child's sums; the right child's are the leaf's minus these. */
  gLeft: number;
  hLeft: number;
  nLeft: number;
}

export const noSplit = (): Split => ({ gain: -Infinity, feature: -1, bin: -1, missingLeft: false, gLeft: 0, hLeft: 0, nLeft: 0 });

const clamp = (w: number, lo: number, hi: number): number => (w < lo ? lo : w > hi ? hi : w);

/** Leaf value minimising the second-order loss, kept inside the monotone bounds [lo, hi]. */
export const leafOutput = (g: number, h: number, lambda: number, lo: number, hi: number): number => clamp(-g / (h + lambda), lo, hi);

/** Second-order loss of a leaf with sums (g, h) and value w: g·w + ½(h + λ)·w². */
const leafLoss = (g: number, h: number, lambda: number, w: number): number => g * w + 0.5 * (h + lambda) * w * w;

/**
 * Finds the best split of a leaf with sums (G, H, N) over the features in `feats`. Every
 * threshold is tried twice, missing rows left and missing rows right, and the better kept; the
 * last threshold (all present values left) with missing right is a "missing or not" split.
 *
 * With bounds [lo, hi] from monotone ancestors, children's values are clamped into them and the
 * gain is measured on the clamped values; a split on a constrained feature whose children would
 * break its direction is not a candidate (XGBoost's and LightGBM's basic method).
 */
export function bestSplit(
  hist: Float64Array,
  layout: HistLayout,
  feats: Int32Array,
  G: number,
  H: number,
  N: number,
  lo: number,
  hi: number,
  monotone: Int8Array,
  rules: SplitRules,
  out: Split,
): Split {
  const { lambda, minChildWeight, minChildSamples } = rules;
  out.gain = -Infinity;
  out.feature = -1;
  if (N < 2 * minChildSamples) return out;
  const parentLoss = leafLoss(G, H, lambda, leafOutput(G, H, lambda, lo, hi));
  const floor = Math.max(rules.minSplitGain, 0);
  let best = floor;
  for (let k = 0; k < feats.length; k++) {
    const f = feats[k];
    const o = layout.offset[f] * 3;
    const valueBins = layout.bins[f] - 1;
    const m = o + valueBins * 3;
    const gm = hist[m];
    const hm = hist[m + 1];
    const nm = hist[m + 2];
    const mono = monotone[f];
    let gl = 0;
    let hl = 0;
    let nl = 0;
    for (let b = 0; b < valueBins; b++) {
      const at = o + b * 3;
      const nb = hist[at + 2];
      // An empty bin gives the same partition as the previous threshold: nothing new to try.
      if (nb === 0 && b > 0) continue;
      gl += hist[at];
      hl += hist[at + 1];
      nl += nb;
      for (let side = 0; side < 2; side++) {
        // side 0: missing right; side 1: missing left (only when there are missing rows, and not
        // at the last threshold, where every row would go left).
        if (side === 1 && (nm === 0 || b === valueBins - 1)) break;
        const gL = side === 1 ? gl + gm : gl;
        const hL = side === 1 ? hl + hm : hl;
        const nL = side === 1 ? nl + nm : nl;
        const nR = N - nL;
        const hR = H - hL;
        if (nL < minChildSamples || nR < minChildSamples || hL < minChildWeight || hR < minChildWeight) continue;
        const gR = G - gL;
        const wL = leafOutput(gL, hL, lambda, lo, hi);
        const wR = leafOutput(gR, hR, lambda, lo, hi);
        if ((mono > 0 && wL > wR) || (mono < 0 && wL < wR)) continue;
        const gain = parentLoss - leafLoss(gL, hL, lambda, wL) - leafLoss(gR, hR, lambda, wR);
        if (gain > best) {
          best = gain;
          out.gain = gain;
          out.feature = f;
          out.bin = b;
          // With no missing rows in training the direction is free; send missing values where
          // most rows went, the likelier guess for an unseen pattern.
          out.missingLeft = side === 1 || (nm === 0 && nL >= nR);
          out.gLeft = gL;
          out.hLeft = hL;
          out.nLeft = nL;
        }
      }
    }
  }
  return out;
}
