/**
 * An account's figures as of a date, derived from its servicing state and nothing else, so any
 * past date can be recomputed and a close-of-business run gives the same answer twice.
 *
 * Allocation is recomputed from scratch each time: every receipt (payment or adjustment) in time
 * order fills the dues oldest first (dueDate, then dueId). A reversal simply removes its payment
 * from the receipts, so the dues it covered open again and later payments flow back over them; and
 * the result does not depend on the order the events arrived in.
 */
import { dpdBucket, type DpdBucket } from '../collection/policy.js';
import { daysBetween, isIsoDate } from './dates.js';
import { invalid } from './errors.js';
import { assertStateVersion, type AccountState } from './state.js';

export type AccountStatus = 'current' | 'delinquent' | 'paid_off' | 'closed';

/** Part of a receipt applied to one due. `id` is the paymentId, or the adjustment's eventId. */
export interface Allocation {
  source: 'payment' | 'adjustment';
  id: string;
  amount: number;
  /** Local date the money arrived. */
  day: string;
}

export interface DuePosition {
  dueId: string;
  dueDate: string;
  amount: number;
  allocated: number;
  unpaid: number;
  /** The due date is before asOf: an unpaid remainder is in arrears. */
  pastDue: boolean;
  allocations: Allocation[];
}

/** Amounts are integers in the currency's minor units (see money.ts). */
export interface AccountPosition {
  accountId: string;
  asOf: string;
  currency: string;
  status: AccountStatus;
  principal: number;
  /** What is still owed on the loan: the larger of the principal and the dues posted, less receipts; never negative. */
  balance: number;
  /** Dues past their date and not yet covered. */
  arrears: number;
  /** Receipts not allocated to any posted due; they cover the next dues posted. */
  credit: number;
  /** Date of the oldest due with an unpaid remainder and a date before asOf; null when nothing is past due. */
  oldestUnpaidDueDate: string | null;
  dpd: number;
  bucket: DpdBucket;
  /** The first due on or after asOf with something unpaid: the date pre-due reminders count down to. */
  nextDue: { dueId: string; dueDate: string; unpaid: number } | null;
  dues: DuePosition[];
  totals: { due: number; paid: number; reversed: number; writtenOff: number; waived: number };
}

interface Receipt extends Allocation {
  t: number;
}

/** Payments and adjustments that count as of `asOf`, in time order. A payment reversed by asOf does not count. */
function receiptsAsOf(state: AccountState, asOf: string): { receipts: Receipt[]; reversed: number } {
  const receipts: Receipt[] = [];
  let reversed = 0;
  for (const p of state.payments) {
    if (p.day > asOf) continue;
    if (p.reversal && p.reversal.day <= asOf) reversed += p.amount;
    else receipts.push({ source: 'payment', id: p.paymentId, amount: p.amount, day: p.day, t: Date.parse(p.paidAt) });
  }
  for (const a of state.adjustments)
    if (a.day <= asOf) receipts.push({ source: 'adjustment', id: a.eventId, amount: a.amount, day: a.day, t: Date.parse(a.at) });
  // Same instant: payments first, then by id, so the allocation is one and the same everywhere.
  receipts.sort(
    (a, b) => a.t - b.t || (a.source === b.source ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.source === 'payment' ? -1 : 1),
  );
  return { receipts, reversed };
}

/** The receipts poured over the dues, oldest due first. Returns the dues and what was left over. */
function allocate(state: AccountState, receipts: readonly Receipt[], asOf: string): { dues: DuePosition[]; credit: number } {
  const dues: DuePosition[] = state.dues.map((d) => ({
    dueId: d.dueId,
    dueDate: d.dueDate,
    amount: d.amount,
    allocated: 0,
    unpaid: d.amount,
    pastDue: d.dueDate < asOf,
    allocations: [],
  }));
  let i = 0;
  let credit = 0;
  for (const r of receipts) {
    let left = r.amount;
    while (left > 0 && i < dues.length) {
      const d = dues[i];
      const take = Math.min(left, d.unpaid);
      d.allocations.push({ source: r.source, id: r.id, amount: take, day: r.day });
      d.allocated += take;
      d.unpaid -= take;
      left -= take;
      if (d.unpaid === 0) i++;
    }
    credit += left;
  }
  return { dues, credit };
}

/**
 * The account's position as of `asOf` (YYYY-MM-DD, in the account's own calendar): money that
 * arrived on or before that day counts. Null while the loan has not been opened.
 *
 * A due is past due from the day after its date, so DPD is the number of days from the oldest
 * unpaid past-due date to asOf: 1 the day after, 0 when nothing is past due.
 */
export function accountPosition(state: AccountState, asOf: string): AccountPosition | null {
  if (!isIsoDate(asOf)) throw invalid('asOf', 'must be a date, YYYY-MM-DD');
  assertStateVersion(state);
  const loan = state.loan;
  if (!loan) return null;
  const { receipts, reversed } = receiptsAsOf(state, asOf);
  const { dues, credit } = allocate(state, receipts, asOf);
  const totalDue = dues.reduce((a, d) => a + d.amount, 0);
  const received = receipts.reduce((a, r) => a + r.amount, 0);
  const arrears = dues.reduce((a, d) => a + (d.pastDue ? d.unpaid : 0), 0);
  const oldest = dues.find((d) => d.pastDue && d.unpaid > 0) ?? null;
  const dpd = oldest ? daysBetween(oldest.dueDate, asOf) : 0;
  const next = dues.find((d) => !d.pastDue && d.unpaid > 0) ?? null;
  const balance = Math.max(0, Math.max(loan.principal, totalDue) - received);
  const adjusted = (kind: 'write_off' | 'waiver') =>
    state.adjustments.reduce((a, x) => a + (x.kind === kind && x.day <= asOf ? x.amount : 0), 0);
  const status: AccountStatus =
    state.closed && state.closed.day <= asOf ? 'closed' : balance === 0 ? 'paid_off' : arrears > 0 ? 'delinquent' : 'current';
  return {
    accountId: state.accountId,
    asOf,
    currency: loan.currency,
    status,
    principal: loan.principal,
    balance,
    arrears,
    credit,
    oldestUnpaidDueDate: oldest?.dueDate ?? null,
    dpd,
    bucket: dpdBucket(dpd),
    nextDue: next ? { dueId: next.dueId, dueDate: next.dueDate, unpaid: next.unpaid } : null,
    dues,
    totals: {
      due: totalDue,
      paid: receipts.reduce((a, r) => a + (r.source === 'payment' ? r.amount : 0), 0),
      reversed,
      writtenOff: adjusted('write_off'),
      waived: adjusted('waiver'),
    },
  };
}
