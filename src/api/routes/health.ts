/**
 * GET /health/live, GET /health/ready and GET /metrics: open (no key), never rate limited.
 * Liveness and metrics keep answering under event-loop pressure; readiness does not, so a
 * saturated instance is taken out of rotation rather than restarted.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { currentBackend } from '../../model/backend.js';
import { ApiError } from '../errors.js';
import { ErrorSchema } from '../schemas.js';

const healthRoutes: FastifyPluginAsync<{ backend?: string; authDisabled: boolean }> = async (base, opts) => {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/health/live',
    {
      config: { role: 'public', alwaysOn: true },
      schema: {
        operationId: 'getLiveness',
        tags: ['operations'],
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: { role: 'public' },
      schema: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'Readiness: a model is loaded and warm',
        response: {
          200: z.object({
            status: z.literal('ready'),
            model: z.object({ name: z.string(), version: z.string() }),
            challenger: z.string().nullable(),
            backend: z.string().describe('tfjs backend in use (loading and checking bundles)'),
            engine: z.string().describe("how the champion's network is evaluated per request: wasm-simd, plain or scorecard"),
            engineNote: z.string().nullable().describe('why a slower engine serves than this runtime offers, or null'),
            authDisabled: z.boolean(),
            store: z.enum(['up', 'down']).optional().describe('the worklist store (Redis), on instances that serve the collection routes'),
          }),
          503: ErrorSchema,
        },
      },
    },
    async () => {
      const slot = app.models.champion;
      // loadModel validates, loads and warms a bundle before it is installed, so installed = warm.
      if (!slot) throw new ApiError('ARREARS_NO_MODEL', 'not ready: no model is loaded');
      const b = slot.model.bundle;
      // An instance whose store is unreachable would answer every intake with 503: out of rotation.
      const store = app.hasDecorator('collection') ? (app.redis.status === 'ready' ? ('up' as const) : ('down' as const)) : undefined;
      if (store === 'down')
        throw new ApiError('ARREARS_STORE_UNAVAILABLE', 'not ready: the worklist store (Redis) is unreachable', [], { 'retry-after': '5' });
      return {
        status: 'ready' as const,
        model: { name: b.name, version: b.version },
        challenger: app.models.challenger?.ref ?? null,
        backend: opts.backend ?? currentBackend() ?? 'none',
        engine: slot.model.engine,
        engineNote: slot.model.engineNote,
        authDisabled: opts.authDisabled,
        ...(store ? { store } : {}),
      };
    },
  );

  app.get(
    '/metrics',
    {
      config: { role: 'public', alwaysOn: true },
      schema: { operationId: 'getMetrics', tags: ['operations'], summary: 'Prometheus metrics' },
    },
    async (_req, reply) => {
      reply.type(app.metrics.registry.contentType);
      return app.metrics.registry.metrics();
    },
  );
};

export default fp(healthRoutes, { name: 'arrears-health-routes', dependencies: ['arrears-auth', 'arrears-metrics', 'arrears-models'] });
