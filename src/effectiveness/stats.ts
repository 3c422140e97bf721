/**
 * Strategy results: per-variant collection metrics with 95% intervals, and the challenger-minus-
 * champion difference of each. Pure and deterministic: the same records give the same figures, in
 * the same order, whatever order they come in.
 *
 * Every rate has the accounts of the arm as its denominator except the kept rate (kept of those
 * promised): accounts are what the stable-hash assignment randomises, so a difference of per-account
 * rates estimates the effect of the strategy. A rate conditional on an outcome of the strategy
 * (promises per right-party contact, say) compares groups the strategy itself selected. For the
 * same reason only slices fixed before treatment (the DPD bucket at entry) keep the randomisation;
 * a difference inside a queue slice compares the accounts each variant chose to send there.
 */
import { z } from 'zod';

/** The standard normal 97.5% quantile: two-sided 95% intervals. */
export const Z95 = 1.959963984540054;

/** One account's outcome over the reporting period, tagged with the policy and variant it was worked under. */
export const ResultRecordSchema = z
  .object({
    variant: z.string().min(1),
    policyVersion: z.string().min(1),
    queue: z.string().min(1),
    /** DPD bucket when the account entered the period. */
    bucket: z.string().min(1),
    contacted: z.boolean(),
    rightPartyContact: z.boolean(),
    promised: z.boolean(),
    promiseKept: z.boolean(),
    cured: z.boolean(),
    rolled: z.boolean(),
    /** Amount recovered in the period. */
    recovered: z.number().nonnegative(),
    /** Contacts made (the effort), connected or not. */
    contacts: z.int().nonnegative(),
  })
  .superRefine((r, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (r.rightPartyContact && !r.contacted) bad('rightPartyContact', 'a right-party contact needs contacted: true');
    if (r.promiseKept && !r.promised) bad('promiseKept', 'a kept promise needs promised: true');
    if (r.contacted && r.contacts === 0) bad('contacts', 'contacted: true needs at least one contact');
  });
export type ResultRecordInput = z.input<typeof ResultRecordSchema>;
export type ResultRecord = z.output<typeof ResultRecordSchema>;

/** Records that cannot be summarised; the message names every bad record and field. */
export class StatsInputError extends Error {
  override readonly name = 'StatsInputError';
}

/** A point estimate and its 95% interval; null where the data cannot give one (never NaN). */
export interface Estimate {
  value: number | null;
  lower: number | null;
  upper: number | null;
}
export interface RateEstimate extends Estimate {
  successes: number;
  trials: number;
}
export interface MeanEstimate extends Estimate {
  n: number;
  /** Sample standard deviation (n - 1); null below 2 accounts. */
  sd: number | null;
  /** Standard error of the estimate; null where no interval can be given. */
  se: number | null;
}
export interface RatioEstimate extends Estimate {
  numerator: number;
  denominator: number;
  n: number;
  se: number | null;
}

export const RATE_METRICS = ['contactRate', 'rightPartyContactRate', 'promiseRate', 'keptRate', 'cureRate', 'rollRate'] as const;
export type RateMetric = (typeof RATE_METRICS)[number];
export const METRICS = [...RATE_METRICS, 'recoveredPerAccount', 'recoveredPerContact'] as const;
export type MetricName = (typeof METRICS)[number];

export type ArmMetrics = { accounts: number } & Record<RateMetric, RateEstimate> & {
    recoveredPerAccount: MeanEstimate;
    recoveredPerContact: RatioEstimate;
  };

const NONE: Estimate = { value: null, lower: null, upper: null };

function checkCount(successes: number, trials: number): void {
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`trials must be a whole number >= 0, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials)
    throw new RangeError(`successes must be a whole number from 0 to trials (${trials}), got ${successes}`);
}

/**
 * Wilson score interval for a proportion: the proportions p whose score test |p̂ - p| <= z·sqrt(p(1-p)/n)
 * does not reject. Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0
 * and 1. 0 trials: every field null.
 */
export function wilson(successes: number, trials: number, z = Z95): RateEstimate {
  checkCount(successes, trials);
  if (trials === 0) return { ...NONE, successes, trials };
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  // At 0 and n the bound is exactly 0 or 1; the formula only gets there up to rounding.
  const lower = successes === 0 ? 0 : Math.max(0, centre - half);
  const upper = successes === trials ? 1 : Math.min(1, centre + half);
  return { value: p, lower, upper, successes, trials };
}

/**
 * p1 - p2 with Newcombe's hybrid score interval (Newcombe 1998, method 10): each arm's Wilson
 * limits combined as D - sqrt((p1-l1)² + (u2-p2)²) .. D + sqrt((u1-p1)² + (p2-l2)²). Null when
 * either arm has no trials.
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z = Z95): Estimate {
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  if (a.value === null || b.value === null) return { ...NONE };
  const [p1, l1, u1, p2, l2, u2] = [a.value, a.lower!, a.upper!, b.value, b.lower!, b.upper!];
  const d = p1 - p2;
  return { value: d, lower: d - Math.hypot(p1 - l1, u2 - p2), upper: d + Math.hypot(u1 - p1, p2 - l2) };
}

/**
 * Mean with a normal interval, mean ± z·s/√n, s the sample standard deviation. A normal, not a t,
 * interval: recovery is skewed and the interval is only as good as the central limit theorem at
 * this n; it can reach below 0 on small samples. Null interval below 2 values.
 */
export function meanEstimate(values: readonly number[], z = Z95): MeanEstimate {
  const n = values.length;
  if (n === 0) return { ...NONE, n, sd: null, se: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { value: mean, lower: null, upper: null, n, sd: null, se: null };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  return { value: mean, lower: mean - z * se, upper: mean + z * se, n, sd, se };
}

/**
 * Ratio of sums R = Σy / Σx over accounts (recovered per contact), with a delta-method interval:
 * Var(R) ≈ Σ(yᵢ - R·xᵢ)² / (n(n-1)·x̄²), the accounts being the sampling units. Value null when
 * Σx is 0; interval null below 2 accounts.
 */
export function ratioEstimate(ys: readonly number[], xs: readonly number[], z = Z95): RatioEstimate {
  if (ys.length !== xs.length) throw new RangeError(`numerators has ${ys.length} values but denominators has ${xs.length}`);
  const n = ys.length;
  const numerator = ys.reduce((s, v) => s + v, 0);
  const denominator = xs.reduce((s, v) => s + v, 0);
  if (denominator === 0) return { ...NONE, numerator, denominator, n, se: null };
  const r = numerator / denominator;
  if (n < 2) return { value: r, lower: null, upper: null, numerator, denominator, n, se: null };
  const xbar = denominator / n;
  const ss = ys.reduce((s, y, i) => s + (y - r * xs[i]) ** 2, 0);
  const se = Math.sqrt(ss / (n * (n - 1))) / xbar;
  return { value: r, lower: r - z * se, upper: r + z * se, numerator, denominator, n, se };
}

/** Difference of two independent estimates with a normal interval on the unpooled (Welch-style) SE √(se₁² + se₂²). */
function welchDifference(
  a: { value: number | null; se: number | null },
  b: { value: number | null; se: number | null },
  z: number,
): Estimate {
  if (a.value === null || b.value === null || a.se === null || b.se === null) return { ...NONE };
  const d = a.value - b.value;
  const se = Math.hypot(a.se, b.se);
  return { value: d, lower: d - z * se, upper: d + z * se };
}

const count = (rs: readonly ResultRecord[], f: (r: ResultRecord) => boolean) => rs.reduce((s, r) => s + (f(r) ? 1 : 0), 0);

const flagBits = (r: ResultRecord) =>
  +r.contacted | (+r.rightPartyContact << 1) | (+r.promised << 2) | (+r.promiseKept << 3) | (+r.cured << 4) | (+r.rolled << 5);

/**
 * Every metric of one arm (one group of records). The records are put in a canonical order first:
 * floating-point sums depend on order, and the same accounts must give the same figures to the last bit.
 */
export function armMetrics(arm: readonly ResultRecord[], z = Z95): ArmMetrics {
  const records = [...arm].sort((a, b) => a.recovered - b.recovered || a.contacts - b.contacts || flagBits(a) - flagBits(b));
  const n = records.length;
  const promised = count(records, (r) => r.promised);
  return {
    accounts: n,
    contactRate: wilson(
      count(records, (r) => r.contacted),
      n,
      z,
    ),
    rightPartyContactRate: wilson(
      count(records, (r) => r.rightPartyContact),
      n,
      z,
    ),
    promiseRate: wilson(promised, n, z),
    keptRate: wilson(
      count(records, (r) => r.promiseKept),
      promised,
      z,
    ),
    cureRate: wilson(
      count(records, (r) => r.cured),
      n,
      z,
    ),
    rollRate: wilson(
      count(records, (r) => r.rolled),
      n,
      z,
    ),
    recoveredPerAccount: meanEstimate(
      records.map((r) => r.recovered),
      z,
    ),
    recoveredPerContact: ratioEstimate(
      records.map((r) => r.recovered),
      records.map((r) => r.contacts),
      z,
    ),
  };
}

/** Challenger minus champion for every metric: Newcombe for rates, Welch-style normal for the means and ratio. */
export function armDifference(challenger: ArmMetrics, champion: ArmMetrics, z = Z95): Record<MetricName, Estimate> {
  const out = {} as Record<MetricName, Estimate>;
  for (const m of RATE_METRICS)
    out[m] = newcombeDifference(challenger[m].successes, challenger[m].trials, champion[m].successes, champion[m].trials, z);
  out.recoveredPerAccount = welchDifference(challenger.recoveredPerAccount, champion.recoveredPerAccount, z);
  out.recoveredPerContact = welchDifference(challenger.recoveredPerContact, champion.recoveredPerContact, z);
  return out;
}

export type SliceBy = 'queue' | 'bucket';

export interface GroupKey {
  policyVersion: string;
  variant: string;
  queue?: string;
  bucket?: string;
}
export interface GroupResult {
  key: GroupKey;
  metrics: ArmMetrics;
}
export interface Comparison {
  /** The slice: policy version, and queue / bucket when sliced by them. */
  key: Omit<GroupKey, 'variant'>;
  champion: string;
  challenger: string;
  differences: Record<MetricName, Estimate>;
}
export interface StrategyResults {
  groups: GroupResult[];
  /** One per challenger per slice where both the champion and the challenger have accounts. */
  comparisons: Comparison[];
}

export interface StrategyResultsOptions {
  /** The champion variant: one name for every policy version, or a name per policy version. */
  champion: string | Readonly<Record<string, string>>;
  /** Slice each policy version x variant further; [] (the default) gives one group per policy version x variant. */
  by?: readonly SliceBy[];
}

export function parseResultRecords(records: unknown): ResultRecord[] {
  const r = z.array(ResultRecordSchema).safeParse(records);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const [first, ...rest] = i.path;
    const where = typeof first === 'number' ? `record ${first}${rest.length ? `, ${rest.join('.')}` : ''}` : i.path.join('.') || 'records';
    return `${where}: ${i.message}`;
  });
  throw new StatsInputError(`invalid strategy result records:\n${lines.join('\n')}`);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Strategy results: metrics per policy version x variant (x queue x bucket with `by`), and each
 * challenger minus the champion in the same slice. A slice with only one arm gets no comparison.
 * Throws StatsInputError, naming every bad record and field.
 */
export function strategyResults(records: unknown, options: StrategyResultsOptions): StrategyResults {
  const rows = parseResultRecords(records);
  const by = options.by ?? [];
  const groups = new Map<string, { key: GroupKey; rows: ResultRecord[] }>();
  for (const r of rows) {
    const key: GroupKey = { policyVersion: r.policyVersion, variant: r.variant };
    for (const d of by) key[d] = r[d];
    const id = JSON.stringify([key.policyVersion, key.queue ?? null, key.bucket ?? null, key.variant]);
    const g = groups.get(id);
    if (g) g.rows.push(r);
    else groups.set(id, { key, rows: [r] });
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => cmp(a, b)).map(([, g]) => ({ key: g.key, metrics: armMetrics(g.rows) }));
  const comparisons: Comparison[] = [];
  const slices = new Map<string, GroupResult[]>();
  for (const g of ordered) {
    const id = JSON.stringify([g.key.policyVersion, g.key.queue ?? null, g.key.bucket ?? null]);
    slices.set(id, [...(slices.get(id) ?? []), g]);
  }
  for (const arms of slices.values()) {
    const { variant: _, ...slice } = arms[0].key;
    const championName = typeof options.champion === 'string' ? options.champion : options.champion[slice.policyVersion];
    const champion = arms.find((a) => a.key.variant === championName);
    if (!champion) continue;
    for (const arm of arms)
      if (arm !== champion)
        comparisons.push({
          key: slice,
          champion: championName!,
          challenger: arm.key.variant,
          differences: armDifference(arm.metrics, champion.metrics),
        });
  }
  return { groups: ordered, comparisons };
}
