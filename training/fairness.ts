/**
 * The fairness section of the bundle and the report: how the model treats each group of every
 * protected attribute (docs/dataset-config.md). Protected attributes are never model inputs;
 * they are joined back to the held-out rows only here.
 */
import { auc } from '../src/domain/metrics.js';

/** The label a missing (null) or unbandable attribute value gets. */
export const MISSING_GROUP = 'missing';

/** The four-fifths rule: an adverse impact ratio below this is flagged. */
export const FOUR_FIFTHS = 0.8;

export interface Approval {
  /** The PD cut point: a row counts as approved when its PD is below it. */
  cut: number;
  /** Share of the group's rows with pd < cut. */
  rate: number;
  /**
   * Adverse impact ratio: this group's approval rate over the highest group approval rate of the
   * same attribute at the same cut. Null when no group has any approval there (0 / 0).
   */
  air: number | null;
}

export interface FairnessRow {
  attribute: string;
  group: string;
  rows: number;
  positives: number;
  /** Observed default rate of the group. */
  observedRate: number;
  meanPd: number;
  /** AUC within the group; null when the group holds one class only. */
  auc: number | null;
  /** One entry per tier cut point, in the order given. */
  approval: Approval[];
}

export interface ProtectedGroups {
  attribute: string;
  /** One value per row, aligned with the labels; null means missing. */
  values: (string | null)[];
}

/** Group labels in reading order: numbers inside labels compare as numbers ("<25" < "25-34" < "65+"), "missing" last. */
function compareGroups(a: string, b: string): number {
  if (a === b) return 0;
  if (a === MISSING_GROUP) return 1;
  if (b === MISSING_GROUP) return -1;
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * One row per (protected attribute, group value): size, observed default rate, mean PD, AUC and,
 * for each tier cut point, the approval rate (share with pd < cut) and the adverse impact ratio
 * against the best-treated group of that attribute. The reference group is the one with the
 * highest approval rate, however small; read a low AIR next to the group sizes.
 */
export function fairnessTable(groups: ProtectedGroups[], labels: ArrayLike<number>, pd: ArrayLike<number>, cuts: number[]): FairnessRow[] {
  if (labels.length !== pd.length) throw new RangeError(`labels has ${labels.length} rows but pd has ${pd.length}`);
  const out: FairnessRow[] = [];
  for (const g of groups) {
    if (g.values.length !== labels.length) {
      throw new RangeError(`protected attribute "${g.attribute}" has ${g.values.length} values but there are ${labels.length} rows`);
    }
    const members = new Map<string, number[]>();
    g.values.forEach((v, i) => {
      const key = v ?? MISSING_GROUP;
      let list = members.get(key);
      if (!list) members.set(key, (list = []));
      list.push(i);
    });
    const rows: FairnessRow[] = [...members.keys()].sort(compareGroups).map((group) => {
      const idx = members.get(group)!;
      const y = idx.map((i) => labels[i]);
      const p = idx.map((i) => pd[i]);
      const positives = y.reduce((a, b) => a + b, 0);
      const oneClass = positives === 0 || positives === idx.length;
      return {
        attribute: g.attribute,
        group,
        rows: idx.length,
        positives,
        observedRate: positives / idx.length,
        meanPd: p.reduce((a, b) => a + b, 0) / idx.length,
        auc: oneClass ? null : auc(y, p),
        approval: cuts.map((cut) => ({ cut, rate: p.filter((v) => v < cut).length / idx.length, air: null })),
      };
    });
    cuts.forEach((_, k) => {
      const best = Math.max(...rows.map((r) => r.approval[k].rate));
      for (const r of rows) r.approval[k].air = best > 0 ? r.approval[k].rate / best : null;
    });
    out.push(...rows);
  }
  return out;
}

/**
 * Band labels for a numeric protected attribute such as age, from ascending upper edges
 * (each exclusive): bands [25, 35, 65] give "<25", "25-34", "35-64", "65+". Integer edges are
 * labelled as integer ranges; other edges as "lo-<hi". Non-finite values (NaN for missing) give
 * "missing".
 */
export function bandValues(values: number[], bands: number[]): string[] {
  if (!bands.length) throw new RangeError('bands must hold at least one edge');
  for (let i = 1; i < bands.length; i++) {
    if (!(bands[i] > bands[i - 1])) throw new RangeError(`bands must be strictly ascending, got ${bands.join(', ')}`);
  }
  const labels = bands.map((hi, i) => {
    if (i === 0) return `<${hi}`;
    const lo = bands[i - 1];
    return Number.isInteger(lo) && Number.isInteger(hi) ? (hi - 1 === lo ? `${lo}` : `${lo}-${hi - 1}`) : `${lo}-<${hi}`;
  });
  labels.push(`${bands[bands.length - 1]}+`);
  return values.map((v) => {
    if (!Number.isFinite(v)) return MISSING_GROUP;
    let i = 0;
    while (i < bands.length && v >= bands[i]) i++;
    return labels[i];
  });
}
