/**
 * The model bundle's `bundle.json`: everything beside the network weights that serving needs,
 * plus what the evaluation report and monitoring read. Validated on load, so a corrupt or
 * hand-edited bundle is refused with the field that is wrong.
 */
import { z } from 'zod';
import { TrainingSpec } from './hyperparameters.js';

export const BUNDLE_SCHEMA_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const NumericStateSchema = z.object({
  kind: z.literal('numeric'),
  name: z.string(),
  specials: z.array(finite),
  edges: z.array(finite),
  woe: z.array(finite),
  specialWoe: z.array(finite),
  missingWoe: finite,
  missing: z.enum(['bin', 'median']),
  median: finite,
  lo: finite,
  hi: finite,
  center: finite,
  scale: finite.refine((v) => v > 0, 'must be positive'),
  knots: z.array(finite).min(2),
});

const CategoricalStateSchema = z.object({
  kind: z.literal('categorical'),
  name: z.string(),
  categories: z.array(z.string()),
  woe: z.array(finite),
  otherWoe: finite,
  missingWoe: finite,
});

export const FeatureStateSchema = z.discriminatedUnion('kind', [NumericStateSchema, CategoricalStateSchema]);

export const MetricsSchema = z.object({
  rows: z.number().int(),
  positives: z.number().int(),
  auc: finite,
  gini: finite,
  ks: finite,
  brier: finite,
  logloss: finite,
  ece: finite,
});
export type Metrics = z.infer<typeof MetricsSchema>;

/** Platt scaling of the blended logit: PD = sigmoid(a * z + b). */
export const CalibrationSchema = z.object({ method: z.literal('platt'), a: finite, b: finite });
export type Calibration = z.infer<typeof CalibrationSchema>;

export const ScalingSchema = z.object({
  /** Points at `baseOdds` (good:bad). */
  basePoints: finite,
  baseOdds: finite.refine((v) => v > 0),
  /** Points to double the odds. */
  pdo: finite.refine((v) => v > 0),
  min: finite,
  max: finite,
});
export type Scaling = z.infer<typeof ScalingSchema>;

export const BundleFeatureSchema = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical']),
  description: z.string().optional(),
  monotone: z.enum(['increasing', 'decreasing', 'auto', 'none']),
  reason: z.object({ code: z.string(), text: z.string() }),
});

export const BundleSchema = z.object({
  schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
  name: z.string().min(1),
  version: z.string().min(1),
  createdAt: z.string(),
  data: z.object({
    rows: z.number().int(),
    trainRows: z.number().int(),
    validationRows: z.number().int(),
    testRows: z.number().int(),
    positiveRate: finite,
    dateRange: z.object({ from: z.string(), to: z.string() }).nullable(),
    sha256: z.string(),
    config: z.string(),
  }),
  features: z.array(BundleFeatureSchema).min(1),
  preprocessing: z.array(FeatureStateSchema).min(1),
  model: z.object({
    /** Scorecard: logistic regression on the WoE vector (risk-oriented WoE, so coefficients are >= 0 when sensible). */
    scorecard: z.object({ intercept: finite, coef: z.array(finite) }),
    /** The network in `model.json` / `weights.bin`; null when validation chose the scorecard alone. */
    network: z.object({ inputWidth: z.number().int().positive(), members: z.number().int().positive() }).nullable(),
    /** Blended logit = (1 - w) * scorecard + w * network; then calibrated. */
    blendWeight: finite,
  }),
  calibration: CalibrationSchema,
  scaling: ScalingSchema,
  tiers: z.object({ cuts: z.array(finite), names: z.array(z.string()) }),
  metrics: z.object({ test: MetricsSchema, validation: MetricsSchema, train: MetricsSchema.optional() }),
  calibrationTable: z.array(z.object({ bin: z.number(), rows: z.number(), meanPd: finite, observed: finite })),
  baseline: z.object({ edges: z.array(finite), proportions: z.array(finite) }),
  fairness: z.array(z.any()),
  importance: z.array(z.object({ feature: z.string(), value: finite })),
  training: z.record(z.string(), z.any()),
  /** The hyperparameters the bundle was trained with, every key resolved (absent from older bundles). */
  hyperparameters: TrainingSpec.optional(),
});
export type Bundle = z.infer<typeof BundleSchema>;
