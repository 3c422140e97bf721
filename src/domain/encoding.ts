/**
 * Feature encoding shared byte for byte by training and serving: the fitted preprocessing state is
 * plain JSON stored in the bundle, and `encodeRow` is the only code that turns a borrower's raw
 * values into model inputs. Training calls it on every row it fits on; the API calls it per request.
 */

import { CATEGORICAL_BLOCK, featureWidth, NUMERIC_BLOCK, otherOffset, pleOffset } from './encoding-layout.js';

export type RawValue = number | string | boolean | null | undefined;
export type RawRow = Readonly<Record<string, RawValue>>;

export interface NumericState {
  kind: 'numeric';
  name: string;
  /** Codes with their own meaning (e.g. 96 "refused"): each gets its own WoE and indicator. */
  specials: number[];
  /** Ascending bin upper edges: bin i holds edges[i-1] < x <= edges[i]; the last bin is x > edges[last]. */
  edges: number[];
  /** WoE per bin (edges.length + 1 values), then per special code, then for missing. */
  woe: number[];
  specialWoe: number[];
  missingWoe: number;
  missing: 'bin' | 'median';
  median: number;
  /** Training range: values outside it are clipped, with a warning. */
  lo: number;
  hi: number;
  /** Robust standardisation of the clipped raw value. */
  center: number;
  scale: number;
  /** Piecewise-linear encoding knots (Gorishniy et al. 2022), ascending, length k+1 for k segments. */
  knots: number[];
}

export interface CategoricalState {
  kind: 'categorical';
  name: string;
  /** Categories seen often enough in training; the rest share `otherWoe`. */
  categories: string[];
  woe: number[];
  otherWoe: number;
  missingWoe: number;
}

export type FeatureState = NumericState | CategoricalState;

/** Why an input value was adjusted while encoding; surfaced to API callers as warnings. */
export interface EncodeWarning {
  feature: string;
  issue: 'clipped_low' | 'clipped_high' | 'unseen_category' | 'missing';
}

export { featureWidth, inputWidth } from './encoding-layout.js';

/** The bin `x` falls in: the index of the first edge >= x (edges.length when x is past the last). */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  // Binary search for the first edge >= x.
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A raw value as the encoder reads it: a finite number, or null for missing. */
export function toNumber(v: RawValue): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The WoE a numeric feature takes for one raw value: the scorecard's view of it. */
export function numericWoe(s: NumericState, v: RawValue): number {
  const x = toNumber(v);
  if (x === null) return s.missing === 'median' ? s.woe[binIndex(s.edges, s.median)] : s.missingWoe;
  const sp = s.specials.indexOf(x);
  if (sp >= 0) return s.specialWoe[sp];
  return s.woe[binIndex(s.edges, x)];
}

export function categoricalWoe(s: CategoricalState, v: RawValue): number {
  if (v === null || v === undefined || v === '') return s.missingWoe;
  const i = s.categories.indexOf(String(v));
  return i >= 0 ? s.woe[i] : s.otherWoe;
}

export function featureWoe(s: FeatureState, v: RawValue): number {
  return s.kind === 'numeric' ? numericWoe(s, v) : categoricalWoe(s, v);
}

/**
 * What serving tells a caller about one raw value, if anything: missing, clipped to the training
 * range (special codes are never clipped), or a category training did not see.
 */
export function valueWarning(s: FeatureState, v: RawValue): EncodeWarning | null {
  if (s.kind === 'categorical') {
    if (v === null || v === undefined || v === '') return { feature: s.name, issue: 'missing' };
    return s.categories.includes(String(v)) ? null : { feature: s.name, issue: 'unseen_category' };
  }
  const x = toNumber(v);
  if (x === null) return { feature: s.name, issue: 'missing' };
  if (s.specials.includes(x)) return null;
  if (x < s.lo) return { feature: s.name, issue: 'clipped_low' };
  if (x > s.hi) return { feature: s.name, issue: 'clipped_high' };
  return null;
}

/**
 * Writes one feature's network inputs into `out` at `at`, in the block layout of
 * encoding-layout.ts; returns the next offset.
 */
export function encodeFeature(s: FeatureState, v: RawValue, out: Float32Array, at: number): number {
  if (s.kind === 'categorical') {
    const width = featureWidth(s);
    out.fill(0, at, at + width);
    out[at + CATEGORICAL_BLOCK.woe] = categoricalWoe(s, v);
    if (v === null || v === undefined || v === '') return at + width;
    const i = s.categories.indexOf(String(v));
    if (i >= 0) out[at + CATEGORICAL_BLOCK.categories + i] = 1;
    else out[at + otherOffset(s)] = 1;
    return at + width;
  }
  const width = featureWidth(s);
  out.fill(0, at, at + width);
  let x = toNumber(v);
  out[at + NUMERIC_BLOCK.woe] = numericWoe(s, v);
  const special = x === null ? -1 : s.specials.indexOf(x);
  if (x === null) {
    out[at + NUMERIC_BLOCK.missing] = 1;
    if (s.missing === 'median') x = s.median;
    else return at + width; // scaled raw and PLE stay 0: the missing flag carries it
  } else if (special >= 0) {
    out[at + NUMERIC_BLOCK.specials + special] = 1;
    return at + width;
  }
  const c = Math.min(Math.max(x as number, s.lo), s.hi);
  // Clipped to +-5 robust units: heavy-tailed ratios (debt ratio 300,000) would otherwise swamp the network.
  const z = (c - s.center) / s.scale;
  out[at + NUMERIC_BLOCK.scaled] = z > 5 ? 5 : z < -5 ? -5 : z;
  const k = s.knots;
  const base = at + pleOffset(s);
  for (let t = 1; t < k.length; t++) {
    const a = k[t - 1];
    const b = k[t];
    out[base + t - 1] = c >= b ? 1 : c <= a ? 0 : (c - a) / (b - a);
  }
  return at + width;
}

/**
 * Encodes a row: the WoE vector (scorecard, reason codes) always, the network inputs into `nnOut`
 * unless it is null (a network evaluated from raw values needs none), and the value warnings when
 * `warnings` is given (serving; training pays nothing for them).
 */
export function encodeRow(
  states: readonly FeatureState[],
  row: RawRow,
  nnOut: Float32Array | null,
  woeOut: Float32Array,
  warnings?: EncodeWarning[],
): void {
  let at = 0;
  for (let j = 0; j < states.length; j++) {
    const s = states[j];
    const v = row[s.name];
    woeOut[j] = featureWoe(s, v);
    if (nnOut) at = encodeFeature(s, v, nnOut, at);
    if (warnings) {
      const w = valueWarning(s, v);
      if (w) warnings.push(w);
    }
  }
}
