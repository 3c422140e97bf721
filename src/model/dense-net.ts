/**
 * A plain typed-array forward pass for the bundle's small dense network. tfjs pays a fixed
 * per-call overhead that dominates single-row scoring; this evaluator has none and is checked
 * against tfjs's own predict when a bundle loads (see load.ts).
 *
 * Serving does not call `forward` on encoded vectors: feature-tables.ts computes the first layer
 * straight from raw values and hands its pre-activations to `tail`. `forward` is the reference
 * both are checked against.
 */

export type Activation = 'relu' | 'linear' | 'sigmoid' | 'tanh' | 'elu';

export interface DenseLayer {
  inputs: number;
  units: number;
  /** Row-major [inputs][units], as tfjs stores a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array;
  activation: Activation;
}

export function activate(a: Activation, v: number): number {
  switch (a) {
    case 'relu':
      return v > 0 ? v : 0;
    case 'linear':
      return v;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
    case 'elu':
      return v > 0 ? v : Math.expm1(v);
  }
}

/**
 * For each kernel row, the first and one-past-last column holding a non-zero weight. An ensemble
 * folded into one network is block-diagonal after its first layer, so most of each row is zero
 * and skipping it saves most of the work.
 */
function rowRanges(l: DenseLayer): Int32Array {
  const r = new Int32Array(l.inputs * 2);
  for (let i = 0; i < l.inputs; i++) {
    let lo = 0;
    let hi = l.units;
    while (lo < hi && l.kernel[i * l.units + lo] === 0) lo++;
    while (hi > lo && l.kernel[i * l.units + hi - 1] === 0) hi--;
    r[2 * i] = lo;
    r[2 * i + 1] = hi;
  }
  return r;
}

interface Prepared {
  inputs: number;
  units: number;
  /** Float64 copies: mixing Float32Array loads into a float64 accumulator costs a conversion per MAC. */
  kernel: Float64Array;
  bias: Float64Array;
  activation: Activation;
  ranges: Int32Array;
  out: Float64Array;
}

export class DenseNet {
  private readonly prepared: Prepared[];

  constructor(readonly layers: readonly DenseLayer[]) {
    if (layers.length === 0) throw new Error('a dense network needs at least one layer');
    for (let i = 1; i < layers.length; i++)
      if (layers[i].inputs !== layers[i - 1].units)
        throw new Error(`layer ${i} expects ${layers[i].inputs} inputs, gets ${layers[i - 1].units}`);
    if (layers[layers.length - 1].units !== 1) throw new Error('the last layer must have one unit (the logit)');
    this.prepared = layers.map((l) => ({
      inputs: l.inputs,
      units: l.units,
      kernel: Float64Array.from(l.kernel),
      bias: Float64Array.from(l.bias),
      activation: l.activation,
      ranges: rowRanges(l),
      out: new Float64Array(l.units),
    }));
  }

  get inputWidth(): number {
    return this.layers[0].inputs;
  }

  /** Width of the first layer's output: what `tail` takes. */
  get hiddenWidth(): number {
    return this.layers[0].units;
  }

  /** The network's output for one encoded input vector (a logit for our models). */
  forward(x: Float32Array, offset = 0): number {
    const first = this.prepared[0];
    const h = first.out;
    h.set(first.bias);
    this.accumulate(first, x, offset, h);
    return this.tail(h);
  }

  /**
   * The rest of the network, from the first layer's pre-activations `h` (bias included). `h` may
   * be overwritten.
   */
  tail(h: Float64Array): number {
    const p = this.prepared;
    const a0 = p[0].activation;
    if (a0 !== 'linear') for (let o = 0; o < h.length; o++) h[o] = activate(a0, h[o]);
    let input = h;
    for (let li = 1; li < p.length; li++) {
      const layer = p[li];
      const out = layer.out;
      out.set(layer.bias);
      this.accumulate(layer, input, 0, out);
      if (layer.activation !== 'linear') for (let o = 0; o < out.length; o++) out[o] = activate(layer.activation, out[o]);
      input = out;
    }
    return input[0];
  }

  private accumulate(l: Prepared, x: Float32Array | Float64Array, base: number, out: Float64Array): void {
    const { inputs, units, kernel, ranges } = l;
    for (let i = 0; i < inputs; i++) {
      const xi = x[base + i];
      if (xi === 0) continue; // one-hot, flags, piecewise-linear inputs and ReLU outputs are mostly zero
      const row = i * units;
      const hi = ranges[2 * i + 1];
      for (let o = ranges[2 * i]; o < hi; o++) out[o] += xi * kernel[row + o];
    }
  }
}
