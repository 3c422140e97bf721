import { describe, expect, it } from 'vitest';
import { encodeFeature, type CategoricalState, type FeatureState, type NumericState, type RawValue } from '../../src/domain/encoding.js';
import { blockRoles, featureBlocks, inputRoles, inputWidth, type ColumnRole } from '../../src/domain/encoding-layout.js';

const numeric: NumericState = {
  kind: 'numeric',
  name: 'dpd',
  specials: [96, 98],
  edges: [10, 30],
  woe: [-0.5, 0.2, 1.1],
  specialWoe: [0.3, 0.4],
  missingWoe: 0.7,
  missing: 'bin',
  median: 12,
  lo: 0,
  hi: 90,
  center: 12,
  scale: 8,
  knots: [0, 5, 20, 90],
};
const categorical: CategoricalState = {
  kind: 'categorical',
  name: 'channel',
  categories: ['web', 'branch'],
  woe: [0.1, -0.2],
  otherWoe: 0.05,
  missingWoe: 0.3,
};
const states: FeatureState[] = [numeric, categorical, { ...numeric, name: 'age', specials: [] }];

/** The roles of the columns `encodeFeature` sets to non-zero for one value, WoE aside. */
function rolesSet(s: FeatureState, v: RawValue): ColumnRole[] {
  const roles = blockRoles(s);
  const out = new Float32Array(roles.length);
  encodeFeature(s, v, out, 0);
  return roles.filter((r, i) => r !== 'woe' && out[i] !== 0);
}

describe('the encoding layout', () => {
  it('gives every feature a contiguous block, and the blocks fill the row', () => {
    const blocks = featureBlocks(states);
    expect(blocks.map((b) => b.feature)).toEqual(['dpd', 'channel', 'age']);
    blocks.forEach((b, j) => expect(b.offset).toBe(j === 0 ? 0 : blocks[j - 1].offset + blocks[j - 1].width));
    expect(blocks.at(-1)!.offset + blocks.at(-1)!.width).toBe(inputWidth(states));
    expect(inputRoles(states)).toHaveLength(inputWidth(states));
    expect(inputRoles(states).every((r) => r !== undefined)).toBe(true);
  });

  it('names the columns as the numeric block lays them out', () => {
    expect(blockRoles(numeric)).toEqual(['woe', 'scaled', 'missing', 'special', 'special', 'ple', 'ple', 'ple']);
    expect(blockRoles(categorical)).toEqual(['woe', 'category', 'category', 'other']);
  });

  it('agrees with what encodeFeature writes: missing, special codes, magnitudes, categories', () => {
    expect(rolesSet(numeric, null)).toEqual(['missing']);
    const special = blockRoles(numeric).indexOf('special');
    const out = new Float32Array(blockRoles(numeric).length);
    encodeFeature(numeric, 98, out, 0);
    expect(out[special + 1]).toBe(1); // the second special code's flag
    expect(rolesSet(numeric, 98)).toEqual(['special']);
    expect(new Set(rolesSet(numeric, 40))).toEqual(new Set(['scaled', 'ple']));
    expect(rolesSet(categorical, 'branch')).toEqual(['category']);
    expect(rolesSet(categorical, 'phone')).toEqual(['other']);
    expect(rolesSet(categorical, null)).toEqual([]);
  });
});
