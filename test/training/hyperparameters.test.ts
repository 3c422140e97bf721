import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS } from '../../src/domain/hyperparameters.js';
import { pdToPoints } from '../../src/domain/scoring.js';
import { initBackend } from '../../src/model/backend.js';
import { loadModel } from '../../src/model/load.js';
import { readDatasetConfig } from '../../training/config-file.js';
import { publish, trainPipeline, type Trained } from '../../training/pipeline.js';
import { fitPreprocessing } from '../../training/preprocess.js';
import { fitScorecard, scorecardParams } from '../../training/scorecard.js';
import type { Written } from '../../training/write.js';
import { featureRows } from '../helpers/feature-rows.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const training = {
  binning: { maxBins: 3 },
  network: { candidates: [{ hidden: [8], learningRate: 0.003 }] },
  scaling: { basePoints: 500, pdo: 40 },
};
let dir: string;
let trained: Trained;
let written: Written;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrears-hyper-'));
  const configPath = join(dir, 'tiny.json');
  const tiny = JSON.parse(await readFile(join(fixtures, 'tiny.json'), 'utf8'));
  await writeFile(configPath, JSON.stringify({ ...tiny, source: { tables: { t: { path: join(fixtures, 'tiny.csv') } } }, training }));
  const { cfg, text } = await readDatasetConfig(configPath);
  const backend = await initBackend('auto');
  trained = await trainPipeline(cfg, { configPath, seed: 3, budgetSeconds: 5, backend: 'auto', folds: 3, log: () => {} });
  written = await publish(trained, { modelsDir: join(dir, 'models'), promote: false, seed: 3, backend, totalSeconds: 1, configText: text });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('hyperparameters from the training block', () => {
  it('are recorded in bundle.json, resolved', () => {
    const hp = written.bundle.hyperparameters!;
    expect(hp.scaling).toEqual({ ...DEFAULT_HYPERPARAMETERS.scaling, basePoints: 500, pdo: 40 });
    expect(hp.binning).toEqual({ ...DEFAULT_HYPERPARAMETERS.binning, maxBins: 3 });
    expect(hp.network.candidates).toEqual([
      { hidden: [8], dropout: 0, l2: 0, learningRate: 0.003, batchSize: 1024, maxEpochs: 40, patience: 4 },
    ]);
    expect(hp.scorecard).toEqual(DEFAULT_HYPERPARAMETERS.scorecard);
  });

  it('the binning limit caps the fitted bins', () => {
    const bins = (states: Trained['states']) => states.flatMap((s) => (s.kind === 'numeric' ? [s.edges.length + 1] : []));
    expect(Math.max(...bins(trained.states))).toBeLessThanOrEqual(3);
    const byDefault = fitPreprocessing(
      trained.cfg.features,
      trained.ds.features,
      trained.ds.label,
      trained.learn,
      DEFAULT_HYPERPARAMETERS.binning,
    );
    expect(Math.max(...bins(byDefault))).toBeGreaterThan(3);
  });

  it('the search tries only the candidates given', () => {
    const tried = trained.selection.search as { candidate: { hidden: number[] } }[];
    expect(tried.map((t) => t.candidate.hidden)).toEqual([[8]]);
    expect((trained.selection.chosen as { hidden: number[] }).hidden).toEqual([8]);
  });

  it('the score scaling sets the points the served model gives', async () => {
    expect(written.bundle.scaling.pdo).toBe(40);
    const model = await loadModel(written.dir);
    const rows = [...featureRows(trained.cfg, trained.ds).values()].slice(0, 20);
    const scored = model.scoreRows(rows);
    for (const r of scored) expect(r.score).toBe(pdToPoints(written.bundle.scaling, r.pd));
    expect(scored.some((r) => r.score !== pdToPoints(DEFAULT_HYPERPARAMETERS.scaling, r.pd))).toBe(true);
  });

  it('a stronger scorecard penalty shrinks the coefficients', async () => {
    const inputs = { x: new Float32Array(400 * 2), y: new Float32Array(400), width: 2 };
    for (let r = 0; r < 400; r++) {
      inputs.x[r * 2] = (r % 7) / 3 - 1;
      inputs.x[r * 2 + 1] = (r % 5) / 2 - 1;
      inputs.y[r] = (r % 7) + (r % 5) > 6 ? 1 : 0;
    }
    const rows = Int32Array.from({ length: 400 }, (_, i) => i);
    const folds = [{ fit: rows.filter((r) => r % 4 !== 0), hold: rows.filter((r) => r % 4 === 0) }];
    const fit = (l2: number) => fitScorecard(inputs, folds, scorecardParams({ ...DEFAULT_HYPERPARAMETERS.scorecard, l2 }), 1, () => {});
    const size = (c: number[]) => c.reduce((a, v) => a + Math.abs(v), 0);
    const plain = await fit(0);
    const penalised = await fit(0.5);
    expect(size(penalised.scorecard.coef)).toBeLessThan(0.8 * size(plain.scorecard.coef));
  });

  it('a bad value in a config file is refused, naming the field', async () => {
    const bad = join(dir, 'bad.json');
    const tiny = JSON.parse(await readFile(join(fixtures, 'tiny.json'), 'utf8'));
    await writeFile(bad, JSON.stringify({ ...tiny, training: { scaling: { pdo: -20 } } }));
    await expect(readDatasetConfig(bad)).rejects.toThrow(/training\.scaling\.pdo: /);
  });
});
