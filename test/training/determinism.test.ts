import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { readDatasetConfig } from '../../training/config-file.js';
import { trainPipeline } from '../../training/pipeline.js';

const configPath = join(import.meta.dirname, '..', 'fixtures', 'tiny.json');

describe('training is reproducible', () => {
  it('same data and seed give the same PDs; another seed gives others', async () => {
    await initBackend('auto');
    const { cfg } = await readDatasetConfig(configPath);
    const run = (seed: number) => trainPipeline(cfg, { configPath, seed, budgetSeconds: 5, backend: 'auto', folds: 3, log: () => {} });
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(Array.from(b.pd.test)).toEqual(Array.from(a.pd.test));
    expect(b.blendWeight).toBe(a.blendWeight);
    expect(Array.from(c.split.test)).not.toEqual(Array.from(a.split.test));
  });
});
