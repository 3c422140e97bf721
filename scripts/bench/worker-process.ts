/**
 * The worker side of `npm run bench:worker`: one BullMQ intake worker whose processor is either a
 * no-op (the references) or the real intake processor (score, policy, gate, assign). The benchmark
 * runs it in its own process (`--processes 1`) or forks this file once per worker process
 * (`--processes N`); it is not meant to be started by hand.
 *
 * Child protocol (IPC): the child loads, connects and sends `ready`; `go` starts the worker and its
 * CPU clock; `stop` closes it and answers `stopped` with the CPU it used. A failed job is reported
 * as `failed`.
 */
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { loadConfig, type Config } from '../../src/config.js';
import { initBackend } from '../../src/model/backend.js';
import { loadChampion } from '../../src/model/load.js';
import type { LoadedModel } from '../../src/model/types.js';
import { CollectionService } from '../../src/collection/service.js';
import { loadPolicyFile } from '../../src/collection/policy-file.js';
import { fixedModel, makeIntakeProcessor } from '../../src/worker/processor.js';
import type { IntakeJobInput } from '../../src/collection/intake.js';
import { createIntakeWorker } from '../../src/worker/intake-worker.js';
import { WorklistStore } from '../../src/collection/worklist.js';

export type BenchMode = 'noop' | 'ours';

export interface BenchWorkerOptions {
  mode: BenchMode;
  prefix: string;
  concurrency: number;
  /** The clock the real processor sees (epoch ms). */
  now: number;
}

export interface BenchWorker {
  worker: Worker<IntakeJobInput>;
  /** Closes the worker and its connections. */
  close(): Promise<void>;
}

/** A connected worker that takes no job until `worker.run()`. */
export async function openBenchWorker(o: BenchWorkerOptions, config: Config, model?: LoadedModel): Promise<BenchWorker> {
  const conn = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  for (const r of [conn, redis]) r.on('error', () => undefined);
  let processor: (job: { data: IntakeJobInput; id?: string }) => Promise<unknown> = async () => ({});
  if (o.mode === 'ours') {
    const m = model ?? (await loadChampion(config.modelsDir));
    const policy = await loadPolicyFile(config.policyFile);
    const service = new CollectionService(new WorklistStore({ redis, prefix: o.prefix }), policy, config.leaseSeconds * 1000);
    processor = makeIntakeProcessor({ acquire: fixedModel(m), service, now: () => o.now });
  }
  const worker = createIntakeWorker({
    connection: conn,
    prefix: o.prefix,
    processor: (job) => processor(job) as Promise<never>,
    concurrency: o.concurrency,
    autorun: false,
  });
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await worker.close();
      conn.disconnect();
      redis.disconnect();
    },
  };
}

type ToChild = { type: 'go' } | { type: 'stop' };
export type FromChild = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'stopped'; cpuMicros: number };

if (process.argv[2] === '--child' && process.send) {
  const send = (m: FromChild) => process.send!(m);
  const opts = JSON.parse(process.argv[3]) as BenchWorkerOptions;
  const config = loadConfig();
  if (opts.mode === 'ours') await initBackend(config.tfBackend);
  const w = await openBenchWorker(opts, config);
  w.worker.on('failed', (_job, err) => send({ type: 'failed', message: err.message }));
  let cpu0 = process.cpuUsage();
  process.on('message', (m: ToChild) => {
    if (m.type === 'go') {
      cpu0 = process.cpuUsage();
      void w.worker.run();
    } else if (m.type === 'stop') {
      const used = process.cpuUsage(cpu0);
      void w.close().then(() => {
        send({ type: 'stopped', cpuMicros: used.user + used.system });
        process.disconnect();
      });
    }
  });
  send({ type: 'ready' });
}
