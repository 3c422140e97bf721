/**
 * The networks step: the chosen candidate trained on every other fold (with a single held-out set,
 * on extra seeds instead), and the members merged into one network whose logit is their mean.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FitOnFold } from './fold-pool.js';
import type { Fold } from './folds.js';
import { mergeMembers, predictLogits, type FitResult, type Matrix } from './network.js';
import type { SearchResult } from './search.js';

export interface Networks {
  /** One network per fold (or per seed), in fold order; the first is the search's fit. */
  members: FitResult[];
  /** The members merged into one network: what is served. */
  network: tf.Sequential;
}

export interface NetworksOptions {
  seed: number;
  /** Serve the first member alone instead of the average. */
  singleNetwork: boolean;
  log: (msg: string) => void;
}

/** Trains the chosen candidate's remaining members, `parallel` at a time, and merges them. */
export async function fitNetworks(
  search: SearchResult,
  folds: readonly Fold[],
  fit: FitOnFold,
  parallel: number,
  o: NetworksOptions,
): Promise<Networks> {
  let members: FitResult[];
  if (folds.length > 1) {
    const rest = await Promise.all(
      folds.slice(1).map((fold, i) => fit(fold, search.chosen, o.seed + 1000 * (i + 2), `fold ${i + 2}/${folds.length}`)),
    );
    members = [search.first, ...rest];
  } else {
    // One held-out set: average extra seeds instead of folds.
    const extra = await Promise.all(
      Array.from({ length: parallel }, (_, i) => fit(folds[0], search.chosen, o.seed + 7000 * (i + 1), `seed ${i + 2}`)),
    );
    members = [search.first, ...extra];
  }
  const network = mergeMembers((o.singleNetwork ? members.slice(0, 1) : members).map((m) => m.weights));
  o.log(`${members.length} member network(s), held-out log loss ${members.map((m) => m.valLoss.toFixed(5)).join(', ')}`);
  return { members, network };
}

/**
 * How much the fold networks disagree with one another: the mean, over up to 4,000 learn rows, of
 * the variance of the logits of the networks that trained on the row (every network but the one
 * that held it out). Rows are taken at an even stride, so the estimate is deterministic.
 */
export function memberNoise(members: readonly FitResult[], folds: readonly Fold[], X: Matrix, calRows: Int32Array): number {
  const stride = Math.max(1, Math.floor(calRows.length / 4000));
  const sample = Int32Array.from({ length: Math.ceil(calRows.length / stride) }, (_, i) => calRows[i * stride]);
  const heldBy = new Map<number, number>();
  folds.forEach((fold, k) => fold.hold.forEach((r) => heldBy.set(r, k)));
  const logits = members.map((m) => {
    const single = mergeMembers([m.weights]);
    try {
      return predictLogits(single, X, sample);
    } finally {
      single.dispose();
    }
  });
  let sum = 0;
  let n = 0;
  sample.forEach((r, i) => {
    const zs = logits.filter((_, k) => k !== heldBy.get(r)).map((z) => z[i]);
    if (zs.length < 2) return;
    const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
    sum += zs.reduce((a, z) => a + (z - mean) ** 2, 0) / (zs.length - 1);
    n++;
  });
  return n ? sum / n : 0;
}
