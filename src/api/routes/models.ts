/**
 * GET /v1/models, GET /v1/models/:version (role scorer) and POST /v1/models/:version/promote (admin).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Bundle } from '../../domain/bundle.js';
import { BundleError, readBundleJson } from '../../model/load.js';
import { bundleDir, readRegistry } from '../../model/registry.js';
import { ApiError } from '../errors.js';
import { bundleErrorMessage } from '../../model/serving.js';
import { ErrorSchema, ModelSummarySchema, PromoteBody, VersionParams } from '../schemas.js';

const modelsRoutes: FastifyPluginAsync<{ modelsDir: string }> = async (base, opts) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const holder = app.models;
  // `curl -X POST .../promote` sends no body; some clients add a JSON content-type to it anyway. In
  // this plugin only, an empty JSON body is no body; anything else goes to Fastify's own parser.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
    if (text === '') done(null, undefined);
    else json(req, text as string, done);
  });

  const summaries = async () => {
    const reg = await readRegistry(opts.modelsDir);
    const serving = new Set([holder.champion?.ref, holder.challenger?.ref]);
    return {
      reg,
      models: reg.bundles.map((b) => ({
        ref: b.ref,
        name: b.name,
        version: b.version,
        createdAt: b.createdAt,
        champion: reg.champion === b.ref,
        challenger: reg.challenger === b.ref,
        serving: serving.has(b.ref),
        metrics: b.metrics,
      })),
    };
  };

  app.get(
    '/v1/models',
    {
      config: { role: 'scorer' },
      schema: {
        operationId: 'listModels',
        summary: 'List model bundles',
        description:
          'Every bundle in the registry with its test metrics; marks the champion, the challenger and what this instance serves.',
        tags: ['models'],
        response: {
          200: z.object({
            champion: z.string().nullable(),
            challenger: z.string().nullable(),
            serving: z.object({ champion: z.string().nullable(), challenger: z.string().nullable() }),
            models: z.array(ModelSummarySchema),
          }),
          401: ErrorSchema,
          403: ErrorSchema,
        },
      },
    },
    async () => {
      const { reg, models } = await summaries();
      return {
        champion: reg.champion,
        challenger: reg.challenger,
        serving: { champion: holder.champion?.ref ?? null, challenger: holder.challenger?.ref ?? null },
        models,
      };
    },
  );

  app.get(
    '/v1/models/:version',
    {
      config: { role: 'scorer' },
      schema: {
        operationId: 'getModel',
        summary: 'One bundle in detail',
        description:
          'Features, metrics (train, validation, test), tiers, scaling, calibration method, data fingerprint, importance, fairness and the PSI baseline.',
        tags: ['models'],
        params: VersionParams,
        response: { 200: z.record(z.string(), z.unknown()), 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (req) => {
      const { models } = await summaries();
      const matches = models.filter((m) => m.version === req.params.version || m.ref === req.params.version);
      if (!matches.length) throw new ApiError('ARREARS_MODEL_NOT_FOUND', `no bundle "${req.params.version}" in the registry`);
      if (matches.length > 1)
        throw new ApiError(
          'ARREARS_CONFLICT',
          `version "${req.params.version}" exists under several names; use one of ${matches.map((m) => m.ref).join(', ')}`,
        );
      const entry = matches[0];
      let b: Bundle;
      try {
        b = await readBundleJson(bundleDir(opts.modelsDir, entry.ref));
      } catch (e) {
        if (e instanceof BundleError) throw new ApiError('ARREARS_BUNDLE_INVALID', bundleErrorMessage(e, opts.modelsDir, entry.ref));
        throw e;
      }
      return {
        ...entry,
        schemaVersion: b.schemaVersion,
        data: b.data,
        features: b.features,
        metrics: b.metrics,
        tiers: b.tiers,
        scaling: b.scaling,
        calibration: { method: b.calibration.method },
        model: { blendWeight: b.model.blendWeight, network: b.model.network },
        importance: b.importance,
        fairness: b.fairness,
        baseline: b.baseline,
      };
    },
  );

  app.post(
    '/v1/models/:version/promote',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'promoteModel',
        summary: 'Promote a bundle (admin)',
        description:
          'Validates, loads and warms up the bundle, records it in registry.json, then swaps it in atomically; requests in flight finish on the old model. A corrupt bundle is refused (422) and the old model keeps serving. `{"as":"challenger"}` makes it the shadow challenger instead. Other instances follow through the registry watch and Redis pub/sub.',
        tags: ['models'],
        params: VersionParams,
        // Fastify hands a request without a body to validation as null.
        body: PromoteBody.nullish(),
        response: {
          200: z.object({ ref: z.string(), as: z.enum(['champion', 'challenger']), previous: z.string().nullable() }),
          401: ErrorSchema,
          403: ErrorSchema,
          404: ErrorSchema,
          409: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req) => {
      const as = req.body?.as ?? 'champion';
      const out = await holder.promote(req.params.version, as);
      req.log.info({ ref: out.ref, as, previous: out.previous, by: req.principal?.name }, 'model promoted');
      await app.announcePromotion(out.ref, as);
      return out;
    },
  );
};

export default fp(modelsRoutes, { name: 'arrears-models-routes', dependencies: ['arrears-auth', 'arrears-models'] });
