/**
 * The `redis` decorator: the app's one Redis connection, for the collection routes (worklists,
 * intake queue) and model pub/sub. It fails fast: no offline queue and one retry per command, so
 * a request answers 503 while Redis is away instead of waiting for it, and scoring never depends on
 * it. An injected connection (tests) is used as is and left to its owner to close.
 */
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { throttledErrorLog } from '../../lib/throttled-log.js';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
  }
}

export default fp(
  async (app, opts: { config: Pick<Config, 'redisUrl'>; redis?: Redis }) => {
    const redis = opts.redis ?? new Redis(opts.config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    app.decorate('redis', redis);
    if (opts.redis) return;
    redis.on(
      'error',
      throttledErrorLog(app.log, 'redis unavailable: worklists answer 503 and model pub/sub is paused (scoring is unaffected)'),
    );
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'arrears-redis' },
);
