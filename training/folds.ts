/**
 * Cross-fitting folds over the rows the model may learn from. With a random split, train and
 * validation rows are pooled into K stratified folds: every fold model early-stops on its own
 * held-out fold, every learn row gets one out-of-fold prediction for blending and calibration,
 * and the final network averages the K fold models. Time and column splits keep the user's
 * validation rows as the single held-out set (out-of-time validation must stay out of time).
 */
import type { DatasetConfig } from '../src/domain/dataset-config.js';
import { mulberry32, shuffle } from '../src/domain/random.js';
import type { Split } from './split.js';

export interface Fold {
  fit: Int32Array;
  hold: Int32Array;
}

export function makeFolds(
  cfg: DatasetConfig,
  split: Split,
  label: Uint8Array,
  k: number,
  seed: number,
): { learn: Int32Array; folds: Fold[] } {
  if (cfg.split.method !== 'random') {
    const learn = Int32Array.from([...split.train, ...split.validation]);
    return { learn, folds: [{ fit: split.train, hold: split.validation }] };
  }
  const learn = Int32Array.from([...split.train, ...split.validation]).sort();
  const rand = mulberry32(seed ^ 0xf01d);
  const fold = new Int32Array(label.length).fill(-1);
  for (const cls of [0, 1]) {
    const idx = shuffle(
      learn.filter((r) => label[r] === cls),
      rand,
    );
    idx.forEach((r, i) => (fold[r] = i % k));
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    folds.push({ fit: learn.filter((r) => fold[r] !== f), hold: learn.filter((r) => fold[r] === f) });
  }
  return { learn, folds };
}
