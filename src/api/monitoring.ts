/**
 * In-memory monitoring of live traffic, bounded so it costs O(1) per score and fixed memory:
 * a ring of recent score points (for PSI drift against the bundle's training baseline) and a ring
 * of champion/challenger PD pairs from shadow scoring.
 */
import type { Bundle } from '../domain/bundle.js';
import { histogram, psi } from '../domain/metrics.js';

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
