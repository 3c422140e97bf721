/**
 * Every Redis key this service owns is built here, and only here (the Lua scripts derive the few
 * keys they cannot receive from the prefixes this module hands them; see each script's header).
 *
 * All worklist keys share one hash tag, `{<prefix>}`, so a multi-key Lua script stays in one slot
 * on a Redis Cluster. BullMQ's keys get their own tag (`{<prefix>:bull}`): nothing updates a queue
 * and a worklist in the same script, so they may live in different slots.
 */
import type { Redis } from 'ioredis';
import type { Queue } from '../domain/collection/types.js';

const tagged = (prefix: string): string => (/\{.+\}/.test(prefix) ? prefix : `{${prefix}}`);

export interface CollectionKeys {
  /** The hash-tagged root, e.g. `{arrears}`. */
  readonly root: string;
  /** The account's current assignment (one hash per account: an account is on at most one worklist). */
  account(id: string): string;
  /** Prefix the Lua scripts prepend to an account id. */
  readonly accountPrefix: string;
  /** Newest-first JSON events of one account (assignments, blocks, claims, outcomes), capped. */
  history(id: string): string;
  /** Contact ledger of one account: a sorted set of contact events scored by epoch ms. */
  ledger(id: string): string;
  /** Worklist sorted sets: ready (score = priority), waiting (score = not-before ms), leased (score = lease expiry ms). */
  ready(q: Queue): string;
  waiting(q: Queue): string;
  leased(q: Queue): string;
  /** Prefix the Lua scripts use to reach another queue's sets: `${worklistPrefix}${queue}:ready`. */
  readonly worklistPrefix: string;
  /** Audit stream: every decision with model, policy, variant, inputs hash and block reasons. */
  readonly audit: string;
  /** Outcome log stream: every outcome, the source of new training labels. */
  readonly outcomes: string;
  /** Glob matching every key above (tests and tear-down). */
  readonly pattern: string;
}

export function collectionKeys(prefix: string): CollectionKeys {
  const root = tagged(prefix);
  const worklistPrefix = `${root}:wl:`;
  return {
    root,
    account: (id) => `${root}:acct:${id}`,
    accountPrefix: `${root}:acct:`,
    history: (id) => `${root}:hist:${id}`,
    ledger: (id) => `${root}:ledger:${id}`,
    ready: (q) => `${worklistPrefix}${q}:ready`,
    waiting: (q) => `${worklistPrefix}${q}:waiting`,
    leased: (q) => `${worklistPrefix}${q}:leased`,
    worklistPrefix,
    audit: `${root}:audit`,
    outcomes: `${root}:outcomes`,
    pattern: `${root}:*`,
  };
}

/**
 * The pub/sub channel on which a promotion is announced (src/model/announcements.ts). A channel, not
 * a key, so it carries no hash tag: it keeps the name every running instance already listens on.
 */
export const modelsChannel = (prefix: string): string => `${prefix}:models`;

/** BullMQ's `prefix` option: its own hash tag, so each queue's keys share a slot. */
export const bullPrefix = (prefix: string): string => `{${prefix.replace(/[{}]/g, '')}:bull}`;

/**
 * Deletes every key whose name contains `prefix`: the worklist keys (`{prefix}:...`) and BullMQ's
 * (`{prefix:bull}:...`). For tests, demos and decommissioning a deployment's prefix.
 */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) n += await redis.del(...keys);
  } while (cursor !== '0');
  return n;
}
