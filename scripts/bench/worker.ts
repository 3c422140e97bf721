/**
 * npm run bench:worker [-- --n 100000] [--chunk 500] [--concurrency 4] [--collectors 10] [--json]
 *
 * End-to-end intake throughput against a reference measured in the same run on the same Redis:
 *   reference: the same chunk jobs through a BullMQ worker whose processor does nothing;
 *   ours:      the real processor: payload validation, one model pass per chunk (the champion),
 *              policy, compliance gate, priority and the atomic assign script per snapshot.
 * The ratio (ours / reference) is what the collection logic costs on top of the queue itself.
 * Then 10 concurrent collectors drain the call queue in claims of 10 items; claim latency
 * percentiles include the compliance re-check and ledger reads.
 * Everything runs under a random prefix, deleted afterwards. Prints figures, asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { loadConfig } from '../../src/config.js';
import type { Bundle } from '../../src/domain/bundle.js';
import { mulberry32 } from '../../src/domain/random.js';
import { initBackend } from '../../src/model/backend.js';
import { loadChampion } from '../../src/model/load.js';
import { CollectionService } from '../../src/worker/collection.js';
import { loadPolicyFile } from '../../src/worker/policy-file.js';
import { fixedModel, makeIntakeProcessor } from '../../src/worker/processor.js';
import { createIntakeQueue, createIntakeWorker, enqueueSnapshots, type IntakeJobInput } from '../../src/worker/queues.js';
import { WorklistStore } from '../../src/worker/worklist.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    chunk: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    collectors: { type: 'string', default: '10' },
    claim: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(args.n);
const CHUNK = Number(args.chunk);
const CONCURRENCY = Number(args.concurrency);
const COLLECTORS = Number(args.collectors);
const CLAIM_N = Number(args.claim);
const config = loadConfig();
const log = (s: string) => args.json || process.stderr.write(`${s}\n`);

/** Feature rows spread over each feature's training range, seeded. */
function rows(bundle: Bundle, n: number): Record<string, number | string | null>[] {
  const rand = mulberry32(7);
  return Array.from({ length: n }, () => {
    const r: Record<string, number | string | null> = {};
    for (const s of bundle.preprocessing) {
      if (rand() < 0.03) r[s.name] = null;
      else if (s.kind === 'numeric') r[s.name] = Math.round((s.lo + (s.hi - s.lo) * rand()) * 100) / 100;
      else r[s.name] = s.categories[Math.floor(rand() * s.categories.length)] ?? null;
    }
    return r;
  });
}

const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];
// 17:00 UTC on a weekday in May: inside 08:00-21:00 in every zone above, so every account is contactable.
const NOW = Date.parse('2026-05-12T17:00:00Z');

async function drain(prefix: string, processor: (job: { data: IntakeJobInput; id?: string }) => Promise<unknown>, snapshots: IntakeJobInput['snapshots']): Promise<number> {
  const producer = new Redis(config.redisUrl, { enableOfflineQueue: false });
  const conn = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  for (const r of [producer, conn]) r.on('error', () => undefined);
  await new Promise((r) => producer.once('ready', r));
  const queue = createIntakeQueue(producer, prefix);
  await enqueueSnapshots(queue, snapshots, { chunkSize: CHUNK });
  const jobs = Math.ceil(snapshots.length / CHUNK);
  const t0 = performance.now();
  let worker: Worker<IntakeJobInput> | undefined;
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    worker = createIntakeWorker({ connection: conn, prefix, processor: (job) => processor(job) as Promise<never>, concurrency: CONCURRENCY });
    worker.on('completed', () => ++done === jobs && resolve());
    worker.on('failed', (_j, e) => reject(e));
  });
  const ms = performance.now() - t0;
  await worker!.close();
  await queue.close();
  producer.disconnect();
  conn.disconnect();
  return ms;
}

async function cleanup(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const backend = await initBackend(config.tfBackend);
const model = await loadChampion(config.modelsDir);
const policy = await loadPolicyFile(config.policyFile);
const features = rows(model.bundle, N);
const snapshots = features.map((f, i) => ({
  accountId: `bench-${i}`,
  asOf: '2026-05-12',
  dpd: 1 + (i % 120),
  outstanding: 200 + ((i * 7919) % 9800),
  jurisdiction: 'US',
  timezone: ZONES[i % ZONES.length],
  features: f,
}));
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const refPrefix = `bench-ref-${randomUUID().slice(0, 8)}`;
const ourPrefix = `bench-${randomUUID().slice(0, 8)}`;
try {
  log(`${N} snapshots, chunks of ${CHUNK}, worker concurrency ${CONCURRENCY}, model ${model.bundle.name}/${model.bundle.version} (${backend})`);
  const refMs = await drain(refPrefix, async () => ({}), snapshots);
  log(`reference (no-op processor): ${(refMs / 1000).toFixed(2)} s`);
  const store = new WorklistStore({ redis, prefix: ourPrefix });
  const service = new CollectionService(store, policy, config.leaseSeconds * 1000);
  const ourMs = await drain(ourPrefix, makeIntakeProcessor({ acquire: fixedModel(model), service, now: () => NOW }), snapshots);
  log(`ours (score + policy + gate + assign): ${(ourMs / 1000).toFixed(2)} s`);
  const sizes = await store.sizes();

  // Collectors drain the call queue concurrently.
  const lat: number[] = [];
  let claimed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: COLLECTORS }, async (_, c) => {
      for (;;) {
        const t = performance.now();
        const items = await service.claim('call', `collector-${c}`, CLAIM_N, NOW);
        lat.push(performance.now() - t);
        claimed += items.length;
        if (items.length === 0) return;
      }
    }),
  );
  const claimMs = performance.now() - t0;
  const leasedAfter = (await store.sizes()).call.leased;
  const result = {
    snapshots: N,
    chunk: CHUNK,
    concurrency: CONCURRENCY,
    model: `${model.bundle.name}/${model.bundle.version}`,
    backend,
    reference: { seconds: refMs / 1000, perSecond: N / (refMs / 1000) },
    ours: { seconds: ourMs / 1000, perSecond: N / (ourMs / 1000) },
    ratio: ourMs / refMs,
    queues: sizes,
    claim: {
      collectors: COLLECTORS,
      itemsPerClaim: CLAIM_N,
      claims: lat.length,
      items: claimed,
      duplicates: claimed - leasedAfter,
      p50ms: pct(lat, 50),
      p99ms: pct(lat, 99),
      maxms: Math.max(...lat),
      itemsPerSecond: claimed / (claimMs / 1000),
    },
  };
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log('');
    console.log(`intake            seconds   snapshots/s`);
    console.log(`reference (no-op) ${result.reference.seconds.toFixed(2).padStart(7)}   ${result.reference.perSecond.toFixed(0).padStart(11)}`);
    console.log(`ours              ${result.ours.seconds.toFixed(2).padStart(7)}   ${result.ours.perSecond.toFixed(0).padStart(11)}`);
    console.log(`ratio ours/reference: ${result.ratio.toFixed(2)}x`);
    console.log(`queues: ${Object.entries(sizes).map(([q, s]) => `${q} ${s.ready}`).join(', ')}`);
    console.log(`claim: ${COLLECTORS} collectors x ${CLAIM_N} items: ${lat.length} claims, ${claimed} items (${result.claim.duplicates} handed out twice), p50 ${result.claim.p50ms.toFixed(2)} ms, p99 ${result.claim.p99ms.toFixed(2)} ms, ${result.claim.itemsPerSecond.toFixed(0)} items/s`);
  }
} finally {
  await cleanup(redis, refPrefix);
  await cleanup(redis, ourPrefix);
  redis.disconnect();
  model.dispose();
}
