/**
 * Serving-side evaluation of a boosted tree ensemble. All trees are flattened into one set of
 * typed arrays with absolute node indices, so scoring a row is a tight loop over numbers with no
 * objects, and a batch walks one tree over every row before moving to the next (its nodes stay
 * in cache).
 */
import { TreeEnsembleSchema, type TreeEnsemble } from '../domain/trees.js';

/** An ensemble flattened for scoring. Leaves have `feature = -1`. */
export interface CompiledTrees {
  featureCount: number;
  baseScore: number;
  /** First node of each tree. */
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  /** Child for x <= threshold, for x > threshold, and for a missing x. */
  left: Int32Array;
  right: Int32Array;
  missing: Int32Array;
  value: Float64Array;
  cover: Float64Array;
}

/** Validates plain-data trees (e.g. read from a bundle) with the zod schema and compiles them. */
export function parseTrees(json: unknown): CompiledTrees {
  return compileTrees(TreeEnsembleSchema.parse(json));
}

/** Flattens a validated ensemble into typed arrays. */
export function compileTrees(m: TreeEnsemble): CompiledTrees {
  let nodes = 0;
  for (const t of m.trees) nodes += t.feature.length;
  const c: CompiledTrees = {
    featureCount: m.featureCount,
    baseScore: m.baseScore,
    roots: new Int32Array(m.trees.length),
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    left: new Int32Array(nodes),
    right: new Int32Array(nodes),
    missing: new Int32Array(nodes),
    value: new Float64Array(nodes),
    cover: new Float64Array(nodes),
  };
  let at = 0;
  m.trees.forEach((t, k) => {
    c.roots[k] = at;
    for (let i = 0; i < t.feature.length; i++) {
      const j = at + i;
      const leaf = t.feature[i] < 0;
      c.feature[j] = t.feature[i];
      c.threshold[j] = t.threshold[i];
      c.left[j] = leaf ? -1 : at + t.left[i];
      c.right[j] = leaf ? -1 : at + t.right[i];
      c.missing[j] = leaf ? -1 : t.missingLeft[i] ? c.left[j] : c.right[j];
      c.value[j] = t.value[i];
      c.cover[j] = t.cover[i];
    }
    at += t.feature.length;
  });
  return c;
}

/** The leaf that `row` (read at `row[offset + f]`, or column-major with `stride`) reaches from `node`. */
export function leafFor(c: CompiledTrees, node: number, row: ArrayLike<number>, offset = 0, stride = 1): number {
  const { feature, threshold, left, right, missing } = c;
  let n = node;
  for (let f = feature[n]; f >= 0; f = feature[n]) {
    const x = row[offset + f * stride];
    // NaN fails both comparisons and takes the learned missing branch.
    n = x <= threshold[n] ? left[n] : x > threshold[n] ? right[n] : missing[n];
  }
  return n;
}

/** Margin (logit) of one raw row of `featureCount` values, NaN = missing. */
export function treeMargin(c: CompiledTrees, row: ArrayLike<number>): number {
  if (row.length < c.featureCount) throw new RangeError(`the row has ${row.length} values but the trees read ${c.featureCount}`);
  let m = c.baseScore;
  for (let k = 0; k < c.roots.length; k++) m += c.value[leafFor(c, c.roots[k], row)];
  return m;
}

/**
 * Margins of a column-major batch: feature f of row r at `columns[f * rows + r]`. Trees are
 * added in the same order as in `treeMargin`, so both give the same bits.
 */
export function treeMargins(c: CompiledTrees, columns: Float64Array, rows: number): Float64Array {
  if (columns.length !== rows * c.featureCount)
    throw new RangeError(
      `the batch has ${columns.length} values; ${rows} rows of ${c.featureCount} features need ${rows * c.featureCount}`,
    );
  const out = new Float64Array(rows).fill(c.baseScore);
  for (let k = 0; k < c.roots.length; k++) {
    const root = c.roots[k];
    for (let r = 0; r < rows; r++) out[r] += c.value[leafFor(c, root, columns, r, rows)];
  }
  return out;
}
