/**
 * Loads and validates a model bundle directory, and serves it through the LoadedModel interface.
 * A bundle that fails any check is refused with a BundleError naming the problem, so a corrupt
 * bundle can never replace a working one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BundleSchema, type Bundle } from '../domain/bundle.js';
import { encodeRow, inputWidth, type EncodeWarning, type RawRow } from '../domain/encoding.js';
import { predictPd, scorecardLogit, usesNetwork, type PredictionModel } from '../domain/prediction.js';
import { bestContributions, pdToPoints, reasonCodes, tierFor } from '../domain/scoring.js';
import { DenseNet, type Activation, type DenseLayer } from './dense-net.js';
import { kernelError, kernelModule, WasmNet } from './wasm-net.js';
import { readArtifacts } from './io.js';
import { championDir } from './registry.js';
import { mulberry32 } from '../domain/random.js';
import type { LoadedModel, ScoreResult } from './types.js';

export class BundleError extends Error {
  override name = 'BundleError';
}

const ACTIVATIONS = new Set(['relu', 'linear', 'sigmoid', 'tanh', 'elu']);

/** Converts a tfjs Sequential model of Dense (and inference-inert Dropout) layers into a DenseNet. */
export function toDenseNet(model: tf.LayersModel): DenseNet {
  const layers: DenseLayer[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Dropout' || cls === 'InputLayer') continue;
    if (cls !== 'Dense') throw new BundleError(`unsupported layer ${cls} (${layer.name}): bundles hold Dense networks only`);
    const cfg = layer.getConfig() as { activation?: string; useBias?: boolean };
    const act = cfg.activation ?? 'linear';
    if (!ACTIVATIONS.has(act)) throw new BundleError(`unsupported activation ${act} in ${layer.name}`);
    const [kernel, bias] = layer.getWeights();
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({
      inputs,
      units,
      kernel: kernel.dataSync() as Float32Array,
      bias: bias ? (bias.dataSync() as Float32Array) : new Float32Array(units),
      activation: act as Activation,
    });
  }
  return new DenseNet(layers);
}

function checkConsistency(b: Bundle): void {
  const n = b.features.length;
  if (b.preprocessing.length !== n) throw new BundleError(`bundle.json: ${b.preprocessing.length} preprocessing states for ${n} features`);
  if (b.model.scorecard.coef.length !== n)
    throw new BundleError(`bundle.json: ${b.model.scorecard.coef.length} scorecard coefficients for ${n} features`);
  b.preprocessing.forEach((s, j) => {
    if (s.name !== b.features[j].name)
      throw new BundleError(`bundle.json: preprocessing[${j}] is "${s.name}", features[${j}] is "${b.features[j].name}"`);
    if (s.kind === 'numeric' && s.woe.length !== s.edges.length + 1)
      throw new BundleError(`bundle.json: preprocessing[${j}] has ${s.woe.length} WoE values for ${s.edges.length + 1} bins`);
    if (s.kind === 'numeric' && s.specialWoe.length !== s.specials.length)
      throw new BundleError(`bundle.json: preprocessing[${j}] special WoE count mismatch`);
    if (s.kind === 'categorical' && s.woe.length !== s.categories.length)
      throw new BundleError(`bundle.json: preprocessing[${j}] category WoE count mismatch`);
  });
  if (b.tiers.names.length !== b.tiers.cuts.length + 1) throw new BundleError('bundle.json: tiers need one more name than cut points');
  if (b.model.network && b.model.network.inputWidth !== inputWidth(b.preprocessing))
    throw new BundleError(
      `bundle.json: network input width ${b.model.network.inputWidth} does not match the encoding's ${inputWidth(b.preprocessing)}`,
    );
}

export async function readBundleJson(dir: string): Promise<Bundle> {
  const path = join(dir, 'bundle.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new BundleError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  const parsed = BundleSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new BundleError(`${path} is not a valid bundle: ${first.join('; ')}`);
  }
  checkConsistency(parsed.data);
  return parsed.data;
}

/** The network as served: the wasm path where this runtime has WebAssembly SIMD, else the plain pass. */
interface NetworkPath {
  readonly kind: 'wasm-simd' | 'plain';
  /** Why a slower path serves, or null. */
  readonly note: string | null;
  /** Whether `logit` reads the encoded network inputs (the plain pass) or only the raw row. */
  readonly needsEncoded: boolean;
  logit(row: RawRow, encoded: Float32Array): number;
}

class BundleModel implements LoadedModel {
  private readonly best: number[];
  private readonly prediction: PredictionModel;
  private readonly x: Float32Array;
  private readonly woe: Float32Array;

  constructor(
    readonly bundle: Bundle,
    readonly dir: string,
    private readonly network: NetworkPath | null,
  ) {
    this.best = bestContributions(bundle.preprocessing, bundle.model.scorecard.coef);
    this.prediction = { scorecard: bundle.model.scorecard, blendWeight: bundle.model.blendWeight, calibration: bundle.calibration };
    this.x = new Float32Array(inputWidth(bundle.preprocessing));
    this.woe = new Float32Array(bundle.preprocessing.length);
  }

  get engine(): LoadedModel['engine'] {
    return this.network?.kind ?? 'scorecard';
  }

  get engineNote(): string | null {
    return this.network?.note ?? null;
  }

  /**
   * The PD of one row; leaves the row's WoE vector in `this.woe` (and, for the plain pass, its
   * network inputs in `this.x`) until the next call. Scoring is synchronous, so one scratch pair
   * per model serves every request without allocating.
   */
  private pd(row: RawRow, warnings?: EncodeWarning[]): number {
    const m = this.prediction;
    encodeRow(this.bundle.preprocessing, row, this.network?.needsEncoded ? this.x : null, this.woe, warnings);
    const zs = scorecardLogit(m.scorecard, this.woe);
    const zn = this.network && usesNetwork(m) ? this.network.logit(row, this.x) : 0;
    return predictPd(m, zs, zn);
  }

  scoreRows(rows: readonly RawRow[]): ScoreResult[] {
    const b = this.bundle;
    const model = { name: b.name, version: b.version };
    const out: ScoreResult[] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const warnings: EncodeWarning[] = [];
      const pd = this.pd(rows[r], warnings);
      // Never hand out a NaN PD (it would fall in the lowest-risk tier): the load checks make this
      // unreachable for a sound bundle, so reaching it is an internal error.
      if (!Number.isFinite(pd)) throw new Error(`${this.dir}: the model produced a non-finite PD (${pd}) for a validated row`);
      out[r] = {
        pd,
        score: pdToPoints(b.scaling, pd),
        tier: tierFor(b.tiers, pd),
        reasons: reasonCodes(b, this.woe, this.best),
        model,
        warnings,
      };
    }
    return out;
  }

  predictPd(rows: readonly RawRow[]): Float64Array {
    const out = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      out[r] = this.pd(rows[r]);
      if (!Number.isFinite(out[r])) throw new Error(`${this.dir}: the model produced a non-finite PD (${out[r]}) for a validated row`);
    }
    return out;
  }
}

/** Synthetic warm-up rows spanning each feature's training range (and missing values). */
function probeRows(b: Bundle): RawRow[] {
  const rows: RawRow[] = [];
  for (let k = 0; k < 8; k++) {
    const row: Record<string, number | string | null> = {};
    for (const s of b.preprocessing) {
      if (s.kind === 'numeric') row[s.name] = k === 7 ? null : s.lo + ((s.hi - s.lo) * k) / 6;
      else row[s.name] = k === 7 ? null : (s.categories[k % Math.max(1, s.categories.length)] ?? 'other');
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Rows that probe every table segment: each numeric value drawn from its breakpoints, specials,
 * missing, out-of-range and in-range values; each categorical value from its categories, an unseen
 * one and missing. Seeded, so a load is deterministic.
 */
function checkRows(b: Bundle, n: number): RawRow[] {
  const rand = mulberry32(20261129);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: n }, () => {
    const row: Record<string, number | string | null> = {};
    for (const s of b.preprocessing) {
      if (s.kind === 'categorical') {
        row[s.name] = pick([...s.categories, 'never-seen-category', null]);
        continue;
      }
      const span = s.hi - s.lo || 1;
      const u = rand();
      if (u < 0.3) row[s.name] = pick([...s.edges, ...s.knots, s.lo, s.hi]);
      else if (u < 0.4) row[s.name] = s.specials.length ? pick(s.specials) : null;
      else if (u < 0.45) row[s.name] = null;
      else if (u < 0.55) row[s.name] = rand() < 0.5 ? s.lo - span * rand() : s.hi + span * rand();
      else row[s.name] = s.lo + span * rand();
    }
    return row;
  });
}

/**
 * The rows every served path is checked on, with the plain pass's logit for each. A non-finite
 * logit means corrupt weights (a NaN a few probe rows may not reach): the bundle is refused.
 */
function checkSet(dir: string, b: Bundle, net: DenseNet): { row: RawRow; ref: number }[] {
  const x = new Float32Array(net.inputWidth);
  const woe = new Float32Array(b.preprocessing.length);
  return [...probeRows(b), ...checkRows(b, 256)].map((row, i) => {
    encodeRow(b.preprocessing, row, x, woe);
    const ref = net.forward(x);
    if (!Number.isFinite(ref))
      throw new BundleError(
        `${dir}: the network gives a non-finite logit (${ref}) on check row ${i}: corrupt weights? ${JSON.stringify(row)}`,
      );
    return { row, ref };
  });
}

/**
 * The fastest path this runtime supports, checked against the plain pass (itself checked against
 * tfjs) on every check row. Where the SIMD path cannot be built or disagrees, the model serves
 * through the plain pass and says why in `engineNote`, rather than refusing a good bundle; a
 * bundle whose plain pass is itself broken never gets this far.
 */
function servedPath(_dir: string, b: Bundle, net: DenseNet, checks: readonly { row: RawRow; ref: number }[]): NetworkPath {
  const plain = (note: string): NetworkPath => ({ kind: 'plain', note, needsEncoded: true, logit: (_row, x) => net.forward(x) });
  const module = kernelModule();
  if (!module) return plain(`WebAssembly SIMD kernels unavailable: ${kernelError()}`);
  try {
    const wasm = new WasmNet(module, b.preprocessing, net);
    checks.forEach(({ row, ref }, i) => {
      const served = wasm.logit(row);
      if (!(Math.abs(served - ref) <= 1e-5 * Math.max(1, Math.abs(ref))))
        throw new Error(`check row ${i}: SIMD ${served}, plain ${ref}: ${JSON.stringify(row)}`);
    });
    return { kind: 'wasm-simd', note: null, needsEncoded: false, logit: (row) => wasm.logit(row) };
  } catch (e) {
    return plain(`SIMD path refused for this bundle, serving through the plain pass: ${(e as Error).message}`);
  }
}

/**
 * Loads a bundle directory: validates bundle.json, loads the tfjs network, converts it to the plain
 * evaluator, checks the two agree to 1e-4 on probe rows, then builds the served path (feature
 * tables + SIMD kernels) and checks it against the plain evaluator, all before anything is served.
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const bundle = await readBundleJson(dir);
  let network: NetworkPath | null = null;
  if (bundle.model.network) {
    let tfModel: tf.LayersModel;
    try {
      tfModel = await tf.loadLayersModel(tf.io.fromMemory(await readArtifacts(dir)));
    } catch (e) {
      throw new BundleError(`${dir}: cannot load the network: ${(e as Error).message}`);
    }
    let net: DenseNet;
    try {
      net = toDenseNet(tfModel);
      if (net.inputWidth !== bundle.model.network.inputWidth)
        throw new BundleError(`${dir}: model.json takes ${net.inputWidth} inputs, bundle.json says ${bundle.model.network.inputWidth}`);
      const probes = probeRows(bundle);
      const width = net.inputWidth;
      const x = new Float32Array(probes.length * width);
      const woe = new Float32Array(bundle.preprocessing.length);
      probes.forEach((p, i) => encodeRow(bundle.preprocessing, p, x.subarray(i * width), woe));
      const ref = tf.tidy(() => (tfModel.predict(tf.tensor2d(x, [probes.length, width])) as tf.Tensor).dataSync());
      for (let i = 0; i < probes.length; i++) {
        const mine = net.forward(x, i * width);
        if (!(Math.abs(mine - ref[i]) <= 1e-4 * Math.max(1, Math.abs(ref[i]))))
          throw new BundleError(`${dir}: network check failed on probe ${i} (plain ${mine}, tfjs ${ref[i]})`);
      }
    } finally {
      tfModel.dispose();
    }
    network = servedPath(dir, bundle, net, checkSet(dir, bundle, net));
  }
  const model = new BundleModel(bundle, dir, network);
  let pds: Float64Array;
  try {
    pds = model.predictPd(probeRows(bundle));
  } catch (e) {
    throw new BundleError(`${dir}: warm-up failed: ${(e as Error).message}`);
  }
  if (pds.some((p) => p < 0 || p > 1)) throw new BundleError(`${dir}: warm-up produced a PD outside [0, 1]`);
  return model;
}

/** Loads the registry's champion bundle; a clear BundleError when there is none. */
export async function loadChampion(modelsDir: string): Promise<LoadedModel> {
  const dir = await championDir(modelsDir);
  if (!dir) throw new BundleError(`${modelsDir}/registry.json names no champion: train one with npm run train`);
  return loadModel(dir);
}
