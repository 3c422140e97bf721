import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/domain/random.js';
import { TreeEnsembleSchema, type Tree, type TreeEnsemble } from '../../src/domain/trees.js';
import { riskRaisers, TreeShap } from '../../src/model/tree-shap.js';
import { compileTrees, parseTrees, treeMargin, treeMargins } from '../../src/model/trees.js';

// x0 <= 0.5 (missing right) ? leaf 1 : (x1 <= 2 (missing left) ? leaf 3 : leaf 4)
const stump: Tree = {
  feature: [0, -1, 1, -1, -1],
  threshold: [0.5, 0, 2, 0, 0],
  missingLeft: [false, false, true, false, false],
  left: [1, -1, 3, -1, -1],
  right: [2, -1, 4, -1, -1],
  value: [0, -1, 0, 0.5, 2],
  cover: [100, 60, 40, 30, 10],
};
const ensemble = (trees: Tree[], featureCount = 2, baseScore = -2): TreeEnsemble => ({
  kind: 'gbdt',
  schemaVersion: 1,
  featureCount,
  baseScore,
  trees,
});

/** A random valid tree over F features, at most `depth` deep, nodes in pre-order. */
function randomTree(r: () => number, F: number, depth: number): Tree {
  const t: Tree = { feature: [], threshold: [], missingLeft: [], left: [], right: [], value: [], cover: [] };
  const grow = (d: number): number => {
    const i = t.feature.length;
    t.feature.push(-1);
    t.threshold.push(0);
    t.missingLeft.push(false);
    t.left.push(-1);
    t.right.push(-1);
    t.value.push(Math.round((r() * 4 - 2) * 1000) / 1000);
    t.cover.push(1 + Math.floor(r() * 50));
    if (d < depth && (d === 0 || r() < 0.75)) {
      t.feature[i] = Math.floor(r() * F);
      t.threshold[i] = Math.round(r() * 100) / 100;
      t.missingLeft[i] = r() < 0.5;
      const l = grow(d + 1);
      const rr = grow(d + 1);
      t.left[i] = l;
      t.right[i] = rr;
      t.cover[i] = t.cover[l] + t.cover[rr];
    }
    return i;
  };
  grow(0);
  return t;
}

const randomRow = (r: () => number, F: number) => Float64Array.from({ length: F }, () => (r() < 0.2 ? NaN : r()));

/** Shapley values by definition: every coalition, features outside it averaged over by cover. */
function bruteShap(m: TreeEnsemble, x: Float64Array): number[] {
  const F = m.featureCount;
  const v = (S: number): number => {
    let s = m.baseScore;
    for (const t of m.trees) {
      const walk = (n: number): number => {
        const f = t.feature[n];
        if (f < 0) return t.value[n];
        if (S & (1 << f)) {
          const xv = x[f];
          return walk(xv <= t.threshold[n] ? t.left[n] : xv > t.threshold[n] ? t.right[n] : t.missingLeft[n] ? t.left[n] : t.right[n]);
        }
        return (t.cover[t.left[n]] * walk(t.left[n]) + t.cover[t.right[n]] * walk(t.right[n])) / t.cover[n];
      };
      s += walk(0);
    }
    return s;
  };
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Array(F).fill(0);
  for (let i = 0; i < F; i++) {
    for (let S = 0; S < 1 << F; S++) {
      if (S & (1 << i)) continue;
      let size = 0;
      for (let j = 0; j < F; j++) if (S & (1 << j)) size++;
      phi[i] += ((fact(size) * fact(F - size - 1)) / fact(F)) * (v(S | (1 << i)) - v(S));
    }
  }
  return phi;
}

describe('tree evaluator', () => {
  const c = compileTrees(ensemble([stump, stump]));

  it('goes left on x <= threshold, right above it, and the learned way when missing', () => {
    expect(treeMargin(c, [0.5, 0])).toBe(-2 - 1 - 1);
    expect(treeMargin(c, [0.51, 2])).toBe(-2 + 0.5 + 0.5);
    expect(treeMargin(c, [0.51, 2.01])).toBe(-2 + 2 + 2);
    // x0 missing goes right, then x1 missing goes left.
    expect(treeMargin(c, [NaN, NaN])).toBe(-2 + 0.5 + 0.5);
    expect(treeMargin(c, [NaN, 5])).toBe(-2 + 2 + 2);
  });

  it('scores a column-major batch exactly as row by row', () => {
    const r = mulberry32(3);
    const m = ensemble(
      Array.from({ length: 20 }, () => randomTree(r, 4, 5)),
      4,
      0.3,
    );
    const cc = compileTrees(m);
    const rows = 200;
    const batch = new Float64Array(rows * 4);
    const each: number[] = [];
    for (let i = 0; i < rows; i++) {
      const x = randomRow(r, 4);
      for (let f = 0; f < 4; f++) batch[f * rows + i] = x[f];
      each.push(treeMargin(cc, x));
    }
    expect([...treeMargins(cc, batch, rows)]).toEqual(each);
  });

  it('rejects rows and batches of the wrong width', () => {
    expect(() => treeMargin(c, [1])).toThrow(/1 values but the trees read 2/);
    expect(() => treeMargins(c, new Float64Array(5), 2)).toThrow(/2 rows of 2 features need 4/);
  });

  it('parses its JSON form back to the same scores', () => {
    const back = parseTrees(JSON.parse(JSON.stringify(ensemble([stump]))));
    expect(treeMargin(back, [0.7, 9])).toBe(0);
  });
});

describe('TreeEnsembleSchema', () => {
  const with_ = (patch: Partial<Tree>) => ensemble([{ ...stump, ...patch }]);
  it.each([
    ['arrays of different lengths', with_({ value: [0, 1] }), /value: has 2 entries but feature has 5/],
    ['a child before its parent', with_({ left: [1, -1, 0, -1, -1] }), /left\.2: child 0 must come after node 2/],
    ['a leaf with a child', with_({ left: [1, 3, 3, -1, -1] }), /left\.1: a leaf has feature -1/],
    ['a node with two parents', with_({ right: [2, -1, 3, -1, -1] }), /node 4 has 0 parents/],
    ['covers that do not add up', with_({ cover: [100, 60, 41, 30, 10] }), /cover\.2: is 41 but its children cover 40/],
    ['a zero cover', with_({ cover: [100, 60, 40, 40, 0] }), /cover\.4: must be positive/],
    ['an infinite threshold', with_({ threshold: [Infinity, 0, 2, 0, 0] }), /threshold\.0: .*Infinity/],
    ['a NaN value', with_({ value: [0, NaN, 0, 0.5, 2] }), /value\.1: .*NaN/],
    ['a feature past the row', ensemble([stump], 1), /trees\.0\.feature\.2: feature 1 is past featureCount 1/],
    [
      'no nodes',
      ensemble([{ feature: [], threshold: [], missingLeft: [], left: [], right: [], value: [], cover: [] }]),
      /at least one node/,
    ],
  ])('rejects %s, naming the field', (_, m, msg) => {
    const r = TreeEnsembleSchema.safeParse(m);
    expect(r.success).toBe(false);
    const text = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(text).toMatch(msg);
  });
});

describe('TreeSHAP', () => {
  it('matches Shapley values computed from every coalition, repeated features and missing values included', () => {
    const r = mulberry32(11);
    for (let k = 0; k < 5; k++) {
      const m = ensemble(
        Array.from({ length: 3 }, () => randomTree(r, 4, 5)),
        4,
        0.1,
      );
      const shap = new TreeShap(compileTrees(m));
      for (let i = 0; i < 10; i++) {
        const x = randomRow(r, 4);
        const got = shap.explain(x);
        const want = bruteShap(m, x);
        for (let f = 0; f < 4; f++) expect(got[f]).toBeCloseTo(want[f], 10);
      }
    }
  });

  it('adds up: expected margin plus contributions is the margin', () => {
    const r = mulberry32(5);
    const m = ensemble(
      Array.from({ length: 50 }, () => randomTree(r, 6, 7)),
      6,
      -1.5,
    );
    const c = compileTrees(m);
    const shap = new TreeShap(c);
    for (let i = 0; i < 100; i++) {
      const x = randomRow(r, 6);
      const phi = shap.explain(x);
      expect(shap.expectedMargin + phi.reduce((a, b) => a + b, 0)).toBeCloseTo(treeMargin(c, x), 10);
    }
  });

  it('credits the features that sent the row to the risky leaf, by hand', () => {
    const shap = new TreeShap(compileTrees(ensemble([stump])));
    // Coalition values (base -2 aside): v() = .6(-1) + .4(.75(.5) + .25(2)) = -0.25;
    // x = (0.9, 3): v(x0) = .875, v(x1) = .6(-1) + .4(2) = .2, v(x0, x1) = 2.
    // phi0 = ½(.875 + .25) + ½(2 - .2) = 1.4625; phi1 = ½(.2 + .25) + ½(2 - .875) = .7875.
    expect(shap.expectedMargin).toBeCloseTo(-2.25, 12);
    const phi = shap.explain([0.9, 3]);
    expect(phi[0]).toBeCloseTo(1.4625, 12);
    expect(phi[1]).toBeCloseTo(0.7875, 12);
    expect(riskRaisers(phi)).toEqual([0, 1]);
    // x = (0.1, 3) reaches the -1 leaf: v(x0) = v(x0, x1) = -1, so phi0 = ½(-.75) + ½(-1.2) = -.975,
    // and x1 = 3 still points at the risky branch: phi1 = ½(.45) + ½(0) = .225.
    const low = shap.explain([0.1, 3]);
    expect(low[0]).toBeCloseTo(-0.975, 12);
    expect(low[1]).toBeCloseTo(0.225, 12);
    expect(riskRaisers(low)).toEqual([1]);
  });
});

describe('riskRaisers', () => {
  it('lists positive contributions, largest first, ties to the earlier feature, at most max', () => {
    expect(riskRaisers([0.1, -2, 0.5, 0.1, 0.3], 3)).toEqual([2, 4, 0]);
    expect(riskRaisers([0.1, 0.1], 4)).toEqual([0, 1]);
    expect(riskRaisers([1, 2], 0)).toEqual([]);
  });
});
