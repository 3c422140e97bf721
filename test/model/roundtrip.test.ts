import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { BundleError, loadChampion, loadModel } from '../../src/model/load.js';
import { readRegistry } from '../../src/model/registry.js';
import { readDatasetConfig } from '../../training/config-file.js';
import { publish, trainPipeline, type Trained } from '../../training/pipeline.js';
import { featureRows } from '../helpers/feature-rows.js';

const configPath = join(import.meta.dirname, '..', 'fixtures', 'tiny.json');
let dir: string;
let modelsDir: string;
let bundleDir: string;
let trained: Trained;

beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'arrears-roundtrip-'));
  const { cfg, text } = await readDatasetConfig(configPath);
  const backend = await initBackend('auto');
  trained = await trainPipeline(cfg, { configPath, seed: 3, budgetSeconds: 5, backend: 'auto', folds: 3, log: () => {} });
  const w = await publish(trained, { modelsDir, promote: false, seed: 3, backend, totalSeconds: 1, configText: text });
  bundleDir = w.dir;
  dir = modelsDir;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bundle round trip', () => {
  it('writes every bundle file and registers the first bundle as champion', async () => {
    for (const f of ['bundle.json', 'test-predictions.csv', 'report.html'])
      expect((await readFile(join(bundleDir, f))).length).toBeGreaterThan(0);
    const reg = await readRegistry(modelsDir);
    expect(reg.champion).toBe(`tiny/${basename(bundleDir)}`);
    expect(reg.history.map((h) => h.action)).toEqual(['register', 'promote']);
  });

  it('the loaded bundle gives the PDs the training run wrote, to 1e-6', async () => {
    const model = await loadChampion(modelsDir);
    const rows = featureRows(trained.cfg, trained.ds);
    const lines = (await readFile(join(bundleDir, 'test-predictions.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(lines.length).toBe(trained.split.test.length);
    const ids = lines.map((l) => l.split(',')[0]);
    const pds = model.predictPd(ids.map((id) => rows.get(id)!));
    lines.forEach((l, i) => expect(Math.abs(pds[i] - Number(l.split(',')[2]))).toBeLessThan(1e-6));
    const scored = model.scoreRows([rows.get(ids[0])!]);
    expect(scored[0].pd).toBeCloseTo(pds[0], 12);
    expect(scored[0].model.name).toBe('tiny');
  });

  it('refuses a bundle whose weights are truncated, naming the file', async () => {
    expect(trained.network).not.toBeNull(); // the fixture's blend keeps the network, so there are weights to corrupt
    const copy = join(dir, 'corrupt');
    await rm(copy, { recursive: true, force: true });
    await cp(bundleDir, copy, { recursive: true });
    const w = await readFile(join(copy, 'weights.bin'));
    await writeFile(join(copy, 'weights.bin'), w.subarray(0, w.length - 8));
    await expect(loadModel(copy)).rejects.toThrow(/weights\.bin: holds/);
  });

  it('refuses a bundle with a NaN weight, even one the probe rows never reach', async () => {
    // A NaN in the last layer, on each hidden unit in turn: whichever unit it sits on, the bundle
    // is refused (before: a unit inactive on all 8 probe rows slipped through and scored NaN).
    const copy = join(dir, 'nan');
    const manifest = JSON.parse(await readFile(join(bundleDir, 'model.json'), 'utf8')).weightsManifest.flatMap(
      (g: { weights: { name: string; shape: number[] }[] }) => g.weights,
    );
    let offset = 0;
    for (const w of manifest.slice(0, -2)) offset += w.shape.reduce((a: number, b: number) => a * b, 1);
    const lastKernel = manifest.at(-2).shape[0];
    const refused: boolean[] = [];
    for (let unit = 0; unit < lastKernel; unit++) {
      await rm(copy, { recursive: true, force: true });
      await cp(bundleDir, copy, { recursive: true });
      const w = await readFile(join(copy, 'weights.bin'));
      const f = new Float32Array(w.buffer, w.byteOffset, w.length / 4);
      f[offset + unit] = Number.NaN;
      await writeFile(join(copy, 'weights.bin'), w);
      const err = await loadModel(copy).catch((e) => e);
      refused.push(err instanceof BundleError && /non-finite|network check failed/.test(err.message));
    }
    expect(refused.every(Boolean)).toBe(true);
    expect(refused.length).toBe(lastKernel);
  });

  it('refuses a bundle.json with a broken field, naming it', async () => {
    const copy = join(dir, 'badjson');
    await cp(bundleDir, copy, { recursive: true });
    const b = JSON.parse(await readFile(join(copy, 'bundle.json'), 'utf8'));
    b.scaling.pdo = 'twenty';
    await writeFile(join(copy, 'bundle.json'), JSON.stringify(b));
    const err = await loadModel(copy).catch((e) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect(err.message).toContain('scaling.pdo');
  });
});
