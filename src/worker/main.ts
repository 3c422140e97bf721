/**
 * `npm run worker`: the intake worker. Reads the config (the one place that does), loads the
 * champion model and the policy, and processes chunk jobs from the intake queue. A promotion
 * announced on Redis (or SIGHUP) reloads the champion between jobs. On SIGTERM/SIGINT it stops
 * taking jobs, lets active ones finish (BullMQ's worker.close), then closes Redis.
 */
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfigOrExit, type Config } from '../config.js';
import { serialQueue } from '../lib/serial.js';
import { throttledErrorLog } from '../lib/throttled-log.js';
import { initBackend } from '../model/backend.js';
import { loadChampion } from '../model/load.js';
import type { LoadedModel } from '../model/types.js';
import { queueNames } from '../collection/intake.js';
import { createCollectionRuntime, reloadPolicyLogged } from '../collection/runtime.js';
import { startIntakeWorker } from './intake-worker.js';

const config: Config = loadConfigOrExit();

const logger = pino({ level: config.logLevel, name: 'arrears-worker' });
const backend = await initBackend(config.tfBackend);
let model: LoadedModel = await loadChampion(config.modelsDir);
const runtime = await createCollectionRuntime(config, { log: logger });
announce(model, 'worker starting', { backend, policy: runtime.policy.version });

// Reference-counted so a reload never disposes a model a job is still scoring with.
const inUse = new Map<LoadedModel, number>();
const retired = new Set<LoadedModel>();
const acquire = () => {
  const m = model;
  inUse.set(m, (inUse.get(m) ?? 0) + 1);
  return {
    model: m,
    release: () => {
      const n = (inUse.get(m) ?? 1) - 1;
      if (n > 0) return void inUse.set(m, n);
      inUse.delete(m);
      if (retired.delete(m)) m.dispose();
    },
  };
};

function announce(m: LoadedModel, msg: string, extra: object = {}): void {
  if (m.engineNote) logger.warn({ engine: m.engine, note: m.engineNote }, 'the champion serves through the plain forward pass');
  logger.info({ ...extra, model: `${m.bundle.name}/${m.bundle.version}`, engine: m.engine }, msg);
}

// Model reloads (promotions, SIGHUP) run one at a time, in arrival order.
const modelReloads = serialQueue();
const reloadModel = (why: string): Promise<void> => modelReloads(() => loadAndSwap(why));

async function loadAndSwap(why: string): Promise<void> {
  try {
    const next = await loadChampion(config.modelsDir);
    const old = model;
    model = next;
    if (inUse.has(old)) retired.add(old);
    else if (old !== next) old.dispose();
    announce(next, 'champion reloaded', { why });
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'champion reload failed; keeping the current model');
  }
}

const worker = startIntakeWorker(runtime, config, acquire, logger);

// The API announces promotions on `${prefix}:models` (src/api/plugins/model.ts, modelsChannel).
const sub = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
sub.on('error', throttledErrorLog(logger, 'redis unavailable: promotions are not heard until it answers'));
sub.on('message', () => void reloadModel('promotion announced'));
sub.subscribe(`${config.redisPrefix}:models`).catch((err: Error) => logger.warn({ err: err.message }, 'cannot subscribe to promotions'));
// SIGHUP: re-read the champion and the policy file (kill -HUP <pid>).
process.on('SIGHUP', () => {
  void reloadModel('SIGHUP');
  void reloadPolicyLogged(runtime, logger);
});

logger.info({ queue: queueNames(config.redisPrefix).intake, concurrency: config.workerConcurrency }, 'worker ready');

closeWithGrace({ delay: 30_000, logger, skip: ['SIGHUP'] }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing: finishing active jobs');
  await worker.close();
  sub.disconnect();
  await runtime.close();
  model.dispose();
});
