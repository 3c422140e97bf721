/**
 * Load limits: a per-key rate limit (429) and load shedding when the event loop is saturated (503).
 * The body-size limit (413) is a Fastify option set in app.ts.
 */
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { ApiError } from '../errors.js';

export default fp(
  async (app, opts: { config: Pick<Config, 'rateLimitPerMin' | 'maxEventLoopDelayMs'> }) => {
    const { rateLimitPerMin, maxEventLoopDelayMs } = opts.config;

    if (maxEventLoopDelayMs > 0) {
      await app.register(underPressure, {
        maxEventLoopDelay: maxEventLoopDelayMs,
        // under-pressure reads an empty delay histogram (a loop blocked for a whole interval) as
        // infinite delay; an interval no shorter than the threshold keeps one long batch from
        // shedding the requests queued behind it unless the block really exceeded the threshold.
        sampleInterval: Math.max(100, Math.min(1_000, maxEventLoopDelayMs)),
        exposeStatusRoute: false,
        retryAfter: 5,
        // Liveness and metrics keep answering: an overloaded instance is alive, and restarting it would make things worse.
        pressureHandler: (req, reply, type, value) => {
          if (req.routeOptions.config.alwaysOn) return undefined;
          reply.header('retry-after', '5');
          return Promise.reject(
            new ApiError(
              'ARREARS_OVERLOADED',
              `the server is overloaded (${type}${value === undefined ? '' : ` ${Math.round(value)}`}); retry later`,
            ),
          );
        },
      });
    }

    if (rateLimitPerMin > 0) {
      // Runs as a route-level onRequest hook, after the global auth hook: the key is known, and
      // unauthenticated requests (already refused) never count against anyone.
      await app.register(rateLimit, {
        max: rateLimitPerMin,
        timeWindow: 60_000,
        keyGenerator: (req) => (req.principal ? `key:${req.principal.name}` : `ip:${req.ip}`),
        allowList: (req) => !req.routeOptions.config.role || req.routeOptions.config.role === 'public',
        errorResponseBuilder: (_req, ctx) =>
          new ApiError(
            'ARREARS_RATE_LIMITED',
            `rate limit of ${ctx.max} requests per minute exceeded for this API key; retry in ${ctx.after}`,
          ),
      });
    }
  },
  { name: 'arrears-limits', dependencies: ['arrears-auth'] },
);
