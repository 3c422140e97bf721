import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const calibration = (...argv: string[]) => run(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'calibration-check.ts'), ...argv], { cwd: root });

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

  it('names a missing file and exits 1', async () => {
    await expect(calibration('/no/such/bundle')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('/no/such/bundle') });
  });
});
