import { describe, expect, it } from 'vitest';
import {
  armMetrics,
  meanEstimate,
  METRICS,
  newcombeDifference,
  ratioEstimate,
  StatsInputError,
  strategyResults,
  wilson,
  Z95,
  type ResultRecordInput,
} from '../../src/effectiveness/stats.js';
import { mulberry32, shuffle } from '../../src/domain/random.js';

// z = 1.959964 (the 97.5% normal quantile), z² = 3.841459. Figures are checked to 4 decimals.
const close = (actual: number | null, expected: number, digits = 4) => {
  expect(actual).not.toBeNull();
  expect(actual!).toBeCloseTo(expected, digits);
};
const interval = (e: { lower: number | null; upper: number | null }, lower: number, upper: number) => {
  close(e.lower, lower);
  close(e.upper, upper);
};

describe('Wilson score interval', () => {
  it('12/40 = [0.1807, 0.4543]', () => {
    // p = 0.3, z²/n = 0.0960365; centre = (0.3 + 0.0480182) / 1.0960365 = 0.317524;
    // half = (1.959964 / 1.0960365) · √(0.21/40 + 3.841459/6400) = 1.788232 · 0.0764868 = 0.136776.
    // Check on the score equation: (0.454300 - 0.3)² = 0.023808 = z² · 0.4543·0.5457/40.
    const w = wilson(12, 40);
    close(w.value, 0.3);
    interval(w, 0.1807, 0.4543);
  });

  it.each([
    // Newcombe (1998), single proportion, method 3 (score, no continuity correction).
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [29, 29, 0.883, 1],
  ])('%i/%i = [%f, %f] (published)', (x, n, lower, upper) => interval(wilson(x, n), lower, upper));

  it('its bounds solve the score equation |p̂ - π| = z·√(π(1-π)/n), and 0 and n give exactly 0 and 1', () => {
    for (const [x, n] of [
      [1, 3],
      [7, 19],
      [50, 51],
      [3, 1000],
    ]) {
      const w = wilson(x, n);
      for (const pi of [w.lower!, w.upper!]) expect(Math.abs(x / n - pi)).toBeCloseTo(Z95 * Math.sqrt((pi * (1 - pi)) / n), 12);
    }
    expect(wilson(0, 9).lower).toBe(0);
    expect(wilson(9, 9).upper).toBe(1);
  });

  it('0/0 gives nulls, not NaN; impossible counts are refused', () => {
    expect(wilson(0, 0)).toEqual({ value: null, lower: null, upper: null, successes: 0, trials: 0 });
    expect(() => wilson(5, 4)).toThrow(/successes must be a whole number from 0 to trials \(4\)/);
    expect(() => wilson(1.5, 4)).toThrow(RangeError);
    expect(() => wilson(0, -1)).toThrow(/trials/);
  });
});

describe("Newcombe's hybrid score interval for p1 - p2", () => {
  it.each([
    // Newcombe (1998), differences between independent proportions, Table II, method 10.
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ])('%i/%i - %i/%i = [%f, %f] (published)', (x1, n1, x2, n2, lower, upper) => interval(newcombeDifference(x1, n1, x2, n2), lower, upper));

  it('is null when either arm has no trials', () => {
    expect(newcombeDifference(0, 0, 3, 10)).toEqual({ value: null, lower: null, upper: null });
    expect(newcombeDifference(3, 10, 0, 0)).toEqual({ value: null, lower: null, upper: null });
  });
});

describe('means and ratios', () => {
  it('a mean gets a normal interval on the sample SD; one value has no interval, none has no value', () => {
    // 2, 4, 9: mean 5, SD √((9 + 1 + 16)/2) = √13 = 3.605551, SE 2.081666, ± 4.079992.
    const m = meanEstimate([2, 4, 9]);
    close(m.value, 5);
    close(m.sd, 3.605551);
    interval(m, 0.920008, 9.079992);
    expect(meanEstimate([5])).toEqual({ value: 5, lower: null, upper: null, n: 1, sd: null, se: null });
    expect(meanEstimate([])).toEqual({ value: null, lower: null, upper: null, n: 0, sd: null, se: null });
  });

  it('a ratio of sums gets a delta-method interval; no denominator gives no value', () => {
    // y = 10, 0, 20 over x = 1, 2, 3: R = 30/6 = 5; d = y - 5x = 5, -10, 5; Σd² = 150;
    // SE = √(150 / (3·2)) / x̄ = 5 / 2 = 2.5; ± 4.899910.
    const r = ratioEstimate([10, 0, 20], [1, 2, 3]);
    close(r.value, 5);
    close(r.se, 2.5);
    interval(r, 0.10009, 9.89991);
    expect(ratioEstimate([0, 0], [0, 0]).value).toBeNull();
    expect(ratioEstimate([4], [2])).toMatchObject({ value: 2, lower: null, upper: null });
    expect(() => ratioEstimate([1], [1, 2])).toThrow(/numerators has 1 values but denominators has 2/);
  });
});

/*
 * The seeded history: policy p1, champion "a" (80 accounts) and challenger "b" (70), then shuffled.
 *
 *  b: 14 kept and cured (100 recovered) | 7 kept, not cured (100) | 7 promised, broken (40)
 *     14 right party, no promise | 14 contacted, not the right party | 7 not contacted, rolled
 *     7 not contacted (bucket 31-60, queue digital); every b account had 2 contacts.
 *  a: 12 kept and cured (100) | 4 promised, broken (50) | 4 promised, broken (0)
 *     12 right party, no promise | 16 contacted, not the right party   (all these: 3 contacts)
 *     16 not contacted, rolled | 16 not contacted (bucket 31-60, queue digital)  (1 contact each)
 *
 * Policy p2 has champion accounts only.
 */
type Flags = Pick<ResultRecordInput, 'contacted' | 'rightPartyContact' | 'promised' | 'promiseKept' | 'cured' | 'rolled'>;
const F = (s: string): Flags => ({
  contacted: s.includes('C'),
  rightPartyContact: s.includes('R'),
  promised: s.includes('P'),
  promiseKept: s.includes('K'),
  cured: s.includes('U'),
  rolled: s.includes('L'),
});
const many = (
  k: number,
  variant: string,
  flags: string,
  recovered: number,
  contacts: number,
  policyVersion = 'p1',
  late = false,
): ResultRecordInput[] =>
  Array.from({ length: k }, () => ({
    variant,
    policyVersion,
    queue: late ? 'digital' : 'call',
    bucket: late ? '31-60' : '1-30',
    ...F(flags),
    recovered,
    contacts,
  }));

const history = shuffle(
  [
    ...many(14, 'b', 'CRPKU', 100, 2),
    ...many(7, 'b', 'CRPK', 100, 2),
    ...many(7, 'b', 'CRP', 40, 2),
    ...many(14, 'b', 'CR', 0, 2),
    ...many(14, 'b', 'C', 0, 2),
    ...many(7, 'b', 'L', 0, 2),
    ...many(7, 'b', '', 0, 2, 'p1', true),
    ...many(12, 'a', 'CRPKU', 100, 3),
    ...many(4, 'a', 'CRP', 50, 3),
    ...many(4, 'a', 'CRP', 0, 3),
    ...many(12, 'a', 'CR', 0, 3),
    ...many(16, 'a', 'C', 0, 3),
    ...many(16, 'a', 'L', 0, 1),
    ...many(16, 'a', '', 0, 1, 'p1', true),
    ...many(3, 'a', 'CRPKU', 10, 1, 'p2'),
  ],
  mulberry32(2024),
);

describe('strategy results on the seeded history', () => {
  const results = strategyResults(history, { champion: 'a' });
  const arm = (policyVersion: string, variant: string) =>
    results.groups.find((g) => g.key.policyVersion === policyVersion && g.key.variant === variant)!.metrics;

  it('one group per policy version x variant, in a stable order, and one comparison (p2 has one arm)', () => {
    expect(results.groups.map((g) => g.key)).toEqual([
      { policyVersion: 'p1', variant: 'a' },
      { policyVersion: 'p1', variant: 'b' },
      { policyVersion: 'p2', variant: 'a' },
    ]);
    expect(results.comparisons.map((c) => [c.key, c.champion, c.challenger])).toEqual([[{ policyVersion: 'p1' }, 'a', 'b']]);
  });

  // Wilson: centre = (p + z²/2n)/(1 + z²/n), half = z/(1 + z²/n)·√(p(1-p)/n + z²/4n²).
  it.each([
    //                        b: x/n   centre ± half         a: x/n   centre ± half
    ['contactRate', 56, 70, 0.6918, 0.877, /* 0.784393 ± 0.092560 */ 48, 80, 0.4905, 0.7004 /* 0.595418 ± 0.104964 */],
    ['rightPartyContactRate', 42, 70, 0.4829, 0.7067, /* 0.594798 ± 0.111860 */ 32, 80, 0.2996, 0.5095 /* 0.404582 ± 0.104964 */],
    ['promiseRate', 28, 70, 0.2933, 0.5171, /* 0.405202 ± 0.111860 */ 20, 80, 0.1681, 0.3548 /* 0.261455 ± 0.093392 */],
    ['keptRate', 21, 28, 0.5664, 0.8732, /* 0.719839 ± 0.153396 */ 12, 20, 0.3866, 0.7812 /* 0.583887 ± 0.197306 */],
    ['cureRate', 14, 70, 0.123, 0.3082, /* 0.215607 ± 0.092560 */ 12, 80, 0.0879, 0.2441 /* 0.166036 ± 0.078096 */],
    ['rollRate', 7, 70, 0.0493, 0.1923, /* 0.120809 ± 0.071520 */ 16, 80, 0.127, 0.3005 /* 0.213745 ± 0.086717 */],
  ] as const)('%s: b %i/%i = [%f, %f], a %i/%i = [%f, %f]', (metric, xb, nb, lb, ub, xa, na, la, ua) => {
    const b = arm('p1', 'b')[metric];
    const a = arm('p1', 'a')[metric];
    expect([b.successes, b.trials, a.successes, a.trials]).toEqual([xb, nb, xa, na]);
    close(b.value, xb / nb);
    interval(b, lb, ub);
    interval(a, la, ua);
  });

  // Newcombe: D - √((p1-l1)² + (u2-p2)²) .. D + √((u1-p1)² + (p2-l2)²), with the Wilson limits above.
  it.each([
    ['contactRate', 0.2, 0.0524, 0.3339], //  0.2 - 0.147569 .. 0.2 + 0.133873 (Newcombe's own example a)
    ['rightPartyContactRate', 0.2, 0.0397, 0.3465], // 0.2 - 0.160324 .. 0.2 + 0.146466
    ['promiseRate', 0.15, 0.0004, 0.2929], // 0.15 - 0.149562 .. 0.15 + 0.142889
    ['keptRate', 0.15, -0.1079, 0.3964], // 0.15 - 0.257923 .. 0.15 + 0.246443
    ['cureRate', 0.05, -0.0716, 0.1747], // 0.05 - 0.121584 .. 0.05 + 0.124705
    ['rollRate', -0.1, -0.2125, 0.0177], // -0.1 - 0.112536 .. -0.1 + 0.117684
  ] as const)('%s: b - a = %f, [%f, %f]', (metric, d, lower, upper) => {
    const diff = results.comparisons[0].differences[metric];
    close(diff.value, d);
    interval(diff, lower, upper);
  });

  it('recovered per account: normal interval on the mean with the sample SD; the difference by Welch-style SE', () => {
    // b: Σy = 21·100 + 7·40 = 2380, mean 34; Σy² = 210000 + 11200 = 221200; Σ(y - ȳ)² = 221200 - 70·34² = 140280;
    //    s = √(140280/69) = 45.089283, SE = s/√70 = 5.389200, ± 10.562638.
    // a: Σy = 12·100 + 4·50 = 1400, mean 17.5; Σy² = 130000; Σ(y - ȳ)² = 130000 - 80·17.5² = 105500;
    //    s = √(105500/79) = 36.543714, SE = s/√80 = 4.085711, ± 8.007847.
    // b - a = 16.5, SE = √(5.389200² + 4.085711²) = 6.762878, ± 13.254997.
    const b = arm('p1', 'b').recoveredPerAccount;
    const a = arm('p1', 'a').recoveredPerAccount;
    close(b.value, 34);
    close(b.sd, 45.089283);
    interval(b, 23.437362, 44.562638);
    close(a.value, 17.5);
    close(a.sd, 36.543714);
    interval(a, 9.492153, 25.507847);
    const d = results.comparisons[0].differences.recoveredPerAccount;
    close(d.value, 16.5);
    interval(d, 3.245003, 29.754997);
  });

  it('recovered per contact: ratio of sums with a delta-method interval', () => {
    // b: R = 2380/140 = 17; every x = 2, so d = y - 34 and Σd² = 140280; SE = √(140280/(70·69))/2 = 2.694600, ± 5.281319.
    // a: R = 1400/176 = 7.954545; d = 100 - 3R = 76.136364 (×12), 50 - 3R = 26.136364 (×4), -3R = -23.863636 (×32),
    //    -R = -7.954545 (×32); Σd² = 69560.95 + 2732.44 + 18223.14 + 2024.79 = 92541.32;
    //    x̄ = 2.2; SE = √(92541.32/(80·79))/2.2 = 3.826567/2.2 = 1.739349, ± 3.409061.
    // b - a = 9.045455, SE = √(2.694600² + 1.739349²) = 3.207211, ± 6.286018.
    const b = arm('p1', 'b').recoveredPerContact;
    const a = arm('p1', 'a').recoveredPerContact;
    expect([b.numerator, b.denominator, a.numerator, a.denominator]).toEqual([2380, 140, 1400, 176]);
    interval(b, 11.718681, 22.281319);
    close(a.value, 7.954545);
    interval(a, 4.545485, 11.363606);
    const d = results.comparisons[0].differences.recoveredPerContact;
    close(d.value, 9.045455);
    interval(d, 2.759436, 15.331473);
  });

  it('the same records in another order give the same figures', () => {
    const again = strategyResults(shuffle([...history], mulberry32(7)), { champion: { p1: 'a', p2: 'a' } });
    expect(again).toEqual(results);
  });

  it('slices by queue and DPD bucket; an all-zero slice has zero-width intervals and a null kept rate, not NaN', () => {
    const sliced = strategyResults(history, { champion: 'a', by: ['queue', 'bucket'] });
    expect(sliced.groups.map((g) => Object.values(g.key).join('/'))).toEqual([
      'p1/a/call/1-30',
      'p1/b/call/1-30',
      'p1/a/digital/31-60',
      'p1/b/digital/31-60',
      'p2/a/call/1-30',
    ]);
    expect(sliced.comparisons.map((c) => Object.values(c.key).join('/'))).toEqual(['p1/call/1-30', 'p1/digital/31-60']);
    const late = sliced.comparisons[1].differences;
    // 0/7 - 0/16: D = 0; upper Wilson limits 0.548781/1.548781 = 0.354333 and 0.240092/1.240092 = 0.193609.
    close(late.contactRate.value, 0);
    interval(late.contactRate, -0.193609, 0.354333);
    expect(late.keptRate).toEqual({ value: null, lower: null, upper: null });
    expect(late.recoveredPerAccount).toEqual({ value: 0, lower: 0, upper: 0 });
    expect(late.recoveredPerContact).toEqual({ value: 0, lower: 0, upper: 0 });
  });
});

describe('edge cases', () => {
  it('no accounts: every rate, mean and ratio is null, nothing is NaN', () => {
    const m = armMetrics([]);
    expect(m.accounts).toBe(0);
    for (const k of METRICS) expect(m[k]).toMatchObject({ value: null, lower: null, upper: null });
    expect(JSON.stringify(m)).not.toMatch(/NaN/);
    expect(
      Object.values(m)
        .flatMap((v) => (typeof v === 'object' ? Object.values(v) : [v]))
        .some((v) => Number.isNaN(v)),
    ).toBe(false);
  });

  it('one arm only, or no champion among the variants: groups but no difference', () => {
    const champOnly = many(5, 'a', 'CR', 10, 1);
    expect(strategyResults(champOnly, { champion: 'a' }).comparisons).toEqual([]);
    const challengersOnly = [...many(5, 'b', 'CR', 10, 1), ...many(5, 'c', 'C', 0, 1)];
    const r = strategyResults(challengersOnly, { champion: 'a' });
    expect(r.groups).toHaveLength(2);
    expect(r.comparisons).toEqual([]);
    expect(strategyResults([...champOnly, ...challengersOnly], { champion: { other: 'a' } }).comparisons).toEqual([]);
    expect(strategyResults([], { champion: 'a' })).toEqual({ groups: [], comparisons: [] });
  });

  it('an arm of one account has values but no intervals for the mean and ratio, and so no difference for them', () => {
    const r = strategyResults([...many(1, 'b', 'C', 30, 2), ...many(4, 'a', 'C', 10, 1)], { champion: 'a' });
    const d = r.comparisons[0].differences;
    expect(d.recoveredPerAccount).toEqual({ value: null, lower: null, upper: null });
    expect(d.contactRate.value).toBe(0);
    expect(r.groups.find((g) => g.key.variant === 'b')!.metrics.recoveredPerAccount).toMatchObject({ value: 30, lower: null });
  });

  it.each([
    {
      name: 'a right-party contact without contact',
      over: { rightPartyContact: true },
      message: 'record 0, rightPartyContact: a right-party contact needs contacted: true',
    },
    {
      name: 'a kept promise never made',
      over: { promiseKept: true },
      message: 'record 0, promiseKept: a kept promise needs promised: true',
    },
    {
      name: 'a contact count of zero on a contacted account',
      over: { contacted: true, contacts: 0 },
      message: 'record 0, contacts: contacted: true needs at least one contact',
    },
    { name: 'a negative recovery', over: { recovered: -5 }, message: 'record 0, recovered' },
    { name: 'a fractional contact count', over: { contacts: 1.5 }, message: 'record 0, contacts' },
    { name: 'a missing variant', over: { variant: undefined }, message: 'record 0, variant' },
  ])('refuses $name, naming the record and field', ({ over, message }) => {
    const bad = [{ ...many(1, 'a', '', 0, 1)[0], ...over }];
    expect(() => strategyResults(bad, { champion: 'a' })).toThrow(StatsInputError);
    expect(() => strategyResults(bad, { champion: 'a' })).toThrow(message);
  });
});
