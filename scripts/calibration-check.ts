/**
 * npm run calibration -- <bundle dir | test-predictions.csv>
 *
 * A closer look at a trained bundle's calibration on its own test rows (test-predictions.csv):
 * ECE and the decile table, how much ECE perfectly calibrated PDs would show on the same rows
 * (200 seeded draws), and, as a DIAGNOSIS ONLY, a Platt refit on those same test rows: its slope
 * says whether the model is over-confident (< 1) or under-confident (> 1), and the ECE after it
 * bounds what any recalibration could buy on this test set. Never use the refit in a model: it is
 * fitted on the rows the model is judged on.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { calibrationTable, ece, eceNoise } from '../src/domain/metrics.js';
import { logit, sigmoid } from '../src/domain/scoring.js';
import { fitPlatt } from '../training/calibrate.js';
import { parseCommand, UserError } from '../src/cli/args.js';

const { positionals } = parseCommand({
  name: 'calibration',
  summary:
    "A closer look at a trained bundle's calibration on its own test rows (test-predictions.csv): ECE, the decile table, the ECE perfectly calibrated PDs would show on the same rows, and a diagnostic Platt refit.",
  options: {},
  positionals: [
    {
      name: '<bundle dir | test-predictions.csv>',
      description: 'a bundle folder, or a CSV with columns label (0/1) and pd',
      required: true,
    },
  ],
});

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Reads the label and pd columns with DuckDB (quoted fields, CRLF, any column order). */
async function readPredictions(arg: string): Promise<{ label: Uint8Array; pd: Float64Array; path: string }> {
  const path = (await stat(arg).catch(() => null))?.isDirectory() ? join(arg, 'test-predictions.csv') : arg;
  const found = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (found instanceof Error) throw new UserError(`${path}: ${found.code === 'ENOENT' ? 'not found' : found.message}`);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    // All text: a bad cell is reported with its row below, not turned into a NULL or a sniffed type.
    const source = `read_csv(${lit(path)}, header = true, all_varchar = true)`;
    let head: string[];
    try {
      head = ((await (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS()) as { column_name: string }[]).map(
        (r) => r.column_name,
      );
    } catch (e) {
      throw new UserError(`${path}: not a readable CSV file (${(e as Error).message.split('\n')[0]})`);
    }
    if (!head.includes('label') || !head.includes('pd'))
      throw new UserError(`${path}: expected columns label and pd, found ${head.join(', ')}`);
    const rows = (await (await con.runAndReadAll(`SELECT label, pd FROM ${source}`)).getRowsJS()) as [string | null, string | null][];
    if (rows.length === 0) throw new UserError(`${path}: no rows`);
    const label = new Uint8Array(rows.length);
    const pd = new Float64Array(rows.length);
    rows.forEach(([l, p], r) => {
      const y = l === null ? NaN : Number(l);
      const q = p === null || p.trim() === '' ? NaN : Number(p);
      if ((y !== 0 && y !== 1) || !(q >= 0 && q <= 1))
        throw new UserError(`${path}: row ${r + 1}: label must be 0/1 and pd in [0, 1], got ${l}, ${p}`);
      label[r] = y;
      pd[r] = q;
    });
    return { label, pd, path };
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

const { label, pd, path } = await readPredictions(positionals[0]);
const f4 = (x: number) => x.toFixed(4);
const noise = eceNoise(pd, 0.01);
console.log(`${path}: ${pd.length} test rows`);
console.log(
  `ECE ${f4(ece(label, pd))}; perfectly calibrated PDs on these rows: mean ${f4(noise.mean)}, 90th percentile ${f4(noise.p90)}, ${Math.round(noise.shareAtMost * 100)}% <= 0.01`,
);
console.log('\ndecile  rows   mean PD  observed');
for (const r of calibrationTable(label, pd))
  console.log(`${String(r.bin).padStart(6)} ${String(r.rows).padStart(5)}   ${f4(r.meanPd)}    ${f4(r.observed)}`);
const z = Float64Array.from(pd, logit);
const refit = fitPlatt(z, label);
const after = Float64Array.from(z, (v) => sigmoid(refit.a * v + refit.b));
console.log(
  `\ndiagnosis only (fitted on these test rows, never for use): Platt refit slope ${f4(refit.a)}, intercept ${f4(refit.b)}; ECE after it ${f4(ece(label, after))}`,
);
if (Math.abs(refit.a - 1) < 0.005) console.log('slope about 1: neither over- nor under-confident');
else
  console.log(
    refit.a > 1 ? 'slope > 1: the PDs are under-confident (too close to the mean)' : 'slope < 1: the PDs are over-confident (too extreme)',
  );
