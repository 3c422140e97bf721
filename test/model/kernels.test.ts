/**
 * The served forward pass (feature tables + SIMD kernels) against the plain typed-array pass, on
 * hand-built encodings whose every segment, special code, clip and category is exercised; and the
 * committed kernels.wasm against its source.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernels, WASM } from '../../scripts/build-wasm.js';
import { encodeRow, inputWidth, type FeatureState, type RawRow } from '../../src/domain/encoding.js';
import { mulberry32 } from '../../src/domain/random.js';
import { DenseNet, type Activation, type DenseLayer } from '../../src/model/dense-net.js';
import { kernelModule, WasmNet } from '../../src/model/wasm-net.js';

const states: FeatureState[] = [
  {
    kind: 'numeric', name: 'income', specials: [-1, 999], edges: [10, 25, 60], woe: [0.8, 0.2, -0.3, -0.9], specialWoe: [0.5, 1.1], missingWoe: 0.4,
    missing: 'bin', median: 30, lo: 0, hi: 200, center: 30, scale: 12, knots: [0, 10, 25, 60, 200],
  },
  {
    kind: 'numeric', name: 'util', specials: [], edges: [0.3, 0.7], woe: [-0.6, 0.1, 0.9], specialWoe: [], missingWoe: 0,
    missing: 'median', median: 0.4, lo: 0, hi: 1.5, center: 0.4, scale: 0.05, knots: [0, 0.5, 1.5],
  },
  { kind: 'categorical', name: 'grade', categories: ['A', 'B', 'C'], woe: [-1, 0, 1], otherWoe: 0.3, missingWoe: 0.6 },
  {
    kind: 'numeric', name: 'age', specials: [], edges: [], woe: [0], specialWoe: [], missingWoe: 0.2,
    missing: 'bin', median: 40, lo: 18, hi: 90, center: 40, scale: 15, knots: [18, 90],
  },
];

/** A random dense layer; `blocks` > 1 makes it block-diagonal, as a folded ensemble is after layer 1. */
function layer(rand: () => number, inputs: number, units: number, activation: Activation, blocks = 1): DenseLayer {
  const kernel = new Float32Array(inputs * units);
  const inPer = Math.ceil(inputs / blocks);
  const outPer = Math.ceil(units / blocks);
  for (let i = 0; i < inputs; i++)
    for (let o = 0; o < units; o++) if (blocks === 1 || Math.floor(i / inPer) === Math.floor(o / outPer)) kernel[i * units + o] = rand() * 2 - 1;
  return { inputs, units, kernel, bias: Float32Array.from({ length: units }, () => rand() - 0.5), activation };
}

function rows(rand: () => number, n: number): RawRow[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: n }, () => ({
    // Exact edges and knots, specials, clips on both sides, missing, NaN, numeric strings, booleans.
    income: pick<number | string | null>([...[10, 25, 60, 0, 200, -1, 999, -50, 5000, NaN, '42.5', ''], null, rand() * 220 - 10]),
    util: pick<number | boolean | null>([0.3, 0.7, 0.5, 1.5, 2, -1, true, null, rand() * 1.6]),
    grade: pick(['A', 'B', 'C', 'Z', '', null]),
    age: pick([18, 90, 10, 120, null, 18 + rand() * 72]),
  }));
}

function compare(units: number[], activations: Activation[], blocks: number[]): number {
  const rand = mulberry32(units.reduce((a, b) => a * 31 + b, 7));
  const width = inputWidth(states);
  const layers: DenseLayer[] = [];
  let inputs = width;
  units.forEach((u, i) => {
    layers.push(layer(rand, inputs, u, activations[i], blocks[i]));
    inputs = u;
  });
  const net = new DenseNet(layers);
  const wasm = new WasmNet(kernelModule()!, states, net);
  const x = new Float32Array(width);
  const woe = new Float32Array(states.length);
  let worst = 0;
  for (const row of rows(rand, 2000)) {
    encodeRow(states, row, x, woe);
    const ref = net.forward(x);
    worst = Math.max(worst, Math.abs(wasm.logit(row) - ref) / Math.max(1, Math.abs(ref)));
  }
  return worst;
}

// The plain pass reads float32-encoded inputs, the served one evaluates each segment in float64:
// they differ by float32 rounding (~1e-7 relative), while a wrong segment or lane is off by ~0.1.
describe('served forward pass (feature tables + SIMD kernels)', () => {
  it('has WebAssembly SIMD on this runtime', () => {
    expect(kernelModule()).not.toBeNull();
  });

  it('agrees with the plain pass on every segment, special, clip and category (relu ensemble)', () => {
    expect(compare([40, 20, 1], ['relu', 'relu', 'linear'], [1, 4, 1])).toBeLessThan(1e-6);
  });

  it('agrees with odd widths (SIMD padding) and other activations', () => {
    expect(compare([7, 5, 3, 1], ['tanh', 'elu', 'sigmoid', 'linear'], [1, 1, 1, 1])).toBeLessThan(1e-6);
  });

  it('the committed kernels.wasm is what kernels.wat compiles to (npm run build:wasm)', async () => {
    expect(Buffer.from(await compileKernels()).equals(readFileSync(WASM))).toBe(true);
  });
});
