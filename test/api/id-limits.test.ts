/**
 * Every id limit agrees: an id the snapshot schema accepts (up to MAX_ID_LENGTH characters) can be
 * worked through every route that takes it in the path, plainly or percent-encoded; one character
 * more is a 400 naming the parameter, never the router's own 414.
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ID_LENGTH } from '../../src/domain/collection/snapshot.js';
import { createIntakeQueue, type IntakeJobInput } from '../../src/collection/intake.js';
import { service, snapshot } from '../helpers/collection.js';
import { tinyFeatures } from '../helpers/models.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';
import { auth, build } from './helper.js';

const noonCDT = Date.parse('2026-05-12T17:00:00Z');
let redis: Redis;
let prefix: string;
let queue: Queue<IntakeJobInput>;
let app: FastifyInstance;
let ctx: ReturnType<typeof service>;

beforeEach(async () => {
  redis = connect();
  prefix = freshPrefix();
  queue = createIntakeQueue(redis, prefix);
  ctx = service(redis, prefix);
  app = await build({ config: { redisPrefix: prefix, batchMax: 10, workerBatch: 5 }, now: () => noonCDT });
});
afterEach(async () => {
  await app.close();
  await queue.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const encode = (id: string) => [...id].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');

describe(`account ids at the limit (${MAX_ID_LENGTH} characters)`, () => {
  const longest = `${'L'.repeat(MAX_ID_LENGTH - 6)}-9._Z0`;
  const tooLong = `${longest}x`;

  it('an id of the longest allowed length is taken in, claimed, reported and shown, plainly or percent-encoded', async () => {
    expect(longest).toHaveLength(MAX_ID_LENGTH);
    const intake = await app.inject({
      method: 'POST',
      url: '/v1/delinquencies',
      headers: auth('scorer'),
      payload: { ...snapshot({ accountId: longest }), features: tinyFeatures(1) },
    });
    expect(intake.statusCode, intake.body).toBe(202);
    await ctx.svc.assign([snapshot({ accountId: longest })], [{ pd: 0.45, reasons: [] }], 'tiny/v1', noonCDT);
    const claim = await app.inject({ method: 'POST', url: '/v1/worklists/call/claim', headers: auth('collector'), payload: { n: 1 } });
    expect(claim.json().items.map((i: { accountId: string }) => i.accountId)).toEqual([longest]);
    const outcome = await app.inject({
      method: 'POST',
      url: `/v1/worklists/call/items/${longest}/outcome`,
      headers: auth('collector'),
      payload: { outcome: { type: 'no_answer' } },
    });
    expect(outcome.statusCode, outcome.body).toBe(200);
    for (const id of [longest, encode(longest)]) {
      const account = await app.inject({ method: 'GET', url: `/v1/accounts/${id}`, headers: auth('collector') });
      expect(account.statusCode, account.body).toBe(200);
      expect(account.json().assignment).toMatchObject({ accountId: longest, lastOutcome: 'no_answer' });
    }
  });

  it('one character more is a 400 naming the field, on every route, plainly or percent-encoded', async () => {
    const intake = await app.inject({
      method: 'POST',
      url: '/v1/delinquencies',
      headers: auth('scorer'),
      payload: { ...snapshot({ accountId: 'A1' }), accountId: tooLong, features: tinyFeatures(1) },
    });
    expect(intake.statusCode).toBe(400);
    expect(intake.json().error.details.map((d: { path: string }) => d.path)).toEqual(['accountId']);
    for (const id of [tooLong, encode(tooLong)]) {
      const account = await app.inject({ method: 'GET', url: `/v1/accounts/${id}`, headers: auth('collector') });
      expect(account.statusCode, account.body).toBe(400);
      expect(account.json().error).toMatchObject({ code: 'ARREARS_VALIDATION', details: [{ path: 'params.id' }] });
      const outcome = await app.inject({
        method: 'POST',
        url: `/v1/worklists/call/items/${id}/outcome`,
        headers: auth('collector'),
        payload: { outcome: { type: 'no_answer' } },
      });
      expect(outcome.statusCode, outcome.body).toBe(400);
      expect(outcome.json().error).toMatchObject({ code: 'ARREARS_VALIDATION', details: [{ path: 'params.accountId' }] });
    }
  });

  it('a borrowerId of the longest allowed length is echoed; one more is refused', async () => {
    const features = { income: 5000, util: 0.3, grade: 'B' };
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/scores',
      headers: auth('scorer'),
      payload: { borrowerId: 'b'.repeat(MAX_ID_LENGTH), features },
    });
    expect(ok.json().borrowerId).toHaveLength(MAX_ID_LENGTH);
    const over = await app.inject({
      method: 'POST',
      url: '/v1/scores',
      headers: auth('scorer'),
      payload: { borrowerId: 'b'.repeat(MAX_ID_LENGTH + 1), features },
    });
    expect(over.json().error.details.map((d: { path: string }) => d.path)).toEqual(['borrowerId']);
  });
});
