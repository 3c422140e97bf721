/**
 * The `models` decorator: the serving lifecycle (src/model/serving.ts) with the API's view of each
 * model (its request schemas), kept in step with models/registry.json through the registry file
 * watch and the promotion channel on the app's Redis. The `monitor` decorator keeps the
 * drift ring and challenger shadow scoring, reset on every swap. Redis is best effort: without it
 * every instance still follows the registry file, just without the cross-machine nudge.
 */
import fp from 'fastify-plugin';
import type { z } from 'zod';
import { modelsChannel } from '../../collection/keys.js';
import type { Config } from '../../config.js';
import { redisAnnouncements } from '../../model/announcements.js';
import { ModelServing, refOf, type Role, type Slot } from '../../model/serving.js';
import type { LoadedModel } from '../../model/types.js';
import { LiveMonitor } from '../monitoring.js';
import { featureSchema, scoreRequestSchema } from '../schemas.js';

/** What the API derives from a model once, when it is swapped in. */
export interface ApiView {
  /** This bundle's feature schema: the request validation for everything it scores. */
  readonly features: z.ZodType<Record<string, unknown>>;
  readonly known: ReadonlySet<string>;
  /** A whole POST /v1/scores body (borrowerId + features) under this bundle's schema: batch items. */
  readonly request: z.ZodType<{ borrowerId?: string; features: Record<string, unknown> }>;
  /** Identifies the feature contract, so the shadow path can skip re-validation when it is the same. */
  readonly contract: string;
}

export type ApiSlot = Slot<ApiView>;

function apiView(model: LoadedModel): ApiView {
  const f = model.bundle.features;
  const features = featureSchema(f);
  return {
    features,
    request: scoreRequestSchema(features),
    known: new Set(f.map((x) => x.name)),
    contract: JSON.stringify(f.map((x) => [x.name, x.type])),
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelServing<ApiView>;
    monitor: LiveMonitor;
    /** Tells other instances to re-read the registry (best effort). */
    announcePromotion(ref: string, as: Role): Promise<void>;
  }
}

export interface ModelPluginOptions {
  config: Pick<Config, 'modelsDir' | 'redisPrefix'>;
  model?: LoadedModel;
  loader?: (dir: string) => Promise<LoadedModel>;
  watchRegistry?: boolean;
  debounceMs?: number;
}

export default fp(
  async (app, opts: ModelPluginOptions) => {
    const { modelsDir, redisPrefix } = opts.config;
    const m = app.metrics;
    let monitor: LiveMonitor | null = null;
    const serving = new ModelServing<ApiView>({
      modelsDir,
      loader: opts.loader,
      log: app.log,
      prepare: apiView,
      onSwap: (role, slot, prev) => {
        if (prev) m.modelInfo.remove({ role, name: prev.model.bundle.name, version: prev.model.bundle.version });
        if (slot) m.modelInfo.set({ role, name: slot.model.bundle.name, version: slot.model.bundle.version }, 1);
        m.modelSwaps.inc({ role, result: 'swapped' });
        monitor?.swapped(role);
      },
      onRefused: () => m.modelSwaps.inc({ role: 'any', result: 'refused' }),
    });
    monitor = new LiveMonitor(serving, app.log, (diffs) => {
      for (const d of diffs) m.shadowAbsDiff.observe(d);
    });
    app.decorate('models', serving);
    app.decorate('monitor', monitor);

    if (opts.model) serving.install('champion', opts.model, refOf(opts.model));
    // With an injected model only the challenger comes from the registry; otherwise both do.
    await serving.reconcile('startup', opts.model ? { roles: ['challenger'] } : {});
    if (!serving.champion) app.log.error({ modelsDir }, 'no model loaded: scoring answers 503 until a bundle is promoted');

    const announcements = redisAnnouncements(app.redis, modelsChannel(redisPrefix), app.log);
    serving.follow({ watchRegistry: opts.watchRegistry ?? true, debounceMs: opts.debounceMs, sources: [announcements.source] });
    app.decorate('announcePromotion', (ref: string, as: Role) => announcements.announce(ref, as));

    app.addHook('onClose', async () => {
      monitor.close();
      await serving.close();
    });
  },
  { name: 'arrears-models', dependencies: ['arrears-metrics', 'arrears-redis'] },
);
