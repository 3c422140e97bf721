/**
 * What a collector reports after working an item, and what it does to the account: pure
 * transitions the store applies atomically (see src/collection/lua/outcome.lua).
 */
import { z } from 'zod';
import type { Policy } from './policy.js';
import { priority } from './priority.js';
import { DAY_MS, type Channel } from './types.js';

export const OutcomeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('contacted') }),
  z.strictObject({ type: z.literal('no_answer') }),
  z.strictObject({ type: z.literal('wrong_number') }),
  z.strictObject({ type: z.literal('paid'), amount: z.number().positive().optional() }),
  z.strictObject({
    type: z.literal('promise_to_pay'),
    amount: z.number().positive(),
    date: z.iso.date('date must be YYYY-MM-DD'),
  }),
  z.strictObject({ type: z.literal('dispute') }),
  z.strictObject({ type: z.literal('cease') }),
]);
export type Outcome = z.infer<typeof OutcomeSchema>;
export const OUTCOME_TYPES = OutcomeSchema.options.map((o) => o.shape.type.value);

/** Kinds of contact-ledger events. */
export type LedgerKind = 'attempt' | 'connected' | 'conversation' | 'message' | 'visit';

export interface OutcomeAccount {
  channel: Channel;
  cadenceDays: number;
  pd: number;
  outstanding: number;
  brokenPromises: number;
}

export interface Transition {
  state: 'queued' | 'paused' | 'blocked' | 'resolved';
  /** Not-before and wake priority, for queued and paused. */
  nb: number;
  wp: number;
  set: Record<string, string>;
  del: string[];
  ledger: LedgerKind[];
}

export class OutcomeError extends Error {
  override name = 'OutcomeError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The ledger events one outcome stands for, by channel. */
export function ledgerKinds(outcome: Outcome['type'], channel: Channel): LedgerKind[] {
  if (channel === 'legal_review') return [];
  if (channel === 'field') return ['visit'];
  if (channel !== 'call') return ['message'];
  if (outcome === 'no_answer' || outcome === 'wrong_number') return ['attempt'];
  return ['attempt', 'connected', 'conversation'];
}

const reachedBorrower = (o: Outcome['type'], channel: Channel) => channel !== 'legal_review' && o !== 'no_answer' && o !== 'wrong_number';

export function planOutcome(
  outcome: Outcome,
  a: OutcomeAccount,
  policy: Pick<Policy, 'priority' | 'promiseGraceDays'>,
  now: number,
): Transition {
  const ledger = ledgerKinds(outcome.type, a.channel);
  const set: Record<string, string> = { lastOutcome: outcome.type };
  const del: string[] = [];
  const lastContactAt = reachedBorrower(outcome.type, a.channel) ? now : null;
  if (lastContactAt !== null) set.lastContactAt = String(lastContactAt);
  const wake = (nb: number, broken: number, contact: number | null) => ({
    nb,
    wp: priority({ pd: a.pd, outstanding: a.outstanding, lastContactAt: contact, brokenPromises: broken, now: nb }, policy.priority),
  });

  switch (outcome.type) {
    case 'contacted':
    case 'no_answer':
    case 'wrong_number': {
      if (outcome.type === 'wrong_number') set.wrongNumber = '1';
      return { state: 'queued', ...wake(now + a.cadenceDays * DAY_MS, a.brokenPromises, lastContactAt), set, del, ledger };
    }
    case 'promise_to_pay': {
      const day = Date.parse(`${outcome.date}T00:00:00Z`);
      if (day + DAY_MS <= now) throw new OutcomeError('outcome.date', 'a promise to pay must be dated today or later');
      if (day > now + 366 * DAY_MS) throw new OutcomeError('outcome.date', 'a promise to pay must be within a year');
      // Wakes after the promised day plus grace; if it wakes at all, the promise was broken.
      const nb = day + (1 + policy.promiseGraceDays) * DAY_MS;
      set.promise = JSON.stringify({ amount: outcome.amount, date: outcome.date });
      return { state: 'paused', ...wake(nb, a.brokenPromises + 1, lastContactAt), set, del, ledger };
    }
    case 'paid':
      del.push('promise');
      return { state: 'resolved', nb: now, wp: 0, set, del, ledger };
    case 'dispute':
      set.dispute = '1';
      return { state: 'blocked', nb: now, wp: 0, set, del, ledger };
    case 'cease':
      set.cease = '1';
      return { state: 'blocked', nb: now, wp: 0, set, del, ledger };
  }
}
