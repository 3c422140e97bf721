import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkContactLog, ContactLogError, RULE_IDS, RULE_SOURCES, type ContactLogEntryInput } from '../../src/effectiveness/checker.js';
import { mulberry32, shuffle } from '../../src/domain/random.js';

type Over = Partial<Omit<ContactLogEntryInput, 'flags'>> & { flags?: ContactLogEntryInput['flags'] };
const NY = 'America/New_York';

/** A call attempt to a New York debtor; ISO instants carry their offset, so the local time reads off the string. */
const entry = (at: string, over: Over = {}): ContactLogEntryInput => ({
  accountId: 'a1',
  borrowerId: 'b1',
  at,
  channel: 'call',
  kind: 'attempt',
  jurisdiction: 'US',
  timezone: NY,
  recipient: 'debtor',
  flags: {},
  ...over,
});
const cn = (at: string, over: Over = {}) => entry(at, { jurisdiction: 'CN', timezone: 'Asia/Shanghai', ...over });
const rules = (log: ContactLogEntryInput[]) => checkContactLog(log).violations.map((v) => v.rule);
const flagged = (log: ContactLogEntryInput[]) => checkContactLog(log).violations.map((v) => [v.index, v.rule]);

describe('a clean log', () => {
  it('gives no violation, and counts every rule at zero', () => {
    const log = [
      // Seven calls in seven consecutive days is the most 1006.14(b)(2)(i)(A) allows.
      ...['01', '02', '03', '04', '05', '06', '07'].map((d) => entry(`2026-04-${d}T10:00:00-04:00`)),
      // A conversation on Fri Aug 14; the next call on Fri Aug 21 is the first allowed day.
      entry('2026-08-14T15:00:00-04:00', { accountId: 'a2', kind: 'conversation' }),
      entry('2026-08-21T09:00:00-04:00', { accountId: 'a2' }),
      // 9:00 p.m. sharp is not "after 9:00 p.m."; 08:00 is not before 8:00 a.m.
      entry('2026-01-15T21:00:00-05:00', { accountId: 'a3', channel: 'sms', kind: 'message' }),
      entry('2026-01-16T08:00:00-05:00', { accountId: 'a3', channel: 'email', kind: 'message' }),
      // Zone unknown: 15:00 in New York is 09:00 in Honolulu, inside the hours everywhere.
      entry('2026-07-01T15:00:00-04:00', { accountId: 'a4', timezone: null }),
      // Soft channels for hardship, legal review in bankruptcy, third parties outside CN.
      entry('2026-05-04T12:00:00-04:00', { accountId: 'a5', channel: 'app', kind: 'message', flags: { hardship: true } }),
      entry('2026-05-04T23:00:00-04:00', { accountId: 'a6', channel: 'legal_review', kind: 'message', flags: { bankruptcy: true } }),
      entry('2026-05-05T12:00:00-04:00', { accountId: 'a7', recipient: 'third_party' }),
      // CN: three connected calls in a day, contact from 08:00 to 21:59.
      cn('2026-05-05T08:00:00+08:00', { accountId: 'c1', kind: 'connected' }),
      cn('2026-05-05T13:00:00+08:00', { accountId: 'c1', kind: 'conversation' }),
      cn('2026-05-05T21:59:00+08:00', { accountId: 'c1', kind: 'connected' }),
      cn('2026-05-05T21:00:00+08:00', { accountId: 'c1', channel: 'sms', kind: 'message' }),
      // Other jurisdictions: only the rules that apply everywhere.
      entry('2026-05-05T03:00:00Z', { accountId: 'g1', jurisdiction: 'GB', timezone: 'Europe/London' }),
    ];
    const report = checkContactLog(log);
    expect(report.entries).toBe(log.length);
    expect(report.violations).toEqual([]);
    expect(Object.keys(report.counts).sort()).toEqual([...RULE_IDS].sort());
    expect(Object.values(report.counts).every((n) => n === 0)).toBe(true);
  });

  it('every rule names its legal source', () => {
    for (const r of RULE_IDS) expect(RULE_SOURCES[r].length).toBeGreaterThan(20);
  });
});

describe('US, Regulation F', () => {
  it('catches the 8th call within 7 consecutive days (the official interpretation example, Apr 1-7)', () => {
    const log = [
      entry('2026-04-01T09:00:00-04:00'),
      ...['02', '03', '06'].flatMap((d) => [entry(`2026-04-${d}T09:00:00-04:00`), entry(`2026-04-${d}T16:00:00-04:00`)]),
      entry('2026-04-07T11:00:00-04:00'),
    ];
    const report = checkContactLog(log);
    expect(flagged(log)).toEqual([[7, 'US_CALL_FREQUENCY']]);
    expect(report.violations[0].detail).toContain('call 8');
    expect(report.counts.US_CALL_FREQUENCY).toBe(1);
  });

  it('counts per debt: 8 calls split over two debts of one borrower are compliant', () => {
    const log = ['01', '02', '03', '04', '05', '06', '07', '07'].map((d, i) =>
      entry(`2026-04-${d}T1${i % 2}:00:00-04:00`, { debtId: i % 2 ? 'card' : 'loan' }),
    );
    expect(rules(log)).toEqual([]);
  });

  it('flags a call at 21:30 in New York, and reads the offset in force (DST)', () => {
    expect(flagged([entry('2026-01-15T21:30:00-05:00')])).toEqual([[0, 'US_CONTACT_HOURS']]);
    expect(rules([entry('2026-01-16T02:30:00Z', { channel: 'sms', kind: 'message' })])).toEqual(['US_CONTACT_HOURS']);
    // 12:30Z is 07:30 EST on Mar 7 but 08:30 EDT on Mar 8, the day DST starts.
    expect(rules([entry('2026-03-07T12:30:00Z')])).toEqual(['US_CONTACT_HOURS']);
    expect(rules([entry('2026-03-08T12:30:00Z')])).toEqual([]);
  });

  it('with the zone unknown, flags 08:30 Eastern (05:30 Pacific) but not the same instant for a known New York borrower', () => {
    const at = '2026-07-01T08:30:00-04:00';
    const report = checkContactLog([entry(at, { timezone: null })]);
    expect(report.violations.map((v) => v.rule)).toEqual(['US_CONTACT_HOURS']);
    expect(report.violations[0].detail).toContain('zone unknown');
    expect(rules([entry(at)])).toEqual([]);
  });

  it('flags a call 3 days after a conversation, and any call through day 7 (Aug 14 -> Aug 20), not Aug 21', () => {
    const talk = entry('2026-08-14T15:00:00-04:00', { kind: 'conversation' });
    expect(flagged([talk, entry('2026-08-17T10:00:00-04:00')])).toEqual([[1, 'US_CALL_AFTER_CONVERSATION']]);
    expect(flagged([talk, entry('2026-08-14T18:00:00-04:00')])).toEqual([[1, 'US_CALL_AFTER_CONVERSATION']]);
    expect(flagged([talk, entry('2026-08-20T20:00:00-04:00')])).toEqual([[1, 'US_CALL_AFTER_CONVERSATION']]);
    expect(flagged([talk, entry('2026-08-21T08:30:00-04:00')])).toEqual([]);
    // A call earlier the same day, before the conversation, is not "after" it; messages are not calls.
    expect(flagged([entry('2026-08-14T09:00:00-04:00'), talk])).toEqual([]);
    expect(flagged([talk, entry('2026-08-15T10:00:00-04:00', { channel: 'sms', kind: 'message' })])).toEqual([]);
  });

  it('flags any contact after a cease request, even when later entries lost the flag; a legal review is not contact', () => {
    const log = [
      entry('2026-06-01T10:00:00-04:00', { kind: 'conversation' }),
      entry('2026-06-09T10:00:00-04:00', { channel: 'email', kind: 'message', flags: { cease: true } }),
      entry('2026-06-20T10:00:00-04:00', { channel: 'field', kind: 'visit' }),
      entry('2026-06-21T10:00:00-04:00', { channel: 'legal_review', kind: 'message' }),
      entry('2026-06-22T10:00:00-04:00', { debtId: 'other-debt' }),
    ];
    expect(flagged(log)).toEqual([
      [1, 'US_CEASE'],
      [2, 'US_CEASE'],
    ]);
  });

  it.each([
    // Fall back, Sun 2025-11-02: Oct 28 .. Nov 3 is 7 local days and 169 hours. The first call, at
    // 00:30 EDT, breaks the hours rule and still counts; read at a fixed EST offset it would fall on Oct 27.
    {
      name: 'fall back',
      days: ['2025-10-28', '2025-10-29', '2025-10-30', '2025-10-31', '2025-11-01', '2025-11-02', '2025-11-03'],
      first: '00:30',
      offset: (d: string) => (d < '2025-11-02' ? '-04:00' : '-05:00'),
      clean: [[0, 'US_CONTACT_HOURS']],
    },
    // Spring forward, Sun 2026-03-08: Mar 5 .. Mar 11 is 7 local days and 167 hours.
    {
      name: 'spring forward',
      days: ['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10', '2026-03-11'],
      first: '20:50',
      offset: (d: string) => (d < '2026-03-08' ? '-05:00' : '-04:00'),
      clean: [],
    },
  ])(
    'a rolling 7-in-7 across midnight and the DST change ($name): the 8th call in the window is caught',
    ({ days, first, offset, clean }) => {
      // Every pair of consecutive calls straddles a local midnight.
      const times = [first, '08:05', '08:05', '08:05', '08:05', '08:05', '08:05'];
      const log = days.map((d, i) => entry(`${d}T${times[i]}:00${offset(d)}`));
      expect(flagged(log)).toEqual(clean);
      log.push(entry(`${days[6]}T20:55:00${offset(days[6])}`));
      expect(flagged(log)).toEqual([...clean, [7, 'US_CALL_FREQUENCY']]);
    },
  );

  it('the window is 7 local calendar days, not 168 hours: a call on day 8 is fine though fewer than 168 hours passed', () => {
    // Mon Oct 27 20:30 EDT to Mon Nov 3 09:00 EST is 157.5 hours, but Oct 27 is outside Oct 28 .. Nov 3.
    const log = [
      entry('2025-10-27T20:30:00-04:00'),
      ...['28', '29', '30', '31'].map((d) => entry(`2025-10-${d}T12:00:00-04:00`)),
      ...['01', '02'].map((d) => entry(`2025-11-${d}T12:00:00${d === '01' ? '-04:00' : '-05:00'}`)),
      entry('2025-11-03T09:00:00-05:00'),
    ];
    expect(rules(log)).toEqual([]);
    log.push(entry('2025-11-03T10:00:00-05:00'));
    expect(flagged(log)).toEqual([[8, 'US_CALL_FREQUENCY']]);
  });
});

describe('CN, NIFA 2024 guideline', () => {
  it('flags the 4th connected call to a debtor in a Shanghai day, counted across accounts (agencies); attempts do not count', () => {
    const log = [
      cn('2026-05-05T09:00:00+08:00', { accountId: 'agency-1', kind: 'connected' }),
      cn('2026-05-05T10:00:00+08:00', { accountId: 'agency-2', kind: 'conversation' }),
      cn('2026-05-05T11:00:00+08:00', { accountId: 'agency-1', kind: 'attempt' }),
      cn('2026-05-05T12:00:00+08:00', { accountId: 'agency-2', kind: 'connected' }),
      cn('2026-05-05T20:00:00+08:00', { accountId: 'agency-1', kind: 'connected' }),
      cn('2026-05-06T09:00:00+08:00', { accountId: 'agency-1', kind: 'connected' }),
      cn('2026-05-05T20:30:00+08:00', { accountId: 'x', borrowerId: 'someone-else', kind: 'connected' }),
    ];
    const report = checkContactLog(log);
    expect(report.violations.map((v) => [v.index, v.rule, v.accountId])).toEqual([[4, 'CN_CONNECTED_CALLS', 'agency-1']]);
    expect(report.violations[0].detail).toContain('connected call 4');
  });

  it('flags contact at 22:30 Shanghai time, on any channel', () => {
    expect(flagged([cn('2026-05-05T22:30:00+08:00')])).toEqual([[0, 'CN_CONTACT_HOURS']]);
    expect(rules([cn('2026-05-05T14:30:00Z', { channel: 'sms', kind: 'message', timezone: null })])).toEqual(['CN_CONTACT_HOURS']);
    expect(rules([cn('2026-05-05T07:59:00+08:00', { channel: 'app', kind: 'message' })])).toEqual(['CN_CONTACT_HOURS']);
  });

  it('flags contact with a third party', () => {
    expect(flagged([cn('2026-05-05T10:00:00+08:00', { recipient: 'third_party' })])).toEqual([[0, 'CN_THIRD_PARTY']]);
  });
});

describe('rules that apply everywhere', () => {
  it.each([
    { flags: { hardship: true }, channel: 'call', rule: 'HARDSHIP_SOFT_ONLY' },
    { flags: { hardship: true }, channel: 'field', rule: 'HARDSHIP_SOFT_ONLY' },
    { flags: { doNotContact: true }, channel: 'sms', rule: 'DO_NOT_CONTACT' },
    { flags: { doNotContact: true }, channel: 'legal_review', rule: 'DO_NOT_CONTACT' },
    { flags: { dispute: true }, channel: 'email', rule: 'DISPUTE_PAUSE' },
    { flags: { dispute: true }, channel: 'legal_review', rule: 'DISPUTE_PAUSE' },
    { flags: { deceased: true }, channel: 'legal_review', rule: 'DECEASED' },
    { flags: { bankruptcy: true }, channel: 'app', rule: 'BANKRUPTCY_LEGAL_ONLY' },
  ] as const)('$rule: $channel is flagged in US, CN and elsewhere', ({ flags, channel, rule }) => {
    const kind = channel === 'call' ? 'attempt' : channel === 'field' ? 'visit' : 'message';
    for (const jurisdiction of ['US', 'CN', 'GB']) {
      const timezone = { US: NY, CN: 'Asia/Shanghai', GB: 'Europe/London' }[jurisdiction];
      expect(
        rules([entry('2026-05-05T12:00:00Z', { jurisdiction, timezone, channel, kind, flags })]).filter((r) => !r.startsWith(jurisdiction)),
        jurisdiction,
      ).toEqual([rule]);
    }
  });

  it('reports one violation per rule broken, and counts them', () => {
    const report = checkContactLog([entry('2026-05-05T23:00:00-04:00', { flags: { hardship: true, dispute: true } })]);
    expect(report.violations.map((v) => v.rule)).toEqual(['US_CONTACT_HOURS', 'DISPUTE_PAUSE', 'HARDSHIP_SOFT_ONLY']);
    expect(report.counts).toMatchObject({ US_CONTACT_HOURS: 1, DISPUTE_PAUSE: 1, HARDSHIP_SOFT_ONLY: 1, US_CALL_FREQUENCY: 0 });
  });
});

describe('the log', () => {
  it('is replayed by time whatever order it comes in', () => {
    const log = [
      entry('2026-04-01T09:00:00-04:00'),
      ...['02', '03', '06'].flatMap((d) => [entry(`2026-04-${d}T09:00:00-04:00`), entry(`2026-04-${d}T16:00:00-04:00`)]),
      entry('2026-04-07T11:00:00-04:00'),
      entry('2026-04-07T12:00:00-04:00', { kind: 'conversation' }),
      entry('2026-04-08T12:00:00-04:00'),
    ];
    const expected = checkContactLog(log).violations.map((v) => [v.at, v.rule]);
    expect(expected.map((v) => v[1])).toEqual([
      'US_CALL_FREQUENCY',
      'US_CALL_FREQUENCY',
      'US_CALL_FREQUENCY',
      'US_CALL_AFTER_CONVERSATION',
    ]);
    const shuffled = shuffle([...log], mulberry32(11));
    expect(checkContactLog(shuffled).violations.map((v) => [v.at, v.rule])).toEqual(expected);
  });

  it('accepts epoch milliseconds as well as ISO instants', () => {
    const ms = Date.parse('2026-01-15T21:30:00-05:00');
    expect(checkContactLog([{ ...entry(''), at: ms }]).violations.map((v) => [v.at, v.rule])).toEqual([[ms, 'US_CONTACT_HOURS']]);
  });

  it.each([
    { name: 'an unknown time zone', over: { timezone: 'Mars/Olympus' }, message: 'entry 0, timezone: not an IANA time zone' },
    { name: 'an instant without a zone', over: { at: '2026-01-15T21:30:00' }, message: 'entry 0, at: must be epoch milliseconds' },
    {
      name: 'a call that is a message',
      over: { kind: 'message' },
      message: 'entry 0, kind: a call is an attempt, connected or a conversation',
    },
    { name: 'a lower-case jurisdiction', over: { jurisdiction: 'us' }, message: 'entry 0, jurisdiction' },
    { name: 'a misspelt flag', over: { flags: { ceased: true } as never }, message: 'entry 0, flags' },
    { name: 'a missing account', over: { accountId: undefined }, message: 'entry 0, accountId' },
  ])('refuses $name, naming the entry and field', ({ over, message }) => {
    expect(() => checkContactLog([{ ...entry('2026-01-15T12:00:00-05:00'), ...over }])).toThrow(ContactLogError);
    expect(() => checkContactLog([{ ...entry('2026-01-15T12:00:00-05:00'), ...over }])).toThrow(message);
  });

  it('refuses something that is not a list', () => {
    expect(() => checkContactLog({ entries: [] })).toThrow(ContactLogError);
  });
});

describe('independence from the compliance gate', () => {
  it('imports nothing but zod', () => {
    const source = readFileSync(new URL('../../src/effectiveness/checker.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^\s*import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    expect(imports).toEqual(['zod']);
    expect(source).not.toMatch(/\b(require|import)\s*\(/);
  });
});
