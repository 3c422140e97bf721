import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CollectionService } from '../../src/collection/service.js';
import { recordExternalContacts } from '../../src/collection/ledger.js';
import { WorklistStore } from '../../src/collection/worklist.js';
import { defaultPolicy, service, snapshot } from '../helpers/collection.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

const H = 3_600_000;
const D = 24 * H;
const noonCDT = Date.parse('2026-05-12T17:00:00Z');
const MODEL = 'sample/test';

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

const assign = (snaps: ReturnType<typeof snapshot>[], pds: number[], now = noonCDT) =>
  ctx.svc.assign(
    snaps,
    pds.map((pd) => ({ pd, reasons: [{ code: 'R1' }] })),
    MODEL,
    now,
  );

describe('assignment', () => {
  it('puts a contactable account on its queue, once per (accountId, asOf)', async () => {
    expect(await assign([snapshot()], [0.45])).toEqual(['queued']);
    expect(await assign([snapshot()], [0.45])).toEqual(['duplicate']);
    expect(await assign([snapshot({ asOf: '2026-05-01' })], [0.45])).toEqual(['stale']);
    const sizes = await ctx.store.sizes();
    expect(sizes.call).toEqual({ ready: 1, waiting: 0, leased: 0 });
    expect(await redis.xlen(ctx.store.keys.audit)).toBe(1);
  });

  it('writes an audit entry with model, policy, variant, inputs hash and decision', async () => {
    await assign([snapshot({ flags: { hardship: true } })], [0.45]);
    const [[, flat]] = await redis.xrange(ctx.store.keys.audit, '-', '+');
    const e = Object.fromEntries(flat.reduce<[string, string][]>((acc, v, i, a) => (i % 2 ? acc : [...acc, [v, a[i + 1]]]), []));
    expect(e).toMatchObject({
      event: 'assign',
      accountId: 'A1',
      asOf: '2026-05-12',
      model: MODEL,
      policy: ctx.policy.version,
      state: 'queued',
    });
    expect(e.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(['champion', 'digital-first']).toContain(e.variant);
    expect(JSON.parse(e.decision)).toMatchObject({ queue: 'digital', channel: 'sms', override: 'hardship' });
  });

  it('outside the contact window an account waits until the window opens', async () => {
    const night = Date.parse('2026-05-13T03:30:00Z'); // 22:30 CDT
    await assign([snapshot()], [0.45], night);
    expect((await ctx.store.sizes()).call).toEqual({ ready: 0, waiting: 1, leased: 0 });
    expect(await ctx.svc.claim('call', 'c1', 5, night)).toEqual([]);
    const morning = Date.parse('2026-05-13T13:00:00Z'); // 08:00 CDT
    expect((await ctx.svc.claim('call', 'c1', 5, morning)).map((i) => i.accountId)).toEqual(['A1']);
  });

  it('a chunk larger than one script call lands exactly as it does one item per call', async () => {
    // Two stores over two prefixes, one assign.lua call per item vs three items per call, fed the
    // same history: new accounts, an update, a duplicate, a stale one, a leased one, a ceased one.
    const run = async (assignBatch: number) => {
      const p = freshPrefix();
      const store = new WorklistStore({ redis, prefix: p, assignBatch });
      const svc = new CollectionService(store, defaultPolicy(), 15 * 60_000);
      const go = (snaps: ReturnType<typeof snapshot>[], now = noonCDT) =>
        svc.assign(
          snaps,
          snaps.map((_, i) => ({ pd: 0.1 + i / 20, reasons: [{ code: `R${i}` }] })),
          MODEL,
          now,
        );
      await go(['L', 'C', 'U', 'S'].map((accountId) => snapshot({ accountId, asOf: '2026-05-11' })));
      await svc.claim('call', 'c1', 5, noonCDT);
      await svc.recordOutcome('call', 'C', 'c1', { type: 'cease' }, noonCDT);
      const later = noonCDT + H;
      const results = await go(
        [
          snapshot({ accountId: 'N1' }),
          snapshot({ accountId: 'L', outstanding: 5000 }),
          snapshot({ accountId: 'C' }),
          snapshot({ accountId: 'U', dpd: 95 }),
          snapshot({ accountId: 'S', asOf: '2026-05-01' }),
          snapshot({ accountId: 'N2', flags: { hardship: true } }),
          snapshot({ accountId: 'N2', flags: { hardship: true } }),
          snapshot({ accountId: 'N3', timezone: null, jurisdiction: 'CN' }),
        ],
        later,
      );
      const accounts: Record<string, unknown> = {};
      for (const id of ['N1', 'L', 'C', 'U', 'S', 'N2', 'N3']) {
        const a = await svc.account(id);
        accounts[id] = { ...a, history: ((a?.history ?? []) as { at: number }[]).map(({ at: _at, ...h }) => h) };
      }
      const audit = (await redis.xrange(store.keys.audit, '-', '+')).map(([, f]) => f.join('|'));
      const sizes = await store.sizes();
      await deleteKeys(redis, p);
      return { results, accounts, audit, sizes };
    };
    const one = await run(1);
    const three = await run(3);
    expect(one.results).toEqual(['queued', 'leased', 'blocked', 'leased', 'stale', 'queued', 'duplicate', 'queued']);
    expect(three).toEqual(one);
  });

  it('bankruptcy goes to the legal queue; deceased is held off every queue', async () => {
    await assign(
      [snapshot({ accountId: 'B', flags: { bankruptcy: true } }), snapshot({ accountId: 'D', flags: { deceased: true } })],
      [0.45, 0.45],
    );
    const sizes = await ctx.store.sizes();
    expect(sizes.legal.ready).toBe(1);
    expect(sizes.call).toEqual({ ready: 0, waiting: 0, leased: 0 });
    const d = await ctx.svc.account('D');
    expect(d!.assignment).toMatchObject({ state: 'blocked' });
    expect((d!.assignment.blockReasons as { code: string }[]).map((r) => r.code)).toContain('DECEASED');
  });
});

describe('claim', () => {
  it('leases the highest expected loss first, and never the same item to two collectors', async () => {
    const snaps = [1, 2, 3, 4, 5, 6].map((i) => snapshot({ accountId: `A${i}`, outstanding: i * 1000 }));
    await assign(
      snaps,
      snaps.map(() => 0.45),
    );
    expect((await ctx.svc.claim('call', 'c1', 2, noonCDT)).map((i) => i.accountId)).toEqual(['A6', 'A5']);
    const [c2, c3] = await Promise.all([ctx.svc.claim('call', 'c2', 3, noonCDT), ctx.svc.claim('call', 'c3', 3, noonCDT)]);
    const rest = [...c2, ...c3].map((i) => i.accountId);
    expect(rest.sort()).toEqual(['A1', 'A2', 'A3', 'A4']);
    expect(await ctx.svc.claim('call', 'c4', 5, noonCDT)).toEqual([]);
    expect((await ctx.store.sizes()).call).toEqual({ ready: 0, waiting: 0, leased: 6 });
  });

  it('an expired lease goes back to the queue', async () => {
    await assign([snapshot()], [0.45]);
    const [item] = await ctx.svc.claim('call', 'c1', 1, noonCDT);
    expect(item.leaseUntil).toBe(noonCDT + ctx.svc.leaseMs);
    expect(await ctx.svc.claim('call', 'c2', 1, noonCDT + 60_000)).toEqual([]);
    const again = await ctx.svc.claim('call', 'c2', 1, noonCDT + ctx.svc.leaseMs + 1);
    expect(again.map((i) => i.accountId)).toEqual(['A1']);
    // The first collector lost the lease: its outcome is refused.
    expect(await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'contacted' }, noonCDT + ctx.svc.leaseMs + 2)).toEqual({
      ok: false,
      reason: 'not_leased',
    });
  });

  it('an item that becomes non-contactable before the claim is released to wait, with an audit entry', async () => {
    await assign([snapshot()], [0.45], Date.parse('2026-05-13T01:00:00Z')); // 20:00 CDT: allowed
    const late = Date.parse('2026-05-13T02:30:00Z'); // 21:30 CDT
    expect(await ctx.svc.claim('call', 'c1', 1, late)).toEqual([]);
    const acct = await ctx.svc.account('A1');
    expect(acct!.assignment).toMatchObject({ state: 'queued', notBefore: Date.parse('2026-05-13T13:00:00Z') });
    const events = (await redis.xrange(ctx.store.keys.audit, '-', '+')).map(([, f]) => f[f.indexOf('event') + 1]);
    expect(events).toEqual(['assign', 'claim_blocked']);
  });

  it('US: the 8th call attempt in 7 days is not handed out', async () => {
    await assign([snapshot()], [0.45]);
    await recordExternalContacts(
      redis,
      ctx.store.keys,
      'A1',
      Array.from({ length: 7 }, (_, i) => ({ kind: 'attempt' as const, at: noonCDT - (i + 1) * 12 * H, agency: 'other' })),
      noonCDT,
    );
    expect(await ctx.svc.claim('call', 'c1', 1, noonCDT)).toEqual([]);
    const acct = await ctx.svc.account('A1');
    expect(acct!.history[0]).toMatchObject({ event: 'blocked', reasons: ['CALL_ATTEMPT_CAP'] });
  });

  it('CN: the 4th connected call of the day, counted across agencies, is not handed out', async () => {
    const noonSH = Date.parse('2026-06-01T04:00:00Z');
    await assign([snapshot({ jurisdiction: 'CN', timezone: 'Asia/Shanghai', asOf: '2026-06-01' })], [0.45], noonSH);
    await recordExternalContacts(
      redis,
      ctx.store.keys,
      'A1',
      [1, 2, 3].map((i) => ({ kind: 'connected' as const, at: noonSH - i * H, agency: `agency-${i}` })),
      noonSH,
    );
    expect(await ctx.svc.claim('call', 'c1', 1, noonSH)).toEqual([]);
    expect((await ctx.svc.account('A1'))!.assignment.notBefore).toBe(Date.parse('2026-06-02T00:00:00Z'));
  });
});

describe('outcomes', () => {
  const claimOne = async (now = noonCDT) => {
    const [item] = await ctx.svc.claim('call', 'c1', 1, now);
    expect(item?.accountId).toBe('A1');
    return item;
  };

  it('contacted: logged to the ledger and the outcome stream, back on the queue after the cadence', async () => {
    await assign([snapshot()], [0.45]);
    const item = await claimOne();
    expect(await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'contacted' }, noonCDT + 60_000)).toEqual({ ok: true, state: 'queued' });
    expect(await redis.zcard(ctx.store.keys.ledger('A1'))).toBe(3); // attempt, connected, conversation
    expect(await redis.xlen(ctx.store.keys.outcomes)).toBe(1);
    const acct = (await ctx.svc.account('A1'))!.assignment;
    expect(acct).toMatchObject({ state: 'queued', lastOutcome: 'contacted', notBefore: noonCDT + 60_000 + item.cadenceDays * D });
    // Reg F: no call within 7 days of a conversation, even after a 2-day cadence.
    const afterCadence = noonCDT + item.cadenceDays * D + H;
    expect(await ctx.svc.claim('call', 'c1', 1, afterCadence)).toEqual([]);
    expect((await ctx.svc.account('A1'))!.history[0]).toMatchObject({ event: 'blocked', reasons: ['POST_CONVERSATION'] });
  });

  it('no answer: one attempt in the ledger', async () => {
    await assign([snapshot()], [0.45]);
    await claimOne();
    await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'no_answer' }, noonCDT);
    const [m] = await redis.zrange(ctx.store.keys.ledger('A1'), '0', '-1');
    expect(m.startsWith('attempt|')).toBe(true);
  });

  it('promise to pay pauses until the date; a broken promise comes back with raised priority', async () => {
    await assign([snapshot()], [0.45]);
    const before = await claimOne();
    const r = await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'promise_to_pay', amount: 250, date: '2026-05-20' }, noonCDT);
    expect(r).toEqual({ ok: true, state: 'paused' });
    expect((await ctx.svc.account('A1'))!.assignment).toMatchObject({ state: 'paused', promise: { amount: 250, date: '2026-05-20' } });
    expect(await ctx.svc.claim('call', 'c1', 1, Date.parse('2026-05-21T17:00:00Z'))).toEqual([]); // grace day
    const wake = Date.parse('2026-05-22T17:00:00Z');
    const [after] = await ctx.svc.claim('call', 'c1', 1, wake);
    expect(after.brokenPromises).toBe(1);
    expect(after.priority).toBeGreaterThan(before.priority);
    expect((await ctx.svc.account('A1'))!.assignment.promise).toBeNull();
  });

  it('a promise dated in the past is refused', async () => {
    await assign([snapshot()], [0.45]);
    await claimOne();
    await expect(
      ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'promise_to_pay', amount: 10, date: '2026-05-01' }, noonCDT),
    ).rejects.toThrow(/today or later/);
  });

  it('paid: resolved and off every queue', async () => {
    await assign([snapshot()], [0.45]);
    await claimOne();
    expect(await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'paid', amount: 1000 }, noonCDT)).toEqual({
      ok: true,
      state: 'resolved',
    });
    expect((await ctx.store.sizes()).call).toEqual({ ready: 0, waiting: 0, leased: 0 });
  });

  it('cease stops contact for good: a later snapshot does not revive it', async () => {
    await assign([snapshot()], [0.45]);
    await claimOne();
    await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'cease' }, noonCDT);
    expect(await assign([snapshot({ asOf: '2026-05-13' })], [0.6], noonCDT + D)).toEqual(['blocked']);
    expect((await ctx.store.sizes()).call).toEqual({ ready: 0, waiting: 0, leased: 0 });
    expect((await ctx.svc.account('A1'))!.assignment.flags).toMatchObject({ cease: true });
  });

  it('dispute pauses until a snapshot reports it resolved', async () => {
    await assign([snapshot()], [0.45]);
    await claimOne();
    await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'dispute' }, noonCDT);
    expect(await assign([snapshot({ asOf: '2026-05-13' })], [0.45], noonCDT + D)).toEqual(['blocked']);
    expect(await assign([snapshot({ asOf: '2026-05-14', flags: { dispute: false } })], [0.45], noonCDT + 2 * D)).toEqual(['queued']);
  });

  it("only the lease holder can report, on the item's own queue", async () => {
    await assign([snapshot()], [0.45]);
    await claimOne();
    expect(await ctx.svc.recordOutcome('call', 'A1', 'intruder', { type: 'paid' }, noonCDT)).toEqual({ ok: false, reason: 'not_leased' });
    expect(await ctx.svc.recordOutcome('field', 'A1', 'c1', { type: 'paid' }, noonCDT)).toEqual({ ok: false, reason: 'wrong_queue' });
    expect(await ctx.svc.recordOutcome('call', 'nobody', 'c1', { type: 'paid' }, noonCDT)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('a new snapshot while leased keeps the lease', async () => {
    await assign([snapshot()], [0.45]);
    await claimOne();
    expect(await assign([snapshot({ asOf: '2026-05-13', outstanding: 2000 })], [0.45], noonCDT + H)).toEqual(['leased']);
    expect(await ctx.svc.recordOutcome('call', 'A1', 'c1', { type: 'contacted' }, noonCDT + 2 * H)).toEqual({ ok: true, state: 'queued' });
  });
});
