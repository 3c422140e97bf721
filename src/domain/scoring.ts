/**
 * From a PD to what a lender sees: points, tier and reason codes (the PD itself is composed in
 * prediction.ts). Pure functions over the bundle's fitted state.
 */
import type { Bundle, Scaling } from './bundle.js';
import type { FeatureState } from './encoding.js';

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
export const logit = (p: number): number => {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return Math.log(q / (1 - q));
};

/** Points on the bundle's scale: basePoints at baseOdds (good:bad), plus pdo per doubling of the odds. */
export function pdToPoints(s: Scaling, pd: number): number {
  const p = Math.min(Math.max(pd, 1e-9), 1 - 1e-9);
  const factor = s.pdo / Math.LN2;
  const offset = s.basePoints - factor * Math.log(s.baseOdds);
  const pts = offset + factor * Math.log((1 - p) / p);
  return Math.round(Math.min(Math.max(pts, s.min), s.max));
}

/** Tier name for a PD: cut points are ascending upper bounds; tier 0 is the lowest risk. */
export function tierFor(tiers: Bundle['tiers'], pd: number): string {
  let i = 0;
  while (i < tiers.cuts.length && pd >= tiers.cuts[i]) i++;
  return tiers.names[i];
}

export interface Reason {
  code: string;
  feature: string;
  text: string;
}

/** The lowest (safest) scorecard contribution each feature can make: the reference for reasons. */
export function bestContributions(states: readonly FeatureState[], coef: readonly number[]): number[] {
  return states.map((s, j) => {
    const all = s.kind === 'numeric' ? [...s.woe, ...s.specialWoe, s.missingWoe] : [...s.woe, s.otherWoe, s.missingWoe];
    let best = Infinity;
    for (const w of all) best = Math.min(best, coef[j] * w);
    return best;
  });
}

/**
 * Reason codes by the "points below the best attribute" method used for adverse-action notices:
 * each feature's scorecard contribution minus the safest contribution it could have made. The four
 * largest positive gaps, largest first, are the reasons. Features that cannot raise risk never appear.
 */
export function reasonCodes(bundle: Pick<Bundle, 'features' | 'model'>, woe: Float32Array, best: readonly number[], max = 4): Reason[] {
  max = Math.floor(max);
  if (!(max > 0)) return [];
  const coef = bundle.model.scorecard.coef;
  // The `max` largest gaps, largest first, ties to the earlier feature: an insertion into a short
  // sorted list (this runs on every scored request; sorting every feature would allocate).
  const top: number[] = [];
  const gaps: number[] = [];
  for (let j = 0; j < coef.length; j++) {
    const gap = coef[j] * woe[j] - best[j];
    if (!(gap > 1e-9) || (top.length === max && gap <= gaps[max - 1])) continue;
    let at = top.length < max ? top.length : max - 1;
    while (at > 0 && gaps[at - 1] < gap) {
      top[at] = top[at - 1];
      gaps[at] = gaps[at - 1];
      at--;
    }
    top[at] = j;
    gaps[at] = gap;
  }
  return top.map((j) => {
    const f = bundle.features[j];
    return { code: f.reason.code, feature: f.name, text: f.reason.text };
  });
}
