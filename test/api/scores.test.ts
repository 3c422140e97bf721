import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatasetConfig } from '../../training/config-file.js';
import { loadDataset } from '../../training/read.js';
import { featureRows } from '../helpers/feature-rows.js';
import { FIXTURE_MODELS, FIXTURE_REF, auth, body, build } from './helper.js';

describe('POST /v1/scores', () => {
  it('returns pd, score, tier, reasons, model and warnings, echoing borrowerId', async () => {
    const app = await build();
    const res = await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: body(undefined, 'B-1') });
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.borrowerId).toBe('B-1');
    expect(r.pd).toBeGreaterThan(0);
    expect(r.pd).toBeLessThan(1);
    expect(Number.isInteger(r.score)).toBe(true);
    expect(['A', 'B', 'C', 'D', 'E', 'F']).toContain(r.tier);
    expect(r.model).toEqual({ name: 'tiny', version: FIXTURE_REF.split('/')[1] });
    expect(r.warnings).toEqual([]);
  });

  it('gives a hand-built high-risk borrower the top tier and reasons ordered by impact', async () => {
    const app = await build();
    // From the fixture bundle's tables: util 0.8 sits in the riskiest util bin (WoE 1.06 against a best of
    // -0.83, coef 1.76: gap 3.33), grade C is the riskiest grade (0.30 vs -0.24, coef 1.49: gap 0.81) and
    // income 2,000 the riskiest income bin (0.20 vs -0.08, coef 1.20: gap 0.34).
    const risky = await app.inject({
      method: 'POST',
      url: '/v1/scores',
      headers: auth('scorer'),
      payload: body({ income: 2000, util: 0.8, grade: 'C' }),
    });
    const r = risky.json();
    expect(r.tier).toBe('F');
    expect(r.reasons.map((x: { code: string }) => x.code)).toEqual(['RC_UTIL', 'RC_GRADE', 'RC_INCOME']);
    expect(r.reasons[0]).toEqual({ code: 'RC_UTIL', feature: 'util', text: 'util indicates higher risk' });
    // Every feature at its safest attribute: nothing raised the risk, so no reasons.
    const safe = await app.inject({
      method: 'POST',
      url: '/v1/scores',
      headers: auth('scorer'),
      payload: body({ income: null, util: -1, grade: 'A' }),
    });
    expect(safe.json().reasons).toEqual([]);
    expect(safe.json().pd).toBeLessThan(r.pd);
    expect(safe.json().score).toBeGreaterThan(r.score);
  });

  it('warns about clipped values, unseen categories and unknown fields', async () => {
    const app = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/scores',
      headers: auth('scorer'),
      payload: body({ income: 1e9, util: 0.3, grade: 'Z', colour: 'red' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().warnings).toEqual([
      { feature: 'income', issue: 'clipped_high' },
      { feature: 'grade', issue: 'unseen_category' },
      { feature: 'colour', issue: 'unknown_feature' },
    ]);
  });

  it('scores the fixture bundle to the PDs its training run wrote to test-predictions.csv, to 1e-6', async () => {
    const app = await build();
    const configPath = join(import.meta.dirname, '..', 'fixtures', 'tiny.json');
    const { cfg } = await readDatasetConfig(configPath);
    const rows = featureRows(cfg, await loadDataset(cfg, { configPath, log: () => {} }));
    const lines = (await readFile(join(FIXTURE_MODELS, FIXTURE_REF, 'test-predictions.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(lines.length).toBeGreaterThan(10);
    const items = lines.map((l) => body(rows.get(l.split(',')[0]) as Record<string, unknown>, l.split(',')[0]));
    const batch = await app.inject({ method: 'POST', url: '/v1/scores/batch', headers: auth('scorer'), payload: { items } });
    expect(batch.statusCode).toBe(200);
    const results = batch.json().results;
    lines.forEach((l, i) => {
      const [id, , pd] = l.split(',');
      expect(results[i].borrowerId).toBe(id);
      expect(Math.abs(results[i].pd - Number(pd))).toBeLessThan(1e-6);
    });
    // The single-borrower route agrees with the batch route.
    const one = await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: items[0] });
    expect(Math.abs(one.json().pd - Number(lines[0].split(',')[2]))).toBeLessThan(1e-6);
  });
});

describe('POST /v1/scores/batch', () => {
  it('returns results in order, with an error for each invalid item and the rest scored', async () => {
    const app = await build();
    const items = [
      body({ income: 2000, util: 0.8, grade: 'C' }, 'a'),
      { borrowerId: 'b', features: { income: 'lots', util: 0.3 } },
      body({ income: 9000, util: 0.1, grade: 'A' }, 'c'),
      42,
    ];
    const res = await app.inject({ method: 'POST', url: '/v1/scores/batch', headers: auth('scorer'), payload: { items } });
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.scored).toBe(2);
    expect(out.failed).toBe(2);
    expect(out.results.map((r: { borrowerId?: string }) => r.borrowerId)).toEqual(['a', 'b', 'c', undefined]);
    expect(out.results[0].tier).toBe('F');
    expect(out.results[1].error.code).toBe('ARREARS_VALIDATION');
    expect(out.results[1].error.details).toEqual([
      { path: 'items.1.features.income', issue: 'must be a finite number or null' },
      { path: 'items.1.features.grade', issue: 'required: send null when unknown' },
    ]);
    expect(out.results[2].pd).toBeLessThan(out.results[0].pd);
    expect(out.results[3].error.code).toBe('ARREARS_VALIDATION');
    // Same borrower, same score, whether alone or in a batch.
    const one = await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: items[0] as object });
    expect(one.json().pd).toBe(out.results[0].pd);
  });

  it('refuses more items than the configured maximum, naming the field', async () => {
    const app = await build({ config: { batchMax: 3 } });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/scores/batch',
      headers: auth('scorer'),
      payload: { items: [body(), body(), body(), body()] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ARREARS_VALIDATION');
    expect(res.json().error.details).toEqual([{ path: 'items', issue: 'at most 3 items per batch' }]);
  });
});

describe('how many feature keys a request may carry', () => {
  const withUnknown = (n: number) => {
    const f: Record<string, unknown> = { income: 5000, util: 0.3, grade: 'B' };
    for (let i = 0; i < n; i++) f[`extra_${i}`] = i;
    return f;
  };

  it('POST /v1/scores: over the cap is a 400 naming features; at the cap it scores, listing only a few unknown features', async () => {
    const app = await build({ config: { maxFeatureKeys: 40 } });
    const over = await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: body(withUnknown(38)) });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({
      code: 'ARREARS_VALIDATION',
      details: [{ path: 'features', issue: 'at most 40 features per borrower' }],
    });
    const at = await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: body(withUnknown(37)) });
    expect(at.statusCode).toBe(200);
    const unknown = at.json().warnings.filter((w: { issue: string }) => w.issue === 'unknown_feature');
    expect(unknown).toEqual([0, 1, 2, 3, 4].map((i) => ({ feature: `extra_${i}`, issue: 'unknown_feature' })));
  });

  it('POST /v1/scores/batch: an item over the cap refuses the request, naming the item; items under it still report unknown features', async () => {
    const app = await build({ config: { maxFeatureKeys: 40 } });
    const over = await app.inject({
      method: 'POST',
      url: '/v1/scores/batch',
      headers: auth('scorer'),
      payload: { items: [body(), body(withUnknown(100)), body()] },
    });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.details).toEqual([{ path: 'items.1.features', issue: 'at most 40 features per borrower' }]);
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/scores/batch',
      headers: auth('scorer'),
      payload: { items: [body(), body(withUnknown(2))] },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().results[1].warnings).toEqual([
      { feature: 'extra_0', issue: 'unknown_feature' },
      { feature: 'extra_1', issue: 'unknown_feature' },
    ]);
  });

  it('the default cap is 1,000 keys', async () => {
    const app = await build();
    expect(
      (await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: body(withUnknown(997)) })).statusCode,
    ).toBe(200);
    const over = await app.inject({ method: 'POST', url: '/v1/scores', headers: auth('scorer'), payload: body(withUnknown(998)) });
    expect(over.json().error.details).toEqual([{ path: 'features', issue: 'at most 1000 features per borrower' }]);
  });
});

describe('the committed sample bundle (models/)', () => {
  it('scores the rows of its test-predictions.csv to the PDs the training run wrote, to 1e-6', async () => {
    const { readRegistry } = await import('../../src/model/registry.js');
    const { DatasetConfig } = await import('../../src/domain/dataset-config.js');
    const { readBundleJson } = await import('../../src/model/load.js');
    const root = join(import.meta.dirname, '..', '..');
    const modelsDir = join(root, 'models');
    const ref = (await readRegistry(modelsDir)).champion!;
    const bundle = await readBundleJson(join(modelsDir, ref));
    // The dataset config the bundle was trained with is stored in it; its table paths resolve against data/configs.
    const cfg = DatasetConfig.parse(JSON.parse(bundle.data.config));
    const configPath = join(root, 'data', 'configs', 'sample.json');
    const rows = featureRows(cfg, await loadDataset(cfg, { configPath, log: () => {} }));
    const lines = (await readFile(join(modelsDir, ref, 'test-predictions.csv'), 'utf8')).trim().split('\n').slice(1);
    const app = await build({ modelsDir, config: { bodyLimitBytes: 50 * 1024 * 1024 } });
    const items = lines.map((l) => body(rows.get(l.split(',')[0]) as Record<string, unknown>, l.split(',')[0]));
    const res = await app.inject({ method: 'POST', url: '/v1/scores/batch', headers: auth('scorer'), payload: { items } });
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.failed).toBe(0);
    let worst = 0;
    lines.forEach((l, i) => {
      const [id, , pd] = l.split(',');
      expect(out.results[i].borrowerId).toBe(id);
      worst = Math.max(worst, Math.abs(out.results[i].pd - Number(pd)));
    });
    expect(worst).toBeLessThan(1e-6);
  });
});
