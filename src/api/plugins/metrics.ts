/**
 * Prometheus metrics (prom-client), on a registry per app so several apps in one process (tests)
 * never collide. Exposed, unauthenticated, at GET /metrics.
 */
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  scores: Counter<'tier' | 'model'>;
  errors: Counter<'code'>;
  modelInfo: Gauge<'role' | 'name' | 'version'>;
  modelSwaps: Counter<'role' | 'result'>;
  shadowAbsDiff: Histogram;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

export function createMetrics(defaultMetrics: boolean): ApiMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'arrears_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'arrears_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    scores: new Counter({
      name: 'arrears_scores_total',
      help: 'Borrowers scored, by risk tier',
      labelNames: ['tier', 'model'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'arrears_errors_total',
      help: 'Error responses (and failed batch items) by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    modelInfo: new Gauge({
      name: 'arrears_model_info',
      help: 'The model serving each role (value 1)',
      labelNames: ['role', 'name', 'version'],
      registers: [registry],
    }),
    modelSwaps: new Counter({
      name: 'arrears_model_swaps_total',
      help: 'Model swaps and refused bundles',
      labelNames: ['role', 'result'],
      registers: [registry],
    }),
    shadowAbsDiff: new Histogram({
      name: 'arrears_shadow_pd_abs_diff',
      help: 'Absolute PD difference between champion and challenger on live traffic',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
      registers: [registry],
    }),
  };
}

export default fp(
  async (app, opts: { defaultMetrics?: boolean }) => {
    const metrics = createMetrics(opts.defaultMetrics ?? true);
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (req, reply) => {
      metrics.httpDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: reply.statusCode },
        reply.elapsedTime / 1000,
      );
    });
    app.addHook('onClose', async () => metrics.registry.clear());
  },
  { name: 'arrears-metrics' },
);
