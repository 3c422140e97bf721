/**
 * Property: no request, however malformed (body, URL encoding, path parameter length, number of
 * feature keys), makes the API answer 5xx. Every answer is either a success or an error in the
 * common shape with a 4xx status, and no error echoes the URL it was sent.
 */
import type { Queue } from 'bullmq';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PARAM_LENGTH, MAX_VERSION_LENGTH } from '../../src/api/schemas.js';
import { MAX_ID_LENGTH } from '../../src/domain/collection/snapshot.js';
import { createIntakeQueue, type IntakeJobInput } from '../../src/collection/intake.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';
import { auth, build } from './helper.js';

const featureValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.constantFrom(null, true, false, 'NaN', 'Infinity', '', 'A', 'B', 'C', -1, 0, 1e308, -1e308),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const features = fc.oneof(
  fc.record({ income: featureValue, util: featureValue, grade: featureValue }, { requiredKeys: [] }),
  fc.dictionary(fc.string(), featureValue),
  fc.jsonValue(),
);
const scoreBody = fc.oneof(
  fc.record({ borrowerId: fc.oneof(fc.string(), fc.jsonValue()), features }, { requiredKeys: [] }),
  fc.jsonValue(),
);
const batchBody = fc.oneof(fc.record({ items: fc.array(scoreBody, { maxLength: 8 }) }), fc.jsonValue());

function checkAnswer(res: { statusCode: number; body: string; json(): unknown }, url?: string) {
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (res.statusCode >= 300) {
    const b = res.json() as { error: { code: string; message: string; details: { path: string; issue: string }[] } };
    expect(Object.keys(b)).toEqual(['error']);
    expect(Object.keys(b.error).sort()).toEqual(['code', 'details', 'message']);
    expect(b.error.code).toMatch(/^ARREARS_/);
    expect(typeof b.error.message).toBe('string');
    expect(Array.isArray(b.error.details)).toBe(true);
    for (const d of b.error.details) expect(Object.keys(d).sort()).toEqual(['issue', 'path']);
    if (url) expect(res.body).not.toContain(url);
  }
}

describe('random JSON bodies never produce a 5xx', () => {
  it('POST /v1/scores', async () => {
    const app = await build();
    await fc.assert(
      fc.asyncProperty(scoreBody, async (b) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/scores',
          headers: { ...auth('scorer'), 'content-type': 'application/json' },
          payload: JSON.stringify(b),
        });
        checkAnswer(res);
      }),
      { numRuns: 400 },
    );
  });

  it('POST /v1/scores/batch', async () => {
    const app = await build();
    await fc.assert(
      fc.asyncProperty(batchBody, async (b) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/scores/batch',
          headers: { ...auth('scorer'), 'content-type': 'application/json' },
          payload: JSON.stringify(b),
        });
        checkAnswer(res);
        if (res.statusCode === 200)
          expect((res.json() as { results: unknown[] }).results.length).toBe((b as { items: unknown[] }).items.length);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes as a JSON body', async () => {
    const app = await build();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (s) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/scores',
          headers: { ...auth('scorer'), 'content-type': 'application/json' },
          payload: s,
        });
        checkAnswer(res);
      }),
      { numRuns: 200 },
    );
  });
});

/** Ids of every length that matters: empty, at and around each limit, and far past the router's. */
const LENGTHS = [
  0,
  1,
  MAX_ID_LENGTH - 1,
  MAX_ID_LENGTH,
  MAX_ID_LENGTH + 1,
  MAX_VERSION_LENGTH,
  MAX_VERSION_LENGTH + 1,
  MAX_PARAM_LENGTH / 3,
  MAX_PARAM_LENGTH - 1,
  MAX_PARAM_LENGTH,
  MAX_PARAM_LENGTH + 1,
  5_000,
];
const percent = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`;
/** A path segment: an id of a limit length (plain or percent-encoded), or junk with broken escapes. */
const segment = fc.oneof(
  fc
    .record({ n: fc.constantFrom(...LENGTHS), c: fc.constantFrom('a', 'Z', '9', '-', '.', '_', ':', ' '), encode: fc.boolean() })
    .map(({ n, c, encode }) => {
      const raw = c.repeat(n);
      return encode ? [...raw].map(percent).join('') : encodeURIComponent(raw);
    }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom('%', '%E0', '%A', '%zz', '%00', '%2F', '%C3%28', '..', '/', 'a', '%25'),
        fc.string({ maxLength: 3 }).map(encodeURIComponent),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('')),
);
const routes = [
  (id: string) => ({ method: 'GET' as const, url: `/v1/accounts/${id}`, role: 'collector' as const }),
  (id: string) => ({
    method: 'POST' as const,
    url: `/v1/worklists/call/items/${id}/outcome`,
    role: 'collector' as const,
    payload: { outcome: { type: 'no_answer' } },
  }),
  (id: string) => ({ method: 'GET' as const, url: `/v1/models/${id}`, role: 'scorer' as const }),
  (id: string) => ({ method: 'POST' as const, url: `/v1/models/${id}/promote`, role: 'admin' as const, payload: { as: 'challenger' } }),
  (id: string) => ({ method: 'POST' as const, url: `/v1/worklists/${id}/claim`, role: 'collector' as const, payload: { n: 1 } }),
];

describe('URLs, ids at every length limit and feature-key floods never produce a 5xx', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue<IntakeJobInput>;
  beforeAll(() => {
    redis = connect();
    prefix = freshPrefix();
    queue = createIntakeQueue(redis, prefix);
  });
  afterAll(async () => {
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });
  const app = () =>
    build({
      config: { maxFeatureKeys: 30, redisPrefix: prefix, batchMax: 20, workerBatch: 10 },
    });

  it('path parameters: bad percent-encoding, and ids of every limit length, plain or encoded', async () => {
    const a = await app();
    await fc.assert(
      fc.asyncProperty(segment, fc.integer({ min: 0, max: routes.length - 1 }), async (id, r) => {
        const { role, ...req } = routes[r](id);
        const res = await a.inject({ ...req, headers: auth(role) });
        checkAnswer(res, req.url);
        // The schema decides length, never the router: an id or version within its limit is never a 414.
        if ((decodeURIComponentSafe(id)?.length ?? Infinity) <= MAX_VERSION_LENGTH) expect(res.statusCode).not.toBe(414);
      }),
      { numRuns: 400 },
    );
  });

  it('bodies with any number of feature keys, around the cap, alone and in batches', async () => {
    const a = await app();
    const features = fc.integer({ min: 0, max: 80 }).map((n) => {
      const f: Record<string, unknown> = { income: 5000, util: 0.3, grade: 'B' };
      for (let i = 0; i < n; i++) f[`k${i}`] = i;
      return f;
    });
    const snapshot = (f: Record<string, unknown>, i: number) => ({
      accountId: `P${i}`,
      asOf: '2026-05-12',
      dpd: 30,
      outstanding: 10,
      jurisdiction: 'US',
      features: f,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(features, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('one', 'batch', 'snapshot', 'snapshots'),
        async (all, kind) => {
          const fs = kind === 'one' || kind === 'snapshot' ? all.slice(0, 1) : all;
          const req =
            kind === 'one'
              ? { url: '/v1/scores', payload: { features: fs[0] } }
              : kind === 'batch'
                ? { url: '/v1/scores/batch', payload: { items: fs.map((f) => ({ features: f })) } }
                : kind === 'snapshot'
                  ? { url: '/v1/delinquencies', payload: snapshot(fs[0], 0) }
                  : { url: '/v1/delinquencies', payload: { items: fs.map(snapshot) } };
          const res = await a.inject({ method: 'POST', ...req, headers: auth('scorer') });
          checkAnswer(res);
          const over = fs.some((f) => Object.keys(f).length > 30);
          if (kind === 'one' || kind === 'batch' || over) expect(res.statusCode).toBe(over ? 400 : 200);
          if (over) expect(res.json().error.details.every((d: { path: string }) => /(^|\.)features$/.test(d.path))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

function decodeURIComponentSafe(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
