/**
 * Applying the feed to an account: `applyEvent(state, event) -> { state, effect }`. Pure: the input
 * state is never mutated, and a refused event throws before anything changes, so a store can keep
 * the old value on error. Events wait in `pending` until they can be applied (an account not yet
 * opened; a reversal of a payment not yet seen) and are replayed in arrival order when they can.
 */
import { resolveProfile, type ComplianceProfile } from '../collection/compliance.js';
import { fnv1a } from '../collection/policy.js';
import { attributePayment, type CollectionContext } from './attribution.js';
import { localDate } from './dates.js';
import { conflict, invalid, ServicingError } from './errors.js';
import type { EventOf, ServicingEvent } from './events.js';
import { minorExponent, toMinor } from './money.js';
import { assertStateVersion, type AccountState, type LoanState, type RejectedEvent } from './state.js';

export interface ApplyContext {
  /** The account's collection context now, recorded with each payment applied (attribution). */
  collection?: CollectionContext | null;
  /** Most events one account may hold pending before the feed is refused for it. */
  maxPending?: number;
  /** The policy's compliance profiles: a loan without a time zone counts days in its jurisdiction's `dayZone`. */
  profiles?: Readonly<Record<string, ComplianceProfile>>;
}

export const DEFAULT_MAX_PENDING = 1_000;

export interface ApplyEffect {
  eventId: string;
  /** The eventId was seen before with the same content: nothing changed. */
  duplicate: boolean;
  /** The event is waiting (for its account's loan_opened, or for the payment it reverses). */
  pending: boolean;
  /** Events applied by this call in order: the event itself, then any pending ones it released. */
  applied: string[];
  /** Pending events released by this call but refused, also kept in `state.rejected`. */
  rejected: RejectedEvent[];
}

/**
 * Content hash that tells a resend (same event) from an eventId reused for another event. Keys are
 * sorted (events are flat), so an event built by hand in another key order hashes the same.
 */
function fingerprint(e: ServicingEvent): string {
  const s = JSON.stringify(e, Object.keys(e).sort());
  return `${s.length.toString(36)}.${fnv1a(s).toString(16).padStart(8, '0')}`;
}

const isReady = (s: AccountState, e: ServicingEvent): boolean =>
  e.type === 'loan_opened' || (s.loan !== null && (e.type !== 'payment_reversed' || s.payments.some((p) => p.paymentId === e.paymentId)));

function insertSorted<T>(arr: T[], item: T, before: (a: T, b: T) => boolean): void {
  let i = arr.length;
  while (i > 0 && before(item, arr[i - 1])) i--;
  arr.splice(i, 0, item);
}

function money(e: { amount: number; currency?: string }, loan: LoanState, total: number): number {
  if (e.currency !== undefined && e.currency !== loan.currency)
    throw invalid('currency', `${e.currency} is not the loan's currency (${loan.currency})`);
  const minor = toMinor(e.amount, loan.currency);
  if (minor === null) throw invalid('amount', `has more decimals than ${loan.currency} allows (${minorExponent(loan.currency)})`);
  if (!Number.isSafeInteger(total + minor))
    throw invalid('amount', "would take the account's total beyond what the ledger can hold exactly");
  return minor;
}

const sum = (xs: readonly { amount: number }[]) => xs.reduce((a, x) => a + x.amount, 0);

function openLoan(s: AccountState, e: EventOf<'loan_opened'>, ctx: ApplyContext): void {
  if (s.loan) throw conflict('accountId', `the loan was already opened by event ${s.loan.eventId}`);
  const principal = toMinor(e.principal, e.currency);
  if (principal === null) throw invalid('principal', `has more decimals than ${e.currency} allows (${minorExponent(e.currency)})`);
  const dayZone = e.timezone ?? resolveProfile(e.jurisdiction, ctx.profiles)?.dayZone ?? 'UTC';
  s.loan = {
    eventId: e.eventId,
    borrowerId: e.borrowerId,
    principal,
    currency: e.currency,
    jurisdiction: e.jurisdiction,
    timezone: e.timezone,
    dayZone,
    openedAt: e.openedAt,
    openedOn: localDate(Date.parse(e.openedAt), dayZone),
  };
}

/** Applies an event whose preconditions hold. Validates everything before the first mutation. */
function applyReady(s: AccountState, e: ServicingEvent, ctx: ApplyContext): void {
  if (e.type === 'loan_opened') {
    openLoan(s, e, ctx);
    return;
  }
  const loan = s.loan!;
  const dayOf = (iso: string) => localDate(Date.parse(iso), loan.dayZone);
  switch (e.type) {
    case 'due': {
      const prior = s.dues.find((d) => d.dueId === e.dueId);
      if (prior) throw conflict('dueId', `due ${e.dueId} was already posted by event ${prior.eventId}`);
      const amount = money(e, loan, sum(s.dues));
      const due = { eventId: e.eventId, dueId: e.dueId, dueDate: e.dueDate, amount };
      insertSorted(s.dues, due, (a, b) => a.dueDate < b.dueDate || (a.dueDate === b.dueDate && a.dueId < b.dueId));
      return;
    }
    case 'payment': {
      const prior = s.payments.find((p) => p.paymentId === e.paymentId);
      if (prior) throw conflict('paymentId', `payment ${e.paymentId} was already recorded by event ${prior.eventId}`);
      const amount = money(e, loan, sum(s.payments) + sum(s.adjustments));
      const attribution = ctx.collection
        ? attributePayment(
            { paymentId: e.paymentId, amount, paidAt: e.paidAt },
            { accountId: s.accountId, currency: loan.currency },
            ctx.collection,
          )
        : null;
      const p = {
        eventId: e.eventId,
        paymentId: e.paymentId,
        amount,
        paidAt: e.paidAt,
        day: dayOf(e.paidAt),
        channel: e.channel,
        reversal: null,
        attribution,
      };
      const t = Date.parse(e.paidAt);
      insertSorted(s.payments, p, (a, b) => t < Date.parse(b.paidAt) || (t === Date.parse(b.paidAt) && a.paymentId < b.paymentId));
      return;
    }
    case 'payment_reversed': {
      const p = s.payments.find((x) => x.paymentId === e.paymentId)!;
      if (p.reversal) throw conflict('paymentId', `payment ${e.paymentId} was already reversed by event ${p.reversal.eventId}`);
      if (Date.parse(e.reversedAt) < Date.parse(p.paidAt)) throw invalid('reversedAt', `is before the payment's paidAt (${p.paidAt})`);
      p.reversal = { eventId: e.eventId, reversedAt: e.reversedAt, day: dayOf(e.reversedAt), reason: e.reason ?? null };
      return;
    }
    case 'adjustment': {
      const amount = money(e, loan, sum(s.payments) + sum(s.adjustments));
      const adj = { eventId: e.eventId, kind: e.kind, amount, reason: e.reason, at: e.at, day: dayOf(e.at) };
      const t = Date.parse(e.at);
      insertSorted(s.adjustments, adj, (a, b) => t < Date.parse(b.at) || (t === Date.parse(b.at) && a.eventId < b.eventId));
      return;
    }
    case 'loan_closed': {
      if (s.closed) throw conflict('accountId', `the loan was already closed by event ${s.closed.eventId}`);
      s.closed = { eventId: e.eventId, closedAt: e.closedAt, day: dayOf(e.closedAt), reason: e.reason };
      return;
    }
  }
}

/**
 * Replays pending events that have become ready, in arrival order, until none is left that can go
 * (a reversal queued before its payment goes on the pass after the payment). A refused one moves to
 * `rejected` with its reasons and its eventId is forgotten, so a corrected resend is accepted.
 */
function drain(s: AccountState, ctx: ApplyContext): { applied: string[]; rejected: RejectedEvent[] } {
  const applied: string[] = [];
  const rejected: RejectedEvent[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (let i = 0; i < s.pending.length; i++) {
      const e = s.pending[i];
      if (!isReady(s, e)) continue;
      s.pending.splice(i--, 1);
      progress = true;
      try {
        applyReady(s, e, ctx);
        applied.push(e.eventId);
      } catch (err) {
        if (!(err instanceof ServicingError)) throw err;
        const r = { event: e, details: err.details };
        rejected.push(r);
        s.rejected.push(r);
        s.seen = s.seen.filter(([id]) => id !== e.eventId);
      }
    }
  }
  return { applied, rejected };
}

/**
 * Applies one parsed event to an account's state. Idempotent on eventId: the same event again
 * returns `duplicate: true` and the state unchanged; the same eventId with other content is a
 * conflict. Throws ServicingError (`invalid` or `conflict`, naming the field) and changes nothing
 * when the event cannot be applied.
 */
export function applyEvent(
  state: AccountState,
  event: ServicingEvent,
  ctx: ApplyContext = {},
): { state: AccountState; effect: ApplyEffect } {
  assertStateVersion(state);
  if (event.accountId !== state.accountId) throw invalid('accountId', `this state is account ${state.accountId}`);
  const fp = fingerprint(event);
  const prior = state.seen.find(([id]) => id === event.eventId);
  const effect: ApplyEffect = { eventId: event.eventId, duplicate: false, pending: false, applied: [], rejected: [] };
  if (prior) {
    if (prior[1] !== fp) throw conflict('eventId', `eventId ${event.eventId} was already used for a different event`);
    return { state, effect: { ...effect, duplicate: true, pending: state.pending.some((e) => e.eventId === event.eventId) } };
  }
  const s = structuredClone(state);
  if (!isReady(s, event)) {
    const max = ctx.maxPending ?? DEFAULT_MAX_PENDING;
    if (s.pending.length >= max) throw conflict('accountId', `${max} events are already waiting for this account; open the loan first`);
    s.pending.push(event);
    s.seen.push([event.eventId, fp]);
    return { state: s, effect: { ...effect, pending: true } };
  }
  applyReady(s, event, ctx);
  s.seen.push([event.eventId, fp]);
  const { applied, rejected } = drain(s, ctx);
  return { state: s, effect: { ...effect, applied: [event.eventId, ...applied], rejected } };
}

/** Applies events in order. Throws the first error; the state passed in is untouched either way. */
export function applyEvents(
  state: AccountState,
  events: readonly ServicingEvent[],
  ctx: ApplyContext = {},
): { state: AccountState; effects: ApplyEffect[] } {
  const effects: ApplyEffect[] = [];
  let s = state;
  for (const e of events) {
    const r = applyEvent(s, e, ctx);
    s = r.state;
    effects.push(r.effect);
  }
  return { state: s, effects };
}
