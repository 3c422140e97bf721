/**
 * Bookkeeping for bench:accuracy's repeated hold-out (--splits N): the accuracy bars per split
 * and the summary over splits. Pure, so it is tested without training anything.
 */
import { ece, eceNoise } from '../../src/domain/metrics.js';

export interface Scored {
  auc: number;
  ks: number;
  brier: number;
  ece?: number;
}
export type Reference = Scored & { fitSeconds: number };

/** One train/test split: our metrics and the references', with the test PDs kept for pooling. */
export interface SplitResult {
  seed: number;
  /** Test labels, in the order of every PD array below. */
  y: Uint8Array;
  ours: Scored & {
    ece: number;
    logloss: number;
    eceFloor: number;
    eceFloorP90: number;
    eceCalibratedShareMeetingTarget: number;
    trainSeconds: number;
  };
  oursPd: Float64Array;
  references: Record<string, Reference>;
  /** Only for references whose refit matched the anchor (see accuracy.ts). */
  referencePd: Record<string, Float64Array>;
  oracleAuc?: number;
}

/**
 * The accuracy bars for one split (null where no reference ran): AUC at least the best
 * reference's minus 0.002, Brier at most the best reference's plus 0.001, ECE at most the target.
 */
export function bars(r: SplitResult, eceTarget: number): { auc: boolean; brier: boolean; ece: boolean } | null {
  const refs = Object.values(r.references);
  if (!refs.length) return null;
  const bestAuc = Math.max(...refs.map((x) => x.auc));
  const bestBrier = Math.min(...refs.map((x) => x.brier));
  return { auc: r.ours.auc >= bestAuc - 0.002, brier: r.ours.brier <= bestBrier + 0.001, ece: r.ours.ece <= eceTarget };
}

export interface ModelSummary {
  model: string;
  /** Splits the model ran on. */
  splits: number;
  meanAuc: number;
  meanBrier: number;
  /** Undefined unless every split it ran on had its ECE. */
  meanEce?: number;
  /** ECE of all splits' test predictions together; undefined unless every split had its PDs. */
  pooledEce?: number;
}

const concat = (parts: ArrayLike<number>[]) => {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Repeated hold-out summary. Each split's test predictions come from models that never saw those
 * rows, so pooling them measures the pipeline's calibration on N times the rows: the ECE's
 * sampling floor shrinks by about the square root of N, while a shared miscalibration would not.
 */
export function summariseSplits(results: readonly SplitResult[], eceTarget: number, floorDraws = 200) {
  const y = concat(results.map((r) => r.y));
  const names = ['ours', ...new Set(results.flatMap((r) => Object.keys(r.references)))];
  const models: ModelSummary[] = names.map((k) => {
    const per = results
      .map((r): Scored | undefined => (k === 'ours' ? r.ours : r.references[k]))
      .filter((x): x is Scored => x !== undefined);
    const pds = results.map((r) => (k === 'ours' ? r.oursPd : r.referencePd[k]));
    const eces = per.map((x) => x.ece).filter((e): e is number => e !== undefined);
    return {
      model: k,
      splits: per.length,
      meanAuc: mean(per.map((x) => x.auc)),
      meanBrier: mean(per.map((x) => x.brier)),
      meanEce: eces.length === per.length ? mean(eces) : undefined,
      pooledEce: pds.every((p) => p !== undefined) ? ece(y, concat(pds)) : undefined,
    };
  });
  const floor = eceNoise(concat(results.map((r) => r.oursPd)), eceTarget, floorDraws);
  const verdicts = results.map((r) => bars(r, eceTarget)).filter((b): b is NonNullable<typeof b> => b !== null);
  const count = (f: (b: (typeof verdicts)[number]) => boolean) => verdicts.filter(f).length;
  return {
    seeds: results.map((r) => r.seed),
    testRows: y.length,
    models,
    pooledEceFloor: floor.mean,
    pooledEceFloorP90: floor.p90,
    barsMet: verdicts.length
      ? { splits: verdicts.length, auc: count((b) => b.auc), brier: count((b) => b.brier), ece: count((b) => b.ece) }
      : null,
  };
}
