/**
 * Offline scoring of a portfolio file: CSV or Parquet in, a scores file out (`npm run score`).
 *
 * DuckDB streams the input (out of core: the file never sits in memory as a whole), rows are
 * validated against the bundle's features on the way, valid rows go in column batches to a pool of
 * worker threads (one bundle per core), and the results are written back in input order. Every
 * input row ends up in exactly one of two files: the scores file, or the rejected-rows file with its
 * row number and the reason. Nothing is dropped silently.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Bundle } from '../domain/bundle.js';
import type { BackendPreference } from './backend.js';
import { readBundleJson } from './load.js';
import type { BatchScores, ColumnBatch } from './score-batch.js';
import { ScorePool } from './score-pool.js';

export class ScoreFileError extends Error {
  override name = 'ScoreFileError';
}

export interface ScoreFileOptions {
  file: string;
  out: string;
  /** The bundle directory to score with. */
  bundleDir: string;
  /** The id column (default: the first of id, account_id, accountId the file has). */
  idColumn?: string;
  reasons?: boolean;
  threads?: number;
  backend?: BackendPreference;
  /** Rows per batch sent to a thread. */
  batchRows?: number;
  onStart?: (info: { rows: number; threads: number; backend: string; engine: string; model: string }) => void;
  onProgress?: (done: number) => void;
}

export interface ScoreFileSummary {
  rows: number;
  scored: number;
  rejected: number;
  rejectedFile: string | null;
  out: string;
  model: { name: string; version: string };
  threads: number;
  backend: string;
  engine: string;
  seconds: number;
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/i;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** RFC 4180: quote a cell only when it needs it, so ids come back exactly as they went in. */
const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function sourceOf(file: string): string {
  if (/\.parquet$/i.test(file)) return `read_parquet(${lit(file)})`;
  if (/\.(csv|tsv|txt)(\.gz)?$/i.test(file)) return `read_csv(${lit(file)}, header = true)`;
  throw new ScoreFileError(`${file}: unknown file type (use .csv or .parquet)`);
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

interface Pending {
  ids: string[];
  promise: Promise<BatchScores>;
}

export async function scoreFile(opts: ScoreFileOptions): Promise<ScoreFileSummary> {
  const started = performance.now();
  if (!(await stat(opts.file).catch(() => null))?.isFile()) throw new ScoreFileError(`${opts.file}: not found`);
  const outParquet = /\.parquet$/i.test(opts.out);
  if (!outParquet && !/\.csv$/i.test(opts.out)) throw new ScoreFileError(`${opts.out}: the output must end in .csv or .parquet`);
  const bundle = await readBundleJson(opts.bundleDir);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const plan = await planQuery(con, opts.file, bundle, opts.idColumn);
    const total = Number((await (await con.runAndReadAll(`SELECT count(*) FROM ${plan.source}`)).getRowsJS())[0][0]);
    const pool = await ScorePool.start(opts.bundleDir, { threads: opts.threads, backend: opts.backend });
    try {
      opts.onStart?.({
        rows: total,
        threads: pool.threads,
        backend: pool.backend,
        engine: pool.engine,
        model: `${bundle.name}/${bundle.version}`,
      });
      const csvPath = outParquet ? `${opts.out}.tmp.csv` : `${opts.out}.partial`;
      const rejectedPath = `${opts.out}.rejected.csv`;
      const counts = await streamScores(con, plan, bundle, pool, csvPath, rejectedPath, opts);
      if (outParquet) {
        const cols = `{'id': 'VARCHAR', 'pd': 'DOUBLE', 'score': 'INTEGER', 'tier': 'VARCHAR',${opts.reasons ? " 'reasons': 'VARCHAR'," : ''} 'model': 'VARCHAR', 'version': 'VARCHAR'}`;
        await con.run(
          `COPY (SELECT * FROM read_csv(${lit(csvPath)}, header = true, columns = ${cols}, quote = '"', escape = '"')) TO ${lit(opts.out)} (FORMAT parquet)`,
        );
        await rm(csvPath);
      } else await rename(csvPath, opts.out);
      if (counts.rejected === 0) await rm(rejectedPath, { force: true });
      return {
        rows: counts.rows,
        scored: counts.scored,
        rejected: counts.rejected,
        rejectedFile: counts.rejected ? rejectedPath : null,
        out: opts.out,
        model: { name: bundle.name, version: bundle.version },
        threads: pool.threads,
        backend: pool.backend,
        engine: pool.engine,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      await pool.close();
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

interface Plan {
  source: string;
  select: string;
  /** Per bundle feature, in bundle order: how its column arrives. */
  features: { name: string; kind: 'numeric' | 'categorical'; checked: boolean }[];
}

async function planQuery(con: DuckDBConnection, file: string, bundle: Bundle, idColumn?: string): Promise<Plan> {
  const source = sourceOf(file);
  const described = (await con
    .runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)
    .then((r) => r.getRowObjectsJS())
    .catch((e: Error) => {
      throw new ScoreFileError(`${file}: cannot be read (${e.message.split('\n')[0]})`);
    })) as { column_name: string; column_type: string }[];
  const types = new Map(described.map((d) => [d.column_name, d.column_type]));
  const id = idColumn ?? ['id', 'account_id', 'accountId'].find((c) => types.has(c));
  if (!id || !types.has(id))
    throw new ScoreFileError(
      `${file}: no ${idColumn ? `"${idColumn}"` : 'id, account_id or accountId'} column to name each row (found: ${[...types.keys()].join(', ')}); pass --id <column>`,
    );
  const missing = bundle.features.filter((f) => !types.has(f.name)).map((f) => f.name);
  if (missing.length)
    throw new ScoreFileError(
      `${file}: the model ${bundle.name}/${bundle.version} needs ${missing.length} column(s) the file lacks: ${missing.join(', ')} (a column of nulls is fine where a value is unknown)`,
    );
  const selects = [`CAST(${ident(id)} AS VARCHAR)`];
  const features: Plan['features'] = [];
  for (const f of bundle.features) {
    const c = ident(f.name);
    if (f.type === 'categorical') {
      selects.push(`CAST(${c} AS VARCHAR)`);
      features.push({ name: f.name, kind: 'categorical', checked: false });
    } else if (NUMERIC_TYPE.test(types.get(f.name)!)) {
      selects.push(`CAST(${c} AS DOUBLE)`);
      features.push({ name: f.name, kind: 'numeric', checked: false });
    } else {
      // A text column for a numeric feature: each value is converted on its own, and one that is
      // not a number rejects its row (by name) instead of becoming a silent missing value.
      selects.push(`TRY_CAST(${c} AS DOUBLE)`, `(${c} IS NOT NULL AND TRY_CAST(${c} AS DOUBLE) IS NULL)`);
      features.push({ name: f.name, kind: 'numeric', checked: true });
    }
  }
  return { source, select: `SELECT ${selects.join(', ')} FROM ${source}`, features };
}

async function streamScores(
  con: DuckDBConnection,
  plan: Plan,
  bundle: Bundle,
  pool: ScorePool,
  csvPath: string,
  rejectedPath: string,
  opts: ScoreFileOptions,
): Promise<{ rows: number; scored: number; rejected: number }> {
  const batchRows = opts.batchRows ?? 16_384;
  const reasons = opts.reasons ?? false;
  const tiers = bundle.tiers.names;
  const tail = `,${csvCell(bundle.name)},${csvCell(bundle.version)}\n`;
  const out = createWriteStream(csvPath);
  const rej = createWriteStream(rejectedPath);
  await write(out, `id,pd,score,tier${reasons ? ',reasons' : ''},model,version\n`);
  await write(rej, 'row,id,reason\n');
  const inFlight: Pending[] = [];
  let rows = 0;
  let scored = 0;
  let rejected = 0;
  let seq = 0;

  const drainOne = async () => {
    const p = inFlight.shift()!;
    const s = await p.promise;
    let text = '';
    for (let r = 0; r < p.ids.length; r++) {
      text += `${csvCell(p.ids[r])},${s.pd[r]},${s.score[r]},${tiers[s.tier[r]]}${s.reasons ? `,${s.reasons[r]}` : ''}${tail}`;
    }
    scored += p.ids.length;
    await write(out, text);
    opts.onProgress?.(rows);
  };

  let batch = newBatch(plan, batchRows, seq);
  let ids: string[] = [];
  const flush = async () => {
    if (ids.length === 0) return;
    batch.rows = ids.length;
    if (ids.length < batchRows) for (const c of batch.numeric) c.values = c.values.slice(0, ids.length);
    for (const c of batch.categorical) c.values.length = ids.length;
    inFlight.push({ ids, promise: pool.score(batch, reasons) });
    batch = newBatch(plan, batchRows, ++seq);
    ids = [];
    // Bounded read-ahead: two batches per thread keeps every thread busy without reading the
    // whole file into memory while the threads catch up.
    while (inFlight.length >= pool.threads * 2) await drainOne();
  };

  try {
    const result = await con.stream(plan.select);
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const cols = chunk.getColumns();
      for (let r = 0; r < chunk.rowCount; r++) {
        rows++;
        const id = cols[0][r] as string | null;
        const problem = id === null || id === '' ? 'the id is empty' : rowProblem(plan, cols, r);
        if (problem) {
          rejected++;
          await write(rej, `${rows},${csvCell(id ?? '')},${csvCell(problem)}\n`);
          continue;
        }
        const at = ids.length;
        let c = 1;
        let n = 0;
        let k = 0;
        for (const f of plan.features) {
          const v = cols[c][r];
          if (f.kind === 'numeric') batch.numeric[n++].values[at] = v === null ? NaN : (v as number);
          else batch.categorical[k++].values[at] = v === null ? null : (v as string);
          c += f.checked ? 2 : 1;
        }
        ids.push(id!);
        if (ids.length === batchRows) await flush();
      }
    }
    await flush();
    while (inFlight.length) await drainOne();
  } catch (e) {
    // Let the threads finish what they hold before the files close, then report the failure; the
    // partial output keeps its temporary name, so it is never mistaken for a finished file.
    await Promise.allSettled(inFlight.map((p) => p.promise));
    throw e;
  } finally {
    await closeStream(out);
    await closeStream(rej);
  }
  return { rows, scored, rejected };
}

function newBatch(plan: Plan, size: number, seq: number): ColumnBatch {
  return {
    seq,
    rows: 0,
    numeric: plan.features.filter((f) => f.kind === 'numeric').map((f) => ({ name: f.name, values: new Float64Array(size) })),
    categorical: plan.features.filter((f) => f.kind === 'categorical').map((f) => ({ name: f.name, values: new Array(size).fill(null) })),
  };
}

/** Why a row cannot be scored, or null: a numeric value that is not a finite number. */
function rowProblem(plan: Plan, cols: readonly (readonly unknown[])[], r: number): string | null {
  let c = 1;
  for (const f of plan.features) {
    if (f.kind === 'numeric') {
      if (f.checked && cols[c + 1][r] === true) return `${f.name}: not a number`;
      const v = cols[c][r];
      if (v !== null && !Number.isFinite(v as number)) return `${f.name}: not a finite number (${v})`;
    }
    c += f.checked ? 2 : 1;
  }
  return null;
}
