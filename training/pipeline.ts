/**
 * The training pipeline as named steps: load -> split -> fit preprocessing -> encode -> scorecard
 * and network fitted per fold -> blend and calibrate on out-of-fold predictions -> predict test.
 * Test rows are used only by the evaluation after this; every choice here is made on held-out
 * learn rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { DatasetConfig } from '../src/domain/dataset-config.js';
import type { FeatureState } from '../src/domain/encoding.js';
import { blendLogit, calibrate, predictPd, scorecardLogit, type Scorecard } from '../src/domain/prediction.js';
import type { BackendPreference } from '../src/model/backend.js';
import { zeroInputs, type Ablation } from './ablation.js';
import { averagingCorrection, fitPlatt } from './calibrate.js';
import { loadDataset, type Dataset } from './read.js';
import { FoldPool } from './fold-pool.js';
import { makeFolds, type Fold } from './folds.js';
import { logloss } from '../src/domain/metrics.js';
import { encodeRows } from './matrix.js';
import { fitNet, mergeMembers, predictLogits, type FitResult, type Matrix, type NetParams } from './network.js';
import { DEFAULT_BINNING, fitPreprocessing } from './preprocess.js';
import { splitRows, type Split } from './split.js';

export interface TrainOptions {
  configPath: string;
  dataDir?: string;
  seed: number;
  /** Time budget for the whole run, in seconds: it decides how much network search is done. */
  budgetSeconds: number;
  backend: BackendPreference;
  log: (msg: string) => void;
  /** Cross-fitting folds for random splits. */
  folds?: number;
  /** Parts to switch off, for measuring what each is worth (bench:accuracy --ablate). */
  ablations?: ReadonlySet<Ablation>;
}

export const SCORECARD_PARAMS: NetParams = {
  hidden: [],
  dropout: 0,
  l2: 0,
  learningRate: 0.05,
  batchSize: 1024,
  maxEpochs: 60,
  patience: 4,
  nonNegative: true,
};

/**
 * Network candidates, tried in pairs (one per core) on the first fold while the budget allows;
 * the best on held-out log loss trains every fold. Pairs have similar costs so neither core idles.
 */
export const NETWORK_CANDIDATES: NetParams[] = [
  { hidden: [64, 32], dropout: 0.1, l2: 1e-5, learningRate: 2e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
  { hidden: [96, 48], dropout: 0.2, l2: 1e-5, learningRate: 1e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
  { hidden: [32, 16], dropout: 0.05, l2: 1e-4, learningRate: 3e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
  { hidden: [128, 64], dropout: 0.3, l2: 1e-5, learningRate: 1e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
];

export interface Trained {
  cfg: DatasetConfig;
  ds: Dataset;
  split: Split;
  /** Rows the model learned from (train and validation), and their out-of-fold PDs. */
  learn: Int32Array;
  states: FeatureState[];
  scorecard: { intercept: number; coef: number[] };
  network: tf.Sequential | null;
  networkMembers: number;
  blendWeight: number;
  calibration: { method: 'platt'; a: number; b: number };
  /** Calibrated PDs: out-of-fold and in-sample for `learn` rows, and for `split.test` rows. */
  pd: { oof: Float64Array; learn: Float64Array; test: Float64Array };
  selection: Record<string, unknown>;
  seconds: Record<string, number>;
}

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
export function planSearch(cands: NetParams[], rows: number, width: number, folds: number, parallel: number, budget: number): { count: number; seconds: number } {
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

const since = (t: number) => (performance.now() - t) / 1000;

function scorecardLogits(sc: Scorecard, woe: Float32Array, f: number, rows: Int32Array): Float32Array {
  return Float32Array.from(rows, (r) => scorecardLogit(sc, woe, r * f));
}

const blend = (zs: Float32Array, zn: Float32Array | null, w: number) => Float64Array.from(zs, (v, i) => blendLogit(w, v, zn ? zn[i] : 0));

export async function trainPipeline(cfg: DatasetConfig, o: TrainOptions): Promise<Trained> {
  const seconds: Record<string, number> = {};
  let t = performance.now();
  o.log('step 1/7  reading data');
  const ds = await loadDataset(cfg, { configPath: o.configPath, dataDir: o.dataDir, log: (m) => o.log(`          ${m}`) });
  seconds.read = since(t);

  o.log('step 2/7  splitting');
  const split = splitRows(cfg, ds, o.seed);
  const { learn, folds } = makeFolds(cfg, split, ds.label, o.folds ?? 5, o.seed);
  o.log(`          train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length} (${cfg.split.method}); ${folds.length > 1 ? `${folds.length}-fold cross-fitting over train + validation` : 'validation held out'}`);

  t = performance.now();
  o.log('step 3/7  fitting preprocessing on train rows');
  const states = fitPreprocessing(cfg.features, ds.features, ds.label, learn, DEFAULT_BINNING);
  const all = Int32Array.from({ length: ds.ids.length }, (_, i) => i);
  const enc = encodeRows(states, ds.features, all, true);
  const ablations = o.ablations ?? new Set<Ablation>();
  const zeroed = zeroInputs(enc.x, enc.width, states, ablations);
  if (ablations.size) o.log(`          ablation: ${[...ablations].join(', ')}${zeroed ? ` (${zeroed} input columns zeroed)` : ''}`);
  const yAll = Float32Array.from(ds.label);
  // Shared memory: worker threads read the same inputs without a copy.
  const xShared = enc.x.buffer as SharedArrayBuffer;
  const yShared = new SharedArrayBuffer(yAll.byteLength);
  new Float32Array(yShared).set(yAll);
  const X: Matrix = { x: enc.x, y: new Float32Array(yShared), width: enc.width };
  const f = states.length;
  const W: Matrix = { x: enc.woe, y: yAll, width: f };
  o.log(`          ${f} features -> ${enc.width} network inputs`);
  seconds.preprocess = since(t);

  t = performance.now();
  o.log('step 4/7  scorecard: logistic regression on WoE, per fold');
  const scFits: FitResult[] = [];
  for (const [i, fold] of folds.entries()) scFits.push(await fitNet(W, fold.fit, fold.hold, SCORECARD_PARAMS, o.seed + i));
  // A linear model's mean logit is the logit of its mean coefficients: one scorecard.
  const scorecard = {
    intercept: scFits.reduce((a, r) => a + r.weights[0].bias[0], 0) / scFits.length,
    coef: Array.from({ length: f }, (_, j) => scFits.reduce((a, r) => a + r.weights[0].kernel[j], 0) / scFits.length),
  };
  o.log(`          held-out log loss ${scFits.map((r) => r.valLoss.toFixed(5)).join(', ')}`);
  seconds.scorecard = since(t);

  t = performance.now();
  o.log('step 5/7  neural network');
  const pool = new FoldPool();
  const task = (fold: Fold, params: NetParams, seed: number, tag: string) =>
    pool.run({ backend: o.backend, x: xShared, y: yShared, width: enc.width, fitRows: fold.fit, holdRows: fold.hold, params, seed }, (e) =>
      o.log(`          ${tag} epoch ${String(e.epoch).padStart(2)}  loss ${e.loss.toFixed(5)}  held-out ${e.valLoss.toFixed(5)}${e.best ? ' *' : ''}`),
    );
  let members: FitResult[];
  let chosen: NetParams;
  const search: { candidate: NetParams; heldOutLogLoss: number; seconds: number }[] = [];
  try {
    // Search: candidates on fold 1, a pool's width at a time. How many are tried comes from a fixed
    // cost model, not from a clock, so the same data, seed and budget always train the same models.
    const firstFold = folds[0];
    // 85% of the budget goes to the network; the rest covers reading, the scorecard and evaluation.
    // A fixed share, not the time actually left, so the same inputs always give the same plan.
    const left = Math.round(o.budgetSeconds * 0.85);
    const plan = ablations.has('no-search') ? { count: 1, seconds: 0 } : planSearch(NETWORK_CANDIDATES, firstFold.fit.length, enc.width, folds.length, pool.size, left);
    o.log(`          trying ${plan.count} of ${NETWORK_CANDIDATES.length} candidates (projected ${plan.seconds.toFixed(0)} s of the ${left} s left in the budget)`);
    // When even one candidate does not fit, cap its epochs so the run keeps to the budget
    // (deterministically: the cap comes from the same cost model).
    const epochCap = plan.seconds > left ? Math.max(2, Math.floor((TYPICAL_EPOCHS * left) / plan.seconds)) : Infinity;
    const capped = (p: NetParams): NetParams => (p.maxEpochs > epochCap ? { ...p, maxEpochs: epochCap } : p);
    if (Number.isFinite(epochCap)) o.log(`          the budget allows about ${epochCap} epochs per network on data this size (--budget raises it)`);
    const tried: { p: NetParams; r: FitResult }[] = [];
    for (let c = 0; c < plan.count; c += pool.size) {
      const rs = performance.now();
      const batch = NETWORK_CANDIDATES.slice(c, Math.min(plan.count, c + pool.size)).map(capped);
      const results = await Promise.all(batch.map((p, i) => task(firstFold, p, o.seed + 1000, `candidate ${c + i + 1} [${p.hidden.join('x')}]`)));
      batch.forEach((p, i) => {
        tried.push({ p, r: results[i] });
        search.push({ candidate: p, heldOutLogLoss: results[i].valLoss, seconds: since(rs) });
      });
    }
    tried.sort((a, b) => a.r.valLoss - b.r.valLoss);
    chosen = tried[0].p;
    o.log(`          chose [${chosen.hidden.join('x')}] lr ${chosen.learningRate} (held-out log loss ${tried[0].r.valLoss.toFixed(5)} of ${tried.length} tried)`);
    if (folds.length > 1) {
      const rest = await Promise.all(folds.slice(1).map((fold, i) => task(fold, chosen, o.seed + 1000 * (i + 2), `fold ${i + 2}/${folds.length}`)));
      members = [tried[0].r, ...rest];
    } else {
      // One held-out set: average extra seeds instead of folds.
      const extra = await Promise.all(Array.from({ length: pool.size }, (_, i) => task(folds[0], chosen, o.seed + 7000 * (i + 1), `seed ${i + 2}`)));
      members = [tried[0].r, ...extra];
    }
  } finally {
    await pool.close();
  }
  const network = mergeMembers((ablations.has('single-network') ? members.slice(0, 1) : members).map((m) => m.weights));
  o.log(`          ${members.length} member network(s), held-out log loss ${members.map((m) => m.valLoss.toFixed(5)).join(', ')}`);
  seconds.network = since(t);

  t = performance.now();
  o.log('step 6/7  blending and calibrating on out-of-fold predictions');
  // Out-of-fold logits for every learn row (single held-out set: the validation rows only).
  const calRows = Int32Array.from(folds.flatMap((fd) => Array.from(fd.hold)));
  const pos = new Map<number, number>();
  calRows.forEach((r, i) => pos.set(r, i));
  const oofS = new Float32Array(calRows.length);
  const oofN = new Float32Array(calRows.length);
  folds.forEach((fold, k) => {
    const zs = scorecardLogits({ intercept: scFits[k].weights[0].bias[0], coef: Array.from(scFits[k].weights[0].kernel) }, enc.woe, f, fold.hold);
    fold.hold.forEach((r, i) => (oofS[pos.get(r)!] = zs[i]));
  });
  if (folds.length > 1) folds.forEach((fold, k) => fold.hold.forEach((r, i) => (oofN[pos.get(r)!] = members[k].holdoutLogits[i])));
  else {
    const zn = predictLogits(network, X, calRows);
    oofN.set(zn);
  }
  const yCal = Float32Array.from(calRows, (r) => ds.label[r]);
  let bestW = 0;
  let bestLoss = Infinity;
  const blendLog: { w: number; logLoss: number }[] = [];
  const steps = ablations.has('scorecard-only') ? [0] : ablations.has('network-only') ? [20] : Array.from({ length: 21 }, (_, i) => i);
  for (const step of steps) {
    const w = step / 20;
    const z = blend(oofS, oofN, w);
    const cal = fitPlatt(z, yCal);
    const loss = logloss(yCal, Float64Array.from(z, (v) => calibrate(cal, v)));
    blendLog.push({ w, logLoss: loss });
    if (loss < bestLoss - 1e-7) {
      bestLoss = loss;
      bestW = w;
    }
  }
  const oofPlatt = fitPlatt(blend(oofS, oofN, bestW), yCal);
  let calibration = oofPlatt;
  let averaging: { tau2: number; stretch: number } | null = null;
  if (folds.length > 1 && bestW > 0 && !ablations.has('single-network') && !ablations.has('no-averaging-correction')) {
    const tau2 = memberNoise(members, folds, X, calRows);
    const c = averagingCorrection(oofPlatt, blend(oofS, oofN, bestW), tau2, bestW, members.length);
    calibration = { method: 'platt', a: c.a, b: c.b };
    averaging = { tau2, stretch: c.stretch };
  }
  o.log(
    `          blend weight on the network ${bestW.toFixed(2)}; Platt a=${calibration.a.toFixed(4)} b=${calibration.b.toFixed(4)}` +
      (averaging ? ` (out-of-fold fit a=${oofPlatt.a.toFixed(4)}, stretched x${averaging.stretch.toFixed(4)} for the ${members.length}-network average; network disagreement variance ${averaging.tau2.toFixed(4)})` : ''),
  );
  const pdFor = (rows: Int32Array) => {
    const zs = scorecardLogits(scorecard, enc.woe, f, rows);
    const zn = bestW > 0 ? predictLogits(network, X, rows) : null;
    return Float64Array.from(zs, (v, i) => predictPd({ scorecard, blendWeight: bestW, calibration }, v, zn ? zn[i] : 0));
  };
  const oofPd = new Float64Array(learn.length);
  const oofAll = blend(oofS, oofN, bestW);
  learn.forEach((r, i) => {
    const p = pos.get(r);
    // Out-of-fold logits come from single networks: the unstretched map is the one that fits them.
    oofPd[i] = p === undefined ? NaN : calibrate(oofPlatt, oofAll[p]);
  });
  seconds.calibrate = since(t);

  return {
    cfg,
    ds,
    split,
    learn,
    states,
    scorecard,
    network: bestW > 0 ? network : null,
    networkMembers: members.length,
    blendWeight: bestW,
    calibration,
    pd: { oof: oofPd, learn: pdFor(learn), test: pdFor(split.test) },
    selection: { folds: folds.length, search, chosen, blend: blendLog, averaging, memberHeldOutLogLoss: members.map((m) => m.valLoss), scorecardParams: SCORECARD_PARAMS, binning: DEFAULT_BINNING },
    seconds,
  };
}

/**
 * How much the fold networks disagree with one another: the mean, over up to 4,000 learn rows, of
 * the variance of the logits of the networks that trained on the row (every network but the one
 * that held it out). Rows are taken at an even stride, so the estimate is deterministic.
 */
function memberNoise(members: readonly FitResult[], folds: readonly Fold[], X: Matrix, calRows: Int32Array): number {
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
