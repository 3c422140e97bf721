import { describe, expect, it } from 'vitest';
import { bandValues, fairnessTable } from '../../training/fairness.js';

//            F     F     F     F     M     M     M     M
const labels = [1, 0, 0, 0, 1, 1, 0, 0];
const pd = [0.3, 0.05, 0.1, 0.02, 0.5, 0.2, 0.4, 0.08];
const sex = ['F', 'F', 'F', 'F', 'M', 'M', 'M', 'M'];
const region = ['a', null, 'a', 'a', 'a', 'a', null, 'a'];
const cuts = [0.1, 0.25];

describe('fairnessTable', () => {
  const rows = fairnessTable(
    [
      { attribute: 'sex', values: sex },
      { attribute: 'region', values: region },
    ],
    labels,
    pd,
    cuts,
  );
  const row = (a: string, g: string) => rows.find((r) => r.attribute === a && r.group === g)!;

  it('summarises each group (hand computed)', () => {
    // F: 1 bad of 4; mean PD (.3+.05+.1+.02)/4 = .1175; the bad (.3) outranks all three goods -> AUC 1
    expect(row('sex', 'F')).toMatchObject({ rows: 4, positives: 1, observedRate: 0.25, auc: 1 });
    expect(row('sex', 'F').meanPd).toBeCloseTo(0.1175, 12);
    // M: bads .5 .2, goods .4 .08: pairs (.5,.4) (.5,.08) (.2,.08) concordant, (.2,.4) not -> 3/4
    expect(row('sex', 'M')).toMatchObject({ rows: 4, positives: 2, observedRate: 0.5, auc: 0.75 });
    expect(row('sex', 'M').meanPd).toBeCloseTo(0.295, 12);
  });

  it('approval rate is the share with pd strictly below the cut; AIR is against the best group', () => {
    // cut .1: F approves .05 .02 (not .10) -> .5; M approves .08 -> .25. Best .5 -> AIR F 1, M .5
    // cut .25: F .05 .1 .02 -> .75; M .2 .08 -> .5. Best .75 -> AIR F 1, M .6667
    expect(row('sex', 'F').approval).toEqual([
      { cut: 0.1, rate: 0.5, air: 1 },
      { cut: 0.25, rate: 0.75, air: 1 },
    ]);
    const m = row('sex', 'M').approval;
    expect(m[0]).toEqual({ cut: 0.1, rate: 0.25, air: 0.5 });
    expect(m[1].rate).toBe(0.5);
    expect(m[1].air).toBeCloseTo(2 / 3, 12);
  });

  it('names null "missing", sorts it last, and gives a one-class group a null AUC', () => {
    expect(rows.filter((r) => r.attribute === 'region').map((r) => r.group)).toEqual(['a', 'missing']);
    const miss = row('region', 'missing');
    // rows 1 and 6: both goods, PDs .05 and .4
    expect(miss).toMatchObject({ rows: 2, positives: 0, observedRate: 0, auc: null });
    // cut .1: missing .5 (best), a 2/6 -> AIR a = (1/3)/(1/2) = 2/3
    // cut .25: a 4/6 (best), missing .5 -> AIR missing = .5/(2/3) = .75
    expect(row('region', 'a').approval[0].air).toBeCloseTo(2 / 3, 12);
    expect(miss.approval[0].air).toBe(1);
    expect(miss.approval[1].air).toBeCloseTo(0.75, 12);
  });

  it('gives a null AIR when no group is approved at a cut', () => {
    const r = fairnessTable([{ attribute: 'sex', values: sex }], labels, pd, [0.01]);
    expect(r.every((x) => x.approval[0].rate === 0 && x.approval[0].air === null)).toBe(true);
  });

  it('rejects an attribute that does not line up with the rows', () => {
    expect(() => fairnessTable([{ attribute: 'sex', values: ['F'] }], labels, pd, cuts)).toThrow(/"sex" has 1 values/);
  });
});

describe('bandValues', () => {
  it('labels integer bands as ranges, with open ends and missing', () => {
    expect(bandValues([18, 25, 34.9, 35, 64, 65, 90, NaN], [25, 35, 45, 55, 65])).toEqual([
      '<25',
      '25-34',
      '25-34',
      '35-44',
      '55-64',
      '65+',
      '65+',
      'missing',
    ]);
  });
  it('labels fractional bands with an explicit open upper end', () => {
    expect(bandValues([0.2, 1, 2], [0.5, 1.5])).toEqual(['<0.5', '0.5-<1.5', '1.5+']);
  });
  it('sorts band groups in age order in the fairness table', () => {
    const ages = bandValues([70, 20, 40, 30], [25, 35, 65]);
    const r = fairnessTable([{ attribute: 'age', values: ages }], [0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [0.5]);
    expect(r.map((x) => x.group)).toEqual(['<25', '25-34', '35-64', '65+']);
  });
  it.each([[[]], [[35, 25]], [[25, 25]]])('rejects bands %j', (bands) => {
    expect(() => bandValues([30], bands)).toThrow(RangeError);
  });
});
