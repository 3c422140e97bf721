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
import { factsFromEntries, LEDGER_RETENTION_MS, readFacts } from './ledger.js';
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
  /**
   * Flat hash fields describing the assignment (channel, variant, pd, ...). Every item of one
   * assignMany call has the same keys in the same order: their names travel once per script call.
   */
  fields: Record<string, string | number>;
  /** Flat audit fields (variant, inputsHash, decision, reasons...), under the same rule. The script adds state, accountId and asOf. */
  audit: Record<string, string | number>;
}

/** Fields shared by every item of one assignMany call, sent once (model, policy, ...). */
export interface AssignCommon {
  fields?: Record<string, string | number>;
  audit?: Record<string, string | number>;
}

export type AssignResult = 'duplicate' | 'stale' | 'queued' | 'leased' | 'paused' | 'blocked' | 'resolved';

export interface StoreOptions {
  redis: Redis;
  prefix: string;
  historyCap?: number;
  /** Most expired leases / due waiting items moved per claim (bounds one script run). */
  promoteLimit?: number;
  /** Assignments per assign.lua call: bounds how long one call holds Redis (~20 µs an item). */
  assignBatch?: number;
}

/** What assigning a snapshot needs to know of its account: the sticky fields (null when unset) and its contact ledger. */
export interface AssignState {
  cease: string | null;
  dispute: string | null;
  broken: string | null;
  lastContactAt: string | null;
  facts: LedgerFacts;
}

const str = (v: string | number): string => (typeof v === 'number' ? String(v) : v);
const strs = (o: Record<string, string | number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, str(v)]));

type Arg = string | number;

/** Appends a record as `n, k1, v1, ..., kn, vn`. */
function pushPairs(out: Arg[], o: Record<string, Arg> = {}): void {
  const at = out.length;
  out.push(0);
  let n = 0;
  for (const k in o) {
    out.push(k, o[k]);
    n++;
  }
  out[at] = n;
}

/** Appends a record's values in the order of `names`; throws if its keys are not exactly those. */
function pushValues(out: Arg[], o: Record<string, Arg>, names: readonly string[], what: string): void {
  let i = 0;
  for (const k in o) {
    if (k !== names[i])
      throw new Error(
        `assignMany: every item's ${what} must have the keys ${names.join(', ')} in that order; got ${Object.keys(o).join(', ')}`,
      );
    out.push(o[k]);
    i++;
  }
  if (i !== names.length)
    throw new Error(`assignMany: every item's ${what} must have the keys ${names.join(', ')}; got ${Object.keys(o).join(', ')}`);
}

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
  private readonly assignBatch: number;

  constructor(opts: StoreOptions) {
    this.redis = opts.redis;
    this.keys = collectionKeys(opts.prefix);
    this.historyCap = opts.historyCap ?? 100;
    this.promoteLimit = opts.promoteLimit ?? 1000;
    this.assignBatch = Math.max(1, opts.assignBatch ?? 100);
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

  /** The accounts' sticky fields and contact ledgers, in one round trip (in `ids` order; assign-state.lua). */
  async readAssignState(ids: readonly string[], now: number): Promise<AssignState[]> {
    if (ids.length === 0) return [];
    const k = this.keys;
    const from = now - LEDGER_RETENTION_MS;
    const pipe = this.redis.pipeline();
    for (let i = 0; i < ids.length; i += this.assignBatch) {
      const keys: string[] = [];
      for (const id of ids.slice(i, i + this.assignBatch)) keys.push(k.account(id), k.ledger(id));
      pipeScript(pipe, 'arrearsAssignState', keys, [from]);
    }
    const out: AssignState[] = [];
    for (const [err, r] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      const flat = r as (string | null | string[])[];
      for (let j = 0; j < flat.length; j += 5)
        out.push({
          cease: flat[j] as string | null,
          dispute: flat[j + 1] as string | null,
          broken: flat[j + 2] as string | null,
          lastContactAt: flat[j + 3] as string | null,
          facts: factsFromEntries(flat[j + 4] as string[]),
        });
    }
    return out;
  }

  /**
   * Upserts many assignments in one round trip: assign.lua calls of `assignBatch` items each, in
   * one pipeline. Each assignment is atomic and idempotent on (accountId, asOf). On an error the
   * items before it may have been applied; a retry finds them as duplicates.
   */
  async assignMany(items: readonly AssignArgs[], now: number, common: AssignCommon = {}): Promise<AssignResult[]> {
    if (items.length === 0) return [];
    const k = this.keys;
    const fieldNames = Object.keys(items[0].fields);
    const auditNames = Object.keys(items[0].audit);
    const layout: Arg[] = [fieldNames.length, ...fieldNames, auditNames.length, ...auditNames];
    pushPairs(layout, common.fields);
    pushPairs(layout, common.audit);
    const pipe = this.redis.pipeline();
    for (let from = 0; from < items.length; from += this.assignBatch) {
      const keys: string[] = [k.audit];
      const args: Arg[] = [k.worklistPrefix, now, this.historyCap, ...layout];
      for (let i = from; i < Math.min(items.length, from + this.assignBatch); i++) {
        const a = items[i];
        keys.push(k.account(a.accountId), k.history(a.accountId));
        args.push(a.accountId, a.asOf, a.queue, a.plan, a.nb, a.pr, a.wpPaused, a.clearDispute ? '1' : '0');
        pushValues(args, a.fields, fieldNames, 'fields');
        pushValues(args, a.audit, auditNames, 'audit');
      }
      pipeScript(pipe, 'arrearsAssign', keys, args);
    }
    const res = (await pipe.exec()) ?? [];
    const out: AssignResult[] = [];
    for (const [err, r] of res) {
      if (err) throw err;
      for (const x of r as AssignResult[]) out.push(x);
    }
    return out;
  }

  /** Atomically leases up to n items (see claim.lua); the caller re-checks compliance. */
  async claimRaw(queue: Queue, collector: string, n: number, now: number, leaseMs: number): Promise<AccountRecord[]> {
    const k = this.keys;
    const flat = await runScript<(string | string[])[]>(
      this.redis,
      'arrearsClaim',
      [k.ready(queue), k.waiting(queue), k.leased(queue)],
      [k.accountPrefix, now, n, collector, now + leaseMs, this.promoteLimit],
    );
    const out: AccountRecord[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(pairs(flat[i + 1] as string[]));
    return out;
  }

  /** Returns a leased item the gate refused: to waiting until `nb`, or blocked when nb is null. */
  async release(
    accountId: string,
    collector: string,
    nb: number | null,
    now: number,
    audit: Record<string, string | number>,
    history: object,
  ): Promise<boolean> {
    const k = this.keys;
    const r = await runScript<number>(
      this.redis,
      'arrearsRelease',
      [k.account(accountId), k.history(accountId), k.audit],
      [
        k.worklistPrefix,
        accountId,
        collector,
        nb === null ? '' : nb,
        now,
        JSON.stringify(strs(audit)),
        JSON.stringify(history),
        this.historyCap,
      ],
    );
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
    return runScript<1 | 0 | -1>(
      this.redis,
      'arrearsOutcome',
      [k.account(accountId), k.history(accountId), k.ledger(accountId), k.outcomes],
      [
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
      ],
    );
  }

  /** Audits snapshots refused before scoring (their features do not fit the model). */
  async auditRejected(
    rejected: readonly { accountId: string; details: { path: string; issue: string }[] }[],
    model: string,
    policy: string,
    now: number,
  ): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const r of rejected)
      pipe.xadd(
        this.keys.audit,
        'MAXLEN',
        '~',
        '1000000',
        '*',
        'at',
        String(now),
        'event',
        'rejected',
        'accountId',
        r.accountId,
        'model',
        model,
        'policy',
        policy,
        'reasons',
        JSON.stringify(r.details),
      );
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
