/**
 * Grows one regression tree on gradients, best-first (leaf-wise): the leaf whose best split
 * lowers the loss most is split next, until `maxLeaves`, `maxDepth` or no split passes the rules.
 *
 * Rows live in one index array; every leaf owns a contiguous slice of it, and a split partitions
 * the slice in place (stably, so rows stay in ascending order and histogram sums are
 * reproducible). Only the smaller child's histogram is built from rows; the larger child's is
 * the parent's minus it, which roughly halves the work per level.
 */
import {
  bestSplit,
  buildHistogram,
  leafOutput,
  noSplit,
  subtractHistogram,
  type HistLayout,
  type Split,
  type SplitRules,
} from './histogram.js';

/** A tree as the learner keeps it: the serialisable arrays plus the bin threshold per node. */
export interface GrownTree {
  feature: number[];
  /** Value bins 0..bin go left; -1 at leaves. */
  bin: number[];
  missingLeft: boolean[];
  left: number[];
  right: number[];
  /** Shrunk leaf value; at an internal node, the value it would have had as a leaf. */
  value: number[];
  /** Training rows (of this tree's sample) that reached the node. */
  cover: number[];
  /** Loss reduction of each split, 0 at leaves (for feature importance). */
  gain: number[];
  /** For each leaf node, its slice of `rowIdx` after growing: rows [begin, end). */
  leafBegin: Map<number, number>;
  leafEnd: Map<number, number>;
}

export interface GrowInput {
  /** Histogram slot of each row and feature (`slotMatrix`). */
  slots: Uint16Array | Uint32Array;
  layout: HistLayout;
  grad: Float64Array;
  hess: Float64Array;
  /** The rows this tree sees, ascending; partitioned in place. */
  rowIdx: Uint32Array;
  rowCount: number;
  /** Features this tree may split on, ascending. */
  feats: Int32Array;
  /** Whether `feats` is every feature (the histogram loop is then simpler). */
  allFeatures: boolean;
  monotone: Int8Array;
  rules: SplitRules;
  maxLeaves: number;
  maxDepth: number;
  learningRate: number;
}

interface Leaf {
  node: number;
  begin: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  lo: number;
  hi: number;
  hist: Float64Array | null;
  split: Split;
}

/** Reusable buffers across trees: histograms, the partition scratch space and its lookup table. */
export class GrowBuffers {
  private free: Float64Array[] = [];
  readonly scratch: Uint32Array;
  readonly goesLeft: Uint8Array;
  constructor(
    private readonly size: number,
    rows: number,
    maxBins: number,
  ) {
    this.scratch = new Uint32Array(rows);
    this.goesLeft = new Uint8Array(maxBins);
  }
  take(): Float64Array {
    return this.free.pop() ?? new Float64Array(this.size);
  }
  give(h: Float64Array | null): void {
    if (h) this.free.push(h);
  }
}

/**
 * Grows one tree on the gradients of `inp.rowIdx[0..rowCount)`, reordering those indices so each
 * leaf's rows end up contiguous (`leafBegin`/`leafEnd`), which lets the caller update margins
 * leaf by leaf.
 */
export function growTree(inp: GrowInput, buf: GrowBuffers): GrownTree {
  const { slots, layout, grad, hess, rowIdx, monotone, rules } = inp;
  const feats = inp.feats;
  const histFeats = inp.allFeatures ? null : feats;
  const F = layout.features;
  const lambda = rules.lambda;
  const t: GrownTree = {
    feature: [],
    bin: [],
    missingLeft: [],
    left: [],
    right: [],
    value: [],
    cover: [],
    gain: [],
    leafBegin: new Map(),
    leafEnd: new Map(),
  };
  const addNode = (g: number, h: number, n: number, lo: number, hi: number): number => {
    t.feature.push(-1);
    t.bin.push(-1);
    t.missingLeft.push(false);
    t.left.push(-1);
    t.right.push(-1);
    t.value.push(inp.learningRate * leafOutput(g, h, lambda, lo, hi));
    t.cover.push(n);
    t.gain.push(0);
    return t.value.length - 1;
  };
  const canSplit = (l: Leaf): boolean => l.depth < inp.maxDepth && l.end - l.begin >= 2 * rules.minChildSamples;
  const search = (l: Leaf): void => {
    if (l.hist) bestSplit(l.hist, layout, feats, l.g, l.h, l.end - l.begin, l.lo, l.hi, monotone, rules, l.split);
  };

  let g0 = 0;
  let h0 = 0;
  for (let i = 0; i < inp.rowCount; i++) {
    g0 += grad[rowIdx[i]];
    h0 += hess[rowIdx[i]];
  }
  const root: Leaf = {
    node: addNode(g0, h0, inp.rowCount, -Infinity, Infinity),
    begin: 0,
    end: inp.rowCount,
    depth: 0,
    g: g0,
    h: h0,
    lo: -Infinity,
    hi: Infinity,
    hist: null,
    split: noSplit(),
  };
  if (canSplit(root)) {
    root.hist = buf.take();
    buildHistogram(root.hist, F, slots, rowIdx, 0, inp.rowCount, grad, hess, histFeats);
    search(root);
  }
  const leaves: Leaf[] = [root];

  while (leaves.length < inp.maxLeaves) {
    let pick = -1;
    for (let i = 0; i < leaves.length; i++) {
      // Ties go to the leaf listed first; the list's order follows from the splits made, so it is fixed too.
      if (leaves[i].split.feature >= 0 && (pick < 0 || leaves[i].split.gain > leaves[pick].split.gain)) pick = i;
    }
    if (pick < 0) break;
    const p = leaves[pick];
    const s = p.split;
    const f = s.feature;

    // Stable partition of the parent's rows: left ones forward in place, right ones via scratch.
    // Which way a row goes is a table lookup and the writes are unconditional: a data-dependent
    // branch here would be mispredicted about half the time.
    const off = layout.offset[f];
    const bins = layout.bins[f];
    const goesLeft = buf.goesLeft;
    for (let b = 0; b < bins - 1; b++) goesLeft[b] = b <= s.bin ? 1 : 0;
    goesLeft[bins - 1] = s.missingLeft ? 1 : 0;
    const scratch = buf.scratch;
    let w = p.begin;
    let nr = 0;
    for (let i = p.begin; i < p.end; i++) {
      const r = rowIdx[i];
      const l = goesLeft[slots[r * F + f] - off];
      rowIdx[w] = r;
      scratch[nr] = r;
      w += l;
      nr += 1 - l;
    }
    rowIdx.set(scratch.subarray(0, nr), w);
    const mid = w;

    const nL = s.nLeft;
    const nR = p.end - p.begin - nL;
    const gR = p.g - s.gLeft;
    const hR = p.h - s.hLeft;
    // Monotone: the children's values are split at their midpoint and every later leaf below
    // stays on its side of it, so the direction holds for the whole subtree.
    let loL = p.lo,
      hiL = p.hi,
      loR = p.lo,
      hiR = p.hi;
    const mono = monotone[f];
    if (mono !== 0) {
      const wL = leafOutput(s.gLeft, s.hLeft, lambda, p.lo, p.hi);
      const wR = leafOutput(gR, hR, lambda, p.lo, p.hi);
      const midW = (wL + wR) / 2;
      if (mono > 0) {
        hiL = midW;
        loR = midW;
      } else {
        loL = midW;
        hiR = midW;
      }
    }
    const L: Leaf = {
      node: addNode(s.gLeft, s.hLeft, nL, loL, hiL),
      begin: p.begin,
      end: mid,
      depth: p.depth + 1,
      g: s.gLeft,
      h: s.hLeft,
      lo: loL,
      hi: hiL,
      hist: null,
      split: noSplit(),
    };
    const R: Leaf = {
      node: addNode(gR, hR, nR, loR, hiR),
      begin: mid,
      end: p.end,
      depth: p.depth + 1,
      g: gR,
      h: hR,
      lo: loR,
      hi: hiR,
      hist: null,
      split: noSplit(),
    };
    const n = p.node;
    t.feature[n] = f;
    t.bin[n] = s.bin;
    t.missingLeft[n] = s.missingLeft;
    t.left[n] = L.node;
    t.right[n] = R.node;
    t.gain[n] = s.gain;

    if (canSplit(L) || canSplit(R)) {
      const [small, large] = nL <= nR ? [L, R] : [R, L];
      small.hist = buf.take();
      buildHistogram(small.hist, F, slots, rowIdx, small.begin, small.end, grad, hess, histFeats);
      subtractHistogram(p.hist!, small.hist);
      large.hist = p.hist;
      p.hist = null;
      for (const c of [L, R]) {
        if (canSplit(c)) search(c);
        else {
          buf.give(c.hist);
          c.hist = null;
        }
      }
    } else {
      buf.give(p.hist);
      p.hist = null;
    }
    leaves.splice(pick, 1, L, R);
  }

  for (const l of leaves) {
    buf.give(l.hist);
    t.leafBegin.set(l.node, l.begin);
    t.leafEnd.set(l.node, l.end);
  }
  return t;
}
