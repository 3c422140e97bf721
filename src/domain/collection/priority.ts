/**
 * Priority inside a worklist: expected loss at risk (PD x outstanding), discounted for an account
 * that was contacted recently (let the last contact work) and raised for each broken promise (the
 * borrower's word has proved weaker than the model thought).
 */
import type { PriorityParams } from './policy.js';
import { DAY_MS } from './types.js';

export const DEFAULT_PRIORITY: PriorityParams = { recencyDays: 14, recencyFloor: 0.25, brokenPromiseUplift: 0.5, maxBroken: 4 };

export interface PriorityInput {
  pd: number;
  outstanding: number;
  /** Epoch ms of the last contact, or null for none. */
  lastContactAt: number | null;
  brokenPromises: number;
  now: number;
}

/** The multiplier for contact recency: `floor` right after a contact, rising linearly to 1 after `recencyDays`. */
export function recencyFactor(lastContactAt: number | null, now: number, p: PriorityParams = DEFAULT_PRIORITY): number {
  if (lastContactAt === null) return 1;
  const days = Math.max(0, (now - lastContactAt) / DAY_MS);
  return Math.min(1, p.recencyFloor + (1 - p.recencyFloor) * (days / p.recencyDays));
}

export function brokenPromiseFactor(broken: number, p: PriorityParams = DEFAULT_PRIORITY): number {
  return 1 + p.brokenPromiseUplift * Math.min(Math.max(0, broken), p.maxBroken);
}

/** Expected loss at risk, adjusted: the sort key of a worklist (higher first). */
export function priority(input: PriorityInput, p: PriorityParams = DEFAULT_PRIORITY): number {
  const el = Math.max(0, input.pd) * Math.max(0, input.outstanding);
  return el * recencyFactor(input.lastContactAt, input.now, p) * brokenPromiseFactor(input.brokenPromises, p);
}
