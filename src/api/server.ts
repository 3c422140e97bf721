/**
 * `npm start`: reads the config (the one place that does), picks the tfjs backend, builds the app
 * and listens. On SIGTERM/SIGINT it stops accepting connections, lets in-flight requests finish,
 * then releases the models and Redis (close-with-grace; forced exit after 10 s).
 */
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { loadConfigOrExit, type Config } from '../config.js';
import { throttledErrorLog } from '../lib/throttled-log.js';
import { initBackend } from '../model/backend.js';
import { createCollectionRuntime, reloadPolicyLogged } from '../collection/runtime.js';
import { startIntakeWorker } from '../worker/intake-worker.js';
import { buildApp } from './app.js';
import { createLogger } from './logger.js';
import { mountCollection } from './routes/collection.js';

const config: Config = loadConfigOrExit();

const logger = createLogger(config);
const backend = await initBackend(config.tfBackend);
logger.info({ backend }, `tfjs backend: ${backend}`);

// Pub/sub only: a promotion nudges other instances. Fail fast and never queue commands while
// Redis is away; scoring does not depend on it.
const redis = new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
redis.on('error', throttledErrorLog(logger, 'redis unavailable (model pub/sub paused; scoring unaffected)'));
redis.connect().catch(() => undefined);

// The collection routes (intake, worklists, outcomes) share the worker's runtime: queue, store, policy.
const collection = await createCollectionRuntime(config, { log: logger });
const app = await buildApp({ config, logger, redis, backend, registerCollection: (a) => mountCollection(a, collection, config) });
// ARREARS_WORKER_IN_PROCESS=true (demo, laptop): the intake worker runs inside the API process and
// scores with the API's own champion, read once per chunk.
const worker = config.workerInProcess ? startIntakeWorker(collection, config, () => app.models.requireChampion().model, logger) : null;
if (worker) logger.info('intake worker running in-process (ARREARS_WORKER_IN_PROCESS)');
// SIGHUP re-reads the policy file (claims and outcomes use its compliance profiles and treatments).
process.on('SIGHUP', () => void reloadPolicyLogged(collection, logger));

closeWithGrace({ delay: 10_000, logger, skip: ['SIGHUP'] }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing: draining in-flight requests');
  await app.close();
  await worker?.close();
  await collection.close();
  redis.disconnect();
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  logger.fatal({ err }, 'cannot listen');
  process.exit(1);
}
