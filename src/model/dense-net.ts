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

/**
 * A block of first-layer inputs known to read 1, 1, ..., 1, f, 0, ..., 0 (a piecewise-linear
 * encoding): its contribution is a prefix sum of kernel rows plus f times the next row, two
 * vector adds instead of one per segment.
 */
export interface OnesBlock {
  start: number;
  end: number;
}

interface PreparedBlock extends OnesBlock {
  /** prefix[m * units + o] = sum of kernel rows start .. start+m-1, column o. */
  prefix: Float64Array;
}

export class DenseNet {
  private readonly buffers: Float32Array[];
  private readonly ranges: Int32Array[];
  private readonly blocks: PreparedBlock[];
  /** For each first-layer input, the block it starts (index), -1 outside blocks, -2 inside one. */
  private readonly blockAt: Int32Array;

  constructor(
    readonly layers: readonly DenseLayer[],
    onesBlocks: readonly OnesBlock[] = [],
  ) {
    if (layers.length === 0) throw new Error('a dense network needs at least one layer');
    for (let i = 1; i < layers.length; i++)
      if (layers[i].inputs !== layers[i - 1].units) throw new Error(`layer ${i} expects ${layers[i].inputs} inputs, gets ${layers[i - 1].units}`);
    if (layers[layers.length - 1].units !== 1) throw new Error('the last layer must have one unit (the logit)');
    this.buffers = layers.map((l) => new Float32Array(l.units));
    this.ranges = layers.map(rowRanges);
    const l0 = layers[0];
    this.blockAt = new Int32Array(l0.inputs).fill(-1);
    this.blocks = onesBlocks.map(({ start, end }, bi) => {
      if (start < 0 || end > l0.inputs || end <= start) throw new Error(`bad ones block [${start}, ${end})`);
      const prefix = new Float64Array((end - start + 1) * l0.units);
      for (let m = 1; m <= end - start; m++)
        for (let o = 0; o < l0.units; o++) prefix[m * l0.units + o] = prefix[(m - 1) * l0.units + o] + l0.kernel[(start + m - 1) * l0.units + o];
      this.blockAt[start] = bi;
      this.blockAt.fill(-2, start + 1, end);
      return { start, end, prefix };
    });
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
        if (li === 0 && this.blockAt[i] !== -1) {
          if (this.blockAt[i] >= 0) this.addBlock(this.blocks[this.blockAt[i]], input, base, out, units, kernel);
          continue;
        }
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

  private addBlock(b: PreparedBlock, x: Float32Array, base: number, out: Float32Array, units: number, kernel: Float32Array): void {
    let m = 0;
    const n = b.end - b.start;
    while (m < n && x[base + b.start + m] === 1) m++;
    const p = m * units;
    for (let o = 0; o < units; o++) out[o] += b.prefix[p + o];
    if (m < n) {
      const f = x[base + b.start + m];
      if (f !== 0) {
        const row = (b.start + m) * units;
        for (let o = 0; o < units; o++) out[o] += f * kernel[row + o];
      }
      // Past the partial segment every input must be 0; anything else is not this encoding.
      for (let k = m + 1; k < n; k++) if (x[base + b.start + k] !== 0) throw new Error(`input ${b.start + k} breaks the 1..1,f,0..0 pattern`);
    }
  }
}
