/**
 * GET /v1/strategy/results (roles manager and admin): strategy results per policy version and
 * variant over a time window, read from the live streams (src/collection/strategy-results.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { liveStrategyReport, parseWindow, WindowError } from '../../collection/strategy-results.js';
import type { Window } from '../../effectiveness/live.js';
import { ApiError } from '../errors.js';
import { ErrorSchema } from '../schemas.js';
import { StrategyQuery, StrategyReportSchema } from '../strategy-schemas.js';

/** The query's window, or a 400 naming the field. */
export function windowOf(q: { since?: string; until?: string }, now: number): Window {
  try {
    return parseWindow(q.since, q.until, now);
  } catch (e) {
    if (e instanceof WindowError)
      throw new ApiError('ARREARS_VALIDATION', e.message, [{ path: `querystring.${e.field}`, issue: e.message }]);
    throw e;
  }
}

export const MANAGER_ROLES = ['manager', 'admin'] as const;

const strategyRoutes: FastifyPluginAsync<{ now?: () => number }> = async (base, opts) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = opts.now ?? Date.now;
  app.get(
    '/v1/strategy/results',
    {
      config: { role: MANAGER_ROLES },
      schema: {
        operationId: 'getStrategyResults',
        summary: 'Champion/challenger strategy results',
        description:
          'Per policy version and variant, overall and by DPD bucket, queue, and both: accounts, contact, right-party contact, promise, kept, cure and roll rates (Wilson 95% intervals), amount recovered per account and per contact (normal and delta-method intervals), and each challenger minus the champion (Newcombe for rates, Welch-style for amounts). An account enters the cohort at its first assignment in [since, until). Kept, cure and recovery need the servicing feed: without its payment log they report 0 accounts and a note. Roles manager or admin.',
        tags: ['strategy'],
        querystring: StrategyQuery,
        response: { 200: StrategyReportSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req) => liveStrategyReport(base.collection.service.store, windowOf(req.query, now()), { champion: req.query.champion }),
  );
};

export default fp(strategyRoutes, { name: 'arrears-strategy-routes', dependencies: ['arrears-auth', 'arrears-collection'] });
