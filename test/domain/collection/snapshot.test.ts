import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSnapshotFast, SnapshotSchema } from '../../../src/domain/collection/snapshot.js';

const valid = {
  accountId: 'L-10023',
  asOf: '2026-05-12',
  dpd: 45,
  outstanding: 1520.75,
  jurisdiction: 'US',
  timezone: 'America/Chicago',
  flags: { hardship: true, doNotContact: false },
  features: { dpd_now: 45, channel: 'web', verified: true, income: null },
};

/** Values near the edges of every rule, and some of the wrong type. */
const anyValue = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -0, -1, 1.5, 100_000, 100_001, 1e20, Number.NaN, Infinity, '', 'x', 'US', 'us', 'USA'),
  fc.constantFrom(
    '2024-02-29',
    '2023-02-29',
    '2026-13-01',
    '2026-5-12',
    '2026-05-12T00:00:00Z',
    'America/Chicago',
    'america/CHICAGO',
    'US/Central',
    'Mars/Olympus',
    'UTC',
    'utc',
  ),
  fc.constantFrom('a'.repeat(128), 'a'.repeat(129), 'has:colon', 'ok.id_-9', 'é'.repeat(3), 'x'.repeat(256), 'x'.repeat(257)),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant([]),
  fc.constant({}),
);
const flagsArb = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(
    fc.constantFrom('doNotContact', 'dispute', 'bankruptcy', 'deceased', 'hardship', 'cease', 'other'),
    fc.oneof(fc.boolean(), anyValue),
    { maxKeys: 4 },
  ),
  anyValue,
);
const featuresArb = fc.oneof(
  fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', '0', '10')), anyValue, { maxKeys: 6 }),
  anyValue,
);
const field = <T>(good: T, arb: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: arb });
/** Mostly valid snapshots with some fields swapped for near-miss values, missing or extra keys. */
const snapshotArb = fc
  .record({
    accountId: field(valid.accountId, anyValue),
    asOf: field(valid.asOf, anyValue),
    dpd: field(valid.dpd, anyValue),
    outstanding: field(valid.outstanding, anyValue),
    jurisdiction: field(valid.jurisdiction, anyValue),
    timezone: field<unknown>(valid.timezone, anyValue),
    flags: field<unknown>(valid.flags, flagsArb),
    features: field<unknown>(valid.features, featuresArb),
    extra: fc.option(anyValue, { freq: 8 }),
  })
  .chain((r) =>
    fc.subarray(Object.keys(r), { minLength: 5 }).map((keep) => {
      const o: Record<string, unknown> = {};
      for (const k of keep) if (k !== 'extra' || r.extra !== null) o[k] = r[k as keyof typeof r];
      return o;
    }),
  );

describe('parseSnapshotFast', () => {
  it('accepts an ordinary snapshot and returns what the schema returns', () => {
    const fast = parseSnapshotFast(valid);
    const slow = SnapshotSchema.parse(valid);
    expect(fast).toEqual(slow);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
    const { timezone: _t, flags: _f, ...bare } = valid;
    expect(parseSnapshotFast(bare)).toEqual(SnapshotSchema.parse(bare));
    expect(parseSnapshotFast(JSON.parse(JSON.stringify({ ...valid, timezone: null })))).toEqual(
      SnapshotSchema.parse({ ...valid, timezone: null }),
    );
  });

  it('never accepts what the schema refuses, and agrees with it on what it accepts', () => {
    fc.assert(
      fc.property(snapshotArb, (s) => {
        const fast = parseSnapshotFast(s);
        const slow = SnapshotSchema.safeParse(s);
        if (fast === null) return;
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes the fast path for every JSON snapshot the schema accepts with plain features', () => {
    // What the worker sees: JSON from the queue. The fast path must not decline ordinary data.
    fc.assert(
      fc.property(snapshotArb, (s) => {
        const json = JSON.parse(JSON.stringify(s)) as { features?: unknown };
        const slow = SnapshotSchema.safeParse(json);
        // A "__proto__" feature is the one thing it leaves to the schema.
        if (!slow.success || Object.keys(json.features ?? {}).includes('__proto__')) return;
        expect(parseSnapshotFast(json)).toEqual(slow.data);
      }),
      { numRuns: 5_000 },
    );
  });
});
