/**
 * Path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent individualized feature attribution
 * for tree ensembles", Algorithm 2): exact Shapley values of a row's margin in O(leaves · depth²)
 * per tree, where a feature left out follows both branches in proportion to training cover. The
 * values add up: expectedMargin + Σ phi = the row's margin. A positive phi is a feature that
 * raised the risk, which is what a reason code reports.
 *
 * The path is kept in four typed arrays, one frame per recursion depth laid end to end, as in the
 * reference implementation, so a row allocates nothing after the first call.
 */
import type { CompiledTrees } from './trees.js';

/** Scratch space for one tree depth bound; reused across rows. */
class Path {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
  /** inv[k] = 1 / k: the recurrences divide by small integers at every step. */
  inv: Float64Array;
  constructor(readonly maxDepth: number) {
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2;
    this.inv = Float64Array.from({ length: maxDepth + 3 }, (_, k) => 1 / k);
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

function extend(p: Path, at: number, depth: number, zero: number, one: number, feature: number): void {
  const w = p.weight;
  const inv = p.inv;
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  w[at + depth] = depth === 0 ? 1 : 0;
  const z = zero * inv[depth + 1];
  const o = one * inv[depth + 1];
  for (let i = depth - 1; i >= 0; i--) {
    w[at + i + 1] += o * w[at + i] * (i + 1);
    w[at + i] = z * w[at + i] * (depth - i);
  }
}

function unwind(p: Path, at: number, depth: number, index: number): void {
  const w = p.weight;
  const one = p.one[at + index];
  const zero = p.zero[at + index];
  let next = w[at + depth];
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = w[at + i];
      w[at + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (w[at + i] * zero * (depth - i)) / (depth + 1);
    } else {
      w[at + i] = (w[at + i] * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1];
    p.zero[at + i] = p.zero[at + i + 1];
    p.one[at + i] = p.one[at + i + 1];
  }
}

/** Total weight of the path with element `index` taken out, without changing the path. */
function unwoundSum(p: Path, at: number, depth: number, index: number): number {
  const w = p.weight;
  const inv = p.inv;
  const one = p.one[at + index];
  const zero = p.zero[at + index];
  let total = 0;
  if (one !== 0) {
    const a = (depth + 1) / one;
    const b = zero * inv[depth + 1];
    let next = w[at + depth];
    for (let i = depth - 1; i >= 0; i--) {
      const tmp = next * a * inv[i + 1];
      total += tmp;
      next = w[at + i] - tmp * b * (depth - i);
    }
  } else {
    const a = (depth + 1) / zero;
    for (let i = depth - 1; i >= 0; i--) total += w[at + i] * a * inv[depth - i];
  }
  return total;
}

function recurse(
  c: CompiledTrees,
  row: ArrayLike<number>,
  phi: Float64Array,
  p: Path,
  node: number,
  parentAt: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  // This frame starts after the parent's (which holds depth entries) and copies them.
  const at = parentAt + depth;
  // A plain loop: paths are a few elements long, too short for copyWithin's call to pay off.
  for (let i = 0; i < depth; i++) {
    p.feature[at + i] = p.feature[parentAt + i];
    p.zero[at + i] = p.zero[parentAt + i];
    p.one[at + i] = p.one[parentAt + i];
    p.weight[at + i] = p.weight[parentAt + i];
  }
  extend(p, at, depth, zero, one, feature);
  const f = c.feature[node];
  if (f < 0) {
    const v = c.value[node];
    for (let i = 1; i <= depth; i++) {
      const w = unwoundSum(p, at, depth, i);
      phi[p.feature[at + i]] += w * (p.one[at + i] - p.zero[at + i]) * v;
    }
    return;
  }
  const hot = nextChild(c, node, row[f]);
  const cold = hot === c.left[node] ? c.right[node] : c.left[node];
  const cover = c.cover[node];
  let inZero = 1;
  let inOne = 1;
  let d = depth;
  // A feature split on again higher up: undo that element so it is counted once.
  let k = 1;
  while (k <= d && p.feature[at + k] !== f) k++;
  if (k <= d) {
    inZero = p.zero[at + k];
    inOne = p.one[at + k];
    unwind(p, at, d, k);
    d--;
  }
  recurse(c, row, phi, p, hot, at, d + 1, (c.cover[hot] / cover) * inZero, inOne, f);
  recurse(c, row, phi, p, cold, at, d + 1, (c.cover[cold] / cover) * inZero, 0, f);
}

/** The child a value x takes at an internal node. */
function nextChild(c: CompiledTrees, node: number, x: number): number {
  return x <= c.threshold[node] ? c.left[node] : x > c.threshold[node] ? c.right[node] : c.missing[node];
}

function treeDepth(c: CompiledTrees, node: number): number {
  return c.feature[node] < 0 ? 0 : 1 + Math.max(treeDepth(c, c.left[node]), treeDepth(c, c.right[node]));
}

/** Shapley explainer for one compiled ensemble; holds its scratch path, so one per thread. */
export class TreeShap {
  private readonly path: Path;
  /** The margin of an "average" row: baseScore plus each tree's cover-weighted mean leaf value. */
  readonly expectedMargin: number;

  constructor(private readonly c: CompiledTrees) {
    let depth = 0;
    let expected = c.baseScore;
    for (let k = 0; k < c.roots.length; k++) {
      depth = Math.max(depth, treeDepth(c, c.roots[k]));
      const root = c.roots[k];
      const end = k + 1 < c.roots.length ? c.roots[k + 1] : c.feature.length;
      for (let n = root; n < end; n++) if (c.feature[n] < 0) expected += (c.value[n] * c.cover[n]) / c.cover[root];
    }
    this.path = new Path(depth + 1);
    this.expectedMargin = expected;
  }

  /** Per-feature contributions of one raw row (NaN = missing) to its margin. */
  explain(row: ArrayLike<number>): Float64Array {
    const c = this.c;
    if (row.length < c.featureCount) throw new RangeError(`the row has ${row.length} values but the trees read ${c.featureCount}`);
    const phi = new Float64Array(c.featureCount);
    for (let k = 0; k < c.roots.length; k++) recurse(c, row, phi, this.path, c.roots[k], 0, 0, 1, 1, -1);
    return phi;
  }
}

/**
 * Features that raised the risk most: indices with positive contributions, largest first (ties to
 * the earlier feature), at most `max`.
 */
export function riskRaisers(phi: ArrayLike<number>, max = 4): number[] {
  const idx: number[] = [];
  for (let f = 0; f < phi.length; f++) if (phi[f] > 0) idx.push(f);
  idx.sort((a, b) => phi[b] - phi[a] || a - b);
  return idx.slice(0, Math.max(0, Math.floor(max)));
}
