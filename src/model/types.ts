/**
 * The serving-side model interface shared by the API and the worker. `src/model/` implements it;
 * callers depend only on this shape.
 */
import type { Bundle } from '../domain/bundle.js';
import type { EncodeWarning, RawRow } from '../domain/encoding.js';
import type { Reason } from '../domain/scoring.js';

export interface ScoreResult {
  pd: number;
  score: number;
  tier: string;
  reasons: Reason[];
  model: { name: string; version: string };
  warnings: EncodeWarning[];
}

export interface LoadedModel {
  readonly bundle: Bundle;
  readonly dir: string;
  /**
   * How the network is evaluated when scoring: 'wasm-simd' (feature tables + SIMD kernels), 'plain'
   * (typed-array pass, where WebAssembly SIMD is missing) or 'scorecard' (a bundle without a network).
   */
  readonly engine: 'wasm-simd' | 'plain' | 'scorecard';
  /** Why a slower engine serves than this runtime could offer (logged on load), or null. */
  readonly engineNote: string | null;
  /** Scores rows in one pass (one forward pass over the whole batch). Rows must already be validated. */
  scoreRows(rows: readonly RawRow[]): ScoreResult[];
  /** PDs only, for bulk paths (tests, shadow scoring, worker) that need no reasons. */
  predictPd(rows: readonly RawRow[]): Float64Array;
}
