/**
 * The network's first layer as per-feature lookup tables over raw values.
 *
 * A feature's block of network inputs (WoE, scaled value, flags, piecewise-linear segments; see
 * encoding-layout.ts) is a function of that feature's raw value alone, and between two consecutive
 * breakpoints (WoE bin edges, PLE knots, the clip bounds) every input of the block is affine in the
 * value. So is the block's contribution to the first layer's pre-activations: C + (x - a)·B for
 * the segment x falls in, with C its value at a point a inside the segment (anchoring there rather
 * than at 0 keeps float64 precision when x is large next to the segment's width). Special codes, missing values and categories each contribute one constant
 * vector. Summing 2 vectors per feature replaces a multiply-add per non-zero input, which is what
 * makes single-row scoring cheap (it keeps the per-request latency low).
 *
 * The tables are built by running the encoder itself at two points inside each segment, so they
 * cannot drift from the encoding; load.ts checks the served path against the plain forward pass
 * before a bundle serves. wasm-net.ts adds the vectors up with SIMD kernels.
 */
import {
  binIndex,
  encodeFeature,
  toNumber,
  type CategoricalState,
  type FeatureState,
  type NumericState,
  type RawRow,
  type RawValue,
} from '../domain/encoding.js';
import { featureBlocks, featureWidth, inputWidth } from '../domain/encoding-layout.js';
import type { DenseLayer } from './dense-net.js';

interface NumericTable {
  kind: 'numeric';
  name: string;
  /** Sorted, distinct breakpoints; segment k is (bp[k-1], bp[k]], the last is (bp[last], +inf). */
  breakpoints: Float64Array;
  /**
   * Element offset in `data` of segment 0's vectors: segment k's value at its anchor is at
   * affine + 2k·stride, its slope one stride further; the contribution is value + (x - anchor)·slope.
   */
  affine: number;
  /** Per segment, the point inside it the value is taken at (anchoring there keeps precision for large x). */
  anchors: Float64Array;
  /** 1 where segment k's slope is all zero (clipped or constant region): only the intercept is added. */
  flat: Uint8Array;
  specials: number[];
  /** Element offset of one vector per special code, then one for missing. */
  constants: number;
}

interface CategoricalTable {
  kind: 'categorical';
  name: string;
  index: Map<string, number>;
  /** Element offset of one vector per category, then "other", then missing. */
  constants: number;
  other: number;
  missing: number;
}

type Table = NumericTable | CategoricalTable;

/** What the lookup hands its vectors to: `data` offsets (elements) of vectors to add up. */
export interface Accumulator {
  /** h += data[at .. at+units) */
  add(at: number): void;
  /** h += data[at ..] + dx * data[slopeAt ..], dx = x minus the segment's anchor */
  affine(at: number, slopeAt: number, dx: number): void;
}

/** The block's contribution to the first layer for raw value `v`: sum of inputs times kernel rows. */
function contribution(
  s: FeatureState,
  v: RawValue,
  layer: DenseLayer,
  at: number,
  scratch: Float32Array,
  out: Float64Array,
  outAt: number,
): void {
  const width = featureWidth(s);
  encodeFeature(s, v, scratch, 0);
  const { units, kernel } = layer;
  for (let o = 0; o < units; o++) out[outAt + o] = 0;
  for (let i = 0; i < width; i++) {
    const xi = scratch[i];
    if (xi === 0) continue;
    const row = (at + i) * units;
    for (let o = 0; o < units; o++) out[outAt + o] += xi * kernel[row + o];
  }
}

/**
 * Two points of the segment (lo, hi] that are not special codes, where the block is affine: inside
 * it where there is room, else its right end hi (the block is affine up to and including hi: the
 * encoding is continuous there and hi falls in the same WoE bin). Null for a segment holding one
 * usable value only (hi, one ulp above lo), which is then exactly one constant.
 */
function samplePoints(lo: number, hi: number, specials: readonly number[]): [number, number] | null {
  const fractions = [1 / 3, 2 / 3, 1 / 4, 3 / 4, 2 / 5, 3 / 5, 1 / 7, 6 / 7];
  const pts: number[] = [];
  for (const f of fractions) {
    let p: number;
    if (Number.isFinite(lo) && Number.isFinite(hi)) p = lo + (hi - lo) * f;
    else if (Number.isFinite(hi)) p = hi - Math.max(1, Math.abs(hi)) * (1 + f * 8);
    else p = lo + Math.max(1, Math.abs(lo)) * (1 + f * 8);
    if (Number.isFinite(p) && p > lo && p < hi && !specials.includes(p) && !pts.includes(p)) pts.push(p);
    if (pts.length === 2) return [pts[0], pts[1]];
  }
  if (pts.length === 1 && Number.isFinite(hi) && hi !== pts[0] && !specials.includes(hi)) return [pts[0], hi];
  return null;
}

function breakpointsOf(s: NumericState): Float64Array {
  const raw = [...s.edges, ...s.knots, s.lo, s.hi, s.center - 5 * s.scale, s.center + 5 * s.scale].filter(Number.isFinite);
  return Float64Array.from(new Set(raw)).sort();
}

/** How many vectors a feature's table holds. */
function vectorCount(s: FeatureState): number {
  return s.kind === 'numeric' ? 2 * (breakpointsOf(s).length + 1) + s.specials.length + 1 : s.categories.length + 2;
}

/**
 * Every feature's vectors in one flat Float64Array (`data`), `stride` elements apart (units padded
 * to an even count, zeros in the padding), so a SIMD kernel can walk them in pairs.
 */
export class FeatureTables {
  readonly stride: number;
  /** The vectors; emptied by `dropData` once a consumer has copied them (wasm memory). */
  data: Float64Array;
  private readonly tables: Table[];

  constructor(states: readonly FeatureState[], first: DenseLayer) {
    const units = first.units;
    const stride = (this.stride = units + (units & 1));
    const width = inputWidth(states);
    if (width !== first.inputs) throw new Error(`the encoding is ${width} wide, the first layer takes ${first.inputs}`);
    this.data = new Float64Array(states.reduce((n, s) => n + vectorCount(s), 0) * stride);
    const blocks = featureBlocks(states);
    let next = 0;
    const take = (n: number) => {
      const e = next;
      next += n * stride;
      return e;
    };
    this.tables = states.map((s, j) =>
      s.kind === 'numeric' ? this.numeric(s, first, blocks[j].offset, take) : this.categorical(s, first, blocks[j].offset, take),
    );
  }

  private numeric(s: NumericState, layer: DenseLayer, at: number, take: (n: number) => number): NumericTable {
    const { units } = layer;
    const { stride, data } = this;
    const scratch = new Float32Array(featureWidth(s));
    const bp = breakpointsOf(s);
    const segments = bp.length + 1;
    const affine = take(2 * segments);
    const anchors = new Float64Array(segments);
    const flat = new Uint8Array(segments);
    const c1 = new Float64Array(units);
    const c2 = new Float64Array(units);
    for (let k = 0; k < segments; k++) {
      const lo = k === 0 ? -Infinity : bp[k - 1];
      const hi = k === bp.length ? Infinity : bp[k];
      const a = affine + 2 * k * stride;
      const pts = samplePoints(lo, hi, s.specials);
      if (!pts) {
        // A segment whose only usable value is its right end (one ulp wide): one exact constant.
        if (!Number.isFinite(hi) || s.specials.includes(hi)) throw new Error(`${s.name}: cannot tabulate the segment (${lo}, ${hi}]`);
        contribution(s, hi, layer, at, scratch, c1, 0);
        data.set(c1, a);
        anchors[k] = hi;
        flat[k] = 1;
        continue;
      }
      const [p1, p2] = pts;
      contribution(s, p1, layer, at, scratch, c1, 0);
      contribution(s, p2, layer, at, scratch, c2, 0);
      let zero = true;
      for (let o = 0; o < units; o++) {
        const slope = (c2[o] - c1[o]) / (p2 - p1);
        data[a + o] = c1[o];
        data[a + stride + o] = slope;
        if (slope !== 0) zero = false;
      }
      anchors[k] = p1;
      flat[k] = zero ? 1 : 0;
    }
    const constants = take(s.specials.length + 1);
    const vec = new Float64Array(units);
    s.specials.forEach((code, i) => {
      contribution(s, code, layer, at, scratch, vec, 0);
      data.set(vec, constants + i * stride);
    });
    contribution(s, null, layer, at, scratch, vec, 0);
    data.set(vec, constants + s.specials.length * stride);
    return { kind: 'numeric', name: s.name, breakpoints: bp, affine, anchors, flat, specials: s.specials, constants };
  }

  private categorical(s: CategoricalState, layer: DenseLayer, at: number, take: (n: number) => number): CategoricalTable {
    const { stride, data } = this;
    const scratch = new Float32Array(featureWidth(s));
    const n = s.categories.length;
    const constants = take(n + 2);
    const vec = new Float64Array(layer.units);
    const put = (v: RawValue, i: number) => {
      contribution(s, v, layer, at, scratch, vec, 0);
      data.set(vec, constants + i * stride);
    };
    s.categories.forEach(put);
    // Any string outside the list encodes as "other"; this one cannot collide with a category.
    let unseen = '\u0000other';
    while (s.categories.includes(unseen)) unseen += '_';
    put(unseen, n);
    put(null, n + 1);
    return { kind: 'categorical', name: s.name, index: new Map(s.categories.map((c, i) => [c, i])), constants, other: n, missing: n + 1 };
  }

  /** Frees the JS copy of the vectors once they live elsewhere; lookups keep working on offsets. */
  dropData(): void {
    this.data = new Float64Array(0);
  }

  /** Hands `acc` the vectors whose sum (plus the bias) is the first layer's pre-activation for `row`. */
  firstLayer(row: RawRow, acc: Accumulator): void {
    const stride = this.stride;
    for (let j = 0; j < this.tables.length; j++) {
      const t = this.tables[j];
      const v = row[t.name];
      if (t.kind === 'categorical') {
        const i = v === null || v === undefined || v === '' ? t.missing : (t.index.get(String(v)) ?? t.other);
        acc.add(t.constants + i * stride);
        continue;
      }
      const x = toNumber(v);
      if (x === null) {
        acc.add(t.constants + t.specials.length * stride);
        continue;
      }
      const sp = t.specials.length ? t.specials.indexOf(x) : -1;
      if (sp >= 0) {
        acc.add(t.constants + sp * stride);
        continue;
      }
      const k = binIndex(t.breakpoints, x);
      const a = t.affine + 2 * k * stride;
      if (t.flat[k]) acc.add(a);
      else acc.affine(a, a + stride, x - t.anchors[k]);
    }
  }
}
