/**
 * Promises to pay, judged by the money that arrives rather than by what a collector reports. A
 * promise is one amount by one date, or a plan of instalments; made at an instant T, it is kept when
 * the payments received from T reach the promised amount by the date plus the grace days.
 */
import { z } from 'zod';
import { addDays, daysBetween, Instant, IsoDate, isIsoDate } from './dates.js';
import { invalid, issuesToDetails, ServicingError, type ServicingIssue } from './errors.js';
import { Amount, minorExponent, toMinor } from './money.js';

export const MAX_INSTALMENTS = 60;

const InstalmentSchema = z.strictObject({ amount: Amount, date: IsoDate });

/** As collectors record it: `{ madeAt, amount, date }` or `{ madeAt, instalments: [{ amount, date }] }`, major units. */
export const PromiseToPaySchema = z
  .strictObject({
    madeAt: Instant,
    amount: Amount.optional(),
    date: IsoDate.optional(),
    instalments: z
      .array(InstalmentSchema)
      .min(1, 'a plan needs at least one instalment')
      .max(MAX_INSTALMENTS, `at most ${MAX_INSTALMENTS} instalments`)
      .optional(),
  })
  .superRefine((p, ctx) => {
    const single = p.amount !== undefined || p.date !== undefined;
    if (single && p.instalments)
      ctx.addIssue({ code: 'custom', path: ['instalments'], message: 'send either amount and date, or instalments, not both' });
    else if (!p.instalments) {
      if (p.amount === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'required (or send instalments)' });
      if (p.date === undefined) ctx.addIssue({ code: 'custom', path: ['date'], message: 'required (or send instalments)' });
    }
    // zod runs this after non-fatal issues too: look only at what is well typed.
    if (!Instant.safeParse(p.madeAt).success || (p.instalments !== undefined && !Array.isArray(p.instalments))) return;
    // madeAt's own date part is the calendar day where the promise was recorded.
    const madeOn = p.madeAt.slice(0, 10);
    if (typeof p.date === 'string' && p.date < madeOn)
      ctx.addIssue({ code: 'custom', path: ['date'], message: `is before the day the promise was made (${madeOn})` });
    p.instalments?.forEach((x, i) => {
      if (typeof x?.date !== 'string') return;
      if (i === 0 && x.date < madeOn)
        ctx.addIssue({ code: 'custom', path: ['instalments', i, 'date'], message: `is before the day the promise was made (${madeOn})` });
      if (i > 0 && x.date <= String(p.instalments![i - 1]?.date))
        ctx.addIssue({ code: 'custom', path: ['instalments', i, 'date'], message: "must be after the previous instalment's date" });
    });
  });
export type PromiseToPayInput = z.input<typeof PromiseToPaySchema>;

/** A promise in ledger form: instalments in date order, amounts in minor units. A single promise is a plan of one. */
export interface PromiseToPay {
  madeAt: string;
  instalments: { date: string; amount: number }[];
}

/** Validates a promise and converts its amounts to the loan currency's minor units; throws naming every bad field. */
export function parsePromise(x: unknown, currency: string): PromiseToPay {
  const r = PromiseToPaySchema.safeParse(x);
  if (!r.success) throw new ServicingError('invalid', issuesToDetails(r.error.issues));
  const p = r.data;
  const raw = p.instalments ?? [{ amount: p.amount!, date: p.date! }];
  const issues: ServicingIssue[] = [];
  const instalments = raw.map((x, i) => {
    const amount = toMinor(x.amount, currency);
    if (amount === null)
      issues.push({
        path: p.instalments ? `instalments.${i}.amount` : 'amount',
        issue: `has more decimals than ${currency} allows (${minorExponent(currency)})`,
      });
    return { date: x.date, amount: amount ?? 0 };
  });
  if (issues.length > 0) throw new ServicingError('invalid', issues);
  return { madeAt: p.madeAt, instalments };
}

export type PromiseStatus = 'pending' | 'kept' | 'partly_kept' | 'broken';

/** What evaluatePromise needs of a payment: PaymentState has it. */
export interface PromisePayment {
  paymentId: string;
  amount: number;
  paidAt: string;
  /** Account-local date of paidAt. */
  day: string;
  reversal: { day: string } | null;
}

export interface InstalmentEvaluation {
  date: string;
  amount: number;
  /** Last day money counts for this instalment: date + grace days. */
  deadline: string;
  /** Money that filled this instalment by its deadline (or so far, while pending). */
  received: number;
  status: PromiseStatus;
}

export interface PromiseEvaluation {
  status: PromiseStatus;
  promised: number;
  /** Payments counted toward the promise as of asOf (all of them, even beyond the amount). */
  received: number;
  /** The last instalment's deadline. */
  deadline: string;
  instalments: InstalmentEvaluation[];
  /** The payments that counted, in time order. */
  paymentIds: string[];
}

export interface PromiseOptions {
  /**
   * Share of an instalment (0..1) that must arrive for it to be partly kept rather than broken.
   * 0, the default, means any money at all.
   */
  minPartShare?: number;
}

/**
 * Evaluates a promise as of `asOf` (YYYY-MM-DD). Payments count when made at or after the
 * promise, on or before asOf and the last deadline, and not reversed by asOf. They fill the
 * instalments oldest first. Each instalment is kept when its share is full by its date + graceDays;
 * after that day it is partly kept (some money) or broken (none, or less than minPartShare); before
 * it, pending. The promise is broken if any instalment is broken, else partly kept if any is,
 * else kept when all are kept, else pending: a plan is judged as soon as one instalment fails.
 */
export function evaluatePromise(
  promise: PromiseToPay,
  payments: readonly PromisePayment[],
  asOf: string,
  graceDays: number,
  options: PromiseOptions = {},
): PromiseEvaluation {
  if (!isIsoDate(asOf)) throw invalid('asOf', 'must be a date, YYYY-MM-DD');
  if (!Number.isInteger(graceDays) || graceDays < 0) throw invalid('graceDays', 'must be a whole number of days, 0 or more');
  const share = options.minPartShare ?? 0;
  if (!(share >= 0 && share <= 1)) throw invalid('minPartShare', 'must be between 0 and 1');
  if (promise.instalments.length === 0) throw invalid('instalments', 'a promise needs at least one instalment');
  const madeMs = Date.parse(promise.madeAt);
  const last = promise.instalments[promise.instalments.length - 1];
  const deadline = addDays(last.date, graceDays);
  const counted = payments
    .filter((p) => Date.parse(p.paidAt) >= madeMs && p.day <= asOf && p.day <= deadline && !(p.reversal && p.reversal.day <= asOf))
    .sort((a, b) => Date.parse(a.paidAt) - Date.parse(b.paidAt) || (a.paymentId < b.paymentId ? -1 : 1));

  let before = 0; // promised by the instalments already evaluated
  const instalments = promise.instalments.map((x): InstalmentEvaluation => {
    const due = addDays(x.date, graceDays);
    const byDeadline = counted.reduce((a, p) => a + (p.day <= due ? p.amount : 0), 0);
    const received = Math.min(x.amount, Math.max(0, byDeadline - before));
    before += x.amount;
    const passed = daysBetween(due, asOf) > 0;
    const status: PromiseStatus =
      received >= x.amount ? 'kept' : !passed ? 'pending' : received > 0 && received >= share * x.amount ? 'partly_kept' : 'broken';
    return { date: x.date, amount: x.amount, deadline: due, received, status };
  });
  const has = (s: PromiseStatus) => instalments.some((x) => x.status === s);
  const status: PromiseStatus = has('broken') ? 'broken' : has('partly_kept') ? 'partly_kept' : has('pending') ? 'pending' : 'kept';
  return {
    status,
    promised: before,
    received: counted.reduce((a, p) => a + p.amount, 0),
    deadline,
    instalments,
    paymentIds: counted.map((p) => p.paymentId),
  };
}
