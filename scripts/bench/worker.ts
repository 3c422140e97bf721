/**
 * npm run bench:worker [-- --n 100000] [--chunk 500] [--concurrency 4] [--processes 1]
 *                         [--raw-concurrency 64] [--collectors 10] [--claim 10] [--json]
 *
 * End-to-end intake throughput against two references measured in the same run on the same Redis,
 * with the same number of worker processes:
 *   reference A: the same chunk jobs (`--chunk` snapshots each) through a BullMQ worker whose
 *                processor does nothing. Apples to apples: the queue work ours pays too, so
 *                ours / A is what the collection logic costs on top of it.
 *   reference B: BullMQ's raw rate, one job per snapshot (what the API enqueues for a single
 *                snapshot) and a no-op processor, at `--raw-concurrency` (64: past where BullMQ's
 *                rate stops rising here, so B is as strong as we could make it).
 *   ours:        the real processor: payload validation, one model pass per chunk (the champion),
 *                policy, compliance gate, priority, and the atomic assign of every snapshot with
 *                its audit entry.
 * With `--processes N` each phase runs in N forked worker processes (scripts/bench/worker-process.ts)
 * instead of this one. Each phase also reports the CPU time it cost the worker process(es) and
 * Redis, per snapshot: on a shared machine those are steadier than the wall clock.
 * Then `--collectors` concurrent collectors drain the call queue in claims of `--claim` items;
 * claim latency percentiles include the compliance re-check and ledger reads.
 * Everything runs under random prefixes, deleted afterwards. Prints figures, asserts nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { loadConfig } from '../../src/config.js';
import type { Bundle } from '../../src/domain/bundle.js';
import { mulberry32 } from '../../src/domain/random.js';
import { initBackend } from '../../src/model/backend.js';
import { loadChampion } from '../../src/model/load.js';
import { CollectionService } from '../../src/collection/service.js';
import { loadPolicyFile } from '../../src/collection/policy-file.js';
import { createIntakeQueue, enqueueSnapshots, type IntakeJobInput } from '../../src/collection/intake.js';
import { WorklistStore } from '../../src/collection/worklist.js';
import { openBenchWorker, type BenchMode, type BenchWorkerOptions, type FromChild } from './worker-process.js';
import { intValue, parseCommand } from '../../src/cli/args.js';
import { connectRedis } from '../../src/cli/redis.js';

const { values: args } = parseCommand({
  name: 'bench:worker',
  summary:
    'Intake throughput of the collection worker beside two no-op BullMQ references measured in the same run, then claim latency; on the local Redis under random prefixes.',
  options: {
    n: { type: 'string', value: '<n>', default: '100000', description: 'snapshots' },
    chunk: { type: 'string', value: '<n>', default: '500', description: 'snapshots per chunk job' },
    concurrency: { type: 'string', value: '<n>', default: '4', description: 'jobs one worker process runs at once' },
    processes: { type: 'string', value: '<n>', default: '1', description: 'worker processes' },
    'raw-concurrency': { type: 'string', value: '<n>', default: '64', description: "reference B's concurrency (one job per snapshot)" },
    collectors: { type: 'string', value: '<n>', default: '10', description: 'concurrent collectors draining the call queue' },
    claim: { type: 'string', value: '<n>', default: '10', description: 'items per claim' },
    json: { type: 'boolean', default: false, description: 'print one JSON object instead of the log' },
  },
});
const N = intValue('n', args.n, { min: 1 });
const CHUNK = intValue('chunk', args.chunk, { min: 1 });
const CONCURRENCY = intValue('concurrency', args.concurrency, { min: 1 });
const PROCESSES = intValue('processes', args.processes, { min: 1, max: 64 });
const RAW_CONCURRENCY = intValue('raw-concurrency', args['raw-concurrency'], { min: 1 });
const COLLECTORS = intValue('collectors', args.collectors, { min: 1 });
const CLAIM_N = intValue('claim', args.claim, { min: 1 });
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

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const f = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return f('used_cpu_user') + f('used_cpu_sys');
}

interface Phase {
  seconds: number;
  perSecond: number;
  /** CPU the worker process(es) used, per snapshot (µs). */
  workerCpuMicros: number;
  /** CPU Redis used, per snapshot (µs): everyone's commands, ours included. */
  redisCpuMicros: number;
}

/** Runs the worker(s) until every job of the queue has completed; throws on a failed job. */
async function runWorkers(
  queue: Queue<IntakeJobInput>,
  jobs: number,
  o: BenchWorkerOptions,
  model: Awaited<ReturnType<typeof loadChampion>>,
): Promise<{ ms: number; cpuMicros: number }> {
  if (PROCESSES === 1) {
    const w = await openBenchWorker(o, config, model);
    try {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        let done = 0;
        w.worker.on('completed', () => ++done === jobs && resolve());
        w.worker.on('failed', (_j, e) => reject(e));
        void w.worker.run();
      });
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { ms, cpuMicros: c.user + c.system };
    } finally {
      await w.close();
    }
  }
  const children: ChildProcess[] = [];
  const failures: string[] = [];
  const file = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
  const next = (c: ChildProcess, type: FromChild['type']) =>
    new Promise<FromChild>((resolve, reject) => {
      const on = (m: FromChild) => {
        if (m.type === type) c.off('message', on), resolve(m);
      };
      c.on('message', on);
      c.once('exit', (code) => reject(new Error(`bench worker process exited (${code}) before '${type}'`)));
    });
  try {
    for (let i = 0; i < PROCESSES; i++) {
      const c = fork(file, ['--child', JSON.stringify(o)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      c.on('message', (m: FromChild) => m.type === 'failed' && failures.push(m.message));
      children.push(c);
    }
    await Promise.all(children.map((c) => next(c, 'ready')));
    const t0 = performance.now();
    for (const c of children) c.send({ type: 'go' });
    for (;;) {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed');
      if (failures.length || counts.failed) throw new Error(`a bench job failed: ${failures[0] ?? `${counts.failed} failed`}`);
      if (counts.wait + counts.active + counts.delayed + counts.prioritized === 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t0;
    const stopped = children.map((c) => next(c, 'stopped'));
    for (const c of children) c.send({ type: 'stop' });
    const cpu = (await Promise.all(stopped)) as Extract<FromChild, { type: 'stopped' }>[];
    return { ms, cpuMicros: cpu.reduce((s, m) => s + m.cpuMicros, 0) };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

/** Enqueues the snapshots in jobs of `chunk`, then times the worker(s) draining them. */
async function drain(
  prefix: string,
  mode: BenchMode,
  snapshots: IntakeJobInput['snapshots'],
  chunk: number,
  concurrency: number,
  model: Awaited<ReturnType<typeof loadChampion>>,
  redis: Redis,
): Promise<Phase> {
  const producer = new Redis(config.redisUrl, { enableOfflineQueue: false });
  producer.on('error', () => undefined);
  await new Promise((r) => producer.once('ready', r));
  const queue = createIntakeQueue(producer, prefix);
  try {
    // At most ~1000 jobs per addBulk: one job per snapshot would otherwise be one huge MULTI.
    const per = 1000 * chunk;
    for (let i = 0; i < snapshots.length; i += per) await enqueueSnapshots(queue, snapshots.slice(i, i + per), { chunkSize: chunk });
    const jobs = Math.ceil(snapshots.length / chunk);
    const r0 = await redisCpuSeconds(redis);
    const { ms, cpuMicros } = await runWorkers(queue, jobs, { mode, prefix, concurrency, now: NOW }, model);
    const r1 = await redisCpuSeconds(redis);
    return {
      seconds: ms / 1000,
      perSecond: snapshots.length / (ms / 1000),
      workerCpuMicros: cpuMicros / snapshots.length,
      redisCpuMicros: ((r1 - r0) * 1e6) / snapshots.length,
    };
  } finally {
    await queue.close();
    producer.disconnect();
  }
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

// Redis first: an unreachable one is reported before the slow model load.
const redis = await connectRedis(config.redisUrl, { maxRetriesPerRequest: null });
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
const refPrefix = `bench-ref-${randomUUID().slice(0, 8)}`;
const rawPrefix = `bench-raw-${randomUUID().slice(0, 8)}`;
const ourPrefix = `bench-${randomUUID().slice(0, 8)}`;
try {
  const modelRef = `${model.bundle.name}/${model.bundle.version}`;
  log(
    `${N} snapshots, chunks of ${CHUNK}, ${PROCESSES} worker process${PROCESSES > 1 ? 'es' : ''} x concurrency ${CONCURRENCY}, model ${modelRef} (${backend})`,
  );
  const reference = await drain(refPrefix, 'noop', snapshots, CHUNK, CONCURRENCY, model, redis);
  log(`reference A (same chunk jobs, no-op processor): ${reference.seconds.toFixed(2)} s`);
  await cleanup(redis, refPrefix);
  const raw = await drain(rawPrefix, 'noop', snapshots, 1, RAW_CONCURRENCY, model, redis);
  log(`reference B (one job per snapshot, no-op processor, concurrency ${RAW_CONCURRENCY}): ${raw.seconds.toFixed(2)} s`);
  await cleanup(redis, rawPrefix);
  const ours = await drain(ourPrefix, 'ours', snapshots, CHUNK, CONCURRENCY, model, redis);
  log(`ours (validate + score + policy + gate + priority + assign + audit): ${ours.seconds.toFixed(2)} s`);
  const store = new WorklistStore({ redis, prefix: ourPrefix });
  const service = new CollectionService(store, policy, config.leaseSeconds * 1000);
  const sizes = await store.sizes();
  const assigned = Object.values(sizes).reduce((s, q) => s + q.ready + q.waiting + q.leased, 0);

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
    assignPerSec: ours.perSecond,
    noopPerSec: reference.perSecond,
    ratio: ours.perSecond / reference.perSecond,
    claimP99Ms: pct(lat, 99),
    rawNoopPerSec: raw.perSecond,
    rawRatio: ours.perSecond / raw.perSecond,
    snapshots: N,
    assigned,
    chunk: CHUNK,
    processes: PROCESSES,
    concurrency: CONCURRENCY,
    rawConcurrency: RAW_CONCURRENCY,
    model: modelRef,
    backend,
    reference,
    raw,
    ours,
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
    const row = (name: string, p: Phase) =>
      `${name.padEnd(52)} ${p.seconds.toFixed(2).padStart(7)} ${Math.round(p.perSecond).toLocaleString('en-US').padStart(12)}  ${p.workerCpuMicros.toFixed(1).padStart(10)} ${p.redisCpuMicros.toFixed(1).padStart(10)}`;
    const pctOf = (r: number) => `${(100 * r).toFixed(r < 0.1 ? 1 : 0)}%`;
    console.log('');
    const head = (a: string, b: string, c: string, d: string, e: string) =>
      `${a.padEnd(52)} ${b.padStart(7)} ${c.padStart(12)}  ${d.padStart(10)} ${e.padStart(10)}`;
    console.log(
      head(
        `intake: ${N} snapshots, ${PROCESSES} worker process${PROCESSES > 1 ? 'es' : ''}`,
        'seconds',
        'snapshots/s',
        'worker CPU',
        'Redis CPU',
      ),
    );
    console.log(head('', '', '', 'µs/snap', 'µs/snap'));
    console.log(row(`A  no-op, same ${CHUNK}-snapshot chunk jobs, conc. ${CONCURRENCY}`, reference));
    console.log(row(`B  no-op, one job per snapshot (raw), conc. ${RAW_CONCURRENCY}`, raw));
    console.log(row(`ours: score, policy, gate, priority, assign, audit`, ours));
    console.log(`ours / A (same chunk jobs): ${pctOf(result.ratio)}    ours / B (BullMQ raw rate): ${pctOf(result.rawRatio)}`);
    console.log(
      `assigned: ${assigned} of ${N}; queues: ${Object.entries(sizes)
        .map(([q, s]) => `${q} ${s.ready}`)
        .join(', ')}`,
    );
    console.log(
      `claim: ${COLLECTORS} collectors x ${CLAIM_N} items: ${lat.length} claims, ${claimed} items (${result.claim.duplicates} handed out twice), p50 ${result.claim.p50ms.toFixed(2)} ms, p99 ${result.claim.p99ms.toFixed(2)} ms, ${result.claim.itemsPerSecond.toFixed(0)} items/s`,
    );
  }
} finally {
  await cleanup(redis, refPrefix);
  await cleanup(redis, rawPrefix);
  await cleanup(redis, ourPrefix);
  redis.disconnect();
}
