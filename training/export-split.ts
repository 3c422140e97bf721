/**
 * Writes the exact rows a run trained and tested on as plain CSV (features as derived, plus the
 * label), so reference models can be fitted on the same rows and scored on the same test rows.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DatasetConfig } from '../src/domain/dataset-config.js';
import type { Dataset } from './read.js';

function cell(v: string | number | null): string {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function writeRowsCsv(
  path: string,
  cfg: DatasetConfig,
  ds: Dataset,
  rows: ArrayLike<number>,
  labelName = 'label',
): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${[...cfg.features.map((f) => f.name), labelName].join(',')}\n`);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const line = `${ds.features.map((c) => cell(c.values[r])).join(',')},${ds.label[r]}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
