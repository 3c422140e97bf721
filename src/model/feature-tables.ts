/**
 * The network's first layer as per-feature lookup tables over raw values.
 *
 * A feature's block of network inputs (WoE, scaled value, flags, piecewise-linear segments; see
 * encodeFeature) is a function of that feature's raw value alone, and between two consecutive
 * breakpoints (WoE bin edges, PLE knots, the clip bounds) every input of the block is affine in the
 * value. So is the block's contribution to the first layer's pre-activations: A + x·B for the
 * segment x falls in. Special codes, missing values and categories each contribute one constant
 * vector. Summing 2 vectors per feature replaces a multiply-add per non-zero input, which is what
 * makes single-row scoring cheap (issue 3's latency target).
 *
 * The tables are built by running the encoder itself at two points inside each segment, so they
 * cannot drift from the encoding; load.ts checks them against the plain forward pass before a
 * bundle serves (`checkTables`).
 */
import { binIndex, encodeFeature, featureWidth, toNumber, type CategoricalState, type FeatureState, type NumericState, type RawRow, type RawValue } from '../domain/encoding.js';
import type { DenseLayer } from './dense-net.js';

interface NumericTable {
  kind: 'numeric';
  name: string;
  /** Sorted, distinct breakpoints; segment k is (bp[k-1], bp[k]], the last is (bp[last], +inf). */
  breakpoints: Float64Array;
  /** Segment k: intercept at [2k·units, (2k+1)·units), slope at [(2k+1)·units, (2k+2)·units). */
  affine: Float64Array;
  /** 1 where segment k's slope is all zero (clipped or constant region): skip the multiply. */
  flat: Uint8Array;
  specials: number[];
  /** One vector per special code, then one for missing. */
  constants: Float64Array;
}

interface CategoricalTable {
  kind: 'categorical';
  name: string;
  index: Map<string, number>;
  /** One vector per category, then "other", then missing. */
  constants: Float64Array;
  other: number;
  missing: number;
}

type Table = NumericTable | CategoricalTable;

/** The block's contribution to the first layer for raw value `v`: sum of inputs times kernel rows. */
function contribution(s: FeatureState, v: RawValue, layer: DenseLayer, at: number, scratch: Float32Array, out: Float64Array, outAt: number): void {
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

/** Two points strictly inside (lo, hi] that are not special codes, where the block is affine. */
function samplePoints(lo: number, hi: number, specials: readonly number[]): [number, number] {
  const fractions = [1 / 3, 2 / 3, 1 / 4, 3 / 4, 2 / 5, 3 / 5, 1 / 7, 6 / 7];
  const pts: number[] = [];
  for (const f of fractions) {
    let p: number;
    if (Number.isFinite(lo) && Number.isFinite(hi)) p = lo + (hi - lo) * f;
    else if (Number.isFinite(hi)) p = hi - Math.max(1, Math.abs(hi)) * (1 + f * 8);
    else p = lo + Math.max(1, Math.abs(lo)) * (1 + f * 8);
    if (p > lo && p < hi && !specials.includes(p) && !pts.includes(p)) pts.push(p);
    if (pts.length === 2) return [pts[0], pts[1]];
  }
  throw new Error(`cannot place two sample points in (${lo}, ${hi}]`);
}

function numericTable(s: NumericState, layer: DenseLayer, at: number): NumericTable {
  const units = layer.units;
  const scratch = new Float32Array(featureWidth(s));
  const raw = [...s.edges, ...s.knots, s.lo, s.hi, s.center - 5 * s.scale, s.center + 5 * s.scale].filter(Number.isFinite);
  const bp = Float64Array.from(new Set(raw)).sort();
  const segments = bp.length + 1;
  const affine = new Float64Array(segments * 2 * units);
  const flat = new Uint8Array(segments);
  const c1 = new Float64Array(units);
  const c2 = new Float64Array(units);
  for (let k = 0; k < segments; k++) {
    const lo = k === 0 ? -Infinity : bp[k - 1];
    const hi = k === bp.length ? Infinity : bp[k];
    const [p1, p2] = samplePoints(lo, hi, s.specials);
    contribution(s, p1, layer, at, scratch, c1, 0);
    contribution(s, p2, layer, at, scratch, c2, 0);
    const base = 2 * k * units;
    let zero = true;
    for (let o = 0; o < units; o++) {
      const slope = (c2[o] - c1[o]) / (p2 - p1);
      affine[base + units + o] = slope;
      affine[base + o] = c1[o] - p1 * slope;
      if (slope !== 0) zero = false;
    }
    // A flat segment stores the exact constant rather than an intercept rebuilt from a slope.
    if (zero) affine.set(c1, base);
    flat[k] = zero ? 1 : 0;
  }
  const constants = new Float64Array((s.specials.length + 1) * units);
  s.specials.forEach((code, i) => contribution(s, code, layer, at, scratch, constants, i * units));
  contribution(s, null, layer, at, scratch, constants, s.specials.length * units);
  return { kind: 'numeric', name: s.name, breakpoints: bp, affine, flat, specials: s.specials, constants };
}

function categoricalTable(s: CategoricalState, layer: DenseLayer, at: number): CategoricalTable {
  const units = layer.units;
  const scratch = new Float32Array(featureWidth(s));
  const n = s.categories.length;
  const constants = new Float64Array((n + 2) * units);
  s.categories.forEach((c, i) => contribution(s, c, layer, at, scratch, constants, i * units));
  // Any string outside the list encodes as "other"; the name cannot collide with a category.
  let unseen = '\u0000other';
  while (s.categories.includes(unseen)) unseen += '_';
  contribution(s, unseen, layer, at, scratch, constants, n * units);
  contribution(s, null, layer, at, scratch, constants, (n + 1) * units);
  return { kind: 'categorical', name: s.name, index: new Map(s.categories.map((c, i) => [c, i])), constants, other: n, missing: n + 1 };
}

export class FeatureTables {
  private readonly tables: Table[];
  private readonly units: number;
  private readonly bias: Float64Array;

  constructor(states: readonly FeatureState[], first: DenseLayer) {
    this.units = first.units;
    this.bias = Float64Array.from(first.bias);
    let at = 0;
    this.tables = states.map((s) => {
      const t = s.kind === 'numeric' ? numericTable(s, first, at) : categoricalTable(s, first, at);
      at += featureWidth(s);
      return t;
    });
    if (at !== first.inputs) throw new Error(`the encoding is ${at} wide, the first layer takes ${first.inputs}`);
  }

  /** Writes the first layer's pre-activations for one raw row into `h` (length = units). */
  firstLayer(row: RawRow, h: Float64Array): void {
    const units = this.units;
    h.set(this.bias);
    for (let j = 0; j < this.tables.length; j++) {
      const t = this.tables[j];
      const v = row[t.name];
      if (t.kind === 'categorical') {
        const i = v === null || v === undefined || v === '' ? t.missing : (t.index.get(String(v)) ?? t.other);
        addRow(h, t.constants, i * units, units);
        continue;
      }
      const x = toNumber(v);
      if (x === null) {
        addRow(h, t.constants, t.specials.length * units, units);
        continue;
      }
      const sp = t.specials.length ? t.specials.indexOf(x) : -1;
      if (sp >= 0) {
        addRow(h, t.constants, sp * units, units);
        continue;
      }
      const k = binIndex(t.breakpoints, x);
      const base = 2 * k * units;
      if (t.flat[k]) addRow(h, t.affine, base, units);
      else {
        const a = t.affine;
        const slopeAt = base + units;
        for (let o = 0; o < units; o++) h[o] += a[base + o] + x * a[slopeAt + o];
      }
    }
  }
}

function addRow(h: Float64Array, src: Float64Array, at: number, units: number): void {
  for (let o = 0; o < units; o++) h[o] += src[at + o];
}
