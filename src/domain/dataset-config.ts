/**
 * The dataset config: what a data scientist writes to train on their own data.
 * Every field is validated here, and zod's issue paths name the exact field that is wrong.
 */
import { z } from 'zod';
import { TrainingSpec } from './hyperparameters.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)');

export const TableSource = z.strictObject({
  /** Path to a CSV or Parquet file (or a glob). Relative paths resolve against --data, else the config's folder. */
  path: z.string().min(1),
  format: z.enum(['csv', 'parquet']).optional(),
  /** CSV only: strings that mean "missing". */
  nullValues: z.array(z.string()).default(['', 'NA', 'NULL']),
});

export const LabelSpec = z.union([
  z.strictObject({
    /** A 0/1 column of the derived rows; 1 = default (bad). */
    column: identifier,
  }),
  z.strictObject({
    /** "Ever `minDpd`+ days past due within `withinMonths` months after the snapshot." */
    rule: z.strictObject({
      table: identifier,
      accountColumn: identifier,
      dateColumn: identifier,
      dpdColumn: identifier,
      minDpd: z.number().int().positive().default(90),
      withinMonths: z.number().int().positive().default(12),
    }),
  }),
]);

export const SplitSpec = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('random'),
    test: z.number().gt(0).lt(1).default(0.2),
    validation: z.number().gt(0).lt(1).default(0.2),
  }),
  z.strictObject({
    method: z.literal('time'),
    /** Rows whose time column is >= testFrom are the out-of-time test set. */
    testFrom: z.string().min(1),
    /** Rows in [validationFrom, testFrom) validate; default: a stratified 20% of the earlier rows. */
    validationFrom: z.string().min(1).optional(),
  }),
  z.strictObject({
    method: z.literal('column'),
    /** A column holding 'train', 'validation' or 'test' for each row. */
    column: identifier,
  }),
]);

export const Monotone = z.enum(['increasing', 'decreasing', 'auto', 'none']);

export const FeatureSpec = z.strictObject({
  name: identifier,
  /** A column of the derived rows, or any DuckDB SQL expression over them. Defaults to `name`. */
  expr: z.string().min(1).optional(),
  type: z.enum(['numeric', 'categorical']),
  /** Required direction of risk as the value grows ('increasing' = higher value, higher PD). */
  monotone: Monotone.default('none'),
  /** Codes that mean something other than a magnitude (e.g. 96/98 "refused", -2 "no usage"). Each gets its own bin. */
  special: z.array(z.union([z.number(), z.string()])).default([]),
  /** How a missing value is treated: its own bin and indicator (default), or imputed with the training median. */
  missing: z.enum(['bin', 'median']).default('bin'),
  description: z.string().optional(),
  /** Reason code shown to lenders when this feature raises the risk. Defaults: RC_<NAME> and the description. */
  reason: z.strictObject({ code: z.string().min(1).optional(), text: z.string().min(1).optional() }).optional(),
});

export const ProtectedSpec = z.strictObject({
  name: identifier,
  expr: z.string().min(1).optional(),
  /** Numeric protected attributes (age) are reported in these bands; upper edges, ascending. */
  bands: z.array(z.number()).optional(),
});

export const DatasetConfig = z
  .strictObject({
    name: identifier,
    description: z.string().optional(),
    source: z.strictObject({
      tables: z.record(identifier, TableSource).refine((t) => Object.keys(t).length > 0, 'needs at least one table'),
      /**
       * SQL that returns one row per account. Tables are views named by their key; `{{snapshot}}` is replaced
       * by the snapshot date literal. Omitted: the single table is used as is.
       */
      sql: z.string().min(1).optional(),
      /** As-of date for event-level data (YYYY-MM-DD). */
      snapshot: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
        .optional(),
    }),
    id: identifier,
    label: LabelSpec,
    time: identifier.optional(),
    split: SplitSpec.default({ method: 'random', test: 0.2, validation: 0.2 }),
    features: z.array(FeatureSpec).min(1, 'needs at least one feature'),
    protected: z.array(ProtectedSpec).default([]),
    /** Optional file with `id,true_pd` for synthetic data: used only to report the oracle AUC. */
    truth: TableSource.optional(),
    /** PD cut points between tiers, ascending; tier names A (lowest risk) onward. */
    tiers: z.array(z.number().gt(0).lt(1)).optional(),
    /** Hyperparameters (binning, scorecard, network candidates, score scaling); absent keys take the defaults. */
    training: TrainingSpec.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const names = new Set<string>();
    cfg.features.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature "${f.name}"` });
      names.add(f.name);
    });
    cfg.protected.forEach((p, i) => {
      if (names.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: ['protected', i, 'name'],
          message: `"${p.name}" is protected and must not also be a feature`,
        });
    });
    if (!cfg.source.sql && Object.keys(cfg.source.tables).length > 1)
      ctx.addIssue({ code: 'custom', path: ['source', 'sql'], message: 'several tables need `sql` that derives one row per account' });
    if ('rule' in cfg.label) {
      if (!cfg.source.snapshot)
        ctx.addIssue({ code: 'custom', path: ['source', 'snapshot'], message: 'a label rule needs the snapshot date' });
      if (!(cfg.label.rule.table in cfg.source.tables))
        ctx.addIssue({ code: 'custom', path: ['label', 'rule', 'table'], message: `no table "${cfg.label.rule.table}" in source.tables` });
    }
    if (cfg.split.method === 'time' && !cfg.time)
      ctx.addIssue({ code: 'custom', path: ['time'], message: 'a time split needs the `time` column' });
    if (cfg.tiers?.some((t, i) => i > 0 && t <= cfg.tiers![i - 1]))
      ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'tier cut points must be strictly ascending' });
  });

export type DatasetConfig = z.infer<typeof DatasetConfig>;
export type FeatureSpec = z.infer<typeof FeatureSpec>;
export type ProtectedSpec = z.infer<typeof ProtectedSpec>;

/** Formats zod issues as `path: message` lines, so a config error names the field. */
export function formatIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string[] {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
}
