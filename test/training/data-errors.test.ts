import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetConfig, formatIssues } from '../../src/domain/dataset-config.js';
import { loadDataset } from '../../training/read.js';
import { splitRows } from '../../training/split.js';
import tiny from '../fixtures/tiny.json' with { type: 'json' };

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const configPath = join(fixtures, 'tiny.json');

function withFile(file: string, patch: Record<string, unknown> = {}): DatasetConfig {
  return DatasetConfig.parse({ ...tiny, source: { tables: { t: { path: file } } }, ...patch });
}

describe('dataset config validation', () => {
  const bad: [string, unknown, string][] = [
    ['missing id', { ...tiny, id: undefined }, 'id:'],
    ['empty features', { ...tiny, features: [] }, 'features: needs at least one feature'],
    ['unknown feature type', { ...tiny, features: [{ name: 'x', type: 'text' }] }, 'features.0.type'],
    ['duplicate feature', { ...tiny, features: [tiny.features[0], tiny.features[0]] }, 'features.1.name: duplicate feature "income"'],
    ['protected used as a feature', { ...tiny, protected: [{ name: 'income' }] }, 'protected.0.name'],
    ['time split without time column', { ...tiny, split: { method: 'time', testFrom: '2024-01-01' } }, 'time: a time split needs'],
    [
      'label rule without snapshot',
      { ...tiny, label: { rule: { table: 't', accountColumn: 'id', dateColumn: 'd', dpdColumn: 'p' } } },
      'source.snapshot',
    ],
    ['unknown key', { ...tiny, featurez: [] }, 'featurez'],
    ['tiers not ascending', { ...tiny, tiers: [0.2, 0.1] }, 'tiers: tier cut points must be strictly ascending'],
  ];
  it.each(bad)('%s is refused with the field named', (_name, json, expected) => {
    const r = DatasetConfig.safeParse(json);
    expect(r.success).toBe(false);
    expect(formatIssues(r.error!.issues).join('\n')).toContain(expected);
  });

  it('accepts the fixture config and fills defaults', () => {
    const cfg = DatasetConfig.parse(tiny);
    expect(cfg.features[0].missing).toBe('bin');
    expect(cfg.protected).toEqual([]);
  });
});

describe('data errors name the column and row', () => {
  const load = (cfg: DatasetConfig) => loadDataset(cfg, { configPath });

  it('a missing column names the feature', async () => {
    const cfg = withFile('tiny.csv', { features: [...tiny.features, { name: 'nope', type: 'numeric' }] });
    await expect(load(cfg)).rejects.toThrow(/features\[3\] \(nope\):.*"nope" not found/);
  });
  it('text in a numeric feature names the row', async () => {
    await expect(load(withFile('tiny-text-in-numeric.csv'))).rejects.toThrow(
      'features[1] (util): numeric feature has text "lots" in the row with id = 5',
    );
  });
  it('a label that is not 0/1 names the row', async () => {
    await expect(load(withFile('tiny-bad-label.csv'))).rejects.toThrow('label: must be 0 or 1, row with id = 7 has "2"');
  });
  it('an empty file is refused', async () => {
    await expect(load(withFile('tiny-empty.csv'))).rejects.toThrow(/no rows/);
  });
  it('a single class is refused', async () => {
    await expect(load(withFile('tiny-single-class.csv'))).rejects.toThrow('label: every row has label 0');
  });
  it('a missing file names the table', async () => {
    await expect(load(withFile('nowhere.csv'))).rejects.toThrow(/source\.tables\.t\.path: file not found/);
  });
  it('a test split with no positives is refused', async () => {
    const cfg = withFile('tiny-one-positive.csv');
    const ds = await load(cfg);
    expect(() => splitRows(cfg, ds, 42)).toThrow(/set has no positives/);
  });
  it('reads the fixture: ids, labels, missing values as NaN', async () => {
    const ds = await load(withFile('tiny.csv'));
    expect(ds.ids.length).toBe(200);
    expect(ds.label.reduce((a, b) => a + b, 0)).toBe(63);
    const income = ds.features[0];
    expect(income.kind).toBe('numeric');
    if (income.kind === 'numeric') expect(income.values.some(Number.isNaN)).toBe(true);
  });
});

describe('split', () => {
  it('is stratified and seeded: same seed same rows, and every row is used once', async () => {
    const cfg = withFile('tiny.csv');
    const ds = await loadDataset(cfg, { configPath });
    const a = splitRows(cfg, ds, 7);
    const b = splitRows(cfg, ds, 7);
    const c = splitRows(cfg, ds, 8);
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
    const all = [...a.train, ...a.validation, ...a.test].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const rate = (idx: Int32Array) => Array.from(idx).reduce((s, i) => s + ds.label[i], 0) / idx.length;
    expect(Math.abs(rate(a.test) - 63 / 200)).toBeLessThan(0.02);
  });
});
