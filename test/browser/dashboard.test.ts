/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * against the app listening on a local port, over a seeded test prefix: the page signs in with
 * the key, loads with no console error, draws its charts, and shows the figures GET /v1/dashboard
 * returns; without the role it answers 401 or 403.
 *
 * Chromium missing: the test FAILS, saying how to install it (`.ci/run` installs it). Only an
 * explicit ARREARS_SKIP_BROWSER_TESTS=1 skips it, and vitest then reports it as skipped.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatValue } from '../../src/api/dashboard/render.js';
import { sha256Hex } from '../../src/api/plugins/auth.js';
import { build, KEYS, testConfig } from '../api/helper.js';
import { seedHistory, WINDOW } from '../helpers/strategy-seed.js';

export const CHROMIUM = '/usr/bin/chromium';
const SKIP = process.env.ARREARS_SKIP_BROWSER_TESTS === '1';
/** Without these a sandboxed, offline machine stalls Chromium on sandboxing, QUIC and update checks. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const MANAGER_KEY = 'browser-manager-key';
const q = `since=${WINDOW.since}&until=${WINDOW.until}`;

let serving: FastifyInstance | null = null;

/** The app over a seeded prefix, listening on a free local port (the helper closes it after the test). */
async function serve(): Promise<{ app: FastifyInstance; base: string }> {
  const apiKeys = [...testConfig().apiKeys, { name: 'manager', sha256: sha256Hex(MANAGER_KEY), roles: ['manager' as const] }];
  const app = await build({ config: { apiKeys } });
  await seedHistory(app.redis, app.collection.service.store.keys, { feed: true });
  serving = app;
  return { app, base: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

describe.skipIf(SKIP)('the dashboard in headless Chromium', () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} not found: the dashboard's browser test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it). Set ARREARS_SKIP_BROWSER_TESTS=1 to skip this test explicitly.`,
      );
    profile = mkdtempSync(join(tmpdir(), 'arrears-chromium-'));
    // A persistent context is how playwright takes a user-data-dir of our choosing: a fresh one per run.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  });

  // Chromium keeps its keep-alive sockets open; closing the app would wait for them to time out.
  afterEach(() => {
    serving?.server.closeAllConnections();
    serving = null;
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('answers 401 without a key and 403 for a key without the manager or admin role', async () => {
    const { base } = await serve();
    const page = await context.newPage();
    const none = await page.goto(`${base}/dashboard`);
    expect(none?.status()).toBe(401);
    await expect(page.locator('form[action="/dashboard/login"]').count()).resolves.toBe(1);
    const collector = await page.goto(`${base}/dashboard/login?key=${KEYS.collector}`);
    expect(collector?.status()).toBe(403);
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('403');
    await page.goto(`${base}/dashboard/logout`);
    await page.close();
  });

  it('signs in with the key, loads with no console error, draws its charts and shows the API figures', async () => {
    const { app, base } = await serve();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url());
    });

    const res = await page.goto(`${base}/dashboard/login?${q}&key=${MANAGER_KEY}`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${base}/dashboard?${q}`);
    await page.waitForSelector('body[data-charts="drawn"]');
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
    // The key went into an HttpOnly cookie: the page's scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    const api = (await app.inject({ url: `/v1/dashboard?${q}`, headers: { 'x-api-key': MANAGER_KEY } })).json();
    const figures = await page.$$eval('[data-figure]', (els) =>
      els.map((e) => ({
        path: e.getAttribute('data-figure')!,
        value: e.getAttribute('data-value')!,
        shown: (e.textContent ?? '').trim(),
      })),
    );
    expect(figures.length).toBeGreaterThan(60);
    for (const f of figures) {
      const v = f.path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], api) as
        | number
        | null
        | undefined;
      expect(f.value, f.path).toBe(v === null || v === undefined ? '' : String(v));
    }
    // What a manager reads, cell by cell, for the figures the seed was worked out by hand for.
    const shown = (path: string) => figures.find((f) => f.path === path)?.shown;
    const champion = api.strategy.overall.groups.findIndex((g: { key: { variant: string } }) => g.key.variant === 'champion');
    expect(shown(`strategy.overall.groups.${champion}.metrics.contactRate.value`)).toBe('60.0%');
    expect(shown(`strategy.overall.groups.${champion}.metrics.contactRate.lower`)).toBe(formatValue(0.2307242812760128, 'rate'));
    expect(shown('strategy.overall.comparisons.0.differences.recoveredPerAccount.value')).toBe('36.50');
    expect(shown('worklists.call.ready')).toBe('2');
    expect(shown('accounts.blocked.accounts')).toBe('1');
    expect(await page.locator('#blocked-reasons').textContent()).toContain('DO_NOT_CONTACT');
    expect(await page.locator('#compliance-blocks').textContent()).toContain('INCONVENIENT_TIME');
    const agents = await page.$$eval('#agents tbody tr', (rows) =>
      rows.map((r) => [...(r as HTMLTableRowElement).cells].map((c) => (c.textContent ?? '').trim())),
    );
    expect(agents[0]).toEqual(['alice', '6', '3', '3', '1', '1']);

    // Each chart drew something: a canvas with pixels that are not all blank.
    for (const id of ['chart-balances', 'chart-rates', 'chart-strategy', 'chart-compliance']) {
      const painted = await page.$eval(`#${id}`, (c) => {
        const canvas = c as HTMLCanvasElement;
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
        return false;
      });
      expect(painted, id).toBe(true);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
