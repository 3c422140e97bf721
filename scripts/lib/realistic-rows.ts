/**
 * Borrower rows for benchmarks: spread over each feature's training range as the bundle records
 * it, with some missing values, special codes and unseen categories, so that every encoding path
 * is exercised. Seeded, so every run scores the same rows.
 */
import type { Bundle } from '../../src/domain/bundle.js';

/** Seeded LCG so every run sends the same bodies. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Borrowers spread over each feature's training range, with some missing values, special codes and unseen categories. */
export function realisticRows(b: Bundle, n: number, seed = 7): Record<string, number | string | null>[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const row: Record<string, number | string | null> = {};
    for (const s of b.preprocessing) {
      const u = r();
      if (u < 0.05) row[s.name] = null;
      else if (s.kind === 'numeric') {
        if (s.specials.length && u < 0.1) row[s.name] = s.specials[0];
        else {
          const v = s.lo + (s.hi - s.lo) * r() ** 2;
          row[s.name] = Math.abs(s.hi - s.lo) > 50 ? Math.round(v) : Math.round(v * 1000) / 1000;
        }
      } else row[s.name] = u < 0.08 ? 'unseen' : (s.categories[Math.floor(r() * s.categories.length)] ?? 'other');
    }
    return row;
  });
}
