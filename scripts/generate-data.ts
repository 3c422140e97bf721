/**
 * npm run data:generate -- --accounts N [--seed S] [--out DIR] [--format csv|parquet]
 *                          [--snapshot YYYY-MM-01] [--history-months 36]
 *
 * Seeded synthetic cash-loan book (see docs/data.md and scripts/lib/synthetic.ts): borrowers,
 * loans, one repayment record per loan per month from origination to snapshot + 12 months, and
 * truth.csv with each account's exact true PD. Same seed and options, same bytes. Rows are streamed
 * to disk in chunks, so a million accounts need no more memory than a hundred.
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from './lib/rng.js';
import { monthDate, monthIndex, simulateLoan } from './lib/synthetic.js';
import { choiceValue, dateValue, intValue, parseCommand, UsageError } from '../src/cli/args.js';

export const DEFAULT_SNAPSHOT = '2024-01-01';

export interface GenerateOptions {
  /** Accounts (loans open at the snapshot) to write. */
  accounts: number;
  seed: number;
  out: string;
  format?: 'csv' | 'parquet';
  /** First day of a month. */
  snapshot?: string;
  /** Loans originate 2..historyMonths months before the snapshot. */
  historyMonths?: number;
  /** Called now and then with the accounts written so far. */
  progress?: (done: number) => void;
  /** Told when a slow phase starts (the Parquet conversion). */
  log?: (msg: string) => void;
}

export interface GenerateSummary {
  accounts: number;
  /** Loans simulated, including those not open at the snapshot (not written). */
  loansSimulated: number;
  repaymentRows: number;
  /** Realised labels: 90+ DPD within 12 months after the snapshot. */
  defaults: number;
  meanTruePd: number;
  files: string[];
}

/** Buffered, synchronous file writer: large chunks, few syscalls, deterministic bytes. */
class Sink {
  private fd: number;
  private buf = '';
  constructor(
    readonly path: string,
    header: string,
  ) {
    this.fd = openSync(path, 'w');
    this.buf = `${header}\n`;
  }
  write(s: string): void {
    this.buf += s;
    if (this.buf.length > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.buf) writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const csvCell = (v: string | number | null) => (v === null ? '' : String(v));

/** Parquet column types: narrow ones keep the files small and the schema explicit. */
const PARQUET_TYPES: Record<string, Record<string, string>> = {
  borrowers: {
    borrower_id: 'INTEGER',
    sex: 'VARCHAR',
    age: 'SMALLINT',
    age_band: 'VARCHAR',
    marital_status: 'VARCHAR',
    income: 'INTEGER',
    employment_years: 'SMALLINT',
    region: 'VARCHAR',
    housing: 'VARCHAR',
    bureau_score: 'SMALLINT',
    existing_debt: 'INTEGER',
    jurisdiction: 'VARCHAR',
    timezone: 'VARCHAR',
  },
  loans: {
    loan_id: 'INTEGER',
    borrower_id: 'INTEGER',
    amount: 'INTEGER',
    term_months: 'SMALLINT',
    rate: 'DECIMAL(5,2)',
    origination_date: 'DATE',
    channel: 'VARCHAR',
    product: 'VARCHAR',
  },
  repayments: {
    loan_id: 'INTEGER',
    month: 'DATE',
    amount_due: 'DECIMAL(9,2)',
    amount_paid: 'DECIMAL(9,2)',
    dpd: 'SMALLINT',
    balance: 'INTEGER',
  },
  truth: { id: 'INTEGER', true_pd: 'DOUBLE' },
};

/** Converts each CSV to zstd Parquet with DuckDB, in file order, then removes the CSV. */
async function toParquet(dir: string, tables: string[]): Promise<string[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const out: string[] = [];
  try {
    for (const t of tables) {
      const csv = join(dir, `${t}.csv`);
      const pq = join(dir, `${t}.parquet`);
      const types = Object.entries(PARQUET_TYPES[t])
        .map(([k, v]) => `${lit(k)}: ${lit(v)}`)
        .join(', ');
      // zstd level 19 squeezes the committed sample under the 2 MiB-per-file limit but is slow;
      // large books use the default level, several times faster for ~15% more bytes.
      const level = statSync(csv).size < 64 << 20 ? 19 : 3;
      // Explicit types, no sniffing; an empty cell (no income, no bureau file, unknown time zone) is NULL.
      await con.run(
        `COPY (SELECT * FROM read_csv(${lit(csv)}, header = true, columns = {${types}}, nullstr = '', auto_detect = false))
         TO ${lit(pq)} (FORMAT parquet, PARQUET_VERSION V2, COMPRESSION zstd, COMPRESSION_LEVEL ${level}, ROW_GROUP_SIZE 1000000)`,
      );
      rmSync(csv);
      out.push(pq);
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
  return out;
}

/** Generates the book into `o.out`. */
export async function generate(o: GenerateOptions): Promise<GenerateSummary> {
  const snapshot = o.snapshot ?? DEFAULT_SNAPSHOT;
  if (!/^\d{4}-\d{2}-01$/.test(snapshot)) throw new Error(`snapshot: "${snapshot}" must be the first day of a month (YYYY-MM-01)`);
  const historyMonths = o.historyMonths ?? 36;
  if (!Number.isInteger(historyMonths) || historyMonths < 2) throw new Error('historyMonths: must be an integer >= 2');
  mkdirSync(o.out, { recursive: true });
  const snap = monthIndex(snapshot);
  const r = new Rng(o.seed);
  const sinks = {
    borrowers: new Sink(
      join(o.out, 'borrowers.csv'),
      'borrower_id,sex,age,age_band,marital_status,income,employment_years,region,housing,bureau_score,existing_debt,jurisdiction,timezone',
    ),
    loans: new Sink(join(o.out, 'loans.csv'), 'loan_id,borrower_id,amount,term_months,rate,origination_date,channel,product'),
    repayments: new Sink(join(o.out, 'repayments.csv'), 'loan_id,month,amount_due,amount_paid,dpd,balance'),
    truth: new Sink(join(o.out, 'truth.csv'), 'id,true_pd'),
  };
  let made = 0;
  let simulated = 0;
  let defaults = 0;
  let sumPd = 0;
  let rows = 0;
  const every = Math.max(1, Math.floor(o.accounts / 200));
  try {
    while (made < o.accounts) {
      simulated++;
      const loanId = 1_000_001 + made;
      const acct = simulateLoan(r, snap, historyMonths, loanId);
      if (!acct) continue;
      made++;
      const a = acct.applicant;
      const borrowerId = 5_000_001 + made - 1;
      sinks.borrowers.write(
        `${[
          borrowerId,
          a.sex,
          a.age,
          a.ageBand,
          a.maritalStatus,
          a.income,
          a.employmentYears,
          a.region,
          a.housing,
          a.bureauScore,
          a.existingDebt,
          a.jurisdiction,
          a.timezone,
        ]
          .map(csvCell)
          .join(',')}\n`,
      );
      const orig = `${monthDate(acct.originationMonth).slice(0, 8)}${String(acct.originationDay).padStart(2, '0')}`;
      sinks.loans.write(`${loanId},${borrowerId},${a.amount},${a.termMonths},${a.rate.toFixed(2)},${orig},${a.channel},${a.product}\n`);
      sinks.repayments.write(acct.records);
      for (let i = 0; i < acct.records.length; i++) if (acct.records.charCodeAt(i) === 10) rows++;
      // 10 significant digits: exact to far below any metric's resolution, and stable text.
      sinks.truth.write(`${loanId},${acct.truePd.toPrecision(10)}\n`);
      sumPd += acct.truePd;
      if (acct.defaulted) defaults++;
      if (made % every === 0 && o.progress) {
        o.progress(made);
        await new Promise((ok) => setImmediate(ok)); // let the progress bar's timers run
      }
    }
  } finally {
    for (const s of Object.values(sinks)) s.close();
  }
  let files = Object.values(sinks).map((s) => s.path);
  if (o.format === 'parquet') {
    o.log?.(`converting ${rows.toLocaleString('en-US')} repayment rows and the other tables to Parquet`);
    files = await toParquet(o.out, Object.keys(sinks));
  }
  return { accounts: made, loansSimulated: simulated, repaymentRows: rows, defaults, meanTruePd: sumPd / Math.max(1, made), files };
}

async function main(): Promise<number> {
  const { values: v } = parseCommand({
    name: 'data:generate',
    summary:
      "Writes a seeded synthetic cash-loan book (borrowers, loans, monthly repayments) and each account's exact true PD; same seed and options, same bytes.",
    options: {
      accounts: { type: 'string', value: '<n>', required: true, description: 'accounts (loans open at the snapshot) to write' },
      seed: { type: 'string', value: '<n>', default: '7', description: 'random seed; same seed, same files' },
      out: { type: 'string', value: '<dir>', default: 'data/generated', description: 'output folder' },
      format: {
        type: 'string',
        value: 'csv|parquet',
        default: 'csv',
        description: 'parquet: written as CSV, converted with DuckDB (zstd), CSV removed',
      },
      snapshot: { type: 'string', value: '<date>', default: DEFAULT_SNAPSHOT, description: 'snapshot, first day of a month' },
      'history-months': { type: 'string', value: '<n>', default: '36', description: 'loans originate up to n months before the snapshot' },
    },
  });
  const accounts = intValue('accounts', v.accounts, { min: 1 });
  const seed = intValue('seed', v.seed, { min: 0, max: 0xffffffff });
  const format = choiceValue('format', v.format, ['csv', 'parquet']);
  const historyMonths = intValue('history-months', v['history-months'], { min: 2 });
  if (!dateValue('snapshot', v.snapshot).endsWith('-01'))
    throw new UsageError(`--snapshot: "${v.snapshot}" is not the first day of a month`);
  const t0 = performance.now();
  // A bar on a terminal; a line every 10% when stderr is a file or a pipe (CI logs).
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  let shown = 0;
  const bar = process.stderr.isTTY
    ? new SingleBar(
        { format: 'generating [{bar}] {percentage}% | {value}/{total} accounts | {duration_formatted}', stream: process.stderr },
        Presets.shades_classic,
      )
    : {
        start: () => {},
        stop: () => {},
        update: (d: number) => {
          if (d === shown || (d < accounts && d < shown + accounts / 10)) return;
          shown = d;
          process.stderr.write(
            `generating: ${d.toLocaleString('en-US')} / ${accounts.toLocaleString('en-US')} accounts, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
          );
        },
      };
  bar.start(accounts, 0);
  let s: GenerateSummary;
  try {
    s = await generate({
      accounts,
      seed,
      out: v.out,
      format,
      snapshot: v.snapshot,
      historyMonths,
      progress: (d) => bar.update(d),
      log: (m) => {
        bar.stop();
        console.error(m);
      },
    });
    bar.update(accounts);
  } finally {
    bar.stop();
  }
  const secs = (performance.now() - t0) / 1000;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  console.log(
    `${s.accounts.toLocaleString('en-US')} accounts (${s.loansSimulated.toLocaleString('en-US')} loans simulated), ${s.repaymentRows.toLocaleString('en-US')} repayment rows; ` +
      `default rate ${pct(s.defaults / s.accounts)}, mean true PD ${pct(s.meanTruePd)}`,
  );
  console.log(`wrote ${s.files.map((f) => resolve(f)).join(', ')}`);
  console.log(`time ${secs.toFixed(1)} s`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then((code) => process.exit(code));
}
