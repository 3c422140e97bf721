/** npm run strategy:report over a seeded history: the same figures as the route, as JSON and as CSV. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveStrategyReport, parseWindow } from '../../src/collection/strategy-results.js';
import { WorklistStore } from '../../src/collection/worklist.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';
import { seedHistory, WINDOW } from '../helpers/strategy-seed.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'arrears-strategy-'));
let redis: Redis;
const prefix = freshPrefix();

const script = (argv: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(root, 'scripts/strategy-report.ts'), ...argv], {
    cwd: root,
    env: { ...process.env, ARREARS_REDIS_PREFIX: prefix },
  });

beforeAll(async () => {
  redis = connect();
  await seedHistory(redis, new WorklistStore({ redis, prefix }).keys, { feed: true });
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm run strategy:report', () => {
  it('writes the route figures as JSON, and one CSV row per figure', async () => {
    const json = join(tmp, 'r.json');
    const { stdout } = await script(['--since', WINDOW.since, '--until', WINDOW.until, '--out', json]);
    expect(stdout).toMatch(/9 accounts, 2 arms, 1 comparisons written to/);
    const expected = await liveStrategyReport(new WorklistStore({ redis, prefix }), parseWindow(WINDOW.since, WINDOW.until, 0));
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(expected)));

    const csv = join(tmp, 'r.csv');
    await script(['--since', WINDOW.since, '--until', WINDOW.until, '--out', csv]);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('slice,policy_version,queue,bucket,variant,metric,value,lower,upper,successes,trials,accounts');
    const champ = expected.overall.groups.find((g) => g.key.variant === 'champion')!.metrics.contactRate;
    expect(lines).toContain(`overall,2026.1,,,champion,contactRate,0.6,${champ.lower},${champ.upper},3,5,5`);
    const diff = expected.overall.comparisons[0].differences.recoveredPerAccount;
    expect(lines).toContain(`overall,2026.1,,,challenger - champion,recoveredPerAccount,36.5,${diff.lower},${diff.upper},,,`);
  });

  it('names a bad --since and exits non-zero', async () => {
    const err = await script(['--since', 'soon']).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/since: "soon" is not an ISO 8601 date/);
  });
});
