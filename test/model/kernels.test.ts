/**
 * The served forward pass (feature tables + SIMD kernels) against the plain typed-array pass, on
 * hand-built encodings whose every segment, special code, clip and category is exercised; and the
 * committed kernels.wasm against its source.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileKernels, WASM } from '../../scripts/build-wasm.js';
import { encodeRow, inputWidth, type FeatureState, type RawRow } from '../../src/domain/encoding.js';
import { mulberry32 } from '../../src/domain/random.js';
import { DenseNet, type Activation, type DenseLayer } from '../../src/model/dense-net.js';
import { loadModel } from '../../src/model/load.js';
import { kernelModule, WasmNet } from '../../src/model/wasm-net.js';
import { TINY_BUNDLE } from '../helpers/models.js';

const states: FeatureState[] = [
  {
    kind: 'numeric',
    name: 'income',
    specials: [-1, 999],
    edges: [10, 25, 60],
    woe: [0.8, 0.2, -0.3, -0.9],
    specialWoe: [0.5, 1.1],
    missingWoe: 0.4,
    missing: 'bin',
    median: 30,
    lo: 0,
    hi: 200,
    center: 30,
    scale: 12,
    knots: [0, 10, 25, 60, 200],
  },
  {
    kind: 'numeric',
    name: 'util',
    specials: [],
    edges: [0.3, 0.7],
    woe: [-0.6, 0.1, 0.9],
    specialWoe: [],
    missingWoe: 0,
    missing: 'median',
    median: 0.4,
    lo: 0,
    hi: 1.5,
    center: 0.4,
    scale: 0.05,
    knots: [0, 0.5, 1.5],
  },
  { kind: 'categorical', name: 'grade', categories: ['A', 'B', 'C'], woe: [-1, 0, 1], otherWoe: 0.3, missingWoe: 0.6 },
  {
    kind: 'numeric',
    name: 'age',
    specials: [],
    edges: [],
    woe: [0],
    specialWoe: [],
    missingWoe: 0.2,
    missing: 'bin',
    median: 40,
    lo: 18,
    hi: 90,
    center: 40,
    scale: 15,
    knots: [18, 90],
  },
];

/** A random dense layer; `blocks` > 1 makes it block-diagonal, as a folded ensemble is after layer 1. */
function layer(rand: () => number, inputs: number, units: number, activation: Activation, blocks = 1): DenseLayer {
  const kernel = new Float32Array(inputs * units);
  const inPer = Math.ceil(inputs / blocks);
  const outPer = Math.ceil(units / blocks);
  for (let i = 0; i < inputs; i++)
    for (let o = 0; o < units; o++)
      if (blocks === 1 || Math.floor(i / inPer) === Math.floor(o / outPer)) kernel[i * units + o] = rand() * 2 - 1;
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

function compare(
  units: number[],
  activations: Activation[],
  blocks: number[],
  st: FeatureState[] = states,
  sample: (rand: () => number, n: number) => RawRow[] = rows,
): number {
  const rand = mulberry32(units.reduce((a, b) => a * 31 + b, 7));
  const width = inputWidth(st);
  const layers: DenseLayer[] = [];
  let inputs = width;
  units.forEach((u, i) => {
    layers.push(layer(rand, inputs, u, activations[i], blocks[i]));
    inputs = u;
  });
  const net = new DenseNet(layers);
  const wasm = new WasmNet(kernelModule()!, st, net);
  const x = new Float32Array(width);
  const woe = new Float32Array(st.length);
  let worst = 0;
  for (const row of sample(rand, 2000)) {
    encodeRow(st, row, x, woe);
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

  it('keeps precision on large values and tabulates segments a few ulps wide', () => {
    // An epoch-milliseconds-like feature: values near 1.7e12, knots 1 apart, and its lower clip one
    // ulp above the first knot (breakpoints that close come from quantile knots on real data).
    const base = 1.7e12;
    const ulp = 2 ** -12; // spacing of doubles near 1.7e12
    const wide: FeatureState[] = [
      {
        kind: 'numeric',
        name: 't',
        specials: [],
        edges: [base + 2],
        woe: [0.3, -0.2],
        specialWoe: [],
        missingWoe: 0,
        missing: 'bin',
        median: base + 3,
        lo: base + ulp,
        hi: base + 6,
        center: base + 3,
        scale: 0.5,
        knots: [base, base + 1, base + 2, base + 4, base + 6],
      },
    ];
    const sample = (rand: () => number, n: number): RawRow[] =>
      Array.from({ length: n }, () => ({ t: [base, base + ulp, base + 2, base + 6, null][Math.floor(rand() * 5)] ?? base + rand() * 7 }));
    expect(compare([16, 8, 1], ['relu', 'relu', 'linear'], [1, 2, 1], wide, sample)).toBeLessThan(1e-6);
  });

  it('tabulates a segment two ulps wide whose piecewise-linear input climbs from 0 to 1 inside it', () => {
    const u = 2 ** -52; // spacing of doubles in [1, 2)
    const steep: FeatureState[] = [
      {
        kind: 'numeric',
        name: 'r',
        specials: [],
        edges: [1],
        woe: [0.4, -0.4],
        specialWoe: [],
        missingWoe: 0,
        missing: 'bin',
        median: 1,
        lo: -4,
        hi: 21,
        center: 1,
        scale: 5,
        knots: [-4, 1, 1 + 2 * u, 21],
      },
    ];
    const sample = (rand: () => number, n: number): RawRow[] =>
      Array.from({ length: n }, () => ({ r: [1, 1 + u, 1 + 2 * u, 1 + 3 * u, -4, 21][Math.floor(rand() * 6)] }));
    expect(compare([12, 1], ['relu', 'linear'], [1, 1], steep, sample)).toBeLessThan(1e-6);
  });

  it('a bundle the SIMD path cannot tabulate serves through the plain pass and says why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arrears-kernels-'));
    try {
      await cp(TINY_BUNDLE, dir, { recursive: true });
      const path = join(dir, 'bundle.json');
      const b = JSON.parse(await readFile(path, 'utf8'));
      // A clip bound so large that no point past it can be represented: the last segment cannot be sampled.
      b.preprocessing[0].hi = 1e308;
      await writeFile(path, JSON.stringify(b));
      const m = await loadModel(dir);
      expect(m.engine).toBe('plain');
      expect(m.engineNote).toMatch(/SIMD path refused .*income/);
      const pd = m.predictPd([{ income: 5000, util: 0.3, grade: 'B' }])[0];
      expect(pd).toBeGreaterThan(0);
      expect(pd).toBeLessThan(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the committed kernels.wasm is what kernels.wat compiles to (npm run build:wasm)', async () => {
    expect(Buffer.from(await compileKernels()).equals(readFileSync(WASM))).toBe(true);
  });
});
