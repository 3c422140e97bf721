/**
 * How the model's parts make one PD: the scorecard's logit on the WoE vector, blended with the
 * network's logit, then calibrated. Training (every PD it selects on, reports and writes) and
 * serving (every PD it returns) both compute it here, so the two cannot compose it differently.
 */
import type { Calibration } from './bundle.js';
import { sigmoid } from './scoring.js';

/** The logistic scorecard: intercept plus one coefficient per feature's WoE. */
export interface Scorecard {
  intercept: number;
  coef: readonly number[];
}

/** The fitted parts that turn a scorecard logit and a network logit into a PD. */
export interface PredictionModel {
  scorecard: Scorecard;
  /** Weight of the network in the blend, in [0, 1]; 0 means the scorecard alone. */
  blendWeight: number;
  calibration: Calibration;
}

/** The scorecard's logit for the WoE vector that starts at `woe[at]` (one value per feature). */
export function scorecardLogit(sc: Scorecard, woe: ArrayLike<number>, at = 0): number {
  let z = sc.intercept;
  for (let j = 0; j < sc.coef.length; j++) z += sc.coef[j] * woe[at + j];
  return z;
}

/**
 * The blended, uncalibrated logit: (1 - w) * scorecard + w * network. A model without a network
 * passes 0 for its logit, which the weight 0 it was trained with then ignores.
 */
export function blendLogit(w: number, scorecard: number, network: number): number {
  return (1 - w) * scorecard + w * network;
}

/** Calibrated PD from the blended logit (Platt scaling). */
export function calibrate(c: Calibration, z: number): number {
  return sigmoid(c.a * z + c.b);
}

/** The PD for one row, from its scorecard logit and its network logit (0 without a network). */
export function predictPd(m: PredictionModel, scorecard: number, network: number): number {
  return calibrate(m.calibration, blendLogit(m.blendWeight, scorecard, network));
}

/** Whether the model's PDs depend on the network at all (so a caller can skip evaluating it). */
export function usesNetwork(m: Pick<PredictionModel, 'blendWeight'>): boolean {
  return m.blendWeight > 0;
}
