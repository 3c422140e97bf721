/**
 * npm run strategy:report -- [--since 2026-05-01] [--until 2026-06-01] [--champion champion] [--out results.json|results.csv]
 *
 * Strategy results per policy version and variant over a window, from the live streams under the
 * configured Redis prefix: the same function as GET /v1/strategy/results. JSON is that route's
 * answer; CSV has one row per figure (group metrics and challenger-minus-champion differences).
 * Without --out the JSON goes to stdout.
 */
import { writeFile } from 'node:fs/promises';
import { loadConfig } from '../src/config.js';
import { liveStrategyReport, parseWindow } from '../src/collection/strategy-results.js';
import { WorklistStore } from '../src/collection/worklist.js';
import { METRICS } from '../src/effectiveness/stats.js';
import type { SliceResults, StrategyReport } from '../src/effectiveness/live.js';
import { parseCommand, UsageError } from '../src/cli/args.js';
import { connectRedis } from '../src/cli/redis.js';
import { neutraliseCell } from './lib/csv-cell.js';

const { values: args } = parseCommand({
  name: 'strategy:report',
  summary:
    'Strategy results per policy version and variant (contact, right-party contact, promise, kept, cure and roll rates, recovery per account and per contact, 95% intervals, challenger minus champion) over a time window, from the live streams.',
  options: {
    since: {
      type: 'string',
      value: '<YYYY-MM-DD|date-time>',
      description: 'start of the window, inclusive (default: 30 days before until)',
    },
    until: { type: 'string', value: '<YYYY-MM-DD|date-time>', description: 'end of the window, exclusive (default: now)' },
    champion: { type: 'string', value: '<variant>', default: 'champion', description: 'the champion variant' },
    out: {
      type: 'string',
      value: '<file.json|file.csv>',
      description: 'output file; the extension picks the format (default: JSON on stdout)',
    },
  },
  userErrors: ['WindowError'],
});
if (args.out && !/\.(json|csv)$/i.test(args.out)) throw new UsageError(`--out: "${args.out}" must end in .json or .csv`);
const window = parseWindow(args.since, args.until, Date.now());
const config = loadConfig();
const redis = await connectRedis(config.redisUrl);
let report: StrategyReport;
try {
  report = await liveStrategyReport(new WorklistStore({ redis, prefix: config.redisPrefix }), window, { champion: args.champion });
} finally {
  redis.disconnect();
}

const HEADER = [
  'slice',
  'policy_version',
  'queue',
  'bucket',
  'variant',
  'metric',
  'value',
  'lower',
  'upper',
  'successes',
  'trials',
  'accounts',
];

/** One CSV row per metric of every group, then per difference of every comparison. */
function csvRows(name: string, s: SliceResults): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [];
  for (const g of s.groups)
    for (const m of METRICS) {
      const e = g.metrics[m] as { value: number | null; lower: number | null; upper: number | null; successes?: number; trials?: number };
      const k = g.key;
      rows.push([
        name,
        k.policyVersion,
        k.queue ?? '',
        k.bucket ?? '',
        k.variant,
        m,
        e.value,
        e.lower,
        e.upper,
        e.successes ?? null,
        e.trials ?? null,
        g.metrics.accounts,
      ]);
    }
  for (const c of s.comparisons)
    for (const m of METRICS) {
      const e = c.differences[m];
      const k = c.key;
      rows.push([
        name,
        k.policyVersion,
        k.queue ?? '',
        k.bucket ?? '',
        `${c.challenger} - ${c.champion}`,
        m,
        e.value,
        e.lower,
        e.upper,
        null,
        null,
        null,
      ]);
    }
  return rows;
}

const cell = (v: string | number | null) => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const s = neutraliseCell(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

if (!args.out) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const body = /\.csv$/i.test(args.out)
    ? [
        HEADER,
        ...csvRows('overall', report.overall),
        ...csvRows('bucket', report.byBucket),
        ...csvRows('queue', report.byQueue),
        ...csvRows('queue_bucket', report.byQueueAndBucket),
      ]
        .map((r) => r.map(cell).join(','))
        .join('\n')
    : JSON.stringify(report, null, 2);
  await writeFile(args.out, `${body}\n`);
  console.log(
    `${report.accounts} accounts, ${report.overall.groups.length} arms, ${report.overall.comparisons.length} comparisons written to ${args.out}`,
  );
}
for (const n of report.notes) console.error(`note: ${n}`);
