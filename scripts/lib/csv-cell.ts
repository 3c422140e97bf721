/**
 * CSV cells a spreadsheet will not run. Excel, LibreOffice and Sheets treat a cell that starts with
 * `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula, so a collector id or
 * agency name from an outcome report could run as one when an analyst opens the export. A leading
 * `'` makes such a cell text (OWASP's CSV injection advice); other cells are left alone.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell with a leading `'` when a spreadsheet would read it as a formula. */
export function neutraliseCell(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** A row with every string value neutralised; numbers, booleans and nulls are kept as they are. */
export function neutraliseRow<T extends Record<string, unknown>>(row: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'string' ? neutraliseCell(v) : v;
  return out as T;
}
