import { spawn, type ChildProcess } from 'node:child_process';
import type { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedModel, makeIntakeProcessor } from '../../src/worker/processor.js';
import { createIntakeQueue, enqueueSnapshots, type IntakeJobInput } from '../../src/collection/intake.js';
import { createIntakeWorker, DEFAULT_MAX_STALLED } from '../../src/worker/intake-worker.js';
import { service } from '../helpers/collection.js';
import { loadTiny, tinyFeatures } from '../helpers/models.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

const noonCDT = Date.parse('2026-05-12T17:00:00Z');
const cleanups: (() => Promise<unknown> | undefined)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function waitForLine(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = buf.split('\n').find((l) => re.test(l));
      if (m) {
        child.stdout!.off('data', onData);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before "${re}"; stderr: ${stderr}`)));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  });
}

/**
 * Starts a worker process on `prefix` (test/fixtures/intake-child.ts, which holds each job), waits
 * until it has taken `jobId`, runs `whileHeld`, then kills it with SIGKILL: the job is left active
 * with a lock that nobody renews.
 */
async function killMidJob(prefix: string, jobId: string, whileHeld?: () => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('../fixtures/intake-child.ts', import.meta.url).pathname], {
    env: { ...process.env, PREFIX: prefix, HOLD_MS: '60000', LOCK_MS: '2000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => void child.kill('SIGKILL'));
  await waitForLine(child, new RegExp(`^started ${jobId}$`));
  await whileHeld?.();
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

describe('a worker killed with SIGKILL mid-job', () => {
  it('loses its lock; another worker recovers the stalled job and the chunk is assigned exactly once', async () => {
    const prefix = freshPrefix();
    const redis = connect();
    const producer = connect({ producer: true });
    await new Promise((r) => producer.once('ready', r));
    const queue: Queue<IntakeJobInput> = createIntakeQueue(producer, prefix);
    cleanups.push(
      () => redis.quit(),
      () => producer.quit(),
      () => queue.close(),
      () => deleteKeys(redis, prefix),
    );

    const snaps = Array.from({ length: 50 }, (_, i) => ({
      accountId: `k${i}`,
      asOf: '2026-05-12',
      dpd: 45,
      outstanding: 100 + i,
      jurisdiction: 'US',
      timezone: 'America/Chicago',
      features: tinyFeatures(i),
    }));
    const [jobId] = await enqueueSnapshots(queue, snaps, { chunkSize: 50 });

    await killMidJob(prefix, jobId, async () => expect((await queue.getJobCounts('active')).active).toBe(1));

    const model = await loadTiny();
    const ctx = service(redis, prefix);
    const workerConn = connect({ maxRetriesPerRequest: null });
    const worker = createIntakeWorker({
      connection: workerConn,
      prefix,
      lockDuration: 2_000,
      stalledInterval: 1_000,
      processor: makeIntakeProcessor({ acquire: fixedModel(model), service: ctx.svc, now: () => noonCDT }),
    });
    cleanups.push(
      () => workerConn.quit(),
      () => worker.close(),
    );
    const job = await new Promise<{ id?: string; attemptsStarted?: number; stalledCounter?: number }>((resolve) =>
      worker.once('completed', (j) => resolve(j)),
    );
    expect(job.id).toBe(jobId);
    expect(job.stalledCounter).toBe(1);
    const sizes = await ctx.store.sizes();
    expect(Object.values(sizes).reduce((s, q) => s + q.ready, 0)).toBe(50);
    expect(await redis.xlen(ctx.store.keys.audit)).toBe(50);
  });
});

describe('a chunk that stalls more often than the stall limit', () => {
  it('tolerates several crashes by default; past the limit it fails for good, counted and logged without account data', async () => {
    expect(DEFAULT_MAX_STALLED).toBeGreaterThanOrEqual(5);
    const prefix = freshPrefix();
    const redis = connect();
    const producer = connect({ producer: true });
    await new Promise((r) => producer.once('ready', r));
    const queue: Queue<IntakeJobInput> = createIntakeQueue(producer, prefix);
    cleanups.push(
      () => redis.quit(),
      () => producer.quit(),
      () => queue.close(),
      () => deleteKeys(redis, prefix),
    );
    const snaps = [0, 1].map((i) => ({
      accountId: `MARKER-ACCT-${i}`,
      asOf: '2026-05-12',
      dpd: 45,
      outstanding: 100,
      jurisdiction: 'US',
      timezone: 'America/Chicago',
      features: tinyFeatures(i),
    }));
    const [jobId] = await enqueueSnapshots(queue, snaps, { chunkSize: 2 });
    await killMidJob(prefix, jobId);

    // A recovering worker whose limit this one stall already exceeds.
    const registry = new Registry();
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    const model = await loadTiny();
    const ctx = service(redis, prefix);
    const workerConn = connect({ maxRetriesPerRequest: null });
    const worker = createIntakeWorker({
      connection: workerConn,
      prefix,
      lockDuration: 2_000,
      stalledInterval: 1_000,
      maxStalledCount: 0,
      registry,
      log: { warn: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }) },
      processor: makeIntakeProcessor({ acquire: fixedModel(model), service: ctx.svc, now: () => noonCDT }),
    });
    cleanups.push(
      () => workerConn.quit(),
      () => worker.close(),
    );
    await new Promise((resolve) => worker.once('failed', resolve));
    const metric = await registry.getSingleMetric('arrears_intake_jobs_failed_total')!.get();
    expect(metric.values).toEqual([{ labels: { reason: 'stalled' }, value: 1 }]);
    expect(lines).toHaveLength(1);
    expect(lines[0].obj).toMatchObject({ job: jobId, reason: 'stalled', snapshots: 2 });
    expect(JSON.stringify(lines)).not.toContain('MARKER-ACCT');
  });
});
