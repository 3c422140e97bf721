import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRow } from '../../src/domain/encoding.js';
import { initBackend } from '../../src/model/backend.js';
import { loadModel } from '../../src/model/load.js';
import { championDir } from '../../src/model/registry.js';
import { ScoreFileError, scoreFile } from '../../src/model/score-file.js';
import type { LoadedModel } from '../../src/model/types.js';

const root = join(import.meta.dirname, '..', '..');
let tmp: string;
let bundleDir: string;
let model: LoadedModel;
let rows: Record<string, unknown>[];

/** The sample book's feature rows at its snapshot date, from the sample config's own SQL. */
async function sampleRows(limit: number): Promise<Record<string, unknown>[]> {
  const cfg = JSON.parse(await readFile(join(root, 'data/configs/sample.json'), 'utf8'));
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  for (const [name, t] of Object.entries<{ path: string }>(cfg.source.tables))
    await con.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet('${join(root, 'data/configs', t.path)}')`);
  const sql = cfg.source.sql.replaceAll('{{snapshot}}', `DATE '${cfg.source.snapshot}'`);
  const out = (await con.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY id LIMIT ${limit}`)).getRowObjectsJS();
  con.closeSync();
  db.closeSync();
  return out.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

const csvLine = (vals: unknown[]) => vals.map((v) => (v === null || v === undefined ? '' : String(v))).join(',');

async function readCsv(path: string): Promise<Record<string, string>[]> {
  const [head, ...lines] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'arrears-score-'));
  bundleDir = (await championDir(join(root, 'models')))!;
  await initBackend('auto');
  model = await loadModel(bundleDir);
  rows = await sampleRows(3000);
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const rawRow = (r: Record<string, unknown>): RawRow =>
  Object.fromEntries(model.bundle.features.map((f) => [f.name, (r[f.name] ?? null) as RawRow[string]]));

describe('npm run score (scoreFile)', () => {
  it('scores every valid row of a CSV as the per-row path does, with reasons, and puts each bad row in the rejected file with its number and reason', async () => {
    const names = Object.keys(rows[0]);
    const lines = [names.join(',')];
    rows.forEach((r) => lines.push(csvLine(names.map((n) => r[n]))));
    // Row 11: a numeric feature that is not a number; row 21: no id. Both must be rejected by name.
    const bad1 = { ...rows[10], income: 'lots' };
    const bad2 = { ...rows[20], id: null };
    lines[11] = csvLine(names.map((n) => (bad1 as Record<string, unknown>)[n]));
    lines[21] = csvLine(names.map((n) => (bad2 as Record<string, unknown>)[n]));
    const file = join(tmp, 'portfolio.csv');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, `${lines.join('\n')}\n`));
    const out = join(tmp, 'scores.csv');
    const s = await scoreFile({ file, out, bundleDir, reasons: true, threads: 2, batchRows: 500 });
    expect(s).toMatchObject({ rows: 3000, scored: 2998, rejected: 2, threads: 2 });
    const rejected = await readCsv(s.rejectedFile!);
    expect(rejected).toEqual([
      { row: '11', id: String(rows[10].id), reason: 'income: not a number' },
      { row: '21', id: '', reason: 'the id is empty' },
    ]);
    const scores = await readCsv(out);
    expect(scores).toHaveLength(2998);
    const kept = rows.filter((_, i) => i !== 10 && i !== 20);
    const expected = model.scoreRows(kept.map(rawRow));
    scores.forEach((got, i) => {
      expect(got.id).toBe(String(kept[i].id));
      expect(Math.abs(Number(got.pd) - expected[i].pd)).toBeLessThan(1e-6);
      expect(Number(got.score)).toBe(expected[i].score);
      expect(got.tier).toBe(expected[i].tier);
      expect(got.reasons).toBe(expected[i].reasons.map((r) => r.code).join('|'));
      expect(got.version).toBe(model.bundle.version);
    });
  });

  it('reads and writes Parquet, keeping input order', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const csv = join(tmp, 'in.csv');
    const names = Object.keys(rows[0]);
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(csv, `${[names.join(','), ...rows.map((r) => csvLine(names.map((n) => r[n])))].join('\n')}\n`),
    );
    const file = join(tmp, 'portfolio.parquet');
    await con.run(`COPY (SELECT * FROM read_csv('${csv}', header = true)) TO '${file}' (FORMAT parquet)`);
    const out = join(tmp, 'scores.parquet');
    const s = await scoreFile({ file, out, bundleDir, threads: 2, batchRows: 700 });
    expect(s).toMatchObject({ rows: 3000, scored: 3000, rejected: 0, rejectedFile: null });
    const got = (await con.runAndReadAll(`SELECT id, pd FROM read_parquet('${out}')`)).getRowObjectsJS();
    const pds = model.predictPd(rows.map(rawRow));
    expect(got.map((g) => g.id)).toEqual(rows.map((r) => String(r.id)));
    got.forEach((g, i) => expect(Math.abs((g.pd as number) - pds[i])).toBeLessThan(1e-6));
    con.closeSync();
    db.closeSync();
    await expect(stat(`${out}.rejected.csv`)).rejects.toThrow();
  });

  it('refuses a file that lacks a model feature, naming it, and writes nothing', async () => {
    const file = join(tmp, 'short.csv');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'id,income\n1,100\n'));
    const out = join(tmp, 'short-scores.csv');
    const err = await scoreFile({ file, out, bundleDir, threads: 1 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ScoreFileError);
    expect((err as Error).message).toMatch(/lacks: .*dpd_now/);
    await expect(stat(out)).rejects.toThrow();
  });
});
