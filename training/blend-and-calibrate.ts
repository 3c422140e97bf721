/**
 * The blend-and-calibrate step: the network's weight in the blend and the Platt map, both chosen on
 * out-of-fold logits (every learn row scored by models that did not train on it), then the PDs of
 * the learn and test rows through the one composition that serving uses (src/domain/prediction.ts).
 */
import type { Calibration } from '../src/domain/bundle.js';
import { logloss } from '../src/domain/metrics.js';
import { blendLogit, calibrate, predictPd, scorecardLogit, type Scorecard } from '../src/domain/prediction.js';
import type { Ablation } from './ablation.js';
import { averagingCorrection, fitPlatt } from './calibrate.js';
import type { Fold } from './folds.js';
import { predictLogits, type Matrix } from './network.js';
import { memberNoise, type Networks } from './networks.js';
import type { FittedScorecard } from './scorecard.js';

export interface Blended {
  /** The network's weight in the blend, from 0 (scorecard alone) to 1 in steps of 0.05. */
  blendWeight: number;
  calibration: Calibration;
  /** Calibrated PDs: out-of-fold (NaN where a learn row has none) and in-sample for the learn rows, and for the test rows. */
  pd: { oof: Float64Array; learn: Float64Array; test: Float64Array };
  /** Held-out log loss at each blend weight tried. */
  blendLog: { w: number; logLoss: number }[];
  /** The stretch of the Platt map for averaging several networks, when one was applied. */
  averaging: { tau2: number; stretch: number } | null;
}

export interface BlendInputs {
  /** Network inputs and labels of every row. */
  network: Matrix;
  /** WoE inputs of every row. */
  woe: Matrix;
  label: Uint8Array;
  folds: readonly Fold[];
  learn: Int32Array;
  test: Int32Array;
}

/** Scorecard logits of `rows`, in float32 like the network's. */
function scorecardLogits(sc: Scorecard, woe: Matrix, rows: Int32Array): Float32Array {
  return Float32Array.from(rows, (r) => scorecardLogit(sc, woe.x, r * woe.width));
}

const blend = (zs: Float32Array, zn: Float32Array | null, w: number) => Float64Array.from(zs, (v, i) => blendLogit(w, v, zn ? zn[i] : 0));

export function blendAndCalibrate(
  d: BlendInputs,
  sc: FittedScorecard,
  nets: Networks,
  ablations: ReadonlySet<Ablation>,
  log: (msg: string) => void,
): Blended {
  const { folds, learn } = d;
  const { members, network } = nets;
  // Out-of-fold logits for every learn row (single held-out set: the validation rows only).
  const calRows = Int32Array.from(folds.flatMap((fd) => Array.from(fd.hold)));
  const pos = new Map<number, number>();
  calRows.forEach((r, i) => pos.set(r, i));
  const oofS = new Float32Array(calRows.length);
  const oofN = new Float32Array(calRows.length);
  folds.forEach((fold, k) => {
    const zs = scorecardLogits(sc.perFold[k], d.woe, fold.hold);
    fold.hold.forEach((r, i) => (oofS[pos.get(r)!] = zs[i]));
  });
  if (folds.length > 1) folds.forEach((fold, k) => fold.hold.forEach((r, i) => (oofN[pos.get(r)!] = members[k].holdoutLogits[i])));
  else oofN.set(predictLogits(network, d.network, calRows));
  const yCal = Float32Array.from(calRows, (r) => d.label[r]);
  let bestW = 0;
  let bestLoss = Infinity;
  const blendLog: { w: number; logLoss: number }[] = [];
  const steps = ablations.has('scorecard-only') ? [0] : ablations.has('network-only') ? [20] : Array.from({ length: 21 }, (_, i) => i);
  for (const step of steps) {
    const w = step / 20;
    const z = blend(oofS, oofN, w);
    const cal = fitPlatt(z, yCal);
    const loss = logloss(
      yCal,
      Float64Array.from(z, (v) => calibrate(cal, v)),
    );
    blendLog.push({ w, logLoss: loss });
    if (loss < bestLoss - 1e-7) {
      bestLoss = loss;
      bestW = w;
    }
  }
  const oofPlatt = fitPlatt(blend(oofS, oofN, bestW), yCal);
  let calibration: Calibration = oofPlatt;
  let averaging: { tau2: number; stretch: number } | null = null;
  if (folds.length > 1 && bestW > 0 && !ablations.has('single-network') && !ablations.has('no-averaging-correction')) {
    const tau2 = memberNoise(members, folds, d.network, calRows);
    const c = averagingCorrection(oofPlatt, blend(oofS, oofN, bestW), tau2, bestW, members.length);
    calibration = { method: 'platt', a: c.a, b: c.b };
    averaging = { tau2, stretch: c.stretch };
  }
  log(
    `blend weight on the network ${bestW.toFixed(2)}; Platt a=${calibration.a.toFixed(4)} b=${calibration.b.toFixed(4)}` +
      (averaging
        ? ` (out-of-fold fit a=${oofPlatt.a.toFixed(4)}, stretched x${averaging.stretch.toFixed(4)} for the ${members.length}-network average; network disagreement variance ${averaging.tau2.toFixed(4)})`
        : ''),
  );
  const model = { scorecard: sc.scorecard, blendWeight: bestW, calibration };
  const pdFor = (rows: Int32Array) => {
    const zs = scorecardLogits(sc.scorecard, d.woe, rows);
    const zn = bestW > 0 ? predictLogits(network, d.network, rows) : null;
    return Float64Array.from(zs, (v, i) => predictPd(model, v, zn ? zn[i] : 0));
  };
  const oofPd = new Float64Array(learn.length);
  const oofAll = blend(oofS, oofN, bestW);
  learn.forEach((r, i) => {
    const p = pos.get(r);
    // Out-of-fold logits come from single networks: the unstretched map is the one that fits them.
    oofPd[i] = p === undefined ? NaN : calibrate(oofPlatt, oofAll[p]);
  });
  return { blendWeight: bestW, calibration, pd: { oof: oofPd, learn: pdFor(learn), test: pdFor(d.test) }, blendLog, averaging };
}
