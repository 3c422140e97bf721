/**
 * GET /v1/strategy/results, GET /v1/dashboard and the /dashboard page through buildApp: roles,
 * window validation, the browser's key cookie, and the page carrying the API's figures.
 */
import { describe, expect, it } from 'vitest';
import { liveStrategyReport, parseWindow } from '../../src/collection/strategy-results.js';
import { sha256Hex } from '../../src/api/plugins/auth.js';
import { seedHistory, WINDOW } from '../helpers/strategy-seed.js';
import { build, KEYS, testConfig } from './helper.js';

const MANAGER_KEY = 'test-manager-key';
const q = `?since=${WINDOW.since}&until=${WINDOW.until}`;

async function app() {
  const apiKeys = [...testConfig().apiKeys, { name: 'manager', sha256: sha256Hex(MANAGER_KEY), roles: ['manager' as const] }];
  const a = await build({ config: { apiKeys } });
  await seedHistory(a.redis, a.collection.service.store.keys, { feed: true });
  return a;
}

describe('GET /v1/strategy/results', () => {
  it('answers a manager and an admin with the live figures, 401 without a key and 403 for a collector', async () => {
    const a = await app();
    const res = await a.inject({ url: `/v1/strategy/results${q}`, headers: { 'x-api-key': MANAGER_KEY } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual(
      JSON.parse(JSON.stringify(await liveStrategyReport(a.collection.service.store, parseWindow(WINDOW.since, WINDOW.until, 0)))),
    );
    expect(body.accounts).toBe(9);
    expect(body.overall.comparisons[0].differences.contactRate.value).toBeCloseTo(0.15, 12);
    expect((await a.inject({ url: `/v1/strategy/results${q}`, headers: { 'x-api-key': KEYS.admin } })).statusCode).toBe(200);
    const none = await a.inject({ url: `/v1/strategy/results${q}` });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('ARREARS_UNAUTHORIZED');
    const collector = await a.inject({ url: `/v1/strategy/results${q}`, headers: { 'x-api-key': KEYS.collector } });
    expect(collector.statusCode).toBe(403);
    expect(collector.json().error.message).toBe('this route needs one of the roles "manager", "admin"');
  });

  it('names the bad window field', async () => {
    const a = await app();
    const res = await a.inject({ url: '/v1/strategy/results?since=last-week', headers: { 'x-api-key': MANAGER_KEY } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { path: 'querystring.since', issue: 'since: "last-week" is not an ISO 8601 date (YYYY-MM-DD) or date-time' },
    ]);
    const backwards = await a.inject({
      url: '/v1/strategy/results?since=2026-06-01&until=2026-05-01',
      headers: { 'x-api-key': MANAGER_KEY },
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.details[0].path).toBe('querystring.since');
  });

  it('a manager key cannot score, claim or promote', async () => {
    const a = await app();
    const score = await a.inject({ method: 'POST', url: '/v1/scores', headers: { 'x-api-key': MANAGER_KEY }, payload: { features: {} } });
    expect(score.statusCode).toBe(403);
    const claim = await a.inject({
      method: 'POST',
      url: '/v1/worklists/call/claim',
      headers: { 'x-api-key': MANAGER_KEY },
      payload: { n: 1 },
    });
    expect(claim.statusCode).toBe(403);
  });
});

describe('the dashboard', () => {
  it('GET /v1/dashboard and the /dashboard page carry the same figures', async () => {
    const a = await app();
    const json = await a.inject({ url: `/v1/dashboard${q}`, headers: { 'x-api-key': MANAGER_KEY } });
    expect(json.statusCode).toBe(200);
    const d = json.json();
    expect(d.strategy.overall).toEqual(
      (await a.inject({ url: `/v1/strategy/results${q}`, headers: { 'x-api-key': MANAGER_KEY } })).json().overall,
    );
    expect(d.worklists.call).toEqual({ ready: 2, waiting: 0, leased: 0 });
    expect(d.serving.policyVersion).toBe(a.collection.service.policy.version);
    const page = await a.inject({ url: `/dashboard${q}`, headers: { 'x-api-key': MANAGER_KEY } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // No inline script (only a JSON data block) and nothing from another site.
    const scripts = [...page.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1].trim());
    expect(scripts).toEqual([
      'type="application/json" id="dashboard-data"',
      'src="/dashboard/assets/chart.umd.min.js"',
      'src="/dashboard/assets/dashboard.js"',
    ]);
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    // Every figure cell names its path in the API's answer and holds that value.
    const cells = [...page.body.matchAll(/data-figure="([^"]+)" data-value="([^"]*)"/g)];
    expect(cells.length).toBeGreaterThan(60);
    for (const [, path, value] of cells) {
      const v = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], d);
      expect(value, path).toBe(v === null || v === undefined ? '' : String(v));
    }
  });

  it('without a key the page is a 401 sign-in form; a collector key gets 403; /dashboard/login swaps the key for a cookie', async () => {
    const a = await app();
    const none = await a.inject({ url: '/dashboard' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(none.body).toContain('action="/dashboard/login"');
    const collector = await a.inject({ url: '/dashboard', headers: { 'x-api-key': KEYS.collector } });
    expect(collector.statusCode).toBe(403);
    expect(collector.body).toContain('data-status="403"');

    const login = await a.inject({ url: `/dashboard/login${q}&key=${MANAGER_KEY}` });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe(`/dashboard${q}`);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^arrears_key=test-manager-key; Path=\/dashboard; HttpOnly; Secure; SameSite=Strict; Max-Age=28800$/);
    const cookie = setCookie.split(';')[0];
    expect((await a.inject({ url: `/dashboard${q}`, headers: { cookie } })).statusCode).toBe(200);
    // The cookie opens the pages only: every API route still needs the header.
    expect((await a.inject({ url: `/v1/dashboard${q}`, headers: { cookie } })).statusCode).toBe(401);
    expect((await a.inject({ url: '/dashboard', headers: { cookie: 'arrears_key=wrong' } })).statusCode).toBe(401);
    const out = await a.inject({ url: '/dashboard/logout' });
    expect(String(out.headers['set-cookie'])).toMatch(/^arrears_key=; .*Max-Age=0$/);
  });

  it('serves its script, stylesheet and Chart.js from this server, and nothing else under /dashboard/assets', async () => {
    const a = await app();
    const chart = await a.inject({ url: '/dashboard/assets/chart.umd.min.js' });
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(chart.body).toContain('Chart.js');
    expect((await a.inject({ url: '/dashboard/assets/dashboard.js' })).statusCode).toBe(200);
    expect((await a.inject({ url: '/dashboard/assets/dashboard.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await a.inject({ url: '/dashboard/assets/..%2Fdata.ts' })).statusCode).toBe(404);
  });
});
