import { describe, expect, it } from 'vitest';
import type { FeatureState } from '../../src/domain/encoding.js';
import { inputRoles, inputWidth } from '../../src/domain/encoding-layout.js';
import { zeroInputs } from '../../training/ablation.js';

const states: FeatureState[] = [
  {
    kind: 'numeric',
    name: 'x',
    specials: [98],
    edges: [1],
    woe: [0, 1],
    specialWoe: [0.5],
    missingWoe: 0.2,
    missing: 'bin',
    median: 1,
    lo: 0,
    hi: 2,
    center: 1,
    scale: 1,
    knots: [0, 1, 2],
  },
  { kind: 'categorical', name: 'c', categories: ['a'], woe: [0.1], otherWoe: 0, missingWoe: 0 },
];

describe('input ablations', () => {
  it('zero exactly the columns that carry what they remove, on every row', () => {
    const width = inputWidth(states);
    const roles = inputRoles(states);
    for (const [ablation, removed] of [
      ['no-indicators', ['missing', 'special']],
      ['no-ple', ['ple']],
      ['no-woe-input', ['woe']],
    ] as const) {
      const x = new Float32Array(3 * width).fill(1);
      const zeroed = zeroInputs(x, width, states, new Set([ablation]));
      expect(zeroed).toBe(roles.filter((r) => (removed as readonly string[]).includes(r)).length);
      for (let i = 0; i < x.length; i++) expect(x[i]).toBe((removed as readonly string[]).includes(roles[i % width]) ? 0 : 1);
    }
  });

  it('leave the inputs alone when no input ablation is asked for', () => {
    const x = new Float32Array(inputWidth(states)).fill(1);
    expect(zeroInputs(x, x.length, states, new Set(['scorecard-only']))).toBe(0);
    expect(x.every((v) => v === 1)).toBe(true);
  });
});
