/**
 * The intake processor: a plain async function over pure domain code. One job = one chunk of
 * snapshots = one `scoreRows` call. A payload that can never succeed (bad shape, or no snapshot the
 * model can score) fails with UnrecoverableError and is not retried; a snapshot whose features do
 * not fit the model is rejected on its own (audited) without failing its chunk. Redis errors throw
 * normally, so BullMQ retries the chunk with backoff; assignment is idempotent, so a retry never
 * assigns twice.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { featureIssues, type Snapshot } from '../domain/collection/snapshot.js';
import type { RawRow } from '../domain/encoding.js';
import type { LoadedModel } from '../model/types.js';
import { parseIntakeJob, type IntakeJobInput } from '../collection/intake.js';
import type { CollectionService } from '../collection/service.js';
import type { AssignResult } from '../collection/worklist.js';

export interface IntakeResult {
  scored: number;
  rejected: { accountId: string; details: { path: string; issue: string }[] }[];
  results: Partial<Record<AssignResult, number>>;
  model: string;
}

/** An `acquire` for a model that never changes under the processor (tests, benchmarks). */
export const fixedModel =
  (model: LoadedModel): (() => LoadedModel) =>
  () =>
    model;

export interface ProcessorDeps {
  /**
   * The model to score with, read once per job: a hot swap takes effect on the next chunk, and a
   * chunk is scored by one model throughout.
   */
  acquire: () => LoadedModel;
  service: CollectionService;
  now?: () => number;
}

const MAX_REASONS_IN_MESSAGE = 5;

export function makeIntakeProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? Date.now;
  return async function processIntake(job: Pick<Job<IntakeJobInput>, 'data' | 'id'>): Promise<IntakeResult> {
    const parsed = parseIntakeJob(job.data);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, MAX_REASONS_IN_MESSAGE).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
      throw new UnrecoverableError(
        `invalid intake job ${job.id}: ${issues.join('; ')}${parsed.error.issues.length > MAX_REASONS_IN_MESSAGE ? ` (+${parsed.error.issues.length - MAX_REASONS_IN_MESSAGE} more)` : ''}`,
      );
    }
    return processChunk(parsed.data.snapshots, deps.acquire(), job.id);
  };

  async function processChunk(snapshots: Snapshot[], model: LoadedModel, jobId: string | undefined): Promise<IntakeResult> {
    const spec = model.bundle.features;
    const valid: Snapshot[] = [];
    const rejected: IntakeResult['rejected'] = [];
    let firstRejected = -1;
    for (let i = 0; i < snapshots.length; i++) {
      const s = snapshots[i];
      const details = featureIssues(s.features, spec);
      if (details.length) {
        if (firstRejected < 0) firstRejected = i;
        rejected.push({ accountId: s.accountId, details });
      } else valid.push(s);
    }
    const t = now();
    const modelRef = `${model.bundle.name}/${model.bundle.version}`;
    if (rejected.length) await deps.service.store.auditRejected(rejected, modelRef, deps.service.policy.version, t);
    if (valid.length === 0) {
      // Positions, not account ids: this message lands in logs and in the job's failedReason.
      const first = rejected[0];
      throw new UnrecoverableError(
        `intake job ${jobId}: none of its ${rejected.length} snapshots fits model ${modelRef}; first: item ${firstRejected}: ${first.details
          .slice(0, 3)
          .map((d) => `${d.path}: ${d.issue}`)
          .join('; ')}`,
      );
    }
    const scored = model.scoreRows(valid.map((s) => s.features as RawRow));
    const outcomes = await deps.service.assign(valid, scored, modelRef, t);
    const results: IntakeResult['results'] = {};
    for (const r of outcomes) results[r] = (results[r] ?? 0) + 1;
    return { scored: valid.length, rejected, results, model: modelRef };
  }
}
