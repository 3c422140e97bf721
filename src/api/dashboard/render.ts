/**
 * The dashboard's HTML, rendered on the server from DashboardData (the object GET /v1/dashboard
 * returns). Every figure is a `<td data-figure="<path in DashboardData>" data-value="<raw>">`, so
 * anyone (the browser test included) can check a cell against the API. Charts are drawn by
 * assets/dashboard.js from the same object, embedded as a JSON data block: no inline script runs,
 * so the page works under a strict Content-Security-Policy.
 */
import { ACCOUNT_STATES } from '../../collection/account-summary.js';
import type { AgentActivity } from '../../effectiveness/live.js';
import type { Estimate } from '../../effectiveness/stats.js';
import type { DashboardData } from './data.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]);

/** A number as the page shows it: rates as percentages with one decimal, amounts with two. */
export function formatValue(v: number | null, kind: 'rate' | 'amount' | 'count' | 'psi'): string {
  if (v === null) return '–';
  if (kind === 'rate') return `${(v * 100).toFixed(1)}%`;
  if (kind === 'amount') return v.toFixed(2);
  if (kind === 'psi') return v.toFixed(4);
  return String(v);
}

const cell = (path: string, v: number | null, kind: 'rate' | 'amount' | 'count' | 'psi') =>
  `<td class="num" data-figure="${esc(path)}" data-value="${v === null ? '' : String(v)}">${formatValue(v, kind)}</td>`;
const text = (s: string) => `<td>${esc(s)}</td>`;

const span = (path: string, v: number | null, kind: 'rate' | 'amount') =>
  `<span data-figure="${esc(path)}" data-value="${v === null ? '' : String(v)}">${formatValue(v, kind)}</span>`;

/** A figure and its 95% interval: two cells. */
const est = (path: string, e: Estimate, kind: 'rate' | 'amount') =>
  `${cell(`${path}.value`, e.value, kind)}<td class="ci">[${span(`${path}.lower`, e.lower, kind)}, ${span(`${path}.upper`, e.upper, kind)}]</td>`;

const table = (id: string, head: string[], rows: string[], empty: string) =>
  `<table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.length ? rows.join('') : `<tr><td colspan="${head.length}" class="empty">${esc(empty)}</td></tr>`
  }</tbody></table>`;

const METRIC_ROWS: [key: string, label: string, kind: 'rate' | 'amount'][] = [
  ['contactRate', 'Contact rate', 'rate'],
  ['rightPartyContactRate', 'Right-party contact rate', 'rate'],
  ['promiseRate', 'Promise rate', 'rate'],
  ['keptRate', 'Kept rate (of promises)', 'rate'],
  ['cureRate', 'Cure rate', 'rate'],
  ['rollRate', 'Roll rate', 'rate'],
  ['recoveredPerAccount', 'Recovered per account', 'amount'],
  ['recoveredPerContact', 'Recovered per contact', 'amount'],
];

function strategyPanel(d: DashboardData): string {
  const s = d.strategy.overall;
  const groups = s.groups.map((g, i) => {
    const p = `strategy.overall.groups.${i}.metrics`;
    const m = g.metrics as unknown as Record<string, Estimate>;
    return `<tr class="group-head">${text(g.key.policyVersion)}${text(g.key.variant ?? '')}${cell(`${p}.accounts`, g.metrics.accounts, 'count')}<td colspan="2"></td></tr>${METRIC_ROWS.map(
      ([k, label, kind]) => `<tr><td></td>${text(label)}<td></td>${est(`${p}.${k}`, m[k], kind)}</tr>`,
    ).join('')}`;
  });
  const diffs = s.comparisons.map((c, i) =>
    METRIC_ROWS.map(
      ([k, label, kind]) =>
        `<tr>${text(c.key.policyVersion)}${text(`${c.challenger} − ${c.champion}`)}${text(label)}${est(`strategy.overall.comparisons.${i}.differences.${k}`, c.differences[k as keyof typeof c.differences], kind)}</tr>`,
    ).join(''),
  );
  return `<section id="panel-strategy"><h2>Champion vs challenger</h2>
<p class="hint">Per policy version and variant, accounts assigned in the window, 95% intervals. Same figures as <code>GET /v1/strategy/results</code> (<code>overall</code>).</p>
${table('strategy-arms', ['Policy', 'Variant / metric', 'Accounts', 'Value', '95% interval'], groups, 'no account was assigned in the window')}
<h3>Challenger minus champion</h3>
${table('strategy-diffs', ['Policy', 'Arms', 'Metric', 'Difference', '95% interval'], diffs, 'no slice has both a champion and a challenger')}
<canvas id="chart-strategy" height="220" aria-label="champion and challenger rates"></canvas>
</section>`;
}

function agentRow(a: AgentActivity, i: number): string {
  const p = `agents.${i}`;
  return `<tr>${text(a.collector)}${cell(`${p}.worked`, a.worked, 'count')}${cell(`${p}.contacts`, a.contacts, 'count')}${cell(`${p}.rightPartyContacts`, a.rightPartyContacts, 'count')}${cell(`${p}.promises`, a.promises, 'count')}${cell(`${p}.kept`, a.kept, 'count')}</tr>`;
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no string can close the element. */
const jsonBlock = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export function renderDashboard(d: DashboardData, query: string): string {
  const drift = d.serving.drift;
  const queues = Object.keys(d.worklists);
  const states = ACCOUNT_STATES;
  const worklistRows = queues.map((q) => {
    const w = d.worklists[q];
    const st = d.accounts.states[q] ?? {};
    return `<tr>${text(q)}${cell(`worklists.${q}.ready`, w.ready, 'count')}${cell(`worklists.${q}.waiting`, w.waiting, 'count')}${cell(`worklists.${q}.leased`, w.leased, 'count')}${states
      .map((s) => cell(`accounts.states.${q}.${s}`, st[s] ?? 0, 'count'))
      .join('')}</tr>`;
  });
  const notes = d.strategy.notes.map((n) => `<li>${esc(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>arrears · collection dashboard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body>
<header><h1>Collection dashboard</h1>
<form method="get" action="/dashboard" class="window">
<label>From <input type="date" name="since" value="${esc(d.window.since.slice(0, 10))}"></label>
<label>to (exclusive) <input type="date" name="until" value="${esc(d.window.until.slice(0, 10))}"></label>
<button type="submit">Show</button> <a href="/dashboard/logout">Sign out</a></form>
<p class="hint">Window ${esc(d.window.since)} – ${esc(d.window.until)}; generated ${esc(d.generatedAt)}. The same figures as JSON: <code>GET /v1/dashboard${esc(query)}</code>.</p></header>
<main>
<section id="panel-serving"><h2>Serving</h2>
${table(
  'serving',
  ['Champion model', 'Challenger model', 'Policy version', 'Score drift (PSI)', 'Drift status', 'Recent scores'],
  [
    `<tr>${text(d.serving.champion ?? 'none loaded')}${text(d.serving.challenger ?? 'none')}${text(d.serving.policyVersion)}${cell('serving.drift.psi', drift?.psi ?? null, 'psi')}${text(drift?.status ?? 'no model')}${cell('serving.drift.scores', drift?.scores ?? null, 'count')}</tr>`,
  ],
  '',
)}
<p class="hint">PSI of this instance's recent champion scores against the training baseline (<code>GET /v1/monitoring/drift</code>): &lt; 0.1 stable, 0.1–0.25 some shift, &gt; 0.25 major shift.</p></section>
<section id="panel-worklists"><h2>Worklists</h2>
${table('worklists', ['Queue', 'Ready', 'Waiting', 'Leased', ...states.map((s) => `Accounts ${s}`)], worklistRows, 'no queue')}</section>
<section id="panel-blocked"><h2>Blocked accounts</h2>
<p>Blocked now: <span data-figure="accounts.blocked.accounts" data-value="${d.accounts.blocked.accounts}">${d.accounts.blocked.accounts}</span></p>
${table(
  'blocked-reasons',
  ['Block reason', 'Accounts'],
  d.accounts.blocked.byReason.map(
    (r, i) => `<tr>${text(r.reason)}${cell(`accounts.blocked.byReason.${i}.accounts`, r.accounts, 'count')}</tr>`,
  ),
  'no blocked account',
)}
${table(
  'blocked-sample',
  ['Account', 'Queue', 'Reasons'],
  d.accounts.blocked.sample.map((b) => `<tr>${text(b.accountId)}${text(b.queue)}${text(b.reasons.join(', '))}</tr>`),
  'no blocked account',
)}</section>
<section id="panel-balances"><h2>Balances by DPD bucket</h2>
${table(
  'balances',
  ['Bucket', 'Accounts', 'Outstanding'],
  d.accounts.balances.map(
    (b, i) =>
      `<tr>${text(b.bucket)}${cell(`accounts.balances.${i}.accounts`, b.accounts, 'count')}${cell(`accounts.balances.${i}.outstanding`, b.outstanding, 'amount')}</tr>`,
  ),
  '',
)}
<canvas id="chart-balances" height="180" aria-label="outstanding balance by DPD bucket"></canvas></section>
<section id="panel-rates"><h2>Roll and cure rates over time</h2>
<p class="hint">By the UTC day accounts entered the cohort; 95% Wilson intervals.</p>
${table(
  'rates-by-day',
  ['Day', 'Accounts', 'Roll rate', '95% interval', 'Cure rate', '95% interval'],
  d.ratesByDay.map(
    (r, i) =>
      `<tr>${text(r.day)}${cell(`ratesByDay.${i}.accounts`, r.accounts, 'count')}${est(`ratesByDay.${i}.rollRate`, r.rollRate, 'rate')}${est(`ratesByDay.${i}.cureRate`, r.cureRate, 'rate')}</tr>`,
  ),
  'no account entered in the window',
)}
<canvas id="chart-rates" height="180" aria-label="roll and cure rates by day"></canvas></section>
${strategyPanel(d)}
<section id="panel-compliance"><h2>Compliance blocks by reason</h2>
${table(
  'compliance-blocks',
  ['Reason', 'Assignments held', 'Claims refused', 'Accounts'],
  d.complianceBlocks.map(
    (b, i) =>
      `<tr>${text(b.reason)}${cell(`complianceBlocks.${i}.assignments`, b.assignments, 'count')}${cell(`complianceBlocks.${i}.claims`, b.claims, 'count')}${cell(`complianceBlocks.${i}.accounts`, b.accounts, 'count')}</tr>`,
  ),
  'no compliance block in the window',
)}
<canvas id="chart-compliance" height="180" aria-label="compliance blocks by reason"></canvas></section>
<section id="panel-agents"><h2>Agent activity</h2>
${table('agents', ['Collector', 'Items worked', 'Contacts', 'Right-party contacts', 'Promises', 'Kept'], d.agents.map(agentRow), 'no outcome in the window')}</section>
<section id="panel-notes"><h2>Notes</h2><ul>${notes}</ul></section>
</main>
<script type="application/json" id="dashboard-data">${jsonBlock(d)}</script>
<script src="/dashboard/assets/chart.umd.min.js"></script>
<script src="/dashboard/assets/dashboard.js"></script>
</body></html>`;
}

/** The page a browser gets without a key (401) or with a key that lacks the role (403). */
export function renderSignIn(status: 401 | 403, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>arrears · sign in</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body><main class="signin"><h1>Collection dashboard</h1>
<p class="error" data-status="${status}">${esc(message)}</p>
<p>The dashboard needs an API key with the <code>manager</code> or <code>admin</code> role.</p>
<form method="get" action="/dashboard/login"><label>API key <input type="password" name="key" autocomplete="off" required></label>
<button type="submit">Sign in</button></form></main></body></html>`;
}
