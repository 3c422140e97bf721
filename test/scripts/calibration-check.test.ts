import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ece } from '../../src/domain/metrics.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const calibration = (...argv: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'calibration-check.ts'), ...argv], { cwd: root });

describe('npm run calibration', () => {
  it("reports a bundle's test ECE as the bundle recorded it, its noise floor and the diagnostic refit", async () => {
    const registry = JSON.parse(await readFile(join(root, 'models', 'registry.json'), 'utf8'));
    const ref: string = registry.champion;
    const entry = registry.bundles.find((b: { ref: string }) => b.ref === ref);
    const { stdout } = await calibration(join(root, 'models', ref));
    expect(stdout).toContain(`ECE ${entry.metrics.ece.toFixed(4)}`);
    expect(stdout).toMatch(/perfectly calibrated PDs on these rows: mean 0\.\d{4}/);
    expect(stdout.match(/^ +\d+ +\d+ +0\.\d{4} +0\.\d{4}$/gm)).toHaveLength(10);
    expect(stdout).toMatch(/Platt refit slope \d\.\d{4}/);
  });

  it('reads a CSV whose quoted ids hold commas, with CRLF line ends and the columns in any order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arrears-calibration-'));
    try {
      const pd = Array.from({ length: 40 }, (_, i) => (i + 0.5) / 40);
      const label = pd.map((p, i) => (i % 3 === 0 || p > 0.8 ? 1 : 0));
      const lines = ['pd,"id",label', ...pd.map((p, i) => `${p},"LN,${i}, ""west""",${label[i]}`)];
      const file = join(dir, 'predictions.csv');
      await writeFile(file, `${lines.join('\r\n')}\r\n`);
      const { stdout } = await calibration(file);
      expect(stdout).toContain(`${file}: 40 test rows`);
      expect(stdout).toContain(`ECE ${ece(label, pd).toFixed(4)};`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the row of a bad value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arrears-calibration-'));
    try {
      const file = join(dir, 'predictions.csv');
      await writeFile(file, 'id,label,pd\n"a,1",0,0.1\n"b,2",2,0.2\n');
      await expect(calibration(file)).rejects.toMatchObject({
        code: 1,
        stderr: `calibration: ${file}: row 2: label must be 0/1 and pd in [0, 1], got 2, 0.2\n`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a missing file and exits 1', async () => {
    await expect(calibration('/no/such/bundle')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('/no/such/bundle') });
  });
});
