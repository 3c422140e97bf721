import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dpdBucket } from '../../../src/domain/collection/policy.js';
import {
  accountPosition,
  addDays,
  applyEvent,
  emptyAccount,
  parseServicingEvent,
  type AccountState,
  type ServicingEvent,
} from '../../../src/domain/servicing/index.js';
import { CTX } from './feed.js';

const ACCOUNT = 'L-PROP';
const START = '2026-01-01';
const cents = fc.integer({ min: 1, max: 200_000 });
const dayOffset = fc.integer({ min: 0, max: 150 });
const ev = (x: Record<string, unknown>) => parseServicingEvent({ accountId: ACCOUNT, ...x }, CTX);
const noon = (offset: number) => `${addDays(START, offset)}T12:00:00Z`;

/** A random small book for one account: dues, payments (some reversed) and adjustments, as feed events. */
const bookArb = fc
  .record({
    principal: fc.integer({ min: 1, max: 2_000_000 }),
    dues: fc.array(fc.record({ day: dayOffset, amount: cents }), { maxLength: 8 }),
    payments: fc.array(
      fc.record({ day: dayOffset, amount: cents, reversedAfter: fc.option(fc.integer({ min: 0, max: 20 }), { freq: 3 }) }),
      { maxLength: 8 },
    ),
    adjustments: fc.array(fc.record({ day: dayOffset, amount: cents, kind: fc.constantFrom('waiver' as const, 'write_off' as const) }), {
      maxLength: 2,
    }),
  })
  .map((b) => {
    const events: ServicingEvent[] = [
      ev({
        type: 'loan_opened',
        eventId: 'open',
        borrowerId: 'B',
        principal: b.principal / 100,
        currency: 'USD',
        jurisdiction: 'US',
        timezone: 'UTC',
        openedAt: noon(0),
      }),
    ];
    b.dues.forEach((d, i) =>
      events.push(ev({ type: 'due', eventId: `due-${i}`, dueId: `D${i}`, dueDate: addDays(START, d.day), amount: d.amount / 100 })),
    );
    b.payments.forEach((p, i) => {
      events.push(
        ev({ type: 'payment', eventId: `pay-${i}`, paymentId: `P${i}`, amount: p.amount / 100, paidAt: noon(p.day), channel: 'card' }),
      );
      if (p.reversedAfter !== null)
        events.push(ev({ type: 'payment_reversed', eventId: `rev-${i}`, paymentId: `P${i}`, reversedAt: noon(p.day + p.reversedAfter) }));
    });
    b.adjustments.forEach((a, i) =>
      events.push(ev({ type: 'adjustment', eventId: `adj-${i}`, kind: a.kind, amount: a.amount / 100, reason: 'r', at: noon(a.day) })),
    );
    return { book: b, events };
  });

const applyAll = (events: readonly ServicingEvent[]): AccountState =>
  events.reduce((s, e) => applyEvent(s, e).state, emptyAccount(ACCOUNT));

describe('ledger properties', () => {
  it('holds its invariants on any book, at any date', () => {
    fc.assert(
      fc.property(bookArb, fc.integer({ min: 0, max: 200 }), ({ book, events }, asOfOffset) => {
        const asOf = addDays(START, asOfOffset);
        const p = accountPosition(applyAll(events), asOf)!;
        const counts = (day: number, reversedAfter: number | null = null) =>
          addDays(START, day) <= asOf && (reversedAfter === null || addDays(START, day + reversedAfter) > asOf);
        const received =
          book.payments.reduce((a, x) => a + (counts(x.day, x.reversedAfter) ? x.amount : 0), 0) +
          book.adjustments.reduce((a, x) => a + (counts(x.day) ? x.amount : 0), 0);
        const totalDue = book.dues.reduce((a, d) => a + d.amount, 0);
        const allocated = p.dues.reduce((a, d) => a + d.allocations.reduce((b, x) => b + x.amount, 0), 0);

        expect(p.arrears).toBeGreaterThanOrEqual(0);
        expect(p.credit).toBeGreaterThanOrEqual(0);
        expect(p.balance).toBeGreaterThanOrEqual(p.arrears);
        // Every cent received goes to a due, up to what the dues ask for; the rest is credit.
        expect(allocated).toBe(Math.min(received, totalDue));
        expect(p.credit).toBe(received - allocated);
        expect(p.balance).toBe(Math.max(0, Math.max(book.principal, totalDue) - received));
        for (const d of p.dues) {
          expect(d.allocated + d.unpaid).toBe(d.amount);
          expect(d.unpaid).toBeGreaterThanOrEqual(0);
        }
        // Oldest first: dues in date order, and once one is left unpaid no later one has received anything.
        expect(p.dues.map((d) => d.dueDate)).toEqual(p.dues.map((d) => d.dueDate).sort());
        const firstOpen = p.dues.findIndex((d) => d.unpaid > 0);
        if (firstOpen >= 0) for (const d of p.dues.slice(firstOpen + 1)) expect(d.allocated).toBe(0);
        expect(p.bucket).toBe(dpdBucket(p.dpd));
        expect(p.dpd > 0).toBe(p.arrears > 0);
        if (p.status !== 'closed' && p.status !== 'paid_off') expect(p.status).toBe(p.arrears > 0 ? 'delinquent' : 'current');
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same position whatever order the events arrive in', () => {
    fc.assert(
      fc.property(
        bookArb.chain((b) =>
          fc.tuple(fc.constant(b), fc.shuffledSubarray(b.events, { minLength: b.events.length, maxLength: b.events.length })),
        ),
        fc.integer({ min: 0, max: 200 }),
        ([{ events }, shuffled], asOfOffset) => {
          const asOf = addDays(START, asOfOffset);
          const inOrder = applyAll(events);
          const anyOrder = applyAll(shuffled);
          // Loan first or last, reversals before or after their payments: nothing is lost or refused.
          expect(anyOrder.pending).toEqual([]);
          expect(anyOrder.rejected).toEqual([]);
          expect(accountPosition(anyOrder, asOf)).toEqual(accountPosition(inOrder, asOf));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('changes nothing when any event is sent again', () => {
    fc.assert(
      fc.property(
        bookArb.chain((b) => fc.tuple(fc.constant(b.events), fc.integer({ min: 0, max: b.events.length - 1 }))),
        ([events, i]) => {
          const s = applyAll(events);
          const again = applyEvent(s, events[i]);
          expect(again.effect.duplicate).toBe(true);
          expect(again.state).toBe(s);
        },
      ),
      { numRuns: 100 },
    );
  });
});
