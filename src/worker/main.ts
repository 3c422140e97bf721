/**
 * `npm run worker`: the intake worker. Reads the config (the one place that does), loads the
 * champion model and the policy, and processes chunk jobs from the intake queue. A promotion
 * announced on Redis (or SIGHUP) reloads the champion between jobs. On SIGTERM/SIGINT it stops
 * taking jobs, lets active ones finish (BullMQ's worker.close), then closes Redis.
 */
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { initBackend } from '../model/backend.js';
import { loadChampion } from '../model/load.js';
import type { LoadedModel } from '../model/types.js';
import { CollectionService } from './collection.js';
import { loadPolicyFile } from './policy-file.js';
import { makeIntakeProcessor } from './processor.js';
import { createIntakeWorker, queueNames } from './queues.js';
import { WorklistStore } from './worklist.js';

let config: Config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  throw e;
}

const logger = pino({ level: config.logLevel, name: 'arrears-worker' });
const backend = await initBackend(config.tfBackend);
let model: LoadedModel = await loadChampion(config.modelsDir);
const policy = await loadPolicyFile(config.policyFile);
logger.info({ backend, model: `${model.bundle.name}/${model.bundle.version}`, policy: policy.version }, 'worker starting');

// Workers block on Redis: BullMQ needs maxRetriesPerRequest null so commands wait out a reconnect.
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
let lastError = 0;
const onError = (err: Error) => {
  if (Date.now() - lastError > 10_000) logger.warn({ err: err.message }, 'redis error (retrying)');
  lastError = Date.now();
};
redis.on('error', onError);

const store = new WorklistStore({ redis, prefix: config.redisPrefix });
const service = new CollectionService(store, policy, config.leaseSeconds * 1000);
const processor = makeIntakeProcessor({ model: () => model, service });

const worker = createIntakeWorker({
  connection: redis,
  prefix: config.redisPrefix,
  processor: async (job) => processor(job),
  concurrency: Math.max(1, config.workerConcurrency),
  onError,
});
worker.on('failed', (job, err) => logger.warn({ job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'intake job failed'));
worker.on('completed', (job, r) => logger.debug({ job: job.id, ...r, rejected: r.rejected.length }, 'intake job done'));

async function reloadModel(why: string): Promise<void> {
  try {
    const next = await loadChampion(config.modelsDir);
    const old = model;
    model = next;
    // Jobs read the model when they start; a job already scoring holds its own reference.
    setTimeout(() => old.dispose(), 60_000).unref();
    logger.info({ why, model: `${next.bundle.name}/${next.bundle.version}` }, 'champion reloaded');
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'champion reload failed; keeping the current model');
  }
}

// The API announces promotions on `${prefix}:models` (src/api/plugins/model.ts, modelsChannel).
const sub = redis.duplicate();
sub.on('error', onError);
sub.on('message', () => void reloadModel('promotion announced'));
sub.subscribe(`${config.redisPrefix}:models`).catch((err: Error) => logger.warn({ err: err.message }, 'cannot subscribe to promotions'));
process.on('SIGHUP', () => void reloadModel('SIGHUP'));

logger.info({ queue: queueNames(config.redisPrefix).intake, concurrency: config.workerConcurrency }, 'worker ready');

closeWithGrace({ delay: 30_000, logger }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing: finishing active jobs');
  await worker.close();
  sub.disconnect();
  await redis.quit();
  model.dispose();
});
