/**
 * Quantile binning for the tree learner: fits per-feature bin edges on the training rows and maps
 * raw values to small integer codes, so histograms have a fixed, small number of buckets.
 *
 * A value x gets the code of the first edge with x <= edge (`binIndex`), the number of edges when
 * it is past the last one, and the feature's missing code (its bin count) when it is NaN. A split
 * "codes 0..k go left" is then exactly "x <= edges[k] goes left", which is why the trees can carry
 * raw-value thresholds and serving needs no edges.
 */
import { binIndex } from '../../src/domain/encoding.js';

/** Fitted binning: `edges[f]` ascending and finite; feature f has `edges[f].length + 1` value bins. */
export interface BinnerState {
  edges: number[][];
  /** Upper bound on value bins per feature it was fitted with. */
  maxBins: number;
}

/** Binned rows. Row-major: `codes[r * features + f]`; column-major: `codes[f * rows + r]`. */
export interface BinnedMatrix {
  codes: Uint8Array | Uint16Array;
  rows: number;
  features: number;
  layout: 'row' | 'column';
  /** The binning that made the codes; the learner reads thresholds and missing codes from it. */
  binner: BinnerState;
}

/** Raw feature columns: one Float64Array per feature, NaN = missing. */
export type RawColumns = readonly Float64Array[];

/** Code that marks a missing value of feature f: one past its last value bin. */
export const missingCode = (b: BinnerState, f: number): number => b.edges[f].length + 1;

function checkFinite(col: Float64Array, f: number): void {
  for (let r = 0; r < col.length; r++) {
    const v = col[r];
    if (v === Infinity || v === -Infinity) {
      throw new RangeError(`feature ${f} row ${r} is ${v}: map infinities to a finite value or to NaN (missing) before binning`);
    }
  }
}

/**
 * Edges for one column: equal-count bins over the distinct finite values, greedily, so a value
 * that holds many rows (a zero balance, a capped ratio) gets a bin of its own instead of
 * swallowing its neighbours. Each edge is the midpoint between adjacent distinct values, so a
 * value unseen in training is routed to the nearer side.
 */
function fitEdges(col: Float64Array, maxBins: number): number[] {
  let n = 0;
  for (let r = 0; r < col.length; r++) if (!Number.isNaN(col[r])) n++;
  const sorted = new Float64Array(n);
  n = 0;
  for (let r = 0; r < col.length; r++) if (!Number.isNaN(col[r])) sorted[n++] = col[r];
  sorted.sort();
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
    values.push(sorted[i]);
    counts.push(j - i + 1);
    i = j + 1;
  }
  const edges: number[] = [];
  const cut = (i: number): void => {
    const a = values[i];
    const b = values[i + 1];
    const mid = a + (b - a) / 2;
    // Rounding can land the midpoint on b, which would then bin b with a.
    edges.push(mid < b ? mid : a);
  };
  if (values.length <= maxBins) {
    for (let i = 0; i + 1 < values.length; i++) cut(i);
    return edges;
  }
  let left = n;
  let binsLeft = maxBins;
  let inBin = 0;
  for (let i = 0; i + 1 < values.length && binsLeft > 1; i++) {
    inBin += counts[i];
    left -= counts[i];
    // Close the bin once it holds its share of the rows not yet binned.
    if (inBin >= (inBin + left) / binsLeft) {
      cut(i);
      binsLeft--;
      inBin = 0;
    }
  }
  return edges;
}

/**
 * Fits bin edges on training columns (only the rows given, so held-out rows never shape them).
 * `maxBins` counts value bins; the missing code comes on top, so 255 fits codes in a byte.
 */
export function fitBinner(columns: RawColumns, maxBins = 255, rows?: ArrayLike<number>): BinnerState {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 65_535)
    throw new RangeError(`maxBins is ${maxBins}; it must be an integer from 2 to 65535`);
  if (columns.length === 0) throw new RangeError('no feature columns to bin');
  const edges = columns.map((col, f) => {
    if (!(col instanceof Float64Array)) throw new TypeError(`feature ${f} is not a Float64Array`);
    if (col.length !== columns[0].length)
      throw new RangeError(`feature ${f} has ${col.length} rows but feature 0 has ${columns[0].length}`);
    const sub = rows === undefined ? col : Float64Array.from(rows, (r) => col[r]);
    checkFinite(sub, f);
    return fitEdges(sub, maxBins);
  });
  return { edges, maxBins };
}

/** Maps raw columns to codes with fitted edges. Row-major suits the learner; both layouts are accepted by it. */
export function binColumns(b: BinnerState, columns: RawColumns, layout: 'row' | 'column' = 'row'): BinnedMatrix {
  const features = b.edges.length;
  if (columns.length !== features)
    throw new RangeError(`the binner was fitted on ${features} features but ${columns.length} columns were given`);
  const rows = features === 0 ? 0 : columns[0].length;
  let widest = 0;
  for (let f = 0; f < features; f++) widest = Math.max(widest, missingCode(b, f));
  const codes = widest <= 0xff ? new Uint8Array(rows * features) : new Uint16Array(rows * features);
  for (let f = 0; f < features; f++) {
    const col = columns[f];
    if (col.length !== rows) throw new RangeError(`feature ${f} has ${col.length} rows but feature 0 has ${rows}`);
    checkFinite(col, f);
    const e = b.edges[f];
    const miss = missingCode(b, f);
    for (let r = 0; r < rows; r++) {
      const v = col[r];
      const code = Number.isNaN(v) ? miss : binIndex(e, v);
      codes[layout === 'row' ? r * features + f : f * rows + r] = code;
    }
  }
  return { codes, rows, features, layout, binner: b };
}
