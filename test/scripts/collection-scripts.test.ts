import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '../../src/collection/intake.js';
import { bullPrefix } from '../../src/collection/keys.js';
import { service, snapshot } from '../helpers/collection.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const CSV = join(root, 'test/fixtures/snapshots.csv');
const tmp = mkdtempSync(join(tmpdir(), 'arrears-scripts-'));
let redis: Redis;
const prefixes: string[] = [];

const script = (name: string, argv: string[], prefix: string) =>
  run(process.execPath, ['--import', 'tsx', join(root, 'scripts', name), ...argv], {
    cwd: root,
    env: { ...process.env, ARREARS_REDIS_PREFIX: prefix },
  });

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    return (await (await con.runAndReadAll(sql)).getRowObjectsJS()) as Record<string, unknown>[];
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  for (const p of prefixes) await deleteKeys(redis, p);
  await redis.quit();
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm run enqueue', () => {
  it.each(['csv', 'parquet'])('enqueues the valid rows of a %s file in chunk jobs and reports the invalid ones', async (kind) => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    let file = CSV;
    if (kind === 'parquet') {
      file = join(tmp, 'snapshots.parquet');
      await query(`COPY (SELECT * FROM read_csv('${CSV}', header = true)) TO '${file}' (FORMAT parquet)`);
    }
    const { stdout } = await script('enqueue.ts', ['--file', file, '--chunk', '2'], prefix);
    expect(stdout).toMatch(/4 snapshots enqueued in 2 jobs/);
    expect(stdout).toMatch(/row 5: dpd/);
    expect(stdout).toMatch(/row 6: jurisdiction.*timezone: not an IANA time zone/);
    const wait = `${bullPrefix(prefix)}:${queueNames(prefix).intake}:wait`;
    expect(await redis.llen(wait)).toBe(2);
    // Same file again: same job ids, nothing new.
    await script('enqueue.ts', ['--file', file, '--chunk', '2'], prefix);
    expect(await redis.llen(wait)).toBe(2);
  });
});

describe('npm run export:outcomes', () => {
  it('writes the outcome log as CSV and Parquet with model, policy and variant', async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const { svc } = service(redis, prefix);
    const now = Date.parse('2026-05-12T17:00:00Z');
    await svc.assign(
      [snapshot({ accountId: 'E1' }), snapshot({ accountId: 'E2' })],
      [
        { pd: 0.45, reasons: [] },
        { pd: 0.45, reasons: [] },
      ],
      'tiny/v1',
      now,
    );
    await svc.claim('call', 'c1', 2, now);
    await svc.recordOutcome('call', 'E1', 'c1', { type: 'promise_to_pay', amount: 75, date: '2026-05-20' }, now);
    await svc.recordOutcome('call', 'E2', 'c1', { type: 'no_answer' }, now + 1, 'self', 'dialer-key');
    for (const ext of ['csv', 'parquet']) {
      const out = join(tmp, `outcomes.${ext}`);
      const { stdout } = await script('export-outcomes.ts', ['--out', out], prefix);
      expect(stdout).toMatch(/2 outcomes written/);
      const rows = await query(
        `SELECT account_id, outcome, amount, CAST(promise_date AS VARCHAR) AS promise_date, model, policy, variant, collector, reported_by FROM '${out}'`,
      );
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        account_id: 'E1',
        outcome: 'promise_to_pay',
        amount: 75,
        promise_date: '2026-05-20',
        model: 'tiny/v1',
        policy: '2026.1-default',
        collector: 'c1',
        reported_by: 'c1',
      });
      expect(rows[1]).toMatchObject({ account_id: 'E2', outcome: 'no_answer', amount: null, collector: 'c1', reported_by: 'dialer-key' });
    }
  });

  it('a CSV export never holds a cell a spreadsheet would run as a formula', async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const { svc } = service(redis, prefix);
    const now = Date.parse('2026-05-12T17:00:00Z');
    await svc.assign([snapshot({ accountId: 'F1' })], [{ pd: 0.45, reasons: [] }], 'tiny/v1', now);
    await svc.claim('call', '-1+1', 1, now);
    await svc.recordOutcome('call', 'F1', '-1+1', { type: 'no_answer' }, now, '=HYPERLINK("http://evil.example","x")');
    const out = join(tmp, 'formula.csv');
    await script('export-outcomes.ts', ['--out', out], prefix);
    const rows = await query(`SELECT collector, agency FROM read_csv('${out}', header = true, all_varchar = true)`);
    expect(rows).toEqual([{ collector: "'-1+1", agency: `'=HYPERLINK("http://evil.example","x")` }]);
  });

  it('--since takes a day (UTC) or a stream id, and starts after the id it is given', async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const { svc } = service(redis, prefix);
    const now = Date.parse('2026-05-12T17:00:00Z');
    await svc.assign(
      [snapshot({ accountId: 'S1' }), snapshot({ accountId: 'S2' })],
      [
        { pd: 0.45, reasons: [] },
        { pd: 0.45, reasons: [] },
      ],
      'tiny/v1',
      now,
    );
    await svc.claim('call', 'c1', 2, now);
    await svc.recordOutcome('call', 'S1', 'c1', { type: 'no_answer' }, now);
    await svc.recordOutcome('call', 'S2', 'c1', { type: 'no_answer' }, now + 1);
    const out = join(tmp, 'since.csv');
    const exported = async (since: string) => {
      await script('export-outcomes.ts', ['--out', out, '--since', since], prefix);
      return (
        await query(`SELECT account_id, stream_id FROM read_csv('${out}', header = true, all_varchar = true) ORDER BY stream_id`)
      ).map((r) => r.account_id);
    };
    await script('export-outcomes.ts', ['--out', out], prefix);
    const ids = (await query(`SELECT stream_id FROM read_csv('${out}', header = true, all_varchar = true) ORDER BY stream_id`)).map((r) =>
      String(r.stream_id),
    );
    const day = new Date(Number(ids[0].split('-')[0])).toISOString().slice(0, 10);
    const nextDay = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    expect(await exported(day)).toEqual(['S1', 'S2']);
    expect(await exported(nextDay)).toEqual([]);
    expect(await exported(ids[0])).toEqual(['S2']);
  });
});
