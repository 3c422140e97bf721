import { describe, expect, it } from 'vitest';
import { CN_NIFA_2024 } from '../../../src/domain/collection/compliance.js';
import {
  accountPosition,
  applyEvent,
  applyEvents,
  classify,
  emptyAccount,
  parseServicingEvent,
  ServicingError,
  type AccountState,
  type ServicingEvent,
} from '../../../src/domain/servicing/index.js';
import { ACCOUNT, CTX, adjustment, closed, due, opened, payment, paymentId, reversal } from './feed.js';

const build = (events: ServicingEvent[], state = emptyAccount(ACCOUNT)) => applyEvents(state, events).state;
const at = (s: AccountState, asOf: string) => {
  const p = accountPosition(s, asOf);
  if (!p) throw new Error('loan not opened');
  return p;
};
/** The ServicingError an apply throws, to check its kind and the field it names. */
function refusal(f: () => unknown): { kind: string; paths: string[] } {
  try {
    f();
  } catch (e) {
    if (e instanceof ServicingError) return { kind: e.kind, paths: e.details.map((d) => d.path) };
    throw e;
  }
  throw new Error('expected a ServicingError');
}

// 1200 USD over twelve monthly dues of 100 USD; amounts in the position are cents.
const schedule = () => [opened(), due('2026-02-01', 100), due('2026-03-01', 100), due('2026-04-01', 100)];

describe('payments against dues', () => {
  it('a partial payment lowers balance and arrears and leaves the account delinquent', () => {
    const before = build(schedule());
    expect(at(before, '2026-02-10')).toMatchObject({ status: 'delinquent', balance: 120_000, arrears: 10_000, dpd: 9, bucket: '1-30' });
    const after = build([payment('2026-02-10', 40)], before);
    const p = at(after, '2026-02-10');
    expect(p).toMatchObject({ status: 'delinquent', balance: 116_000, arrears: 6_000, dpd: 9, oldestUnpaidDueDate: '2026-02-01' });
    expect(classify(at(before, '2026-02-09'), p).kind).toBe('still_delinquent');
  });

  it('clearing the arrears cures the account', () => {
    const s = build([...schedule(), payment('2026-02-10', 40)]);
    const cured = build([payment('2026-02-12', 60)], s);
    const p = at(cured, '2026-02-12');
    expect(p).toMatchObject({ status: 'current', arrears: 0, dpd: 0, bucket: 'current', oldestUnpaidDueDate: null, balance: 110_000 });
    expect(classify(at(s, '2026-02-11'), p)).toMatchObject({ kind: 'cured', cured: true, from: '1-30', to: 'current', roll: 'back' });
  });

  it('a reversal re-opens the arrears it had cleared', () => {
    const pay = payment('2026-02-05', 100);
    const s = build([...schedule(), pay]);
    expect(at(s, '2026-02-20')).toMatchObject({ status: 'current', arrears: 0 });
    const r = build([reversal(paymentId(pay), '2026-02-20')], s);
    const p = at(r, '2026-02-20');
    expect(p).toMatchObject({ status: 'delinquent', arrears: 10_000, dpd: 19, balance: 120_000, totals: { paid: 0, reversed: 10_000 } });
    expect(p.dues[0].allocations).toEqual([]);
    // As of a day before the reversal the payment still counted: history is not rewritten.
    expect(at(r, '2026-02-19')).toMatchObject({ status: 'current', arrears: 0 });
    expect(classify(at(r, '2026-02-19'), p).kind).toBe('newly_delinquent');
  });

  it('allocates payments across several dues oldest first, recording each allocation', () => {
    const a = payment('2026-04-05', 150);
    const b = payment('2026-04-06', 80);
    const s = build([...schedule(), b, a]); // arrival order does not matter, time does
    const p = at(s, '2026-04-06');
    expect(p.dues.map((d) => [d.dueDate, d.allocated, d.unpaid])).toEqual([
      ['2026-02-01', 10_000, 0],
      ['2026-03-01', 10_000, 0],
      ['2026-04-01', 3_000, 7_000],
    ]);
    expect(p.dues[1].allocations).toEqual([
      { source: 'payment', id: paymentId(a), amount: 5_000, day: '2026-04-05' },
      { source: 'payment', id: paymentId(b), amount: 5_000, day: '2026-04-06' },
    ]);
    expect(p).toMatchObject({ arrears: 7_000, dpd: 5, oldestUnpaidDueDate: '2026-04-01', balance: 120_000 - 23_000 });
  });

  it('holds an overpayment as credit, which covers the next due posted', () => {
    const s = build([...schedule(), payment('2026-02-01', 350)]);
    // Every posted due is covered, so there is no next due to remind about.
    expect(at(s, '2026-02-02')).toMatchObject({ arrears: 0, credit: 5_000, balance: 85_000, nextDue: null });
    const next = build([due('2026-05-01', 100)], s);
    const p = at(next, '2026-05-02');
    expect(p).toMatchObject({ credit: 0, arrears: 5_000, dpd: 1 });
    expect(p.dues[3]).toMatchObject({ dueDate: '2026-05-01', allocated: 5_000, unpaid: 5_000 });
  });

  it('adjustments reduce balance and arrears with their reason; a write-off of the rest pays it off', () => {
    const s = build([...schedule(), adjustment('waiver', '2026-02-10', 30, { reason: 'late fee waived' })]);
    expect(at(s, '2026-02-10')).toMatchObject({ arrears: 7_000, balance: 117_000, totals: { waived: 3_000, paid: 0 } });
    expect(at(s, '2026-02-10').dues[0].allocations[0]).toMatchObject({ source: 'adjustment', amount: 3_000 });
    const w = build([adjustment('write_off', '2026-03-15', 1170)], s);
    expect(at(w, '2026-03-15')).toMatchObject({ status: 'paid_off', balance: 0, arrears: 0, totals: { writtenOff: 117_000 } });
    expect(w.adjustments.map((x) => x.reason)).toEqual(['late fee waived', 'goodwill']);
  });

  it('a payment in full pays the loan off; loan_closed closes it', () => {
    const s = build([...schedule(), payment('2026-02-03', 1200)]);
    const p = at(s, '2026-02-03');
    expect(p).toMatchObject({ status: 'paid_off', balance: 0, arrears: 0 });
    expect(classify(at(s, '2026-02-02'), p)).toMatchObject({ kind: 'paid_off', cured: true });
    const c = build([closed('2026-02-04')], s);
    expect(at(c, '2026-02-03').status).toBe('paid_off');
    expect(at(c, '2026-02-04').status).toBe('closed');
    expect(classify(at(c, '2026-02-03'), at(c, '2026-02-04')).kind).toBe('closed');
  });

  it('counts money by the account-local day it arrived', () => {
    const chicago = build([opened(), due('2026-03-01', 100), payment('x', 100, { paidAt: '2026-03-02T03:00:00Z' })]); // 21:00 CST on 1 March
    expect(at(chicago, '2026-03-01').totals.paid).toBe(10_000);
    // No zone on the loan: a CN account's days are Shanghai's. 17:00Z is 01:00 the next day there.
    const shanghai = build([
      opened({ currency: 'CNY', jurisdiction: 'CN', timezone: null }),
      due('2026-03-01', 100),
      payment('x', 100, { paidAt: '2026-03-01T17:00:00Z' }),
    ]);
    expect(at(shanghai, '2026-03-01').totals.paid).toBe(0);
    expect(at(shanghai, '2026-03-02')).toMatchObject({ arrears: 0, status: 'current' });
  });
});

describe('days past due and buckets', () => {
  const s = build([opened(), due('2026-03-01', 100)]);
  const cases: [string, number, string][] = [
    ['2026-03-01', 0, 'current'], // due today is not yet past due
    ['2026-03-02', 1, '1-30'],
    ['2026-03-31', 30, '1-30'],
    ['2026-04-01', 31, '31-60'],
    ['2026-04-30', 60, '31-60'],
    ['2026-05-01', 61, '61-90'],
    ['2026-05-30', 90, '61-90'],
    ['2026-05-31', 91, '90+'],
  ];
  it.each(cases)('as of %s: DPD %i, bucket %s', (asOf, dpd, bucket) => {
    const p = at(s, asOf);
    expect(p.dpd).toBe(dpd);
    expect(p.bucket).toBe(bucket);
    expect(p.status).toBe(dpd > 0 ? 'delinquent' : 'current');
    expect(p.arrears).toBe(dpd > 0 ? 10_000 : 0);
  });

  it('counts from the oldest unpaid due and names the next due for pre-due reminders', () => {
    const p = at(build([due('2026-04-01', 100), due('2026-05-01', 100)], s), '2026-04-15');
    expect(p).toMatchObject({
      dpd: 45,
      oldestUnpaidDueDate: '2026-03-01',
      arrears: 20_000,
      nextDue: { dueId: 'D-2026-05-01', dueDate: '2026-05-01', unpaid: 10_000 },
    });
    expect(at(s, '2026-03-01').nextDue).toMatchObject({ dueDate: '2026-03-01' });
    expect(at(s, '2026-02-01')).toMatchObject({ dpd: 0, bucket: 'current', status: 'current' });
  });

  it('refuses an asOf that is not a date', () => {
    expect(refusal(() => accountPosition(s, '2026-3-1'))).toEqual({ kind: 'invalid', paths: ['asOf'] });
  });
});

describe('applyEvent', () => {
  it('is idempotent on eventId: a repeat returns duplicate and the same state', () => {
    const pay = payment('2026-02-10', 40);
    const s = build([...schedule(), pay]);
    const again = applyEvent(s, pay);
    expect(again.effect).toMatchObject({ duplicate: true, applied: [] });
    expect(again.state).toBe(s);
    expect(at(again.state, '2026-02-10').arrears).toBe(6_000);
  });

  it('refuses an eventId reused for a different event', () => {
    const pay = payment('2026-02-10', 40);
    const s = build([...schedule(), pay]);
    expect(refusal(() => applyEvent(s, { ...pay, amount: 41 }))).toEqual({ kind: 'conflict', paths: ['eventId'] });
  });

  it('keeps events for an account not yet opened and applies them in order when it opens', () => {
    const early = [due('2026-02-01', 100), payment('2026-02-03', 30), due('2026-03-01', 100)];
    let s = emptyAccount(ACCOUNT);
    for (const e of early) {
      const r = applyEvent(s, e);
      expect(r.effect).toMatchObject({ pending: true, applied: [] });
      s = r.state;
    }
    expect(accountPosition(s, '2026-03-05')).toBeNull();
    expect(s.pending.map((e) => e.eventId)).toEqual(early.map((e) => e.eventId));
    // A pending event sent again is still a duplicate, and still pending.
    expect(applyEvent(s, early[1]).effect).toMatchObject({ duplicate: true, pending: true });
    const open = opened();
    const r = applyEvent(s, open);
    expect(r.effect.applied).toEqual([open.eventId, ...early.map((e) => e.eventId)]);
    expect(r.state.pending).toEqual([]);
    expect(at(r.state, '2026-03-05')).toMatchObject({ arrears: 17_000, dpd: 32, bucket: '31-60' });
  });

  it('holds a reversal that arrives before its payment until the payment arrives', () => {
    const pay = payment('2026-02-03', 100);
    const rev = reversal(paymentId(pay), '2026-02-04');
    const s = build(schedule());
    const held = applyEvent(s, rev);
    expect(held.effect.pending).toBe(true);
    const r = applyEvent(held.state, pay);
    expect(r.effect.applied).toEqual([pay.eventId, rev.eventId]);
    expect(at(r.state, '2026-02-05')).toMatchObject({ arrears: 10_000, totals: { reversed: 10_000 } });
  });

  it('keeps a pending event that fails when the account opens, with its reasons, and accepts a corrected resend', () => {
    const eur = payment('2026-02-03', 30, { currency: 'EUR' });
    const s = build([eur]);
    const r = applyEvent(s, opened());
    expect(r.effect.rejected).toEqual([{ event: eur, details: [{ path: 'currency', issue: "EUR is not the loan's currency (USD)" }] }]);
    expect(r.state.rejected).toHaveLength(1);
    expect(r.state.pending).toEqual([]);
    const fixed = applyEvent(r.state, { ...eur, currency: 'USD' });
    expect(fixed.effect).toMatchObject({ duplicate: false, applied: [eur.eventId] });
    expect(at(fixed.state, '2026-02-03').totals.paid).toBe(3_000);
  });

  it('refuses a currency other than the loan’s, naming currency, and changes nothing', () => {
    const s = build(schedule());
    const copy = structuredClone(s);
    expect(refusal(() => applyEvent(s, payment('2026-02-03', 30, { currency: 'EUR' })))).toEqual({ kind: 'invalid', paths: ['currency'] });
    expect(refusal(() => applyEvent(s, due('2026-05-01', 30, { currency: 'CNY' })))).toEqual({ kind: 'invalid', paths: ['currency'] });
    expect(s).toEqual(copy);
  });

  const refusals: { name: string; events: () => ServicingEvent[]; kind: string; path: string }[] = [
    {
      name: 'more decimals than the currency has',
      events: () => [opened({ currency: 'JPY' }), payment('2026-02-03', 10.5)],
      kind: 'invalid',
      path: 'amount',
    },
    {
      name: 'a principal with fractions of a yen',
      events: () => [opened({ currency: 'JPY', principal: 1000.5 })],
      kind: 'invalid',
      path: 'principal',
    },
    { name: 'the loan opened twice', events: () => [opened(), opened()], kind: 'conflict', path: 'accountId' },
    {
      name: 'a second due with the same dueId',
      events: () => [opened(), due('2026-02-01', 100), due('2026-02-01', 50)],
      kind: 'conflict',
      path: 'dueId',
    },
    {
      name: 'a second payment with the same paymentId',
      events: () => [opened(), payment('2026-02-01', 10, { paymentId: 'P-1' }), payment('2026-02-02', 10, { paymentId: 'P-1' })],
      kind: 'conflict',
      path: 'paymentId',
    },
    {
      name: 'a payment reversed twice',
      events: () => [
        opened(),
        payment('2026-02-01', 10, { paymentId: 'P-2' }),
        reversal('P-2', '2026-02-02'),
        reversal('P-2', '2026-02-03'),
      ],
      kind: 'conflict',
      path: 'paymentId',
    },
    {
      name: 'a reversal dated before its payment',
      events: () => [opened(), payment('2026-02-05', 10, { paymentId: 'P-3' }), reversal('P-3', '2026-02-04')],
      kind: 'invalid',
      path: 'reversedAt',
    },
    {
      name: 'the loan closed twice',
      events: () => [opened(), closed('2026-03-01'), closed('2026-03-02')],
      kind: 'conflict',
      path: 'accountId',
    },
    {
      name: 'an event for another account',
      events: () => [opened(), { ...due('2026-02-01', 1), accountId: 'L-OTHER' }],
      kind: 'invalid',
      path: 'accountId',
    },
  ];
  it.each(refusals)('refuses $name ($kind, $path)', ({ events, kind, path }) => {
    const all = events();
    const s = build(all.slice(0, -1));
    expect(refusal(() => applyEvent(s, all[all.length - 1]))).toEqual({ kind, paths: [path] });
  });

  it('takes a resend built with its keys in another order as the same event', () => {
    const pay = payment('2026-02-10', 40);
    const s = build([...schedule(), pay]);
    const reordered = Object.fromEntries(Object.entries(pay).reverse()) as ServicingEvent;
    expect(applyEvent(s, reordered).effect.duplicate).toBe(true);
  });

  it('refuses state written by another version rather than misreading it', () => {
    const s = { ...build(schedule()), version: 2 } as unknown as AccountState;
    expect(() => applyEvent(s, payment('2026-02-10', 40))).toThrow(/state version 2/);
    expect(() => accountPosition(s, '2026-02-10')).toThrow(/state version 2/);
  });

  it("counts days in the policy profile's day zone when the loan has no time zone", () => {
    const gb = { ...CN_NIFA_2024, name: 'GB', zones: ['Europe/London'], dayZone: 'Europe/London' };
    // 23:30Z on 1 March is still 1 March in London (UTC+0 in winter), but 2 March in Tokyo.
    const open = parseServicingEvent(
      { ...opened({ currency: 'GBP', timezone: null }), eventId: 'open-gb', jurisdiction: 'GB' },
      { ...CTX, jurisdictions: ['GB'] },
    );
    const events = [open, payment('x', 10, { paidAt: '2026-03-01T23:30:00Z' })];
    const london = applyEvents(emptyAccount(ACCOUNT), events, { profiles: { GB: gb } }).state;
    expect(london.loan?.dayZone).toBe('Europe/London');
    expect(london.payments[0].day).toBe('2026-03-01');
    const tokyo = applyEvents(emptyAccount(ACCOUNT), events, { profiles: { GB: { ...gb, dayZone: 'Asia/Tokyo' } } }).state;
    expect(tokyo.payments[0].day).toBe('2026-03-02');
    // With no profile at all, days are UTC's.
    expect(applyEvents(emptyAccount(ACCOUNT), events).state.loan?.dayZone).toBe('UTC');
  });

  it('refuses more pending events than the limit', () => {
    const s = build([due('2026-02-01', 1), due('2026-03-01', 1)]);
    expect(refusal(() => applyEvent(s, due('2026-04-01', 1), { maxPending: 2 }))).toEqual({ kind: 'conflict', paths: ['accountId'] });
  });

  it('never mutates the state it is given', () => {
    const s = build(schedule());
    const copy = structuredClone(s);
    applyEvent(s, payment('2026-02-03', 30));
    applyEvent(s, closed('2026-02-04'));
    expect(s).toEqual(copy);
  });

  it('keeps state that survives a JSON round trip unchanged', () => {
    const pay = payment('2026-02-03', 30);
    const s = build([...schedule(), pay, reversal(paymentId(pay), '2026-02-04'), adjustment('waiver', '2026-02-05', 5)]);
    const back = JSON.parse(JSON.stringify(s)) as AccountState;
    expect(back).toEqual(s);
    expect(at(back, '2026-02-06')).toEqual(at(s, '2026-02-06'));
  });
});
