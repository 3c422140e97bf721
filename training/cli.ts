/**
 * npm run train -- --config <dataset config> [--data <dir>] [--out <models dir>] [--seed N]
 *                  [--budget 2m] [--promote]
 */
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { initBackend } from '../src/model/backend.js';
import { readDatasetConfig } from './config-file.js';
import { parseDuration } from './duration.js';
import { publish, trainPipeline } from './pipeline.js';

const USAGE = `usage: npm run train -- --config <dataset config.json> [options]

  --config <file>    dataset config (see README "Dataset config")
  --data <dir>       folder that relative table paths resolve against (default: the config's folder)
  --out <dir>        models folder; the bundle goes to <dir>/<name>/<version> (default: models)
  --seed <n>         random seed; same data and seed give the same metrics (default: 42)
  --budget <time>    wall-clock budget for the network search, e.g. 90s, 2m (default: 2m)
  --promote          make the new bundle champion (the first bundle always is)
  --backend <name>   auto | wasm | cpu | tensorflow (default: auto)
  --quiet            no per-epoch lines`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        data: { type: 'string' },
        out: { type: 'string', default: 'models' },
        seed: { type: 'string', default: '42' },
        budget: { type: 'string', default: '2m' },
        promote: { type: 'boolean', default: false },
        backend: { type: 'string', default: 'auto' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.config) {
    console.error(`--config is required\n\n${USAGE}`);
    return 2;
  }
  const seed = Number(args.seed);
  if (!Number.isInteger(seed) || seed < 0) {
    console.error(`--seed: "${args.seed}" is not a non-negative integer`);
    return 2;
  }
  if (!['auto', 'wasm', 'cpu', 'tensorflow'].includes(args.backend!)) {
    console.error(`--backend: "${args.backend}" is not one of auto, wasm, cpu, tensorflow`);
    return 2;
  }
  const budgetSeconds = parseDuration(args.budget!);
  const t0 = performance.now();
  const { cfg, text } = await readDatasetConfig(args.config);
  const backend = await initBackend(args.backend as 'auto');
  const log = (m: string) => {
    if (!(args.quiet && m.includes(' epoch '))) console.log(m);
  };
  log(`arrears train: ${cfg.name} (config ${args.config}, seed ${seed}, budget ${budgetSeconds}s, tfjs backend ${backend})`);
  const trained = await trainPipeline(cfg, { configPath: args.config, dataDir: args.data, seed, budgetSeconds, backend: args.backend as 'auto', log });
  const totalSeconds = (performance.now() - t0) / 1000;
  const { dir, bundle, ref } = await publish(trained, { modelsDir: args.out!, promote: args.promote!, seed, backend, totalSeconds, configText: text, log });
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
  (e: Error) => {
    // Known input problems print just their message; anything else is a bug and keeps its stack.
    const known = ['ConfigFileError', 'DataError', 'BundleError'].includes(e.name) || e.message.startsWith('--');
    console.error(known ? `error: ${e.message}` : e);
    process.exit(known ? 2 : 1);
  },
);
