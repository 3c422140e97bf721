/**
 * Switches that remove one idea from the pipeline, so `bench:accuracy --ablate` can measure what
 * each part is worth. Inputs are removed by zeroing their columns in the training matrix, which
 * is the same as dropping them from the network. Bundles trained with an ablation are for
 * measurement only.
 */
import { featureWidth, type FeatureState } from '../src/domain/encoding.js';

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

type Role = 'woe' | 'raw' | 'flag' | 'ple' | 'onehot';

/** The role of each network input column, in encoding order (see src/domain/encoding.ts). */
export function inputRoles(states: readonly FeatureState[]): Role[] {
  const roles: Role[] = [];
  for (const s of states) {
    if (s.kind === 'categorical') {
      roles.push('woe');
      for (let i = 1; i < featureWidth(s); i++) roles.push('onehot');
    } else {
      roles.push('woe', 'raw', 'flag');
      for (let i = 0; i < s.specials.length; i++) roles.push('flag');
      for (let i = 1; i < s.knots.length; i++) roles.push('ple');
    }
  }
  return roles;
}

/** Zeroes the input columns an ablation removes; returns how many columns it zeroed. */
export function zeroInputs(x: Float32Array, width: number, states: readonly FeatureState[], ablations: ReadonlySet<Ablation>): number {
  const off = new Set<Role>();
  if (ablations.has('no-ple')) off.add('ple');
  if (ablations.has('no-woe-input')) off.add('woe');
  if (ablations.has('no-indicators')) off.add('flag');
  if (off.size === 0) return 0;
  const cols = inputRoles(states)
    .map((r, i) => (off.has(r) ? i : -1))
    .filter((i) => i >= 0);
  for (let r = 0; r < x.length / width; r++) for (const c of cols) x[r * width + c] = 0;
  return cols.length;
}
