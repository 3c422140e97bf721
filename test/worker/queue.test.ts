import type { Queue, Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../../src/model/types.js';
import { fixedModel, makeIntakeProcessor, type IntakeResult } from '../../src/worker/processor.js';
import {
  chunkJobId,
  createIntakeQueue,
  enqueueSnapshots,
  queueNames,
  snapshotJobId,
  type IntakeJobInput,
} from '../../src/collection/intake.js';
import { createIntakeWorker } from '../../src/worker/intake-worker.js';
import { bullPrefix } from '../../src/collection/keys.js';
import { service } from '../helpers/collection.js';
import { rawSnapshot } from '../helpers/collection.js';
import { counting, loadTiny, tinyFeatures } from '../helpers/models.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

const noonCDT = Date.parse('2026-05-12T17:00:00Z');
const snap = (i: number, over: Record<string, unknown> = {}) => rawSnapshot(i, { features: tinyFeatures(i), ...over });

let tiny: LoadedModel;
let redis: Redis;
let workerConn: Redis;
let prefix: string;
let queue: Queue<IntakeJobInput>;
let producer: Redis;
let worker: Worker<IntakeJobInput> | undefined;

beforeAll(async () => {
  tiny = await loadTiny();
  redis = connect();
  workerConn = connect({ maxRetriesPerRequest: null });
});
afterAll(async () => {
  await redis.quit();
  await workerConn.quit();
});
beforeEach(async () => {
  prefix = freshPrefix();
  producer = connect({ producer: true });
  await new Promise((r) => producer.once('ready', r));
  queue = createIntakeQueue(producer, prefix);
  await queue.waitUntilReady();
});
afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await queue.close();
  await producer.quit();
  await deleteKeys(redis, prefix);
});

function start(
  model: LoadedModel,
  wrap?: (p: (job: Job<IntakeJobInput>) => Promise<IntakeResult>) => (job: Job<IntakeJobInput>) => Promise<IntakeResult>,
) {
  const ctx = service(redis, prefix);
  const base = makeIntakeProcessor({ acquire: fixedModel(model), service: ctx.svc, now: () => noonCDT });
  const processor = wrap ? wrap(base) : base;
  worker = createIntakeWorker({ connection: workerConn, prefix, processor, concurrency: 2 });
  return ctx;
}

const settled = (n: number) =>
  new Promise<{ done: Job[]; failed: [Job | undefined, Error][] }>((resolve) => {
    const done: Job[] = [];
    const failed: [Job | undefined, Error][] = [];
    const check = () => done.length + failed.length >= n && resolve({ done, failed });
    worker!.on('completed', (j) => (done.push(j), check()));
    worker!.on('failed', (j, e) => {
      // Only final failures count; a retried job fails again later or completes.
      if (!j || j.attemptsMade >= (j.opts.attempts ?? 1) || e.name === 'UnrecoverableError') failed.push([j, e]), check();
    });
  });

describe('intake queue', () => {
  it('scores each chunk in one model pass and assigns every snapshot', async () => {
    const { model, calls } = counting(tiny);
    const snaps = Array.from({ length: 1200 }, (_, i) => snap(i));
    const ids = await enqueueSnapshots(queue, snaps, { chunkSize: 500 });
    expect(ids).toHaveLength(3);
    const ctx = start(model);
    const { done, failed } = await settled(3);
    expect(failed).toEqual([]);
    expect(calls.sort((a, b) => b - a)).toEqual([500, 500, 200]);
    expect(done.map((j) => (j.returnvalue as IntakeResult).results.queued ?? 0).reduce((a, b) => a + b)).toBe(1200);
    const sizes = await ctx.store.sizes();
    expect(Object.values(sizes).reduce((s, q) => s + q.ready, 0)).toBe(1200);
    expect(await redis.xlen(ctx.store.keys.audit)).toBe(1200);
  });

  it('the same snapshot posted twice is one job, and assigned once', async () => {
    const a = await enqueueSnapshots(queue, [snap(1)]);
    const b = await enqueueSnapshots(queue, [snap(1)]);
    expect(a).toEqual([snapshotJobId({ accountId: 'acct-1', asOf: '2026-05-12' })]);
    expect(b).toEqual(a);
    expect(chunkJobId([snap(1), snap(2)])).toBe(chunkJobId([snap(1), snap(2)]));
    expect((await queue.getJobCounts('wait')).wait).toBe(1);
  });

  it('an invalid payload fails at once with a clear reason, without retries', async () => {
    await queue.add('snapshots', { snapshots: [{ ...snap(1), accountId: 'bad id!' }], receivedAt: 0 } as IntakeJobInput, {
      jobId: 'bad-1',
    });
    start(tiny);
    const { failed } = await settled(1);
    const [job, err] = failed[0];
    expect(err.name).toBe('UnrecoverableError');
    expect(err.message).toMatch(/snapshots\.0\.accountId: letters, digits/);
    expect(job!.attemptsMade).toBe(1);
  });

  it('a chunk with no snapshot the model can score fails unrecoverably; a partly bad chunk completes', async () => {
    await enqueueSnapshots(queue, [snap(1, { features: { income: 'lots' } })]);
    await enqueueSnapshots(queue, [snap(2), snap(3, { features: { util: 0.5 } })]);
    const ctx = start(tiny);
    const { done, failed } = await settled(2);
    expect(failed).toHaveLength(1);
    expect(failed[0][1].message).toMatch(/features\.income: must be a finite number or null/);
    const r = done[0].returnvalue as IntakeResult;
    expect(r.scored).toBe(1);
    expect(r.rejected).toEqual([
      { accountId: 'acct-3', details: expect.arrayContaining([{ path: 'features.grade', issue: 'required: send null when unknown' }]) },
    ]);
    const events = (await redis.xrange(ctx.store.keys.audit, '-', '+')).map(([, f]) => f[f.indexOf('event') + 1]);
    expect(events.filter((e) => e === 'rejected')).toHaveLength(2);
  });

  it('a transient failure is retried with backoff and the chunk still lands once', async () => {
    let attempts = 0;
    await enqueueSnapshots(queue, [snap(1), snap(2)]);
    const ctx = start(tiny, (p) => async (job) => {
      attempts++;
      const r = await p(job);
      // Fail after the assignment happened: the retry must find it already done.
      if (attempts === 1) throw new Error('simulated connection reset');
      return r;
    });
    const { done, failed } = await settled(1);
    expect(failed).toEqual([]);
    expect(done[0].attemptsMade).toBe(2);
    expect((done[0].returnvalue as IntakeResult).results).toEqual({ duplicate: 2 });
    expect((await ctx.store.sizes()).call.ready + (await ctx.store.sizes()).digital.ready + (await ctx.store.sizes()).field.ready).toBe(2);
    expect(await redis.xlen(ctx.store.keys.audit)).toBe(2);
  });

  it('queue and key names derive from the prefix', () => {
    expect(queueNames('arrears').intake).toBe('arrears-delinquencies');
    expect(bullPrefix('arrears')).toBe('{arrears:bull}');
  });
});
