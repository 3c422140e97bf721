/**
 * The cap on how many keys a request's `features` object may hold, checked before any schema runs.
 * A schema copies what it parses, so a body of 200,000 unknown keys would cost the event loop a
 * quarter of a second per parse; counting stops one key past the cap, so refusing it costs little.
 */
import { ApiError, type ErrorDetail } from './errors.js';

/** Most over-the-cap items a batch refusal names one by one. */
const MAX_NAMED_ITEMS = 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `v` is an object with more than `limit` keys. */
export function overKeyCap(v: unknown, limit: number): boolean {
  if (!isObject(v)) return false;
  let n = 0;
  for (const _ in v) if (++n > limit) return true;
  return false;
}

/**
 * Throws a 400 naming `features` (or `items.N.features`) when a body, or any item of a batch body,
 * carries more than `limit` feature keys. Anything else about the body is left to its schema.
 */
export function assertFeatureKeyCap(body: unknown, limit: number, what = 'features per borrower'): void {
  if (!isObject(body)) return;
  const issue = `at most ${limit} ${what}`;
  const details: ErrorDetail[] = [];
  if (overKeyCap(body.features, limit)) details.push({ path: 'features', issue });
  const items = body.items;
  if (Array.isArray(items)) {
    let over = 0;
    for (let i = 0; i < items.length; i++) {
      if (!isObject(items[i]) || !overKeyCap(items[i].features, limit)) continue;
      if (++over <= MAX_NAMED_ITEMS) details.push({ path: `items.${i}.features`, issue });
    }
    if (over > MAX_NAMED_ITEMS) details.push({ path: 'items', issue: `${over - MAX_NAMED_ITEMS} more items over ${limit} ${what}` });
  }
  if (details.length) throw new ApiError('ARREARS_VALIDATION', `too many features: ${issue}`, details);
}
