/**
 * Switches that remove one idea from the pipeline, so `bench:accuracy --ablate` can measure what
 * each part is worth. Inputs are removed by zeroing their columns in the training matrix, which
 * is the same as dropping them from the network. Bundles trained with an ablation are for
 * measurement only.
 */
import type { FeatureState } from '../src/domain/encoding.js';
import { inputRoles, type ColumnRole } from '../src/domain/encoding-layout.js';

export const ABLATIONS = {
  'no-ple': 'network without piecewise-linear encodings',
  'no-woe-input': 'network without the WoE inputs',
  'no-indicators': 'network without missing/special indicators',
  'scorecard-only': 'scorecard alone (blend weight 0)',
  'network-only': 'network alone (blend weight 1)',
  'single-network': 'one fold network instead of the fold average',
  'no-search': 'first network candidate only',
  'no-averaging-correction': 'Platt from single-network out-of-fold logits, not stretched for the fold average',
} as const;
export type Ablation = keyof typeof ABLATIONS;

/** The input columns each input ablation removes, by what they carry. */
const REMOVES: Partial<Record<Ablation, readonly ColumnRole[]>> = {
  'no-ple': ['ple'],
  'no-woe-input': ['woe'],
  'no-indicators': ['missing', 'special'],
};

/** Zeroes the input columns an ablation removes; returns how many columns it zeroed. */
export function zeroInputs(x: Float32Array, width: number, states: readonly FeatureState[], ablations: ReadonlySet<Ablation>): number {
  const off = new Set([...ablations].flatMap((a) => REMOVES[a] ?? []));
  if (off.size === 0) return 0;
  const cols = inputRoles(states)
    .map((r, i) => (off.has(r) ? i : -1))
    .filter((i) => i >= 0);
  for (let r = 0; r < x.length / width; r++) for (const c of cols) x[r * width + c] = 0;
  return cols.length;
}
