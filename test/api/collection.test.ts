import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type AppDeps } from '../../src/api/app.js';
import { snapshotJobId } from '../../src/collection/intake.js';
import { sha256Hex } from '../../src/api/plugins/auth.js';
import { loadConfig, type Config } from '../../src/config.js';
import { checkContact, NO_HISTORY } from '../../src/domain/collection/compliance.js';
import type { LoadedModel } from '../../src/model/types.js';
import { startIntakeWorker } from '../../src/worker/intake-worker.js';
import { fixedModel } from '../../src/worker/processor.js';
import { defaultPolicy, snapshot } from '../helpers/collection.js';
import { FIXTURE_MODELS } from '../helpers/model-dirs.js';
import { loadTiny, tinyFeatures } from '../helpers/models.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

const noonCDT = Date.parse('2026-05-12T17:00:00Z');
const KEYS = { scorer: 'scorer-key-123', collector: 'collector-key-123', admin: 'admin-key-123' } as const;
// The collector key is a collection system's: it acts for alice and bob. carol's key is personal.
const CAROL = 'carol-key-123';
const config = loadConfig({
  ARREARS_API_KEYS: JSON.stringify([
    ...Object.entries(KEYS).map(([role, key]) => ({
      name: `${role}-1`,
      sha256: sha256Hex(key),
      roles: [role],
      ...(role === 'collector' ? { collectors: ['alice', 'bob'] } : {}),
    })),
    { name: 'carol', sha256: sha256Hex(CAROL), roles: ['collector'] },
  ]),
});
const as = (role: keyof typeof KEYS) => ({ 'x-api-key': KEYS[role] });

let redis: Redis;
let model: LoadedModel;
let prefix: string;
let cfg: Config;
let app: FastifyInstance;
const others: FastifyInstance[] = [];

const body = (over: Record<string, unknown> = {}) => ({
  accountId: 'A1',
  asOf: '2026-05-12',
  dpd: 45,
  outstanding: 1200,
  jurisdiction: 'US',
  timezone: 'America/Chicago',
  features: tinyFeatures(1),
  ...over,
});

/** The production app (buildApp) on this test's key prefix, with the collection routes' clock at noon CDT. */
async function start(deps: Partial<AppDeps> = {}): Promise<FastifyInstance> {
  const a = await buildApp({ config: cfg, model, watchRegistry: false, defaultMetrics: false, now: () => noonCDT, ...deps });
  await a.ready();
  return a;
}

beforeAll(async () => {
  redis = connect();
  model = await loadTiny();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(async () => {
  prefix = freshPrefix();
  // Two snapshots per intake job, so a batch of three makes two jobs.
  cfg = { ...config, modelsDir: FIXTURE_MODELS, redisPrefix: prefix, batchMax: 100, workerBatch: 2 };
  app = await start();
});
afterEach(async () => {
  await app.close();
  while (others.length) await others.pop()!.close();
  await deleteKeys(redis, prefix);
});

describe('POST /v1/delinquencies', () => {
  it('accepts one snapshot with 202 and a job id derived from (accountId, asOf)', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('scorer'), payload: body() });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ accepted: 1, jobs: [snapshotJobId({ accountId: 'A1', asOf: '2026-05-12' })] });
    expect(r.json().jobs[0]).toMatch(/^snap-[0-9a-f]{32}$/);
  });

  it('accepts a batch, chunked into jobs', async () => {
    const items = [1, 2, 3].map((i) => body({ accountId: `A${i}` }));
    const r = await app.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('scorer'), payload: { items } });
    expect(r.statusCode).toBe(202);
    expect(r.json().jobs).toHaveLength(2);
    expect((await app.collection.queue.getJobCounts('wait')).wait).toBe(2);
  });

  it('names every bad field with its path', async () => {
    const items = [body(), body({ timezone: 'Mars/Base', dpd: -1 }), body({ accountId: 'has space' })];
    const r = await app.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('scorer'), payload: { items } });
    expect(r.statusCode).toBe(400);
    const err = r.json().error;
    expect(err.code).toBe('ARREARS_VALIDATION');
    expect(err.details.map((d: { path: string }) => d.path).sort()).toEqual(['items.1.dpd', 'items.1.timezone', 'items.2.accountId']);
    // A body without `items` is one snapshot: each missing field is named, not "matches no option".
    const empty = await app.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('scorer'), payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(
      empty
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['accountId', 'asOf', 'dpd', 'features', 'jurisdiction', 'outstanding']);
  });

  it('refuses a snapshot with more feature keys than the cap, naming the field, before any schema runs', async () => {
    const features: Record<string, number> = {};
    for (let i = 0; i < 1_001; i++) features[`f${i}`] = i;
    const one = await app.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('scorer'), payload: body({ features }) });
    expect(one.statusCode).toBe(400);
    expect(one.json().error.details).toEqual([{ path: 'features', issue: 'at most 1000 features per snapshot' }]);
    const batch = await app.inject({
      method: 'POST',
      url: '/v1/delinquencies',
      headers: as('scorer'),
      payload: { items: [body(), body({ accountId: 'A2', features })] },
    });
    expect(batch.json().error.details).toEqual([{ path: 'items.1.features', issue: 'at most 1000 features per snapshot' }]);
    expect((await app.collection.queue.getJobCounts('wait')).wait).toBe(0);
  });

  it('needs the scorer role', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/delinquencies', payload: body() })).json().error.code).toBe(
      'ARREARS_UNAUTHORIZED',
    );
    const r = await app.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('collector'), payload: body() });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('ARREARS_FORBIDDEN');
  });
});

describe('worklists, claims and outcomes', () => {
  beforeEach(async () => {
    await app.collection.service.assign(
      [snapshot({ accountId: 'A1', outstanding: 2000 }), snapshot({ accountId: 'A2', outstanding: 1000 })],
      [
        { pd: 0.45, reasons: [] },
        { pd: 0.45, reasons: [] },
      ],
      'tiny/v1',
      noonCDT,
    );
  });

  it('GET /v1/worklists gives each queue size', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/worklists', headers: as('collector') });
    expect(r.statusCode).toBe(200);
    expect(r.json().queues.call).toEqual({ ready: 2, waiting: 0, leased: 0 });
    expect(r.json().policy).toBe(defaultPolicy().version);
  });

  it('a collector key acts only as itself or the collectors its entry lists', async () => {
    const carol = { 'x-api-key': CAROL };
    const claim = (headers: Record<string, string>, payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/v1/worklists/call/claim', headers, payload });
    // carol's personal key cannot claim in alice's name: nothing is leased.
    const spoof = await claim(carol, { collectorId: 'alice', n: 1 });
    expect(spoof.statusCode).toBe(403);
    expect(spoof.json().error).toMatchObject({
      code: 'ARREARS_FORBIDDEN',
      message: expect.stringContaining('may act only as collector "carol"'),
    });
    expect((await app.inject({ method: 'GET', url: '/v1/worklists', headers: as('collector') })).json().queues.call).toEqual({
      ready: 2,
      waiting: 0,
      leased: 0,
    });
    // The system key may not act for a collector its entry does not list.
    expect((await claim(as('collector'), { collectorId: 'carol', n: 1 })).statusCode).toBe(403);

    // Without collectorId the lease is carol's own, and the audit trail says so.
    const own = await claim(carol, { n: 1 });
    expect(own.statusCode).toBe(200);
    expect(own.json().items.map((i: { accountId: string }) => i.accountId)).toEqual(['A1']);
    const url = '/v1/worklists/call/items/A1/outcome';
    // Neither alice's system key nor a spoofed body can close carol's lease.
    const asAlice = await app.inject({
      method: 'POST',
      url,
      headers: as('collector'),
      payload: { collectorId: 'alice', outcome: { type: 'paid' } },
    });
    expect(asAlice.statusCode).toBe(409);
    expect(
      (await app.inject({ method: 'POST', url, headers: as('collector'), payload: { collectorId: 'carol', outcome: { type: 'paid' } } }))
        .statusCode,
    ).toBe(403);
    const done = await app.inject({ method: 'POST', url, headers: carol, payload: { outcome: { type: 'contacted' } } });
    expect(done.statusCode).toBe(200);
    const account = (await app.inject({ method: 'GET', url: '/v1/accounts/A1', headers: carol })).json();
    expect(account.history.find((h: { event: string }) => h.event === 'outcome')).toMatchObject({
      outcome: 'contacted',
      collector: 'carol',
      reportedBy: 'carol',
    });
  });

  it('worklist metrics: sizes read from Redis at scrape time, claims and outcomes counted', async () => {
    const carol = { 'x-api-key': CAROL };
    await app.inject({ method: 'POST', url: '/v1/worklists/call/claim', headers: carol, payload: { n: 2 } });
    await app.inject({
      method: 'POST',
      url: '/v1/worklists/call/items/A1/outcome',
      headers: carol,
      payload: { outcome: { type: 'no_answer' } },
    });
    const sizes = (await app.inject({ method: 'GET', url: '/v1/worklists', headers: carol })).json().queues.call;
    expect(sizes.leased).toBe(1);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const state of ['ready', 'waiting', 'leased'])
      expect(text).toContain(`arrears_worklist_items{queue="call",state="${state}"} ${sizes[state]}`);
    expect(text).toContain('arrears_worklist_claimed_total{queue="call"} 2');
    expect(text).toContain('arrears_worklist_outcomes_total{queue="call",type="no_answer"} 1');
    expect(text).toMatch(/arrears_intake_jobs\{state="wait"\} 0/);
  });

  it('worklist metrics: a lost Redis empties the gauges, each failed scrape is counted once, and the scrape still answers', async () => {
    const lost = connect({ producer: true });
    await new Promise((r) => lost.once('ready', r));
    const a = await start({ redis: lost });
    others.push(a);
    const scrape = async () => {
      const r = await a.inject({ method: 'GET', url: '/metrics' });
      expect(r.statusCode).toBe(200);
      return r.body;
    };
    const before = await scrape();
    expect(before).toContain('arrears_worklist_items{queue="call",state="ready"} 2');
    expect(before).toContain('arrears_intake_jobs{state="wait"} 0');
    expect(before).toContain('arrears_worklist_scrape_errors_total 0');
    await lost.quit();
    for (const scrapes of [1, 2]) {
      const text = await scrape();
      expect(text).not.toMatch(/^arrears_worklist_items\{/m);
      expect(text).not.toMatch(/^arrears_intake_jobs\{/m);
      // Both reads failed in each scrape; the counter counts scrapes.
      expect(text).toContain(`arrears_worklist_scrape_errors_total ${scrapes}`);
    }
  });

  it('claim, report, and see the account', async () => {
    const c = await app.inject({
      method: 'POST',
      url: '/v1/worklists/call/claim',
      headers: as('collector'),
      payload: { collectorId: 'alice', n: 1 },
    });
    expect(c.statusCode).toBe(200);
    const [item] = c.json().items;
    expect(item).toMatchObject({ accountId: 'A1', queue: 'call', channel: 'call', leaseUntil: noonCDT + cfg.leaseSeconds * 1000 });

    const url = '/v1/worklists/call/items/A1/outcome';
    const bob = await app.inject({
      method: 'POST',
      url,
      headers: as('collector'),
      payload: { collectorId: 'bob', outcome: { type: 'paid' } },
    });
    expect(bob.statusCode).toBe(409);
    expect(bob.json().error.code).toBe('ARREARS_CONFLICT');

    const bad = await app.inject({
      method: 'POST',
      url,
      headers: as('collector'),
      payload: { collectorId: 'alice', outcome: { type: 'promise_to_pay', amount: -5 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['outcome.amount', 'outcome.date']);

    const past = await app.inject({
      method: 'POST',
      url,
      headers: as('collector'),
      payload: { collectorId: 'alice', outcome: { type: 'promise_to_pay', amount: 50, date: '2026-01-01' } },
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.details).toEqual([{ path: 'outcome.date', issue: 'a promise to pay must be dated today or later' }]);

    const ok = await app.inject({
      method: 'POST',
      url,
      headers: as('collector'),
      payload: { collectorId: 'alice', outcome: { type: 'promise_to_pay', amount: 50, date: '2026-05-20' } },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ accountId: 'A1', state: 'paused' });

    const acct = await app.inject({ method: 'GET', url: '/v1/accounts/A1', headers: as('collector') });
    expect(acct.statusCode).toBe(200);
    expect(acct.json().assignment).toMatchObject({
      state: 'paused',
      promise: { amount: 50, date: '2026-05-20' },
      lastOutcome: 'promise_to_pay',
    });
    expect(acct.json().history.map((h: { event: string }) => h.event)).toEqual(['outcome', 'assigned']);
    // The system key reported for alice: the audit names both.
    expect(acct.json().history[0]).toMatchObject({ collector: 'alice', reportedBy: 'collector-1' });
  });

  it('404 for an unknown account, 400 for an unknown queue', async () => {
    const a = await app.inject({ method: 'GET', url: '/v1/accounts/nobody', headers: as('collector') });
    expect(a.statusCode).toBe(404);
    expect(a.json().error.code).toBe('ARREARS_NOT_FOUND');
    const o = await app.inject({
      method: 'POST',
      url: '/v1/worklists/call/items/nobody/outcome',
      headers: as('collector'),
      payload: { outcome: { type: 'paid' } },
    });
    expect(o.statusCode).toBe(404);
    const q = await app.inject({ method: 'POST', url: '/v1/worklists/mail/claim', headers: as('collector'), payload: {} });
    expect(q.statusCode).toBe(400);
    expect(q.json().error.details[0].path).toBe('params.queue');
  });

  it('claims default the collector to the API key name', async () => {
    const c = await app.inject({ method: 'POST', url: '/v1/worklists/call/claim', headers: as('collector'), payload: {} });
    expect(c.json().items).toHaveLength(2);
    const o = await app.inject({
      method: 'POST',
      url: '/v1/worklists/call/items/A2/outcome',
      headers: as('collector'),
      payload: { outcome: { type: 'no_answer' } },
    });
    expect(o.json()).toEqual({ accountId: 'A2', state: 'queued' });
  });
});

describe('when Redis is unreachable', () => {
  it('an app started without Redis still answers /metrics: worklist gauges empty, each failed scrape counted', async () => {
    const a = await start({ config: { ...cfg, redisUrl: 'redis://127.0.0.1:1' } });
    others.push(a);
    for (const scrapes of [1, 2]) {
      const r = await a.inject({ method: 'GET', url: '/metrics' });
      expect(r.statusCode).toBe(200);
      expect(r.body).not.toMatch(/^arrears_worklist_items\{/m);
      expect(r.body).not.toMatch(/^arrears_intake_jobs\{/m);
      expect(r.body).toContain(`arrears_worklist_scrape_errors_total ${scrapes}`);
      // The rest of the scrape is there: the serving model, for one.
      expect(r.body).toMatch(/^arrears_model_info\{role="champion",name="tiny"/m);
    }
  });

  it('intake answers 503 store unavailable, with retry-after, the catalogue message and no internals', async () => {
    const { Redis } = await import('ioredis');
    const dead = new Redis({ port: 1, enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => undefined);
    try {
      const a = await start({ redis: dead });
      others.push(a);
      const r = await a.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('scorer'), payload: body() });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toEqual({
        error: { code: 'ARREARS_STORE_UNAVAILABLE', message: 'the worklist store is unavailable; retry later', details: [] },
      });
      expect(r.headers['retry-after']).toBe('5');
    } finally {
      dead.disconnect();
    }
  });
});

describe('queue dashboard', () => {
  it('is mounted at /admin/queues for admins only', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/admin/queues', headers: as('collector') })).statusCode).toBe(403);
    const r = await app.inject({ method: 'GET', url: '/admin/queues', headers: as('admin') });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/html/);
    const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: as('admin') });
    expect(api.statusCode).toBe(200);
  });
});

describe('with an intake worker', () => {
  it("a worker on the app's collection runtime turns a POST into a claimable item", async () => {
    const full = app;
    const worker = startIntakeWorker(app.collection, { ...cfg, workerConcurrency: 1 }, fixedModel(model));
    try {
      const done = new Promise((r) => worker.once('completed', r));
      // The runtime uses the real clock: pick a place where it is contact time now.
      const places = [
        ['US', 'America/New_York'],
        ['US', 'Pacific/Honolulu'],
        ['CN', 'Asia/Shanghai'],
      ] as const;
      const [jurisdiction, timezone] = places.find(
        ([j, tz]) =>
          checkContact({ channel: 'sms', at: Date.now() + 60_000 }, { jurisdiction: j, timezone: tz, flags: {} }, NO_HISTORY).allowed,
      )!;
      const r = await full.inject({
        method: 'POST',
        url: '/v1/delinquencies',
        headers: as('scorer'),
        payload: body({ accountId: 'Z9', jurisdiction, timezone, asOf: new Date().toISOString().slice(0, 10) }),
      });
      expect(r.statusCode).toBe(202);
      await done;
      const acct = await full.inject({ method: 'GET', url: '/v1/accounts/Z9', headers: as('collector') });
      expect(acct.json().assignment).toMatchObject({ state: 'queued', model: `${model.bundle.name}/${model.bundle.version}` });
      const bad = await full.inject({
        method: 'POST',
        url: '/v1/delinquencies',
        headers: as('scorer'),
        payload: body({ asOf: '12/05/2026' }),
      });
      expect(bad.json().error).toMatchObject({ code: 'ARREARS_VALIDATION', details: [{ path: 'asOf' }] });
      expect((await full.inject({ method: 'GET', url: '/admin/queues', headers: as('admin') })).statusCode).toBe(200);
      const doc = await full.inject({ method: 'GET', url: '/docs/json' });
      expect(doc.statusCode).toBe(200);
      expect(Object.keys(doc.json().paths)).toEqual(
        expect.arrayContaining(['/v1/delinquencies', '/v1/worklists/{queue}/claim', '/v1/accounts/{id}']),
      );
    } finally {
      await worker.close();
    }
  });
});

describe('API key entries for collectors', () => {
  const entry = (name: string, extra: Record<string, unknown> = {}) => ({ name, sha256: 'a'.repeat(64), roles: ['collector'], ...extra });
  it('refuses two keys with one name, since the name is the collector a key acts as', () => {
    expect(() => loadConfig({ ARREARS_API_KEYS: JSON.stringify([entry('alice'), { ...entry('alice'), sha256: 'b'.repeat(64) }]) })).toThrow(
      /ARREARS_API_KEYS\.1\.name: "alice" is already the name of another key/,
    );
  });
  it('refuses collector ids that no claim could carry, and accepts "*"', () => {
    expect(() => loadConfig({ ARREARS_API_KEYS: JSON.stringify([entry('dialer', { collectors: ['alice '] })]) })).toThrow(
      /ARREARS_API_KEYS\.0\.collectors\.0/,
    );
    expect(
      loadConfig({ ARREARS_API_KEYS: JSON.stringify([entry('dialer', { collectors: ['*', 'bob@agency.example'] })]) }).apiKeys[0]
        .collectors,
    ).toEqual(['*', 'bob@agency.example']);
  });
});

describe('a store unreachable since start', () => {
  it('intake answers 503 with retry-after instead of waiting, and readiness reports the store down', { timeout: 60_000 }, async () => {
    const down = await start({ config: { ...cfg, redisUrl: 'redis://127.0.0.1:1' } });
    others.push(down);
    const r = await down.inject({ method: 'POST', url: '/v1/delinquencies', headers: as('scorer'), payload: body() });
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('ARREARS_STORE_UNAVAILABLE');
    expect(r.headers['retry-after']).toBe('5');
    const ready = await down.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error.code).toBe('ARREARS_STORE_UNAVAILABLE');
    expect(ready.headers['retry-after']).toBe('5');
    // The store never saw the data, and the healthy instance's readiness says so.
    const up = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(up.statusCode).toBe(200);
    expect(up.json().store).toBe('up');
  });
});
