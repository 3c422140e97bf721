/**
 * The `models` decorator: the ModelHolder, kept in step with models/registry.json. It loads the
 * champion at start (unless a model is injected), then re-reads the registry when the file changes
 * (fs.watch on the folder, debounced: the registry is replaced by rename, so the file's own inode
 * changes) and when another instance announces a promotion on the Redis channel
 * `${redisPrefix}:models`. Redis is best effort: without it every instance still follows the
 * registry file, just without the cross-machine nudge.
 */
import { watch, type FSWatcher } from 'node:fs';
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { throttledErrorLog } from '../../lib/throttled-log.js';
import { loadModel } from '../../model/load.js';
import { REGISTRY_FILE } from '../../model/registry.js';
import type { LoadedModel } from '../../model/types.js';
import { ModelHolder, refOf, type Role } from '../model-holder.js';

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelHolder;
    /** Tells other instances to re-read the registry (best effort). */
    announcePromotion(ref: string, as: Role): Promise<void>;
  }
}

export interface ModelPluginOptions {
  config: Pick<Config, 'modelsDir' | 'redisPrefix'>;
  model?: LoadedModel;
  loader?: (dir: string) => Promise<LoadedModel>;
  /** Subscriber + publisher connections; omitted = no cross-instance sync. */
  redis?: Redis;
  watchRegistry?: boolean;
  debounceMs?: number;
}

export const modelsChannel = (prefix: string): string => `${prefix}:models`;

export default fp(
  async (app, opts: ModelPluginOptions) => {
    const { modelsDir, redisPrefix } = opts.config;
    const m = app.metrics;
    const instance = randomUUID();
    const holder = new ModelHolder({
      modelsDir,
      loader: opts.loader ?? loadModel,
      log: app.log,
      onSwap: (role, slot, prev) => {
        if (prev) m.modelInfo.remove({ role, name: prev.model.bundle.name, version: prev.model.bundle.version });
        if (slot) m.modelInfo.set({ role, name: slot.model.bundle.name, version: slot.model.bundle.version }, 1);
        m.modelSwaps.inc({ role, result: 'swapped' });
      },
      onRefused: () => m.modelSwaps.inc({ role: 'any', result: 'refused' }),
      onShadow: (diffs) => {
        for (const d of diffs) m.shadowAbsDiff.observe(d);
      },
    });
    app.decorate('models', holder);

    if (opts.model) holder.install('champion', opts.model, refOf(opts.model));
    // With an injected model only the challenger comes from the registry; otherwise both do.
    await holder.reconcile('startup', opts.model ? ['challenger'] : undefined);
    if (!holder.champion) app.log.error({ modelsDir }, 'no model loaded: scoring answers 503 until a bundle is promoted');

    let timer: NodeJS.Timeout | null = null;
    const nudge = (reason: string) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        void holder.reconcile(reason);
      }, opts.debounceMs ?? 150);
      timer.unref();
    };

    let watcher: FSWatcher | null = null;
    if (opts.watchRegistry ?? true) {
      try {
        watcher = watch(modelsDir, (_ev, file) => {
          if (file === null || file === REGISTRY_FILE) nudge('registry file changed');
        });
        watcher.on('error', (err) => app.log.error({ err }, 'registry watch failed; promotions by other processes need a restart or pub/sub'));
      } catch (err) {
        app.log.error({ err, modelsDir }, 'cannot watch the models folder');
      }
    }

    let sub: Redis | null = null;
    const channel = modelsChannel(redisPrefix);
    if (opts.redis) {
      // The subscriber may queue its SUBSCRIBE until Redis is reachable; ioredis re-subscribes after reconnects.
      sub = opts.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
      sub.on('error', throttledErrorLog(app.log, 'redis unavailable: model pub/sub paused (scoring is unaffected)'));
      sub.on('message', (ch, msg) => {
        if (ch !== channel) return;
        try {
          if ((JSON.parse(msg) as { from?: string }).from === instance) return;
        } catch {
          // An unparseable message still means "look at the registry".
        }
        nudge('pub/sub promotion');
      });
      sub.subscribe(channel).catch((err: Error) => app.log.warn({ err: err.message }, 'redis subscribe failed; relying on the registry file watch'));
    }

    app.decorate('announcePromotion', async (ref: string, as: Role) => {
      if (!opts.redis) return;
      try {
        await opts.redis.publish(channel, JSON.stringify({ ref, as, from: instance, at: new Date().toISOString() }));
      } catch (err) {
        app.log.warn({ err: (err as Error).message }, 'redis publish failed; other instances will pick the promotion up from the registry file');
      }
    });

    app.addHook('onClose', async () => {
      if (timer) clearTimeout(timer);
      watcher?.close();
      if (sub) sub.disconnect();
      await holder.close();
    });
  },
  { name: 'arrears-models', dependencies: ['arrears-metrics'] },
);
