/**
 * The one error catalogue of the HTTP API. Every error response has the shape
 * `{ error: { code, message, details: [{ path, issue }] } }`, and `code` is one of the stable codes
 * below: clients branch on the code, never on the message. Add new codes here (and to docs/api.md ("Errors")),
 * never inline in a route.
 */

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `features.income` or `items.3.features.grade`. */
  path: string;
  issue: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

/** Code → HTTP status and the message a client sees when the thrower gives none. */
export const ERRORS = {
  ARREARS_VALIDATION: { status: 400, message: 'the request is not valid' },
  ARREARS_MALFORMED_BODY: { status: 400, message: 'the request body is not valid JSON' },
  ARREARS_BAD_URL: { status: 400, message: 'the URL is not valid percent-encoding' },
  ARREARS_MALFORMED_REQUEST: { status: 400, message: 'the request is not valid HTTP' },
  ARREARS_UNAUTHORIZED: { status: 401, message: 'a valid API key is required (x-api-key header or Authorization: Bearer)' },
  ARREARS_FORBIDDEN: { status: 403, message: 'this API key lacks the role the route requires' },
  ARREARS_NOT_FOUND: { status: 404, message: 'no such route' },
  ARREARS_MODEL_NOT_FOUND: { status: 404, message: 'no such model version in the registry' },
  ARREARS_METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  ARREARS_REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time' },
  ARREARS_CONFLICT: { status: 409, message: 'the request conflicts with the current state' },
  ARREARS_BODY_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  ARREARS_URI_TOO_LONG: { status: 414, message: 'a path parameter is too long' },
  ARREARS_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as application/json' },
  ARREARS_BUNDLE_INVALID: { status: 422, message: 'the model bundle is invalid; the current model keeps serving' },
  ARREARS_RATE_LIMITED: { status: 429, message: 'rate limit exceeded for this API key' },
  ARREARS_HEADERS_TOO_LARGE: { status: 431, message: 'the request headers are too large' },
  ARREARS_INTERNAL: { status: 500, message: 'internal error' },
  ARREARS_NO_MODEL: { status: 503, message: 'no model is loaded' },
  ARREARS_OVERLOADED: { status: 503, message: 'the server is overloaded; retry later' },
  ARREARS_STORE_UNAVAILABLE: { status: 503, message: 'the worklist store is unavailable; retry later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error the API means to return: it carries a catalogue code, and details for 4xx. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: ErrorDetail[] = [],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.statusCode = ERRORS[code].status;
  }

  toBody(): ErrorBody {
    // 5xx never carry internals: only the catalogue message goes out.
    const message = this.statusCode >= 500 ? ERRORS[this.code].message : this.message;
    return { error: { code: this.code, message, details: this.statusCode >= 500 ? [] : this.details } };
  }
}

/** Turns zod issues into details, prefixing each path (e.g. `features`). Never echoes input values. */
export function zodDetails(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix: readonly (string | number)[] = [],
): ErrorDetail[] {
  return issues.map((i) => ({ path: [...prefix, ...i.path.map(String)].join('.') || '(body)', issue: i.message }));
}

/** Most details one item of a batch lists; the rest are counted in one more detail. */
export const MAX_DETAILS_PER_ITEM = 5;
/** Most items of one batch answer that list details; the rest are counted. */
export const MAX_ITEMS_WITH_DETAILS = 100;

/**
 * One batch item's details, at most MAX_DETAILS_PER_ITEM of them plus one counting the rest: the
 * answer to an invalid batch stays proportionate to the request, whatever the bundle's width.
 */
export function capItemDetails(details: ErrorDetail[], itemPath: string): ErrorDetail[] {
  if (details.length <= MAX_DETAILS_PER_ITEM) return details;
  const more = details.length - MAX_DETAILS_PER_ITEM;
  return [...details.slice(0, MAX_DETAILS_PER_ITEM), { path: itemPath, issue: `${more} more invalid field${more === 1 ? '' : 's'}` }];
}

/**
 * The 400 for a body of `items` that failed validation as a whole: details grouped per item and
 * capped (capItemDetails), listed for the first MAX_ITEMS_WITH_DETAILS invalid items only, and one
 * last detail counting the invalid items left out.
 */
export function batchValidationError(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ApiError {
  const byItem = new Map<number, ErrorDetail[]>();
  const other: ErrorDetail[] = [];
  for (const d of issues) {
    const detail = zodDetails([d])[0];
    const at = d.path[0] === 'items' && typeof d.path[1] === 'number' ? d.path[1] : null;
    if (at === null) {
      other.push(detail);
      continue;
    }
    let list = byItem.get(at);
    if (!list) byItem.set(at, (list = []));
    list.push(detail);
  }
  const details = [...other];
  let listed = 0;
  for (const [at, list] of byItem) {
    if (++listed > MAX_ITEMS_WITH_DETAILS) break;
    details.push(...capItemDetails(list, `items.${at}`));
  }
  const omitted = byItem.size - MAX_ITEMS_WITH_DETAILS;
  if (omitted > 0) details.push({ path: 'items', issue: `${omitted} more invalid item${omitted === 1 ? '' : 's'} not listed` });
  const message = byItem.size > 1 ? `${byItem.size} invalid items` : `${issues.length} invalid field${issues.length === 1 ? '' : 's'}`;
  return new ApiError('ARREARS_VALIDATION', message, details);
}
