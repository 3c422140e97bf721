/**
 * A gradient-boosted tree ensemble as plain data: what training writes and serving reads. Each
 * tree is a set of parallel arrays indexed by node, so the JSON stays compact and the evaluator
 * can copy it straight into typed arrays.
 *
 * Routing: at an internal node a row goes left when `x <= threshold`, right when `x > threshold`,
 * and to `missingLeft ? left : right` when x is missing (NaN). Thresholds are raw feature values,
 * so serving needs no bin edges. A leaf has `feature = -1` and `left = right = -1`.
 *
 * The margin (logit) of a row is `baseScore` plus the leaf value it reaches in every tree.
 * `cover` is the number of training rows that reached the node; TreeSHAP weighs the paths not
 * taken by it, so it must be positive and add up (a parent covers exactly its two children).
 */
import { z } from 'zod';

export const TREES_SCHEMA_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const nodeIndex = z.number().int().min(-1);

export const TreeSchema = z
  .object({
    feature: z.array(nodeIndex),
    threshold: z.array(finite),
    missingLeft: z.array(z.boolean()),
    left: z.array(nodeIndex),
    right: z.array(nodeIndex),
    value: z.array(finite),
    cover: z.array(finite.refine((v) => v > 0, 'must be positive')),
  })
  .superRefine((t, ctx) => {
    let bad = false;
    const issue = (path: (string | number)[], message: string): void => {
      bad = true;
      ctx.addIssue({ code: 'custom', path, message });
    };
    const n = t.feature.length;
    if (n === 0) return issue(['feature'], 'a tree needs at least one node');
    for (const key of ['threshold', 'missingLeft', 'left', 'right', 'value', 'cover'] as const) {
      if (t[key].length !== n) issue([key], `has ${t[key].length} entries but feature has ${n}`);
    }
    if (bad) return;
    const parents = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const leaf = t.feature[i] === -1;
      if (leaf !== (t.left[i] === -1) || leaf !== (t.right[i] === -1)) {
        issue(['left', i], 'a leaf has feature -1 and no children; an internal node has a feature and two children');
        continue;
      }
      if (leaf) continue;
      // Children after their parent: rules out cycles, so evaluation always ends at a leaf.
      for (const side of ['left', 'right'] as const) {
        const c = t[side][i];
        if (c <= i || c >= n) issue([side, i], `child ${c} must come after node ${i} and before ${n}`);
        else parents[c]++;
      }
    }
    if (bad) return;
    for (let i = 1; i < n; i++) {
      if (parents[i] !== 1) issue(['left'], `node ${i} has ${parents[i]} parents; every node but the root has exactly one`);
    }
    for (let i = 0; i < n; i++) {
      if (t.feature[i] === -1) continue;
      const sum = t.cover[t.left[i]] + t.cover[t.right[i]];
      if (Math.abs(sum - t.cover[i]) > 1e-9 * Math.max(1, t.cover[i])) {
        issue(['cover', i], `is ${t.cover[i]} but its children cover ${sum}`);
      }
    }
  });
export type Tree = z.infer<typeof TreeSchema>;

export const TreeEnsembleSchema = z
  .object({
    kind: z.literal('gbdt'),
    schemaVersion: z.literal(TREES_SCHEMA_VERSION),
    /** Width of the raw feature row the trees read. */
    featureCount: z.number().int().positive(),
    /** Margin before any tree: the log-odds of the training default rate. */
    baseScore: finite,
    trees: z.array(TreeSchema),
  })
  .superRefine((m, ctx) => {
    m.trees.forEach((t, k) => {
      t.feature.forEach((f, i) => {
        if (f >= m.featureCount)
          ctx.addIssue({
            code: 'custom',
            path: ['trees', k, 'feature', i],
            message: `feature ${f} is past featureCount ${m.featureCount}`,
          });
      });
    });
  });
export type TreeEnsemble = z.infer<typeof TreeEnsembleSchema>;
