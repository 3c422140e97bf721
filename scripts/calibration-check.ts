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
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { calibrationTable, ece, eceNoise } from '../src/domain/metrics.js';
import { logit, sigmoid } from '../src/domain/scoring.js';
import { fitPlatt } from '../training/calibrate.js';

async function readPredictions(arg: string): Promise<{ label: Uint8Array; pd: Float64Array; path: string }> {
  const path = (await stat(arg).catch(() => null))?.isDirectory() ? join(arg, 'test-predictions.csv') : arg;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  const lines = text.trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const [li, pi] = [head.indexOf('label'), head.indexOf('pd')];
  if (li < 0 || pi < 0) throw new Error(`${path}: expected columns label and pd, found ${head.join(', ')}`);
  const label = new Uint8Array(lines.length - 1);
  const pd = new Float64Array(lines.length - 1);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(',');
    const y = Number(cells[li]);
    const p = Number(cells[pi]);
    if ((y !== 0 && y !== 1) || !(p >= 0 && p <= 1)) throw new Error(`${path}:${r + 1}: label must be 0/1 and pd in [0, 1], got ${cells[li]}, ${cells[pi]}`);
    label[r - 1] = y;
    pd[r - 1] = p;
  }
  return { label, pd, path };
}

const arg = process.argv[2];
if (!arg || arg === '--help') {
  console.error('usage: npm run calibration -- <bundle dir | test-predictions.csv>');
  process.exit(arg ? 0 : 2);
}
try {
  const { label, pd, path } = await readPredictions(arg);
  const f4 = (x: number) => x.toFixed(4);
  const noise = eceNoise(pd, 0.01);
  console.log(`${path}: ${pd.length} test rows`);
  console.log(`ECE ${f4(ece(label, pd))}; perfectly calibrated PDs on these rows: mean ${f4(noise.mean)}, 90th percentile ${f4(noise.p90)}, ${Math.round(noise.shareAtMost * 100)}% <= 0.01`);
  console.log('\ndecile  rows   mean PD  observed');
  for (const r of calibrationTable(label, pd)) console.log(`${String(r.bin).padStart(6)} ${String(r.rows).padStart(5)}   ${f4(r.meanPd)}    ${f4(r.observed)}`);
  const z = Float64Array.from(pd, logit);
  const refit = fitPlatt(z, label);
  const after = Float64Array.from(z, (v) => sigmoid(refit.a * v + refit.b));
  console.log(`\ndiagnosis only (fitted on these test rows, never for use): Platt refit slope ${f4(refit.a)}, intercept ${f4(refit.b)}; ECE after it ${f4(ece(label, after))}`);
  if (Math.abs(refit.a - 1) < 0.005) console.log('slope about 1: neither over- nor under-confident');
  else console.log(refit.a > 1 ? 'slope > 1: the PDs are under-confident (too close to the mean)' : 'slope < 1: the PDs are over-confident (too extreme)');
} catch (e) {
  console.error(`calibration: ${(e as Error).message}`);
  process.exit(1);
}
