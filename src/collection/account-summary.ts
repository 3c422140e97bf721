/**
 * Where the accounts stand now, from their assignment hashes: how many are in each state on each
 * queue, which are blocked and why, and the balances by DPD bucket. Walks the account keys with
 * SCAN (a few fields each, pipelined), so it costs O(accounts) and never blocks Redis: a dashboard
 * figure, not a hot-path one.
 */
import { DPD_BUCKETS } from '../domain/collection/policy.js';
import { QUEUES } from '../domain/collection/types.js';
import type { WorklistStore } from './worklist.js';

/** The states an assignment hash can be in; every queue lists each one, 0 included. */
export const ACCOUNT_STATES = ['queued', 'leased', 'paused', 'blocked', 'resolved'] as const;

export interface BlockedAccount {
  accountId: string;
  queue: string;
  reasons: string[];
  /** When the account last changed (epoch ms), or null. */
  updatedAt: number | null;
}

export interface AccountSummary {
  accounts: number;
  /** queue -> state -> accounts (states: queued, leased, paused, blocked, resolved). */
  states: Record<string, Record<string, number>>;
  blocked: { accounts: number; byReason: { reason: string; accounts: number }[]; sample: BlockedAccount[] };
  /** Accounts still being worked (not resolved) and their outstanding balance, by the bucket of their assignment. */
  balances: { bucket: string; accounts: number; outstanding: number }[];
}

const FIELDS = ['state', 'queue', 'bucket', 'outstanding', 'blockReasons', 'updatedAt'] as const;
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/** The account ids' summary; `sample` lists at most `sampleSize` blocked accounts (ids in order). */
export async function accountSummary(store: WorklistStore, sampleSize = 50): Promise<AccountSummary> {
  const { redis, keys } = store;
  const prefix = keys.accountPrefix;
  const out: AccountSummary = {
    accounts: 0,
    states: Object.fromEntries(QUEUES.map((q) => [q, Object.fromEntries(ACCOUNT_STATES.map((st) => [st, 0]))])),
    blocked: { accounts: 0, byReason: [], sample: [] },
    balances: DPD_BUCKETS.map((bucket) => ({ bucket, accounts: 0, outstanding: 0 })),
  };
  const reasons = new Map<string, number>();
  const blocked: BlockedAccount[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length === 0) continue;
    const pipe = redis.pipeline();
    for (const k of found) pipe.hmget(k, ...FIELDS);
    const res = (await pipe.exec()) ?? [];
    found.forEach((key, i) => {
      const [err, v] = res[i];
      if (err) throw err;
      const [state, queue, bucket, outstanding, blockReasons, updatedAt] = v as (string | null)[];
      if (!state || !queue) return;
      out.accounts++;
      const q = (out.states[queue] ??= {});
      q[state] = (q[state] ?? 0) + 1;
      if (state !== 'resolved') {
        const b = out.balances.find((x) => x.bucket === bucket);
        if (b) {
          b.accounts++;
          b.outstanding += Number(outstanding) || 0;
        }
      }
      if (state === 'blocked') {
        const codes = blockReasons ? (JSON.parse(blockReasons) as { code: string }[]).map((r) => r.code) : [];
        for (const c of new Set(codes)) reasons.set(c, (reasons.get(c) ?? 0) + 1);
        blocked.push({ accountId: key.slice(prefix.length), queue, reasons: codes, updatedAt: updatedAt ? Number(updatedAt) : null });
      }
    });
  } while (cursor !== '0');
  blocked.sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  out.blocked = {
    accounts: blocked.length,
    byReason: [...reasons.entries()]
      .map(([reason, accounts]) => ({ reason, accounts }))
      .sort((a, b) => b.accounts - a.accounts || (a.reason < b.reason ? -1 : 1)),
    sample: blocked.slice(0, sampleSize),
  };
  // Cents add up exactly only in integers; sums of decimal amounts are rounded to the cent.
  for (const b of out.balances) b.outstanding = Math.round(b.outstanding * 100) / 100;
  return out;
}
