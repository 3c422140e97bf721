/**
 * The API's zod schemas, written once: they give the TypeScript types, request validation and the
 * OpenAPI document. The borrower feature schema is not fixed: it is built per bundle from
 * `bundle.features` (see `featureSchema`), so each model validates exactly the inputs it uses.
 */
import { z } from 'zod';
import type { Bundle } from '../domain/bundle.js';
import { MAX_ID_LENGTH } from '../domain/collection/snapshot.js';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable error code, e.g. ARREARS_VALIDATION (see docs/api.md ("Errors"))'),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), issue: z.string() })),
    }),
  })
  .describe('The error shape of every route');

const BorrowerId = z.string().min(1).max(MAX_ID_LENGTH).describe('Caller reference, echoed back; never logged');

/**
 * One bundle's feature schema. Every feature the model uses must be present: numeric features take
 * a finite number or null (unknown), categorical features a string or null. Fields the model does
 * not use are accepted and reported in `warnings` as `unknown_feature` (see docs/api.md ("Errors") for why).
 * They are stripped, not copied: parsing costs the bundle's features, however many keys arrive.
 */
export function featureSchema(features: Bundle['features']) {
  const shape: Record<string, z.ZodType> = {};
  for (const f of features) {
    const desc = `${f.description ?? f.name}${f.type === 'numeric' ? ' (number or null)' : ' (string or null)'}`;
    shape[f.name] =
      f.type === 'numeric'
        ? z
            .number({ error: (i) => (i.input === undefined ? 'required: send null when unknown' : 'must be a finite number or null') })
            .nullable()
            .describe(desc)
        : z
            .string({ error: (i) => (i.input === undefined ? 'required: send null when unknown' : 'must be a string or null') })
            .max(256)
            .nullable()
            .describe(desc);
  }
  return z.object(shape);
}

/** The request envelope for one borrower, with a given feature schema. */
export const scoreRequestSchema = <F extends z.ZodType>(features: F) => z.object({ borrowerId: BorrowerId.optional(), features });

/**
 * What the framework validates before the handler runs: the envelope only. The features are then
 * checked against the serving model's own schema, so a hot swap to a bundle with other features
 * changes validation at the same instant as scoring.
 */
export const ScoreEnvelope = scoreRequestSchema(z.record(z.string(), z.unknown()).describe('borrower features, by name'));
export type ScoreEnvelope = z.infer<typeof ScoreEnvelope>;

export const BatchEnvelope = (batchMax: number) =>
  z.object({
    items: z
      .array(z.unknown())
      .min(1)
      .max(batchMax, `at most ${batchMax} items per batch`)
      .describe('borrowers to score, each shaped like the POST /v1/scores body; invalid items get their own error'),
  });

export const WarningSchema = z.object({
  feature: z.string(),
  issue: z.enum(['clipped_low', 'clipped_high', 'unseen_category', 'missing', 'unknown_feature']),
});
export type ApiWarning = z.infer<typeof WarningSchema>;

export const ScoreResultSchema = z.object({
  borrowerId: z.string().optional(),
  pd: z.number().describe('calibrated probability of default'),
  score: z.number().int().describe("points on the bundle's scale (higher = safer)"),
  tier: z.string(),
  reasons: z
    .array(z.object({ code: z.string(), feature: z.string(), text: z.string() }))
    .max(4)
    .describe('at most 4, largest effect first: points below the best attribute of each feature'),
  model: z.object({ name: z.string(), version: z.string() }),
  warnings: z.array(WarningSchema),
});
export type ScoreResultBody = z.infer<typeof ScoreResultSchema>;

export const BatchResultSchema = z.object({
  model: z.object({ name: z.string(), version: z.string() }),
  scored: z.number().int(),
  failed: z.number().int(),
  results: z.array(z.union([ScoreResultSchema, z.object({ borrowerId: z.string().optional(), error: ErrorSchema.shape.error })])),
  detailsOmitted: z
    .number()
    .int()
    .optional()
    .describe('invalid items whose error lists no details: only the first 100 invalid items list theirs (at most 5 each)'),
});
export type BatchResultBody = z.infer<typeof BatchResultSchema>;

export const MetricsSummarySchema = z.record(z.string(), z.number());

export const ModelSummarySchema = z.object({
  ref: z.string(),
  name: z.string(),
  version: z.string(),
  createdAt: z.string(),
  champion: z.boolean(),
  challenger: z.boolean(),
  serving: z.boolean().describe('loaded in this instance right now'),
  metrics: MetricsSummarySchema,
});

/** The longest bundle version (or URL-encoded "name/version") a route takes. */
export const MAX_VERSION_LENGTH = 200;

/**
 * The router's limit on one path parameter, in raw (still percent-encoded) characters: room for the
 * longest id or version with every character encoded (%XX), so the schema, not the router, decides
 * what is too long and says which field.
 */
export const MAX_PARAM_LENGTH = 3 * Math.max(MAX_ID_LENGTH, MAX_VERSION_LENGTH);

export const VersionParams = z.object({
  version: z
    .string()
    .min(1)
    .max(MAX_VERSION_LENGTH)
    .describe('a bundle version, or "name/version" (URL-encoded) when two names share a version'),
});

export const PromoteBody = z.object({ as: z.enum(['champion', 'challenger']).default('champion') }).default({ as: 'champion' });
