/**
 * Hyperparameters of the tree learner, in one plain object. Defaults follow LightGBM's and
 * scikit-learn's HistGradientBoosting where they agree (31 leaves, 255 bins, 20 rows per leaf),
 * with a smaller learning rate and more rounds, since early stopping picks the count.
 */
import { z } from 'zod';

const fraction = z.number().gt(0).lte(1);

export const GbdtParamsSchema = z.strictObject({
  /** Shrinkage: each tree's leaf values are multiplied by it. */
  learningRate: z.number().gt(0).lte(1).default(0.05),
  /** Leaves per tree; trees grow best-first (leaf-wise) up to this. */
  maxLeaves: z.number().int().min(2).max(4096).default(31),
  /** Depth limit (the root is depth 0) so one strong feature cannot grow a long chain. */
  maxDepth: z.number().int().min(1).max(64).default(8),
  /** Least hessian sum in a child: p(1-p) summed, so rare-class leaves stay estimable. */
  minChildWeight: z.number().min(0).default(1e-3),
  /** Least training rows in a child. */
  minChildSamples: z.number().int().min(1).default(20),
  /** L2 penalty on leaf values (XGBoost's lambda). */
  lambda: z.number().min(0).default(1),
  /** Least loss reduction a split must bring (XGBoost's gamma). */
  minSplitGain: z.number().min(0).default(0),
  /** Value bins per feature when `trainGbdt` bins raw columns; the missing code comes on top. */
  maxBins: z.number().int().min(2).max(65_535).default(255),
  /** Boosting rounds at most. */
  rounds: z.number().int().min(1).default(500),
  /** Stop after this many rounds without a better validation log loss; 0 = never stop early. */
  earlyStoppingRounds: z.number().int().min(0).default(30),
  /** Share of rows each tree sees, drawn per tree. */
  subsample: fraction.default(1),
  /** Share of features each tree may split on, drawn per tree. */
  colsample: fraction.default(1),
  /** Seeds row and feature sampling: same data, same seed, same trees. */
  seed: z.number().int().default(1),
});

export type GbdtParams = z.infer<typeof GbdtParamsSchema>;

/** The defaults, as a plain object. */
export const DEFAULT_GBDT_PARAMS: Readonly<GbdtParams> = Object.freeze(GbdtParamsSchema.parse({}));

/** Fills in defaults and rejects a bad value or an unknown name (a typo would otherwise be ignored) with the parameter's name. */
export function resolveParams(p: Partial<GbdtParams> = {}): GbdtParams {
  const r = GbdtParamsSchema.safeParse(p);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
    throw new RangeError(`bad tree hyperparameters: ${msg}`);
  }
  return r.data;
}
