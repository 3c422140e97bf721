import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonReference, inputsHash } from '../../src/collection/service.js';
import { IntakeJobSchema, parseIntakeJob } from '../../src/collection/intake.js';
import { rawSnapshot } from '../helpers/collection.js';

const snap = (i: number) => rawSnapshot(i, { flags: { dispute: false }, features: { a: i, b: 'x', c: null } });

describe('canonicalJson (the inputs hash)', () => {
  it('is the reference definition byte for byte on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalJsonReference(v));
      }),
      { numRuns: 3_000 },
    );
  });

  it('is the reference definition on odd values too (array-index keys, undefined, dates, -0, NaN, nesting)', () => {
    const odd = fc.oneof(
      fc.constantFrom(undefined, Number.NaN, -0, Infinity, new Date(0), '__proto__', '0', '10', '1e3'),
      fc.double(),
      fc.string(),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        odd,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('0', '7', '01', 'b', 'a')), tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (v) => {
        expect(canonicalJson(v)).toBe(canonicalJsonReference(v));
      }),
      { numRuns: 3_000 },
    );
  });

  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}');
    expect(inputsHash({ b: 1, a: 2 })).toBe(inputsHash({ a: 2, b: 1 }));
  });
});

describe('parseIntakeJob', () => {
  const cases: [string, unknown][] = [
    ['an ordinary job', { snapshots: [snap(1), snap(2)], receivedAt: 1 }],
    ['defaults to fill', { snapshots: [{ ...snap(1), timezone: undefined, flags: undefined }], receivedAt: 0 }],
    ['an extra key', { snapshots: [snap(1)], receivedAt: 1, extra: true }],
    ['no snapshots', { snapshots: [], receivedAt: 1 }],
    ['a bad snapshot among good ones', { snapshots: [snap(1), { ...snap(2), dpd: -1 }], receivedAt: 1 }],
    ['a negative receivedAt', { snapshots: [snap(1)], receivedAt: -5 }],
    ['not an object', 'snapshots'],
    ['null', null],
  ];
  it.each(cases)('agrees with IntakeJobSchema on %s', (_name, data) => {
    const fast = parseIntakeJob(data);
    const slow = IntakeJobSchema.safeParse(data);
    expect(fast.success).toBe(slow.success);
    if (fast.success) expect(fast.data).toEqual(slow.data);
    else expect(fast.error.issues).toEqual(slow.error!.issues);
  });
});
