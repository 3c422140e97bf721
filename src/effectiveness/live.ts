/**
 * Strategy results and dashboard figures from the live event history: assignments (audit stream),
 * collector outcomes (outcome stream), payments, cures and promise judgements (servicing feed).
 * Pure: the history comes in as typed records (src/collection/strategy-results.ts reads them from
 * Redis), so the same figures can be recomputed from any export of the streams.
 *
 * The unit is the account, as the stable-hash assignment randomises accounts: an account enters the
 * cohort with its first assignment inside the window, and everything after that (until the window
 * closes) is credited to the arm (policy version x variant) of that first assignment.
 */
import { DPD_BUCKETS } from '../domain/collection/policy.js';
import {
  type ArmMetrics,
  type Comparison,
  type Estimate,
  type GroupResult,
  type MetricName,
  type RateEstimate,
  type ResultRecord,
  type SliceBy,
  strategyResults,
  wilson,
} from './stats.js';

/** [since, until) in epoch ms. */
export interface Window {
  since: number;
  until: number;
}

/** One assignment decision (audit `event: assign`). */
export interface AssignmentEvent {
  accountId: string;
  at: number;
  policyVersion: string;
  variant: string;
  queue: string;
  bucket: string;
  /** The state the assignment left the account in (queued, blocked, resolved...). */
  state: string;
  /** Compliance gate reason codes at assignment. */
  reasons: string[];
}

/** One outcome a collector reported (outcome stream). */
export interface OutcomeEvent {
  accountId: string;
  at: number;
  outcome: string;
  collector: string;
  queue: string;
  channel: string;
  variant: string;
  policyVersion: string;
}

/** One payment the servicing feed applied, with the collection context it was attributed to. */
export interface PaymentRecord {
  accountId: string;
  /** Major units of the loan currency. */
  amount: number;
  /** When the money was paid (epoch ms). */
  at: number;
  variant: string | null;
  policyVersion: string | null;
  modelVersion: string | null;
}

/** An account leaving the worklists because the feed shows it cured, paid off or closed. */
export interface CureRecord {
  accountId: string;
  at: number;
  cause: string;
}

/** A promise to pay judged by the feed's payments: kept, partly_kept, broken, ... */
export interface PromiseJudgement {
  accountId: string;
  at: number;
  status: string;
  kind: string;
}

/** A compliance block: an assignment the gate held, or a claim it refused. */
export interface BlockEvent {
  accountId: string;
  at: number;
  event: string;
  reasons: string[];
}

export interface LiveHistory {
  assignments: AssignmentEvent[];
  outcomes: OutcomeEvent[];
  payments: PaymentRecord[];
  cures: CureRecord[];
  judgements: PromiseJudgement[];
  blocks: BlockEvent[];
  /** Whether the servicing feed's payment log exists: without it kept, cure and recovery cannot be known. */
  feed: boolean;
}

/** Outcomes that mean someone answered; `no_answer` is an attempt only. */
const CONNECTED = new Set(['contacted', 'wrong_number', 'promise_to_pay', 'paid', 'dispute', 'cease']);
/** Outcomes that mean the borrower was reached (a wrong number reached someone else). */
const RIGHT_PARTY = new Set(['contacted', 'promise_to_pay', 'paid', 'dispute', 'cease']);
/** Causes that count as a cure: the arrears were paid (closed without payment is not one). */
const CURE_CAUSES = new Set(['cured', 'paid_off']);

const bucketRank = (b: string) => (DPD_BUCKETS as readonly string[]).indexOf(b);
const inWindow = (at: number, w: Window) => at >= w.since && at < w.until;

function byAccount<T extends { accountId: string; at: number }>(rows: readonly T[], w: Window): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    if (!inWindow(r.at, w)) continue;
    const list = m.get(r.accountId);
    if (list) list.push(r);
    else m.set(r.accountId, [r]);
  }
  for (const list of m.values()) list.sort((a, b) => a.at - b.at);
  return m;
}

export interface AccountResult extends ResultRecord {
  accountId: string;
  /** When the account entered the cohort (its first assignment in the window). */
  entryAt: number;
}

/**
 * One record per account assigned in the window, for src/effectiveness/stats.ts. Without the feed,
 * promiseKept, cured and recovered are false / 0 here and the report marks those metrics unknown.
 */
export function accountResults(h: LiveHistory, w: Window): AccountResult[] {
  const assigns = byAccount(h.assignments, w);
  const outcomes = byAccount(h.outcomes, w);
  const payments = byAccount(h.payments, w);
  const cures = byAccount(h.cures, w);
  const judgements = byAccount(h.judgements, w);
  const out: AccountResult[] = [];
  for (const [accountId, list] of assigns) {
    const entry = list[0];
    const after = <T extends { at: number }>(rows: T[] | undefined) => (rows ?? []).filter((r) => r.at >= entry.at);
    const worked = after(outcomes.get(accountId)).filter((o) => o.channel !== 'legal_review');
    const contacted = worked.some((o) => CONNECTED.has(o.outcome));
    const promised = worked.some((o) => o.outcome === 'promise_to_pay');
    out.push({
      accountId,
      entryAt: entry.at,
      variant: entry.variant,
      policyVersion: entry.policyVersion,
      queue: entry.queue,
      bucket: entry.bucket,
      contacted,
      rightPartyContact: worked.some((o) => RIGHT_PARTY.has(o.outcome)),
      promised,
      promiseKept: promised && after(judgements.get(accountId)).some((j) => j.status === 'kept'),
      cured: after(cures.get(accountId)).some((c) => CURE_CAUSES.has(c.cause)),
      rolled: list.some((a) => bucketRank(a.bucket) > bucketRank(entry.bucket)),
      recovered: after(payments.get(accountId)).reduce((s, p) => s + p.amount, 0),
      contacts: worked.length,
    });
  }
  return out.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
}

/** Metrics the servicing feed alone can give. */
export const FEED_METRICS = ['keptRate', 'cureRate', 'recoveredPerAccount', 'recoveredPerContact'] as const satisfies readonly MetricName[];

const UNKNOWN: Estimate = { value: null, lower: null, upper: null };

/** Marks the feed's metrics unknown (0 trials, null figures): never a 0% kept or cure rate that nobody measured. */
function withoutFeed(m: ArmMetrics): ArmMetrics {
  return {
    ...m,
    keptRate: wilson(0, 0),
    cureRate: wilson(0, 0),
    recoveredPerAccount: { ...UNKNOWN, n: 0, sd: null, se: null },
    recoveredPerContact: { ...UNKNOWN, numerator: 0, denominator: 0, n: 0, se: null },
  };
}

export interface SliceResults {
  groups: GroupResult[];
  comparisons: Comparison[];
}

export interface StrategyReport {
  window: { since: string; until: string };
  champion: string;
  /** Which sources were read and how many of their entries fell in the window. */
  sources: { assignments: number; outcomes: number; payments: number | null; cures: number | null; judgements: number | null };
  notes: string[];
  accounts: number;
  overall: SliceResults;
  byBucket: SliceResults;
  byQueue: SliceResults;
  byQueueAndBucket: SliceResults;
}

export interface ReportOptions {
  /** The champion variant's name (default `champion`). */
  champion?: string;
}

function slice(records: ResultRecord[], champion: string, by: SliceBy[], feed: boolean): SliceResults {
  const r = strategyResults(records, { champion, by });
  if (feed) return r;
  return {
    groups: r.groups.map((g) => ({ ...g, metrics: withoutFeed(g.metrics) })),
    comparisons: r.comparisons.map((c) => {
      const differences = { ...c.differences };
      for (const m of FEED_METRICS) differences[m] = { ...UNKNOWN };
      return { ...c, differences };
    }),
  };
}

/** Strategy results per policy version x variant, overall and by DPD bucket, queue, and both. */
export function strategyReport(h: LiveHistory, w: Window, opts: ReportOptions = {}): StrategyReport {
  const champion = opts.champion ?? 'champion';
  const accounts = accountResults(h, w);
  const records: ResultRecord[] = accounts.map(({ accountId: _a, entryAt: _e, ...r }) => r);
  const count = (rows: { at: number }[]) => rows.filter((r) => inWindow(r.at, w)).length;
  const notes: string[] = [];
  if (!h.feed)
    notes.push('no servicing feed payment log under this prefix: kept rate, cure rate and recovery report 0 accounts (unknown, not zero)');
  if (accounts.length === 0) notes.push('no account was assigned in the window');
  const names = new Set(accounts.map((a) => a.variant));
  if (accounts.length && !names.has(champion))
    notes.push(`no account in the window is in the champion variant "${champion}": no comparison can be made`);
  notes.push(
    'accounts enter the cohort at their first assignment in the window; queue slices compare accounts each variant chose to send there, so only the overall and bucket differences keep the randomisation',
  );
  return {
    window: { since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString() },
    champion,
    sources: {
      assignments: count(h.assignments),
      outcomes: count(h.outcomes),
      payments: h.feed ? count(h.payments) : null,
      cures: h.feed ? count(h.cures) : null,
      judgements: h.feed ? count(h.judgements) : null,
    },
    notes,
    accounts: accounts.length,
    overall: slice(records, champion, [], h.feed),
    byBucket: slice(records, champion, ['bucket'], h.feed),
    byQueue: slice(records, champion, ['queue'], h.feed),
    byQueueAndBucket: slice(records, champion, ['queue', 'bucket'], h.feed),
  };
}

export interface DayRates {
  /** UTC day of entry, YYYY-MM-DD. */
  day: string;
  accounts: number;
  rollRate: RateEstimate;
  /** Null figures without the servicing feed. */
  cureRate: RateEstimate;
}

/** Roll and cure rates of each day's entering cohort (UTC days), oldest first. */
export function ratesByDay(h: LiveHistory, w: Window): DayRates[] {
  const days = new Map<string, AccountResult[]>();
  for (const a of accountResults(h, w)) {
    const day = new Date(a.entryAt).toISOString().slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), a]);
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, rows]) => ({
      day,
      accounts: rows.length,
      rollRate: wilson(rows.filter((r) => r.rolled).length, rows.length),
      cureRate: h.feed ? wilson(rows.filter((r) => r.cured).length, rows.length) : wilson(0, 0),
    }));
}

export interface BlockCount {
  reason: string;
  /** Assignments the gate held (waiting or blocked) for this reason. */
  assignments: number;
  /** Claims the gate refused for this reason. */
  claims: number;
  accounts: number;
}

/** Compliance blocks in the window by reason code, most frequent first. */
export function complianceBlocks(h: LiveHistory, w: Window): BlockCount[] {
  const m = new Map<string, { assignments: number; claims: number; accounts: Set<string> }>();
  for (const b of h.blocks) {
    if (!inWindow(b.at, w)) continue;
    for (const reason of new Set(b.reasons)) {
      const c = m.get(reason) ?? { assignments: 0, claims: 0, accounts: new Set<string>() };
      if (b.event === 'claim_blocked') c.claims++;
      else c.assignments++;
      c.accounts.add(b.accountId);
      m.set(reason, c);
    }
  }
  return [...m.entries()]
    .map(([reason, c]) => ({ reason, assignments: c.assignments, claims: c.claims, accounts: c.accounts.size }))
    .sort((a, b) => b.assignments + b.claims - (a.assignments + a.claims) || (a.reason < b.reason ? -1 : 1));
}

export interface AgentActivity {
  collector: string;
  /** Items worked: every reported outcome follows a claim. */
  worked: number;
  /** Outcomes where someone answered. */
  contacts: number;
  rightPartyContacts: number;
  promises: number;
  /** Of this collector's promises, those the feed judged kept (null without the feed). */
  kept: number | null;
}

/** Per collector, in the window. A kept promise is credited to the collector who took the last promise before its judgement. */
export function agentActivity(h: LiveHistory, w: Window): AgentActivity[] {
  const m = new Map<string, AgentActivity>();
  const get = (collector: string) => {
    let a = m.get(collector);
    if (!a) m.set(collector, (a = { collector, worked: 0, contacts: 0, rightPartyContacts: 0, promises: 0, kept: h.feed ? 0 : null }));
    return a;
  };
  const promisesByAccount = new Map<string, OutcomeEvent[]>();
  for (const o of h.outcomes) {
    if (!inWindow(o.at, w)) continue;
    const a = get(o.collector);
    a.worked++;
    if (CONNECTED.has(o.outcome)) a.contacts++;
    if (RIGHT_PARTY.has(o.outcome)) a.rightPartyContacts++;
    if (o.outcome === 'promise_to_pay') {
      a.promises++;
      promisesByAccount.set(o.accountId, [...(promisesByAccount.get(o.accountId) ?? []), o]);
    }
  }
  if (h.feed)
    for (const j of h.judgements) {
      if (!inWindow(j.at, w) || j.status !== 'kept') continue;
      const before = (promisesByAccount.get(j.accountId) ?? []).filter((p) => p.at <= j.at).sort((a, b) => b.at - a.at);
      if (before.length) {
        const a = get(before[0].collector);
        a.kept = (a.kept ?? 0) + 1;
      }
    }
  return [...m.values()].sort((a, b) => b.worked - a.worked || (a.collector < b.collector ? -1 : 1));
}
