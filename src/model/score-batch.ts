/**
 * The unit of work of offline scoring: a batch of rows held column by column, so that it crosses to
 * a worker thread as transferable typed arrays (numeric features) and flat string arrays
 * (categorical ones) rather than as thousands of structured-cloned objects, and the rows are built
 * on the thread that scores them.
 */
import type { RawRow } from '../domain/encoding.js';
import { pdToPoints, tierFor } from '../domain/scoring.js';
import type { LoadedModel } from './types.js';

export interface ColumnBatch {
  /** Position of the batch in the input, so results can be written back in input order. */
  seq: number;
  rows: number;
  numeric: { name: string; values: Float64Array }[];
  categorical: { name: string; values: (string | null)[] }[];
}

export interface BatchScores {
  seq: number;
  pd: Float64Array;
  score: Float64Array;
  /** Index into the bundle's tier names, per row. */
  tier: Uint8Array;
  /** Reason codes per row, joined by '|', when asked for. */
  reasons: string[] | null;
}

/** Rebuilds the batch's rows as the model's RawRow objects (NaN in a numeric column means missing). */
export function batchRows(b: ColumnBatch): RawRow[] {
  const rows: Record<string, number | string | null>[] = new Array(b.rows);
  for (let r = 0; r < b.rows; r++) {
    const row: Record<string, number | string | null> = {};
    for (const c of b.numeric) {
      const v = c.values[r];
      row[c.name] = Number.isNaN(v) ? null : v;
    }
    for (const c of b.categorical) row[c.name] = c.values[r];
    rows[r] = row;
  }
  return rows;
}

/** Scores one batch with a loaded model: PDs only on the fast path, full results when reasons are wanted. */
export function scoreBatch(model: LoadedModel, b: ColumnBatch, withReasons: boolean): BatchScores {
  const rows = batchRows(b);
  const { tiers, scaling } = model.bundle;
  const pd = new Float64Array(b.rows);
  const score = new Float64Array(b.rows);
  const tier = new Uint8Array(b.rows);
  let reasons: string[] | null = null;
  if (withReasons) {
    reasons = new Array(b.rows);
    const res = model.scoreRows(rows);
    for (let r = 0; r < b.rows; r++) {
      pd[r] = res[r].pd;
      score[r] = res[r].score;
      tier[r] = tiers.names.indexOf(res[r].tier);
      reasons[r] = res[r].reasons.map((x) => x.code).join('|');
    }
  } else {
    pd.set(model.predictPd(rows));
    for (let r = 0; r < b.rows; r++) {
      score[r] = pdToPoints(scaling, pd[r]);
      tier[r] = tiers.names.indexOf(tierFor(tiers, pd[r]));
    }
  }
  return { seq: b.seq, pd, score, tier, reasons };
}
