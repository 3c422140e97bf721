/**
 * Builds the whole Fastify app from its dependencies: scoring, models, monitoring and the
 * collection API, each a plugin that declares what it depends on. Shared resources (Redis, the
 * collection runtime, the serving models) are decorators, released when the app closes. Listening
 * is server.ts's job, so tests drive the app with `inject` and no port.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { LoadedModel } from '../model/types.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler } from './error-handler.js';
import { MAX_PARAM_LENGTH } from './schemas.js';
import auth from './plugins/auth.js';
import collection from './plugins/collection.js';
import docs from './plugins/docs.js';
import limits from './plugins/limits.js';
import metrics from './plugins/metrics.js';
import models from './plugins/model.js';
import redisPlugin from './plugins/redis.js';
import collectionRoutes from './routes/collection.js';
import dashboardRoutes from './routes/dashboard.js';
import healthRoutes from './routes/health.js';
import modelsRoutes from './routes/models.js';
import monitoringRoutes from './routes/monitoring.js';
import scoresRoutes from './routes/scores.js';
import strategyRoutes from './routes/strategy.js';

export interface AppDeps {
  config: Config;
  /** Serve this model as champion instead of loading the registry's (tests, benchmarks). */
  model?: LoadedModel;
  /** Bundle loader; defaults to src/model/load.ts's loadModel. */
  loader?: (dir: string) => Promise<LoadedModel>;
  /** A pino logger (see logger.ts for the redacting one), or false for none. Default: none. */
  logger?: FastifyBaseLogger | false;
  /**
   * A fail-fast Redis connection to use instead of connecting to `config.redisUrl` (tests: one
   * that is down or about to be). The caller closes it.
   */
  redis?: Redis;
  /** Watch models/registry.json for promotions made by other processes (default true). */
  watchRegistry?: boolean;
  /** tfjs backend name for /health/ready (default: whatever src/model/backend.ts chose). */
  backend?: string;
  /** Registers POST /v1/_bench/noop, the benchmark's reference route. */
  benchNoop?: boolean;
  /** prom-client's process metrics (default true). */
  defaultMetrics?: boolean;
  /** The collection routes' clock (tests); default Date.now. */
  now?: () => number;
}

/** Node's header and request deadlines for a request timeout (Node refuses headers allowed longer than the request). */
function requestDeadlines(requestTimeout: number) {
  return {
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 10))),
  };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    // Request ids for log correlation. A client-chosen id could forge or collide with another
    // request's log lines, so the header is honoured only where a trusted proxy sets it.
    requestIdHeader: config.trustRequestId ? 'x-request-id' : false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // A client that trickles its request in, or holds a silent connection, would otherwise hold a
    // socket for ever. Node checks request deadlines every connectionsCheckingInterval (30 s by
    // default, as long as the timeout itself); a tenth of the timeout keeps the cut-off near it.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    http: config.requestTimeoutMs > 0 ? requestDeadlines(config.requestTimeoutMs) : null,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before routing, and bytes that never became a request, leave in the common shape too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API and type the handlers at compile time; re-validating our own
  // output on every response would cost the hot path for nothing, so responses are plain JSON.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);
  // JSON only: without this, Fastify would hand a text/plain body to validation as a string.
  app.removeContentTypeParser('text/plain');

  await app.register(metrics, { defaultMetrics: deps.defaultMetrics ?? true });
  await app.register(auth, { config });
  await app.register(limits, { config });
  await app.register(redisPlugin, { config, redis: deps.redis });
  await app.register(collection, { config });
  await app.register(models, { config, model: deps.model, loader: deps.loader, watchRegistry: deps.watchRegistry });
  // Before every route: the OpenAPI document is collected as routes are added.
  await app.register(docs, { batchMax: config.batchMax });

  await app.register(healthRoutes, { backend: deps.backend, authDisabled: config.authDisabled });
  await app.register(scoresRoutes, {
    batchMax: config.batchMax,
    maxFeatureKeys: config.maxFeatureKeys,
    benchNoop: deps.benchNoop ?? false,
  });
  await app.register(modelsRoutes, { modelsDir: config.modelsDir });
  await app.register(monitoringRoutes);
  await app.register(collectionRoutes, {
    batchMax: config.batchMax,
    chunkSize: Math.max(1, config.workerBatch),
    maxFeatureKeys: config.maxFeatureKeys,
    now: deps.now,
  });
  await app.register(strategyRoutes, { now: deps.now });
  await app.register(dashboardRoutes, { now: deps.now });
  return app;
}
