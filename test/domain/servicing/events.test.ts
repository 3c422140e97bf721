import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComplianceProfileSchema } from '../../../src/domain/collection/compliance.js';
import {
  CURRENCIES,
  policyJurisdictions,
  parseServicingEvent,
  safeParseServicingEvent,
  ServicingError,
  SERVICING_EVENT_TYPES,
  toMajor,
  toMinor,
} from '../../../src/domain/servicing/index.js';
import { CTX, NOW } from './feed.js';

/** One well-formed event of each type, as a lender would send it (the same ones docs/servicing.md shows). */
const good = {
  loan_opened: {
    type: 'loan_opened',
    eventId: 'evt-0001',
    accountId: 'L-1001',
    borrowerId: 'B-77',
    principal: 1200,
    currency: 'USD',
    jurisdiction: 'US',
    timezone: 'America/Chicago',
    openedAt: '2026-01-01T09:00:00-06:00',
  },
  due: { type: 'due', eventId: 'evt-0002', accountId: 'L-1001', dueId: 'D-2026-02', dueDate: '2026-02-01', amount: 100 },
  payment: {
    type: 'payment',
    eventId: 'evt-0003',
    accountId: 'L-1001',
    paymentId: 'P-9001',
    amount: 60.5,
    currency: 'USD',
    paidAt: '2026-02-03T14:20:00-06:00',
    channel: 'bank_transfer',
  },
  payment_reversed: {
    type: 'payment_reversed',
    eventId: 'evt-0004',
    accountId: 'L-1001',
    paymentId: 'P-9001',
    reversedAt: '2026-02-05T10:00:00Z',
    reason: 'insufficient funds',
  },
  adjustment: {
    type: 'adjustment',
    eventId: 'evt-0005',
    accountId: 'L-1001',
    kind: 'waiver',
    amount: 15,
    reason: 'late fee waived',
    at: '2026-02-06T10:00:00Z',
  },
  loan_closed: { type: 'loan_closed', eventId: 'evt-0006', accountId: 'L-1001', closedAt: '2026-06-01T10:00:00Z', reason: 'paid in full' },
} as const;

describe('servicing event schemas', () => {
  it.each(Object.entries(good))('accepts a well-formed %s event as sent', (_type, input) => {
    const e = parseServicingEvent(input, CTX);
    expect(e).toEqual(input);
  });

  it('agrees with the examples in docs/servicing.md', () => {
    const md = readFileSync(new URL('../../../docs/servicing.md', import.meta.url), 'utf8');
    const examples = [...md.matchAll(/```json\n(.*?)\n```/gs)].map((m) => JSON.parse(m[1]));
    expect(examples).toEqual(Object.values(good));
  });

  it('covers every event type the design names', () => {
    expect([...SERVICING_EVENT_TYPES].sort()).toEqual(Object.keys(good).sort());
  });

  it('defaults an unknown time zone to null, as snapshots do', () => {
    const { timezone: _tz, ...rest } = good.loan_opened;
    const e = parseServicingEvent(rest, CTX);
    expect(e.type === 'loan_opened' && e.timezone).toBe(null);
  });

  const bad: { name: string; input: unknown; path: string }[] = [
    { name: 'no type', input: { ...good.due, type: undefined }, path: 'type' },
    { name: 'unknown type', input: { ...good.due, type: 'refund' }, path: 'type' },
    { name: 'not an object', input: 'payment', path: '(event)' },
    { name: 'unknown field', input: { ...good.payment, note: 'x' }, path: 'note' },
    { name: 'amount NaN', input: { ...good.payment, amount: Number.NaN }, path: 'amount' },
    { name: 'amount Infinity', input: { ...good.payment, amount: Infinity }, path: 'amount' },
    { name: 'amount negative', input: { ...good.payment, amount: -5 }, path: 'amount' },
    { name: 'amount zero', input: { ...good.payment, amount: 0 }, path: 'amount' },
    { name: 'amount as a string', input: { ...good.payment, amount: '60.50' }, path: 'amount' },
    { name: 'amount beyond the cap', input: { ...good.due, amount: 1e13 }, path: 'amount' },
    { name: 'principal negative', input: { ...good.loan_opened, principal: -1 }, path: 'principal' },
    { name: 'principal missing', input: { ...good.loan_opened, principal: undefined }, path: 'principal' },
    { name: 'currency lower case', input: { ...good.loan_opened, currency: 'usd' }, path: 'currency' },
    { name: 'currency not ISO 4217', input: { ...good.loan_opened, currency: 'XYZ' }, path: 'currency' },
    { name: 'currency on a payment, not ISO 4217', input: { ...good.payment, currency: 'US$' }, path: 'currency' },
    { name: 'jurisdiction not alpha-2', input: { ...good.loan_opened, jurisdiction: 'USA' }, path: 'jurisdiction' },
    { name: 'jurisdiction without a profile', input: { ...good.loan_opened, jurisdiction: 'FR' }, path: 'jurisdiction' },
    { name: 'time zone not IANA', input: { ...good.loan_opened, timezone: 'Mars/Olympus' }, path: 'timezone' },
    { name: 'openedAt without an offset', input: { ...good.loan_opened, openedAt: '2026-01-01T09:00:00' }, path: 'openedAt' },
    { name: 'openedAt a bare date', input: { ...good.loan_opened, openedAt: '2026-01-01' }, path: 'openedAt' },
    { name: 'dueDate not a calendar day', input: { ...good.due, dueDate: '2026-02-30' }, path: 'dueDate' },
    { name: 'dueDate not zero-padded', input: { ...good.due, dueDate: '2026-2-1' }, path: 'dueDate' },
    { name: 'paidAt not a date', input: { ...good.payment, paidAt: 'yesterday' }, path: 'paidAt' },
    { name: 'paidAt in the future', input: { ...good.payment, paidAt: '2026-07-01T00:00:00Z' }, path: 'paidAt' },
    { name: 'reversedAt in the future', input: { ...good.payment_reversed, reversedAt: '2027-01-01T00:00:00Z' }, path: 'reversedAt' },
    { name: 'adjustment at in the future', input: { ...good.adjustment, at: '2026-06-30T12:06:00Z' }, path: 'at' },
    { name: 'closedAt in the future', input: { ...good.loan_closed, closedAt: '2026-12-31T00:00:00+08:00' }, path: 'closedAt' },
    { name: 'openedAt in the future', input: { ...good.loan_opened, openedAt: '2026-07-01T00:00:00+00:00' }, path: 'openedAt' },
    { name: 'accountId empty', input: { ...good.due, accountId: '' }, path: 'accountId' },
    { name: 'accountId with a colon', input: { ...good.due, accountId: 'L:1' }, path: 'accountId' },
    { name: 'eventId too long', input: { ...good.due, eventId: 'e'.repeat(129) }, path: 'eventId' },
    { name: 'paymentId with a space', input: { ...good.payment, paymentId: 'P 1' }, path: 'paymentId' },
    { name: 'dueId missing', input: { ...good.due, dueId: undefined }, path: 'dueId' },
    { name: 'borrowerId a number', input: { ...good.loan_opened, borrowerId: 77 }, path: 'borrowerId' },
    { name: 'adjustment kind unknown', input: { ...good.adjustment, kind: 'refund' }, path: 'kind' },
    { name: 'adjustment reason blank', input: { ...good.adjustment, reason: '   ' }, path: 'reason' },
    { name: 'closing reason too long', input: { ...good.loan_closed, reason: 'x'.repeat(501) }, path: 'reason' },
    { name: 'payment channel not a token', input: { ...good.payment, channel: 'Bank Transfer' }, path: 'channel' },
  ];
  it.each(bad)('refuses $name, naming $path', ({ input, path }) => {
    const r = safeParseServicingEvent(input, CTX);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details.map((d) => d.path)).toContain(path);
    expect(() => parseServicingEvent(input, CTX)).toThrow(ServicingError);
  });

  it('names every bad field in one answer, the future date included', () => {
    const r = safeParseServicingEvent({ ...good.payment, amount: -1, channel: '', paidAt: '2030-01-01T00:00:00Z' }, CTX);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details.map((d) => d.path).sort()).toEqual(['amount', 'channel', 'paidAt']);
  });

  it('allows an instant up to the tolerance past now, and refuses one a millisecond beyond', () => {
    const at = (ms: number) => ({ ...good.payment, paidAt: new Date(ms).toISOString() });
    expect(safeParseServicingEvent(at(NOW + CTX.futureToleranceMs), CTX).ok).toBe(true);
    expect(safeParseServicingEvent(at(NOW + CTX.futureToleranceMs + 1), CTX).ok).toBe(false);
    // Dues are posted ahead of their dates: a schedule years out is fine.
    expect(safeParseServicingEvent({ ...good.due, dueDate: '2031-01-01' }, CTX).ok).toBe(true);
  });

  it('accepts the jurisdictions the policy has profiles for', () => {
    const gbProfile = ComplianceProfileSchema.parse({
      name: 'UK',
      contactHours: null,
      zones: ['Europe/London'],
      dayZone: 'Europe/London',
      callAttempts: null,
      quietDaysAfterConversation: null,
      connectedCallsPerDay: null,
      debtorOnly: false,
    });
    const jurisdictions = policyJurisdictions({ compliance: { GB: gbProfile } });
    expect(jurisdictions).toEqual(['CN', 'GB', 'US']);
    const gb = { ...good.loan_opened, currency: 'GBP', jurisdiction: 'GB', timezone: 'Europe/London' };
    expect(safeParseServicingEvent(gb, CTX).ok).toBe(false);
    expect(safeParseServicingEvent(gb, { ...CTX, jurisdictions }).ok).toBe(true);
  });

  it('refuses a context without a usable clock', () => {
    expect(() => parseServicingEvent(good.due, { now: Number.NaN, futureToleranceMs: 0 })).toThrow(RangeError);
    expect(() => parseServicingEvent(good.due, { now: NOW, futureToleranceMs: -1 })).toThrow(RangeError);
  });
});

describe('money in minor units', () => {
  const cases: { amount: number; currency: string; minor: number | null }[] = [
    { amount: 120.5, currency: 'USD', minor: 12050 },
    { amount: 0.29, currency: 'USD', minor: 29 }, // 0.29 * 100 is 28.999999999999996 in floats
    { amount: 0.1 + 0.2, currency: 'USD', minor: 30 }, // float noise, not a fraction of a cent
    { amount: 1234567.89, currency: 'USD', minor: 123456789 },
    { amount: 10.005, currency: 'USD', minor: null }, // half a cent is real money: refused, not rounded
    { amount: 0.001, currency: 'USD', minor: null },
    { amount: 1e-9, currency: 'USD', minor: null }, // would round to 0 cents
    { amount: 5000, currency: 'JPY', minor: 5000 },
    { amount: 5000.5, currency: 'JPY', minor: null },
    { amount: 1.234, currency: 'KWD', minor: 1234 },
    { amount: 1.2345, currency: 'KWD', minor: null },
    { amount: 1e12, currency: 'KWD', minor: 1e15 },
    { amount: 999_999_999_999.99, currency: 'CNY', minor: 99_999_999_999_999 },
  ];
  it.each(cases)('$amount $currency -> $minor', ({ amount, currency, minor }) => {
    expect(toMinor(amount, currency)).toBe(minor);
    if (minor !== null) expect(toMajor(minor, currency)).toBe(amount === 0.1 + 0.2 ? 0.3 : amount);
  });

  it('knows the active currencies and refuses the rest', () => {
    expect(CURRENCIES).toContain('USD');
    expect(CURRENCIES).toContain('CNY');
    expect(CURRENCIES).not.toContain('HRK'); // withdrawn in 2023
    expect(() => toMinor(1, 'XYZ')).toThrow(/unknown currency/);
  });
});
