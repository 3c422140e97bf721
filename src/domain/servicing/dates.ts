/**
 * Calendar days for the ledger. Dues fall on dates (YYYY-MM-DD); payments arrive at instants.
 * An instant is turned into the account's local date once, when it is applied, so every later
 * question ("was it paid by the 5th?") is a comparison of date strings: exact, and the same on
 * every machine whatever its own zone.
 */
import { z } from 'zod';
import { localParts } from '../collection/localtime.js';
import { DAY_MS } from '../collection/types.js';

/** YYYY-MM-DD, a real calendar day. */
export const IsoDate = z.iso.date('must be a date, YYYY-MM-DD');
/** ISO 8601 instant with an explicit offset (Z or +hh:mm): a local time without one is ambiguous. */
export const Instant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-05-12T09:30:00+08:00',
});

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The calendar date of `ms` in zone `tz`. */
export function localDate(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / DAY_MS;

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from);

/** The date `n` days after `d`. */
export function addDays(d: string, n: number): string {
  const t = new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY_MS);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export const isIsoDate = (d: unknown): d is string => typeof d === 'string' && IsoDate.safeParse(d).success;
