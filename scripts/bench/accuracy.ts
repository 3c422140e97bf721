/**
 * npm run bench:accuracy [-- --dataset sample|taiwan|gmsc] [--json] [--budget 2m] [--seed 42] [--splits N] [--ablate all|<name>]
 *                          [--datasets <dir>]
 *
 * Trains our pipeline and the gradient-boosted reference models (references.ts) on exactly
 * the same rows, scores exactly the same test rows, and prints the two side by side. The
 * references are fitted on train + validation rows: every row our pipeline learned from, early
 * stopping and calibration included. On the synthetic sample it also prints the oracle AUC (the
 * AUC of the generator's true PDs on the same test rows).
 *
 * --splits N repeats all of it on N different train/test splits (seeds seed, seed+1, ...; every
 * model, ours and the references, retrained on each) and then summarises: mean metrics, how many
 * splits met each bar, and the ECE of all N test sets' predictions pooled. One 20% test set is
 * small for ECE: its sampling noise alone is about the size of the 0.01 target (docs/benchmarks.md).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { auc, brier, ece, eceNoise, summarize } from '../../src/domain/metrics.js';
import { ABLATIONS, type Ablation } from '../../training/ablation.js';
import { initBackend } from '../../src/model/backend.js';
import { parseDuration } from '../../training/duration.js';
import { readDatasetConfig } from '../../training/config-file.js';
import { writeRowsCsv } from '../../training/export-split.js';
import { publish as writeBundle, trainPipeline } from '../../training/pipeline.js';
import { referencePredictions, referencesAvailable, runReferences, type RefResult } from './references.js';
import { bars, summariseSplits, type Reference, type Scored, type SplitResult } from './splits.js';
import { choiceValue, intValue, parseCommand, UsageError } from '../../src/cli/args.js';

const root = resolve(import.meta.dirname, '../..');
const DATASET_NAMES = ['sample', 'taiwan', 'gmsc'] as const;

/** The calibration target: ECE at most 0.01. */
const ECE_TARGET = 0.01;

const { values: args } = parseCommand({
  name: 'bench:accuracy',
  summary: 'Trains our pipeline and the gradient-boosted reference models on the same rows and prints their test metrics side by side.',
  options: {
    dataset: {
      type: 'string',
      value: '<name>',
      multiple: true,
      description: `${DATASET_NAMES.join(', ')}; repeat for several (default: all)`,
    },
    json: { type: 'boolean', default: false, description: 'one JSON object per data set and split on stdout' },
    budget: { type: 'string', value: '<time>', default: '2m', description: "our pipeline's training budget, e.g. 90s, 2m" },
    seed: { type: 'string', value: '<n>', default: '42', description: 'the split (and training) seed; with --splits, the first' },
    splits: {
      type: 'string',
      value: '<n>',
      default: '1',
      description: 'repeat on n train/test splits (seeds seed..seed+n-1), then summarise',
    },
    ablate: {
      type: 'string',
      value: '<name>',
      multiple: true,
      description: `switch one part off (repeat, or all): ${Object.keys(ABLATIONS).join(', ')}`,
    },
    datasets: {
      type: 'string',
      value: '<dir>',
      default: resolve(root, '../shared/datasets'),
      description: 'folder with taiwan/UCI_Credit_Card.csv and gmsc/cs-training.csv',
    },
  },
});
const shared = resolve(args.datasets);
const DATASETS: Record<string, { config: string; data?: string; needs?: string }> = {
  sample: { config: join(root, 'data/configs/sample.json') },
  taiwan: {
    config: join(root, 'data/configs/taiwan.json'),
    data: join(shared, 'taiwan'),
    needs: join(shared, 'taiwan/UCI_Credit_Card.csv'),
  },
  gmsc: { config: join(root, 'data/configs/gmsc.json'), data: join(shared, 'gmsc'), needs: join(shared, 'gmsc/cs-training.csv') },
};
const names = args.dataset?.length ? args.dataset.map((n) => choiceValue('dataset', n, DATASET_NAMES)) : [...DATASET_NAMES];
const say = (m: string) => (args.json ? process.stderr.write(`${m}\n`) : console.log(m));
const seed = intValue('seed', args.seed);
const splits = intValue('splits', args.splits, { min: 1, max: 100 });
const ablate: Ablation[] = (args.ablate ?? []).flatMap((a) =>
  a === 'all' ? (Object.keys(ABLATIONS) as Ablation[]) : [choiceValue('ablate', a, Object.keys(ABLATIONS) as Ablation[])],
);
if (ablate.length && splits > 1) throw new UsageError('--ablate runs on one split (--seed); it cannot be combined with --splits');
try {
  parseDuration(args.budget);
} catch (e) {
  throw new UsageError((e as Error).message);
}
const backend = await initBackend('auto');
const refsMissing = await referencesAvailable();
if (refsMissing) say(`references skipped: ${refsMissing}`);

type Cfg = Awaited<ReturnType<typeof readDatasetConfig>>['cfg'];

/** Trains our pipeline on one data set with the bench's budget; the seed picks the split too. */
function train(cfg: Cfg, d: (typeof DATASETS)[string], ablations: Ablation[], log: (m: string) => void, runSeed = seed) {
  return trainPipeline(cfg, {
    configPath: d.config,
    dataDir: d.data,
    seed: runSeed,
    backend: 'auto',
    budgetSeconds: parseDuration(args.budget),
    ablations: new Set(ablations),
    log,
  });
}

/** Ablation table: the full pipeline, then each part switched off, on the same rows and seed. */
async function runAblations(name: string, d: (typeof DATASETS)[string]): Promise<void> {
  const { cfg } = await readDatasetConfig(d.config);
  const rows: { variant: string; auc: number; brier: number; ece: number; seconds: number }[] = [];
  for (const variant of ['full', ...ablate] as const) {
    const t0 = performance.now();
    const trained = await train(cfg, d, variant === 'full' ? [] : [variant], () => {});
    const m = summarize(
      Uint8Array.from(trained.split.test, (i) => trained.ds.label[i]),
      trained.pd.test,
    );
    rows.push({ variant, auc: m.auc, brier: m.brier, ece: m.ece, seconds: (performance.now() - t0) / 1000 });
    say(`${name} ${variant}: AUC ${m.auc.toFixed(4)} Brier ${m.brier.toFixed(5)} ECE ${m.ece.toFixed(4)}`);
  }
  if (args.json) for (const r of rows) console.log(JSON.stringify({ dataset: name, ...r }));
  else {
    const full = rows[0];
    console.log(`\n${name} ablation (seed ${seed}): change when one part is switched off`);
    console.log('variant          AUC     ΔAUC     Brier    ΔBrier    ECE     seconds');
    for (const r of rows)
      console.log(
        `${r.variant.padEnd(16)} ${r.auc.toFixed(4)}  ${(r.auc - full.auc >= 0 ? '+' : '') + (r.auc - full.auc).toFixed(4)}  ${r.brier.toFixed(5)}  ${(r.brier - full.brier >= 0 ? '+' : '') + (r.brier - full.brier).toFixed(5)}  ${r.ece.toFixed(4)}  ${r.seconds.toFixed(1).padStart(6)}`,
      );
  }
}

const f4 = (v: number | undefined) => (v === undefined ? '   -  ' : v.toFixed(4));
const signed = (v: number, digits: number) => (v >= 0 ? '+' : '') + v.toFixed(digits);
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** Trains ours and the references on one split (the seed picks it) and prints the side-by-side table. */
async function runSplit(name: string, d: (typeof DATASETS)[string], cfg: Cfg, text: string, runSeed: number): Promise<SplitResult> {
  say(`\n== ${name}${splits > 1 ? ` (seed ${runSeed})` : ''} ==`);
  const t0 = performance.now();
  const trained = await train(
    cfg,
    d,
    [],
    (m) => {
      if (!m.includes(' epoch ')) say(m);
    },
    runSeed,
  );
  const trainSeconds = (performance.now() - t0) / 1000;
  const y = Uint8Array.from(trained.split.test, (i) => trained.ds.label[i]);
  const work = await mkdtemp(join(tmpdir(), `arrears-bench-${name}-`));
  try {
    const { bundle } = await writeBundle(trained, {
      modelsDir: join(work, 'models'),
      promote: true,
      seed: runSeed,
      backend,
      totalSeconds: trainSeconds,
      configText: text,
    });
    const m = bundle.metrics.test;
    // What perfectly calibrated PDs would score on these rows: the ECE target's resolution.
    const noise = eceNoise(trained.pd.test, ECE_TARGET);
    const ours = {
      auc: m.auc,
      ks: m.ks,
      brier: m.brier,
      ece: m.ece,
      eceFloor: noise.mean,
      eceFloorP90: noise.p90,
      eceCalibratedShareMeetingTarget: noise.shareAtMost,
      logloss: m.logloss,
      trainSeconds: Number(trainSeconds.toFixed(1)),
    };
    const oracleAuc = trained.ds.truth
      ? auc(
          y,
          Array.from(trained.split.test, (i) => trained.ds.truth![i]),
        )
      : undefined;
    const references: Record<string, Reference> = {};
    const referencePd: Record<string, Float64Array> = {};
    if (!refsMissing) {
      const trainCsv = join(work, 'train.csv');
      const testCsv = join(work, 'test.csv');
      await writeRowsCsv(trainCsv, cfg, trained.ds, [...trained.split.train, ...trained.split.validation], '__label');
      await writeRowsCsv(testCsv, cfg, trained.ds, trained.split.test, '__label');
      say('running the reference models on the same rows ...');
      const categorical = cfg.features.filter((f) => f.type === 'categorical').map((f) => f.name);
      const refs: Record<string, RefResult> = await runReferences(trainCsv, testCsv, '__label', categorical);
      // Their ECE, computed by our own ece() on their test-row PDs, on the same deciles as ours.
      const preds = await referencePredictions(trainCsv, testCsv, '__label', categorical);
      for (const [k, r] of Object.entries(refs)) {
        references[k] = { auc: r.auc, ks: r.ks, brier: r.brier, fitSeconds: r.fit_seconds };
        const p = preds[k];
        if (!p || p.length !== y.length) {
          say(`reference ${k}: expected ${y.length} test PDs from the refit, got ${p?.length ?? 'none'}; its ECE is left out`);
          continue;
        }
        // The refit must be the model the anchor measured, or its ECE would describe another model:
        // the same AUC (its ranking) and the same Brier (its probabilities, which ECE is about).
        const refitAuc = auc(y, p);
        const refitBrier = brier(y, p);
        if (Math.abs(refitAuc - r.auc) > 1e-6 || Math.abs(refitBrier - r.brier) > 1e-9) {
          say(
            `reference ${k}: the refit (AUC ${refitAuc.toFixed(6)}, Brier ${refitBrier.toFixed(9)}) differs from the anchor's (${r.auc.toFixed(6)}, ${r.brier.toFixed(9)}); its ECE is left out`,
          );
          continue;
        }
        references[k].ece = ece(y, p);
        referencePd[k] = Float64Array.from(p);
      }
    }
    const result: SplitResult = { seed: runSeed, y, ours, oursPd: trained.pd.test, references, referencePd, oracleAuc };
    if (args.json) {
      console.log(
        JSON.stringify({
          dataset: name,
          seed: runSeed,
          backend,
          testRows: m.rows,
          ours,
          references,
          ...(oracleAuc !== undefined ? { oracleAuc } : {}),
        }),
      );
      return result;
    }
    const rows: [string, Scored, number][] = [
      ['arrears (ours)', ours, ours.trainSeconds],
      ...Object.entries(references).map(([k, r]) => [k, r, r.fitSeconds] as [string, Scored, number]),
    ];
    console.log(`\n${name}: ${m.rows} test rows${splits > 1 ? ` (seed ${runSeed})` : ''}, tfjs backend ${backend}`);
    console.log('model            AUC     KS      Brier   ECE     seconds');
    for (const [label, r, s] of rows)
      console.log(`${label.padEnd(16)} ${f4(r.auc)}  ${f4(r.ks)}  ${f4(r.brier)}  ${f4(r.ece)}  ${s.toFixed(1).padStart(6)}`);
    const best = Object.entries(references).sort((a, b) => b[1].auc - a[1].auc)[0];
    if (best)
      console.log(
        `AUC vs best reference (${best[0]}): ${signed(ours.auc - best[1].auc, 4)}; Brier ${signed(ours.brier - best[1].brier, 5)}`,
      );
    console.log(
      `ECE ${ours.ece.toFixed(4)}; perfectly calibrated PDs would show ${ours.eceFloor.toFixed(4)} on average on these ${m.rows} rows (sampling noise; 90% of draws <= ${ours.eceFloorP90.toFixed(4)}, ${Math.round(ours.eceCalibratedShareMeetingTarget * 100)}% <= ${ECE_TARGET})`,
    );
    const b = bars(result, ECE_TARGET);
    if (b)
      console.log(
        `bar: AUC >= best AUC - 0.002 ${met(b.auc)}; Brier <= best Brier + 0.001 ${met(b.brier)}; ECE <= ${ECE_TARGET} ${met(b.ece)}`,
      );
    if (oracleAuc !== undefined)
      console.log(
        `oracle AUC (true PD, same test rows) ${oracleAuc.toFixed(4)}; ours / oracle = ${(ours.auc / oracleAuc).toFixed(4)}; ECE ${ours.ece.toFixed(4)}`,
      );
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Prints the repeated hold-out summary of {@link summariseSplits}. */
function summarise(name: string, results: SplitResult[]): void {
  const { seeds, testRows, models: rows, pooledEceFloor, pooledEceFloorP90, barsMet } = summariseSplits(results, ECE_TARGET);
  if (args.json) {
    console.log(JSON.stringify({ dataset: name, summary: { seeds, testRows, models: rows, pooledEceFloor, pooledEceFloorP90, barsMet } }));
    return;
  }
  console.log(
    `\n${name} over ${results.length} splits (seeds ${seeds.join(', ')}): ${testRows} test predictions in all, each from models that never saw the row`,
  );
  console.log('model            mean AUC  mean Brier  mean ECE  pooled ECE');
  for (const r of rows)
    console.log(
      `${(r.model === 'ours' ? 'arrears (ours)' : r.model).padEnd(16)} ${r.meanAuc.toFixed(4)}    ${r.meanBrier.toFixed(5)}     ${f4(r.meanEce)}    ${f4(r.pooledEce)}${r.splits < results.length ? `   (ran on ${r.splits} of ${results.length} splits)` : ''}`,
    );
  if (barsMet)
    console.log(
      `bars met on: AUC ${barsMet.auc} of ${barsMet.splits} splits; Brier ${barsMet.brier} of ${barsMet.splits}; ECE <= ${ECE_TARGET} ${barsMet.ece} of ${barsMet.splits}`,
    );
  // Against the pooled floor, not the 0.01 target: pooling makes the noise small, so what is left
  // above the floor is miscalibration the splits' models share (errors in opposite directions
  // cancel when pooled, so this is a lower bound on a typical split's own).
  console.log(
    `pooled ECE ${rows[0].pooledEce!.toFixed(4)}; perfectly calibrated PDs would show ${pooledEceFloor.toFixed(4)} on average on these ${testRows} rows (90% of draws <= ${pooledEceFloorP90.toFixed(4)})`,
  );
}

for (const name of names) {
  const d = DATASETS[name];
  if (d.needs && !existsSync(d.needs)) {
    say(`${name}: skipped, ${d.needs} not found (point --datasets at the folder that holds it)`);
    continue;
  }
  if (ablate.length) {
    await runAblations(name, d);
    continue;
  }
  const { cfg, text } = await readDatasetConfig(d.config);
  const results: SplitResult[] = [];
  for (let i = 0; i < splits; i++) results.push(await runSplit(name, d, cfg, text, seed + i));
  if (splits > 1) summarise(name, results);
}
