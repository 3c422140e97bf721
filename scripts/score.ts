/**
 * npm run score -- --file portfolio.parquet --out scores.csv [--model VERSION] [--reasons] [--threads N]
 *
 * Scores a whole portfolio file offline: every row gets id, pd, score, tier (and reason codes with
 * --reasons), with the model's name and version. Rows that cannot be scored go, with their row
 * number and the reason, to <out>.rejected.csv; the summary counts both, so no row is lost silently.
 */
import { isAbsolute, join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { intValue, parseCommand, UserError } from '../src/cli/args.js';
import { bundleDir, championDir, readRegistry } from '../src/model/registry.js';
import { scoreFile } from '../src/model/score-file.js';

const { values: args } = parseCommand({
  name: 'score',
  summary:
    'Scores a portfolio file (CSV or Parquet) with a model bundle on every core and writes id, pd, score and tier per row (CSV or Parquet, by the extension); rows that cannot be scored go to <out>.rejected.csv.',
  options: {
    file: {
      type: 'string',
      value: '<portfolio.csv|.parquet>',
      required: true,
      description: 'one row per borrower: an id column and the model features',
    },
    out: { type: 'string', value: '<scores.csv|.parquet>', required: true, description: 'output file; the extension picks the format' },
    model: {
      type: 'string',
      value: '<version|name/version|dir>',
      description: 'the bundle to score with (default: the registry champion)',
    },
    id: { type: 'string', value: '<column>', description: 'the id column (default: id, account_id or accountId)' },
    reasons: { type: 'boolean', default: false, description: "add the reason codes, joined by '|' (slower: full scoring per row)" },
    threads: { type: 'string', value: '<n>', description: 'scoring threads (default: one per core)' },
    json: { type: 'boolean', default: false, description: 'print the summary as one JSON line' },
  },
  userErrors: ['ScoreFileError', 'BundleError'],
  notes: 'Numeric features may be empty (missing); a value that is not a number rejects its row, by name.',
});
const config = loadConfig();

async function resolveModel(ref: string | undefined): Promise<string> {
  if (!ref) {
    const dir = await championDir(config.modelsDir);
    if (!dir) throw new UserError(`${config.modelsDir}/registry.json names no champion: train one with npm run train, or pass --model`);
    return dir;
  }
  if (ref.includes('/') && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(ref)) return isAbsolute(ref) ? ref : join(process.cwd(), ref);
  const reg = await readRegistry(config.modelsDir);
  const hits = reg.bundles.filter((b) => b.ref === ref || b.version === ref);
  if (hits.length === 0) throw new UserError(`--model: no bundle "${ref}" in ${config.modelsDir}/registry.json`);
  if (hits.length > 1)
    throw new UserError(`--model: "${ref}" names ${hits.length} bundles (${hits.map((h) => h.ref).join(', ')}); use name/version`);
  return bundleDir(config.modelsDir, hits[0].ref);
}

const dir = await resolveModel(args.model);
const threads = args.threads === undefined ? undefined : intValue('threads', args.threads, { min: 1, max: 64 });
const tty = process.stderr.isTTY && !args.json;
const bar = new SingleBar(
  { format: 'score [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left', hideCursor: true },
  Presets.shades_classic,
);
let lastLine = 0;
const summary = await scoreFile({
  file: args.file,
  out: args.out,
  bundleDir: dir,
  idColumn: args.id,
  reasons: args.reasons,
  threads,
  backend: config.tfBackend,
  onStart: (i) => {
    if (!args.json)
      console.error(`scoring ${i.rows} rows with ${i.model} on ${i.threads} thread(s), backend ${i.backend}, engine ${i.engine}`);
    if (tty) bar.start(i.rows, 0);
  },
  onProgress: (done) => {
    if (tty) bar.update(done);
    else if (!args.json && performance.now() - lastLine > 5_000) {
      lastLine = performance.now();
      console.error(`score: ${done} rows read`);
    }
  },
});
if (tty) bar.stop();
if (args.json) console.log(JSON.stringify(summary));
else {
  console.log(
    `scored ${summary.scored} of ${summary.rows} rows in ${summary.seconds.toFixed(1)} s with ${summary.model.name}/${summary.model.version} -> ${summary.out}`,
  );
  if (summary.rejected) console.log(`rejected ${summary.rejected} rows, each with its row number and reason -> ${summary.rejectedFile}`);
}
