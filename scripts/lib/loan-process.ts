/**
 * The generating process behind the synthetic sample: a borrower's latent monthly risk drives a
 * Markov chain over days-past-due states. Because the chain is known, each account's true PD at
 * the snapshot is computed exactly (matrix powers), never sampled.
 */

/** DPD states: 0 current, 1 = 30, 2 = 60, 3 = 90+ (absorbing: the default event). */
export const DPD = [0, 30, 60, 90] as const;

const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** Monthly transition matrix (rows: from, columns: to) for a borrower with latent logit `lam`. */
export function transition(lam: number): number[][] {
  const p01 = sig(lam);
  const roll1 = sig(lam + 1.6);
  const cure1 = (1 - roll1) * sig(0.9 - 0.5 * lam);
  const roll2 = sig(lam + 2.6);
  const cure2 = (1 - roll2) * sig(0.2 - 0.5 * lam);
  return [
    [1 - p01, p01, 0, 0],
    [cure1, 1 - roll1 - cure1, roll1, 0],
    [cure2, 0, 1 - roll2 - cure2, roll2],
    [0, 0, 0, 1],
  ];
}

function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

/** P(reach 90+ within `months` months | current state) for latent logit `lam`: exact, by matrix power. */
export function truePd(lam: number, state: number, months = 12): number {
  const t = transition(lam);
  let p = t;
  for (let i = 1; i < months; i++) p = matmul(p, t);
  return p[state][3];
}

/** Samples the next state from row `state` of the transition matrix. */
export function step(t: number[][], state: number, u: number): number {
  let acc = 0;
  for (let j = 0; j < 4; j++) {
    acc += t[state][j];
    if (u < acc) return j;
  }
  return 3;
}

export interface BorrowerTraits {
  bureauScore: number;
  income: number | null;
  debt: number;
  employmentYears: number; // -1 = self-employed / unknown (a special code)
  age: number;
  channel: string;
  rate: number;
}

/**
 * Latent monthly risk logit. Almost all of it comes from observable traits (with curvature and an
 * interaction), plus a small unobservable part, so a good model can approach the oracle AUC.
 */
export function latentLogit(b: BorrowerTraits, noise: number): number {
  const s = (b.bureauScore - 650) / 80;
  const inc = b.income ?? 2500;
  const dti = Math.min(b.debt / Math.max(inc, 300), 3);
  let lam = -3.1 - 0.8 * s + 0.15 * s * s;
  lam += 1.1 * Math.max(0, dti - 0.35) + 0.2 * dti;
  lam += b.income === null ? 0.35 : -0.25 * Math.log(inc / 2500);
  lam += b.employmentYears < 0 ? 0.3 : -0.05 * Math.min(b.employmentYears, 10);
  lam += 0.0009 * (b.age - 42) ** 2 - 0.15;
  lam += { branch: -0.1, online: 0.15, broker: 0.35, partner: 0.05 }[b.channel] ?? 0;
  lam += 6 * (b.rate - 0.12);
  if (s < -1) lam += 0.3 * Math.max(0, dti - 0.5); // thin-file, indebted borrowers are worse than additive
  return lam + 0.25 * noise;
}
