/**
 * A delinquency snapshot: one account as of one date, as the lender sends it to
 * POST /v1/delinquencies and as it travels in queue jobs. (accountId, asOf) is its identity: the
 * same snapshot twice is assigned once.
 */
import { z } from 'zod';
import { canonicalTimeZone, isValidTimeZone } from './localtime.js';

const ACCOUNT_ID = /^[A-Za-z0-9._-]+$/;
const JURISDICTION = /^[A-Z]{2}$/;
/** The longest id (account, collector, borrower) anything accepts; the API's router allows for it. */
export const MAX_ID_LENGTH = 128;
const MAX_ID = MAX_ID_LENGTH;
const MAX_DPD = 100_000;
const MAX_FEATURE_STRING = 256;

/** Ids become parts of Redis keys and job ids, so they keep to a safe alphabet (no ':'). */
export const AccountId = z.string().min(1).max(MAX_ID).regex(ACCOUNT_ID, 'letters, digits, ".", "_" and "-" only');
/** A collector's id, as claims and outcomes record it (and as API key entries list them). */
export const CollectorId = z
  .string()
  .min(1)
  .max(MAX_ID)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits, ".", "_", "@" and "-" only');

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

const FeatureValue = z.union([
  z.number().refine(Number.isFinite, 'must be finite'),
  z.string().max(MAX_FEATURE_STRING),
  z.boolean(),
  z.null(),
]);

export const SnapshotSchema = z.strictObject({
  accountId: AccountId,
  asOf: z.iso.date('asOf must be a date, YYYY-MM-DD'),
  dpd: z.number().int().min(0).max(MAX_DPD).describe('days past due as of asOf'),
  outstanding: z.number().min(0).refine(Number.isFinite, 'must be finite').describe('outstanding balance at risk'),
  jurisdiction: z.string().regex(JURISDICTION, 'ISO 3166 alpha-2, e.g. US or CN'),
  // Stored canonical: one zone is one name in Redis, in the audit and in the gate's caches.
  timezone: z
    .string()
    .refine(isValidTimeZone, 'not an IANA time zone')
    .overwrite((tz) => canonicalTimeZone(tz) ?? tz)
    .nullable()
    .default(null),
  flags: FlagsSchema.default({}),
  /** The account's next scheduled due date after asOf, if known: the pre-due reminder window is counted back from it. */
  nextDueDate: z.iso.date('nextDueDate must be a date, YYYY-MM-DD').nullable().default(null),
  /** Model inputs, by feature name (null = unknown). */
  features: z.record(z.string(), FeatureValue),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;
export type SnapshotInput = z.input<typeof SnapshotSchema>;

const SNAPSHOT_KEYS = new Set(['accountId', 'asOf', 'dpd', 'outstanding', 'jurisdiction', 'timezone', 'flags', 'nextDueDate', 'features']);
/** FlagsSchema's keys in its shape order (the order the schema's output has them in). */
const FLAG_KEYS = Object.keys(FlagsSchema.shape) as (keyof Snapshot['flags'])[];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && Object.getOwnPropertySymbols(v).length === 0;

/**
 * SnapshotSchema's fast path, for the worker's hot loop (zod costs ~10-20 µs a snapshot there):
 * returns what `SnapshotSchema.parse` returns for an ordinary well-formed snapshot, or null for
 * anything it is not sure of, and the caller then asks the schema, which accepts it or names every
 * bad field. It never accepts what the schema refuses, and its output equals the schema's (same
 * defaults, flags in the schema's key order), except that `features` is the input object itself
 * rather than a copy: read it, never mutate it. test/domain/collection/snapshot.test.ts checks
 * it against the schema on generated inputs.
 */
export function parseSnapshotFast(x: unknown): Snapshot | null {
  if (!isPlainObject(x)) return null;
  for (const k in x) if (!SNAPSHOT_KEYS.has(k)) return null;
  const { accountId, asOf, dpd, outstanding, jurisdiction, timezone, flags, nextDueDate, features } = x;
  if (typeof accountId !== 'string' || accountId.length === 0 || accountId.length > MAX_ID || !ACCOUNT_ID.test(accountId)) return null;
  if (typeof asOf !== 'string' || !z.regexes.date.test(asOf)) return null;
  if (typeof dpd !== 'number' || !Number.isSafeInteger(dpd) || dpd < 0 || dpd > MAX_DPD) return null;
  if (typeof outstanding !== 'number' || !Number.isFinite(outstanding) || outstanding < 0) return null;
  if (typeof jurisdiction !== 'string' || !JURISDICTION.test(jurisdiction)) return null;
  let zone: string | null = null;
  if (typeof timezone === 'string') {
    zone = canonicalTimeZone(timezone);
    if (zone === null) return null;
  } else if (!(timezone === undefined || timezone === null)) return null;
  const outFlags: Snapshot['flags'] = {};
  if (flags !== undefined) {
    if (!isPlainObject(flags)) return null;
    let m = 0;
    for (const k in flags) {
      if (typeof flags[k] !== 'boolean') return null;
      m++;
    }
    for (const k of FLAG_KEYS) if (k in flags) (outFlags[k] = flags[k] as boolean), m--;
    if (m !== 0) return null;
  }
  if (!(nextDueDate === undefined || nextDueDate === null || (typeof nextDueDate === 'string' && z.regexes.date.test(nextDueDate))))
    return null;
  if (!isPlainObject(features)) return null;
  for (const k in features) {
    if (k === '__proto__') return null;
    const v = features[k];
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' || v.length > MAX_FEATURE_STRING) return null;
  }
  return {
    accountId,
    asOf,
    dpd,
    outstanding,
    jurisdiction,
    timezone: zone,
    flags: outFlags,
    nextDueDate: (nextDueDate as string | null | undefined) ?? null,
    features: features as Snapshot['features'],
  };
}

/** Checks a snapshot's features against a model's feature list; returns one issue per bad field. */
export function featureIssues(
  features: Snapshot['features'],
  spec: readonly { name: string; type: 'numeric' | 'categorical' }[],
): { path: string; issue: string }[] {
  const out: { path: string; issue: string }[] = [];
  for (const f of spec) {
    const v = features[f.name];
    if (v === undefined) out.push({ path: `features.${f.name}`, issue: 'required: send null when unknown' });
    else if (v !== null && f.type === 'numeric' && typeof v !== 'number')
      out.push({ path: `features.${f.name}`, issue: 'must be a finite number or null' });
    else if (v !== null && f.type === 'categorical' && typeof v !== 'string')
      out.push({ path: `features.${f.name}`, issue: 'must be a string or null' });
  }
  return out;
}
