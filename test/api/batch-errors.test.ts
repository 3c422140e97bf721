/**
 * An invalid batch gets a bounded answer: at most a few details per item and details for at most
 * the first hundred invalid items, the rest counted, so a small request cannot ask for a huge reply.
 */
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_DETAILS_PER_ITEM, MAX_ITEMS_WITH_DETAILS } from '../../src/api/errors.js';
import { createIntakeQueue, type IntakeJobInput } from '../../src/collection/intake.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';
import { auth, build } from './helper.js';

const SAMPLE_MODELS = join(import.meta.dirname, '..', '..', 'models');
const json = { ...auth('scorer'), 'content-type': 'application/json' };

describe('POST /v1/scores/batch with invalid items', () => {
  it('10,000 empty items against the 28-feature sample bundle: a response within 10x the request, details capped and counted', async () => {
    const app = await build({ modelsDir: SAMPLE_MODELS });
    const payload = JSON.stringify({ items: Array.from({ length: 10_000 }, () => ({ features: {} })) });
    const res = await app.inject({ method: 'POST', url: '/v1/scores/batch', headers: json, payload });
    expect(res.statusCode).toBe(200);
    expect(res.body.length).toBeLessThan(10 * payload.length);
    const out = res.json();
    expect(out).toMatchObject({ scored: 0, failed: 10_000, detailsOmitted: 10_000 - MAX_ITEMS_WITH_DETAILS });
    expect(out.results).toHaveLength(10_000);
    const first = out.results[0].error;
    expect(first.message).toBe('28 invalid fields');
    expect(first.details).toHaveLength(MAX_DETAILS_PER_ITEM + 1);
    expect(first.details[MAX_DETAILS_PER_ITEM]).toEqual({ path: 'items.0', issue: `${28 - MAX_DETAILS_PER_ITEM} more invalid fields` });
    expect(out.results[MAX_ITEMS_WITH_DETAILS - 1].error.details).toHaveLength(MAX_DETAILS_PER_ITEM + 1);
    expect(out.results[MAX_ITEMS_WITH_DETAILS].error).toEqual({ code: 'ARREARS_VALIDATION', message: '28 invalid fields', details: [] });
  });
});

describe('POST /v1/delinquencies with invalid items', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue<IntakeJobInput>;
  beforeEach(() => {
    redis = connect();
    prefix = freshPrefix();
    queue = createIntakeQueue(redis, prefix);
  });
  afterEach(async () => {
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('10,000 empty snapshots: a 400 within 10x the request, details capped per item and per response, the rest counted', async () => {
    const app = await build({
      config: { batchMax: 10_000, workerBatch: 500 },
    });
    const payload = JSON.stringify({ items: Array.from({ length: 10_000 }, () => ({})) });
    const res = await app.inject({ method: 'POST', url: '/v1/delinquencies', headers: json, payload });
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(10 * payload.length);
    const err = res.json().error;
    expect(err.message).toBe('10000 invalid items');
    const ofItem = (i: number) => err.details.filter((d: { path: string }) => d.path === `items.${i}` || d.path.startsWith(`items.${i}.`));
    // An empty snapshot misses six fields: five are named, the sixth counted.
    expect(ofItem(0)).toHaveLength(MAX_DETAILS_PER_ITEM + 1);
    expect(ofItem(0)[MAX_DETAILS_PER_ITEM]).toEqual({ path: 'items.0', issue: '1 more invalid field' });
    expect(ofItem(MAX_ITEMS_WITH_DETAILS - 1)).toHaveLength(MAX_DETAILS_PER_ITEM + 1);
    expect(ofItem(MAX_ITEMS_WITH_DETAILS)).toEqual([]);
    expect(err.details.at(-1)).toEqual({ path: 'items', issue: `${10_000 - MAX_ITEMS_WITH_DETAILS} more invalid items not listed` });
  });

  it('a few bad items are still named field by field', async () => {
    const app = await build({
      config: { batchMax: 10, workerBatch: 5 },
    });
    const good = { accountId: 'A1', asOf: '2026-05-12', dpd: 4, outstanding: 1, jurisdiction: 'US', features: {} };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/delinquencies',
      headers: json,
      payload: { items: [good, { ...good, dpd: -1, timezone: 'Mars/Base' }] },
    });
    expect(res.json().error).toMatchObject({
      message: '2 invalid fields',
      details: [{ path: 'items.1.dpd' }, { path: 'items.1.timezone' }],
    });
  });
});
