/**
 * Every figure of the manager dashboard, computed once: GET /v1/dashboard returns this object as
 * JSON and GET /dashboard renders the same object as HTML, so the page and the API cannot disagree.
 * The strategy figures come from the same functions as GET /v1/strategy/results.
 */
import { accountSummary, type AccountSummary } from '../../collection/account-summary.js';
import { readLiveHistory } from '../../collection/strategy-results.js';
import type { WorklistStore } from '../../collection/worklist.js';
import {
  type AgentActivity,
  agentActivity,
  type BlockCount,
  complianceBlocks,
  type DayRates,
  ratesByDay,
  type StrategyReport,
  strategyReport,
  type Window,
} from '../../effectiveness/live.js';
import type { Slot } from '../../model/serving.js';
import { type DriftReport, drift, type LiveMonitor } from '../monitoring.js';

export interface DashboardData {
  generatedAt: string;
  window: { since: string; until: string };
  serving: {
    champion: string | null;
    challenger: string | null;
    policyVersion: string;
    /** PSI of this instance's recent champion scores against the training baseline; null without a champion. */
    drift: (Omit<DriftReport, 'bins'> & { model: string }) | null;
  };
  worklists: Record<string, { ready: number; waiting: number; leased: number }>;
  accounts: AccountSummary;
  strategy: StrategyReport;
  ratesByDay: DayRates[];
  complianceBlocks: BlockCount[];
  agents: AgentActivity[];
}

export interface DashboardDeps {
  store: WorklistStore;
  /** The serving lifecycle's current slots (only what the page reads). */
  models: { readonly champion: Slot | null; readonly challenger: Slot | null };
  monitor: LiveMonitor;
  policyVersion: string;
}

export async function dashboardData(deps: DashboardDeps, w: Window, opts: { champion?: string; now: number }): Promise<DashboardData> {
  const [history, worklists, accounts] = await Promise.all([readLiveHistory(deps.store), deps.store.sizes(), accountSummary(deps.store)]);
  const strategy = strategyReport(history, w, { champion: opts.champion });
  for (const s of history.skipped)
    strategy.notes.push(`${s.count} ${s.stream} entries could not be read and were left out (first: ${s.example})`);
  const champion = deps.models.champion;
  let driftReport: DashboardData['serving']['drift'] = null;
  if (champion) {
    const { bins: _bins, ...rest } = drift(champion.model.bundle.baseline, deps.monitor.recent.values());
    driftReport = { model: champion.ref, ...rest };
  }
  return {
    generatedAt: new Date(opts.now).toISOString(),
    window: strategy.window,
    serving: {
      champion: champion?.ref ?? null,
      challenger: deps.models.challenger?.ref ?? null,
      policyVersion: deps.policyVersion,
      drift: driftReport,
    },
    worklists,
    accounts,
    strategy,
    ratesByDay: ratesByDay(history, w),
    complianceBlocks: complianceBlocks(history, w),
    agents: agentActivity(history, w),
  };
}
