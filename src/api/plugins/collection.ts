/**
 * The `collection` decorator: the collection runtime (src/collection/runtime.ts) over the app's
 * Redis connection: the intake queue, the worklist store and the collection service with the
 * policy file loaded and validated. Closed with the app.
 */
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { createCollectionRuntime, type CollectionRuntime } from '../../collection/runtime.js';

declare module 'fastify' {
  interface FastifyInstance {
    collection: CollectionRuntime;
  }
}

export default fp(
  async (app, opts: { config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'policyFile' | 'leaseSeconds'> }) => {
    const rt = await createCollectionRuntime(opts.config, { log: app.log, redis: app.redis });
    app.decorate('collection', rt);
    app.addHook('onClose', () => rt.close());
  },
  { name: 'arrears-collection', dependencies: ['arrears-redis'] },
);
