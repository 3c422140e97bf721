/**
 * A plain Float32Array forward pass for the bundle's small dense network. tfjs pays a fixed
 * per-call overhead that dominates single-row scoring; this evaluator has none and is checked
 * against tfjs's own predict when a bundle loads (see load.ts).
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

function activate(a: Activation, v: number): number {
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

export class DenseNet {
  private readonly buffers: Float32Array[];
  private readonly ranges: Int32Array[];

  constructor(readonly layers: readonly DenseLayer[]) {
    if (layers.length === 0) throw new Error('a dense network needs at least one layer');
    for (let i = 1; i < layers.length; i++)
      if (layers[i].inputs !== layers[i - 1].units) throw new Error(`layer ${i} expects ${layers[i].inputs} inputs, gets ${layers[i - 1].units}`);
    if (layers[layers.length - 1].units !== 1) throw new Error('the last layer must have one unit (the logit)');
    this.buffers = layers.map((l) => new Float32Array(l.units));
    this.ranges = layers.map(rowRanges);
  }

  get inputWidth(): number {
    return this.layers[0].inputs;
  }

  /** The network's output for one input vector (a logit for our models). */
  forward(x: Float32Array, offset = 0): number {
    let input = x;
    let base = offset;
    for (let li = 0; li < this.layers.length; li++) {
      const { inputs, units, kernel, bias, activation } = this.layers[li];
      const out = this.buffers[li];
      const range = this.ranges[li];
      out.set(bias);
      for (let i = 0; i < inputs; i++) {
        const xi = input[base + i];
        if (xi === 0) continue; // one-hot, flags and piecewise-linear inputs are mostly zero
        const row = i * units;
        const hi = range[2 * i + 1];
        for (let o = range[2 * i]; o < hi; o++) out[o] += xi * kernel[row + o];
      }
      if (activation !== 'linear') for (let o = 0; o < units; o++) out[o] = activate(activation, out[o]);
      input = out;
      base = 0;
    }
    return input[0];
  }
}
