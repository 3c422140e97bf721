/**
 * Private copies of the checked-in tiny bundle's models folder (test/fixtures/models), deleted after
 * each test, and extra versions of the bundle registered in them.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { registerBundle } from '../../src/model/registry.js';

export const FIXTURE_MODELS = join(import.meta.dirname, '..', 'fixtures', 'models');
export const FIXTURE_REF = 'tiny/20260101-000000-5e6cddb5';
export const FIXTURE_VERSION = '20260101-000000-5e6cddb5';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

/** A private copy of the fixture models folder, deleted after the test. */
export async function tempModels(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'arrears-models-'));
  await cp(FIXTURE_MODELS, dir, { recursive: true });
  dirs.push(dir);
  return dir;
}

/**
 * Adds a copy of the fixture bundle as version `version` (registered, not promoted). `shift` moves
 * the Platt intercept so its PDs differ from the original's; `mutate` can break it.
 */
export async function addVersion(
  modelsDir: string,
  version: string,
  o: { shift?: number; mutate?: (dir: string) => Promise<void> } = {},
): Promise<string> {
  const dir = join(modelsDir, 'tiny', version);
  await cp(join(modelsDir, FIXTURE_REF), dir, { recursive: true });
  const b = JSON.parse(await readFile(join(dir, 'bundle.json'), 'utf8'));
  b.version = version;
  if (o.shift) b.calibration.b += o.shift;
  await writeFile(join(dir, 'bundle.json'), JSON.stringify(b));
  await o.mutate?.(dir);
  await registerBundle(
    modelsDir,
    { ref: `tiny/${version}`, name: 'tiny', version, createdAt: new Date().toISOString(), metrics: {} },
    false,
  );
  return `tiny/${version}`;
}

/** Cuts 8 bytes off weights.bin: the loader refuses the bundle, naming the file. */
export async function truncateWeights(dir: string): Promise<void> {
  const w = await readFile(join(dir, 'weights.bin'));
  await writeFile(join(dir, 'weights.bin'), w.subarray(0, w.length - 8));
}
