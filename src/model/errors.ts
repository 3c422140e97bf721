/**
 * Errors of the serving lifecycle (src/model/serving.ts). Each carries a stable `kind` a caller
 * branches on; the HTTP API maps kinds to its own error catalogue (src/api/error-handler.ts), a
 * process entry point logs them.
 */

export type ModelErrorKind =
  /** No champion is loaded: nothing can be scored. */
  | 'no_model'
  /** The registry holds no bundle by that version or reference. */
  | 'not_found'
  /** A bare version names bundles under several names; the caller must say which. */
  | 'ambiguous'
  /** The request contradicts the registry's state (e.g. the champion named as its own challenger). */
  | 'conflict'
  /** The bundle failed to load, validate or warm up; whatever served before keeps serving. */
  | 'invalid_bundle';

export class ModelError extends Error {
  override name = 'ModelError';

  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    /** The bundle reference concerned, where there is one. */
    readonly ref: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
