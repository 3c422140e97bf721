/**
 * The worklist store: per queue, a ready set (by priority), a waiting set (by not-before) and a
 * leased set (by lease expiry); per account, a hash with its current assignment, a capped history
 * list and the contact ledger; plus the audit and outcome streams. Every state change that touches
 * more than one key is one Lua script (./lua); this class only shapes arguments and results.
 */
import type { Redis } from 'ioredis';
import type { LedgerFacts } from '../domain/collection/compliance.js';
import { QUEUES, type Queue } from '../domain/collection/types.js';
import { collectionKeys, type CollectionKeys } from './keys.js';
import { LEDGER_RETENTION_MS, readFacts } from './ledger.js';
import { defineScripts, pipeScript, runScript } from './lua.js';

export type AccountRecord = Record<string, string>;

export interface AssignArgs {
  accountId: string;
  asOf: string;
  queue: Queue;
  plan: 'queued' | 'blocked' | 'resolved';
  nb: number;
  pr: number;
  wpPaused: number;
  clearDispute: boolean;
  /** Flat hash fields describing the assignment (channel, variant, pd, ...). */
  fields: Record<string, string | number>;
  /** Flat audit fields (model, policy, variant, inputsHash, decision, reasons...). */
  audit: Record<string, string | number>;
}

export type AssignResult = 'duplicate' | 'stale' | 'queued' | 'leased' | 'paused' | 'blocked' | 'resolved';

export interface StoreOptions {
  redis: Redis;
  prefix: string;
  historyCap?: number;
  /** Most expired leases / due waiting items moved per claim (bounds one script run). */
  promoteLimit?: number;
}

const str = (v: string | number): string => (typeof v === 'number' ? String(v) : v);
const strs = (o: Record<string, string | number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, str(v)]));

function pairs(flat: string[]): AccountRecord {
  const o: AccountRecord = {};
  for (let i = 0; i < flat.length; i += 2) o[flat[i]] = flat[i + 1];
  return o;
}

export class WorklistStore {
  readonly keys: CollectionKeys;
  readonly redis: Redis;
  private readonly historyCap: number;
  private readonly promoteLimit: number;

  constructor(opts: StoreOptions) {
    this.redis = opts.redis;
    this.keys = collectionKeys(opts.prefix);
    this.historyCap = opts.historyCap ?? 100;
    this.promoteLimit = opts.promoteLimit ?? 1000;
    defineScripts(this.redis);
  }

  async readAccounts(ids: readonly string[]): Promise<Map<string, AccountRecord | null>> {
    const out = new Map<string, AccountRecord | null>();
    if (ids.length === 0) return out;
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.account(id));
    const res = (await pipe.exec()) ?? [];
    ids.forEach((id, i) => {
      const [err, h] = res[i];
      if (err) throw err;
      const rec = h as AccountRecord;
      out.set(id, rec && Object.keys(rec).length ? rec : null);
    });
    return out;
  }

  readFacts(ids: readonly string[], now: number): Promise<Map<string, LedgerFacts>> {
    return readFacts(this.redis, this.keys, ids, now);
  }

  /** Upserts many assignments in one round trip; each one is atomic and idempotent on (accountId, asOf). */
  async assignMany(items: readonly AssignArgs[], now: number): Promise<AssignResult[]> {
    if (items.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const a of items) {
      const payload = {
        asOf: a.asOf,
        queue: a.queue,
        plan: a.plan,
        nb: String(a.nb),
        pr: String(a.pr),
        wp: String(a.pr),
        wpPaused: String(a.wpPaused),
        clearDispute: a.clearDispute,
        fields: strs({ ...a.fields, id: a.accountId }),
      };
      const k = this.keys;
      pipeScript(pipe, 'arrearsAssign', [k.account(a.accountId), k.history(a.accountId), k.audit], [
        k.worklistPrefix,
        now,
        JSON.stringify(payload),
        JSON.stringify(strs(a.audit)),
        this.historyCap,
      ]);
    }
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, r]) => {
      if (err) throw err;
      return r as AssignResult;
    });
  }

  /** Atomically leases up to n items (see claim.lua); the caller re-checks compliance. */
  async claimRaw(queue: Queue, collector: string, n: number, now: number, leaseMs: number): Promise<AccountRecord[]> {
    const k = this.keys;
    const flat = await runScript<(string | string[])[]>(this.redis, 'arrearsClaim', [k.ready(queue), k.waiting(queue), k.leased(queue)], [
      k.accountPrefix,
      now,
      n,
      collector,
      now + leaseMs,
      this.promoteLimit,
    ]);
    const out: AccountRecord[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(pairs(flat[i + 1] as string[]));
    return out;
  }

  /** Returns a leased item the gate refused: to waiting until `nb`, or blocked when nb is null. */
  async release(accountId: string, collector: string, nb: number | null, now: number, audit: Record<string, string | number>, history: object): Promise<boolean> {
    const k = this.keys;
    const r = await runScript<number>(this.redis, 'arrearsRelease', [k.account(accountId), k.history(accountId), k.audit], [
      k.worklistPrefix,
      accountId,
      collector,
      nb === null ? '' : nb,
      now,
      JSON.stringify(strs(audit)),
      JSON.stringify(history),
      this.historyCap,
    ]);
    return r === 1;
  }

  /** Applies an outcome transition; 1 recorded, 0 lease not held by this collector, -1 no such account. */
  async outcome(
    accountId: string,
    collector: string,
    now: number,
    transition: { state: string; nb: number; wp: number; set: Record<string, string>; del: string[] },
    ledger: readonly [number, string][],
    stream: Record<string, string | number>,
    history: object,
  ): Promise<1 | 0 | -1> {
    const k = this.keys;
    return runScript<1 | 0 | -1>(this.redis, 'arrearsOutcome', [k.account(accountId), k.history(accountId), k.ledger(accountId), k.outcomes], [
      k.worklistPrefix,
      accountId,
      collector,
      now,
      JSON.stringify({ ...transition, nb: String(transition.nb), wp: String(transition.wp) }),
      JSON.stringify(ledger.length ? ledger.map(([s, m]) => [String(s), m]) : []),
      LEDGER_RETENTION_MS,
      JSON.stringify(strs(stream)),
      JSON.stringify(history),
      this.historyCap,
    ]);
  }

  /** Audits snapshots refused before scoring (their features do not fit the model). */
  async auditRejected(rejected: readonly { accountId: string; details: { path: string; issue: string }[] }[], model: string, policy: string, now: number): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const r of rejected)
      pipe.xadd(this.keys.audit, 'MAXLEN', '~', '1000000', '*', 'at', String(now), 'event', 'rejected', 'accountId', r.accountId, 'model', model, 'policy', policy, 'reasons', JSON.stringify(r.details));
    await pipe.exec();
  }

  /** Size of every queue: ready (contactable once claimed), waiting (not before a time), leased. */
  async sizes(): Promise<Record<Queue, { ready: number; waiting: number; leased: number }>> {
    const pipe = this.redis.pipeline();
    for (const q of QUEUES) pipe.zcard(this.keys.ready(q)).zcard(this.keys.waiting(q)).zcard(this.keys.leased(q));
    const res = ((await pipe.exec()) ?? []).map(([err, n]) => {
      if (err) throw err;
      return n as number;
    });
    const out = {} as Record<Queue, { ready: number; waiting: number; leased: number }>;
    QUEUES.forEach((q, i) => (out[q] = { ready: res[3 * i], waiting: res[3 * i + 1], leased: res[3 * i + 2] }));
    return out;
  }

  async history(accountId: string, limit = 50): Promise<unknown[]> {
    const rows = await this.redis.lrange(this.keys.history(accountId), 0, limit - 1);
    return rows.map((r) => JSON.parse(r) as unknown);
  }

  /** Reads a stream from `from` (exclusive id, '-' for the start) in pages; yields flat records with their ids. */
  async *readStream(key: 'audit' | 'outcomes', from = '-', page = 1000): AsyncGenerator<{ id: string; fields: Record<string, string> }> {
    let start = from;
    for (;;) {
      const rows = await this.redis.xrange(this.keys[key], start === '-' ? '-' : `(${start}`, '+', 'COUNT', page);
      for (const [id, flat] of rows) yield { id, fields: pairs(flat) };
      if (rows.length < page) return;
      start = rows[rows.length - 1][0];
    }
  }
}
