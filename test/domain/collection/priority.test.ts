import { describe, expect, it } from 'vitest';
import { brokenPromiseFactor, priority, recencyFactor } from '../../../src/domain/collection/priority.js';

const D = 86_400_000;
const now = Date.parse('2026-05-01T12:00:00Z');

describe('priority', () => {
  it('is PD x outstanding for an account never contacted and with no broken promise', () => {
    expect(priority({ pd: 0.2, outstanding: 1000, lastContactAt: null, brokenPromises: 0, now })).toBeCloseTo(200);
  });

  it('ranks a larger expected loss first', () => {
    const a = priority({ pd: 0.5, outstanding: 1000, lastContactAt: null, brokenPromises: 0, now });
    const b = priority({ pd: 0.1, outstanding: 3000, lastContactAt: null, brokenPromises: 0, now });
    expect(a).toBeGreaterThan(b);
  });

  it.each([
    [0, 0.25],
    [7, 0.625],
    [14, 1],
    [30, 1],
  ])('a contact %i days ago multiplies by %f', (days, f) => expect(recencyFactor(now - days * D, now)).toBeCloseTo(f));

  it.each([
    [0, 1],
    [1, 1.5],
    [4, 3],
    [10, 3],
  ])('%i broken promises multiply by %f (capped)', (n, f) => expect(brokenPromiseFactor(n)).toBeCloseTo(f));

  it('a broken promise lifts an account above an otherwise equal one', () => {
    const base = { pd: 0.3, outstanding: 500, lastContactAt: now - 2 * D, now };
    expect(priority({ ...base, brokenPromises: 1 })).toBeGreaterThan(priority({ ...base, brokenPromises: 0 }));
  });
});
