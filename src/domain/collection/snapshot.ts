/**
 * A delinquency snapshot: one account as of one date, as the lender sends it to
 * POST /v1/delinquencies and as it travels in queue jobs. (accountId, asOf) is its identity: the
 * same snapshot twice is assigned once.
 */
import { z } from 'zod';
import { isValidTimeZone } from './localtime.js';

/** Ids become parts of Redis keys and job ids, so they keep to a safe alphabet (no ':'). */
export const AccountId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');

export const FlagsSchema = z.strictObject({
  doNotContact: z.boolean().optional(),
  /** A snapshot may clear a dispute recorded by an outcome by sending false. */
  dispute: z.boolean().optional(),
  bankruptcy: z.boolean().optional(),
  deceased: z.boolean().optional(),
  hardship: z.boolean().optional(),
  /** A cease request can be set here; once recorded it is never cleared by a snapshot. */
  cease: z.boolean().optional(),
});

const FeatureValue = z.union([z.number().refine(Number.isFinite, 'must be finite'), z.string().max(256), z.boolean(), z.null()]);

export const SnapshotSchema = z.strictObject({
  accountId: AccountId,
  asOf: z.iso.date('asOf must be a date, YYYY-MM-DD'),
  dpd: z.number().int().min(0).max(100_000).describe('days past due as of asOf'),
  outstanding: z.number().min(0).refine(Number.isFinite, 'must be finite').describe('outstanding balance at risk'),
  jurisdiction: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2, e.g. US or CN'),
  timezone: z.string().refine(isValidTimeZone, 'not an IANA time zone').nullable().default(null),
  flags: FlagsSchema.default({}),
  /** Model inputs, by feature name (null = unknown). */
  features: z.record(z.string(), FeatureValue),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;
export type SnapshotInput = z.input<typeof SnapshotSchema>;

/** Checks a snapshot's features against a model's feature list; returns one issue per bad field. */
export function featureIssues(
  features: Snapshot['features'],
  spec: readonly { name: string; type: 'numeric' | 'categorical' }[],
): { path: string; issue: string }[] {
  const out: { path: string; issue: string }[] = [];
  for (const f of spec) {
    const v = features[f.name];
    if (v === undefined) out.push({ path: `features.${f.name}`, issue: 'required: send null when unknown' });
    else if (v !== null && f.type === 'numeric' && typeof v !== 'number') out.push({ path: `features.${f.name}`, issue: 'must be a finite number or null' });
    else if (v !== null && f.type === 'categorical' && typeof v !== 'string') out.push({ path: `features.${f.name}`, issue: 'must be a string or null' });
  }
  return out;
}
