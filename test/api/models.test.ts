import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/load.js';
import { promote } from '../../src/model/registry.js';
import { FIXTURE_REF, FIXTURE_VERSION, addVersion, auth, body, build, readRegistry, tempModels } from './helper.js';

const score = (app: Awaited<ReturnType<typeof build>>, features = { income: 5000, util: 0.3, grade: 'B' }) =>
  app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: body(features) });
const promoteReq = (app: Awaited<ReturnType<typeof build>>, version: string, as?: 'champion' | 'challenger') =>
  app.inject({
    method: 'POST',
    url: `/v1/models/${encodeURIComponent(version)}/promote`,
    headers: auth('admin'),
    payload: as ? { as } : {},
  });

async function until(cond: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const redisClients: Redis[] = [];
afterEach(() => {
  while (redisClients.length) redisClients.pop()!.disconnect();
});

describe('GET /v1/models', () => {
  it('lists bundles with test metrics and marks champion, challenger and what is served', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const app = await build({ modelsDir: dir });
    const res = await app.inject({ method: 'GET', url: '/v1/models', headers: auth('scorer') });
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.champion).toBe(FIXTURE_REF);
    expect(out.serving).toEqual({ champion: FIXTURE_REF, challenger: null });
    expect(out.models.map((m: { version: string; champion: boolean }) => [m.version, m.champion])).toEqual([
      [FIXTURE_VERSION, true],
      ['v2', false],
    ]);
    expect(out.models[0].metrics.auc).toBeGreaterThan(0.5);
    const one = await app.inject({ method: 'GET', url: `/v1/models/${FIXTURE_VERSION}`, headers: auth('scorer') });
    expect(one.statusCode).toBe(200);
    expect(one.json().features.map((f: { name: string }) => f.name)).toEqual(['income', 'util', 'grade']);
    expect(one.json().metrics.test.auc).toBeGreaterThan(0.5);
  });
});

describe('POST /v1/models/:version/promote', () => {
  it('swaps the new champion in, records it in the registry, and retires the old slot', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const app = await build({ modelsDir: dir });
    const old = app.models.champion!;
    const before = (await score(app)).json();
    const res = await promoteReq(app, 'v2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ref: 'tiny/v2', as: 'champion', previous: FIXTURE_REF });
    const after = (await score(app)).json();
    expect(after.model.version).toBe('v2');
    expect(after.pd).toBeGreaterThan(before.pd);
    expect((await readRegistry(dir)).champion).toBe('tiny/v2');
    expect(old.retired).toBe(true);
    expect(app.models.champion!.retired).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
      /arrears_model_info\{role="champion",name="tiny",version="v2"\} 1/,
    );
  });

  it('a request that read the champion before a promotion finishes on that model', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const app = await build({ modelsDir: dir });
    const held = app.models.requireChampion();
    expect((await promoteReq(app, 'v2')).statusCode).toBe(200);
    expect(app.models.champion!.ref).toBe('tiny/v2');
    expect(held.model.scoreRows([{ income: 5000, util: 0.3, grade: 'B' }])[0].model.version).toBe(FIXTURE_VERSION);
    expect(held.retired).toBe(true);
  });

  it("a batch that straddles a promotion finishes on its model without feeding the new champion's drift ring", async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const app = await build({ modelsDir: dir, config: { batchMax: 1000 } });
    const v2 = await loadModel(join(dir, 'tiny', 'v2'));
    // The served model promotes v2 right after scoring its first slice, as a promotion landing
    // between two slices of a large batch would.
    const m = app.models.champion!.model;
    const scoreRows = m.scoreRows.bind(m);
    let swapped = false;
    m.scoreRows = (rows) => {
      const out = scoreRows(rows);
      if (!swapped) {
        swapped = true;
        app.models.install('champion', v2);
      }
      return out;
    };
    const items = Array.from({ length: 600 }, () => body({ income: 5000, util: 0.3, grade: 'B' }));
    const res = await app.inject({ method: 'POST', url: '/v1/scores/batch', headers: auth('scorer'), payload: { items } });
    expect(res.statusCode).toBe(200);
    expect(res.json().scored).toBe(600);
    expect(res.json().model.version).toBe(FIXTURE_VERSION);
    expect(app.models.champion!.ref).toBe('tiny/v2');
    expect(app.monitor.recent.size).toBe(0);
    await score(app);
    expect(app.monitor.recent.size).toBe(1);
  });

  it('promotion under concurrent load: zero failed requests, every result from exactly one model', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    await addVersion(dir, 'v3', { shift: -1 });
    const app = await build({ modelsDir: dir });
    // Promotions one after another in the background, while waves of concurrent requests keep arriving.
    let done = false;
    const promoted = (async () => {
      const codes = [];
      for (const v of ['v2', 'v3', FIXTURE_VERSION, 'v2']) codes.push((await promoteReq(app, v)).statusCode);
      done = true;
      return codes;
    })();
    const results = [];
    for (let wave = 0; !done || wave < 5; wave++) {
      const batch = Array.from({ length: 20 }, (_, i) =>
        i % 5 === 0
          ? app.inject({ method: 'POST', url: '/v1/scores/batch', headers: auth('scorer'), payload: { items: [body(), body(), body()] } })
          : score(app),
      );
      results.push(...(await Promise.all(batch)));
    }
    expect(await promoted).toEqual([200, 200, 200, 200]);
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.statusCode !== 200).map((r) => r.body)).toEqual([]);
    const versions = new Set<string>();
    for (const r of results) {
      const b = r.json();
      if (b.results) {
        // A batch is scored by one model throughout.
        const vs = new Set(b.results.map((x: { model: { version: string } }) => x.model.version));
        expect(vs.size).toBe(1);
        vs.forEach((v) => versions.add(v as string));
      } else versions.add(b.model.version);
    }
    expect(versions.size).toBe(3);
    expect(app.models.champion!.ref).toBe('tiny/v2');
  });

  it('refuses a corrupt bundle with 422 naming the problem; the old model keeps serving', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'broken', {
      mutate: async (d) => {
        const w = await readFile(join(d, 'weights.bin'));
        await writeFile(join(d, 'weights.bin'), w.subarray(0, w.length - 8));
      },
    });
    await addVersion(dir, 'badjson', {
      mutate: async (d) => {
        const b = JSON.parse(await readFile(join(d, 'bundle.json'), 'utf8'));
        b.tiers.cuts = 'high';
        await writeFile(join(d, 'bundle.json'), JSON.stringify(b));
      },
    });
    const app = await build({ modelsDir: dir });
    const res = await promoteReq(app, 'broken');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('ARREARS_BUNDLE_INVALID');
    expect(res.json().error.message).toMatch(/weights\.bin/);
    const json = await promoteReq(app, 'badjson');
    expect(json.statusCode).toBe(422);
    expect(json.json().error.message).toMatch(/tiers\.cuts/);
    // The bundle is named by its ref, never by where the server keeps it.
    for (const r of [res, json, await app.inject({ method: 'GET', url: '/v1/models/badjson', headers: auth('scorer') })]) {
      expect(r.statusCode).toBe(422);
      expect(r.body).not.toContain(dir);
      expect(r.body).toMatch(/tiny\/(broken|badjson)/);
    }
    expect((await readRegistry(dir)).champion).toBe(FIXTURE_REF);
    const s = await score(app);
    expect(s.statusCode).toBe(200);
    expect(s.json().model.version).toBe(FIXTURE_VERSION);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
      /arrears_model_swaps_total\{role="any",result="refused"\} 2/,
    );
  });

  it('the documented command works: no body and no content-type promotes to champion', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const app = await build({ modelsDir: dir });
    const res = await app.inject({ method: 'POST', url: '/v1/models/v2/promote', headers: auth('admin') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ref: 'tiny/v2', as: 'champion', previous: FIXTURE_REF });
    // An empty body sent with a JSON content-type means the same.
    await addVersion(dir, 'v3');
    const typed = await app.inject({
      method: 'POST',
      url: '/v1/models/v3/promote',
      headers: { ...auth('admin'), 'content-type': 'application/json' },
      payload: '',
    });
    expect(typed.statusCode, typed.body).toBe(200);
    expect((await readRegistry(dir)).champion).toBe('tiny/v3');
  });

  it('the champion cannot be promoted as its own challenger', async () => {
    const dir = await tempModels();
    const app = await build({ modelsDir: dir });
    const res = await promoteReq(app, FIXTURE_VERSION, 'challenger');
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'ARREARS_CONFLICT',
      message: `${FIXTURE_REF} is the champion; it cannot also be its challenger`,
    });
    expect(await readRegistry(dir)).toMatchObject({ champion: FIXTURE_REF, challenger: null });
    expect(app.models.challenger).toBeNull();
  });

  it('404 for an unknown version and 409 when a version exists under two names', async () => {
    const dir = await tempModels();
    const app = await build({ modelsDir: dir });
    expect((await promoteReq(app, 'nope')).statusCode).toBe(404);
    const reg = await readRegistry(dir);
    reg.bundles.push({ ...reg.bundles[0], ref: `other/${FIXTURE_VERSION}`, name: 'other' });
    await (await import('../../src/model/registry.js')).writeRegistry(dir, reg);
    const res = await promoteReq(app, FIXTURE_VERSION);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('ARREARS_CONFLICT');
    expect((await promoteReq(app, FIXTURE_REF)).statusCode).toBe(200);
  });
});

describe('following promotions made elsewhere', () => {
  it('picks up a promotion written to registry.json by another process (the training CLI)', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const app = await build({ modelsDir: dir, watchRegistry: true });
    await promote(dir, 'tiny/v2');
    await until(async () => (await score(app)).json().model.version === 'v2');
  });

  it('instances sharing Redis swap together through pub/sub', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const prefix = `test-${randomUUID()}`;
    const mk = () => {
      const r = new Redis('redis://127.0.0.1:6379', { lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: 1 });
      redisClients.push(r);
      return r;
    };
    const a = await build({ modelsDir: dir, redis: mk(), config: { redisPrefix: prefix } });
    const b = await build({ modelsDir: dir, redis: mk(), config: { redisPrefix: prefix } });
    // Give b's subscriber time to subscribe.
    await new Promise((r) => setTimeout(r, 300));
    expect((await promoteReq(a, 'v2')).statusCode).toBe(200);
    await until(async () => (await score(b)).json().model.version === 'v2');
  });

  it('scores and promotes without Redis: pub/sub is best effort', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    redisClients.push(dead);
    const app = await build({ modelsDir: dir, redis: dead });
    expect((await score(app)).statusCode).toBe(200);
    expect((await promoteReq(app, 'v2')).statusCode).toBe(200);
    expect((await score(app)).json().model.version).toBe('v2');
  });
});

describe('monitoring', () => {
  it('shadow-scores every request with the challenger and reports the PD pairs', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const app = await build({ modelsDir: dir });
    expect((await promoteReq(app, 'v2', 'challenger')).statusCode).toBe(200);
    expect((await readRegistry(dir)).challenger).toBe('tiny/v2');
    for (let i = 0; i < 20; i++) {
      const r = await score(app, { income: 3000 + i * 200, util: 0.05 * i, grade: 'ABC'[i % 3] });
      expect(r.json().model.version).toBe(FIXTURE_VERSION); // the challenger's result is never returned
    }
    await new Promise((r) => setImmediate(r));
    const res = await app.inject({ method: 'GET', url: '/v1/monitoring/shadow', headers: auth('admin') });
    const s = res.json();
    expect(s.champion).toBe(FIXTURE_REF);
    expect(s.challenger).toBe('tiny/v2');
    expect(s.pairs).toBe(20);
    expect(s.meanChallengerPd).toBeGreaterThan(s.meanChampionPd);
    expect(s.meanAbsDiff).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/arrears_shadow_pd_abs_diff_count 20/);
  });

  it('a challenger with a feature the champion does not use is shadow-scored from what the caller sent', async () => {
    const dir = await tempModels();
    // v2 calls income "salary": the champion ignores salary, the challenger needs it.
    await addVersion(dir, 'v2', {
      mutate: async (d) => {
        const text = await readFile(join(d, 'bundle.json'), 'utf8');
        await writeFile(join(d, 'bundle.json'), text.replaceAll('"income"', '"salary"'));
      },
    });
    const app = await build({ modelsDir: dir });
    expect((await promoteReq(app, 'v2', 'challenger')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) {
      const features = { income: 3000 + i * 200, salary: 3000 + i * 200, util: 0.1 * i, grade: 'ABC'[i % 3] };
      expect((await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: body(features) })).statusCode).toBe(
        200,
      );
    }
    const batch = await app.inject({
      method: 'POST',
      url: '/v1/scores/batch',
      headers: auth('scorer'),
      payload: { items: [body({ income: 1, salary: 1, util: 0.2, grade: 'A' })] },
    });
    expect(batch.json().results[0].warnings).toContainEqual({ feature: 'salary', issue: 'unknown_feature' });
    await new Promise((r) => setImmediate(r));
    const s = (await app.inject({ method: 'GET', url: '/v1/monitoring/shadow', headers: auth('admin') })).json();
    expect(s).toMatchObject({ challenger: 'tiny/v2', pairs: 6 });
  });

  it('reports PSI drift of recent scores against the bundle baseline', async () => {
    const app = await build();
    const none = (await app.inject({ method: 'GET', url: '/v1/monitoring/drift', headers: auth('admin') })).json();
    expect(none.status).toBe('insufficient_data');
    expect(none.psi).toBeNull();
    // Only the riskiest borrowers: the score distribution piles into the lowest bins, a major shift.
    const items = Array.from({ length: 150 }, () => body({ income: 2000, util: 0.8, grade: 'C' }));
    await app.inject({ method: 'POST', url: '/v1/scores/batch', headers: auth('scorer'), payload: { items } });
    const d = (await app.inject({ method: 'GET', url: '/v1/monitoring/drift', headers: auth('admin') })).json();
    expect(d.scores).toBe(150);
    expect(d.bins.length).toBe(app.models.champion!.model.bundle.baseline.proportions.length);
    expect(d.psi).toBeGreaterThan(0.25);
    expect(d.status).toBe('major_shift');
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/arrears_scores_total\{tier="F",model="tiny\/20260101-000000-5e6cddb5"\} 150/);
    expect(metrics).toMatch(/arrears_http_request_duration_seconds_count\{method="POST",route="\/v1\/scores\/batch",status_code="200"\} 1/);
  });
});
