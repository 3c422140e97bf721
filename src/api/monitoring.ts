/**
 * In-memory monitoring of live traffic, bounded so it costs O(1) per score and fixed memory:
 * a ring of recent score points (for PSI drift against the bundle's training baseline) and a ring
 * of champion/challenger PD pairs from shadow scoring. `LiveMonitor` feeds both from the scoring
 * routes and resets them when the serving lifecycle swaps a model.
 */
import type { Bundle } from '../domain/bundle.js';
import type { RawRow } from '../domain/encoding.js';
import { histogram, psi } from '../domain/metrics.js';
import { tierFor } from '../domain/scoring.js';
import type { Role, Slot } from '../model/serving.js';

/** Fixed-size ring of the most recent values. */
export class Ring {
  private readonly buf: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }

  push(v: number): void {
    this.buf[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  get size(): number {
    return this.filled;
  }

  /** Oldest first. */
  values(): Float64Array {
    if (this.filled < this.capacity) return this.buf.slice(0, this.filled);
    const out = new Float64Array(this.capacity);
    out.set(this.buf.subarray(this.next), 0);
    out.set(this.buf.subarray(0, this.next), this.capacity - this.next);
    return out;
  }

  clear(): void {
    this.next = 0;
    this.filled = 0;
  }
}

export interface DriftReport {
  /** Population stability index of recent scores against the training baseline; null below `minScores`. */
  psi: number | null;
  scores: number;
  minScores: number;
  /** Usual reading: < 0.1 stable, 0.1–0.25 some shift, > 0.25 major shift. */
  status: 'insufficient_data' | 'stable' | 'shift' | 'major_shift';
  bins: { from: number | null; to: number | null; baseline: number; recent: number }[];
}

/** PSI of recent score points against `bundle.baseline` (same bins the training run used). */
export function drift(baseline: Bundle['baseline'], recent: Float64Array, minScores = 100): DriftReport {
  const actual = histogram(recent, baseline.edges);
  const e = baseline.edges;
  const bins = baseline.proportions.map((p, i) => ({
    from: i === 0 ? null : e[i - 1],
    to: i === e.length ? null : e[i],
    baseline: p,
    recent: recent.length ? actual[i] : 0,
  }));
  if (recent.length < minScores) return { psi: null, scores: recent.length, minScores, status: 'insufficient_data', bins };
  const value = psi(baseline.proportions, actual);
  const status = value < 0.1 ? 'stable' : value < 0.25 ? 'shift' : 'major_shift';
  return { psi: value, scores: recent.length, minScores, status, bins };
}

export interface ShadowSummary {
  champion: string | null;
  challenger: string | null;
  pairs: number;
  skipped: number;
  meanChampionPd: number | null;
  meanChallengerPd: number | null;
  meanAbsDiff: number | null;
  maxAbsDiff: number | null;
  /** Share of pairs where the two models put the borrower in different tiers. */
  tierDisagreement: number | null;
  recent: { championPd: number; challengerPd: number }[];
}

/** Champion/challenger PD pairs from shadow scoring; reset whenever either model changes. */
export class ShadowLog {
  private readonly champion: Ring;
  private readonly challenger: Ring;
  private readonly tierDiff: Ring;
  skipped = 0;

  constructor(capacity = 10_000) {
    this.champion = new Ring(capacity);
    this.challenger = new Ring(capacity);
    this.tierDiff = new Ring(capacity);
  }

  record(championPd: number, challengerPd: number, sameTier: boolean): void {
    this.champion.push(championPd);
    this.challenger.push(challengerPd);
    this.tierDiff.push(sameTier ? 0 : 1);
  }

  clear(): void {
    this.champion.clear();
    this.challenger.clear();
    this.tierDiff.clear();
    this.skipped = 0;
  }

  summary(champion: string | null, challenger: string | null, recent = 50): ShadowSummary {
    const a = this.champion.values();
    const b = this.challenger.values();
    const t = this.tierDiff.values();
    const n = a.length;
    let sa = 0;
    let sb = 0;
    let sd = 0;
    let md = 0;
    let st = 0;
    for (let i = 0; i < n; i++) {
      sa += a[i];
      sb += b[i];
      const d = Math.abs(a[i] - b[i]);
      sd += d;
      if (d > md) md = d;
      st += t[i];
    }
    const pairs: ShadowSummary['recent'] = [];
    for (let i = Math.max(0, n - recent); i < n; i++) pairs.push({ championPd: a[i], challengerPd: b[i] });
    return {
      champion,
      challenger,
      pairs: n,
      skipped: this.skipped,
      meanChampionPd: n ? sa / n : null,
      meanChallengerPd: n ? sb / n : null,
      meanAbsDiff: n ? sd / n : null,
      maxAbsDiff: n ? md : null,
      tierDisagreement: n ? st / n : null,
      recent: pairs,
    };
  }
}

export interface MonitorLog {
  error(obj: object, msg: string): void;
}

/** The slot data shadow scoring needs: the challenger's feature schema and contract. */
interface ShadowView {
  readonly features: { safeParse(row: unknown): { success: boolean } };
  readonly contract: string;
}

const MAX_SHADOW_PENDING = 10_000;

/** Drift ring and challenger shadow scoring over one instance's serving models. */
export class LiveMonitor {
  /** Recent champion score points, for PSI drift; reset when the champion changes. */
  readonly recent: Ring;
  readonly shadow = new ShadowLog();
  private pending: { row: RawRow; pd: number; tier: string; contract: string }[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly serving: { readonly challenger: Slot<ShadowView> | null },
    private readonly log: MonitorLog,
    private readonly onShadow?: (absDiffs: number[]) => void,
    recentCapacity = 10_000,
  ) {
    this.recent = new Ring(recentCapacity);
  }

  /** For ModelServing's onSwap: what was recorded describes models that no longer serve. */
  swapped(role: Role): void {
    if (role === 'champion') this.recent.clear();
    this.shadow.clear();
    // Pairs queued against the previous pair of models would be recorded against the new one.
    this.pending = [];
  }

  /** Records champion scores for drift. */
  observe(points: number): void {
    this.recent.push(points);
  }

  /**
   * Queues validated rows for challenger shadow scoring. It runs after the response is on its way
   * (setImmediate), in one `predictPd` call per tick, so the champion's latency does not pay for it.
   */
  shadowScore(row: RawRow, championPd: number, championTier: string, contract: string): void {
    if (!this.serving.challenger || this.closed) return;
    if (this.pending.length >= MAX_SHADOW_PENDING) {
      this.shadow.skipped++;
      return;
    }
    this.pending.push({ row, pd: championPd, tier: championTier, contract });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushShadow());
    }
  }

  close(): void {
    this.closed = true;
    this.pending = [];
  }

  private flushShadow(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    // One read: the whole batch is scored by the challenger serving now, even across a swap.
    const s = this.serving.challenger;
    if (!s || !batch.length) return;
    try {
      // Rows were validated against the champion that scored them; re-validate unless the
      // challenger's feature contract is that same one.
      const ok = batch.filter((b) => b.contract === s.contract || s.features.safeParse(b.row).success);
      this.shadow.skipped += batch.length - ok.length;
      if (!ok.length) return;
      const pds = s.model.predictPd(ok.map((b) => b.row));
      const diffs: number[] = [];
      ok.forEach((b, i) => {
        this.shadow.record(b.pd, pds[i], tierFor(s.model.bundle.tiers, pds[i]) === b.tier);
        diffs.push(Math.abs(b.pd - pds[i]));
      });
      this.onShadow?.(diffs);
    } catch (e) {
      this.log.error({ err: e, ref: s.ref }, 'shadow scoring failed');
    }
  }
}
