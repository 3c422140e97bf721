/**
 * The intake queue's consumer: a BullMQ Worker running the intake processor. The producer side
 * (queue name, job schema, enqueueSnapshots) is src/collection/intake.ts.
 */
import { Worker, type ConnectionOptions, type Job, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import { Counter, register, type Registry } from 'prom-client';
import type { Config } from '../config.js';
import { bullPrefix } from '../collection/keys.js';
import { queueNames, type IntakeJobInput } from '../collection/intake.js';
import type { CollectionRuntime, RuntimeLog } from '../collection/runtime.js';
import { throttledErrorLog } from '../lib/throttled-log.js';
import type { LoadedModel } from '../model/types.js';
import { makeIntakeProcessor, type IntakeResult } from './processor.js';

export interface IntakeWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  processor: Processor<IntakeJobInput>;
  concurrency?: number;
  /** How long a job's lock lasts without renewal; a worker killed mid-job loses it after this. */
  lockDuration?: number;
  /** How often stalled jobs (locks expired) are moved back to wait. */
  stalledInterval?: number;
  /**
   * A job that stalls more often than this fails for good, whatever `attempts` says (a poison job
   * that crashes its worker). Default 5: a chunk survives several worker crashes or deploys in a
   * row, while a chunk that kills every worker it meets still ends.
   */
  maxStalledCount?: number;
  /** Where `arrears_intake_jobs_failed_total` is registered (default: prom-client's global registry). */
  registry?: Registry;
  /** Told of every job that fails for good (after the metric is counted). */
  log?: RuntimeLog;
  /** false: connect but take no job until `worker.run()` (benchmarks start the clock there). */
  autorun?: boolean;
  onError?: (err: Error) => void;
}

/** The intake worker. The connection must use `maxRetriesPerRequest: null`, as BullMQ requires for blocking commands. */
export function createIntakeWorker(o: IntakeWorkerOptions): Worker<IntakeJobInput> {
  const w = new Worker<IntakeJobInput>(queueNames(o.prefix).intake, o.processor, {
    connection: o.connection,
    prefix: bullPrefix(o.prefix),
    concurrency: o.concurrency ?? 1,
    lockDuration: o.lockDuration ?? 30_000,
    stalledInterval: o.stalledInterval ?? 30_000,
    maxStalledCount: o.maxStalledCount ?? DEFAULT_MAX_STALLED,
    autorun: o.autorun ?? true,
  });
  // An unhandled 'error' event would crash the process; a lost connection is retried by ioredis.
  w.on('error', o.onError ?? (() => undefined));
  const failures = failedCounter(o.registry ?? register);
  w.on('failed', (job, err) => {
    const reason = permanentFailure(job, err);
    if (!reason) return;
    failures.inc({ reason });
    // The job id is a hash and the message names positions, never accounts (see processor.ts).
    o.log?.warn(
      { job: job?.id, reason, attempts: job?.attemptsMade, snapshots: job?.data?.snapshots?.length, err: err.message },
      'intake job failed permanently; its snapshots are not on any worklist',
    );
  });
  return w;
}

export const DEFAULT_MAX_STALLED = 5;

type FailureReason = 'stalled' | 'invalid' | 'retries_exhausted';

/** Why a job will not run again, or null while BullMQ will still retry it. */
function permanentFailure(job: Job | undefined, err: Error): FailureReason | null {
  // BullMQ fails a job over its stall limit when a worker next picks it up, with this message.
  if (/stalled more than allowable limit/.test(err.message)) return 'stalled';
  if (err.name === 'UnrecoverableError') return 'invalid';
  if (!job || job.attemptsMade >= (job.opts.attempts ?? 1)) return 'retries_exhausted';
  return null;
}

function failedCounter(registry: Registry): Counter<'reason'> {
  const name = 'arrears_intake_jobs_failed_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'reason'>;
  return new Counter({
    name,
    help: 'Intake jobs that failed for good (reason: stalled, invalid, retries_exhausted); their snapshots were not assigned',
    labelNames: ['reason'],
    registers: [registry],
  });
}

/**
 * Starts an intake worker on its own blocking connection (`maxRetriesPerRequest: null`, as BullMQ
 * requires). Its assignments go through the runtime's fail-fast connection: a Redis outage fails
 * the job, which BullMQ retries with backoff. `close()` on the returned worker finishes active jobs.
 */
export function startIntakeWorker(
  rt: CollectionRuntime,
  config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'workerConcurrency'>,
  acquire: () => LoadedModel,
  log?: RuntimeLog,
): Worker<IntakeJobInput, IntakeResult> {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const onError = throttledErrorLog(log, 'intake worker: redis error (retrying)');
  connection.on('error', onError);
  const processor = makeIntakeProcessor({ acquire, service: rt.service });
  const worker = createIntakeWorker({
    connection,
    prefix: config.redisPrefix,
    processor: (job) => processor(job),
    concurrency: Math.max(1, config.workerConcurrency),
    onError,
    log,
  }) as unknown as Worker<IntakeJobInput, IntakeResult>;
  worker.on('failed', (job, err) => log?.warn({ job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'intake job failed'));
  worker.on('completed', (job, r) =>
    log?.debug?.({ job: job.id, scored: r.scored, rejected: r.rejected.length, results: r.results }, 'intake job done'),
  );
  worker.on('closed', () => connection.disconnect());
  return worker;
}
