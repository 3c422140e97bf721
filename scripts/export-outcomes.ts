/**
 * npm run export:outcomes -- --out outcomes.parquet [--since 2026-05-01 | --since <stream id>]
 *
 * Writes the outcome log (the Redis stream every reported outcome goes to) as CSV or Parquet, by
 * the file's extension, through DuckDB: one row per outcome with the model version, policy version
 * and variant that produced the action, and the policy version the next step was planned under
 * (decision_policy; it differs from policy when the policy was reloaded since the assignment).
 * This is the data that closes the loop: join it to the snapshots to label new training rows and
 * to compare champion and challenger strategies.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../src/config.js';
import { WorklistStore } from '../src/collection/worklist.js';
import { neutraliseRow } from './lib/csv-cell.js';
import { dateValue, parseCommand, UsageError } from '../src/cli/args.js';
import { connectRedis } from '../src/cli/redis.js';

const { values: args } = parseCommand({
  name: 'export:outcomes',
  summary:
    'Writes the outcome log (every reported outcome, with the model, policy and variant behind it) as CSV or Parquet, for relabelling and strategy analysis.',
  options: {
    out: { type: 'string', value: '<file.csv|file.parquet>', required: true, description: 'output file; the extension picks the format' },
    since: {
      type: 'string',
      value: '<YYYY-MM-DD|stream id>',
      description: 'only outcomes from this day (UTC) on, or after this outcome stream id',
    },
  },
});
if (!/\.(csv|parquet)$/i.test(args.out)) throw new UsageError(`--out: "${args.out}" must end in .csv or .parquet`);
const config = loadConfig();

/** The stream id to read after: readStream excludes it, so a day starts after the last id of the day before. */
function sinceId(raw: string | undefined): string {
  if (!raw) return '-';
  if (/^\d+(-\d+)?$/.test(raw)) return raw;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw))
    throw new UsageError(`--since: "${raw}" is neither a date (YYYY-MM-DD) nor an outcome stream id (<epoch ms>-<n>)`);
  return `${Date.parse(dateValue('since', raw)) - 1}-18446744073709551615`;
}
const since = sinceId(args.since);

const redis = await connectRedis(config.redisUrl);
const store = new WorklistStore({ redis, prefix: config.redisPrefix });
const dir = await mkdtemp(join(tmpdir(), 'arrears-outcomes-'));
const ndjson = join(dir, 'outcomes.ndjson');
const out = createWriteStream(ndjson);
let n = 0;
const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
for await (const { id, fields: f } of store.readStream('outcomes', since)) {
  const row = {
    stream_id: id,
    at: new Date(Number(f.at)).toISOString(),
    account_id: f.accountId,
    as_of: f.asOf,
    outcome: f.outcome,
    amount: num(f.amount),
    promise_date: f.date ?? null,
    collector: f.collector,
    // The API key that reported it; an entry without one was reported by the collector's own key.
    reported_by: f.reportedBy ?? f.collector,
    agency: f.agency,
    queue: f.queue,
    channel: f.channel,
    variant: f.variant,
    model: f.model,
    policy: f.policy,
    // An entry without decisionPolicy was decided under its assignment's policy.
    decision_policy: f.decisionPolicy ?? f.policy,
    pd: num(f.pd),
    dpd: num(f.dpd),
    outstanding: num(f.outstanding),
    tier: f.tier,
  };
  // CSV is opened in spreadsheets: no cell may start like a formula (Parquet keeps values as they are).
  const safe = /\.csv$/i.test(args.out) ? neutraliseRow(row) : row;
  if (!out.write(`${JSON.stringify(safe)}\n`)) await once(out, 'drain');
  n++;
}
out.end();
await once(out, 'finish');

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
try {
  const types: [string, string][] = [
    ['stream_id', 'VARCHAR'],
    ['at', 'TIMESTAMP'],
    ['account_id', 'VARCHAR'],
    ['as_of', 'DATE'],
    ['outcome', 'VARCHAR'],
    ['amount', 'DOUBLE'],
    ['promise_date', 'DATE'],
    ['collector', 'VARCHAR'],
    ['reported_by', 'VARCHAR'],
    ['agency', 'VARCHAR'],
    ['queue', 'VARCHAR'],
    ['channel', 'VARCHAR'],
    ['variant', 'VARCHAR'],
    ['model', 'VARCHAR'],
    ['policy', 'VARCHAR'],
    ['decision_policy', 'VARCHAR'],
    ['pd', 'DOUBLE'],
    ['dpd', 'INTEGER'],
    ['outstanding', 'DOUBLE'],
    ['tier', 'VARCHAR'],
  ];
  const columns = `{${types.map(([k, t]) => `${lit(k)}: ${lit(t)}`).join(', ')}}`;
  const format = /\.parquet$/i.test(args.out) ? 'FORMAT parquet, COMPRESSION zstd' : 'FORMAT csv, HEADER true';
  await con.run(
    `COPY (SELECT * FROM read_json(${lit(ndjson)}, format = 'newline_delimited', columns = ${columns}) ) TO ${lit(args.out)} (${format})`,
  );
} finally {
  con.closeSync();
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
  redis.disconnect();
}
console.log(`${n} outcomes written to ${args.out}`);
