/**
 * Writes a trained pipeline as a model bundle (DESIGN.md "Model bundle") and registers it.
 * The bundle is written into a temporary folder and renamed into place, so a crash mid-write
 * never leaves a half bundle that the registry could point at.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_SCHEMA_VERSION, BundleSchema, type Bundle, type Scaling } from '../src/domain/bundle.js';
import { inputWidth } from '../src/domain/encoding.js';
import { calibrationTable, histogram, ksCurve, quantileEdges, rocCurve, summarize } from '../src/domain/metrics.js';
import { pdToPoints } from '../src/domain/scoring.js';
import { fileSaver } from '../src/model/io.js';
import { registerBundle } from '../src/model/registry.js';
import { bandValues, fairnessTable } from './fairness.js';
import type { Trained } from './pipeline.js';
import { renderReport } from './report.js';

export const DEFAULT_SCALING: Scaling = { basePoints: 600, baseOdds: 50, pdo: 20, min: 300, max: 900 };
/** Default PD cut points between tiers A (lowest risk) .. F; a config's `tiers` overrides them. */
export const DEFAULT_TIERS = [0.02, 0.05, 0.1, 0.2, 0.4];

const labels = (t: Trained, idx: Int32Array) => Uint8Array.from(idx, (i) => t.ds.label[i]);

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export interface WriteOptions {
  /** The models folder: the bundle goes to `<modelsDir>/<name>/<version>`, and its registry.json is updated. */
  modelsDir: string;
  promote: boolean;
  seed: number;
  backend: string;
  totalSeconds: number;
  configText: string;
  now?: Date;
}

export async function writeBundle(t: Trained, o: WriteOptions): Promise<{ dir: string; bundle: Bundle; ref: string }> {
  const now = o.now ?? new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runHash = createHash('sha256').update(`${t.ds.fingerprint.sha256}:${o.seed}:${o.configText}`).digest('hex').slice(0, 8);
  const version = `${stamp}-${runHash}`;
  const ref = `${t.cfg.name}/${version}`;
  const dir = join(o.modelsDir, t.cfg.name, version);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });

  const yTest = labels(t, t.split.test);
  const yLearn = labels(t, t.learn);
  const test = summarize(yTest, t.pd.test);
  // "validation" = out-of-fold predictions on the learn rows (held-out for the model that made them).
  const held = Int32Array.from(t.learn.keys()).filter((i) => !Number.isNaN(t.pd.oof[i]));
  const validation = summarize(Uint8Array.from(held, (i) => yLearn[i]), Float64Array.from(held, (i) => t.pd.oof[i]));
  const train = summarize(yLearn, t.pd.learn);
  const cuts = t.cfg.tiers ?? DEFAULT_TIERS;
  const tierNames = Array.from({ length: cuts.length + 1 }, (_, i) => String.fromCharCode(65 + i));

  const points = (pd: Float64Array) => Float64Array.from(pd, (p) => pdToPoints(DEFAULT_SCALING, p));
  const trainPoints = points(t.pd.learn);
  const testPoints = points(t.pd.test);
  const baselineEdges = quantileEdges(Array.from(trainPoints), 10);
  const baseline = { edges: baselineEdges, proportions: histogram(Array.from(trainPoints), baselineEdges) };

  // Scorecard importance: coefficient × spread of the WoE it multiplies (on train rows).
  const importance = t.states
    .map((s, j) => {
      const all = s.kind === 'numeric' ? [...s.woe, ...s.specialWoe] : s.woe;
      const spread = all.length ? Math.max(...all) - Math.min(...all) : 0;
      return { feature: s.name, value: Math.abs(t.scorecard.coef[j]) * spread };
    })
    .sort((a, b) => b.value - a.value);

  const groups = t.cfg.protected.map((p, i) => {
    const raw = t.ds.protected[i].values;
    const vals = Array.from(t.split.test, (r) => raw[r]);
    return { attribute: p.name, values: p.bands ? bandValues(vals.map((v) => (v === null ? NaN : Number(v))), p.bands) : vals };
  });
  const fairness = fairnessTable(groups, yTest, t.pd.test, cuts);

  const bundle: Bundle = {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    name: t.cfg.name,
    version,
    createdAt: now.toISOString(),
    data: {
      rows: t.ds.fingerprint.rows,
      trainRows: t.split.train.length,
      validationRows: t.split.validation.length,
      testRows: t.split.test.length,
      positiveRate: t.ds.label.reduce((a, b) => a + b, 0) / t.ds.label.length,
      dateRange: t.ds.fingerprint.dateRange,
      sha256: t.ds.fingerprint.sha256,
      config: o.configText,
    },
    features: t.cfg.features.map((f) => ({
      name: f.name,
      type: f.type,
      description: f.description,
      monotone: f.monotone,
      reason: {
        code: f.reason?.code ?? `RC_${f.name.toUpperCase()}`,
        text: f.reason?.text ?? `${f.description ?? f.name} indicates higher risk`,
      },
    })),
    preprocessing: t.states,
    model: {
      scorecard: t.scorecard,
      network: t.network ? { inputWidth: inputWidth(t.states), members: t.networkMembers } : null,
      blendWeight: t.blendWeight,
    },
    calibration: t.calibration,
    scaling: DEFAULT_SCALING,
    tiers: { cuts, names: tierNames },
    metrics: { test, validation, train },
    calibrationTable: calibrationTable(yTest, t.pd.test, 10),
    baseline,
    fairness,
    importance,
    training: { seed: o.seed, backend: o.backend, seconds: { ...t.seconds, total: o.totalSeconds }, selection: t.selection },
  };
  BundleSchema.parse(bundle);

  if (t.network) await t.network.save(fileSaver(tmp));
  await writeFile(join(tmp, 'bundle.json'), `${JSON.stringify(bundle, null, 1)}\n`);
  const lines = ['id,label,pd'];
  t.split.test.forEach((r, i) => lines.push(`${csvCell(t.ds.ids[r])},${t.ds.label[r]},${t.pd.test[i].toPrecision(17)}`));
  await writeFile(join(tmp, 'test-predictions.csv'), `${lines.join('\n')}\n`);

  const scoreEdges = Array.from({ length: 25 }, (_, i) => DEFAULT_SCALING.min + ((DEFAULT_SCALING.max - DEFAULT_SCALING.min) * (i + 1)) / 26);
  const goodPts = Array.from(testPoints).filter((_, i) => yTest[i] === 0);
  const badPts = Array.from(testPoints).filter((_, i) => yTest[i] === 1);
  const html = renderReport({
    bundleMeta: { name: bundle.name, version, createdAt: bundle.createdAt, dataSha256: bundle.data.sha256, rows: bundle.data.rows, trainRows: bundle.data.trainRows, validationRows: bundle.data.validationRows, testRows: bundle.data.testRows, backend: o.backend, trainingSeconds: o.totalSeconds },
    metrics: { test, validation },
    roc: rocCurve(yTest, t.pd.test),
    ksCurve: ksCurve(yTest, t.pd.test),
    calibration: bundle.calibrationTable,
    scoreHistogram: { edges: scoreEdges, good: histogram(goodPts, scoreEdges), bad: histogram(badPts, scoreEdges) },
    importance,
    fairness,
    tiers: bundle.tiers,
    training: { seed: o.seed, blendWeight: t.blendWeight, networkMembers: t.networkMembers, calibration: `Platt a=${t.calibration.a.toFixed(4)} b=${t.calibration.b.toFixed(4)}`, ...t.seconds },
  });
  await writeFile(join(tmp, 'report.html'), html);

  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await rename(tmp, dir);
  await registerBundle(o.modelsDir, { ref, name: bundle.name, version, createdAt: bundle.createdAt, metrics: { auc: test.auc, ks: test.ks, brier: test.brier, ece: test.ece } }, o.promote, now);
  return { dir, bundle, ref };
}
