/**
 * From a scored snapshot to a worklist assignment: the strategy cell, the compliance verdict for
 * acting now, and the priority. Pure: what the store already knows about the account (sticky flags,
 * broken promises, last contact) and the contact history are parameters.
 */
import { checkContact, type GateResult, type LedgerFacts } from './compliance.js';
import { decide, type Decision, type Policy } from './policy.js';
import { priority } from './priority.js';
import type { Snapshot } from './snapshot.js';
import type { AccountFlags } from './types.js';

/** What the store remembers about an account between snapshots. */
export interface KnownAccount {
  /** Set by a cease outcome; never cleared by a snapshot. */
  cease: boolean;
  /** Set by a dispute outcome; a snapshot clears it by sending flags.dispute = false. */
  dispute: boolean;
  brokenPromises: number;
  lastContactAt: number | null;
}

export const UNKNOWN_ACCOUNT: KnownAccount = { cease: false, dispute: false, brokenPromises: 0, lastContactAt: null };

export interface Assignment {
  decision: Decision;
  flags: AccountFlags;
  gate: GateResult;
  /** queued: on the worklist from `nb`; blocked: held off every worklist until a flag clears; resolved: nothing owed. */
  plan: 'queued' | 'blocked' | 'resolved';
  /** Not-before, epoch ms (now when contactable now). */
  nb: number;
  /** Priority now, and if an existing promise-to-pay pause is kept (that promise counts as broken when it wakes). */
  pr: number;
  wpPaused: number;
  clearDispute: boolean;
}

export function mergeFlags(snapshot: Snapshot, known: KnownAccount): AccountFlags {
  const flags: AccountFlags = { ...snapshot.flags };
  if (known.cease) flags.cease = true;
  if (known.dispute && snapshot.flags.dispute !== false) flags.dispute = true;
  return flags;
}

export function planAssignment(
  snapshot: Snapshot,
  pd: number,
  policy: Policy,
  known: KnownAccount,
  facts: LedgerFacts,
  now: number,
): Assignment {
  const flags = mergeFlags(snapshot, known);
  const decision = decide(policy, snapshot.accountId, pd, snapshot.dpd, flags);
  const gate = checkContact(
    { channel: decision.treatment.channel, at: now },
    { jurisdiction: snapshot.jurisdiction, timezone: snapshot.timezone, flags },
    facts,
    policy.compliance,
  );
  const base = { pd, outstanding: snapshot.outstanding, lastContactAt: known.lastContactAt, now };
  const pr = priority({ ...base, brokenPromises: known.brokenPromises }, policy.priority);
  const wpPaused = priority({ ...base, brokenPromises: known.brokenPromises + 1 }, policy.priority);
  const clearDispute = known.dispute && snapshot.flags.dispute === false;
  if (snapshot.outstanding <= 0) return { decision, flags, gate, plan: 'resolved', nb: now, pr: 0, wpPaused: 0, clearDispute };
  const plan = gate.allowed || gate.nextAllowedAt !== null ? 'queued' : 'blocked';
  return { decision, flags, gate, plan, nb: gate.allowed ? now : (gate.nextAllowedAt ?? now), pr, wpPaused, clearDispute };
}
