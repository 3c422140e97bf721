/** Raw feature rows (as an API caller would send them) for the rows of a dataset, keyed by id. */
import type { RawRow } from '../../src/domain/encoding.js';
import type { DatasetConfig } from '../../src/domain/dataset-config.js';
import type { Dataset } from '../../training/read.js';

export function featureRows(cfg: DatasetConfig, ds: Dataset): Map<string, RawRow> {
  const out = new Map<string, RawRow>();
  ds.ids.forEach((id, r) => {
    const row: Record<string, number | string | null> = {};
    cfg.features.forEach((f, j) => {
      const c = ds.features[j];
      const v = c.values[r];
      row[f.name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
    });
    out.set(id, row);
  });
  return out;
}
