/**
 * npm run bench:score [-- --json] [--rows 1000000] [--threads N]
 *
 * Offline scoring at the machine's limit. Writes a generated portfolio of --rows borrowers to a
 * Parquet file, then measures, in one run:
 *   fileSeconds          npm run score's path, file to scores file (threads start and check the bundle, DuckDB
 *                        streams, every core scores, the CSV is written);
 *   inProcessRowsPerSec  PDs only, column batches already in memory, on the same thread pool;
 *   peerRowsPerSec       the reference a user would otherwise reach for: the same bundle's network through
 *                        tfjs `predict` on the same backend, in batches of 10,000, timing predict alone
 *                        (inputs encoded beforehand, the scorecard and calibration left out, which favours it).
 * `--json` prints { rows, fileSeconds, rowsPerSec, inProcessRowsPerSec, peerRowsPerSec, threads, backend, engine }.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DuckDBInstance } from '@duckdb/node-api';
import { intValue, parseCommand } from '../../src/cli/args.js';
import { loadConfig } from '../../src/config.js';
import { encodeRow, inputWidth } from '../../src/domain/encoding.js';
import { initBackend } from '../../src/model/backend.js';
import { readArtifacts } from '../../src/model/io.js';
import { readBundleJson } from '../../src/model/load.js';
import { championDir } from '../../src/model/registry.js';
import { scoreFile } from '../../src/model/score-file.js';
import type { ColumnBatch } from '../../src/model/score-batch.js';
import { ScorePool } from '../../src/model/score-pool.js';
import { realisticRows } from '../lib/realistic-rows.js';

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseCommand({
  name: 'bench:score',
  summary:
    'Offline scoring speed: a generated portfolio file to a scores file, the in-process rate on every core, and tfjs predict as the reference.',
  options: {
    json: { type: 'boolean', default: false, description: 'print one JSON object' },
    rows: { type: 'string', value: '<n>', default: '1000000', description: 'rows in the generated portfolio' },
    threads: { type: 'string', value: '<n>', description: 'scoring threads (default: one per core)' },
  },
});
const rows = intValue('rows', args.rows, { min: 10_000 });
const threads = args.threads === undefined ? availableParallelism() : intValue('threads', args.threads, { min: 1, max: 64 });
const say = (s: string) => {
  if (!args.json) console.error(s);
};
const config = loadConfig();
const dir = (await championDir(join(root, 'models')))!;
const bundle = await readBundleJson(dir);
const tmp = await mkdtemp(join(tmpdir(), 'arrears-bench-score-'));

try {
  // 20,000 distinct borrowers repeated to `rows`, each with its own id: DuckDB writes the file in a second or two.
  const distinct = realisticRows(bundle, 20_000);
  const names = bundle.features.map((f) => f.name);
  const csv = join(tmp, 'distinct.csv');
  const cell = (v: unknown) => (v === null ? '' : String(v));
  await writeFile(csv, `k,${names.join(',')}\n${distinct.map((r, k) => `${k},${names.map((n) => cell(r[n])).join(',')}`).join('\n')}\n`);
  const file = join(tmp, 'portfolio.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(
    `COPY (SELECT 'B' || lpad(CAST(i AS VARCHAR), 8, '0') AS id, d.* EXCLUDE (k) FROM range(${rows}) t(i) JOIN read_csv('${csv}', header = true) d ON d.k = i % 20000 ORDER BY i) TO '${file}' (FORMAT parquet)`,
  );
  con.closeSync();
  db.closeSync();
  say(`portfolio: ${rows} rows, ${names.length} features, model ${bundle.name}/${bundle.version}`);

  // 1. File to file.
  const summary = await scoreFile({ file, out: join(tmp, 'scores.csv'), bundleDir: dir, threads, backend: config.tfBackend });
  if (summary.scored !== rows) throw new Error(`scored ${summary.scored} of ${rows} rows (${summary.rejected} rejected)`);
  say(
    `file to file:  ${summary.seconds.toFixed(2)} s, ${Math.round(rows / summary.seconds)} rows/s (${summary.threads} threads, ${summary.engine})`,
  );

  // 2. In process: the same pool, batches already built.
  const pool = await ScorePool.start(dir, { threads, backend: config.tfBackend });
  const batchRows = 16_384;
  const template: ColumnBatch = {
    seq: 0,
    rows: batchRows,
    numeric: bundle.features
      .filter((f) => f.type === 'numeric')
      .map((f) => ({
        name: f.name,
        values: Float64Array.from({ length: batchRows }, (_, r) => (distinct[r % distinct.length][f.name] as number | null) ?? NaN),
      })),
    categorical: bundle.features
      .filter((f) => f.type === 'categorical')
      .map((f) => ({
        name: f.name,
        values: Array.from({ length: batchRows }, (_, r) => distinct[r % distinct.length][f.name] as string | null),
      })),
  };
  const copy = (seq: number): ColumnBatch => ({
    ...template,
    seq,
    numeric: template.numeric.map((c) => ({ name: c.name, values: c.values.slice() })),
  });
  const batches = Math.ceil(rows / batchRows);
  await Promise.all(Array.from({ length: threads * 2 }, (_, i) => pool.score(copy(i), false))); // warm-up
  const prepared = Array.from({ length: batches }, (_, i) => copy(i));
  const t0 = performance.now();
  await Promise.all(prepared.map((b) => pool.score(b, false)));
  const inProcessRowsPerSec = (batches * batchRows) / ((performance.now() - t0) / 1000);
  await pool.close();
  say(`in process:    ${Math.round(inProcessRowsPerSec)} rows/s (PDs only, ${threads} threads)`);

  // 3. Reference: tfjs predict on the same backend.
  const backend = await initBackend(config.tfBackend);
  let peerRowsPerSec = 0;
  if (bundle.model.network) {
    const model = await tf.loadLayersModel(tf.io.fromMemory(await readArtifacts(dir)));
    const width = inputWidth(bundle.preprocessing);
    const n = 10_000;
    const x = new Float32Array(n * width);
    const woe = new Float32Array(bundle.preprocessing.length);
    for (let r = 0; r < n; r++) encodeRow(bundle.preprocessing, distinct[r], x.subarray(r * width, (r + 1) * width), woe);
    const input = tf.tensor2d(x, [n, width]);
    tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync()); // warm-up
    const reps = Math.max(3, Math.round(rows / n / 10));
    const t1 = performance.now();
    for (let i = 0; i < reps; i++) tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync());
    peerRowsPerSec = (reps * n) / ((performance.now() - t1) / 1000);
    input.dispose();
    model.dispose();
    say(`tfjs predict:  ${Math.round(peerRowsPerSec)} rows/s (${backend}, batches of ${n}, network only, one thread)`);
  }
  const out = {
    rows,
    fileSeconds: Number(summary.seconds.toFixed(3)),
    rowsPerSec: Math.round(rows / summary.seconds),
    inProcessRowsPerSec: Math.round(inProcessRowsPerSec),
    peerRowsPerSec: Math.round(peerRowsPerSec),
    threads,
    backend,
    engine: summary.engine,
  };
  if (args.json) console.log(JSON.stringify(out));
} finally {
  await rm(tmp, { recursive: true, force: true });
}
