/**
 * The layout of a row of network inputs: which columns belong to which feature, and what each
 * column carries. `encodeFeature` writes to these offsets, and everything that reads columns by
 * what they mean (the ablations that zero one kind of input, the serving tables that fold a
 * feature's block into the first layer) reads them from here, so the layout is stated once.
 *
 * Features take consecutive blocks, in the order of the fitted states.
 * - numeric:     woe | scaled value | missing flag | one flag per special code | one column per
 *                piecewise-linear segment (knots.length - 1)
 * - categorical: woe | one column per kept category (one-hot) | other
 */
import type { CategoricalState, FeatureState, NumericState } from './encoding.js';

/** What one network input column carries. */
export type ColumnRole = 'woe' | 'scaled' | 'missing' | 'special' | 'ple' | 'category' | 'other';

/** Column offsets inside a numeric feature's block; the special flags start at `specials`. */
export const NUMERIC_BLOCK = { woe: 0, scaled: 1, missing: 2, specials: 3 } as const;

/** Column offsets inside a categorical feature's block; the one-hot columns start at `categories`. */
export const CATEGORICAL_BLOCK = { woe: 0, categories: 1 } as const;

/** Offset of a numeric block's first piecewise-linear segment: right after the special flags. */
export function pleOffset(s: NumericState): number {
  return NUMERIC_BLOCK.specials + s.specials.length;
}

/** Offset of a categorical block's "other" column: right after the one-hot columns. */
export function otherOffset(s: CategoricalState): number {
  return CATEGORICAL_BLOCK.categories + s.categories.length;
}

/** Width of one feature's block of network inputs. */
export function featureWidth(s: FeatureState): number {
  return s.kind === 'categorical' ? otherOffset(s) + 1 : pleOffset(s) + (s.knots.length - 1);
}

/** Width of a whole row of network inputs. */
export function inputWidth(states: readonly FeatureState[]): number {
  let w = 0;
  for (const s of states) w += featureWidth(s);
  return w;
}

/** Where one feature's block sits in the row. */
export interface FeatureBlock {
  feature: string;
  offset: number;
  width: number;
}

/** Every feature's block, in row order. */
export function featureBlocks(states: readonly FeatureState[]): FeatureBlock[] {
  let offset = 0;
  return states.map((s) => {
    const block = { feature: s.name, offset, width: featureWidth(s) };
    offset += block.width;
    return block;
  });
}

/** The role of each column of one feature's block, in block order. */
export function blockRoles(s: FeatureState): ColumnRole[] {
  const roles = new Array<ColumnRole>(featureWidth(s));
  if (s.kind === 'categorical') {
    roles[CATEGORICAL_BLOCK.woe] = 'woe';
    roles.fill('category', CATEGORICAL_BLOCK.categories, otherOffset(s));
    roles[otherOffset(s)] = 'other';
    return roles;
  }
  roles[NUMERIC_BLOCK.woe] = 'woe';
  roles[NUMERIC_BLOCK.scaled] = 'scaled';
  roles[NUMERIC_BLOCK.missing] = 'missing';
  roles.fill('special', NUMERIC_BLOCK.specials, pleOffset(s));
  roles.fill('ple', pleOffset(s), roles.length);
  return roles;
}

/** The role of each column of the whole row, in row order. */
export function inputRoles(states: readonly FeatureState[]): ColumnRole[] {
  return states.flatMap(blockRoles);
}
