import { describe, expect, it } from 'vitest';
import {
  accountPosition,
  applyEvent,
  applyEvents,
  attributePayment,
  classify,
  emptyAccount,
  ServicingError,
  type AccountPosition,
  type CollectionContext,
  type ServicingEvent,
} from '../../../src/domain/servicing/index.js';
import { ACCOUNT, closed, due, opened, payment } from './feed.js';

const positionAt = (events: ServicingEvent[], asOf: string): AccountPosition =>
  accountPosition(applyEvents(emptyAccount(ACCOUNT), [opened(), ...events]).state, asOf)!;

describe('classify', () => {
  const dues = () => [due('2026-02-01', 100), due('2026-03-01', 100)];
  const cases: {
    name: string;
    prev: () => AccountPosition | null;
    cur: () => AccountPosition;
    kind: string;
    cured: boolean;
    roll: string;
  }[] = [
    {
      name: 'first seen, nothing past due',
      prev: () => null,
      cur: () => positionAt(dues(), '2026-02-01'),
      kind: 'current',
      cured: false,
      roll: 'same',
    },
    {
      name: 'first seen, already past due',
      prev: () => null,
      cur: () => positionAt(dues(), '2026-02-02'),
      kind: 'newly_delinquent',
      cured: false,
      roll: 'same',
    },
    {
      name: 'current to past due',
      prev: () => positionAt(dues(), '2026-02-01'),
      cur: () => positionAt(dues(), '2026-02-02'),
      kind: 'newly_delinquent',
      cured: false,
      roll: 'forward',
    },
    {
      name: 'past due, same bucket',
      prev: () => positionAt(dues(), '2026-02-02'),
      cur: () => positionAt(dues(), '2026-02-20'),
      kind: 'still_delinquent',
      cured: false,
      roll: 'same',
    },
    {
      name: 'past due, rolled to 31-60',
      prev: () => positionAt(dues(), '2026-03-03'),
      cur: () => positionAt(dues(), '2026-03-04'),
      kind: 'still_delinquent',
      cured: false,
      roll: 'forward',
    },
    {
      name: 'arrears paid',
      prev: () => positionAt(dues(), '2026-02-10'),
      cur: () => positionAt([...dues(), payment('2026-02-11', 100)], '2026-02-11'),
      kind: 'cured',
      cured: true,
      roll: 'back',
    },
    {
      name: 'partial payment, oldest due still open',
      prev: () => positionAt(dues(), '2026-03-10'),
      cur: () => positionAt([...dues(), payment('2026-03-11', 150)], '2026-03-11'),
      kind: 'still_delinquent',
      cured: false,
      roll: 'back',
    },
    {
      name: 'paid off from delinquency',
      prev: () => positionAt(dues(), '2026-02-10'),
      cur: () => positionAt([...dues(), payment('2026-02-11', 1200)], '2026-02-11'),
      kind: 'paid_off',
      cured: true,
      roll: 'back',
    },
    {
      name: 'closed while current',
      prev: () => positionAt(dues(), '2026-01-20'),
      cur: () => positionAt([...dues(), closed('2026-01-21')], '2026-01-21'),
      kind: 'closed',
      cured: false,
      roll: 'same',
    },
    {
      name: 'current stays current',
      prev: () => positionAt(dues(), '2026-01-20'),
      cur: () => positionAt(dues(), '2026-01-21'),
      kind: 'current',
      cured: false,
      roll: 'same',
    },
  ];
  it.each(cases)('$name: $kind', ({ prev, cur, kind, cured, roll }) => {
    expect(classify(prev(), cur())).toMatchObject({ kind, cured, roll });
  });

  it('refuses positions of two accounts, or in the wrong order', () => {
    const a = positionAt([], '2026-02-01');
    expect(() => classify({ ...a, accountId: 'L-OTHER' }, a)).toThrow(ServicingError);
    expect(() => classify(positionAt([], '2026-02-02'), a)).toThrow(/^asOf:/);
  });
});

describe('payment attribution', () => {
  const context: CollectionContext = {
    treatment: { channel: 'call', cadenceDays: 3 },
    variant: 'challenger',
    policyVersion: 'policy-7',
    modelVersion: 'pd-2026.05.1',
    lastContact: { at: Date.parse('2026-02-10T15:00:00Z'), channel: 'call' },
  };

  it('records the context in force and the last contact before the payment', () => {
    const r = attributePayment(
      { paymentId: 'P-1', amount: 4_000, paidAt: '2026-02-11T15:00:00Z' },
      { accountId: ACCOUNT, currency: 'USD' },
      context,
    );
    expect(r).toEqual({
      paymentId: 'P-1',
      accountId: ACCOUNT,
      amount: 4_000,
      currency: 'USD',
      paidAt: '2026-02-11T15:00:00Z',
      treatment: { channel: 'call', cadenceDays: 3 },
      variant: 'challenger',
      policyVersion: 'policy-7',
      modelVersion: 'pd-2026.05.1',
      lastContact: { at: Date.parse('2026-02-10T15:00:00Z'), channel: 'call', msBeforePayment: 86_400_000 },
    });
  });

  it('does not credit a contact logged after the payment', () => {
    const r = attributePayment(
      { paymentId: 'P-1', amount: 4_000, paidAt: '2026-02-10T14:59:59Z' },
      { accountId: ACCOUNT, currency: 'USD' },
      context,
    );
    expect(r.lastContact).toBeNull();
    expect(r.variant).toBe('challenger');
  });

  it('records nulls when the account has no collection context', () => {
    const r = attributePayment(
      { paymentId: 'P-1', amount: 1, paidAt: '2026-02-10T14:59:59Z' },
      { accountId: ACCOUNT, currency: 'USD' },
      null,
    );
    expect(r).toMatchObject({ treatment: null, variant: null, policyVersion: null, modelVersion: null, lastContact: null });
  });

  it('is stored with each payment applied under a context', () => {
    const s = applyEvents(emptyAccount(ACCOUNT), [opened(), due('2026-02-01', 100)]).state;
    const pay = payment('2026-02-11', 40, { paidAt: '2026-02-11T15:00:00Z' });
    const withCtx = applyEvent(s, pay, { collection: context }).state;
    const stored = withCtx.payments[0].attribution;
    expect(stored).toMatchObject({
      paymentId: pay.type === 'payment' ? pay.paymentId : '',
      amount: 4_000,
      currency: 'USD',
      variant: 'challenger',
      lastContact: { msBeforePayment: 86_400_000 },
    });
    expect(stored?.treatment).not.toBe(context.treatment); // a copy: the state holds no shared references
    expect(applyEvent(s, pay).state.payments[0].attribution).toBeNull();
  });
});
