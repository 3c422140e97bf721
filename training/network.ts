/**
 * Fits tfjs dense networks with a seeded, hand-rolled batch loop: seeded shuffles, early stopping
 * on held-out log loss and best-weight restore. The scorecard is the zero-hidden-layer case with
 * non-negative weights on risk-oriented WoE inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, shuffle } from '../src/domain/random.js';
import { loglossFromLogits } from './losses.js';

export interface NetParams {
  hidden: number[];
  dropout: number;
  l2: number;
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  patience: number;
  nonNegative?: boolean;
}

/** Row-major inputs shared by every fold; `rows` picks the ones a fit uses. */
export interface Matrix {
  x: Float32Array;
  y: Float32Array;
  width: number;
}

/** Dense layers' weights as plain arrays: what crosses worker threads and what gets merged. */
export interface RawDense {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
}

export interface FitResult {
  weights: RawDense[];
  valLoss: number;
  epochs: number;
  bestEpoch: number;
  /** Logits for the held-out rows, in their order. */
  holdoutLogits: Float32Array;
}

export function buildNet(
  width: number,
  p: Pick<NetParams, 'hidden' | 'dropout' | 'l2' | 'learningRate' | 'nonNegative'>,
  seed: number,
): tf.Sequential {
  const m = tf.sequential();
  p.hidden.forEach((units, i) => {
    m.add(
      tf.layers.dense({
        inputShape: i === 0 ? [width] : undefined,
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
        kernelRegularizer: p.l2 > 0 ? tf.regularizers.l2({ l2: p.l2 }) : undefined,
      }),
    );
    if (p.dropout > 0) m.add(tf.layers.dropout({ rate: p.dropout, seed: seed + 100 + i }));
  });
  m.add(
    tf.layers.dense({
      inputShape: p.hidden.length === 0 ? [width] : undefined,
      units: 1,
      activation: 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 999 }),
      kernelConstraint: p.nonNegative ? tf.constraints.nonNeg() : undefined,
      kernelRegularizer: p.l2 > 0 ? tf.regularizers.l2({ l2: p.l2 }) : undefined,
    }),
  );
  m.compile({ optimizer: tf.train.adam(p.learningRate), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.sigmoidCrossEntropy(yt, yp) });
  return m;
}

function gather(m: Matrix, rows: Int32Array, from: number, to: number, bx: Float32Array, by?: Float32Array): void {
  const w = m.width;
  for (let i = from; i < to; i++) {
    const r = rows[i];
    bx.set(m.x.subarray(r * w, (r + 1) * w), (i - from) * w);
    if (by) by[i - from] = m.y[r];
  }
}

/** Logits for the given rows, predicted in chunks. */
export function predictLogits(model: tf.LayersModel, m: Matrix, rows: Int32Array, chunk = 8192): Float32Array {
  const out = new Float32Array(rows.length);
  const buf = new Float32Array(Math.min(chunk, rows.length) * m.width);
  for (let s = 0; s < rows.length; s += chunk) {
    const e = Math.min(rows.length, s + chunk);
    gather(m, rows, s, e, buf);
    // predict() defaults to batches of 32 rows, which is ~50x slower here than one call per chunk.
    const part = tf.tidy(() =>
      (model.predict(tf.tensor2d(buf.subarray(0, (e - s) * m.width), [e - s, m.width]), { batchSize: e - s }) as tf.Tensor).dataSync(),
    );
    out.set(part as Float32Array, s);
  }
  return out;
}

export function rawWeights(model: tf.LayersModel): RawDense[] {
  return model.layers
    .filter((l) => l.getClassName() === 'Dense')
    .map((l) => {
      const [k, b] = l.getWeights();
      return {
        inputs: k.shape[0] as number,
        units: k.shape[1] as number,
        kernel: k.dataSync() as Float32Array,
        bias: b.dataSync() as Float32Array,
      };
    });
}

export async function fitNet(
  m: Matrix,
  fitRows: Int32Array,
  holdRows: Int32Array,
  p: NetParams,
  seed: number,
  onEpoch?: (e: { epoch: number; loss: number; valLoss: number; best: boolean }) => void,
): Promise<FitResult> {
  const model = buildNet(m.width, p, seed);
  const order = Int32Array.from(fitRows);
  const holdY = Float32Array.from(holdRows, (r) => m.y[r]);
  const rand = mulberry32(seed ^ 0x5eed);
  // model.fit over a large pre-shuffled chunk is ~5x faster per epoch than trainOnBatch per batch,
  // which pays a synchronous round trip every step; chunking bounds the memory of big data sets.
  const chunkRows = Math.min(order.length, p.batchSize * 64);
  const bx = new Float32Array(chunkRows * m.width);
  const by = new Float32Array(chunkRows);
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | null = null;
  let epoch = 0;
  for (epoch = 1; epoch <= p.maxEpochs; epoch++) {
    shuffle(order, rand);
    let lossSum = 0;
    for (let s = 0; s < order.length; s += chunkRows) {
      const e = Math.min(order.length, s + chunkRows);
      gather(m, order, s, e, bx, by);
      const xs = tf.tensor2d(bx.subarray(0, (e - s) * m.width), [e - s, m.width]);
      const ys = tf.tensor2d(by.subarray(0, e - s), [e - s, 1]);
      const h = await model.fit(xs, ys, { batchSize: p.batchSize, epochs: 1, shuffle: false, verbose: 0 });
      xs.dispose();
      ys.dispose();
      lossSum += (h.history.loss[0] as number) * (e - s);
    }
    const valLoss = loglossFromLogits(holdY, predictLogits(model, m, holdRows));
    const improved = valLoss < best - 1e-6;
    if (improved) {
      best = valLoss;
      bestEpoch = epoch;
      bestWeights?.forEach((w) => w.dispose());
      bestWeights = model.getWeights().map((w) => w.clone());
    }
    onEpoch?.({ epoch, loss: lossSum / order.length, valLoss, best: improved });
    if (epoch - bestEpoch >= p.patience) break;
  }
  if (bestWeights) {
    model.setWeights(bestWeights);
    bestWeights.forEach((w) => w.dispose());
  }
  const result = {
    weights: rawWeights(model),
    valLoss: best,
    epochs: Math.min(epoch, p.maxEpochs),
    bestEpoch,
    holdoutLogits: predictLogits(model, m, holdRows),
  };
  model.dispose();
  return result;
}

/**
 * Folds same-shaped member networks into ONE Sequential network whose logit is the members'
 * mean: first layers side by side, later hidden layers block-diagonal, the output layer averaged.
 * Serving then evaluates one plain dense network, and tfjs's own format still holds it.
 */
export function mergeMembers(members: RawDense[][]): tf.Sequential {
  const k = members.length;
  const depth = members[0].length;
  const merged = tf.sequential();
  for (let li = 0; li < depth; li++) {
    const { inputs, units } = members[0][li];
    const inp = li === 0 ? inputs : inputs * k;
    const out = li === depth - 1 ? 1 : units * k;
    const kernel = new Float32Array(inp * out);
    const bias = new Float32Array(out);
    for (let m = 0; m < k; m++) {
      const L = members[m][li];
      const inOff = li === 0 ? 0 : m * inputs;
      const outOff = out === 1 ? 0 : m * units;
      const scale = out === 1 ? 1 / k : 1;
      for (let i = 0; i < L.inputs; i++)
        for (let o = 0; o < L.units; o++) kernel[(inOff + i) * out + outOff + o] = L.kernel[i * L.units + o] * scale;
      for (let o = 0; o < L.units; o++) bias[outOff + o] += L.bias[o] * scale;
    }
    const layer = tf.layers.dense({
      inputShape: li === 0 ? [inp] : undefined,
      units: out,
      activation: li === depth - 1 ? 'linear' : 'relu',
    });
    merged.add(layer);
    layer.setWeights([tf.tensor2d(kernel, [inp, out]), tf.tensor1d(bias)]);
  }
  return merged;
}
