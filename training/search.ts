/**
 * The search step: network candidates fitted on the first fold, a pool's width at a time, and the
 * best on held-out log loss chosen. How many candidates are tried comes from a fixed cost model,
 * not from a clock, so the same data, seed and budget always train the same models.
 */
import type { FitOnFold } from './fold-pool.js';
import type { Fold } from './folds.js';
import type { FitResult, NetParams } from './network.js';

/**
 * Projected seconds to fit one network on `rows` rows: multiply-adds per row (forward and backward,
 * about 3x forward) over a throughput measured for the wasm backend on this class of machine, times
 * a typical epoch count under early stopping. Only used to decide how much search fits the budget.
 */
const MAC_PER_SECOND = 1.7e9;
const TYPICAL_EPOCHS = 16;
export function fitSeconds(p: NetParams, rows: number, width: number): number {
  const sizes = [width, ...p.hidden, 1];
  let macs = 0;
  for (let i = 1; i < sizes.length; i++) macs += sizes[i - 1] * sizes[i];
  return (rows * macs * 3 * TYPICAL_EPOCHS) / MAC_PER_SECOND;
}

/** How many candidates (a prefix of the list, at least one) fit the budget, with the remaining folds. */
export function planSearch(
  cands: readonly NetParams[],
  rows: number,
  width: number,
  folds: number,
  parallel: number,
  budget: number,
): { count: number; seconds: number } {
  let best = { count: 1, seconds: Infinity };
  for (let n = 1; n <= cands.length; n++) {
    const costs = cands.slice(0, n).map((p) => fitSeconds(p, rows, width));
    let search = 0;
    for (let c = 0; c < n; c += parallel) search += Math.max(...costs.slice(c, c + parallel));
    const total = search + Math.ceil((folds - 1) / parallel) * Math.max(...costs);
    if (n === 1) best = { count: 1, seconds: total };
    else if (total <= budget) best = { count: n, seconds: total };
    else break;
  }
  return best;
}

export interface SearchOptions {
  /** Time budget for the whole run, in seconds. */
  budgetSeconds: number;
  seed: number;
  /** Try the first candidate only. */
  firstOnly: boolean;
  log: (msg: string) => void;
}

export interface SearchResult {
  /** The chosen candidate, with its epochs capped where the budget required it. */
  chosen: NetParams;
  /** The chosen candidate's fit on the first fold: the first member network. */
  first: FitResult;
  tried: { candidate: NetParams; heldOutLogLoss: number; seconds: number }[];
}

const since = (t: number) => (performance.now() - t) / 1000;

/** Fits the candidates the budget allows on the first fold, `parallel` at a time, and picks the best. */
export async function searchNetworks(
  candidates: readonly NetParams[],
  folds: readonly Fold[],
  width: number,
  fit: FitOnFold,
  parallel: number,
  o: SearchOptions,
): Promise<SearchResult> {
  const firstFold = folds[0];
  // 85% of the budget goes to the network; the rest covers reading, the scorecard and evaluation.
  // A fixed share, not the time actually left, so the same inputs always give the same plan.
  const left = Math.round(o.budgetSeconds * 0.85);
  const plan = o.firstOnly ? { count: 1, seconds: 0 } : planSearch(candidates, firstFold.fit.length, width, folds.length, parallel, left);
  o.log(
    `trying ${plan.count} of ${candidates.length} candidates (projected ${plan.seconds.toFixed(0)} s of the ${left} s left in the budget)`,
  );
  // When even one candidate does not fit, cap its epochs so the run keeps to the budget
  // (deterministically: the cap comes from the same cost model).
  const epochCap = plan.seconds > left ? Math.max(2, Math.floor((TYPICAL_EPOCHS * left) / plan.seconds)) : Infinity;
  const capped = (p: NetParams): NetParams => (p.maxEpochs > epochCap ? { ...p, maxEpochs: epochCap } : p);
  if (Number.isFinite(epochCap)) o.log(`the budget allows about ${epochCap} epochs per network on data this size (--budget raises it)`);
  const fitted: { p: NetParams; r: FitResult }[] = [];
  const tried: SearchResult['tried'] = [];
  for (let c = 0; c < plan.count; c += parallel) {
    const rs = performance.now();
    const batch = candidates.slice(c, Math.min(plan.count, c + parallel)).map(capped);
    const results = await Promise.all(
      batch.map((p, i) => fit(firstFold, p, o.seed + 1000, `candidate ${c + i + 1} [${p.hidden.join('x')}]`)),
    );
    batch.forEach((p, i) => {
      fitted.push({ p, r: results[i] });
      tried.push({ candidate: p, heldOutLogLoss: results[i].valLoss, seconds: since(rs) });
    });
  }
  fitted.sort((a, b) => a.r.valLoss - b.r.valLoss);
  const chosen = fitted[0].p;
  o.log(
    `chose [${chosen.hidden.join('x')}] lr ${chosen.learningRate} (held-out log loss ${fitted[0].r.valLoss.toFixed(5)} of ${fitted.length} tried)`,
  );
  return { chosen, first: fitted[0].r, tried };
}
