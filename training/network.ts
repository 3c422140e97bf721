/**
 * Fits tfjs dense networks with a seeded, hand-rolled batch loop: seeded shuffles, early stopping
 * on validation log loss and best-weight restore. The scorecard is the zero-hidden-layer case with
 * non-negative weights on risk-oriented WoE inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, shuffle } from '../src/domain/random.js';
import { logloss } from './losses.js';

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

export interface TrainData {
  x: Float32Array;
  y: Float32Array;
  width: number;
}

export interface FitResult {
  model: tf.Sequential;
  valLoss: number;
  epochs: number;
  bestEpoch: number;
  valLogits: Float32Array;
}

export function buildNet(width: number, p: NetParams, seed: number): tf.Sequential {
  const m = tf.sequential();
  let inputs = width;
  p.hidden.forEach((units, i) => {
    m.add(
      tf.layers.dense({
        inputShape: i === 0 ? [inputs] : undefined,
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
        kernelRegularizer: p.l2 > 0 ? tf.regularizers.l2({ l2: p.l2 }) : undefined,
      }),
    );
    if (p.dropout > 0) m.add(tf.layers.dropout({ rate: p.dropout, seed: seed + 100 + i }));
    inputs = units;
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

/** Logits for every row of `x`, predicted in chunks. */
export function predictLogits(model: tf.LayersModel, x: Float32Array, width: number, chunk = 8192): Float32Array {
  const n = x.length / width;
  const out = new Float32Array(n);
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const part = tf.tidy(() => (model.predict(tf.tensor2d(x.subarray(s * width, e * width), [e - s, width])) as tf.Tensor).dataSync());
    out.set(part as Float32Array, s);
  }
  return out;
}

export async function fitNet(
  train: TrainData,
  val: TrainData,
  p: NetParams,
  seed: number,
  onEpoch?: (e: { epoch: number; loss: number; valLoss: number; best: boolean }) => void,
): Promise<FitResult> {
  const model = buildNet(train.width, p, seed);
  const n = train.y.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed ^ 0x5eed);
  const bx = new Float32Array(p.batchSize * train.width);
  const by = new Float32Array(p.batchSize);
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | null = null;
  let epoch = 0;
  for (epoch = 1; epoch <= p.maxEpochs; epoch++) {
    shuffle(order, rand);
    let lossSum = 0;
    let batches = 0;
    for (let s = 0; s < n; s += p.batchSize) {
      const e = Math.min(n, s + p.batchSize);
      const m = e - s;
      for (let i = 0; i < m; i++) {
        const r = order[s + i];
        bx.set(train.x.subarray(r * train.width, (r + 1) * train.width), i * train.width);
        by[i] = train.y[r];
      }
      const xs = tf.tensor2d(bx.subarray(0, m * train.width), [m, train.width]);
      const ys = tf.tensor2d(by.subarray(0, m), [m, 1]);
      const l = (await model.trainOnBatch(xs, ys)) as number;
      xs.dispose();
      ys.dispose();
      lossSum += l;
      batches++;
    }
    const valLoss = logloss(val.y, predictLogits(model, val.x, val.width), true);
    const improved = valLoss < best - 1e-6;
    if (improved) {
      best = valLoss;
      bestEpoch = epoch;
      bestWeights?.forEach((w) => w.dispose());
      bestWeights = model.getWeights().map((w) => w.clone());
    }
    onEpoch?.({ epoch, loss: lossSum / batches, valLoss, best: improved });
    if (epoch - bestEpoch >= p.patience) break;
  }
  if (bestWeights) {
    model.setWeights(bestWeights);
    bestWeights.forEach((w) => w.dispose());
  }
  return { model, valLoss: best, epochs: Math.min(epoch, p.maxEpochs), bestEpoch, valLogits: predictLogits(model, val.x, val.width) };
}

/**
 * Folds several same-shaped member networks into ONE Sequential network whose logit is the
 * members' mean: first layers side by side, later hidden layers block-diagonal, the output layer
 * averaged. Serving then evaluates one plain dense network.
 */
export function mergeMembers(members: tf.Sequential[], width: number, hidden: number[]): tf.Sequential {
  const k = members.length;
  if (k === 1) return members[0];
  const dense = members.map((m) => m.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.getWeights().map((w) => w.arraySync() as number[][] | number[])));
  const merged = tf.sequential();
  const sizes = [width, ...hidden, 1];
  for (let li = 0; li < sizes.length - 1; li++) {
    const inp = li === 0 ? width : sizes[li] * k;
    const out = li === sizes.length - 2 ? 1 : sizes[li + 1] * k;
    const kernel = new Float32Array(inp * out);
    const bias = new Float32Array(out);
    for (let m = 0; m < k; m++) {
      const [kw, bw] = dense[m][li] as [number[][], number[]];
      const inOff = li === 0 ? 0 : m * sizes[li];
      const outOff = out === 1 ? 0 : m * sizes[li + 1];
      const scale = out === 1 ? 1 / k : 1;
      for (let i = 0; i < kw.length; i++) for (let o = 0; o < kw[i].length; o++) kernel[(inOff + i) * out + outOff + o] = kw[i][o] * scale;
      for (let o = 0; o < bw.length; o++) bias[outOff + o] += bw[o] * scale;
    }
    const layer = tf.layers.dense({ inputShape: li === 0 ? [width] : undefined, units: out, activation: out === 1 ? 'linear' : 'relu' });
    merged.add(layer);
    layer.setWeights([tf.tensor2d(kernel, [inp, out]), tf.tensor1d(bias)]);
  }
  return merged;
}
