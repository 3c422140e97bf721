/**
 * npm run data:generate -- [--accounts 20000] [--seed 7] [--out data/generated] [--format csv|parquet]
 *
 * Seeded synthetic loan book: borrowers, loans, and one repayment record per loan per month (the
 * 12 months before the snapshot, and the 12 after it, from which the label is derived), plus
 * truth.csv with each account's exact true PD. Same seed, same files.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { mulberry32 } from '../src/domain/random.js';
import { CsvWriter } from './lib/csv-writer.js';
import { DPD, latentLogit, step, transition, truePd } from './lib/loan-process.js';

export const SNAPSHOT = '2024-01-01';
const SNAP_INDEX = 2024 * 12; // month index of the snapshot (January 2024)
const monthDate = (idx: number) => `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}-01`;

const US_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix', 'America/Anchorage', 'Pacific/Honolulu'];

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}
const pick = <T>(r: () => number, xs: readonly T[], w?: readonly number[]): T => {
  if (!w) return xs[Math.floor(r() * xs.length)];
  let u = r() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < xs.length; i++) if ((u -= w[i]) < 0) return xs[i];
  return xs[xs.length - 1];
};
const round2 = (v: number) => Math.round(v * 100) / 100;

export interface GenerateOptions {
  accounts: number;
  seed: number;
  out: string;
  format: 'csv' | 'parquet';
  progress?: (done: number, total: number) => void;
}

/** Writes borrowers, loans, repayments and truth files; returns how many accounts and defaults. */
export async function generate(o: GenerateOptions): Promise<{ accounts: number; defaults: number; meanTruePd: number }> {
  await mkdir(o.out, { recursive: true });
  const r = mulberry32(o.seed);
  const borrowers = new CsvWriter(join(o.out, 'borrowers.csv'), ['borrower_id', 'sex', 'age', 'age_band', 'marital_status', 'income', 'employment_years', 'region', 'housing', 'bureau_score', 'existing_debt', 'jurisdiction', 'timezone']);
  const loans = new CsvWriter(join(o.out, 'loans.csv'), ['loan_id', 'borrower_id', 'amount', 'term_months', 'rate', 'origination_date', 'channel', 'product']);
  const reps = new CsvWriter(join(o.out, 'repayments.csv'), ['loan_id', 'month', 'amount_due', 'amount_paid', 'dpd', 'balance']);
  const truth = new CsvWriter(join(o.out, 'truth.csv'), ['id', 'true_pd']);
  let made = 0;
  let defaults = 0;
  let sumPd = 0;
  let id = 0;
  while (made < o.accounts) {
    id++;
    const sex = r() < 0.5 ? 'F' : 'M';
    const age = 21 + Math.floor(r() * 50);
    const ageBand = age < 25 ? '<25' : age < 35 ? '25-34' : age < 45 ? '35-44' : age < 55 ? '45-54' : age < 65 ? '55-64' : '65+';
    const marital = pick(r, ['single', 'married', 'divorced', 'widowed'], [0.38, 0.47, 0.12, 0.03]);
    // Income differs a little by sex and age: realistic, and why protected attributes are checked.
    const incomeRaw = Math.exp(7.8 + 0.45 * gaussian(r) + (sex === 'M' ? 0.06 : 0) + 0.006 * Math.min(age - 21, 30));
    const income = r() < 0.05 ? null : Math.round(incomeRaw);
    const employment = r() < 0.08 ? -1 : Math.min(40, Math.floor(-Math.log(1 - r()) * 6));
    const bureau = Math.round(Math.min(850, Math.max(300, 660 + 75 * gaussian(r))));
    const debt = Math.round(incomeRaw * Math.max(0, 0.3 + 0.25 * gaussian(r) - 0.0008 * (bureau - 660)));
    const jurisdiction = r() < 0.7 ? 'US' : 'CN';
    const timezone = jurisdiction === 'CN' ? 'Asia/Shanghai' : r() < 0.1 ? '' : pick(r, US_ZONES, [30, 25, 8, 25, 4, 1, 1]);
    const channel = pick(r, ['branch', 'online', 'broker', 'partner'], [0.3, 0.4, 0.15, 0.15]);
    const term = pick(r, [24, 36, 48]);
    const age0 = 3 + Math.floor(r() * (term - 14)); // months on book at the snapshot; >= 12 months left
    const rate = round2(Math.max(0.04, 0.11 - 0.0002 * (bureau - 660) + 0.02 * gaussian(r)) * 100) / 100;
    const amount = Math.round(Math.exp(8.6 + 0.6 * gaussian(r)) / 10) * 10;
    const lam = latentLogit({ bureauScore: bureau, income, debt, employmentYears: employment, age, channel, rate }, gaussian(r));
    const t = transition(lam);
    const monthlyRate = rate / 12;
    const installment = round2((amount * monthlyRate) / (1 - (1 + monthlyRate) ** -term));

    // Walk the chain from origination to the snapshot; an account already 90+ is charged off and
    // not part of the portfolio at the snapshot.
    let state = 0;
    let balance = amount;
    const history: (string | number)[][] = [];
    const start = SNAP_INDEX - age0;
    const record = (m: number, next: number) => {
      const paid = next === 3 || next > state ? 0 : next < state ? installment * (state - next + 1) : installment;
      balance = Math.max(0, balance * (1 + monthlyRate) - paid);
      state = next;
      return [id, monthDate(m), installment, round2(paid), DPD[state], round2(balance)];
    };
    for (let m = start; m < SNAP_INDEX; m++) {
      const row = record(m, step(t, state, r()));
      if (m >= SNAP_INDEX - 12) history.push(row);
      if (state === 3) break;
    }
    if (state === 3) continue;
    const pd = truePd(lam, state, 12);
    const future: (string | number)[][] = [];
    let defaulted = false;
    for (let m = SNAP_INDEX + 1; m <= SNAP_INDEX + 12 && !defaulted; m++) {
      future.push(record(m, step(t, state, r())));
      defaulted = state === 3;
    }
    made++;
    defaults += defaulted ? 1 : 0;
    sumPd += pd;
    await borrowers.row([id, sex, age, ageBand, marital, income, employment, pick(r, ['north', 'south', 'east', 'west']), pick(r, ['own', 'rent', 'mortgage'], [0.3, 0.4, 0.3]), bureau, debt, jurisdiction, timezone]);
    await loans.row([id, id, amount, term, rate, monthDate(start), channel, amount > 10000 ? 'personal_plus' : 'personal']);
    for (const row of [...history, ...future]) await reps.row(row);
    await truth.row([id, pd.toPrecision(10)]);
    if (made % 10000 === 0) o.progress?.(made, o.accounts);
  }
  await Promise.all([borrowers.close(), loans.close(), reps.close(), truth.close()]);
  if (o.format === 'parquet') {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    // Narrow types (DATE, TINYINT, fixed-point money) keep the committed sample small.
    const cast: Record<string, string> = {
      repayments: 'CAST(loan_id AS INTEGER) AS loan_id, CAST(month AS DATE) AS month, CAST(amount_due AS DECIMAL(12,2)) AS amount_due, CAST(amount_paid AS DECIMAL(12,2)) AS amount_paid, CAST(dpd AS SMALLINT) AS dpd, CAST(balance AS DECIMAL(12,2)) AS balance',
    };
    for (const f of ['borrowers', 'loans', 'repayments', 'truth']) {
      const csv = join(o.out, `${f}.csv`);
      await con.run(`COPY (SELECT ${cast[f] ?? '*'} FROM read_csv('${csv}', header = true) ORDER BY 1, 2) TO '${join(o.out, `${f}.parquet`)}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19)`);
      await rm(csv);
    }
    con.closeSync();
    db.closeSync();
  }
  return { accounts: made, defaults, meanTruePd: sumPd / made };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '20000' },
      seed: { type: 'string', default: '7' },
      out: { type: 'string', default: 'data/generated' },
      format: { type: 'string', default: 'csv' },
    },
  });
  const accounts = Number(values.accounts);
  const seed = Number(values.seed);
  if (!Number.isInteger(accounts) || accounts < 1) throw new Error(`--accounts: "${values.accounts}" is not a positive integer`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed: "${values.seed}" is not a non-negative integer`);
  if (values.format !== 'csv' && values.format !== 'parquet') throw new Error(`--format: "${values.format}" is not csv or parquet`);
  const t0 = performance.now();
  console.log(`generating ${accounts.toLocaleString('en-US')} accounts (seed ${seed}) into ${values.out} as ${values.format}`);
  const res = await generate({
    accounts,
    seed,
    out: values.out!,
    format: values.format,
    progress: (d, n) => process.stderr.write(`\r  ${d.toLocaleString('en-US')} / ${n.toLocaleString('en-US')} accounts (${((100 * d) / n).toFixed(0)}%)`),
  });
  process.stderr.write('\n');
  console.log(`${res.accounts} accounts, ${res.defaults} reach 90+ DPD within 12 months (${((100 * res.defaults) / res.accounts).toFixed(2)}%; mean true PD ${(100 * res.meanTruePd).toFixed(2)}%) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    console.error(`error: ${e.message}`);
    process.exit(2);
  });
}
