/**
 * npm run enqueue -- --file portfolio.parquet [--chunk 500] [--as-of 2026-05-12] [--features a,b,c] [--dry-run]
 *
 * Reads a flat file of delinquency snapshots (CSV or Parquet) with DuckDB, out of core, and adds
 * them to the intake queue in chunk jobs (one model pass each). Columns, snake_case or camelCase:
 *   account_id, as_of (or --as-of), dpd, outstanding, jurisdiction, timezone (optional),
 *   do_not_contact, dispute, bankruptcy, deceased, hardship, cease (optional booleans);
 *   every other column is a model feature (or only those named by --features).
 * Rows that fail validation are counted and the first few are printed with their row number; the
 * rest are enqueued. Re-running the same file adds nothing: job ids and assignments are keyed by
 * (account_id, as_of).
 */
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { SingleBar, Presets } from 'cli-progress';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { SnapshotSchema, type Snapshot } from '../src/domain/collection/snapshot.js';
import { createIntakeQueue, enqueueSnapshots } from '../src/collection/intake.js';

const { values: args } = parseArgs({
  options: {
    file: { type: 'string' },
    chunk: { type: 'string' },
    'as-of': { type: 'string' },
    features: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});
if (!args.file) {
  console.error('usage: npm run enqueue -- --file <snapshots.csv|.parquet> [--chunk 500] [--as-of YYYY-MM-DD] [--features a,b] [--dry-run]');
  process.exit(2);
}
const config = loadConfig();
const chunkSize = Number(args.chunk ?? config.workerBatch);
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const source = /\.parquet$/i.test(args.file) ? `read_parquet(${lit(args.file)})` : `read_csv(${lit(args.file)}, header = true)`;

const CORE: Record<string, string> = { account_id: 'accountId', as_of: 'asOf', dpd: 'dpd', outstanding: 'outstanding', jurisdiction: 'jurisdiction', timezone: 'timezone' };
const FLAGS: Record<string, string> = { do_not_contact: 'doNotContact', dispute: 'dispute', bankruptcy: 'bankruptcy', deceased: 'deceased', hardship: 'hardship', cease: 'cease' };
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const described = (await (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS()) as { column_name: string; column_type: string }[];
const wanted = args.features ? new Set(args.features.split(',').map((s) => s.trim())) : null;
const selects: string[] = [];
const roles: { col: string; kind: 'core' | 'flag' | 'feature'; key: string }[] = [];
for (const { column_name: c, column_type: t } of described) {
  const s = snake(c);
  if (CORE[s]) {
    roles.push({ col: c, kind: 'core', key: CORE[s] });
    selects.push(s === 'dpd' || s === 'outstanding' ? `CAST(${ident(c)} AS DOUBLE) AS ${ident(c)}` : `CAST(${ident(c)} AS VARCHAR) AS ${ident(c)}`);
  } else if (FLAGS[s]) {
    roles.push({ col: c, kind: 'flag', key: FLAGS[s] });
    selects.push(`CAST(${ident(c)} AS BOOLEAN) AS ${ident(c)}`);
  } else if (!wanted || wanted.has(c)) {
    roles.push({ col: c, kind: 'feature', key: c });
    const numeric = /INT|DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC|HUGEINT/i.test(t);
    selects.push(numeric ? `CAST(${ident(c)} AS DOUBLE) AS ${ident(c)}` : `CAST(${ident(c)} AS VARCHAR) AS ${ident(c)}`);
  }
}
for (const need of ['accountId', 'dpd', 'outstanding', 'jurisdiction']) {
  if (!roles.some((r) => r.kind === 'core' && r.key === need)) {
    console.error(`${args.file}: no ${snake(need)} column (found: ${described.map((d) => d.column_name).join(', ')})`);
    process.exit(2);
  }
}
if (!roles.some((r) => r.key === 'asOf') && !args['as-of']) {
  console.error(`${args.file}: no as_of column; pass --as-of YYYY-MM-DD`);
  process.exit(2);
}

const total = Number((await (await con.runAndReadAll(`SELECT count(*) AS n FROM ${source}`)).getRowObjectsJS())[0].n);
const producer = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 3 });
producer.on('error', (e) => console.error(`redis: ${e.message}`));
await new Promise((r, j) => {
  producer.once('ready', r);
  setTimeout(() => j(new Error(`cannot reach Redis at ${config.redisUrl}`)), 10_000).unref();
});
const queue = createIntakeQueue(producer, config.redisPrefix, (e) => console.error(`queue: ${e.message}`));
const bar = new SingleBar({ format: 'enqueue [{bar}] {percentage}% | {value}/{total} rows | {jobs} jobs | {invalid} invalid', hideCursor: true }, Presets.shades_classic);
bar.start(total, 0, { jobs: 0, invalid: 0 });

let row = 0;
let jobs = 0;
let invalid = 0;
const examples: string[] = [];
let pending: Snapshot[] = [];
const flush = async () => {
  if (pending.length === 0) return;
  if (!args['dry-run']) jobs += (await enqueueSnapshots(queue, pending, { chunkSize })).length;
  pending = [];
};
const cols = roles.map((r) => r.col);
const result = await con.stream(`SELECT ${selects.join(', ')} FROM ${source}`);
for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
  for (const o of chunk.getRowObjects(cols)) {
    row++;
    const snap: Record<string, unknown> = { flags: {}, features: {}, asOf: args['as-of'] };
    for (const r of roles) {
      const v = o[r.col] as unknown;
      if (r.kind === 'core') snap[r.key] = r.key === 'timezone' && (v === null || v === '') ? null : v;
      else if (r.kind === 'flag') {
        if (v !== null) (snap.flags as Record<string, unknown>)[r.key] = v;
      } else (snap.features as Record<string, unknown>)[r.key] = v;
    }
    const parsed = SnapshotSchema.safeParse(snap);
    if (!parsed.success) {
      invalid++;
      if (examples.length < 10) examples.push(`row ${row}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      continue;
    }
    pending.push(parsed.data);
    if (pending.length >= chunkSize * 20) await flush();
  }
  bar.update(row, { jobs, invalid });
}
await flush();
bar.update(row, { jobs, invalid });
bar.stop();
console.log(`${row - invalid} snapshots ${args['dry-run'] ? 'valid (dry run: nothing enqueued)' : `enqueued in ${jobs} jobs on ${queue.name}`}; ${invalid} invalid`);
for (const e of examples) console.log(`  ${e}`);
await queue.close();
producer.disconnect();
con.closeSync();
db.closeSync();
