/**
 * Strategy results from the live streams: a seeded history under a test prefix, read back through
 * Redis, must give the figures worked out by hand (test/helpers/strategy-seed.ts lists the accounts).
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountSummary } from '../../src/collection/account-summary.js';
import { liveStrategyReport, parseWindow, readLiveHistory, WindowError } from '../../src/collection/strategy-results.js';
import { WorklistStore } from '../../src/collection/worklist.js';
import { agentActivity, complianceBlocks, ratesByDay } from '../../src/effectiveness/live.js';
import { service, snapshot } from '../helpers/collection.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';
import { seedHistory, WINDOW } from '../helpers/strategy-seed.js';

const Z = 1.959963984540054;

/** Wilson written out again from its textbook form, not imported: the check must not share the code it checks. */
function wilsonByHand(x: number, n: number) {
  const p = x / n;
  const denom = 1 + (Z * Z) / n;
  const centre = (p + (Z * Z) / (2 * n)) / denom;
  const half = (Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n))) / denom;
  return { value: p, lower: x === 0 ? 0 : centre - half, upper: x === n ? 1 : centre + half };
}

let redis: Redis;
let prefix: string;
let store: WorklistStore;
const window = parseWindow(WINDOW.since, WINDOW.until, 0);

beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = freshPrefix();
  store = new WorklistStore({ redis, prefix });
});
afterEach(async () => {
  await deleteKeys(redis, prefix);
});

const close = (
  actual: { value: number | null; lower: number | null; upper: number | null },
  expected: { value: number; lower: number; upper: number },
) => {
  expect(actual.value).toBeCloseTo(expected.value, 12);
  expect(actual.lower).toBeCloseTo(expected.lower, 12);
  expect(actual.upper).toBeCloseTo(expected.upper, 12);
};

describe('strategy results from the live streams', () => {
  it('equal the hand computation for each arm, intervals and the challenger-minus-champion difference included', async () => {
    await seedHistory(redis, store.keys, { feed: true });
    const r = await liveStrategyReport(store, window);
    expect(r.accounts).toBe(9);
    expect(r.sources).toEqual({ assignments: 10, outcomes: 13, payments: 6, cures: 3, judgements: 4 });
    // Groups come sorted by policy version, then variant name.
    const [challenger, champion] = r.overall.groups;
    expect(champion.key).toEqual({ policyVersion: '2026.1', variant: 'champion' });
    expect(challenger.key).toEqual({ policyVersion: '2026.1', variant: 'challenger' });
    const c = champion.metrics;
    const h = challenger.metrics;
    expect(c.accounts).toBe(5);
    expect(h.accounts).toBe(4);
    // Champion: contacted c1 c3 c4; right party c1 c4; promised c1 c4, kept c1; cured c1; rolled c2.
    expect(
      [c.contactRate, c.rightPartyContactRate, c.promiseRate, c.keptRate, c.cureRate, c.rollRate].map((e) => [e.successes, e.trials]),
    ).toEqual([
      [3, 5],
      [2, 5],
      [2, 5],
      [1, 2],
      [1, 5],
      [1, 5],
    ]);
    close(c.contactRate, { value: 0.6, lower: 0.2307242812760128, upper: 0.882379225767352 });
    close(c.keptRate, wilsonByHand(1, 2));
    // Challenger: contacted h1 h2 h4 (h3's June contact is outside); promised and kept h1 h2; cured h1 h2.
    expect(
      [h.contactRate, h.rightPartyContactRate, h.promiseRate, h.keptRate, h.cureRate, h.rollRate].map((e) => [e.successes, e.trials]),
    ).toEqual([
      [3, 4],
      [3, 4],
      [2, 4],
      [2, 2],
      [2, 4],
      [0, 4],
    ]);
    close(h.contactRate, { value: 0.75, lower: 0.30064184258240184, upper: 0.9544127391902995 });
    close(h.rollRate, wilsonByHand(0, 4));

    // Recovery per account: champion [100, 0, 0, 30, 0] (c5's payment predates its entry), challenger [200, 50, 0, 0].
    const seC = Math.sqrt((74 ** 2 + 3 * 26 ** 2 + 4 ** 2) / 4 / 5);
    close(c.recoveredPerAccount, { value: 26, lower: 26 - Z * seC, upper: 26 + Z * seC });
    const seH = Math.sqrt((137.5 ** 2 + 12.5 ** 2 + 2 * 62.5 ** 2) / 3 / 4);
    close(h.recoveredPerAccount, { value: 62.5, lower: 62.5 - Z * seH, upper: 62.5 + Z * seH });
    // Per contact: champion 130 over 7 contacts (c1 3, c2 2, c3 1, c4 1); delta method over the 5 accounts.
    const R = 130 / 7;
    const seR = Math.sqrt(((100 - 3 * R) ** 2 + (2 * R) ** 2 + R ** 2 + (30 - R) ** 2) / (5 * 4)) / (7 / 5);
    close(c.recoveredPerContact, { value: R, lower: R - Z * seR, upper: R + Z * seR });
    // Challenger 250 over 5 contacts (h1 2, h2 1, h3 1, h4 1).
    const seR2 = Math.sqrt(((200 - 100) ** 2 + 0 + 50 ** 2 + 50 ** 2) / (4 * 3)) / (5 / 4);
    close(h.recoveredPerContact, { value: 50, lower: 50 - Z * seR2, upper: 50 + Z * seR2 });

    // Challenger minus champion: Newcombe for the contact rate, Welch-style for recovery per account.
    expect(r.overall.comparisons).toHaveLength(1);
    const d = r.overall.comparisons[0];
    expect(d).toMatchObject({ champion: 'champion', challenger: 'challenger', key: { policyVersion: '2026.1' } });
    const a = wilsonByHand(3, 4);
    const b = wilsonByHand(3, 5);
    close(d.differences.contactRate, {
      value: 0.15,
      lower: 0.15 - Math.hypot(a.value - a.lower, b.upper - b.value),
      upper: 0.15 + Math.hypot(a.upper - a.value, b.value - b.lower),
    });
    const seD = Math.hypot(seH, seC);
    close(d.differences.recoveredPerAccount, { value: 36.5, lower: 36.5 - Z * seD, upper: 36.5 + Z * seD });

    // Slices: every account entered in 31-60; the queues split the arms exactly.
    expect(r.byBucket.groups.map((g) => [g.key.bucket, g.key.variant, g.metrics.accounts])).toEqual([
      ['31-60', 'challenger', 4],
      ['31-60', 'champion', 5],
    ]);
    expect(r.byQueue.groups.map((g) => [g.key.queue, g.key.variant, g.metrics.accounts])).toEqual([
      ['call', 'champion', 5],
      ['digital', 'challenger', 4],
    ]);
    // Each queue holds one arm only: no comparison inside a queue slice.
    expect(r.byQueue.comparisons).toEqual([]);
    expect(r.byQueueAndBucket.groups).toHaveLength(2);
  });

  it('without the servicing feed, kept, cure and recovery report 0 accounts and a note, never a measured 0', async () => {
    await seedHistory(redis, store.keys, { feed: false });
    const r = await liveStrategyReport(store, window);
    const c = r.overall.groups.find((g) => g.key.variant === 'champion')!.metrics;
    expect(c.accounts).toBe(5);
    expect(c.contactRate.successes).toBe(3);
    expect(c.keptRate).toEqual({ value: null, lower: null, upper: null, successes: 0, trials: 0 });
    expect(c.cureRate.trials).toBe(0);
    expect(c.recoveredPerAccount.value).toBeNull();
    expect(c.recoveredPerContact.value).toBeNull();
    expect(r.overall.comparisons[0].differences.cureRate.value).toBeNull();
    expect(r.overall.comparisons[0].differences.contactRate.value).toBeCloseTo(0.15, 12);
    expect(r.sources.payments).toBeNull();
    expect(r.notes.join('\n')).toMatch(/no servicing feed payment log.*kept rate, cure rate and recovery report 0 accounts/);
  });

  it('reports unreadable stream entries in the notes instead of dropping them silently', async () => {
    await seedHistory(redis, store.keys, { feed: true });
    await redis.xadd(store.keys.outcomes, '*', 'at', 'not-a-time', 'accountId', 'c1', 'outcome', 'contacted');
    const r = await liveStrategyReport(store, window);
    expect(r.notes.join('\n')).toMatch(/1 outcomes entries could not be read.*at is not a number/);
    expect(r.overall.groups.find((g) => g.key.variant === 'champion')!.metrics.contactRate.successes).toBe(3);
  });

  it('gives the dashboard figures: rates by entry day, compliance blocks, agent activity and where accounts stand', async () => {
    await seedHistory(redis, store.keys, { feed: true });
    const h = await readLiveHistory(store);
    const days = ratesByDay(h, window);
    expect(days.map((d) => [d.day, d.accounts, d.rollRate.successes, d.cureRate.successes])).toEqual([['2026-05-10', 9, 1, 3]]);
    close(days[0].rollRate, wilsonByHand(1, 9));
    // The June DO_NOT_CONTACT assignment is outside the window; the May claim refusal is in it.
    expect(complianceBlocks(h, window)).toEqual([{ reason: 'INCONVENIENT_TIME', assignments: 0, claims: 1, accounts: 1 }]);
    expect(complianceBlocks(h, parseWindow('2026-05-01', '2026-07-01', 0)).map((b) => b.reason)).toEqual([
      'DO_NOT_CONTACT',
      'INCONVENIENT_TIME',
    ]);
    expect(agentActivity(h, window)).toEqual([
      { collector: 'alice', worked: 6, contacts: 3, rightPartyContacts: 3, promises: 1, kept: 1 },
      { collector: 'bob', worked: 5, contacts: 4, rightPartyContacts: 4, promises: 2, kept: 2 },
      { collector: 'carol', worked: 2, contacts: 2, rightPartyContacts: 1, promises: 1, kept: 0 },
    ]);
    const s = await accountSummary(store);
    expect(s.accounts).toBe(5);
    const none = { queued: 0, leased: 0, paused: 0, blocked: 0, resolved: 0 };
    expect(s.states).toEqual({
      digital: { ...none, queued: 1 },
      call: { ...none, queued: 2, resolved: 1, blocked: 1 },
      field: none,
      legal: none,
    });
    expect(s.blocked.byReason).toEqual([{ reason: 'DO_NOT_CONTACT', accounts: 1 }]);
    expect(s.blocked.sample).toEqual([
      { accountId: 'x2', queue: 'call', reasons: ['DO_NOT_CONTACT'], updatedAt: Date.parse('2026-06-03T12:00:00Z') },
    ]);
    expect(s.balances.filter((b) => b.accounts > 0)).toEqual([
      { bucket: '31-60', accounts: 3, outstanding: 1500.25 },
      { bucket: '61-90', accounts: 1, outstanding: 1200.5 },
    ]);
  });

  it('reads what the collection service itself writes: assignments, claims and outcomes', async () => {
    const { svc, policy } = service(redis, prefix);
    const noon = Date.parse('2026-05-12T17:00:00Z'); // 12:00 in Chicago
    const snaps = ['A1', 'A2', 'A3'].map((accountId) => snapshot({ accountId, dpd: 75 }));
    await svc.assign(
      snaps,
      snaps.map(() => ({ pd: 0.2, reasons: [] })),
      'tiny/1',
      noon,
    );
    const items = await svc.claim('call', 'agent-1', 3, noon);
    expect(items.map((i) => i.accountId).sort()).toEqual(['A1', 'A2', 'A3']);
    const variants = new Map(items.map((i) => [i.accountId, i.variant]));
    await svc.recordOutcome('call', 'A1', 'agent-1', { type: 'promise_to_pay', amount: 50, date: '2026-05-20' }, noon + 60_000);
    await svc.recordOutcome('call', 'A2', 'agent-1', { type: 'no_answer' }, noon + 120_000);
    const r = await liveStrategyReport(store, parseWindow('2026-05-12', '2026-05-13', 0));
    expect(r.accounts).toBe(3);
    const total = (f: (m: (typeof r.overall.groups)[number]['metrics']) => number) =>
      r.overall.groups.reduce((s, g) => s + f(g.metrics), 0);
    expect(total((m) => m.accounts)).toBe(3);
    expect(total((m) => m.contactRate.successes)).toBe(1);
    expect(total((m) => m.promiseRate.successes)).toBe(1);
    expect(r.overall.groups.every((g) => g.key.policyVersion === policy.version)).toBe(true);
    const a1 = r.overall.groups.find((g) => g.key.variant === variants.get('A1'))!;
    expect(a1.metrics.promiseRate.successes).toBe(1);
    expect(r.byBucket.groups.every((g) => g.key.bucket === '61-90')).toBe(true);
    expect(agentActivity(await readLiveHistory(store), parseWindow('2026-05-12', '2026-05-13', 0))).toEqual([
      { collector: 'agent-1', worked: 2, contacts: 1, rightPartyContacts: 1, promises: 1, kept: null },
    ]);
  });

  it('refuses a window that is not a date or ends before it starts, naming the field', () => {
    expect(() => parseWindow('yesterday', undefined, Date.now())).toThrow(WindowError);
    expect(() => parseWindow('yesterday', undefined, Date.now())).toThrow(/^since: "yesterday" is not an ISO 8601 date/);
    expect(() => parseWindow('2026-06-01', '2026-05-01', 0)).toThrow(/since .* must be before until/);
    expect(parseWindow(undefined, '2026-05-31', 0)).toEqual({ since: Date.parse('2026-05-01'), until: Date.parse('2026-05-31') });
  });
});
