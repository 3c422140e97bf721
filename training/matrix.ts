/**
 * Turns columnar training rows into model inputs with the serving encoder (`encodeFeature`,
 * `featureWoe`), a batch at a time, so training and serving cannot disagree on an input.
 */
import { encodeFeature, featureWoe, type FeatureState, type RawValue } from '../src/domain/encoding.js';
import { featureBlocks, inputWidth } from '../src/domain/encoding-layout.js';
import type { Column } from './read.js';

export interface Encoded {
  /** rows × width network inputs. */
  x: Float32Array;
  /** rows × features WoE values (scorecard inputs). */
  woe: Float32Array;
  width: number;
  rows: number;
}

const value = (c: Column, r: number): RawValue => (c.kind === 'numeric' ? (Number.isNaN(c.values[r]) ? null : c.values[r]) : c.values[r]);

/**
 * Encodes the given rows (indices into the columns). `shared` puts the network inputs in a
 * SharedArrayBuffer, so worker threads can read them without a second copy.
 */
export function encodeRows(states: readonly FeatureState[], cols: readonly Column[], rows: ArrayLike<number>, shared = false): Encoded {
  const width = inputWidth(states);
  const f = states.length;
  const n = rows.length;
  const x = new Float32Array(shared ? new SharedArrayBuffer(n * width * 4) : new ArrayBuffer(n * width * 4));
  const woe = new Float32Array(n * f);
  const blocks = featureBlocks(states);
  for (let j = 0; j < f; j++) {
    const s = states[j];
    const c = cols[j];
    const at = blocks[j].offset;
    for (let i = 0; i < n; i++) {
      const v = value(c, rows[i]);
      woe[i * f + j] = featureWoe(s, v);
      encodeFeature(s, v, x, i * width + at);
    }
  }
  return { x, woe, width, rows: n };
}
