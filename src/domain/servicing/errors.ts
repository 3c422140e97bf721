/**
 * The one error the servicing core throws. `kind` tells a caller how to answer: `invalid` is bad
 * input (HTTP 400: the event can never be accepted as sent), `conflict` contradicts what the ledger
 * already holds (HTTP 409: a second payment with the same paymentId, a reversal of a reversed
 * payment). `details` names every offending field, in the API's `{ path, issue }` shape.
 */

export interface ServicingIssue {
  /** Dotted path of the field, e.g. `amount` or `instalments.1.date`. */
  path: string;
  issue: string;
}

export type ServicingErrorKind = 'invalid' | 'conflict';

export class ServicingError extends Error {
  override name = 'ServicingError';

  constructor(
    readonly kind: ServicingErrorKind,
    readonly details: ServicingIssue[],
  ) {
    super(details.map((d) => `${d.path}: ${d.issue}`).join('; '));
  }
}

export const invalid = (path: string, issue: string): ServicingError => new ServicingError('invalid', [{ path, issue }]);
export const conflict = (path: string, issue: string): ServicingError => new ServicingError('conflict', [{ path, issue }]);

/**
 * zod issues as details. An unknown key is reported at its own path (zod puts it at the object's),
 * so the caller sees which field to remove. Input values are never echoed.
 */
export function issuesToDetails(
  issues: readonly { code: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[],
): ServicingIssue[] {
  const out: ServicingIssue[] = [];
  for (const i of issues) {
    const base = i.path.map(String);
    if (i.code === 'unrecognized_keys' && i.keys)
      for (const k of i.keys) out.push({ path: [...base, k].join('.'), issue: 'unknown field' });
    else out.push({ path: base.join('.') || '(event)', issue: i.message });
  }
  return out;
}
