/**
 * The hyperparameters a data scientist can set in a dataset config's optional `training` block:
 * the binning, the scorecard's fit, the network search space and the score scaling. Every key has
 * a default (DEFAULT_HYPERPARAMETERS), so a config without the block, or with part of it, trains
 * as the defaults do. Learned values never live here: they are the fitted state in the bundle,
 * which also records the hyperparameters it was trained with.
 */
import { z } from 'zod';

/**
 * The defaults. The network candidates are tried in pairs (one per core) on the first fold while
 * the budget allows, and the best trains every fold; pairs have similar costs so neither core idles.
 */
export const DEFAULT_HYPERPARAMETERS = {
  binning: { maxBins: 20, minBinShare: 0.02, smoothing: 20, pleSegments: 16, minCategoryShare: 0.005, maxCategories: 30 },
  scorecard: { l2: 0, learningRate: 0.05, batchSize: 1024, maxEpochs: 60, patience: 4 },
  network: {
    candidates: [
      { hidden: [64, 32], dropout: 0.1, l2: 1e-5, learningRate: 2e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
      { hidden: [96, 48], dropout: 0.2, l2: 1e-5, learningRate: 1e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
      { hidden: [32, 16], dropout: 0.05, l2: 1e-4, learningRate: 3e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
      { hidden: [128, 64], dropout: 0.3, l2: 1e-5, learningRate: 1e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
    ],
  },
  scaling: { basePoints: 600, baseOdds: 50, pdo: 20, min: 300, max: 900 },
};

const D = DEFAULT_HYPERPARAMETERS;
const count = () => z.number().int().min(1);
const share = () => z.number().min(0).lt(1);

export const BinningSpec = z.strictObject({
  /** Quantile bins a numeric feature starts from, before small and non-monotone bins merge: its most bins. */
  maxBins: z.number().int().min(2).max(1000).default(D.binning.maxBins),
  /** A bin holds at least this share of the feature's learn rows that are neither missing nor a special code. */
  minBinShare: z.number().gt(0).max(0.5).default(D.binning.minBinShare),
  /** Pseudo-count that shrinks the WoE of thin bins toward 0 (the prior). */
  smoothing: z.number().min(0).default(D.binning.smoothing),
  /** Piecewise-linear encoding segments per numeric feature (network inputs). */
  pleSegments: count().max(256).default(D.binning.pleSegments),
  /** Categories rarer than this share of learn rows fold into "other". */
  minCategoryShare: share().default(D.binning.minCategoryShare),
  /** At most this many categories keep their own WoE and one-hot column; the rest fold into "other". */
  maxCategories: count().default(D.binning.maxCategories),
});

/** The scorecard's fit: a logistic regression by Adam with early stopping on each fold's held-out rows. */
export const ScorecardSpec = z.strictObject({
  /** L2 penalty on the coefficients. */
  l2: z.number().min(0).default(D.scorecard.l2),
  learningRate: z.number().gt(0).default(D.scorecard.learningRate),
  batchSize: count().default(D.scorecard.batchSize),
  maxEpochs: count().default(D.scorecard.maxEpochs),
  /** Epochs without a better held-out log loss before the fit stops (and keeps its best epoch). */
  patience: count().default(D.scorecard.patience),
});

export const NetworkCandidateSpec = z.strictObject({
  /** Units per hidden layer (ReLU), input side first. */
  hidden: z.array(count().max(4096)).min(1, 'needs at least one hidden layer (the scorecard is the linear model)').max(8),
  dropout: share().default(0),
  /** L2 penalty on every layer's kernel. */
  l2: z.number().min(0).default(0),
  learningRate: z.number().gt(0).default(1e-3),
  batchSize: count().default(1024),
  maxEpochs: count().default(40),
  patience: count().default(4),
});

export const NetworkSpec = z.strictObject({
  /** The search space, in the order tried: as many as the time budget allows, always the first. */
  candidates: z
    .array(NetworkCandidateSpec)
    .min(1, 'needs at least one candidate')
    .default(() => D.network.candidates.map((c) => ({ ...c, hidden: [...c.hidden] }))),
});

export const ScalingSpec = z
  .strictObject({
    /** Points at `baseOdds` (good:bad). */
    basePoints: z.number().default(D.scaling.basePoints),
    baseOdds: z.number().gt(0).default(D.scaling.baseOdds),
    /** Points to double the odds. */
    pdo: z.number().gt(0).default(D.scaling.pdo),
    /** Scores are clipped to [min, max]. */
    min: z.number().default(D.scaling.min),
    max: z.number().default(D.scaling.max),
  })
  .refine((s) => s.min < s.max, { path: ['max'], message: 'must be above min' });

/** The `training` block; absent keys take their defaults, unknown keys are refused. */
export const TrainingSpec = z.strictObject({
  binning: BinningSpec.prefault({}),
  scorecard: ScorecardSpec.prefault({}),
  network: NetworkSpec.prefault({}),
  scaling: ScalingSpec.prefault({}),
});

/** Resolved hyperparameters: every key present. */
export type Hyperparameters = z.output<typeof TrainingSpec>;
export type NetworkCandidate = Hyperparameters['network']['candidates'][number];
