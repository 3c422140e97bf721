import { describe, expect, it } from 'vitest';
import { neutraliseCell, neutraliseRow } from '../../scripts/lib/csv-cell.js';

describe('neutraliseCell: a spreadsheet never reads an exported cell as a formula', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ['+1+2', `'+1+2`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\t=1', `'\t=1`],
    ['\r=1', `'\r=1`],
  ])('%j becomes text', (cell, safe) => {
    expect(neutraliseCell(cell)).toBe(safe);
  });

  it.each(['c1', 'tiny/v1', '2026-05-20', 'a=b', '', "'=already text"])('%j is left alone', (cell) => {
    expect(neutraliseCell(cell)).toBe(cell);
  });

  it('a row: strings are neutralised, numbers and nulls untouched', () => {
    expect(neutraliseRow({ agency: '=cmd', amount: -5, date: null, collector: 'c1' })).toEqual({
      agency: "'=cmd",
      amount: -5,
      date: null,
      collector: 'c1',
    });
  });
});
