import { describe, expect, it } from 'vitest';
import { DatasetConfig, formatIssues } from '../../src/domain/dataset-config.js';
import { DEFAULT_HYPERPARAMETERS } from '../../src/domain/hyperparameters.js';

const base = {
  name: 'tiny',
  source: { tables: { t: { path: 'tiny.csv' } } },
  id: 'id',
  label: { column: 'bad' },
  features: [{ name: 'income', type: 'numeric' }],
};

/** The `path: message` lines for a config with this training block. */
function errors(training: unknown): string[] {
  const r = DatasetConfig.safeParse({ ...base, training });
  return r.success ? [] : formatIssues(r.error.issues);
}

describe('the training block of a dataset config', () => {
  it('absent, resolves to the constants training has always used', () => {
    const cfg = DatasetConfig.parse(base);
    expect(cfg.training).toEqual({
      binning: { maxBins: 20, minBinShare: 0.02, smoothing: 20, pleSegments: 16, minCategoryShare: 0.005, maxCategories: 30 },
      scorecard: { l2: 0, learningRate: 0.05, batchSize: 1024, maxEpochs: 60, patience: 4 },
      network: {
        candidates: [
          { hidden: [64, 32], dropout: 0.1, l2: 1e-5, learningRate: 2e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
          { hidden: [96, 48], dropout: 0.2, l2: 1e-5, learningRate: 1e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
          { hidden: [32, 16], dropout: 0.05, l2: 1e-4, learningRate: 3e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
          { hidden: [128, 64], dropout: 0.3, l2: 1e-5, learningRate: 1e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
        ],
      },
      scaling: { basePoints: 600, baseOdds: 50, pdo: 20, min: 300, max: 900 },
    });
    expect(cfg.training).toEqual(DEFAULT_HYPERPARAMETERS);
    expect(DatasetConfig.parse({ ...base, training: {} }).training).toEqual(DEFAULT_HYPERPARAMETERS);
  });

  it('partly given, keeps the defaults of every key left out', () => {
    const cfg = DatasetConfig.parse({ ...base, training: { scaling: { pdo: 40 }, network: { candidates: [{ hidden: [16] }] } } });
    expect(cfg.training.scaling).toEqual({ ...DEFAULT_HYPERPARAMETERS.scaling, pdo: 40 });
    expect(cfg.training.binning).toEqual(DEFAULT_HYPERPARAMETERS.binning);
    expect(cfg.training.network.candidates).toEqual([
      { hidden: [16], dropout: 0, l2: 0, learningRate: 1e-3, batchSize: 1024, maxEpochs: 40, patience: 4 },
    ]);
  });

  it('does not share the default candidates between configs', () => {
    const a = DatasetConfig.parse(base);
    a.training.network.candidates[0].hidden.push(8);
    expect(DatasetConfig.parse(base).training.network.candidates[0].hidden).toEqual([64, 32]);
    expect(DEFAULT_HYPERPARAMETERS.network.candidates[0].hidden).toEqual([64, 32]);
  });

  it.each([
    [{ binning: { maxBins: 1 } }, 'training.binning.maxBins'],
    [{ binning: { maxBins: 7.5 } }, 'training.binning.maxBins'],
    [{ binning: { minBinShare: 0 } }, 'training.binning.minBinShare'],
    [{ binning: { smoothing: -1 } }, 'training.binning.smoothing'],
    [{ binning: { minCategoryShare: 1 } }, 'training.binning.minCategoryShare'],
    [{ binning: { maxbins: 10 } }, 'training.binning: Unrecognized key: "maxbins"'],
    [{ scorecard: { l2: -0.1 } }, 'training.scorecard.l2'],
    [{ scorecard: { learningRate: 0 } }, 'training.scorecard.learningRate'],
    [{ network: { candidates: [] } }, 'training.network.candidates'],
    [{ network: { candidates: [{ hidden: [] }] } }, 'training.network.candidates.0.hidden: needs at least one hidden layer'],
    [{ network: { candidates: [{ hidden: [8], dropout: 1 }] } }, 'training.network.candidates.0.dropout'],
    [{ network: { candidates: [{ hidden: [8, 0] }] } }, 'training.network.candidates.0.hidden.1'],
    [{ scaling: { pdo: 0 } }, 'training.scaling.pdo'],
    [{ scaling: { baseOdds: 'fifty' } }, 'training.scaling.baseOdds'],
    [{ scaling: { min: 900, max: 300 } }, 'training.scaling.max: must be above min'],
    [{ trees: {} }, 'training: Unrecognized key: "trees"'],
  ])('refuses %j, naming %s', (training, field) => {
    const lines = errors(training);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith(field))).toBe(true);
  });
});
