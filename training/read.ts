/**
 * Reads the training rows through DuckDB: registers the config's tables as views, runs the user's
 * SQL (or takes the single table), derives the label, and checks every column a feature needs.
 * Each failure names the config field, or the column and row, that is wrong.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../src/domain/dataset-config.js';

export class DataError extends Error {
  override name = 'DataError';
}

export type Column = { kind: 'numeric'; values: Float64Array } | { kind: 'categorical'; values: (string | null)[] };

export interface Dataset {
  ids: string[];
  label: Uint8Array;
  /** ISO dates (YYYY-MM-DD) or raw strings of the time column; null when the config has none. */
  time: (string | null)[] | null;
  features: Column[];
  protected: { name: string; values: (string | null)[] }[];
  splitColumn: (string | null)[] | null;
  /** True PD per row where the config gives a truth file (synthetic data); NaN where absent. */
  truth: Float64Array | null;
  fingerprint: { rows: number; sha256: string; dateRange: { from: string; to: string } | null };
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

function tablePath(path: string, cfgPath: string, dataDir?: string): string {
  if (isAbsolute(path)) return path;
  return resolve(dataDir ?? dirname(resolve(cfgPath)), path);
}

function readExpr(t: DatasetConfig['source']['tables'][string], path: string): string {
  const format = t.format ?? (/\.parquet$/i.test(path) ? 'parquet' : 'csv');
  if (format === 'parquet') return `read_parquet(${lit(path)})`;
  const nulls = `[${t.nullValues.map(lit).join(', ')}]`;
  return `read_csv(${lit(path)}, header = true, nullstr = ${nulls}, sample_size = 20480)`;
}

async function sha256Files(paths: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const p of paths.sort()) {
    if (!existsSync(p)) continue; // globs: DuckDB resolved them; hashing covers plain files
    await new Promise<void>((ok, fail) => {
      createReadStream(p)
        .on('data', (c) => h.update(c))
        .on('end', ok)
        .on('error', fail);
    });
  }
  return h.digest('hex');
}

/** First column of the first row, or undefined when the query returns no rows. */
async function scalar<T>(con: DuckDBConnection, sql: string): Promise<T | undefined> {
  const r = await con.runAndReadAll(sql);
  return r.getRowsJS()[0]?.[0] as T | undefined;
}

/** Why a DuckDB error happened, without its internal prefix. */
const duckMessage = (e: unknown) => String((e as Error).message ?? e).replace(/^[A-Za-z ]+Error: /, '');

export interface LoadOptions {
  configPath: string;
  dataDir?: string;
  log?: (msg: string) => void;
}

/** Loads the dataset the config describes; one row per account, columns in config order. */
export async function loadDataset(cfg: DatasetConfig, opts: LoadOptions): Promise<Dataset> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const files: string[] = [];
    for (const [name, t] of Object.entries(cfg.source.tables)) {
      const path = tablePath(t.path, opts.configPath, opts.dataDir);
      if (!/[*?[]/.test(path) && !existsSync(path)) throw new DataError(`source.tables.${name}.path: file not found: ${path}`);
      files.push(path);
      try {
        await con.run(`CREATE VIEW ${q(name)} AS SELECT * FROM ${readExpr(t, path)}`);
        await con.run(`SELECT * FROM ${q(name)} LIMIT 1`);
      } catch (e) {
        throw new DataError(`source.tables.${name}: cannot read ${path}: ${duckMessage(e)}`);
      }
    }
    const snapshot = cfg.source.snapshot ? `DATE ${lit(cfg.source.snapshot)}` : 'NULL';
    const baseSql = cfg.source.sql
      ? cfg.source.sql.replaceAll('{{snapshot}}', snapshot)
      : `SELECT * FROM ${q(Object.keys(cfg.source.tables)[0])}`;
    try {
      await con.run(`CREATE TEMP TABLE __base AS ${baseSql}`);
    } catch (e) {
      throw new DataError(`source.sql: ${duckMessage(e)}`);
    }
    const rows = Number(await scalar<bigint | number>(con, 'SELECT count(*) FROM __base'));
    if (rows === 0) throw new DataError('source: the data has no rows (empty file or SQL that selects nothing)');

    // Each expression is checked alone, so an error names the one config field that is wrong.
    const check = async (field: string, expr: string) => {
      try {
        await con.run(`SELECT ${expr} FROM __base LIMIT 0`);
      } catch (e) {
        throw new DataError(`${field}: ${duckMessage(e)}`);
      }
    };
    await check('id', q(cfg.id));
    const dupId = await scalar<string | null>(
      con,
      `SELECT CAST(${q(cfg.id)} AS VARCHAR) FROM __base GROUP BY 1 HAVING count(*) > 1 LIMIT 1`,
    );
    if (dupId !== undefined && dupId !== null)
      throw new DataError(`id: "${cfg.id}" is not unique (value ${dupId} repeats); the data needs one row per account`);

    let labelExpr: string;
    let joins = '';
    if ('column' in cfg.label) {
      await check('label.column', q(cfg.label.column));
      labelExpr = q(cfg.label.column);
    } else {
      const r = cfg.label.rule;
      const s = `DATE ${lit(cfg.source.snapshot!)}`;
      try {
        await con.run(`CREATE TEMP TABLE __labels AS
          SELECT CAST(${q(r.accountColumn)} AS VARCHAR) AS __acct, max(CASE WHEN ${q(r.dpdColumn)} >= ${r.minDpd} THEN 1 ELSE 0 END) AS __y
          FROM ${q(r.table)}
          WHERE CAST(${q(r.dateColumn)} AS DATE) > ${s} AND CAST(${q(r.dateColumn)} AS DATE) <= ${s} + INTERVAL ${r.withinMonths} MONTH
          GROUP BY 1`);
      } catch (e) {
        throw new DataError(`label.rule: ${duckMessage(e)}`);
      }
      joins = `LEFT JOIN __labels ON __labels.__acct = CAST(__base.${q(cfg.id)} AS VARCHAR)`;
      // An account with no record after the snapshot (paid off or closed) never reached the threshold.
      labelExpr = 'coalesce(__labels.__y, 0)';
    }
    const badLabel = await con.runAndReadAll(
      `SELECT CAST(${q(cfg.id)} AS VARCHAR), CAST(${labelExpr} AS VARCHAR) FROM __base ${joins}
       WHERE ${labelExpr} IS NULL OR TRY_CAST(${labelExpr} AS DOUBLE) IS NULL OR TRY_CAST(${labelExpr} AS DOUBLE) NOT IN (0, 1) LIMIT 1`,
    );
    if (badLabel.getRowsJS().length) {
      const [id, v] = badLabel.getRowsJS()[0];
      throw new DataError(`label: must be 0 or 1, row with ${cfg.id} = ${id} has ${v === null ? 'no value' : `"${v}"`}`);
    }

    const selects = [`CAST(${q(cfg.id)} AS VARCHAR) AS __id`, `CAST(${labelExpr} AS INTEGER) AS __label`];
    if (cfg.time) {
      await check('time', q(cfg.time));
      selects.push(`CAST(${q(cfg.time)} AS VARCHAR) AS __time`);
    }
    if (cfg.split.method === 'column') {
      await check('split.column', q(cfg.split.column));
      selects.push(`CAST(${q(cfg.split.column)} AS VARCHAR) AS __split`);
    }
    for (const [i, f] of cfg.features.entries()) {
      const expr = f.expr ?? q(f.name);
      await check(`features[${i}] (${f.name})`, expr);
      if (f.type === 'numeric') {
        const bad = await con.runAndReadAll(
          `SELECT CAST(${q(cfg.id)} AS VARCHAR), CAST((${expr}) AS VARCHAR) FROM __base ${joins}
           WHERE (${expr}) IS NOT NULL AND TRY_CAST((${expr}) AS DOUBLE) IS NULL LIMIT 1`,
        );
        if (bad.getRowsJS().length) {
          const [id, v] = bad.getRowsJS()[0];
          throw new DataError(`features[${i}] (${f.name}): numeric feature has text "${v}" in the row with ${cfg.id} = ${id}`);
        }
        selects.push(`TRY_CAST((${expr}) AS DOUBLE) AS ${q(`f_${i}`)}`);
      } else selects.push(`CAST((${expr}) AS VARCHAR) AS ${q(`f_${i}`)}`);
    }
    for (const [i, p] of cfg.protected.entries()) {
      await check(`protected[${i}] (${p.name})`, p.expr ?? q(p.name));
      selects.push(`CAST((${p.expr ?? q(p.name)}) AS VARCHAR) AS ${q(`p_${i}`)}`);
    }
    let truthJoin = '';
    if (cfg.truth) {
      const path = tablePath(cfg.truth.path, opts.configPath, opts.dataDir);
      if (!existsSync(path)) throw new DataError(`truth.path: file not found: ${path}`);
      await con
        .run(
          `CREATE TEMP TABLE __truth AS SELECT CAST(id AS VARCHAR) AS __tid, CAST(true_pd AS DOUBLE) AS __tpd FROM ${readExpr(cfg.truth, path)}`,
        )
        .catch((e) => {
          throw new DataError(`truth: needs columns id,true_pd: ${duckMessage(e)}`);
        });
      truthJoin = `LEFT JOIN __truth ON __truth.__tid = CAST(__base.${q(cfg.id)} AS VARCHAR)`;
      selects.push('__truth.__tpd AS __truth');
    }

    const ds: Dataset = {
      ids: new Array(rows),
      label: new Uint8Array(rows),
      time: cfg.time ? new Array(rows) : null,
      features: cfg.features.map((f) =>
        f.type === 'numeric' ? { kind: 'numeric', values: new Float64Array(rows) } : { kind: 'categorical', values: new Array(rows) },
      ),
      protected: cfg.protected.map((p) => ({ name: p.name, values: new Array(rows) })),
      splitColumn: cfg.split.method === 'column' ? new Array(rows) : null,
      truth: cfg.truth ? new Float64Array(rows) : null,
      fingerprint: { rows, sha256: await sha256Files(files), dateRange: null },
    };
    // Streamed chunk by chunk into typed columns: the rows never exist as one array of JS objects.
    // Ordered by id: DuckDB's parallel joins return rows in no fixed order, and the seeded split
    // needs the same row order on every run.
    const result = await con.stream(`SELECT ${selects.join(', ')} FROM __base ${joins} ${truthJoin} ORDER BY __base.${q(cfg.id)}`);
    let at = 0;
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const cols = chunk.getColumns();
      const n = chunk.rowCount;
      let c = 0;
      const next = () => cols[c++];
      const idCol = next();
      const labelCol = next();
      const timeCol = cfg.time ? next() : null;
      const splitCol = cfg.split.method === 'column' ? next() : null;
      for (let r = 0; r < n; r++) {
        ds.ids[at + r] = String(idCol[r]);
        ds.label[at + r] = Number(labelCol[r]);
        if (timeCol) ds.time![at + r] = timeCol[r] === null ? null : String(timeCol[r]);
        if (splitCol) ds.splitColumn![at + r] = splitCol[r] === null ? null : String(splitCol[r]);
      }
      for (const col of ds.features) {
        const v = next();
        if (col.kind === 'numeric') for (let r = 0; r < n; r++) col.values[at + r] = v[r] === null ? NaN : Number(v[r]);
        else for (let r = 0; r < n; r++) col.values[at + r] = v[r] === null ? null : String(v[r]);
      }
      for (const p of ds.protected) {
        const v = next();
        for (let r = 0; r < n; r++) p.values[at + r] = v[r] === null ? null : String(v[r]);
      }
      if (ds.truth) {
        const v = next();
        for (let r = 0; r < n; r++) ds.truth[at + r] = v[r] === null ? NaN : Number(v[r]);
      }
      at += n;
    }
    if (cfg.time) {
      const times = ds.time!.filter((t): t is string => t !== null).sort();
      if (times.length) ds.fingerprint.dateRange = { from: times[0], to: times[times.length - 1] };
    }
    let pos = 0;
    for (let r = 0; r < rows; r++) pos += ds.label[r];
    if (pos === 0 || pos === rows) throw new DataError(`label: every row has label ${pos === 0 ? 0 : 1}; a PD model needs both classes`);
    opts.log?.(`read ${rows.toLocaleString('en-US')} rows, ${pos.toLocaleString('en-US')} defaults (${((100 * pos) / rows).toFixed(2)}%)`);
    return ds;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
