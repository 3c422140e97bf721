/**
 * Wiring shared by the worker process and the API: one place that builds the Redis connection, the
 * intake queue, the worklist store and the collection service from the config. The worker starts
 * its intake consumer over it (src/worker/intake-worker.ts).
 *
 *   const collection = await createCollectionRuntime(config);                       // API and worker
 *   ...
 *   await collection.close();
 */
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Policy } from '../domain/collection/policy.js';
import { serialQueue } from '../lib/serial.js';
import { throttledErrorLog } from '../lib/throttled-log.js';
import { CollectionService } from './service.js';
import { loadPolicyFile } from './policy-file.js';
import { createIntakeQueue, type IntakeJobInput } from './intake.js';
import { WorklistStore } from './worklist.js';

type RuntimeConfig = Pick<Config, 'redisUrl' | 'redisPrefix' | 'policyFile' | 'leaseSeconds'>;

export interface RuntimeLog {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface CollectionRuntime {
  /** Fail-fast connection (no offline queue): producers and request paths answer 503 rather than wait. */
  readonly redis: Redis;
  readonly queue: Queue<IntakeJobInput>;
  readonly store: WorklistStore;
  readonly service: CollectionService;
  /** The policy in force (the service's). */
  readonly policy: Policy;
  /**
   * Re-reads and validates the policy file and swaps it in; a file that fails validation throws
   * and the current policy stays. Not available when the runtime was given a policy object.
   */
  reloadPolicy(): Promise<{ previous: Policy; policy: Policy }>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Serve this policy instead of reading the policy file (it cannot be reloaded then). */
  policy?: Policy;
  log?: RuntimeLog;
  /**
   * A fail-fast connection (`enableOfflineQueue: false`) to use instead of connecting to
   * `config.redisUrl`; its owner closes it, `close()` does not.
   */
  redis?: Redis;
}

/** Connects, loads and validates the policy file (or takes `policy`), builds queue, store and service. */
export async function createCollectionRuntime(config: RuntimeConfig, opts: RuntimeOptions = {}): Promise<CollectionRuntime> {
  const policy = opts.policy ?? (await loadPolicyFile(config.policyFile));
  const owned = !opts.redis;
  const redis = opts.redis ?? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  if (owned) redis.on('error', throttledErrorLog(opts.log, 'collection: redis error (retrying)'));
  const queue = createIntakeQueue(redis, config.redisPrefix, throttledErrorLog(opts.log, 'intake queue: redis error (retrying)'));
  const store = new WorklistStore({ redis, prefix: config.redisPrefix });
  const service = new CollectionService(store, policy, config.leaseSeconds * 1000);
  // One reload at a time, in call order, so an older read of the file never wins over a newer one.
  const reloads = serialQueue();
  return {
    redis,
    queue,
    store,
    service,
    get policy() {
      return service.policy;
    },
    reloadPolicy() {
      return reloads(async () => {
        if (opts.policy) throw new Error('this runtime was given a policy object, not a file; there is nothing to reload');
        const next = await loadPolicyFile(config.policyFile);
        const previous = service.policy;
        service.setPolicy(next);
        return { previous, policy: next };
      });
    },
    async close() {
      await queue.close().catch(() => undefined);
      if (owned) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Reloads the policy file, logging the outcome; a bad file is reported and the current policy stays. */
export async function reloadPolicyLogged(
  rt: CollectionRuntime,
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void },
): Promise<void> {
  try {
    const { previous: prev, policy: next } = await rt.reloadPolicy();
    const before = prev.version;
    if (JSON.stringify(next) === JSON.stringify(prev)) log.info({ policy: next.version }, 'policy file re-read: unchanged');
    else if (next.version === before)
      log.warn(
        { policy: next.version },
        'policy reloaded with changes under the same version; bump `version` whenever the strategy changes so the audit trail can tell them apart',
      );
    else log.info({ previous: before, policy: next.version }, 'policy reloaded');
  } catch (err) {
    log.error({ err: (err as Error).message, policy: rt.policy.version }, 'policy reload failed; keeping the current policy');
  }
}
