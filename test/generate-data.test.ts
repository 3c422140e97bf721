import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/generate-data.js';
import { Rng } from '../scripts/lib/rng.js';
import { CLOSED, DEFAULT, HORIZON, transitionMatrix, truePd } from '../scripts/lib/synthetic.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'arrears-gen-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const FILES = ['borrowers.csv', 'loans.csv', 'repayments.csv', 'truth.csv'];
const rowsOf = (path: string) =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

/** Exact AUC (ties count half). */
function auc(y: number[], s: number[]): number {
  const idx = y.map((_, i) => i).sort((a, b) => s[a] - s[b]);
  let sumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && s[idx[j]] === s[idx[i]]) j++;
    for (let k = i; k < j; k++) if (y[idx[k]]) (sumPos += (i + j + 1) / 2), nPos++;
    i = j;
  }
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * (idx.length - nPos));
}

/** The label exactly as the dataset config's rule derives it: any dpd >= 90 in (snapshot, snapshot + 12 months]. */
function ruleLabels(repaymentsCsv: string, snapshot = '2024-01-01', last = '2025-01-01'): Map<string, number> {
  const y = new Map<string, number>();
  for (const [id, month, , , dpd] of rowsOf(repaymentsCsv)) {
    if (!y.has(id)) y.set(id, 0);
    if (month > snapshot && month <= last && Number(dpd) >= 90) y.set(id, 1);
  }
  return y;
}

describe('rng', () => {
  it('is deterministic per seed and uniform enough', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs.slice(0, 100)).toEqual(Array.from({ length: 100 }, () => b.next()));
    expect(xs[0]).not.toBe(c.next());
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('the Markov chain', () => {
  it('has stochastic rows, absorbing default and closure, and a PD that grows with risk and arrears', () => {
    for (const z of [-6, -4, -2]) {
      for (const matured of [false, true]) {
        const m = transitionMatrix(z, matured);
        for (let i = 0; i < 5; i++) {
          const row = Array.from(m.slice(i * 5, i * 5 + 5));
          expect(row.every((p) => p >= 0)).toBe(true);
          expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
        }
        expect(m[DEFAULT * 5 + DEFAULT]).toBe(1);
        expect(m[CLOSED * 5 + CLOSED]).toBe(1);
      }
    }
    expect(truePd(-3, 0, 5, 36)).toBeGreaterThan(truePd(-5, 0, 5, 36));
    expect(truePd(-4, 2, 5, 36)).toBeGreaterThan(truePd(-4, 1, 5, 36));
    expect(truePd(-4, 1, 5, 36)).toBeGreaterThan(truePd(-4, 0, 5, 36));
    expect(truePd(-4, DEFAULT, 5, 36)).toBe(1);
    // A current loan that matures within two months has little time left to default.
    expect(truePd(-3, 0, 34, 36)).toBeLessThan(truePd(-3, 0, 5, 36));
    expect(HORIZON).toBe(13);
  });
});

describe('generate', () => {
  it('writes the same bytes for the same seed, different ones for another seed', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    await generate({ accounts: 300, seed: 11, out: a });
    await generate({ accounts: 300, seed: 11, out: b });
    await generate({ accounts: 300, seed: 12, out: c });
    for (const f of FILES) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    expect(readFileSync(join(a, 'repayments.csv')).equals(readFileSync(join(c, 'repayments.csv')))).toBe(false);
  });

  it('writes one borrower, loan and truth row per account, with consistent ids and well-formed values', async () => {
    const d = tmp();
    const s = await generate({ accounts: 500, seed: 3, out: d });
    expect(s.accounts).toBe(500);
    const borrowers = rowsOf(join(d, 'borrowers.csv'));
    const loans = rowsOf(join(d, 'loans.csv'));
    const truth = rowsOf(join(d, 'truth.csv'));
    const reps = rowsOf(join(d, 'repayments.csv'));
    expect([borrowers.length, loans.length, truth.length]).toEqual([500, 500, 500]);
    expect(reps.length).toBe(s.repaymentRows);
    expect(new Set(loans.map((l) => l[0])).size).toBe(500);
    expect(truth.map((t) => t[0])).toEqual(loans.map((l) => l[0]));
    expect(new Set(borrowers.map((b) => b[0]))).toEqual(new Set(loans.map((l) => l[1])));
    for (const [, pd] of truth) expect(Number(pd) >= 0 && Number(pd) <= 1).toBe(true);
    for (const [, , , , dpd] of reps) expect(Number(dpd) % 30).toBe(0);
    // Every account is open at the snapshot: a record for the month before it, not yet 90+.
    const lastBefore = new Map<string, number>();
    for (const [id, month, , , dpd] of reps) if (month === '2023-12-01') lastBefore.set(id, Number(dpd));
    expect(lastBefore.size).toBe(500);
    expect([...lastBefore.values()].every((v) => v < 90)).toBe(true);
    for (const b of borrowers) {
      expect(['US', 'CN']).toContain(b[11]);
      expect(b[12] === '' || /^(America|Asia|Pacific)\//.test(b[12])).toBe(true);
    }
  });

  it('is calibrated: the realised default rate matches the mean true PD, and true PD discriminates', async () => {
    const d = tmp();
    const s = await generate({ accounts: 5000, seed: 2024, out: d });
    const y = ruleLabels(join(d, 'repayments.csv'));
    const truth = rowsOf(join(d, 'truth.csv'));
    const labels = truth.map(([id]) => y.get(id) ?? 0);
    const pds = truth.map(([, pd]) => Number(pd));
    const n = labels.length;
    const rate = labels.reduce((a, v) => a + v, 0) / n;
    const meanPd = pds.reduce((a, v) => a + v, 0) / n;
    // Var of the sum of independent Bernoulli(pd_i): the standard error of the realised rate given the PDs.
    const se = Math.sqrt(pds.reduce((a, p) => a + p * (1 - p), 0)) / n;
    expect(Math.abs(rate - meanPd)).toBeLessThan(3 * se);
    expect(rate).toBeCloseTo(s.defaults / s.accounts, 12); // the rule label is the simulated outcome
    expect(meanPd).toBeGreaterThan(0.06);
    expect(meanPd).toBeLessThan(0.2);
    expect(auc(labels, pds)).toBeGreaterThan(0.7);
  });

  it('converts to Parquet and removes the CSVs', async () => {
    const d = tmp();
    const s = await generate({ accounts: 100, seed: 5, out: d, format: 'parquet' });
    expect(s.files.map((f) => f.slice(d.length + 1))).toEqual(FILES.map((f) => f.replace('.csv', '.parquet')));
    for (const f of FILES) {
      expect(existsSync(join(d, f))).toBe(false);
      expect(existsSync(join(d, f.replace('.csv', '.parquet')))).toBe(true);
    }
  });
});
