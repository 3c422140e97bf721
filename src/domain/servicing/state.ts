/**
 * One account's servicing state: plain JSON, so a store can keep it as one value and hand it back
 * unchanged. Amounts are integers in the loan currency's minor units. Instants keep the feed's own
 * ISO string, with the account-local calendar date (`day`) computed once when applied.
 */
import type { PaymentAttribution } from './attribution.js';
import type { ServicingEvent } from './events.js';
import type { ServicingIssue } from './errors.js';

export const STATE_VERSION = 1;

export interface LoanState {
  eventId: string;
  borrowerId: string;
  principal: number;
  currency: string;
  jurisdiction: string;
  timezone: string | null;
  /** Zone that decides which calendar day an instant falls on: the borrower's, else the jurisdiction's. */
  dayZone: string;
  openedAt: string;
  openedOn: string;
}

export interface DueState {
  eventId: string;
  dueId: string;
  dueDate: string;
  amount: number;
}

export interface PaymentState {
  eventId: string;
  paymentId: string;
  amount: number;
  paidAt: string;
  /** Local date of paidAt. */
  day: string;
  channel: string;
  reversal: { eventId: string; reversedAt: string; day: string; reason: string | null } | null;
  /** The collection context when the payment was applied; null when none was given. */
  attribution: PaymentAttribution | null;
}

export interface AdjustmentState {
  eventId: string;
  kind: 'write_off' | 'waiver';
  amount: number;
  reason: string;
  at: string;
  day: string;
}

export interface ClosedState {
  eventId: string;
  closedAt: string;
  day: string;
  reason: string;
}

/** An event that waited for its account (or its payment) and was refused when it could be tried. */
export interface RejectedEvent {
  event: ServicingEvent;
  details: ServicingIssue[];
}

export interface AccountState {
  version: typeof STATE_VERSION;
  accountId: string;
  loan: LoanState | null;
  /** Sorted by (dueDate, dueId): the order payments are allocated in. */
  dues: DueState[];
  /** Sorted by (paidAt instant, paymentId). */
  payments: PaymentState[];
  /** Sorted by (at instant, eventId). */
  adjustments: AdjustmentState[];
  closed: ClosedState | null;
  /** Events waiting for loan_opened (or, for a reversal, for its payment), in arrival order. */
  pending: ServicingEvent[];
  /** Pending events that failed when replayed, with the reasons: kept, never dropped. */
  rejected: RejectedEvent[];
  /**
   * [eventId, fingerprint] of every event accepted (applied or pending). An array, not an object:
   * ids such as "__proto__" are valid, and an object keyed by them would misbehave.
   */
  seen: [string, string][];
}

/** The state of an account the feed has not mentioned yet. */
export function emptyAccount(accountId: string): AccountState {
  return {
    version: STATE_VERSION,
    accountId,
    loan: null,
    dues: [],
    payments: [],
    adjustments: [],
    closed: null,
    pending: [],
    rejected: [],
    seen: [],
  };
}

/** Refuses state written by another version of this module, rather than misreading it. */
export function assertStateVersion(state: AccountState): void {
  if (state.version !== STATE_VERSION)
    throw new Error(`servicing state version ${String(state.version)} is not ${STATE_VERSION}: migrate it first`);
}
