/**
 * Reads the live event history out of Redis for src/effectiveness/live.ts: the audit stream
 * (assignments, compliance blocks, cures, promise judgements), the outcome stream and the servicing
 * feed's payment log; and the current account hashes (worklist states, blocks, balances).
 *
 * Entries are filtered by their own `at` field, not by stream id: `at` is the service's clock (which
 * a replay or a test may set), the id only the moment Redis stored it. So every read walks the
 * whole stream, which the MAXLEN caps of the writers bound. An entry that cannot be parsed is
 * counted in `skipped`, never silently dropped.
 */
import type { Redis } from 'ioredis';
import { type LiveHistory, type ReportOptions, type StrategyReport, strategyReport, type Window } from '../effectiveness/live.js';
import type { CollectionKeys } from './keys.js';
import type { WorklistStore } from './worklist.js';

/** The payment log stream: keys.payments where the servicing store defines it, under the same name otherwise. */
export const paymentsKey = (keys: CollectionKeys): string => (keys as { payments?: string }).payments ?? `${keys.root}:payments`;

function pairs(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) o[flat[i]] = flat[i + 1];
  return o;
}

async function* readAll(redis: Redis, key: string, page = 1000): AsyncGenerator<Record<string, string>> {
  let start = '-';
  for (;;) {
    const rows = await redis.xrange(key, start, '+', 'COUNT', page);
    for (const [, flat] of rows) yield pairs(flat);
    if (rows.length < page) return;
    start = `(${rows[rows.length - 1][0]}`;
  }
}

const codes = (raw: string | undefined): string[] => {
  if (!raw) return [];
  const v = JSON.parse(raw) as unknown;
  if (!Array.isArray(v)) throw new Error('reasons is not a JSON array');
  return v.map((r) => (typeof r === 'string' ? r : String((r as { code?: unknown }).code)));
};

const num = (v: string | undefined, field: string): number => {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n)) throw new Error(`${field} is not a number`);
  return n;
};

export interface ReadHistory extends LiveHistory {
  /** Entries that could not be parsed, per stream, with the first problem seen. */
  skipped: { stream: string; count: number; example: string }[];
}

/** The whole history under the store's prefix; live.ts applies the window. */
export async function readLiveHistory(store: WorklistStore): Promise<ReadHistory> {
  const h: ReadHistory = { assignments: [], outcomes: [], payments: [], cures: [], judgements: [], blocks: [], feed: false, skipped: [] };
  const skip = new Map<string, { count: number; example: string }>();
  const guard = (stream: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      const s = skip.get(stream) ?? { count: 0, example: (e as Error).message };
      s.count++;
      skip.set(stream, s);
    }
  };
  const { redis, keys } = store;
  for await (const f of readAll(redis, keys.audit))
    guard('audit', () => {
      const at = num(f.at, 'at');
      if (f.event === 'assign') {
        const d = JSON.parse(f.decision ?? '{}') as { queue?: string; bucket?: string };
        if (!f.accountId || !f.variant || !f.policy || !d.queue || !d.bucket)
          throw new Error('assign entry lacks accountId, variant, policy or decision.queue/bucket');
        const reasons = codes(f.reasons);
        h.assignments.push({
          accountId: f.accountId,
          at,
          policyVersion: f.policy,
          variant: f.variant,
          queue: d.queue,
          bucket: d.bucket,
          state: f.state ?? '',
          reasons,
        });
        if (reasons.length) h.blocks.push({ accountId: f.accountId, at, event: 'assign', reasons });
      } else if (f.event === 'claim_blocked') {
        h.blocks.push({ accountId: f.accountId, at, event: f.event, reasons: codes(f.reasons) });
      } else if (f.event === 'cure') {
        h.cures.push({ accountId: f.accountId, at, cause: f.cause ?? '' });
      } else if (f.event === 'promise_judged') {
        h.judgements.push({ accountId: f.accountId, at, status: f.status ?? '', kind: f.kind ?? '' });
      }
    });
  for await (const f of readAll(redis, keys.outcomes))
    guard('outcomes', () => {
      if (!f.accountId || !f.outcome) throw new Error('outcome entry lacks accountId or outcome');
      h.outcomes.push({
        accountId: f.accountId,
        at: num(f.at, 'at'),
        outcome: f.outcome,
        collector: f.collector ?? '',
        queue: f.queue ?? '',
        channel: f.channel ?? '',
        variant: f.variant ?? '',
        policyVersion: f.policy ?? '',
      });
    });
  const pay = paymentsKey(keys);
  const feedLog = (await redis.exists(pay)) === 1;
  for await (const f of readAll(redis, pay))
    guard('payments', () => {
      if (!f.accountId) throw new Error('payment entry lacks accountId');
      const paid = f.paidAt ? Date.parse(f.paidAt) : Number.NaN;
      h.payments.push({
        accountId: f.accountId,
        amount: num(f.amount, 'amount'),
        // When the money was paid, not when the feed delivered it.
        at: Number.isFinite(paid) ? paid : num(f.at, 'at'),
        variant: f.variant || null,
        policyVersion: f.policy || null,
        modelVersion: f.model || null,
      });
    });
  h.feed = feedLog || h.cures.length > 0 || h.judgements.length > 0;
  h.skipped = [...skip.entries()].map(([stream, s]) => ({ stream, ...s }));
  return h;
}

/** GET /v1/strategy/results and `npm run strategy:report`: one function for both. */
export async function liveStrategyReport(store: WorklistStore, w: Window, opts: ReportOptions = {}): Promise<StrategyReport> {
  const h = await readLiveHistory(store);
  const report = strategyReport(h, w, opts);
  for (const s of h.skipped) report.notes.push(`${s.count} ${s.stream} entries could not be read and were left out (first: ${s.example})`);
  return report;
}

/** A window from optional ISO dates or instants: until defaults to now, since to 30 days before until. */
export function parseWindow(since: string | undefined, until: string | undefined, now: number): Window {
  const at = (name: string, v: string) => {
    const t = Date.parse(v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v) || !Number.isFinite(t))
      throw new WindowError(name, `"${v}" is not an ISO 8601 date (YYYY-MM-DD) or date-time`);
    return t;
  };
  const u = until ? at('until', until) : now;
  const s = since ? at('since', since) : u - 30 * 86_400_000;
  if (s >= u) throw new WindowError('since', `since (${new Date(s).toISOString()}) must be before until (${new Date(u).toISOString()})`);
  return { since: s, until: u };
}

export class WindowError extends Error {
  override readonly name = 'WindowError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
