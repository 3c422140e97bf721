/**
 * npm run train -- --config <dataset config> [--data <dir>] [--out <models dir>] [--seed N]
 *                  [--budget 2m] [--promote] [--backend auto] [--quiet]
 */
import { relative } from 'node:path';
import { initBackend } from '../src/model/backend.js';
import { choiceValue, defineCommand, exitWithError, intValue, parseCommand, UsageError } from '../src/cli/args.js';
import { readDatasetConfig } from './config-file.js';
import { parseDuration } from './duration.js';
import { publish, trainPipeline } from './pipeline.js';

const COMMAND = defineCommand({
  name: 'train',
  summary: 'Trains a calibrated PD model bundle on a dataset config and writes it, with its evaluation report, to the models folder.',
  options: {
    config: { type: 'string', value: '<file>', required: true, description: 'dataset config (docs/dataset-config.md)' },
    data: {
      type: 'string',
      value: '<dir>',
      description: "folder that relative table paths resolve against (default: the config's folder)",
    },
    out: { type: 'string', value: '<dir>', default: 'models', description: 'models folder; the bundle goes to <dir>/<name>/<version>' },
    seed: { type: 'string', value: '<n>', default: '42', description: 'random seed; same data and seed give the same metrics' },
    budget: {
      type: 'string',
      value: '<time>',
      default: '2m',
      description: 'time budget, e.g. 90s, 2m; decides how much network search is done',
    },
    promote: { type: 'boolean', default: false, description: 'make the new bundle champion (the first bundle always is)' },
    backend: { type: 'string', value: '<name>', default: 'auto', description: 'tfjs backend: auto, wasm, cpu or tensorflow' },
    quiet: { type: 'boolean', default: false, description: 'no per-epoch lines' },
  },
  notes: 'example:\n  npm run train -- --config data/configs/sample.json',
  userErrors: ['ConfigFileError', 'DataError', 'BundleError'],
});

async function main(): Promise<number> {
  const { values: args } = parseCommand(COMMAND);
  const seed = intValue('seed', args.seed, { min: 0 });
  choiceValue('backend', args.backend, ['auto', 'wasm', 'cpu', 'tensorflow']);
  let budgetSeconds: number;
  try {
    budgetSeconds = parseDuration(args.budget);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const t0 = performance.now();
  const { cfg, text } = await readDatasetConfig(args.config);
  const backend = await initBackend(args.backend as 'auto');
  const log = (m: string) => {
    if (!(args.quiet && m.includes(' epoch '))) console.log(m);
  };
  log(`arrears train: ${cfg.name} (config ${args.config}, seed ${seed}, budget ${budgetSeconds}s, tfjs backend ${backend})`);
  const trained = await trainPipeline(cfg, {
    configPath: args.config,
    dataDir: args.data,
    seed,
    budgetSeconds,
    backend: args.backend as 'auto',
    log,
  });
  const totalSeconds = (performance.now() - t0) / 1000;
  const { dir, bundle, ref } = await publish(trained, {
    modelsDir: args.out!,
    promote: args.promote!,
    seed,
    backend,
    totalSeconds,
    configText: text,
    log,
  });
  const m = bundle.metrics.test;
  console.log(
    `\ntest  AUC ${m.auc.toFixed(4)}  Gini ${m.gini.toFixed(4)}  KS ${m.ks.toFixed(4)}  Brier ${m.brier.toFixed(5)}  log loss ${m.logloss.toFixed(5)}  ECE ${m.ece.toFixed(4)}  (${m.rows} rows)`,
  );
  console.log(`bundle   ${ref} -> ${relative(process.cwd(), dir) || dir}`);
  console.log(`report   ${relative(process.cwd(), `${dir}/report.html`)}`);
  console.log(`time     ${totalSeconds.toFixed(1)} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => exitWithError(COMMAND, e),
);
