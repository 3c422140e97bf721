/**
 * The write step: a trained and evaluated pipeline as a model bundle (docs/training.md, "The model bundle").
 * The bundle is written into a temporary folder and renamed into place, so a crash mid-write
 * never leaves a half bundle that the registry could point at.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_SCHEMA_VERSION, BundleSchema, type Bundle } from '../src/domain/bundle.js';
import { inputWidth } from '../src/domain/encoding.js';
import { fileSaver } from '../src/model/io.js';
import type { Trained } from './pipeline.js';
import { renderReport } from './report.js';

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export interface WriteOptions {
  /** The models folder: the bundle goes to `<modelsDir>/<name>/<version>`. */
  modelsDir: string;
  seed: number;
  backend: string;
  totalSeconds: number;
  configText: string;
  now?: Date;
}

/** A bundle as written: its folder, its bundle.json and its registry reference (`name/version`). */
export interface Written {
  dir: string;
  bundle: Bundle;
  ref: string;
}

/** Writes bundle.json, the network, test-predictions.csv and report.html into `<modelsDir>/<name>/<version>`. */
export async function writeBundle(t: Trained, o: WriteOptions): Promise<Written> {
  const now = o.now ?? new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runHash = createHash('sha256').update(`${t.ds.fingerprint.sha256}:${o.seed}:${o.configText}`).digest('hex').slice(0, 8);
  const version = `${stamp}-${runHash}`;
  const ref = `${t.cfg.name}/${version}`;
  const dir = join(o.modelsDir, t.cfg.name, version);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });

  const e = t.evaluation;
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
    scaling: t.cfg.training.scaling,
    tiers: e.tiers,
    metrics: e.metrics,
    calibrationTable: e.calibrationTable,
    baseline: e.baseline,
    fairness: e.fairness,
    importance: e.importance,
    training: { seed: o.seed, backend: o.backend, seconds: { ...t.seconds, total: o.totalSeconds }, selection: t.selection },
    hyperparameters: t.cfg.training,
  };
  BundleSchema.parse(bundle);

  if (t.network) await t.network.save(fileSaver(tmp));
  await writeFile(join(tmp, 'bundle.json'), `${JSON.stringify(bundle, null, 1)}\n`);
  const lines = ['id,label,pd'];
  t.split.test.forEach((r, i) => lines.push(`${csvCell(t.ds.ids[r])},${t.ds.label[r]},${t.pd.test[i].toPrecision(17)}`));
  await writeFile(join(tmp, 'test-predictions.csv'), `${lines.join('\n')}\n`);

  const html = renderReport({
    bundleMeta: {
      name: bundle.name,
      version,
      createdAt: bundle.createdAt,
      dataSha256: bundle.data.sha256,
      rows: bundle.data.rows,
      trainRows: bundle.data.trainRows,
      validationRows: bundle.data.validationRows,
      testRows: bundle.data.testRows,
      backend: o.backend,
      trainingSeconds: o.totalSeconds,
    },
    metrics: { test: e.metrics.test, validation: e.metrics.validation },
    roc: e.roc,
    ksCurve: e.ksCurve,
    calibration: e.calibrationTable,
    scoreHistogram: e.scoreHistogram,
    importance: e.importance,
    fairness: e.fairness,
    tiers: e.tiers,
    training: {
      seed: o.seed,
      blendWeight: t.blendWeight,
      networkMembers: t.networkMembers,
      calibration: `Platt a=${t.calibration.a.toFixed(4)} b=${t.calibration.b.toFixed(4)}`,
      ...t.seconds,
    },
  });
  await writeFile(join(tmp, 'report.html'), html);

  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await rename(tmp, dir);
  return { dir, bundle, ref };
}
