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
import { stat } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { SnapshotSchema, type Snapshot } from '../src/domain/collection/snapshot.js';
import { createIntakeQueue, enqueueSnapshots } from '../src/collection/intake.js';
import { dateValue, intValue, listValue, parseCommand, UserError } from '../src/cli/args.js';
import { connectRedis } from '../src/cli/redis.js';

const { values: args } = parseCommand({
  name: 'enqueue',
  summary:
    'Reads delinquency snapshots from a CSV or Parquet file and adds them to the intake queue in chunk jobs; invalid rows are counted and the first ten printed.',
  options: {
    file: {
      type: 'string',
      value: '<snapshots.csv|.parquet>',
      required: true,
      description: 'columns account_id, as_of, dpd, outstanding, jurisdiction, [timezone], [flags]; the rest are features',
    },
    chunk: { type: 'string', value: '<n>', description: 'snapshots per job (default: ARREARS_WORKER_BATCH, 500)' },
    'as-of': { type: 'string', value: '<YYYY-MM-DD>', description: 'the as-of date of every row (when the file has no as_of column)' },
    features: { type: 'string', value: '<a,b,...>', description: 'only these columns are features (default: every other column)' },
    'dry-run': { type: 'boolean', default: false, description: 'validate and count, enqueue nothing' },
  },
});
const config = loadConfig();
const chunkSize = args.chunk === undefined ? config.workerBatch : intValue('chunk', args.chunk, { min: 1, max: 100_000 });
const asOf = args['as-of'] === undefined ? undefined : dateValue('as-of', args['as-of']);
if (!(await stat(args.file).catch(() => null))?.isFile()) throw new UserError(`${args.file}: not found`);
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const source = /\.parquet$/i.test(args.file) ? `read_parquet(${lit(args.file)})` : `read_csv(${lit(args.file)}, header = true)`;

const CORE: Record<string, string> = {
  account_id: 'accountId',
  as_of: 'asOf',
  dpd: 'dpd',
  outstanding: 'outstanding',
  jurisdiction: 'jurisdiction',
  timezone: 'timezone',
};
const FLAGS: Record<string, string> = {
  do_not_contact: 'doNotContact',
  dispute: 'dispute',
  bankruptcy: 'bankruptcy',
  deceased: 'deceased',
  hardship: 'hardship',
  cease: 'cease',
};
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const described = (await con
  .runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)
  .then((r) => r.getRowObjectsJS())
  .catch((e: Error) => {
    throw new UserError(`${args.file}: cannot be read (${e.message.split('\n')[0]})`);
  })) as { column_name: string; column_type: string }[];
const wanted = args.features ? new Set(listValue(args.features)) : null;
const selects: string[] = [];
const roles: { col: string; kind: 'core' | 'flag' | 'feature'; key: string }[] = [];
for (const { column_name: c, column_type: t } of described) {
  const s = snake(c);
  if (CORE[s]) {
    roles.push({ col: c, kind: 'core', key: CORE[s] });
    selects.push(
      s === 'dpd' || s === 'outstanding' ? `CAST(${ident(c)} AS DOUBLE) AS ${ident(c)}` : `CAST(${ident(c)} AS VARCHAR) AS ${ident(c)}`,
    );
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
  if (!roles.some((r) => r.kind === 'core' && r.key === need))
    throw new UserError(`${args.file}: no ${snake(need)} column (found: ${described.map((d) => d.column_name).join(', ')})`);
}
if (!roles.some((r) => r.key === 'asOf') && !asOf) throw new UserError(`${args.file}: no as_of column; pass --as-of YYYY-MM-DD`);

const total = Number((await (await con.runAndReadAll(`SELECT count(*) AS n FROM ${source}`)).getRowObjectsJS())[0].n);
const producer = await connectRedis(config.redisUrl, { enableOfflineQueue: false });
const queue = createIntakeQueue(producer, config.redisPrefix, (e) => console.error(`queue: ${e.message}`));
const bar = new SingleBar(
  { format: 'enqueue [{bar}] {percentage}% | {value}/{total} rows | {jobs} jobs | {invalid} invalid', hideCursor: true },
  Presets.shades_classic,
);
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
    const snap: Record<string, unknown> = { flags: {}, features: {}, asOf };
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
      if (examples.length < 10)
        examples.push(`row ${row}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
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
console.log(
  `${row - invalid} snapshots ${args['dry-run'] ? 'valid (dry run: nothing enqueued)' : `enqueued in ${jobs} jobs on ${queue.name}`}; ${invalid} invalid`,
);
for (const e of examples) console.log(`  ${e}`);
await queue.close();
producer.disconnect();
con.closeSync();
db.closeSync();
