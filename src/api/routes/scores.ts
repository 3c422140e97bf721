/**
 * POST /v1/scores and POST /v1/scores/batch (role scorer), plus the benchmark's no-op twin.
 * Features are validated against the serving bundle's own schema, with the same slot as the
 * scoring (read once per request), so validation and scoring always use the same model even
 * across a hot swap.
 */
import type { FastifyPluginAsync } from 'fastify';
import fastJson from 'fast-json-stringify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_ID_LENGTH } from '../../domain/collection/snapshot.js';
import type { RawRow } from '../../domain/encoding.js';
import type { ScoreResult } from '../../model/types.js';
import { ApiError, capItemDetails, MAX_ITEMS_WITH_DETAILS, zodDetails, type ErrorDetail } from '../errors.js';
import { assertFeatureKeyCap } from '../feature-keys.js';
import type { LiveMonitor } from '../monitoring.js';
import type { ApiSlot as Slot } from '../plugins/model.js';
import {
  BatchEnvelope,
  BatchResultSchema,
  ErrorSchema,
  ScoreEnvelope,
  ScoreResultSchema,
  type ApiWarning,
  type BatchResultBody,
  type ScoreResultBody,
} from '../schemas.js';

/** A few are enough to show a caller a typo or a retired feature; listing them all would echo a flood back. */
const MAX_UNKNOWN_WARNINGS = 5;
/** Items validated and scored between two yields to the event loop (a few milliseconds of work). */
const BATCH_SLICE = 250;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fields the model does not use: accepted, and reported so a caller notices a typo or a retired feature. */
function unknownFields(features: Record<string, unknown>, known: ReadonlySet<string>): ApiWarning[] {
  const out: ApiWarning[] = [];
  for (const k in features) {
    if (!known.has(k)) {
      out.push({ feature: k.slice(0, 128), issue: 'unknown_feature' });
      if (out.length === MAX_UNKNOWN_WARNINGS) break;
    }
  }
  return out;
}

function toBody(r: ScoreResult, extra: ApiWarning[], borrowerId: string | undefined): ScoreResultBody {
  const body: ScoreResultBody = {
    pd: r.pd,
    score: r.score,
    tier: r.tier,
    reasons: r.reasons,
    model: r.model,
    warnings: extra.length ? [...r.warnings, ...extra] : r.warnings,
  };
  if (borrowerId !== undefined) body.borrowerId = borrowerId;
  return body;
}

/**
 * Counts a result and feeds drift and the shadow challenger. `sent` is the caller's features as
 * sent, not the champion's parsed row: that row holds the champion's features only, and a
 * challenger may use others.
 */
function record(
  monitor: LiveMonitor,
  slot: Slot,
  sent: Record<string, unknown>,
  r: ScoreResult,
  count: (tier: string, model: string) => void,
): void {
  count(r.tier, slot.ref);
  // A batch that straddles a promotion finishes on the model it started with, but that model's
  // scores must not feed the new champion's drift ring or shadow comparison.
  if (slot.retired) return;
  monitor.observe(r.score);
  monitor.shadowScore(sent as RawRow, r.pd, r.tier, slot.contract);
}

/**
 * The hot route's 200 body through fast-json-stringify, compiled from the same zod schema that
 * documents it: its shape is fixed, and this is several microseconds a request cheaper than
 * JSON.stringify on the result objects.
 */
const scoreJson = fastJson(z.toJSONSchema(ScoreResultSchema, { target: 'draft-7', io: 'output' }) as Parameters<typeof fastJson>[0]);
const plainJson = (data: unknown) => JSON.stringify(data);

const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 413: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema };

const scoresRoutes: FastifyPluginAsync<{ batchMax: number; maxFeatureKeys: number; benchNoop: boolean }> = async (base, opts) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  // Before any schema runs: the envelope's record would otherwise copy every key of a flood.
  const capFeatureKeys = async (req: { body: unknown }) => assertFeatureKeyCap(req.body, opts.maxFeatureKeys);
  const holder = app.models;
  const monitor = app.monitor;
  const scored = app.metrics.scores;
  const count = (tier: string, model: string) => scored.inc({ tier, model });

  const validateOne = (slot: Slot, features: Record<string, unknown>): Record<string, unknown> => {
    const parsed = slot.features.safeParse(features);
    if (!parsed.success) {
      const details = zodDetails(parsed.error.issues, ['features']);
      throw new ApiError('ARREARS_VALIDATION', `${details.length} invalid field${details.length === 1 ? '' : 's'}`, details);
    }
    return parsed.data;
  };

  app.post(
    '/v1/scores',
    {
      config: { role: 'scorer' },
      schema: {
        operationId: 'scoreBorrower',
        summary: 'Score one borrower',
        description:
          "PD, points, tier and up to 4 reason codes from the champion model. Every feature of the model's bundle is required (null = unknown); unknown fields are reported in warnings.",
        tags: ['scoring'],
        body: ScoreEnvelope,
        response: { 200: ScoreResultSchema, ...errorResponses },
      },
      serializerCompiler: ({ httpStatus }) => (httpStatus === '200' ? scoreJson : plainJson),
      preValidation: capFeatureKeys,
    },
    async (req) => {
      const slot = holder.requireChampion();
      const row = validateOne(slot, req.body.features) as RawRow;
      const [r] = slot.model.scoreRows([row]);
      record(monitor, slot, req.body.features, r, count);
      return toBody(r, unknownFields(req.body.features, slot.known), req.body.borrowerId);
    },
  );

  app.post(
    '/v1/scores/batch',
    {
      config: { role: 'scorer' },
      schema: {
        operationId: 'scoreBorrowers',
        summary: 'Score many borrowers',
        description: `Up to ${opts.batchMax} items, each shaped like the POST /v1/scores body. Results come back in order; an invalid item gets its own error and does not fail the batch. One model scores the whole batch, in slices that let other requests through.`,
        tags: ['scoring'],
        body: BatchEnvelope(opts.batchMax),
        response: { 200: BatchResultSchema, ...errorResponses },
      },
      preValidation: capFeatureKeys,
    },
    async (req) => {
      // One slot for the whole batch: a promotion between two slices does not split it.
      const slot = holder.requireChampion();
      const items = req.body.items;
      const results: BatchResultBody['results'] = new Array(items.length);
      let scored = 0;
      const invalid = { listed: 0, omitted: 0 };
      // Slices keep the event loop responsive: a 10,000-row batch would otherwise block it for
      // about a second, stalling every other request and tripping the under-pressure 503.
      for (let from = 0; from < items.length; from += BATCH_SLICE) {
        if (from > 0) await yieldToEventLoop();
        scored += scoreSlice(slot, items, from, Math.min(items.length, from + BATCH_SLICE), results, invalid);
      }
      const failed = items.length - scored;
      const b = slot.model.bundle;
      const body: BatchResultBody = { model: { name: b.name, version: b.version }, scored, failed, results };
      if (invalid.omitted) body.detailsOmitted = invalid.omitted;
      return body;
    },
  );

  /**
   * Validates and scores items[from, to) into `results`; returns how many were scored. Invalid
   * items list their details only while `budget.listed` is under the cap (see errors.ts), so an
   * answer stays proportionate to the request.
   */
  function scoreSlice(
    slot: Slot,
    items: readonly unknown[],
    from: number,
    to: number,
    results: BatchResultBody['results'],
    budget: { listed: number; omitted: number },
  ): number {
    const rows: RawRow[] = [];
    const at: number[] = [];
    const ids: (string | undefined)[] = [];
    const sent: Record<string, unknown>[] = [];
    for (let i = from; i < to; i++) {
      const parsed = slot.request.safeParse(items[i]);
      if (!parsed.success) {
        const n = parsed.error.issues.length;
        let details: ErrorDetail[] = [];
        if (budget.listed < MAX_ITEMS_WITH_DETAILS) {
          budget.listed++;
          details = capItemDetails(zodDetails(parsed.error.issues, ['items', i]), `items.${i}`);
        } else budget.omitted++;
        const id = (items[i] as { borrowerId?: unknown } | null)?.borrowerId;
        results[i] = {
          ...(typeof id === 'string' && id.length <= MAX_ID_LENGTH ? { borrowerId: id } : {}),
          error: { code: 'ARREARS_VALIDATION', message: `${n} invalid field${n === 1 ? '' : 's'}`, details },
        };
        continue;
      }
      ids.push(parsed.data.borrowerId);
      rows.push(parsed.data.features as RawRow);
      // The parsed row holds the model's features only; unknown ones are read from what was sent.
      sent.push((items[i] as { features: Record<string, unknown> }).features);
      at.push(i);
    }
    const invalid = to - from - rows.length;
    if (invalid) app.metrics.errors.inc({ code: 'ARREARS_VALIDATION' }, invalid);
    const scoredRows = rows.length ? slot.model.scoreRows(rows) : [];
    for (let k = 0; k < scoredRows.length; k++) {
      record(monitor, slot, sent[k], scoredRows[k], count);
      results[at[k]] = toBody(scoredRows[k], unknownFields(sent[k], slot.known), ids[k]);
    }
    return rows.length;
  }

  if (opts.benchNoop) {
    app.post(
      '/v1/_bench/noop',
      {
        config: { role: 'scorer' },
        schema: {
          operationId: 'benchNoop',
          hide: true,
          body: ScoreEnvelope,
          response: { 200: z.object({ ok: z.literal(true) }), ...errorResponses },
        },
        preValidation: capFeatureKeys,
      },
      async (req) => {
        // The benchmark's reference: the same auth, limits and validation as /v1/scores, no model.
        validateOne(holder.requireChampion(), req.body.features);
        return { ok: true as const };
      },
    );
  }
};

export default fp(scoresRoutes, { name: 'arrears-scores-routes', dependencies: ['arrears-auth', 'arrears-metrics', 'arrears-models'] });
