/** The checked-in tiny bundle (features income, util, grade), loaded through the real loader. */
import { initBackend } from '../../src/model/backend.js';
import { loadModel } from '../../src/model/load.js';
import type { LoadedModel } from '../../src/model/types.js';

export const TINY_BUNDLE = new URL('../fixtures/models/tiny/20260101-000000-5e6cddb5', import.meta.url).pathname;

export async function loadTiny(): Promise<LoadedModel> {
  await initBackend('auto');
  return loadModel(TINY_BUNDLE);
}

/** Wraps a model to record the size of every scoreRows call. */
export function counting(model: LoadedModel): { model: LoadedModel; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    model: {
      bundle: model.bundle,
      dir: model.dir,
      engine: model.engine,
      engineNote: model.engineNote,
      scoreRows: (rows) => {
        calls.push(rows.length);
        return model.scoreRows(rows);
      },
      predictPd: (rows) => model.predictPd(rows),
    },
  };
}

export const tinyFeatures = (i: number) => ({ income: 2000 + (i % 50) * 150, util: (i % 10) / 10, grade: ['A', 'B', 'C', 'D'][i % 4] });
