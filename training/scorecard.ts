/**
 * The scorecard step: a logistic regression on the WoE vector, fitted on each fold as the network
 * with no hidden layer and non-negative weights (WoE is risk-oriented, so a sensible coefficient is
 * >= 0), then averaged into the one scorecard that is served.
 */
import type { Hyperparameters } from '../src/domain/hyperparameters.js';
import type { Scorecard } from '../src/domain/prediction.js';
import type { Fold } from './folds.js';
import { fitNet, type FitResult, type Matrix, type NetParams } from './network.js';

/** The scorecard as a network: no hidden layer, no dropout, non-negative weights. */
export function scorecardParams(hp: Hyperparameters['scorecard']): NetParams {
  return { hidden: [], dropout: 0, nonNegative: true, ...hp };
}

export interface FittedScorecard {
  /** The fold scorecards' average: what is served. */
  scorecard: { intercept: number; coef: number[] };
  /** Each fold's own scorecard, in fold order: the source of the out-of-fold logits. */
  perFold: Scorecard[];
  /** Each fold's held-out log loss. */
  heldOutLogLoss: number[];
}

/** Fits the scorecard on each fold's fit rows, early-stopping on its held-out rows. */
export async function fitScorecard(
  woe: Matrix,
  folds: readonly Fold[],
  params: NetParams,
  seed: number,
  log: (msg: string) => void,
): Promise<FittedScorecard> {
  const fits: FitResult[] = [];
  for (const [i, fold] of folds.entries()) fits.push(await fitNet(woe, fold.fit, fold.hold, params, seed + i));
  const f = woe.width;
  // A linear model's mean logit is the logit of its mean coefficients: one scorecard.
  const scorecard = {
    intercept: fits.reduce((a, r) => a + r.weights[0].bias[0], 0) / fits.length,
    coef: Array.from({ length: f }, (_, j) => fits.reduce((a, r) => a + r.weights[0].kernel[j], 0) / fits.length),
  };
  const heldOutLogLoss = fits.map((r) => r.valLoss);
  log(`held-out log loss ${heldOutLogLoss.map((v) => v.toFixed(5)).join(', ')}`);
  return {
    scorecard,
    perFold: fits.map((r) => ({ intercept: r.weights[0].bias[0], coef: Array.from(r.weights[0].kernel) })),
    heldOutLogLoss,
  };
}
