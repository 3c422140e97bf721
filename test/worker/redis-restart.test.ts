/**
 * Starts a private redis-server (AOF on, fsync always) on a free port, kills it with SIGKILL and
 * restarts it on the same data directory: worklists survive, the Lua scripts are reloaded after the
 * restart emptied the script cache, producers fail fast while Redis is down, and a worker started
 * before the crash reconnects and carries on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedModel, makeIntakeProcessor } from '../../src/worker/processor.js';
import { createIntakeQueue, enqueueSnapshots } from '../../src/collection/intake.js';
import { createIntakeWorker } from '../../src/worker/intake-worker.js';
import { service, snapshot } from '../helpers/collection.js';
import { loadTiny, tinyFeatures } from '../helpers/models.js';

const noonCDT = Date.parse('2026-05-12T17:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'arrears-redis-'));
let server: ChildProcess | null = null;
const closers: (() => unknown)[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function startRedis(port: number): Promise<void> {
  server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
}

function killRedis(): Promise<void> {
  const s = server!;
  server = null;
  return new Promise((resolve) => {
    s.once('exit', () => resolve());
    s.kill('SIGKILL');
  });
}

afterAll(async () => {
  while (closers.length) await closers.pop()!();
  if (server) await killRedis();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis killed and restarted', () => {
  it('keeps worklists, reloads scripts, fails producers fast while down, and the worker resumes', async () => {
    const port = await freePort();
    await startRedis(port);
    const prefix = 'restart';
    const redis = new Redis({ port, maxRetriesPerRequest: null });
    const producer = new Redis({ port, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const workerConn = new Redis({ port, maxRetriesPerRequest: null });
    for (const r of [redis, producer, workerConn]) r.on('error', () => undefined);
    closers.push(
      () => redis.disconnect(),
      () => producer.disconnect(),
      () => workerConn.disconnect(),
    );
    await new Promise((r) => producer.once('ready', r));

    const ctx = service(redis, prefix);
    await ctx.svc.assign(
      [snapshot({ accountId: 'A1', outstanding: 3000 }), snapshot({ accountId: 'A2' }), snapshot({ accountId: 'A3' })],
      [0.45, 0.45, 0.45].map((pd) => ({ pd, reasons: [] })),
      'tiny/v1',
      noonCDT,
    );
    const [first] = await ctx.svc.claim('call', 'c1', 1, noonCDT);
    expect(first.accountId).toBe('A1');
    await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'promise_to_pay', amount: 100, date: '2026-05-20' }, noonCDT);

    const model = await loadTiny();
    const queue = createIntakeQueue(producer, prefix);
    const worker = createIntakeWorker({
      connection: workerConn,
      prefix,
      processor: makeIntakeProcessor({ acquire: fixedModel(model), service: ctx.svc, now: () => noonCDT }),
    });
    closers.push(
      () => queue.close(),
      () => worker.close(true),
    );
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);

    await killRedis();
    const down = await enqueueSnapshots(queue, [
      {
        accountId: 'B1',
        asOf: '2026-05-12',
        dpd: 45,
        outstanding: 10,
        jurisdiction: 'US',
        timezone: 'America/Chicago',
        features: tinyFeatures(1),
      },
    ]).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    expect(down).not.toBe('accepted');

    await startRedis(port);
    await new Promise((r) => (producer.status === 'ready' ? r(null) : producer.once('ready', r)));
    const claimSha = createHash('sha1')
      .update(readFileSync(new URL('../../src/collection/lua/claim.lua', import.meta.url)))
      .digest('hex');
    expect(await redis.script('EXISTS', claimSha)).toEqual([0]);
    expect((await ctx.store.sizes()).call).toEqual({ ready: 2, waiting: 1, leased: 0 });
    expect((await ctx.svc.account('A1'))!.assignment).toMatchObject({ state: 'paused', promise: { amount: 100, date: '2026-05-20' } });
    // The script cache is empty after the restart; the claim still runs (EVALSHA falls back to EVAL).
    expect((await ctx.svc.claim('call', 'c2', 5, noonCDT)).map((i) => i.accountId).sort()).toEqual(['A2', 'A3']);
    expect(await redis.script('EXISTS', claimSha)).toEqual([1]);

    const done = new Promise((resolve) => worker.once('completed', resolve));
    await enqueueSnapshots(queue, [
      {
        accountId: 'B2',
        asOf: '2026-05-12',
        dpd: 45,
        outstanding: 10,
        jurisdiction: 'US',
        timezone: 'America/Chicago',
        features: tinyFeatures(2),
      },
    ]);
    await done;
    expect((await ctx.svc.account('B2'))!.assignment.state).toBe('queued');
  });
});
