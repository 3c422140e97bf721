/**
 * `npm run worker`: the intake worker. Reads the config (the one place that does), loads the
 * champion model and the policy, and processes chunk jobs from the intake queue. The champion
 * follows the registry through the serving lifecycle (src/model/serving.ts): the registry file
 * watch and the promotion channel re-read it, and a swap takes effect between chunks. Only the
 * champion is served here, so announcing a challenger reloads nothing. SIGHUP reloads the champion
 * and the policy file. On SIGTERM/SIGINT it stops taking jobs, lets active ones finish (BullMQ's
 * worker.close), then closes Redis.
 */
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { queueNames } from '../collection/intake.js';
import { modelsChannel } from '../collection/keys.js';
import { createCollectionRuntime, reloadPolicyLogged } from '../collection/runtime.js';
import { loadConfigOrExit, type Config } from '../config.js';
import { redisAnnouncements } from '../model/announcements.js';
import { initBackend } from '../model/backend.js';
import { ModelServing } from '../model/serving.js';
import { startIntakeWorker } from './intake-worker.js';

const config: Config = loadConfigOrExit();

const logger = pino({ level: config.logLevel, name: 'arrears-worker' });
const backend = await initBackend(config.tfBackend);
const models = new ModelServing({ modelsDir: config.modelsDir, log: logger, roles: ['champion'] });
await models.reconcile('startup');
if (!models.champion) {
  logger.fatal(
    { modelsDir: config.modelsDir },
    'no champion model could be loaded (see the errors above): train one with npm run train, or promote a bundle',
  );
  process.exit(1);
}
const runtime = await createCollectionRuntime(config, { log: logger });
logger.info(
  { backend, policy: runtime.policy.version, model: models.champion.ref, engine: models.champion.model.engine },
  'worker starting',
);

const worker = startIntakeWorker(runtime, config, () => models.requireChampion().model, logger);

// The API announces promotions on the models channel; the registry file watch covers the rest.
const announcements = redisAnnouncements(runtime.redis, modelsChannel(config.redisPrefix), logger);
models.follow({ sources: [announcements.source] });
// SIGHUP: re-read the champion and the policy file (kill -HUP <pid>).
process.on('SIGHUP', () => {
  void models.reconcile('SIGHUP', { force: true });
  void reloadPolicyLogged(runtime, logger);
});

logger.info({ queue: queueNames(config.redisPrefix).intake, concurrency: config.workerConcurrency }, 'worker ready');

closeWithGrace({ delay: 30_000, logger, skip: ['SIGHUP'] }, async ({ err, signal }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing: finishing active jobs');
  await worker.close();
  await models.close();
  await runtime.close();
});
