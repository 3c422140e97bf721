/**
 * The collection strategy policy: a versioned JSON document, validated once when it is loaded.
 * PD tiers crossed with days-past-due buckets give a grid of cells; each cell names a treatment
 * (channel and cadence) and the worklist queue it goes to. A policy holds one or more variants
 * (champion, challengers), each with its own grid and a traffic weight; an account is assigned to a
 * variant by a stable hash of its id, so it stays in the same arm for the life of the experiment.
 */
import { z } from 'zod';
import { ComplianceProfileSchema } from './compliance.js';
import { CHANNELS, QUEUES, SOFT_CHANNELS, type Channel, type Queue } from './types.js';

/** Days-past-due buckets, fixed by the design: every grid has exactly these columns. */
export const DPD_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type DpdBucket = (typeof DPD_BUCKETS)[number];

export function dpdBucket(dpd: number): DpdBucket {
  if (dpd <= 0) return 'current';
  if (dpd <= 30) return '1-30';
  if (dpd <= 60) return '31-60';
  if (dpd <= 90) return '61-90';
  return '90+';
}

export const TreatmentSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  cadenceDays: z.number().positive().max(365).describe('days between two actions of this treatment'),
});
export type Treatment = z.infer<typeof TreatmentSchema>;

export const CellSchema = z.strictObject({ treatment: TreatmentSchema, queue: z.enum(QUEUES) });
export type Cell = z.infer<typeof CellSchema>;

const GridRow = z.strictObject(Object.fromEntries(DPD_BUCKETS.map((b) => [b, CellSchema])) as Record<DpdBucket, typeof CellSchema>);

const VariantSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, _ and -, at most 40'),
  weight: z.number().nonnegative().describe('share of accounts, relative to the other variants'),
  /** Tier name -> DPD bucket -> cell. */
  grid: z.record(z.string(), GridRow),
});
export type Variant = z.infer<typeof VariantSchema>;

const PrioritySchema = z.strictObject({
  /** Days after a contact over which the recency discount fades out. */
  recencyDays: z.number().positive().default(14),
  /** Priority multiplier just after a contact (0..1): recently-worked accounts rank lower. */
  recencyFloor: z.number().min(0).max(1).default(0.25),
  /** Extra weight per broken promise (x(1 + uplift * broken)), capped at `maxBroken`. */
  brokenPromiseUplift: z.number().nonnegative().default(0.5),
  maxBroken: z.number().int().nonnegative().default(4),
});
export type PriorityParams = z.infer<typeof PrioritySchema>;

export const PolicySchema = z
  .strictObject({
    version: z.string().min(1).max(80),
    description: z.string().optional(),
    pdTiers: z.strictObject({
      /** Ascending PD cut points: tier i holds cuts[i-1] <= pd < cuts[i]. */
      cuts: z.array(z.number().gt(0).lt(1)).min(1),
      names: z.array(z.string().min(1)).min(2),
    }),
    variants: z.array(VariantSchema).min(1),
    /** Where a bankrupt account goes: the design sends it to the legal queue only. */
    bankruptcy: CellSchema.default({ treatment: { channel: 'legal_review', cadenceDays: 30 }, queue: 'legal' }),
    /** What a hardship account gets when its cell's channel is not soft (sms, app, email). */
    hardship: CellSchema.default({ treatment: { channel: 'sms', cadenceDays: 14 }, queue: 'digital' }),
    /**
     * The pre-due reminder cell. A current account (0 days past due) is contacted only when its PD is
     * at or above `minPd` and asOf falls within `windowDays` days before its next due date; every
     * other current account gets no contact. Absent: current accounts follow their grid cell.
     */
    preDue: z
      .strictObject({
        minPd: z.number().gt(0).lt(1).describe('the PD at or above which a current account earns a pre-due reminder'),
        windowDays: z.number().int().min(1).max(31).describe('days before the next due date in which the reminder may go'),
        treatment: TreatmentSchema,
        queue: z.enum(QUEUES),
      })
      .optional(),
    /** Promise-to-pay grace: the account wakes this many days after the promised date. */
    promiseGraceDays: z.number().nonnegative().default(1),
    priority: PrioritySchema.default({ recencyDays: 14, recencyFloor: 0.25, brokenPromiseUplift: 0.5, maxBroken: 4 }),
    /** Compliance profiles by jurisdiction (ISO 3166 alpha-2); replaces the built-in defaults per code. */
    compliance: z.record(z.string().regex(/^[A-Z]{2}$/), ComplianceProfileSchema).default({}),
  })
  .superRefine((p, ctx) => {
    const { cuts, names } = p.pdTiers;
    for (let i = 1; i < cuts.length; i++)
      if (cuts[i] <= cuts[i - 1])
        ctx.addIssue({ code: 'custom', path: ['pdTiers', 'cuts', i], message: 'cut points must be strictly ascending' });
    if (names.length !== cuts.length + 1)
      ctx.addIssue({ code: 'custom', path: ['pdTiers', 'names'], message: `needs ${cuts.length + 1} names for ${cuts.length} cut points` });
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: 'custom', path: ['pdTiers', 'names'], message: 'tier names must be unique' });
    const seen = new Set<string>();
    let total = 0;
    p.variants.forEach((v, i) => {
      if (seen.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `duplicate variant "${v.name}"` });
      seen.add(v.name);
      total += v.weight;
      for (const t of names)
        if (!v.grid[t]) ctx.addIssue({ code: 'custom', path: ['variants', i, 'grid', t], message: `missing row for tier "${t}"` });
      for (const t of Object.keys(v.grid))
        if (!names.includes(t)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'grid', t], message: `"${t}" is not a tier name` });
    });
    if (total <= 0) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'variant weights must add up to more than 0' });
    if (p.bankruptcy.queue !== 'legal')
      ctx.addIssue({ code: 'custom', path: ['bankruptcy', 'queue'], message: 'bankruptcy goes to the legal queue only' });
    if (!SOFT_CHANNELS.includes(p.hardship.treatment.channel))
      ctx.addIssue({
        code: 'custom',
        path: ['hardship', 'treatment', 'channel'],
        message: `hardship treatment must be soft (${SOFT_CHANNELS.join(', ')})`,
      });
  });
export type Policy = z.infer<typeof PolicySchema>;

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Validates a parsed policy JSON; throws PolicyError naming every bad field. */
export function parsePolicy(json: unknown, source = 'policy'): Policy {
  const r = PolicySchema.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PolicyError(`${source} is not a valid collection policy:\n  ${lines.join('\n  ')}`);
  }
  return r.data;
}

/** FNV-1a 32-bit: tiny, pure and stable across machines and releases (never change it mid-experiment). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The variant an account belongs to: a stable hash of the id mapped onto the cumulative weights.
 * `salt` (the policy version by default in callers that want re-randomisation) changes the split.
 */
export function assignVariant(accountId: string, variants: readonly Pick<Variant, 'name' | 'weight'>[], salt = ''): string {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  if (!(total > 0)) throw new PolicyError('variant weights must add up to more than 0');
  const u = fnv1a(`${salt}:${accountId}`) / 2 ** 32; // [0, 1)
  let acc = 0;
  for (const v of variants) {
    acc += v.weight / total;
    if (u < acc && v.weight > 0) return v.name;
  }
  // Rounding can leave u just above the last sum: the last weighted variant takes it.
  return [...variants].reverse().find((v) => v.weight > 0)!.name;
}

export function pdTier(policy: Pick<Policy, 'pdTiers'>, pd: number): string {
  const { cuts, names } = policy.pdTiers;
  let i = 0;
  while (i < cuts.length && pd >= cuts[i]) i++;
  return names[i];
}

export interface AccountFlagsLike {
  bankruptcy?: boolean;
  hardship?: boolean;
}

export interface Decision {
  variant: string;
  tier: string;
  bucket: DpdBucket;
  treatment: Treatment;
  queue: Queue;
  /** Why the cell's own treatment was replaced, if it was. */
  override: 'bankruptcy' | 'hardship' | null;
}

/** The cell for an account, with the bankruptcy and hardship overrides applied. */
export function decide(policy: Policy, accountId: string, pd: number, dpd: number, flags: AccountFlagsLike = {}): Decision {
  const variant = assignVariant(accountId, policy.variants);
  const v = policy.variants.find((x) => x.name === variant)!;
  const tier = pdTier(policy, pd);
  const bucket = dpdBucket(dpd);
  const cell = v.grid[tier][bucket];
  const base = { variant, tier, bucket };
  if (flags.bankruptcy) return { ...base, ...policy.bankruptcy, override: 'bankruptcy' };
  if (flags.hardship && !isSoft(cell.treatment.channel)) return { ...base, ...policy.hardship, override: 'hardship' };
  return { ...base, ...cell, override: null };
}

export const isSoft = (c: Channel): boolean => SOFT_CHANNELS.includes(c);
