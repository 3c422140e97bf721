/**
 * npm run bench:memory [-- --dir data/generated] [--budget 2m]
 *
 * Trains on a large synthetic book (1,000,000 accounts: `npm run data:generate -- --accounts
 * 1000000 --format parquet`) with the sample's dataset config, and reports the process's peak
 * resident memory (worker threads included) beside the size of the raw training matrix.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { summarize } from '../../src/domain/metrics.js';
import { initBackend } from '../../src/model/backend.js';
import { readDatasetConfig } from '../../training/config-file.js';
import { parseDuration } from '../../training/duration.js';
import { trainPipeline } from '../../training/pipeline.js';
import { parseCommand, UsageError, UserError } from '../../src/cli/args.js';

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseCommand({
  name: 'bench:memory',
  summary: "Trains with the sample's dataset config on a large generated book and reports the peak resident memory.",
  options: {
    dir: {
      type: 'string',
      value: '<dir>',
      default: join(root, 'data/generated'),
      description: 'the generated Parquet book (npm run data:generate -- --accounts 1000000 --format parquet)',
    },
    budget: { type: 'string', value: '<time>', default: '2m', description: 'training budget, e.g. 90s, 2m' },
    json: { type: 'boolean', default: false, description: 'print one JSON object' },
  },
});
let budgetSeconds: number;
try {
  budgetSeconds = parseDuration(args.budget);
} catch (e) {
  throw new UsageError((e as Error).message);
}
const dir = resolve(args.dir);
if (!existsSync(join(dir, 'loans.parquet')))
  throw new UserError(
    `no Parquet loan book in ${dir}; make one first: npm run data:generate -- --accounts 1000000 --format parquet --out ${dir}`,
  );
// The sample's config, pointed at the big book.
const sample = await readFile(join(root, 'data/configs/sample.json'), 'utf8');
const work = await mkdtemp(join(tmpdir(), 'arrears-mem-'));
const cfgPath = join(work, 'big.json');
await writeFile(cfgPath, sample.replaceAll('../sample/', `${dir}/`));
const { cfg } = await readDatasetConfig(cfgPath);

let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
const backend = await initBackend('auto');
const t0 = performance.now();
try {
  const t = await trainPipeline(cfg, {
    configPath: cfgPath,
    seed: 42,
    backend: 'auto',
    budgetSeconds,
    log: (m) => {
      if (!m.includes(' epoch ')) process.stderr.write(`${m}\n`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const m = summarize(
    Uint8Array.from(t.split.test, (i) => t.ds.label[i]),
    t.pd.test,
  );
  const rows = t.ds.ids.length;
  const result = { rows, peakRssGiB: peak / 2 ** 30, limitGiB: 4, seconds, backend, testAuc: m.auc };
  if (args.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `\n${rows.toLocaleString('en-US')} accounts trained in ${seconds.toFixed(0)} s (tfjs ${backend}); test AUC ${m.auc.toFixed(4)}`,
    );
    console.log(`peak resident memory ${result.peakRssGiB.toFixed(2)} GiB (limit 4 GiB)`);
  }
} finally {
  clearInterval(timer);
  await rm(work, { recursive: true, force: true });
}
