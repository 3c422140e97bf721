/**
 * What changed for an account between two positions (typically yesterday's close of business and
 * today's): the event the collection side acts on. Pure; the positions carry everything needed.
 */
import { DPD_BUCKETS, type DpdBucket } from '../collection/policy.js';
import { invalid } from './errors.js';
import type { AccountPosition } from './position.js';

export type TransitionKind = 'newly_delinquent' | 'still_delinquent' | 'cured' | 'paid_off' | 'closed' | 'current';

export interface Transition {
  kind: TransitionKind;
  /**
   * Was delinquent and has no arrears now. True for `cured`, and also for a delinquent account that
   * paid off (kind `paid_off`) or whose arrears cleared as it closed: cure rates count all three.
   */
  cured: boolean;
  /** Bucket before (null when there was no previous position) and now. */
  from: DpdBucket | null;
  to: DpdBucket;
  /** The bucket got worse (roll forward), better (roll back), or stayed. */
  roll: 'forward' | 'back' | 'same';
}

/**
 * Classifies the move from `previous` (null: first time seen) to `current`. Precedence: closed, then
 * paid off, then delinquency; so a delinquent account that pays everything is `paid_off` with
 * `cured: true`. Both positions must be for one account, previous no later than current.
 */
export function classify(previous: AccountPosition | null, current: AccountPosition): Transition {
  if (previous && previous.accountId !== current.accountId) throw invalid('accountId', 'the two positions are for different accounts');
  if (previous && previous.asOf > current.asOf) throw invalid('asOf', 'the previous position is dated after the current one');
  const was = previous?.status === 'delinquent';
  const cured = was && current.arrears === 0;
  const from = previous?.bucket ?? null;
  const to = current.bucket;
  const rank = (b: DpdBucket) => DPD_BUCKETS.indexOf(b);
  const roll = from === null || rank(from) === rank(to) ? 'same' : rank(to) > rank(from) ? 'forward' : 'back';
  const kind: TransitionKind =
    current.status === 'closed'
      ? 'closed'
      : current.status === 'paid_off'
        ? 'paid_off'
        : current.status === 'delinquent'
          ? was
            ? 'still_delinquent'
            : 'newly_delinquent'
          : was
            ? 'cured'
            : 'current';
  return { kind, cured, from, to, roll };
}
