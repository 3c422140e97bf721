/**
 * The manager dashboard: GET /v1/dashboard (JSON) and GET /dashboard (the same object as an HTML
 * page), roles manager and admin; its static assets (our script and stylesheet, and Chart.js
 * served from node_modules: nothing is loaded from another site).
 *
 * A browser cannot send x-api-key by itself, so /dashboard/login?key=... stores the key in a
 * cookie (HttpOnly, Secure, SameSite=Strict, Path=/dashboard, 8 hours) and redirects to the page
 * without it in the URL. Only the GET pages under /dashboard accept that cookie; every /v1 route
 * still needs the header, so the cookie cannot be used to change anything (see docs/dashboard.md).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dashboardData } from '../dashboard/data.js';
import { renderDashboard, renderSignIn } from '../dashboard/render.js';
import { ApiError } from '../errors.js';
import { KEY_COOKIE } from '../plugins/auth.js';
import { ErrorSchema } from '../schemas.js';
import { DashboardSchema, StrategyQuery } from '../strategy-schemas.js';
import { MANAGER_ROLES, windowOf } from './strategy.js';

const ASSET_DIR = fileURLToPath(new URL('../dashboard/assets/', import.meta.url));
const CHART_DIR = dirname(createRequire(import.meta.url).resolve('chart.js'));

/** The only files /dashboard/assets serves, read once at start. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  return new Map([
    ['dashboard.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(join(ASSET_DIR, 'dashboard.js')) }],
    ['dashboard.css', { type: 'text/css; charset=utf-8', body: readFileSync(join(ASSET_DIR, 'dashboard.css')) }],
    ['chart.umd.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(join(CHART_DIR, 'chart.umd.min.js')) }],
  ]);
}

/** Scripts, styles and images from this origin only; no inline script, no framing, no form posts elsewhere. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function htmlHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

const COOKIE_MAX_AGE_S = 8 * 3600;
const cookie = (value: string, maxAge: number) =>
  `${KEY_COOKIE}=${encodeURIComponent(value)}; Path=/dashboard; HttpOnly; Secure; SameSite=Strict; Max-Age=${maxAge}`;

/** The page's window parameters, re-encoded (never the key). */
function windowQuery(q: { since?: string; until?: string; champion?: string }): string {
  const p = new URLSearchParams();
  for (const k of ['since', 'until', 'champion'] as const) if (q[k]) p.set(k, q[k]);
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function dashboardRoutes(base: FastifyInstance, opts: { now?: () => number }): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = opts.now ?? Date.now;
  const data = (q: z.infer<typeof StrategyQuery>) =>
    dashboardData(
      {
        store: base.collection.service.store,
        models: base.models,
        monitor: base.monitor,
        policyVersion: base.collection.service.policy.version,
      },
      windowOf(q, now()),
      { champion: q.champion, now: now() },
    );

  app.get(
    '/v1/dashboard',
    {
      config: { role: MANAGER_ROLES },
      schema: {
        operationId: 'getDashboard',
        summary: 'Every figure of the manager dashboard',
        description:
          'What GET /dashboard shows, as JSON: serving model and policy versions with score drift, worklist sizes and account states, blocked accounts by reason, balances by DPD bucket, roll and cure rates by day, the strategy results (as GET /v1/strategy/results), compliance blocks by reason and agent activity. Roles manager or admin.',
        tags: ['strategy'],
        querystring: StrategyQuery,
        response: { 200: DashboardSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req) => data(req.query),
  );

  const assets = loadAssets();
  // The HTML pages in a context of their own, so a missing or wrong key gets a sign-in page, not JSON.
  await app.register(async (pages) => {
    const scope = pages.withTypeProvider<ZodTypeProvider>();
    scope.setErrorHandler((err, _req, reply) => {
      if (err instanceof ApiError && (err.statusCode === 401 || err.statusCode === 403))
        return htmlHeaders(reply.code(err.statusCode)).send(renderSignIn(err.statusCode, err.message));
      throw err;
    });

    scope.get(
      '/dashboard',
      { config: { role: MANAGER_ROLES, cookieAuth: true }, schema: { hide: true, querystring: StrategyQuery } },
      async (req, reply) => htmlHeaders(reply).send(renderDashboard(await data(req.query), windowQuery(req.query))),
    );

    scope.get(
      '/dashboard/login',
      { config: { role: 'public' }, schema: { hide: true, querystring: StrategyQuery.extend({ key: z.string().min(1).max(512) }) } },
      async (req, reply) =>
        reply
          .header('set-cookie', cookie(req.query.key, COOKIE_MAX_AGE_S))
          .header('cache-control', 'no-store')
          .redirect(`/dashboard${windowQuery(req.query)}`, 303),
    );

    scope.get('/dashboard/logout', { config: { role: 'public' }, schema: { hide: true } }, async (_req, reply) =>
      reply.header('set-cookie', cookie('', 0)).redirect('/dashboard', 303),
    );

    scope.get(
      '/dashboard/assets/:file',
      { config: { role: 'public' }, schema: { hide: true, params: z.object({ file: z.string().max(64) }) } },
      async (req, reply) => {
        const a = assets.get(req.params.file);
        if (!a) throw new ApiError('ARREARS_NOT_FOUND', `no asset "${req.params.file}"`);
        return reply
          .header('content-type', a.type)
          .header('cache-control', 'public, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .send(a.body);
      },
    );
  });
}

export default fp(dashboardRoutes, {
  name: 'arrears-dashboard-routes',
  dependencies: ['arrears-auth', 'arrears-collection', 'arrears-models'],
});
