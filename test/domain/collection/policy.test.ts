import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assignVariant, decide, dpdBucket, fnv1a, parsePolicy, PolicyError, pdTier } from '../../../src/domain/collection/policy.js';

const raw = JSON.parse(readFileSync(new URL('../../../policies/default.json', import.meta.url), 'utf8'));
const policy = parsePolicy(raw);
const clone = () => structuredClone(raw);

describe('policy', () => {
  it('the committed default policy is valid', () => {
    expect(policy.version).toBe('2026.1-default');
    expect(policy.variants.map((v) => v.name)).toEqual(['champion', 'digital-first']);
  });

  it.each([
    [0, 'current'],
    [1, '1-30'],
    [30, '1-30'],
    [31, '31-60'],
    [60, '31-60'],
    [61, '61-90'],
    [90, '61-90'],
    [91, '90+'],
  ] as const)('dpd %i is bucket %s', (dpd, bucket) => expect(dpdBucket(dpd)).toBe(bucket));

  it.each([
    [0.0, 'low'],
    [0.0999, 'low'],
    [0.1, 'medium'],
    [0.3, 'high'],
    [0.95, 'very_high'],
  ])('pd %f is tier %s', (pd, tier) => expect(pdTier(policy, pd)).toBe(tier));

  const bad: [string, (p: any) => void, string][] = [
    ['missing version', (p) => delete p.version, 'version'],
    ['descending cuts', (p) => (p.pdTiers.cuts = [0.3, 0.1, 0.6]), 'pdTiers.cuts.1'],
    ['too few tier names', (p) => p.pdTiers.names.pop(), 'pdTiers.names'],
    ['missing grid row', (p) => delete p.variants[0].grid.high, 'variants.0.grid.high'],
    ['missing DPD bucket', (p) => delete p.variants[1].grid.low['90+'], 'variants.1.grid.low.90+'],
    ['unknown channel', (p) => (p.variants[0].grid.low.current.treatment.channel = 'fax'), 'variants.0.grid.low.current.treatment.channel'],
    ['unknown queue', (p) => (p.variants[0].grid.low.current.queue = 'mail'), 'variants.0.grid.low.current.queue'],
    [
      'zero cadence',
      (p) => (p.variants[0].grid.low.current.treatment.cadenceDays = 0),
      'variants.0.grid.low.current.treatment.cadenceDays',
    ],
    ['duplicate variant', (p) => (p.variants[1].name = 'champion'), 'variants.1.name'],
    ['all weights zero', (p) => p.variants.forEach((v: any) => (v.weight = 0)), 'variants'],
    ['hardship not soft', (p) => (p.hardship.treatment.channel = 'call'), 'hardship.treatment.channel'],
    ['bankruptcy off the legal queue', (p) => (p.bankruptcy.queue = 'call'), 'bankruptcy.queue'],
    [
      'bad compliance zone',
      (p) =>
        (p.compliance = {
          GB: {
            name: 'x',
            contactHours: null,
            zones: ['Mars/Olympus'],
            dayZone: 'Europe/London',
            callAttempts: null,
            quietDaysAfterConversation: null,
            connectedCallsPerDay: null,
            debtorOnly: false,
          },
        }),
      'compliance.GB.zones.0',
    ],
    ['unknown field', (p) => (p.extra = 1), '(root)'],
  ];
  it.each(bad)('refuses %s, naming %s', (_name, mutate, path) => {
    const p = clone();
    mutate(p);
    expect(() => parsePolicy(p)).toThrow(PolicyError);
    expect(() => parsePolicy(p)).toThrow(path);
  });
});

describe('assignVariant', () => {
  it('is stable: the same id always gets the same variant, and FNV-1a matches its reference values', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    const first = Array.from({ length: 100 }, (_, i) => assignVariant(`acct-${i}`, policy.variants));
    const again = Array.from({ length: 100 }, (_, i) => assignVariant(`acct-${i}`, policy.variants));
    expect(again).toEqual(first);
  });

  it('splits traffic by weight', () => {
    let challenger = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (assignVariant(`A${i}`, policy.variants) === 'digital-first') challenger++;
    expect(challenger / n).toBeGreaterThan(0.085);
    expect(challenger / n).toBeLessThan(0.115);
  });

  it('never assigns a zero-weight variant', () => {
    const vs = [
      { name: 'a', weight: 0 },
      { name: 'b', weight: 1 },
      { name: 'c', weight: 0 },
    ];
    for (let i = 0; i < 1000; i++) expect(assignVariant(String(i), vs)).toBe('b');
  });
});

describe('decide', () => {
  const champ = Array.from({ length: 1000 }, (_, i) => `C${i}`).find((id) => assignVariant(id, policy.variants) === 'champion')!;

  it('crosses the PD tier with the DPD bucket', () => {
    const d = decide(policy, champ, 0.45, 75);
    expect(d).toMatchObject({
      variant: 'champion',
      tier: 'high',
      bucket: '61-90',
      queue: 'field',
      treatment: { channel: 'field' },
      override: null,
    });
  });

  it('bankruptcy goes to the legal queue whatever the cell', () => {
    expect(decide(policy, champ, 0.01, 5, { bankruptcy: true })).toMatchObject({
      queue: 'legal',
      treatment: { channel: 'legal_review' },
      override: 'bankruptcy',
    });
  });

  it('hardship replaces a call with a soft treatment, and keeps a soft one', () => {
    expect(decide(policy, champ, 0.45, 45, { hardship: true })).toMatchObject({
      queue: 'digital',
      treatment: { channel: 'sms' },
      override: 'hardship',
    });
    expect(decide(policy, champ, 0.01, 0, { hardship: true })).toMatchObject({
      treatment: { channel: 'sms', cadenceDays: 7 },
      override: null,
    });
  });
});
