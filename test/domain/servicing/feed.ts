/** Tiny builders for servicing events in tests: each event is parsed by the real schema. */
import {
  parseServicingEvent,
  type EventOf,
  type ParseContext,
  type ServicingEvent,
  type ServicingEventType,
} from '../../../src/domain/servicing/index.js';

export const NOW = Date.parse('2026-06-30T12:00:00Z');
export const CTX: ParseContext = { now: NOW, futureToleranceMs: 5 * 60_000 };
export const ACCOUNT = 'L-1001';

let seq = 0;
const nextId = (p: string) => `${p}-${++seq}`;
const ev = <T extends ServicingEventType>(type: T, x: Record<string, unknown>) =>
  parseServicingEvent({ type, accountId: ACCOUNT, ...x }, CTX) as EventOf<T>;

export const opened = (o: Record<string, unknown> = {}) =>
  ev('loan_opened', {
    eventId: nextId('open'),
    borrowerId: 'B-77',
    principal: 1200,
    currency: 'USD',
    jurisdiction: 'US',
    timezone: 'America/Chicago',
    openedAt: '2026-01-01T15:00:00Z',
    ...o,
  });

export const due = (dueDate: string, amount: number, o: Record<string, unknown> = {}) =>
  ev('due', { eventId: nextId('due'), dueId: `D-${dueDate}`, dueDate, amount, ...o });

/** A payment at noon, Chicago time, on `day`. */
export const payment = (day: string, amount: number, o: Record<string, unknown> = {}) =>
  ev('payment', {
    eventId: nextId('pay'),
    paymentId: nextId('P'),
    amount,
    paidAt: `${day}T12:00:00-05:00`,
    channel: 'bank_transfer',
    ...o,
  });

export const reversal = (paymentId: string, day: string, o: Record<string, unknown> = {}) =>
  ev('payment_reversed', { eventId: nextId('rev'), paymentId, reversedAt: `${day}T12:00:00-05:00`, ...o });

export const adjustment = (kind: 'write_off' | 'waiver', day: string, amount: number, o: Record<string, unknown> = {}) =>
  ev('adjustment', { eventId: nextId('adj'), kind, amount, reason: 'goodwill', at: `${day}T12:00:00-05:00`, ...o });

export const closed = (day: string, o: Record<string, unknown> = {}) =>
  ev('loan_closed', { eventId: nextId('close'), closedAt: `${day}T12:00:00-05:00`, reason: 'settled', ...o });

export const paymentId = (e: ServicingEvent): string => {
  if (e.type !== 'payment') throw new Error('not a payment');
  return e.paymentId;
};
