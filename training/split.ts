/**
 * The split step: train / validation / test rows, and the cross-fitting folds over the rows the
 * model learns from. Validation rows drive early stopping, blending and calibration; test rows are
 * touched only by the final evaluation.
 */
import type { DatasetConfig } from '../src/domain/dataset-config.js';
import { mulberry32, shuffle } from '../src/domain/random.js';
import { makeFolds, type Fold } from './folds.js';
import { DataError, type Dataset } from './read.js';

export interface Split {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/** Seeded split stratified on the label, so each part keeps the default rate. */
function stratified(label: Uint8Array, rows: Int32Array, fractions: number[], seed: number): Int32Array[] {
  const rand = mulberry32(seed);
  const parts: number[][] = fractions.map(() => []);
  for (const cls of [0, 1]) {
    const idx = shuffle(Int32Array.from(rows.filter((r) => label[r] === cls)), rand);
    let start = 0;
    let acc = 0;
    fractions.forEach((f, k) => {
      acc += f;
      const end = k === fractions.length - 1 ? idx.length : Math.round(acc * idx.length);
      for (let i = start; i < end; i++) parts[k].push(idx[i]);
      start = end;
    });
  }
  return parts.map((p) => Int32Array.from(p.sort((a, b) => a - b)));
}

function positives(label: Uint8Array, idx: Int32Array): number {
  let n = 0;
  for (const i of idx) n += label[i];
  return n;
}

export function splitRows(cfg: DatasetConfig, ds: Dataset, seed: number): Split {
  const n = ds.ids.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const s = cfg.split;
  let split: Split;
  if (s.method === 'random') {
    const [train, validation, test] = stratified(ds.label, all, [1 - s.test - s.validation, s.validation, s.test], seed);
    split = { train, validation, test };
  } else if (s.method === 'time') {
    const t = ds.time!;
    const test: number[] = [];
    const early: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = t[i];
      if (v === null) throw new DataError(`time: row with ${cfg.id} = ${ds.ids[i]} has no value; a time split needs one on every row`);
      if (v >= s.testFrom) test.push(i);
      else if (s.validationFrom && v >= s.validationFrom) val.push(i);
      else early.push(i);
    }
    if (s.validationFrom) split = { train: Int32Array.from(early), validation: Int32Array.from(val), test: Int32Array.from(test) };
    else {
      const [train, validation] = stratified(ds.label, Int32Array.from(early), [0.8, 0.2], seed);
      split = { train, validation, test: Int32Array.from(test) };
    }
  } else {
    const parts: Record<string, number[]> = { train: [], validation: [], test: [] };
    ds.splitColumn!.forEach((v, i) => {
      if (v === null || !(v in parts))
        throw new DataError(`split.column: row with ${cfg.id} = ${ds.ids[i]} has "${v}"; expected train, validation or test`);
      parts[v].push(i);
    });
    split = { train: Int32Array.from(parts.train), validation: Int32Array.from(parts.validation), test: Int32Array.from(parts.test) };
  }
  for (const part of ['train', 'validation', 'test'] as const) {
    const idx = split[part];
    const p = positives(ds.label, idx);
    if (idx.length === 0) throw new DataError(`split: the ${part} set is empty`);
    if (p === 0)
      throw new DataError(
        `split: the ${part} set has no positives (defaults); it cannot be ${part === 'train' ? 'learned from' : 'evaluated'}`,
      );
    if (p === idx.length) throw new DataError(`split: the ${part} set has only positives`);
  }
  return split;
}

/** The split, the rows the model learns from (train and validation) and their folds. */
export function splitForTraining(
  cfg: DatasetConfig,
  ds: Dataset,
  seed: number,
  k: number,
): { split: Split; learn: Int32Array; folds: Fold[] } {
  const split = splitRows(cfg, ds, seed);
  return { split, ...makeFolds(cfg, split, ds.label, k, seed) };
}
