import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createLogger } from '../../src/api/logger.js';
import { sha256Hex } from '../../src/api/plugins/auth.js';
import { snapshotJobId, type IntakeJobInput } from '../../src/collection/intake.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { LoadedModel } from '../../src/model/types.js';
import { startIntakeWorker } from '../../src/worker/intake-worker.js';
import { fixedModel, type IntakeResult } from '../../src/worker/processor.js';
import { FIXTURE_MODELS } from '../helpers/model-dirs.js';
import { loadTiny, tinyFeatures } from '../helpers/models.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

const MARKER = 'MARKER-ACCT-7731';
const KEY = 'scorer-key-123';
const base = loadConfig({
  ARREARS_API_KEYS: JSON.stringify([{ name: 'scorer-1', sha256: sha256Hex(KEY), roles: ['scorer'] }]),
});

let model: LoadedModel;
let redis: Redis;
let app: FastifyInstance | undefined;
let worker: Worker<IntakeJobInput, IntakeResult> | undefined;
let prefix: string;

beforeAll(async () => {
  model = await loadTiny();
});
afterEach(async () => {
  await worker?.close();
  await app?.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('account ids stay out of logs and job metadata', () => {
  it('a full intake loop, with one snapshot the model cannot score, logs no account id at debug level', async () => {
    prefix = freshPrefix();
    redis = connect();
    let logs = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs += chunk.toString();
        cb();
      },
    });
    const cfg: Config = { ...base, modelsDir: FIXTURE_MODELS, redisPrefix: prefix, logLevel: 'debug', workerBatch: 2 };
    const log = createLogger(cfg, sink);
    app = await buildApp({ config: cfg, model, watchRegistry: false, defaultMetrics: false, logger: log });
    await app.ready();
    const snap = (id: string, features: Record<string, unknown>) => ({
      accountId: id,
      asOf: '2026-05-12',
      dpd: 45,
      outstanding: 900,
      jurisdiction: 'US',
      timezone: 'America/Chicago',
      features,
    });
    const good = await app.inject({
      method: 'POST',
      url: '/v1/delinquencies',
      headers: { 'x-api-key': KEY },
      payload: snap(MARKER, tinyFeatures(1)),
    });
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/delinquencies',
      headers: { 'x-api-key': KEY },
      payload: snap(`${MARKER}-B`, { income: 'lots' }),
    });
    expect([good.statusCode, bad.statusCode]).toEqual([202, 202]);
    // Idempotency survives the hashing: the same snapshot gets the same id.
    expect(good.json().jobs).toEqual([snapshotJobId({ accountId: MARKER, asOf: '2026-05-12' })]);

    const w = startIntakeWorker(app.collection, { ...cfg, workerConcurrency: 1 }, fixedModel(model), log);
    worker = w;
    const settled = new Promise<void>((resolve) => {
      let n = 0;
      const done = () => ++n === 2 && resolve();
      w.on('completed', done);
      w.on('failed', done);
    });
    await settled;
    // Let the completion/failure log lines flush.
    await new Promise((r) => setImmediate(r));

    const account = await app.collection.service.account(MARKER);
    expect(account).not.toBeNull();
    const jobs = (await app.collection.queue.getJobs(['completed', 'failed'])) as Job[];
    expect(jobs).toHaveLength(2);
    const metadata = jobs.map((j) => `${j.id} ${j.failedReason ?? ''}`).join('\n');
    expect(logs).toContain('intake job failed');
    expect(logs.split(MARKER).length - 1).toBe(0);
    expect(metadata.split(MARKER).length - 1).toBe(0);
    // The failure still says what was wrong, by position.
    expect(jobs.find((j) => j.failedReason)?.failedReason).toMatch(/item 0: features\.income/);
  });
});
