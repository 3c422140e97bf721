import { describe, expect, it } from 'vitest';
import { checkContact, NO_HISTORY, type GateAccount, type LedgerFacts } from '../../../src/domain/collection/compliance.js';
import type { AccountFlags, Channel } from '../../../src/domain/collection/types.js';

const H = 3_600_000;
const D = 24 * H;
const at = (iso: string) => Date.parse(iso);
const us = (timezone: string | null, flags: AccountFlags = {}): GateAccount => ({ jurisdiction: 'US', timezone, flags });
const cn = (timezone: string | null = 'Asia/Shanghai', flags: AccountFlags = {}): GateAccount => ({ jurisdiction: 'CN', timezone, flags });
const facts = (f: Partial<LedgerFacts>): LedgerFacts => ({ ...NO_HISTORY, ...f });
const codes = (r: { reasons: { code: string }[] }) => r.reasons.map((x) => x.code);

describe('US Regulation F: inconvenient times (1006.6(b)(1)(i))', () => {
  const cases: { name: string; account: GateAccount; when: string; allowed: boolean; next?: string }[] = [
    {
      name: '21:30 CDT is blocked until 08:00 next morning',
      account: us('America/Chicago'),
      when: '2026-03-11T02:30:00Z',
      allowed: false,
      next: '2026-03-11T13:00:00Z',
    },
    { name: '20:59 CDT is allowed', account: us('America/Chicago'), when: '2026-03-11T01:59:00Z', allowed: true },
    {
      name: '21:00 sharp is blocked (contact before 9 p.m.)',
      account: us('America/Chicago'),
      when: '2026-03-11T02:00:00Z',
      allowed: false,
      next: '2026-03-11T13:00:00Z',
    },
    {
      name: '07:59 EST is blocked until 08:00',
      account: us('America/New_York'),
      when: '2026-01-15T12:59:00Z',
      allowed: false,
      next: '2026-01-15T13:00:00Z',
    },
    { name: '08:00 EST is allowed', account: us('America/New_York'), when: '2026-01-15T13:00:00Z', allowed: true },
    // DST starts 2026-03-08 in New York: 08:00 EDT is 12:00Z, not 13:00Z.
    {
      name: 'DST day: 07:30 EDT waits until 08:00 EDT',
      account: us('America/New_York'),
      when: '2026-03-08T11:30:00Z',
      allowed: false,
      next: '2026-03-08T12:00:00Z',
    },
    // Unknown zone: 09:00 in New York is 03:00 in Honolulu.
    {
      name: 'unknown zone, 09:00 New York / 03:00 Honolulu: blocked until 08:00 Honolulu',
      account: us(null),
      when: '2026-07-01T13:00:00Z',
      allowed: false,
      next: '2026-07-01T18:00:00Z',
    },
    { name: 'unknown zone, 15:00 New York / 09:00 Honolulu: allowed', account: us(null), when: '2026-07-01T19:00:00Z', allowed: true },
    {
      name: 'unknown zone, 21:30 New York / 15:30 Honolulu: blocked',
      account: us(null),
      when: '2026-07-02T01:30:00Z',
      allowed: false,
      next: '2026-07-02T18:00:00Z',
    },
  ];
  it.each(cases)('$name', ({ account, when, allowed, next }) => {
    const r = checkContact({ channel: 'call', at: at(when) }, account, NO_HISTORY);
    expect(r.allowed).toBe(allowed);
    if (!allowed) {
      expect(codes(r)).toEqual(['INCONVENIENT_TIME']);
      expect(new Date(r.nextAllowedAt!).toISOString()).toBe(new Date(at(next!)).toISOString());
    }
  });

  it('applies to SMS and e-mail too, but not to an internal legal review', () => {
    const night = at('2026-03-11T04:00:00Z'); // 23:00 CDT
    expect(checkContact({ channel: 'sms', at: night }, us('America/Chicago'), NO_HISTORY).allowed).toBe(false);
    expect(checkContact({ channel: 'email', at: night }, us('America/Chicago'), NO_HISTORY).allowed).toBe(false);
    expect(checkContact({ channel: 'legal_review', at: night }, us('America/Chicago'), NO_HISTORY).allowed).toBe(true);
  });
});

describe('US Regulation F: call frequency (1006.14(b)(2))', () => {
  const now = at('2026-05-12T16:00:00Z'); // 12:00 EDT
  const attempts = (n: number, firstDaysAgo = 6) => Array.from({ length: n }, (_, i) => now - firstDaysAgo * D + i * H);

  it.each([
    { n: 6, allowed: true },
    { n: 7, allowed: false },
    { n: 9, allowed: false },
  ])('$n attempts in the last 7 days: the next call allowed=$allowed', ({ n, allowed }) => {
    const r = checkContact({ channel: 'call', at: now }, us('America/New_York'), facts({ callAttempts: attempts(n) }));
    expect(r.allowed).toBe(allowed);
    if (!allowed) expect(codes(r)).toEqual(['CALL_ATTEMPT_CAP']);
  });

  it('the 8th call becomes allowed when the oldest attempt leaves the 7-day window', () => {
    const a = attempts(7);
    const r = checkContact({ channel: 'call', at: now }, us('America/New_York'), facts({ callAttempts: a }));
    expect(r.nextAllowedAt).toBe(a[0] + 7 * D);
    expect(checkContact({ channel: 'call', at: r.nextAllowedAt! }, us('America/New_York'), facts({ callAttempts: a })).allowed).toBe(true);
  });

  it('attempts older than 7 days do not count', () => {
    const old = Array.from({ length: 10 }, (_, i) => now - 8 * D - i * H);
    expect(checkContact({ channel: 'call', at: now }, us('America/New_York'), facts({ callAttempts: old })).allowed).toBe(true);
  });

  it('no call within 7 days after a conversation; an SMS is still allowed', () => {
    const f = facts({ lastConversationAt: now - 3 * D });
    const r = checkContact({ channel: 'call', at: now }, us('America/New_York'), f);
    expect(codes(r)).toEqual(['POST_CONVERSATION']);
    expect(r.nextAllowedAt).toBe(now + 4 * D);
    expect(checkContact({ channel: 'sms', at: now }, us('America/New_York'), f).allowed).toBe(true);
  });

  it('a quiet period ending at night waits for the contact window', () => {
    const lastConversationAt = at('2026-05-05T02:00:00Z'); // 22:00 EDT
    // The 7 days end at 22:00 EDT on May 11, after the window closes: next is 08:00 EDT on May 12.
    const r = checkContact({ channel: 'call', at: at('2026-05-11T16:00:00Z') }, us('America/New_York'), facts({ lastConversationAt }));
    expect(codes(r)).toEqual(['POST_CONVERSATION']);
    expect(r.nextAllowedAt).toBe(at('2026-05-12T12:00:00Z'));
  });
});

describe('CN NIFA 2024 guideline', () => {
  const noon = at('2026-06-01T04:00:00Z'); // 12:00 in Shanghai
  const todayCalls = (n: number) => Array.from({ length: n }, (_, i) => noon - (i + 1) * H);

  it.each([
    { name: '3rd connected call today is allowed', calls: 2, allowed: true },
    { name: '4th connected call today is blocked', calls: 3, allowed: false },
  ])('$name', ({ calls, allowed }) => {
    const r = checkContact({ channel: 'call', at: noon }, cn(), facts({ connectedCalls: todayCalls(calls) }));
    expect(r.allowed).toBe(allowed);
    if (!allowed) {
      expect(codes(r)).toEqual(['CONNECTED_CALL_CAP']);
      // Midnight lifts the cap, but 00:00-08:00 is closed: next is 08:00 Shanghai.
      expect(r.nextAllowedAt).toBe(at('2026-06-02T00:00:00Z'));
    }
  });

  it('connected calls from yesterday do not count toward today', () => {
    const yesterday = [noon - 13 * H, noon - 14 * H, noon - 15 * H]; // 23:00, 22:00, 21:00 the day before
    expect(checkContact({ channel: 'call', at: noon }, cn(), facts({ connectedCalls: yesterday })).allowed).toBe(true);
  });

  it.each([
    { when: '2026-06-01T14:30:00Z', local: '22:30', allowed: false },
    { when: '2026-06-01T23:59:00Z', local: '07:59', allowed: false },
    { when: '2026-06-02T00:00:00Z', local: '08:00', allowed: true },
    { when: '2026-06-01T13:59:00Z', local: '21:59', allowed: true },
  ])('contact at $local Shanghai: allowed=$allowed', ({ when, allowed }) => {
    const r = checkContact({ channel: 'sms', at: at(when) }, cn(), NO_HISTORY);
    expect(r.allowed).toBe(allowed);
    if (!allowed) expect(r.nextAllowedAt).toBe(at('2026-06-02T00:00:00Z'));
  });

  it('unknown zone: the window holds in both Shanghai and Urumqi time', () => {
    // 08:30 Shanghai is 06:30 in Urumqi (UTC+6).
    const r = checkContact({ channel: 'call', at: at('2026-06-02T00:30:00Z') }, cn(null), NO_HISTORY);
    expect(r.allowed).toBe(false);
    expect(r.nextAllowedAt).toBe(at('2026-06-02T02:00:00Z'));
  });

  it('debtor only: never a third party', () => {
    const r = checkContact({ channel: 'call', at: noon, recipient: 'third_party' }, cn(), NO_HISTORY);
    expect(codes(r)).toEqual(['THIRD_PARTY']);
    expect(r.nextAllowedAt).toBeNull();
  });
});

describe('flags apply in every jurisdiction', () => {
  const noonNY = at('2026-05-12T16:00:00Z');
  const noonSH = at('2026-06-01T04:00:00Z');
  const cases: { flag: keyof AccountFlags; channel: Channel; allowed: boolean; code?: string }[] = [
    { flag: 'doNotContact', channel: 'sms', allowed: false, code: 'DO_NOT_CONTACT' },
    { flag: 'doNotContact', channel: 'legal_review', allowed: true },
    { flag: 'dispute', channel: 'call', allowed: false, code: 'DISPUTE' },
    { flag: 'dispute', channel: 'legal_review', allowed: false, code: 'DISPUTE' },
    { flag: 'bankruptcy', channel: 'call', allowed: false, code: 'BANKRUPTCY_LEGAL_ONLY' },
    { flag: 'bankruptcy', channel: 'sms', allowed: false, code: 'BANKRUPTCY_LEGAL_ONLY' },
    { flag: 'bankruptcy', channel: 'legal_review', allowed: true },
    { flag: 'deceased', channel: 'sms', allowed: false, code: 'DECEASED' },
    { flag: 'deceased', channel: 'legal_review', allowed: false, code: 'DECEASED' },
    { flag: 'hardship', channel: 'call', allowed: false, code: 'HARDSHIP_SOFT_ONLY' },
    { flag: 'hardship', channel: 'field', allowed: false, code: 'HARDSHIP_SOFT_ONLY' },
    { flag: 'hardship', channel: 'sms', allowed: true },
    { flag: 'hardship', channel: 'app', allowed: true },
    { flag: 'hardship', channel: 'email', allowed: true },
    { flag: 'cease', channel: 'email', allowed: false, code: 'CEASE' },
    { flag: 'cease', channel: 'call', allowed: false, code: 'CEASE' },
  ];
  for (const [name, account, when] of [
    ['US', us('America/New_York'), noonNY],
    ['CN', cn(), noonSH],
  ] as const) {
    it.each(cases)(`${name}: $flag, $channel -> allowed=$allowed`, ({ flag, channel, allowed, code }) => {
      const r = checkContact({ channel, at: when }, { ...account, flags: { [flag]: true } }, NO_HISTORY);
      expect(r.allowed).toBe(allowed);
      if (!allowed) {
        expect(codes(r)).toEqual([code]);
        expect(r.nextAllowedAt).toBeNull();
      }
    });
  }

  it('reports every reason at once', () => {
    const r = checkContact(
      { channel: 'call', at: at('2026-03-11T04:00:00Z') },
      us('America/Chicago', { hardship: true, doNotContact: true }),
      facts({ lastConversationAt: at('2026-03-10T15:00:00Z') }),
    );
    expect(codes(r).sort()).toEqual(['DO_NOT_CONTACT', 'HARDSHIP_SOFT_ONLY', 'INCONVENIENT_TIME', 'POST_CONVERSATION']);
    expect(r.nextAllowedAt).toBeNull();
  });

  it('an unknown jurisdiction is blocked, never assumed safe', () => {
    const r = checkContact({ channel: 'sms', at: noonNY }, { jurisdiction: 'ZZ', timezone: null, flags: {} }, NO_HISTORY);
    expect(codes(r)).toEqual(['NO_PROFILE']);
  });

  it('a profile from the policy replaces the default', () => {
    const r = checkContact(
      { channel: 'call', at: at('2026-06-01T04:00:00Z') },
      { jurisdiction: 'GB', timezone: 'Europe/London', flags: {} },
      NO_HISTORY,
      {
        GB: {
          name: 'test GB',
          contactHours: { start: 9, end: 17 },
          zones: ['Europe/London'],
          dayZone: 'Europe/London',
          callAttempts: null,
          quietDaysAfterConversation: null,
          connectedCallsPerDay: null,
          debtorOnly: false,
          sources: {},
        },
      },
    );
    expect(codes(r)).toEqual(['INCONVENIENT_TIME']); // 05:00 in London
    expect(r.nextAllowedAt).toBe(at('2026-06-01T08:00:00Z'));
  });
});
