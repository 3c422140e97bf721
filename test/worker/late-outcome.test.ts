/**
 * An outcome reported after the lease expired is accepted unless someone else claimed the item
 * since; either way the contact it reports is in the contact ledger, so the call caps count it.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { service, snapshot } from '../helpers/collection.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

const noonCDT = Date.parse('2026-05-12T17:00:00Z');
let redis: Redis;
let prefix: string;
let ctx: ReturnType<typeof service>;

beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = freshPrefix();
  ctx = service(redis, prefix);
});
afterEach(async () => {
  await deleteKeys(redis, prefix);
});

const assign = (accountId: string, outstanding: number, now = noonCDT) =>
  ctx.svc.assign([snapshot({ accountId, outstanding })], [{ pd: 0.45, reasons: [] }], 'tiny/v1', now);
const attempts = async (id: string, now: number) => (await ctx.store.readFacts([id], now)).get(id)!.callAttempts;

describe('an outcome reported after the lease expired', () => {
  it('is accepted when other claims ran on the queue but nobody took the item', async () => {
    await assign('A1', 1000);
    const [item] = await ctx.svc.claim('call', 'c1', 1, noonCDT);
    expect(item.accountId).toBe('A1');
    // A2 outranks A1 and arrives while A1 is leased; after A1's lease expires, c2's claim takes A2
    // and puts the expired A1 back on the ready set.
    await assign('A2', 5000, noonCDT + 1);
    const late = item.leaseUntil + 60_000;
    expect((await ctx.svc.claim('call', 'c2', 1, late)).map((i) => i.accountId)).toEqual(['A2']);
    const r = await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'no_answer' }, late + 1);
    expect(r).toEqual({ ok: true, state: 'queued' });
    // The outcome took A1 off the ready set: it waits for its cadence, and nobody can claim it now.
    expect((await ctx.store.sizes()).call).toEqual({ ready: 0, waiting: 1, leased: 1 });
    expect(await ctx.svc.claim('call', 'c3', 1, late + 2)).toEqual([]);
    expect((await ctx.svc.account('A1'))!.assignment).toMatchObject({ state: 'queued', lastOutcome: 'no_answer', leasedBy: null });
    expect(await attempts('A1', late + 2)).toEqual([late + 1]);
  });

  it('is refused (not_leased) when someone else claimed the item since, and its call attempt still counts', async () => {
    await assign('A1', 1000);
    const [item] = await ctx.svc.claim('call', 'c1', 1, noonCDT);
    const late = item.leaseUntil + 60_000;
    expect((await ctx.svc.claim('call', 'c2', 1, late)).map((i) => i.accountId)).toEqual(['A1']);
    expect(await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'no_answer' }, late + 1)).toEqual({ ok: false, reason: 'not_leased' });
    expect(await attempts('A1', late + 2)).toEqual([late + 1]);
    // c2 still holds the item and reports normally.
    expect(await ctx.svc.recordOutcome('call', 'A1', 'c2', { type: 'no_answer' }, late + 3)).toEqual({ ok: true, state: 'queued' });
    expect(await attempts('A1', late + 4)).toEqual([late + 1, late + 3]);
  });

  it('a collector who re-claims its own expired item reports as usual', async () => {
    await assign('A1', 1000);
    const [item] = await ctx.svc.claim('call', 'c1', 1, noonCDT);
    const late = item.leaseUntil + 60_000;
    expect((await ctx.svc.claim('call', 'c1', 1, late)).map((i) => i.accountId)).toEqual(['A1']);
    expect(await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'contacted' }, late + 1)).toEqual({ ok: true, state: 'queued' });
  });
});
