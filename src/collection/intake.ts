/**
 * The intake queue, producer side: its name, job schema and options, and `enqueueSnapshots` (the
 * consumer is src/worker/intake-worker.ts). The intake queue carries CHUNKS of delinquency
 * snapshots (up to `chunkSize` per job) so the worker scores each chunk in one model pass. A chunk
 * job's id is a hash of its (accountId, asOf) pairs and a single snapshot's id is derived from them,
 * so posting the same data twice while the job is kept adds nothing; the worklist's own
 * idempotency (assign.lua) covers the rest.
 */
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { parseSnapshotFast, SnapshotSchema, type Snapshot } from '../domain/collection/snapshot.js';
import { bullPrefix } from './keys.js';

export const MAX_CHUNK = 5_000;
export const DEFAULT_CHUNK = 500;

/** Queue names, from the deployment prefix (BullMQ names cannot contain ':'). */
export function queueNames(prefix: string): { intake: string } {
  const p = prefix.replace(/[{}:]/g, '');
  return { intake: `${p}-delinquencies` };
}

export const IntakeJobSchema = z.strictObject({
  snapshots: z.array(SnapshotSchema).min(1).max(MAX_CHUNK),
  /** Epoch ms the API accepted the data (for queue latency metrics). */
  receivedAt: z.number().int().nonnegative(),
});
export type IntakeJobInput = z.input<typeof IntakeJobSchema>;

/**
 * `IntakeJobSchema.safeParse`, with a fast path for the ordinary job (parseSnapshotFast per
 * snapshot): the same verdict and the same data, at a fraction of zod's cost. Anything the fast
 * path is unsure of goes to the schema, which accepts it or names every bad field.
 */
export function parseIntakeJob(data: unknown): ReturnType<typeof IntakeJobSchema.safeParse> {
  fast: if (typeof data === 'object' && data !== null && Object.getPrototypeOf(data) === Object.prototype) {
    const { snapshots, receivedAt } = data as Record<string, unknown>;
    if (Object.keys(data).length !== 2 || !Array.isArray(snapshots) || snapshots.length < 1 || snapshots.length > MAX_CHUNK) break fast;
    if (typeof receivedAt !== 'number' || !Number.isSafeInteger(receivedAt) || receivedAt < 0) break fast;
    const out: Snapshot[] = new Array<Snapshot>(snapshots.length);
    for (let i = 0; i < snapshots.length; i++) {
      const s = parseSnapshotFast(snapshots[i]);
      if (s === null) break fast;
      out[i] = s;
    }
    return { success: true, data: { snapshots: out, receivedAt } };
  }
  return IntakeJobSchema.safeParse(data);
}

/** Retries with exponential backoff (1 s, 2 s, 4 s, ...); completed jobs are kept a day so a repost is de-duplicated. */
export const INTAKE_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * A snapshot's job id: a hash of (accountId, asOf), so the same snapshot always gets the same id
 * (idempotent reposts) while job ids, which BullMQ and every log line carry, hold no account data.
 */
export function snapshotJobId(s: Pick<Snapshot, 'accountId' | 'asOf'>): string {
  return `snap-${createHash('sha256').update(`${s.accountId}|${s.asOf}`).digest('hex').slice(0, 32)}`;
}

export function chunkJobId(chunk: readonly Pick<Snapshot, 'accountId' | 'asOf'>[]): string {
  if (chunk.length === 1) return snapshotJobId(chunk[0]);
  const h = createHash('sha256');
  for (const s of chunk) h.update(`${s.accountId}\n${s.asOf}\n`);
  return `chunk-${h.digest('hex').slice(0, 32)}`;
}

/**
 * The producer side. Give it a connection with `enableOfflineQueue: false` so an add fails fast
 * (the API answers 503) instead of queueing in memory while Redis is away.
 */
export function createIntakeQueue(
  connection: ConnectionOptions,
  prefix: string,
  onError: (err: Error) => void = () => undefined,
): Queue<IntakeJobInput> {
  const q = new Queue<IntakeJobInput>(queueNames(prefix).intake, {
    connection,
    prefix: bullPrefix(prefix),
    defaultJobOptions: INTAKE_JOB_OPTIONS,
  });
  // Without a listener an 'error' event (Redis gone) would be thrown and crash the process.
  q.on('error', onError);
  return q;
}

/** Splits snapshots into chunk jobs and adds them in one round trip; returns the job ids in order. */
export async function enqueueSnapshots(
  queue: Queue<IntakeJobInput>,
  snapshots: readonly z.input<typeof SnapshotSchema>[],
  opts: { chunkSize?: number; now?: number } = {},
): Promise<string[]> {
  const size = Math.min(Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK), MAX_CHUNK);
  const receivedAt = opts.now ?? Date.now();
  const jobs: { name: string; data: IntakeJobInput; opts: JobsOptions }[] = [];
  for (let i = 0; i < snapshots.length; i += size) {
    const chunk = snapshots.slice(i, i + size);
    jobs.push({ name: 'snapshots', data: { snapshots: chunk, receivedAt }, opts: { jobId: chunkJobId(chunk) } });
  }
  if (jobs.length === 0) return [];
  const added = await queue.addBulk(jobs);
  return added.map((j) => j.id as string);
}
