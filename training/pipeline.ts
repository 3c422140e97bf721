/**
 * The training pipeline as named steps, one file each:
 *   read -> split -> preprocess -> scorecard -> search -> networks -> blend and calibrate -> evaluate
 * (`trainPipeline`), then write -> register (`publish`). Test rows are used only by the evaluation;
 * every choice before it is made on held-out learn rows.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Calibration } from '../src/domain/bundle.js';
import type { DatasetConfig } from '../src/domain/dataset-config.js';
import type { FeatureState } from '../src/domain/encoding.js';
import type { BackendPreference } from '../src/model/backend.js';
import type { Ablation } from './ablation.js';
import { blendAndCalibrate } from './blend-and-calibrate.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { FoldPool } from './fold-pool.js';
import { fitNetworks, type Networks } from './networks.js';
import { preprocess } from './preprocess.js';
import { loadDataset, type Dataset } from './read.js';
import { register } from './register.js';
import { fitScorecard, scorecardParams } from './scorecard.js';
import { searchNetworks, type SearchResult } from './search.js';
import { splitForTraining, type Split } from './split.js';
import { writeBundle, type WriteOptions, type Written } from './write.js';

type Log = (msg: string) => void;

export interface TrainOptions {
  configPath: string;
  dataDir?: string;
  seed: number;
  /** Time budget for the whole run, in seconds: it decides how much network search is done. */
  budgetSeconds: number;
  backend: BackendPreference;
  log: Log;
  /** Cross-fitting folds for random splits. */
  folds?: number;
  /** Parts to switch off, for measuring what each is worth (bench:accuracy --ablate). */
  ablations?: ReadonlySet<Ablation>;
}

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
  calibration: Calibration;
  /** Calibrated PDs: out-of-fold and in-sample for `learn` rows, and for `split.test` rows. */
  pd: { oof: Float64Array; learn: Float64Array; test: Float64Array };
  evaluation: Evaluation;
  selection: Record<string, unknown>;
  seconds: Record<string, number>;
}

const STEPS = [
  'read',
  'split',
  'preprocess',
  'scorecard',
  'search',
  'networks',
  'blend-and-calibrate',
  'evaluate',
  'write',
  'register',
] as const;
type Step = (typeof STEPS)[number];

/** Runs one step: announces it, hands it a log for its detail lines, and records its seconds. */
async function step<T>(name: Step, what: string, log: Log, seconds: Record<string, number>, run: (log: Log) => T | Promise<T>): Promise<T> {
  log(`step ${STEPS.indexOf(name) + 1}/${STEPS.length}  ${what}`);
  const t = performance.now();
  const out = await run((m) => log(`          ${m}`));
  seconds[name] = (performance.now() - t) / 1000;
  return out;
}

/** Fits and evaluates a model on the data the config describes: every step but write and register. */
export async function trainPipeline(cfg: DatasetConfig, o: TrainOptions): Promise<Trained> {
  const seconds: Record<string, number> = {};
  const run = <T>(name: Step, what: string, fn: (log: Log) => T | Promise<T>) => step(name, what, o.log, seconds, fn);
  const ablations = o.ablations ?? new Set<Ablation>();
  const hp = cfg.training;

  const ds = await run('read', 'reading data', (log) => loadDataset(cfg, { configPath: o.configPath, dataDir: o.dataDir, log }));
  const { split, learn, folds } = await run('split', 'splitting', (log) => {
    const s = splitForTraining(cfg, ds, o.seed, o.folds ?? 5);
    log(
      `train ${s.split.train.length}, validation ${s.split.validation.length}, test ${s.split.test.length} (${cfg.split.method}); ${s.folds.length > 1 ? `${s.folds.length}-fold cross-fitting over train + validation` : 'validation held out'}`,
    );
    return s;
  });
  const inputs = await run('preprocess', 'fitting preprocessing on the learn rows', (log) =>
    preprocess(cfg.features, ds, learn, hp.binning, ablations, log),
  );
  const scorecard = await run('scorecard', 'scorecard: logistic regression on WoE, per fold', (log) =>
    fitScorecard(inputs.woe, folds, scorecardParams(hp.scorecard), o.seed, log),
  );
  const pool = new FoldPool();
  let search: SearchResult;
  let networks: Networks;
  try {
    const fit = pool.fitter(o.backend, inputs.network, (m) => o.log(`          ${m}`));
    search = await run('search', 'network search on the first fold', (log) =>
      searchNetworks(hp.network.candidates, folds, inputs.network.width, fit, pool.size, {
        budgetSeconds: o.budgetSeconds,
        seed: o.seed,
        firstOnly: ablations.has('no-search'),
        log,
      }),
    );
    networks = await run('networks', 'networks: the chosen candidate on every fold', (log) =>
      fitNetworks(search, folds, fit, pool.size, { seed: o.seed, singleNetwork: ablations.has('single-network'), log }),
    );
  } finally {
    await pool.close();
  }
  const blended = await run('blend-and-calibrate', 'blending and calibrating on out-of-fold predictions', (log) =>
    blendAndCalibrate(
      { network: inputs.network, woe: inputs.woe, label: ds.label, folds, learn, test: split.test },
      scorecard,
      networks,
      ablations,
      log,
    ),
  );
  const fitted = { cfg, ds, split, learn, states: inputs.states, scorecard: scorecard.scorecard, pd: blended.pd };
  const evaluation = await run('evaluate', 'evaluating on the test rows', () => evaluate(fitted, hp.scaling));

  return {
    ...fitted,
    network: blended.blendWeight > 0 ? networks.network : null,
    networkMembers: networks.members.length,
    blendWeight: blended.blendWeight,
    calibration: blended.calibration,
    evaluation,
    selection: {
      folds: folds.length,
      search: search.tried,
      chosen: search.chosen,
      blend: blended.blendLog,
      averaging: blended.averaging,
      memberHeldOutLogLoss: networks.members.map((m) => m.valLoss),
    },
    seconds,
  };
}

export interface PublishOptions extends WriteOptions {
  /** Make the bundle champion (the first bundle in a models folder always is). */
  promote: boolean;
  log?: Log;
}

/** The last two steps: writes the trained model as a bundle and registers it in the models folder. */
export async function publish(t: Trained, o: PublishOptions): Promise<Written> {
  const log = o.log ?? (() => {});
  const seconds: Record<string, number> = {};
  const written = await step('write', 'writing the bundle', log, seconds, () => writeBundle(t, o));
  await step('register', `registering ${written.ref}`, log, seconds, () => register(o.modelsDir, written, o.promote));
  return written;
}
