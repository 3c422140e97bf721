/**
 * The contact ledger: per account, a sorted set of contact events scored by epoch ms. Outcomes write
 * it inside outcome.lua; this module encodes members and reads them back as the compliance gate's
 * LedgerFacts.
 */
import type { Redis } from 'ioredis';
import type { LedgerFacts } from '../domain/collection/compliance.js';
import type { LedgerKind } from '../domain/collection/outcomes.js';
import type { CollectionKeys } from './keys.js';

export const LEDGER_RETENTION_MS = 30 * 86_400_000;

/** Member: `kind|ts|agency|nonce`: unique, and readable without a second lookup. */
export function ledgerMember(kind: LedgerKind, at: number, agency: string, nonce: string): string {
  return `${kind}|${at}|${agency}|${nonce}`;
}

export function factsFromEntries(entries: readonly string[]): LedgerFacts {
  const callAttempts: number[] = [];
  const connectedCalls: number[] = [];
  let lastConversationAt: number | null = null;
  for (const m of entries) {
    const [kind, ts] = m.split('|');
    const t = Number(ts);
    if (kind === 'attempt') callAttempts.push(t);
    else if (kind === 'connected') connectedCalls.push(t);
    else if (kind === 'conversation' && (lastConversationAt === null || t > lastConversationAt)) lastConversationAt = t;
  }
  return { callAttempts, connectedCalls, lastConversationAt };
}

/** Ledger facts for many accounts in one round trip. */
export async function readFacts(
  redis: Redis,
  keys: CollectionKeys,
  ids: readonly string[],
  now: number,
): Promise<Map<string, LedgerFacts>> {
  const out = new Map<string, LedgerFacts>();
  if (ids.length === 0) return out;
  const pipe = redis.pipeline();
  for (const id of ids) pipe.zrangebyscore(keys.ledger(id), now - LEDGER_RETENTION_MS, '+inf');
  const res = (await pipe.exec()) ?? [];
  ids.forEach((id, i) => {
    const [err, entries] = res[i] ?? [null, []];
    if (err) throw err;
    out.set(id, factsFromEntries(entries as string[]));
  });
  return out;
}

/** Records contacts made outside this service (another agency's calls count toward CN's daily cap). */
export async function recordExternalContacts(
  redis: Redis,
  keys: CollectionKeys,
  accountId: string,
  events: readonly { kind: LedgerKind; at: number; agency: string }[],
  now: number,
): Promise<void> {
  const k = keys.ledger(accountId);
  const pipe = redis.multi();
  events.forEach((e, i) => pipe.zadd(k, e.at, ledgerMember(e.kind, e.at, e.agency, `x${now}-${i}`)));
  pipe.zremrangebyscore(k, '-inf', now - LEDGER_RETENTION_MS);
  pipe.pexpire(k, LEDGER_RETENTION_MS);
  await pipe.exec();
}
