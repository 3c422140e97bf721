import { describe, expect, it } from 'vitest';
import {
  applyEvents,
  emptyAccount,
  evaluatePromise,
  parsePromise,
  ServicingError,
  type PromiseToPay,
  type ServicingEvent,
} from '../../../src/domain/servicing/index.js';
import { ACCOUNT, due, opened, payment, paymentId, reversal } from './feed.js';

/** The account's payments after these events, as evaluatePromise reads them. */
const paymentsOf = (events: ServicingEvent[]) =>
  applyEvents(emptyAccount(ACCOUNT), [opened(), due('2026-02-01', 300), ...events]).state.payments;

const MADE = '2026-03-01T10:00:00-06:00';
// 100 USD by 10 March; with 2 grace days money counts until the end of 12 March.
const single: PromiseToPay = parsePromise({ madeAt: MADE, amount: 100, date: '2026-03-10' }, 'USD');
const GRACE = 2;

describe('a single promise to pay', () => {
  const cases: { name: string; events: () => ServicingEvent[]; asOf: string; status: string; received: number }[] = [
    { name: 'nothing yet, before the date', events: () => [], asOf: '2026-03-05', status: 'pending', received: 0 },
    {
      name: 'part paid, still inside the grace days',
      events: () => [payment('2026-03-08', 40)],
      asOf: '2026-03-12',
      status: 'pending',
      received: 4_000,
    },
    { name: 'paid in full early', events: () => [payment('2026-03-04', 100)], asOf: '2026-03-04', status: 'kept', received: 10_000 },
    {
      name: 'paid in two parts, the last on the final grace day',
      events: () => [payment('2026-03-09', 60), payment('2026-03-12', 40)],
      asOf: '2026-03-20',
      status: 'kept',
      received: 10_000,
    },
    {
      name: 'some money but not enough once the grace has passed',
      events: () => [payment('2026-03-08', 40)],
      asOf: '2026-03-13',
      status: 'partly_kept',
      received: 4_000,
    },
    { name: 'nothing once the grace has passed', events: () => [], asOf: '2026-03-13', status: 'broken', received: 0 },
    { name: 'money only after the grace', events: () => [payment('2026-03-13', 100)], asOf: '2026-03-14', status: 'broken', received: 0 },
    {
      name: 'money only before the promise was made',
      events: () => [payment('x', 100, { paidAt: '2026-03-01T09:59:00-06:00' })],
      asOf: '2026-03-13',
      status: 'broken',
      received: 0,
    },
    {
      name: 'money after asOf is not yet known',
      events: () => [payment('2026-03-09', 100)],
      asOf: '2026-03-08',
      status: 'pending',
      received: 0,
    },
  ];
  it.each(cases)('$name: $status', ({ events, asOf, status, received }) => {
    const r = evaluatePromise(single, paymentsOf(events()), asOf, GRACE);
    expect(r.status).toBe(status);
    expect(r.received).toBe(received);
    expect(r.deadline).toBe('2026-03-12');
    expect(r.promised).toBe(10_000);
  });

  it('does not count a reversed payment once it is reversed', () => {
    const pay = payment('2026-03-05', 100);
    const payments = paymentsOf([pay, reversal(paymentId(pay), '2026-03-07')]);
    expect(evaluatePromise(single, payments, '2026-03-06', GRACE)).toMatchObject({ status: 'kept', paymentIds: [paymentId(pay)] });
    expect(evaluatePromise(single, payments, '2026-03-07', GRACE)).toMatchObject({ status: 'pending', received: 0, paymentIds: [] });
    expect(evaluatePromise(single, payments, '2026-03-13', GRACE).status).toBe('broken');
  });

  it('calls too little broken when the policy sets a minimum share', () => {
    const payments = paymentsOf([payment('2026-03-08', 40)]);
    expect(evaluatePromise(single, payments, '2026-03-13', GRACE, { minPartShare: 0.5 }).status).toBe('broken');
    expect(evaluatePromise(single, payments, '2026-03-13', GRACE, { minPartShare: 0.4 }).status).toBe('partly_kept');
  });

  it('judges the deadline by grace days', () => {
    const payments = paymentsOf([]);
    expect(evaluatePromise(single, payments, '2026-03-11', 0).status).toBe('broken');
    expect(evaluatePromise(single, payments, '2026-03-11', 1).status).toBe('pending');
  });
});

describe('a plan of instalments', () => {
  // 50 by 10 March and 50 by 10 April, 2 grace days each.
  const plan = parsePromise(
    {
      madeAt: MADE,
      instalments: [
        { amount: 50, date: '2026-03-10' },
        { amount: 50, date: '2026-04-10' },
      ],
    },
    'USD',
  );
  const statuses = (events: ServicingEvent[], asOf: string) => {
    const r = evaluatePromise(plan, paymentsOf(events), asOf, GRACE);
    return [r.status, ...r.instalments.map((x) => `${x.status}:${x.received}`)];
  };

  it('is pending while the first instalment is kept and the second is not yet due', () => {
    expect(statuses([payment('2026-03-09', 50)], '2026-03-20')).toEqual(['pending', 'kept:5000', 'pending:0']);
  });

  it('fills instalments oldest first: an overpayment counts toward the next one', () => {
    expect(statuses([payment('2026-03-09', 80)], '2026-03-20')).toEqual(['pending', 'kept:5000', 'pending:3000']);
    expect(statuses([payment('2026-03-09', 80)], '2026-04-13')).toEqual(['partly_kept', 'kept:5000', 'partly_kept:3000']);
  });

  it('is kept when every instalment is', () => {
    expect(statuses([payment('2026-03-09', 50), payment('2026-04-11', 50)], '2026-04-11')).toEqual(['kept', 'kept:5000', 'kept:5000']);
  });

  it('is broken as soon as an instalment passes with nothing paid', () => {
    expect(statuses([], '2026-03-13')).toEqual(['broken', 'broken:0', 'pending:0']);
    // Paying everything later does not mend a missed instalment.
    expect(statuses([payment('2026-04-01', 100)], '2026-04-13')).toEqual(['broken', 'broken:0', 'kept:5000']);
  });

  it('lets late money make up an earlier shortfall before it counts for the next instalment', () => {
    expect(statuses([payment('2026-03-09', 30), payment('2026-04-01', 70)], '2026-04-13')).toEqual([
      'partly_kept',
      'partly_kept:3000',
      'kept:5000',
    ]);
    expect(statuses([payment('2026-03-09', 30), payment('2026-04-01', 60)], '2026-04-13')).toEqual([
      'partly_kept',
      'partly_kept:3000',
      'partly_kept:4000',
    ]);
  });
});

describe('parsePromise and evaluatePromise refuse bad input', () => {
  const bad: { name: string; input: unknown; currency?: string; path: string }[] = [
    { name: 'no madeAt', input: { amount: 10, date: '2026-03-10' }, path: 'madeAt' },
    { name: 'madeAt without an offset', input: { madeAt: '2026-03-01T10:00:00', amount: 10, date: '2026-03-10' }, path: 'madeAt' },
    { name: 'amount NaN', input: { madeAt: MADE, amount: Number.NaN, date: '2026-03-10' }, path: 'amount' },
    { name: 'amount negative', input: { madeAt: MADE, amount: -10, date: '2026-03-10' }, path: 'amount' },
    { name: 'amount as a string', input: { madeAt: MADE, amount: '10', date: '2026-03-10' }, path: 'amount' },
    { name: 'no date', input: { madeAt: MADE, amount: 10 }, path: 'date' },
    { name: 'date before the promise', input: { madeAt: MADE, amount: 10, date: '2026-02-28' }, path: 'date' },
    {
      name: 'both a single amount and a plan',
      input: { madeAt: MADE, amount: 10, date: '2026-03-10', instalments: [{ amount: 10, date: '2026-03-10' }] },
      path: 'instalments',
    },
    { name: 'an empty plan', input: { madeAt: MADE, instalments: [] }, path: 'instalments' },
    {
      name: 'instalments out of order',
      input: {
        madeAt: MADE,
        instalments: [
          { amount: 10, date: '2026-04-10' },
          { amount: 10, date: '2026-03-10' },
        ],
      },
      path: 'instalments.1.date',
    },
    {
      name: 'an instalment without an amount',
      input: { madeAt: MADE, instalments: [{ date: '2026-04-10' }] },
      path: 'instalments.0.amount',
    },
    { name: 'an unknown field', input: { madeAt: MADE, amount: 10, date: '2026-03-10', note: 'x' }, path: 'note' },
    { name: 'cents on a yen promise', input: { madeAt: MADE, amount: 10.5, date: '2026-03-10' }, currency: 'JPY', path: 'amount' },
    {
      name: 'fils beyond KWD precision in a plan',
      input: {
        madeAt: MADE,
        instalments: [
          { amount: 1, date: '2026-03-10' },
          { amount: 1.2345, date: '2026-04-10' },
        ],
      },
      currency: 'KWD',
      path: 'instalments.1.amount',
    },
    {
      name: 'too many instalments',
      input: {
        madeAt: MADE,
        instalments: Array.from({ length: 61 }, (_, i) => ({ amount: 1, date: `2027-${String((i % 12) + 1).padStart(2, '0')}-01` })),
      },
      path: 'instalments',
    },
  ];
  it.each(bad)('refuses $name, naming $path', ({ input, currency, path }) => {
    try {
      parsePromise(input, currency ?? 'USD');
      expect.unreachable('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(ServicingError);
      expect((e as ServicingError).details.map((d) => d.path)).toContain(path);
    }
  });

  it.each([
    ['asOf', () => evaluatePromise(single, [], '10 March', 1)],
    ['graceDays', () => evaluatePromise(single, [], '2026-03-10', -1)],
    ['graceDays', () => evaluatePromise(single, [], '2026-03-10', 1.5)],
    ['minPartShare', () => evaluatePromise(single, [], '2026-03-10', 1, { minPartShare: 2 })],
  ] as const)('evaluatePromise refuses a bad %s', (path, f) => {
    expect(f).toThrow(ServicingError);
    expect(f).toThrow(new RegExp(`^${path}:`));
  });
});
