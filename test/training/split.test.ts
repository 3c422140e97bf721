/**
 * Time and column splits: which rows land where, the errors that name the offending row, and a
 * training run on an out-of-time split (one held-out set, no cross-fitting across time).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetConfig } from '../../src/domain/dataset-config.js';
import { initBackend } from '../../src/model/backend.js';
import { loadDataset } from '../../training/read.js';
import { makeFolds } from '../../training/folds.js';
import { trainPipeline } from '../../training/pipeline.js';
import { splitRows } from '../../training/split.js';
import tiny from '../fixtures/tiny.json' with { type: 'json' };

let dir: string;
let configPath: string;

/** The tiny fixture plus an application month (2023-01 .. 2023-10, 20 rows each) and a split column. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrears-split-'));
  const lines = (await readFile(join(import.meta.dirname, '..', 'fixtures', 'tiny.csv'), 'utf8')).trim().split('\n');
  const out = [`${lines[0]},applied,part`];
  lines.slice(1).forEach((line, i) => {
    const month = String(1 + Math.floor(i / 20)).padStart(2, '0');
    out.push(`${line},2023-${month}-15,${['train', 'train', 'validation', 'test'][i % 4]}`);
  });
  await writeFile(join(dir, 'dated.csv'), `${out.join('\n')}\n`);
  configPath = join(dir, 'config.json');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (patch: Record<string, unknown>) =>
  DatasetConfig.parse({ ...tiny, source: { tables: { t: { path: 'dated.csv' } } }, time: 'applied', ...patch });
const load = (cfg: DatasetConfig) => loadDataset(cfg, { configPath });

describe('time split', () => {
  it('puts rows from testFrom on in test, [validationFrom, testFrom) in validation, the rest in train', async () => {
    const cfg = config({ split: { method: 'time', testFrom: '2023-09-01', validationFrom: '2023-07-01' } });
    const ds = await load(cfg);
    const s = splitRows(cfg, ds, 42);
    const when = (idx: Int32Array) => Array.from(idx, (i) => ds.time![i]!);
    expect(when(s.test).every((t) => t >= '2023-09-01')).toBe(true);
    expect(when(s.validation).every((t) => t >= '2023-07-01' && t < '2023-09-01')).toBe(true);
    expect(when(s.train).every((t) => t < '2023-07-01')).toBe(true);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([120, 40, 40]);
  });

  it('without validationFrom validates on a stratified fifth of the earlier rows, never on later ones', async () => {
    const cfg = config({ split: { method: 'time', testFrom: '2023-09-01' } });
    const ds = await load(cfg);
    const s = splitRows(cfg, ds, 42);
    expect(s.test.length).toBe(40);
    expect(s.validation.length).toBeGreaterThanOrEqual(30);
    expect(s.validation.length).toBeLessThanOrEqual(34);
    expect(Array.from(s.validation, (i) => ds.time![i]!).every((t) => t < '2023-09-01')).toBe(true);
  });

  it('keeps the out-of-time validation rows as the one held-out set (no folds across time)', async () => {
    const cfg = config({ split: { method: 'time', testFrom: '2023-09-01', validationFrom: '2023-07-01' } });
    const ds = await load(cfg);
    const s = splitRows(cfg, ds, 42);
    const { folds } = makeFolds(cfg, s, ds.label, 5, 42);
    expect(folds).toHaveLength(1);
    expect(Array.from(folds[0].hold)).toEqual(Array.from(s.validation));
  });

  it('a test period with no rows is refused', async () => {
    const cfg = config({ split: { method: 'time', testFrom: '2030-01-01' } });
    await expect(load(cfg).then((ds) => splitRows(cfg, ds, 42))).rejects.toThrow('split: the test set is empty');
  });

  it('trains on an out-of-time split and evaluates on the later rows only', async () => {
    await initBackend('auto');
    const cfg = config({ split: { method: 'time', testFrom: '2023-09-01', validationFrom: '2023-07-01' } });
    const r = await trainPipeline(cfg, { configPath, seed: 3, budgetSeconds: 5, backend: 'auto', folds: 5, log: () => {} });
    expect(r.split.test.length).toBe(40);
    expect(r.pd.test.length).toBe(40);
    expect(Array.from(r.pd.test).every((p) => p > 0 && p < 1)).toBe(true);
  });
});

describe('column split', () => {
  it('follows the column', async () => {
    const cfg = config({ time: undefined, split: { method: 'column', column: 'part' } });
    const ds = await load(cfg);
    const s = splitRows(cfg, ds, 42);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([100, 50, 50]);
    expect(Array.from(s.test).every((i) => i % 4 === 3)).toBe(true);
  });
});
