/**
 * The generating process behind the synthetic loan book.
 *
 * Each loan has a latent monthly risk logit `z`: a smooth nonlinear function of what the lender
 * observes (bureau score, income, debt-to-income, employment, rate, channel, age, ...) plus a small
 * unobservable part (sd 0.2). `z` drives a monthly Markov chain over delinquency states
 *
 *   CURRENT -> 30 DPD -> 60 DPD -> 90+ DPD (default, absorbing)        and CLOSED (absorbing)
 *
 * whose rows change once the term has run out (a current loan past its last instalment closes; a
 * delinquent one can still cure or roll). The same chain generates the history before the snapshot
 * and the months after it, so the history reveals `z` too. Because the chain is known, every
 * account's true PD is computed exactly by propagating its state distribution, never by sampling.
 *
 * Timing, matching the label rule in data/configs/sample.json: features see records with
 * month < snapshot, so the last observed state is the one of the month before the snapshot. The
 * rule looks at months in (snapshot, snapshot + 12 months]. The snapshot month itself is in
 * neither window, so the true PD is P(default by the record of snapshot + 12 months), 13 monthly
 * steps from the last observed state. (Default is absorbing and defaulted loans keep reporting, so
 * "ever 90+ in the window" equals "90+ at its last month".)
 */
import type { Rng } from './rng.js';

/** Chain states. */
export const CURRENT = 0;
export const D30 = 1;
export const D60 = 2;
export const DEFAULT = 3;
export const CLOSED = 4;
const N = 5;
/** Instalments in arrears in each state (DEFAULT: treated as beyond recovery). */
const ARREARS = [0, 1, 2, 3, 0];
const DPD_OF = [0, 30, 60, 90, 0];

/** Monthly chance that a current borrower repays the whole loan early. */
export const PREPAY = 0.01;
/** Steps from the last observed state (month before the snapshot) to the last label month. */
export const HORIZON = 13;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Row-major 5x5 monthly transition matrix for latent logit `z`; `matured` = no instalment falls
 * due this month (the term has run out).
 */
export function transitionMatrix(z: number, matured: boolean): Float64Array {
  const miss = sigmoid(z); // current -> 30
  const roll1 = sigmoid(0.55 * (z + 3.6) - 0.35); // 30 -> 60
  const roll2 = sigmoid(0.55 * (z + 3.6) + 0.25); // 60 -> 90+
  const m = new Float64Array(N * N);
  const set = (from: number, to: number, p: number) => (m[from * N + to] += p);
  if (!matured) {
    set(CURRENT, D30, miss);
    set(CURRENT, CLOSED, (1 - miss) * PREPAY);
    set(CURRENT, CURRENT, (1 - miss) * (1 - PREPAY));
  } else set(CURRENT, CLOSED, 1);
  // A full cure after maturity pays the loan off.
  const cured = matured ? CLOSED : CURRENT;
  set(D30, D60, roll1);
  set(D30, cured, (1 - roll1) * 0.7);
  set(D30, D30, (1 - roll1) * 0.3);
  set(D60, DEFAULT, roll2);
  set(D60, cured, (1 - roll2) * 0.4);
  set(D60, D30, (1 - roll2) * 0.25);
  set(D60, D60, (1 - roll2) * 0.35);
  set(DEFAULT, DEFAULT, 1);
  set(CLOSED, CLOSED, 1);
  return m;
}

/** Samples the next state from row `from` of `m` with the uniform `u`. */
export function nextState(m: Float64Array, from: number, u: number): number {
  let acc = 0;
  const row = from * N;
  for (let j = 0; j < N; j++) {
    acc += m[row + j];
    if (u < acc) return j;
  }
  return from; // rounding: stay put
}

/**
 * Exact P(state DEFAULT after `steps` further months), starting in `state` after instalment number
 * `k` of a `term`-month loan: the state distribution is pushed through the (time-varying) chain.
 */
export function truePd(z: number, state: number, k: number, term: number, steps = HORIZON): number {
  const pre = transitionMatrix(z, false);
  const post = transitionMatrix(z, true);
  let v = new Float64Array(N);
  v[state] = 1;
  for (let s = 1; s <= steps; s++) {
    const m = k + s > term ? post : pre;
    const w = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      if (v[i] === 0) continue;
      for (let j = 0; j < N; j++) w[j] += v[i] * m[i * N + j];
    }
    v = w;
  }
  return Math.min(1, Math.max(0, v[DEFAULT]));
}

export interface Applicant {
  sex: 'F' | 'M';
  age: number;
  ageBand: string;
  maritalStatus: string;
  /** Monthly income as reported; null = not declared (~5%). */
  income: number | null;
  /** The income the borrower really has (drives the reported one; never written). */
  trueIncome: number;
  /** Years in current employment; -1 = self-employed or unknown (a special code). */
  employmentYears: number;
  jurisdiction: 'US' | 'CN';
  region: string;
  /** IANA time zone; '' = unknown. */
  timezone: string;
  housing: 'own' | 'rent' | 'mortgage';
  /** 300-850; null = no bureau file (thin file). */
  bureauScore: number | null;
  /** Other outstanding debt (balance). */
  existingDebt: number;
  amount: number;
  termMonths: number;
  /** Annual rate, percent. */
  rate: number;
  channel: 'branch' | 'online' | 'broker' | 'partner';
  product: 'cash_standard' | 'cash_express' | 'debt_consolidation';
  instalment: number;
}

const REGIONS = {
  US: {
    names: ['northeast', 'southeast', 'midwest', 'south_central', 'mountain', 'pacific'],
    weights: [18, 22, 20, 15, 8, 17],
    zones: [
      ['America/New_York'],
      ['America/New_York'],
      ['America/Chicago'],
      ['America/Chicago'],
      ['America/Denver', 'America/Phoenix'],
      ['America/Los_Angeles'],
    ],
  },
  CN: {
    names: ['east', 'north', 'south', 'central', 'west'],
    weights: [30, 22, 22, 16, 10],
    zones: [['Asia/Shanghai'], ['Asia/Shanghai'], ['Asia/Shanghai'], ['Asia/Shanghai'], ['Asia/Shanghai', 'Asia/Urumqi']],
  },
} as const;

const round2 = (v: number) => Math.round(v * 100) / 100;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function ageBand(age: number): string {
  return age < 25 ? '18-24' : age < 35 ? '25-34' : age < 45 ? '35-44' : age < 55 ? '45-54' : age < 65 ? '55-64' : '65+';
}

/** Monthly annuity instalment. */
export function instalmentOf(amount: number, ratePct: number, term: number): number {
  const i = ratePct / 1200;
  return round2((amount * i) / (1 - (1 + i) ** -term));
}

/** Draws one borrower and their loan application. */
export function drawApplicant(r: Rng): Applicant {
  const sex = r.chance(0.5) ? 'F' : 'M';
  const age = r.chance(0.08) ? r.int(19, 26) : clamp(Math.round(19 + Math.exp(2.85 + 0.5 * r.normal())), 19, 80);
  const pMarried = sigmoid((age - 30) / 6) * 0.62;
  const pDivorced = sigmoid((age - 40) / 8) * 0.16;
  const pWidowed = sigmoid((age - 68) / 5) * 0.25;
  const maritalStatus = r.pick(
    ['married', 'divorced', 'widowed', 'single'],
    [pMarried, pDivorced, pWidowed, Math.max(0.05, 1 - pMarried - pDivorced - pWidowed)],
  );
  const jurisdiction = r.chance(0.6) ? 'US' : 'CN';
  const reg = REGIONS[jurisdiction];
  const ri = r.weighted(reg.weights);
  const region = reg.names[ri];
  const zones: readonly string[] = reg.zones[ri];
  const timezone = r.chance(0.03) ? '' : zones.length > 1 && r.chance(0.25) ? zones[1] : zones[0];
  // Income peaks in the late 40s and differs a little by sex and marital status: realistic, and
  // exactly why the fairness section exists. Risk never looks at sex or marital status.
  const logInc =
    Math.log(4200) -
    0.55 * ((age - 48) / 22) ** 2 +
    (sex === 'M' ? 0.07 : 0) +
    (maritalStatus === 'married' ? 0.05 : 0) +
    (jurisdiction === 'CN' ? -0.1 : 0) +
    0.5 * r.normal();
  const trueIncome = Math.round(clamp(Math.exp(logInc), 600, 60000));
  const income = r.chance(0.05) ? null : trueIncome;
  const employmentYears = r.chance(0.08)
    ? -1
    : clamp(Math.floor(Math.exp(1.5 + 0.8 * r.normal()) * Math.min(1, (age - 18) / 25)), 0, age - 18);
  const pOwn = sigmoid((age - 55) / 8 + 0.4 * (logInc - Math.log(4200)));
  const pMortgage = sigmoid(-Math.abs(age - 42) / 10 + 0.8 * (logInc - Math.log(4200)));
  const housing = r.pick(['own', 'mortgage', 'rent'] as const, [pOwn, pMortgage, Math.max(0.1, 1.2 - pOwn - pMortgage)]);
  const thin = r.chance(age < 26 ? 0.08 : 0.025);
  const bureauScore = thin
    ? null
    : Math.round(
        clamp(
          655 +
            (28 * (logInc - Math.log(4200))) / 0.5 +
            1.2 * (age - 40) +
            (housing === 'own' ? 18 : housing === 'mortgage' ? 10 : 0) +
            62 * r.normal(),
          300,
          850,
        ),
      );
  const existingDebt = r.chance(0.15)
    ? 0
    : Math.round(trueIncome * Math.exp(0.9 + 0.8 * r.normal() - 0.002 * ((bureauScore ?? 600) - 650)));
  const channel = r.pick(['branch', 'online', 'broker', 'partner'] as const, [30, 35, 20, 15]);
  const product = r.pick(['cash_standard', 'cash_express', 'debt_consolidation'] as const, [55, 20, 25]);
  const amount = Math.round(clamp(trueIncome * Math.exp((product === 'cash_express' ? 0 : 0.9) + 0.55 * r.normal()), 300, 80000) / 50) * 50;
  const termMonths =
    product === 'cash_express'
      ? r.pick([6, 12, 24], [30, 50, 20])
      : r.pick([12, 24, 36, 48, 60], amount < 5000 ? [35, 40, 20, 5, 0] : amount < 15000 ? [10, 30, 35, 15, 10] : [0, 10, 30, 30, 30]);
  const s = ((bureauScore ?? 600) - 700) / 100;
  const rate = round2(
    clamp(
      10 -
        6 * s +
        2.5 * Math.max(0, -s) ** 2 +
        (bureauScore === null ? 3 : 0) +
        { branch: 0, online: 0.5, broker: 2, partner: 1 }[channel] +
        (product === 'cash_express' ? 5 : 0) +
        0.04 * termMonths +
        1.8 * r.normal(),
      4.5,
      36,
    ),
  );
  return {
    sex,
    age,
    ageBand: ageBand(age),
    maritalStatus,
    income,
    trueIncome,
    employmentYears,
    jurisdiction,
    region,
    timezone,
    housing,
    bureauScore,
    existingDebt,
    amount,
    termMonths,
    rate,
    channel,
    product,
    instalment: instalmentOf(amount, rate, termMonths),
  };
}

/** Debt service over reported income: 3% of other debt a month plus this loan's instalment. */
export function debtToIncome(a: Pick<Applicant, 'existingDebt' | 'instalment' | 'income'>): number | null {
  return a.income === null ? null : (0.03 * a.existingDebt + a.instalment) / a.income;
}

/**
 * The observable part of the latent monthly logit: only what the lender sees (a missing income is
 * its own effect), never sex, marital status or age band. Curvature and interactions are deliberate:
 * a linear scorecard on raw values should leave some AUC on the table, binning or a network should
 * not.
 */
export function observableLogit(a: Applicant): number {
  const s = ((a.bureauScore ?? 580) - 660) / 100;
  let z = -4.6;
  z += -0.7 * s + 0.4 * Math.max(0, -s) ** 2 + (a.bureauScore === null ? 0.35 : 0);
  const dti = debtToIncome(a);
  z += dti === null ? 0.45 : 1.1 * Math.min(dti, 1.5) + 1.8 * Math.max(0, Math.min(dti, 1.5) - 0.45);
  z += a.income === null ? 0 : -0.3 * Math.log(a.income / 4200);
  z += a.employmentYears < 0 ? 0.25 : 0.25 - 0.22 * Math.log1p(a.employmentYears);
  z += 0.4 * ((a.age - 46) / 22) ** 2 - 0.1; // U-shape: the youngest and the oldest are riskier
  z += 0.035 * (a.rate - 14);
  z += { branch: -0.15, online: 0.1, broker: 0.3, partner: 0 }[a.channel];
  z += { own: -0.15, mortgage: -0.1, rent: 0.15 }[a.housing];
  z += { cash_standard: 0, cash_express: 0.2, debt_consolidation: 0.1 }[a.product];
  if (a.channel === 'broker') z += 0.35 * Math.max(0, -s); // brokers bring worse low-score borrowers
  if (a.channel === 'online' && a.age < 28) z += 0.25;
  return z;
}

/** Sd of the unobservable part of the latent logit. */
export const HIDDEN_SD = 0.2;

/** Months as an integer index (year * 12 + month - 1). */
export const monthIndex = (iso: string) => Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
const MONTH_STR: string[] = [];
export function monthDate(idx: number): string {
  return (MONTH_STR[idx] ??= `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}-01`);
}

export interface Account {
  applicant: Applicant;
  z: number;
  /** Month index of origination, and the day of month. */
  originationMonth: number;
  originationDay: number;
  /** Repayment records as CSV lines, history then future. */
  records: string;
  /** State in the month before the snapshot and the instalment number of that month. */
  state: number;
  k: number;
  truePd: number;
  /** The realised label: default by the last label month. */
  defaulted: boolean;
}

/**
 * Simulates one loan from origination to snapshot + 12 months. Returns null when the loan is not an
 * account at the snapshot (already defaulted, closed, or fully repaid).
 */
export function simulateLoan(r: Rng, snapshotMonth: number, historyMonths: number, loanId: number): Account | null {
  const a = drawApplicant(r);
  const z = observableLogit(a) + HIDDEN_SD * r.normal();
  const om = snapshotMonth - r.int(2, historyMonths); // first instalment no later than the month before the snapshot
  const day = r.int(1, 28);
  const pre = transitionMatrix(z, false);
  const post = transitionMatrix(z, true);
  const term = a.termMonths;
  const inst = a.instalment;
  const i = a.rate / 1200;
  const growth = (1 + i) ** term;
  const balanceAfter = (paid: number) => (paid >= term ? 0 : round2((a.amount * (growth - (1 + i) ** paid)) / (growth - 1)));
  const kLast = snapshotMonth - 1 - om; // instalment number of the month before the snapshot
  let state = CURRENT;
  let paidCount = 0;
  let dpd = 0;
  let records = '';
  let observed = -1;
  let observedPd = 0;
  for (let k = 1; k <= kLast + HORIZON; k++) {
    if (state === CLOSED) break;
    const matured = k > term;
    const from = state;
    const to = nextState(matured ? post : pre, from, r.next());
    const balanceBefore = balanceAfter(paidCount);
    let due: number;
    let paid: number;
    if (from === DEFAULT) {
      // Charged off: the whole balance is due and reporting continues at growing DPD.
      due = balanceBefore;
      paid = 0;
      dpd = Math.min(dpd + 30, 180);
    } else {
      // Before maturity: this month's instalment plus the arrears. After it: whatever is still unpaid
      // (DPD keeps ageing while nothing is paid, but no new instalment falls due).
      due = round2(matured ? (term - paidCount) * inst : inst + ARREARS[from] * inst);
      if (to === CLOSED) {
        if (from === CURRENT && matured) break; // repaid on schedule last month: nothing more to report
        paid = from === CURRENT ? round2(inst + balanceAfter(paidCount + 1)) : due; // early repayment, or a cure after the term
        paidCount = term;
      } else {
        // Whole instalments paid this month; after maturity only a full cure (CLOSED) pays instalments off.
        const n = matured ? 0 : ARREARS[from] + 1 - ARREARS[to];
        if (n > 0) {
          paid = round2(n * inst);
          paidCount += n;
        } else paid = r.chance(0.55) ? 0 : round2(inst * (0.1 + 0.8 * r.next())); // missed, or a token part payment
      }
      dpd = DPD_OF[to];
    }
    state = to;
    records += `${loanId},${monthDate(om + k)},${due.toFixed(2)},${paid.toFixed(2)},${dpd},${Math.round(balanceAfter(paidCount))}\n`;
    if (k === kLast) {
      // Only loans still open and not charged off at the snapshot are accounts.
      if (state === DEFAULT || state === CLOSED || (state === CURRENT && paidCount >= term)) return null;
      observed = state;
      observedPd = truePd(z, state, k, term);
    }
  }
  if (observed < 0) return null; // closed before the snapshot
  return {
    applicant: a,
    z,
    originationMonth: om,
    originationDay: day,
    records,
    state: observed,
    k: kLast,
    truePd: observedPd,
    defaulted: state === DEFAULT,
  };
}
