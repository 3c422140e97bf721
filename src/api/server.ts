/**
 * `npm start`: reads the config (the one place that does), picks the tfjs backend, builds the app
 * and listens. On SIGTERM/SIGINT it stops accepting connections, lets in-flight requests finish,
 * then releases the models and Redis (close-with-grace; forced exit after 10 s). SIGHUP re-reads
 * the policy file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import closeWithGrace from 'close-with-grace';
import { reloadPolicyLogged } from '../collection/runtime.js';
import { loadConfigOrExit, type Config } from '../config.js';
import { initBackend } from '../model/backend.js';
import { buildApp } from './app.js';
import { createLogger } from './logger.js';

const config: Config = loadConfigOrExit();

const logger = createLogger(config);
const backend = await initBackend(config.tfBackend);
logger.info({ backend }, `tfjs backend: ${backend}`);

const app = await buildApp({ config, logger, backend });
let closing = false;

// ARREARS_WORKER_IN_PROCESS=true (demo, laptop): one `npm start` also runs the intake worker. It
// runs as a child process (src/worker/main.ts, same environment), so the API never depends on the
// worker's code; it follows the same registry, so it scores with the same champion.
const worker: ChildProcess | null = config.workerInProcess
  ? fork(fileURLToPath(new URL('../worker/main.ts', import.meta.url)), { stdio: 'inherit' })
  : null;
worker?.on('exit', (code, signal) => {
  if (!closing) logger.error({ code, signal }, 'the intake worker exited; intake jobs wait in the queue until a worker runs');
});
if (worker) logger.info({ pid: worker.pid }, 'intake worker started alongside the API (ARREARS_WORKER_IN_PROCESS)');

// SIGHUP re-reads the policy file (claims and outcomes use its compliance profiles and treatments);
// the worker re-reads its champion and policy too.
process.on('SIGHUP', () => {
  void reloadPolicyLogged(app.collection, logger);
  worker?.kill('SIGHUP');
});

closeWithGrace({ delay: 10_000, logger, skip: ['SIGHUP'] }, async ({ err, signal }) => {
  closing = true;
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing: draining in-flight requests');
  const workerDone = worker && worker.exitCode === null && worker.signalCode === null ? once(worker, 'exit') : null;
  worker?.kill('SIGTERM');
  await Promise.all([app.close(), workerDone]);
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  logger.fatal({ err }, 'cannot listen');
  process.exit(1);
}
