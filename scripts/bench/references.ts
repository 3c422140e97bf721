/**
 * Runs the reference script gbdt_baseline.py (ANCHOR: XGBoost, HistGB, binned LR, LightGBM where installed)
 * on the same train and test CSVs as our run. Returns null, with the reason, where it cannot run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ANCHOR = resolve(import.meta.dirname, '../../../shared/anchors/gbdt_baseline.py');
/** Debian's python: the anchor needs Debian's python3-sklearn / -pandas / -xgboost packages. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface RefResult {
  auc: number;
  ks: number;
  brier: number;
  logloss: number;
  fit_seconds: number;
}

export async function referencesAvailable(): Promise<string | null> {
  if (!existsSync(ANCHOR)) return `reference script not found at ${ANCHOR}`;
  try {
    await run(PYTHON, ['-c', 'import sklearn, pandas, xgboost']);
  } catch {
    return 'python3 with scikit-learn, pandas and xgboost is missing (apt-get install -y python3-sklearn python3-pandas python3-xgboost)';
  }
  return null;
}

/** Runs a Python script with the anchor's arguments (train and test CSVs, label, categoricals) and parses the JSON it prints. */
async function runPython<T>(
  script: string[],
  train: string,
  test: string,
  label: string,
  categorical: string[],
  maxBuffer: number,
): Promise<T> {
  const args = [...script, '--train', train, '--test', test, '--label', label];
  if (categorical.length) args.push('--categorical', ...categorical);
  const { stdout } = await run(PYTHON, args, { maxBuffer, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return JSON.parse(stdout) as T;
}

export async function runReferences(train: string, test: string, label: string, categorical: string[]): Promise<Record<string, RefResult>> {
  return (await runPython<{ models: Record<string, RefResult> }>([ANCHOR], train, test, label, categorical, 64 * 1024 * 1024)).models;
}

const PREDICTIONS = resolve(import.meta.dirname, 'reference_predictions.py');

/**
 * The references' PDs on the test rows, in the test CSV's order: reference_predictions.py refits
 * the anchor's own models (its models(), same seeds), because the anchor prints metrics only and
 * ECE needs the predictions. The fit is paid twice on purpose: the anchor's own output stays the
 * authority for AUC, Brier and fit time, and the refit is checked against it. Run after
 * runReferences so the two do not share the cores while the anchor times its fits.
 */
export async function referencePredictions(
  train: string,
  test: string,
  label: string,
  categorical: string[],
): Promise<Record<string, number[]>> {
  return (await runPython<{ models: Record<string, number[]> }>([PREDICTIONS, ANCHOR], train, test, label, categorical, 256 * 1024 * 1024))
    .models;
}
