/**
 * The server half of `npm run bench:api`, run as a child process so the load generator and the
 * server do not share one event loop. Builds the real app (auth, rate limit, validation, metrics)
 * plus the no-op reference route, listens on a free port and reports it to the parent over IPC.
 */
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/api/app.js';
import { initBackend } from '../../src/model/backend.js';

const config = loadConfig();
const backend = await initBackend(config.tfBackend);
const app = await buildApp({ config, backend, benchNoop: true, watchRegistry: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
if (!app.models.champion || !addr || typeof addr === 'string') {
  process.send?.({ error: `no champion model in ${config.modelsDir}` });
  process.exit(1);
}
process.send?.({ port: addr.port, backend, ref: app.models.champion.ref });
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
