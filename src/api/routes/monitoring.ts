/**
 * GET /v1/monitoring/drift and GET /v1/monitoring/shadow (admin): live-traffic monitoring of the
 * serving models. Both are per instance and in memory (bounded rings); scrape every instance or
 * read the Prometheus series for a fleet view.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { drift } from '../monitoring.js';
import { ErrorSchema } from '../schemas.js';

const monitoringRoutes: FastifyPluginAsync = async (base) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const holder = app.models;

  app.get(
    '/v1/monitoring/drift',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'getDrift',
        summary: 'Score drift (PSI)',
        description:
          "Population stability index of this instance's recent champion scores (points; the last 10,000) against the training baseline stored in the bundle, over the baseline's own bins. < 0.1 stable, 0.1-0.25 some shift, > 0.25 major shift; null below 100 scores.",
        tags: ['monitoring'],
        querystring: z.object({ minScores: z.coerce.number().int().min(1).max(10_000).default(100) }),
        response: {
          200: z.object({
            model: z.object({ name: z.string(), version: z.string() }),
            psi: z.number().nullable(),
            scores: z.number().int(),
            minScores: z.number().int(),
            status: z.enum(['insufficient_data', 'stable', 'shift', 'major_shift']),
            bins: z.array(z.object({ from: z.number().nullable(), to: z.number().nullable(), baseline: z.number(), recent: z.number() })),
          }),
          503: ErrorSchema,
        },
      },
    },
    async (req) => {
      const b = holder.requireChampion().model.bundle;
      return { model: { name: b.name, version: b.version }, ...drift(b.baseline, app.monitor.recent.values(), req.query.minScores) };
    },
  );

  app.get(
    '/v1/monitoring/shadow',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'getShadowComparison',
        summary: 'Champion vs challenger on live traffic',
        description:
          'When the registry names a challenger, every scored borrower is also scored by it (after the response, never returned). PD pairs are kept in a ring of the last 10,000; this summarises them.',
        tags: ['monitoring'],
        response: {
          200: z.object({
            champion: z.string().nullable(),
            challenger: z.string().nullable(),
            pairs: z.number().int(),
            skipped: z.number().int(),
            meanChampionPd: z.number().nullable(),
            meanChallengerPd: z.number().nullable(),
            meanAbsDiff: z.number().nullable(),
            maxAbsDiff: z.number().nullable(),
            tierDisagreement: z.number().nullable(),
            recent: z.array(z.object({ championPd: z.number(), challengerPd: z.number() })),
          }),
        },
      },
    },
    async () => app.monitor.shadow.summary(holder.champion?.ref ?? null, holder.challenger?.ref ?? null),
  );
};

export default fp(monitoringRoutes, { name: 'arrears-monitoring-routes', dependencies: ['arrears-auth', 'arrears-models'] });
