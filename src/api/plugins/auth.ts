/**
 * API-key auth. Keys are configured as SHA-256 hashes (never the key itself); a request presents
 * the key in `x-api-key` or `Authorization: Bearer <key>`. Every route declares the role it needs
 * in `config.role`, and a route that declares none makes the app refuse to start, so an endpoint
 * cannot be exposed by forgetting. `public` routes (health, metrics, docs) need no key.
 *
 * Roles are not hierarchical: a key needs the exact role the route declares, or one of the roles
 * when it declares a list (give a key several roles where needed). Lookup is by the hash of the presented key, so response timing reveals
 * nothing about stored keys.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiKeyEntry, Config } from '../../config.js';
import { ApiError } from '../errors.js';

export type RouteRole = ApiKeyEntry['roles'][number] | 'public';

export interface Principal {
  name: string;
  roles: readonly ApiKeyEntry['roles'][number][];
  /** Collector ids this caller may act for besides its own name; '*' for any. */
  collectors: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a caller needs; `public` for open routes. Required on every route. */
    role?: RouteRole | readonly ApiKeyEntry['roles'][number][];
    /**
     * Also accept the key from the `arrears_key` cookie (the browser dashboard's GET pages only:
     * a cookie is sent with every request to the site, so a state-changing route must never accept one).
     */
    cookieAuth?: boolean;
    /** Keep answering when the event loop is saturated (liveness, metrics). */
    alwaysOn?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated caller, or null on public routes. */
    principal: Principal | null;
  }
}

const DEV_PRINCIPAL: Principal = { name: 'dev-mode', roles: ['scorer', 'collector', 'admin', 'manager'], collectors: ['*'] };

/**
 * The collector a claim or outcome is recorded for: the body's collectorId, else the key's name.
 * A key acts as itself unless its entry lists the id (or '*'), so one collector's key cannot take
 * or close another collector's leases, and the audit trail names who really acted.
 */
export function actingCollector(principal: Principal | null, collectorId: string | undefined): string {
  if (!principal) throw new ApiError('ARREARS_UNAUTHORIZED');
  const id = collectorId ?? principal.name;
  if (id === principal.name || principal.collectors.includes('*') || principal.collectors.includes(id)) return id;
  throw new ApiError(
    'ARREARS_FORBIDDEN',
    `API key "${principal.name}" may act only as collector "${principal.name}"${principal.collectors.length ? ` or ${principal.collectors.map((c) => `"${c}"`).join(', ')}` : ''}, not "${id}" (list it in the key's "collectors" to allow this)`,
  );
}

export const sha256Hex = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** The cookie the dashboard stores the key in (HttpOnly, SameSite=Strict; see routes/dashboard.ts). */
export const KEY_COOKIE = 'arrears_key';

/** One cookie's value from the Cookie header, or null. */
export function cookieValue(req: FastifyRequest, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

function presentedKey(req: FastifyRequest): string | null {
  const h = req.headers['x-api-key'];
  if (typeof h === 'string' && h) return h;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || null;
  if (req.routeOptions.config.cookieAuth) return cookieValue(req, KEY_COOKIE);
  return null;
}

export default fp(
  async (app, opts: { config: Pick<Config, 'apiKeys' | 'authDisabled'>; publicPrefixes?: string[] }) => {
    const byHash = new Map(opts.config.apiKeys.map((k) => [k.sha256, k]));
    const publicPrefixes = opts.publicPrefixes ?? ['/docs'];
    if (opts.config.authDisabled) {
      app.log.warn(
        '!!! AUTH DISABLED (ARREARS_AUTH_DISABLED=true): every caller is treated as admin, scorer, collector and manager. Development only: never run this in production !!!',
      );
    } else if (byHash.size === 0) {
      app.log.warn('no API keys configured (ARREARS_API_KEYS): every authenticated route will answer 401');
    }

    app.decorateRequest('principal', null);

    app.addHook('onRoute', (route) => {
      if (route.config?.role) return;
      if (publicPrefixes.some((p) => route.url.startsWith(p))) {
        route.config = { ...route.config, role: 'public' };
        return;
      }
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.role`);
    });

    app.addHook('onRequest', async (req) => {
      const role = req.routeOptions.config.role;
      // No role: unmatched URL, answered by the not-found handler.
      if (!role || role === 'public') return;
      if (opts.config.authDisabled) {
        req.principal = DEV_PRINCIPAL;
        return;
      }
      const key = presentedKey(req);
      if (!key) throw new ApiError('ARREARS_UNAUTHORIZED');
      const entry = byHash.get(sha256Hex(key));
      if (!entry) throw new ApiError('ARREARS_UNAUTHORIZED', 'unknown API key');
      req.principal = { name: entry.name, roles: entry.roles, collectors: entry.collectors ?? [] };
      const allowed: readonly string[] = typeof role === 'string' ? [role] : role;
      if (!entry.roles.some((r) => allowed.includes(r)))
        throw new ApiError(
          'ARREARS_FORBIDDEN',
          allowed.length === 1
            ? `this route needs the "${allowed[0]}" role`
            : `this route needs one of the roles ${allowed.map((r) => `"${r}"`).join(', ')}`,
        );
    });
  },
  { name: 'arrears-auth' },
);
