/**
 * The collection service: pure domain decisions (policy, compliance gate, priority, outcome
 * transitions) applied to the worklist store. Used by the queue processor (assign) and by the HTTP
 * routes (claim, outcome, account view). Time is always a parameter, so tests control it.
 */
import { hash, randomUUID } from 'node:crypto';
import { planAssignment, UNKNOWN_ACCOUNT, type KnownAccount } from '../domain/collection/assign.js';
import { checkContact, NO_HISTORY } from '../domain/collection/compliance.js';
import { planOutcome, type Outcome } from '../domain/collection/outcomes.js';
import type { Policy } from '../domain/collection/policy.js';
import type { Snapshot } from '../domain/collection/snapshot.js';
import type { Channel, Queue } from '../domain/collection/types.js';
import { ledgerMember } from './ledger.js';
import type { AccountRecord, AssignArgs, AssignResult, AssignState, WorklistStore } from './worklist.js';

/** Stable hash of a snapshot (keys sorted): the audit's proof of exactly which inputs were scored. */
export function inputsHash(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}

/** The definition: JSON.stringify of the value with every object's keys sorted (recursively). */
export function canonicalJsonReference(value: unknown): string {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return JSON.stringify(canon(value));
}

/** Object.keys(v).sort() for the key lists seen last: a chunk's snapshots nearly always share their features' key order. */
const sortedKeyCache: { keys: string[]; sorted: string[] }[] = [];

function sortedKeys(keys: string[]): string[] {
  next: for (const c of sortedKeyCache) {
    if (c.keys.length !== keys.length) continue;
    for (let i = 0; i < keys.length; i++) if (c.keys[i] !== keys[i]) continue next;
    return c.sorted;
  }
  const sorted = [...keys].sort();
  if (sortedKeyCache.length >= 16) sortedKeyCache.pop();
  sortedKeyCache.unshift({ keys, sorted });
  return sorted;
}

const PROTO = Symbol('__proto__ key');

/** The reference's sorted copy, built with loops; PROTO where a `__proto__` key would need defineProperty. */
function sortedCopy(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const a = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = sortedCopy(v[i]);
      if (x === PROTO) return PROTO;
      a[i] = x;
    }
    return a;
  }
  const o: Record<string, unknown> = {};
  for (const k of sortedKeys(Object.keys(v))) {
    if (k === '__proto__') return PROTO;
    const x = sortedCopy((v as Record<string, unknown>)[k]);
    if (x === PROTO) return PROTO;
    o[k] = x;
  }
  return o;
}

/**
 * canonicalJsonReference's output, byte for byte (the same sorted copy, then JSON.stringify), about
 * twice as fast on a snapshot: key orders are sorted once per shape, not once per object.
 */
export function canonicalJson(value: unknown): string {
  const c = sortedCopy(value);
  return c === PROTO ? canonicalJsonReference(value) : JSON.stringify(c);
}

export interface Scored {
  pd: number;
  reasons: { code: string }[];
}

export interface ClaimedItem {
  accountId: string;
  asOf: string;
  queue: Queue;
  channel: Channel;
  cadenceDays: number;
  priority: number;
  pd: number;
  dpd: number;
  outstanding: number;
  jurisdiction: string;
  timezone: string | null;
  variant: string;
  tier: string;
  reasons: string[];
  leaseUntil: number;
  brokenPromises: number;
  model: string;
  policy: string;
}

export type OutcomeResult = { ok: true; state: string } | { ok: false; reason: 'not_found' | 'not_leased' | 'wrong_queue' };

const known = (r: Pick<AssignState, 'cease' | 'dispute' | 'broken' | 'lastContactAt'>): KnownAccount =>
  r.cease === null && r.dispute === null && r.broken === null && r.lastContactAt === null
    ? UNKNOWN_ACCOUNT
    : {
        cease: r.cease === '1',
        dispute: r.dispute === '1',
        brokenPromises: Number(r.broken ?? 0),
        lastContactAt: r.lastContactAt ? Number(r.lastContactAt) : null,
      };

function flagsOf(r: AccountRecord): Record<string, boolean> {
  const flags = (r.flags ? JSON.parse(r.flags) : {}) as Record<string, boolean>;
  if (r.cease === '1') flags.cease = true;
  if (r.dispute === '1') flags.dispute = true;
  return flags;
}

function toItem(r: AccountRecord): ClaimedItem {
  return {
    accountId: r.id,
    asOf: r.asOf,
    queue: r.queue as Queue,
    channel: r.channel as Channel,
    cadenceDays: Number(r.cadence),
    priority: Number(r.pr),
    pd: Number(r.pd),
    dpd: Number(r.dpd),
    outstanding: Number(r.outstanding),
    jurisdiction: r.jurisdiction,
    timezone: r.tz || null,
    variant: r.variant,
    tier: r.tier,
    reasons: r.reasons ? (JSON.parse(r.reasons) as string[]) : [],
    leaseUntil: Number(r.leaseUntil),
    brokenPromises: Number(r.broken ?? 0),
    model: r.model,
    policy: r.policy,
  };
}

export class CollectionService {
  private current: Policy;

  constructor(
    readonly store: WorklistStore,
    policy: Policy,
    readonly leaseMs: number,
  ) {
    this.current = policy;
  }

  /** The policy decisions are made with. Each call below reads it once, so a reload never splits one. */
  get policy(): Policy {
    return this.current;
  }

  /** Swaps in a (validated) policy; calls already running finish on the one they started with. */
  setPolicy(policy: Policy): void {
    this.current = policy;
  }

  /** Assigns scored snapshots (same order as `scored`). Idempotent per (accountId, asOf). */
  async assign(snapshots: readonly Snapshot[], scored: readonly Scored[], model: string, now: number): Promise<AssignResult[]> {
    const pol = this.policy;
    const policy = pol.version;
    const state = await this.store.readAssignState(
      snapshots.map((s) => s.accountId),
      now,
    );
    const args: AssignArgs[] = snapshots.map((s, i) => {
      const pd = scored[i].pd;
      const st = state[i];
      const a = planAssignment(s, pd, pol, known(st), st.facts, now);
      const d = a.decision;
      const reasons = scored[i].reasons.map((r) => r.code);
      return {
        accountId: s.accountId,
        asOf: s.asOf,
        queue: d.queue,
        plan: a.plan,
        nb: a.nb,
        pr: a.pr,
        wpPaused: a.wpPaused,
        clearDispute: a.clearDispute,
        fields: {
          channel: d.treatment.channel,
          cadence: d.treatment.cadenceDays,
          variant: d.variant,
          tier: d.tier,
          bucket: d.bucket,
          override: d.override ?? '',
          pd,
          dpd: s.dpd,
          outstanding: s.outstanding,
          jurisdiction: s.jurisdiction,
          tz: s.timezone ?? '',
          flags: JSON.stringify(a.flags),
          reasons: JSON.stringify(reasons),
          blockReasons: JSON.stringify(a.gate.reasons),
        },
        audit: {
          variant: d.variant,
          inputsHash: inputsHash(s),
          pd,
          priority: a.pr,
          decision: JSON.stringify({
            plan: a.plan,
            queue: d.queue,
            channel: d.treatment.channel,
            cadenceDays: d.treatment.cadenceDays,
            tier: d.tier,
            bucket: d.bucket,
            override: d.override,
            notBefore: a.nb,
          }),
          reasons: JSON.stringify(a.gate.reasons.map((r) => r.code)),
        },
      };
    });
    // Written to every account and audit entry: at, event, model, policy (+ state, accountId, asOf from the script).
    return this.store.assignMany(args, now, { fields: { model, policy }, audit: { at: now, event: 'assign', model, policy } });
  }

  /**
   * Leases up to n items to a collector. Items come off the queue atomically (claim.lua); each one
   * then passes the compliance gate for "now", and any that fails goes back to wait until the gate
   * would allow it, so a collector never receives an item it may not work.
   */
  async claim(queue: Queue, collector: string, n: number, now: number): Promise<ClaimedItem[]> {
    const { compliance, version: decisionPolicy } = this.policy;
    const out: ClaimedItem[] = [];
    for (let round = 0; round < 5 && out.length < n; round++) {
      const want = n - out.length;
      const recs = await this.store.claimRaw(queue, collector, want, now, this.leaseMs);
      if (recs.length === 0) break;
      const facts = await this.store.readFacts(
        recs.map((r) => r.id),
        now,
      );
      for (const r of recs) {
        const gate = checkContact(
          { channel: r.channel as Channel, at: now },
          { jurisdiction: r.jurisdiction, timezone: r.tz || null, flags: flagsOf(r) },
          facts.get(r.id) ?? NO_HISTORY,
          compliance,
        );
        if (gate.allowed) {
          out.push(toItem(r));
          continue;
        }
        const codes = gate.reasons.map((x) => x.code);
        await this.store.release(
          r.id,
          collector,
          gate.nextAllowedAt,
          now,
          {
            at: now,
            event: 'claim_blocked',
            accountId: r.id,
            asOf: r.asOf,
            model: r.model,
            policy: r.policy,
            decisionPolicy,
            variant: r.variant,
            decision: JSON.stringify({ queue, channel: r.channel, notBefore: gate.nextAllowedAt }),
            reasons: JSON.stringify(codes),
          },
          { at: now, event: 'blocked', channel: r.channel, reasons: codes, nextAllowedAt: gate.nextAllowedAt, policy: decisionPolicy },
        );
      }
      if (recs.length < want) break;
    }
    return out;
  }

  /** `reportedBy` is the API key that reported it (a dialer's key may report for many collectors); it defaults to the collector. */
  async recordOutcome(
    queue: Queue,
    accountId: string,
    collector: string,
    outcome: Outcome,
    now: number,
    agency = 'self',
    reportedBy = collector,
  ): Promise<OutcomeResult> {
    const rec = (await this.store.readAccounts([accountId])).get(accountId);
    if (!rec) return { ok: false, reason: 'not_found' };
    if (rec.queue !== queue) return { ok: false, reason: 'wrong_queue' };
    const channel = rec.channel as Channel;
    const pol = this.policy;
    const t = planOutcome(
      outcome,
      {
        channel,
        cadenceDays: Number(rec.cadence),
        pd: Number(rec.pd),
        outstanding: Number(rec.outstanding),
        brokenPromises: Number(rec.broken ?? 0),
      },
      pol,
      now,
    );
    const nonce = randomUUID().slice(0, 8);
    const ledger = t.ledger.map((kind) => [now, ledgerMember(kind, now, agency, nonce)] as [number, string]);
    const extra: Record<string, string | number> =
      outcome.type === 'promise_to_pay'
        ? { amount: outcome.amount, date: outcome.date }
        : outcome.type === 'paid' && outcome.amount
          ? { amount: outcome.amount }
          : {};
    const r = await this.store.outcome(
      accountId,
      collector,
      now,
      t,
      ledger,
      {
        at: now,
        accountId,
        asOf: rec.asOf,
        outcome: outcome.type,
        ...extra,
        collector,
        reportedBy,
        agency,
        queue,
        channel,
        variant: rec.variant,
        model: rec.model,
        // The assignment's policy (its variant and treatment); the next step was planned under decisionPolicy.
        policy: rec.policy,
        decisionPolicy: pol.version,
        pd: rec.pd,
        dpd: rec.dpd,
        outstanding: rec.outstanding,
        tier: rec.tier,
      },
      {
        at: now,
        event: 'outcome',
        outcome: outcome.type,
        ...extra,
        collector,
        reportedBy,
        channel,
        next: t.state,
        nextAt: t.state === 'queued' || t.state === 'paused' ? t.nb : null,
        policy: pol.version,
      },
    );
    if (r === -1) return { ok: false, reason: 'not_found' };
    if (r === 0) return { ok: false, reason: 'not_leased' };
    return { ok: true, state: t.state };
  }

  /** The account's current assignment and its history, or null when unknown. */
  async account(accountId: string): Promise<{ assignment: Record<string, unknown>; history: unknown[] } | null> {
    const rec = (await this.store.readAccounts([accountId])).get(accountId);
    if (!rec) return null;
    const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
    const assignment = {
      accountId,
      asOf: rec.asOf,
      state: rec.state,
      queue: rec.queue,
      channel: rec.channel,
      cadenceDays: num(rec.cadence),
      variant: rec.variant,
      tier: rec.tier,
      bucket: rec.bucket,
      override: rec.override || null,
      pd: num(rec.pd),
      dpd: num(rec.dpd),
      outstanding: num(rec.outstanding),
      priority: num(rec.pr),
      notBefore: num(rec.nb),
      leasedBy: rec.leasedBy ?? null,
      leaseUntil: num(rec.leaseUntil),
      brokenPromises: Number(rec.broken ?? 0),
      promise: rec.promise ? (JSON.parse(rec.promise) as unknown) : null,
      flags: flagsOf(rec),
      blockReasons: rec.blockReasons ? (JSON.parse(rec.blockReasons) as unknown) : [],
      lastOutcome: rec.lastOutcome ?? null,
      lastContactAt: num(rec.lastContactAt),
      model: rec.model,
      policy: rec.policy,
    };
    return { assignment, history: await this.store.history(accountId) };
  }
}
