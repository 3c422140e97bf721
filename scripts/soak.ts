/**
 * npm run soak [-- --minutes <n>] [--rate <req/s>] [--sample <s>] [--models <dir>]
 *
 * Starts the API (src/api/server.ts, with the intake worker alongside it) in a child process on a
 * free loopback port, with a throwaway key and a fresh Redis prefix, and drives mixed traffic at a
 * fixed rate for the given minutes: single and batch scores, delinquency posts (a share of them
 * spelling valid time zones in random letter case, 'america/NEW_york', which must not grow any
 * cache), claims and outcomes. Every few seconds it reads the server's RSS and event-loop delay from
 * /metrics and prints them. At the end it compares the peak RSS of the first and second halves of
 * the run after warm-up (the first minute, or half the run if shorter): under 10% growth is flat,
 * exit 0; otherwise exit 1.
 * The prefix's Redis keys are deleted afterwards.
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { sha256Hex } from '../src/api/plugins/auth.js';
import { intValue, parseCommand, UserError } from '../src/cli/args.js';
import { connectRedis } from '../src/cli/redis.js';
import { deleteKeys } from '../src/collection/keys.js';
import { loadConfig } from '../src/config.js';
import type { Bundle } from '../src/domain/bundle.js';
import { readBundleJson } from '../src/model/load.js';
import { championDir } from '../src/model/registry.js';

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseCommand({
  name: 'soak',
  summary:
    'Runs the API with its worker under steady mixed load for a while and reports whether its memory stays flat (exit 0) or grows (exit 1).',
  options: {
    minutes: { type: 'string', value: '<n>', default: '10', description: 'how long to drive load' },
    rate: { type: 'string', value: '<req/s>', default: '40', description: 'requests per second, all kinds together' },
    sample: { type: 'string', value: '<s>', default: '5', description: 'seconds between memory and event-loop samples' },
    models: {
      type: 'string',
      value: '<dir>',
      default: join(root, 'models'),
      description: "models folder whose champion is served (falls back to the tests' tiny bundle)",
    },
  },
});
const minutes = intValue('minutes', args.minutes, { min: 1, max: 24 * 60 });
const rate = intValue('rate', args.rate, { min: 1, max: 2_000 });
const sampleSec = intValue('sample', args.sample, { min: 1, max: 600 });
const GROWTH_LIMIT = 0.1;
const MAX_IN_FLIGHT = 64;
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix'];
// A share of CN accounts, so some worklist is inside its contact hours whatever the time of day in
// the US, and claims and outcomes carry load.
const CN_ZONES = ['Asia/Shanghai'];

/** Seeded LCG so every run sends the same traffic. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const rand = rng(11);

function row(b: Bundle): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  for (const s of b.preprocessing) {
    const u = rand();
    if (u < 0.05) out[s.name] = null;
    else if (s.kind === 'numeric') out[s.name] = Math.round((s.lo + (s.hi - s.lo) * rand()) * 1000) / 1000;
    else out[s.name] = s.categories[Math.floor(rand() * s.categories.length)] ?? 'other';
  }
  return out;
}

/** A valid zone in random letter case: distinct strings, one zone. */
function zoneSpelling(zones: readonly string[]): string {
  const z = zones[Math.floor(rand() * zones.length)];
  return [...z].map((c) => (rand() < 0.5 ? c.toLowerCase() : c.toUpperCase())).join('');
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** The value of one unlabelled series in a Prometheus text page, or null. */
function metric(page: string, name: string): number | null {
  const m = page.match(new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

async function main(): Promise<number> {
  const config = loadConfig();
  const redisHost = new URL(config.redisUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(redisHost))
    throw new UserError(`the soak runs against a local Redis only; REDIS_URL points at ${redisHost}`);
  let modelsDir = resolve(args.models);
  if (!(await championDir(modelsDir).catch(() => null)) || !existsSync(join(modelsDir, 'registry.json'))) {
    modelsDir = join(root, 'test/fixtures/models');
    console.log(`no champion in ${resolve(args.models)}; serving the tiny test bundle in ${modelsDir}`);
  }
  const bundle = await readBundleJson((await championDir(modelsDir))!);
  const key = randomBytes(24).toString('hex');
  const prefix = `soak-${randomUUID()}`;
  const port = await freePort();
  const server = fork(join(root, 'src/api/server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      ARREARS_MODELS_DIR: modelsDir,
      ARREARS_REDIS_PREFIX: prefix,
      ARREARS_WORKER_IN_PROCESS: 'true',
      ARREARS_API_KEYS: JSON.stringify([{ name: 'soak', sha256: sha256Hex(key), roles: ['scorer', 'collector', 'admin'] }]),
      ARREARS_RATE_LIMIT_PER_MIN: String(1_000_000_000),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(server, 'exit');
  const base = `http://127.0.0.1:${port}`;
  const headers = { 'content-type': 'application/json', 'x-api-key': key };
  const redis = await connectRedis(config.redisUrl);
  try {
    // Wait for readiness (model loaded, store up), bounded.
    const readyBy = Date.now() + 120_000;
    for (;;) {
      if (server.exitCode !== null) throw new UserError(`the API exited (${server.exitCode}) before it was ready`);
      const ok = await fetch(`${base}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > readyBy) throw new UserError('the API was not ready within 2 minutes');
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`API on ${base} (prefix ${prefix}), ${rate} req/s for ${minutes} min; model ${bundle.name}/${bundle.version}`);

    const counts: Record<string, Record<string, number>> = {};
    const tally = (kind: string, status: string) => {
      counts[kind] ??= {};
      counts[kind][status] = (counts[kind][status] ?? 0) + 1;
    };
    let queues: string[] = [];
    let claimed: { queue: string; accountId: string }[] = [];
    let seq = 0;
    let inFlight = 0;
    const post = async (kind: string, path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      tally(kind, String(res.status));
      return res.json() as Promise<Record<string, unknown>>;
    };
    const kinds: (() => Promise<unknown>)[] = [
      () => post('score', '/v1/scores', { borrowerId: `b${seq}`, features: row(bundle) }),
      () =>
        post('batch', '/v1/scores/batch', {
          items: Array.from({ length: 20 }, (_, i) => ({ borrowerId: `b${seq}-${i}`, features: row(bundle) })),
        }),
      () => post('delinquency', '/v1/delinquencies', snapshot(ZONES[seq % ZONES.length])),
      () => post('delinquency-tz', '/v1/delinquencies', snapshot(zoneSpelling(ZONES))),
      () => post('delinquency-cn', '/v1/delinquencies', snapshot(zoneSpelling(CN_ZONES), 'CN')),
      async () => {
        if (!queues.length) {
          const res = await fetch(`${base}/v1/worklists`, { headers });
          tally('worklists', String(res.status));
          queues = Object.keys(((await res.json()) as { queues?: object }).queues ?? {});
          return;
        }
        const queue = queues[seq % queues.length];
        const r = await post('claim', `/v1/worklists/${queue}/claim`, { n: 5 });
        for (const it of (r.items as { accountId: string }[] | undefined) ?? []) claimed.push({ queue, accountId: it.accountId });
      },
      async () => {
        const c = claimed.shift();
        if (!c) return fetch(`${base}/v1/worklists`, { headers }).then((r) => (tally('worklists', String(r.status)), r.arrayBuffer()));
        return post('outcome', `/v1/worklists/${c.queue}/items/${encodeURIComponent(c.accountId)}/outcome`, {
          outcome: { type: 'no_answer' },
        });
      },
    ];
    function snapshot(timezone: string, jurisdiction = 'US') {
      const n = seq % 5_000;
      return {
        accountId: `soak-${jurisdiction}-${n}`,
        asOf: '2026-05-12',
        dpd: 5 + (n % 120),
        outstanding: 200 + (n % 4_000),
        jurisdiction,
        timezone,
        features: row(bundle),
      };
    }

    const samples: { t: number; rss: number; lagMs: number | null }[] = [];
    const started = Date.now();
    const end = started + minutes * 60_000;
    const load = setInterval(() => {
      if (inFlight >= MAX_IN_FLIGHT) return tally('skipped', 'busy');
      inFlight++;
      seq++;
      kinds[seq % kinds.length]()
        .catch((e: Error) => tally('error', e.message.slice(0, 40)))
        .finally(() => inFlight--);
    }, 1000 / rate);
    console.log(`${'t (s)'.padStart(6)}${'rss'.padStart(11)}${'loop p99'.padStart(11)}${'sent'.padStart(9)}`);
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(sampleSec * 1000, Math.max(0, end - Date.now()))));
      const page = await fetch(`${base}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      const rss = metric(page, 'arrears_process_resident_memory_bytes');
      const lag = metric(page, 'arrears_nodejs_eventloop_lag_p99_seconds');
      if (rss === null) {
        console.log('no RSS in /metrics this time');
        continue;
      }
      const t = (Date.now() - started) / 1000;
      samples.push({ t, rss, lagMs: lag === null ? null : lag * 1000 });
      console.log(
        `${t.toFixed(0).padStart(6)}${mb(rss).padStart(11)}${(lag === null ? '-' : `${(lag * 1000).toFixed(1)} ms`).padStart(11)}${String(seq).padStart(9)}`,
      );
    }
    clearInterval(load);
    claimed = [];
    const drainBy = Date.now() + 10_000;
    while (inFlight > 0 && Date.now() < drainBy) await new Promise((r) => setTimeout(r, 100));

    console.log('\nresponses by kind:');
    for (const [kind, byStatus] of Object.entries(counts)) console.log(`  ${kind.padEnd(16)}${JSON.stringify(byStatus)}`);
    const warmup = Math.min(60, (minutes * 60) / 2);
    const after = samples.filter((s) => s.t >= warmup);
    if (after.length < 4) {
      console.log(`too few samples after the ${warmup} s warm-up to judge memory; run longer or sample more often`);
      return 1;
    }
    // RSS saws up and down with each major GC (tens of MB every half minute or so), so comparing
    // single samples measures where in the cycle they fell. A leak lifts the peaks: compare the
    // highest RSS of the first half after warm-up with the highest of the second half.
    const half = Math.floor(after.length / 2);
    const first = Math.max(...after.slice(0, half).map((s) => s.rss));
    const last = Math.max(...after.slice(half).map((s) => s.rss));
    const growth = (last - first) / first;
    const lags = after.map((s) => s.lagMs).filter((x): x is number => x !== null);
    console.log(
      `\npeak RSS after a ${warmup} s warm-up, first half -> second half: ${mb(first)} -> ${mb(last)} (${(growth * 100).toFixed(1)}%); event-loop p99 max ${lags.length ? Math.max(...lags).toFixed(1) : '-'} ms`,
    );
    const flat = growth < GROWTH_LIMIT;
    console.log(
      flat
        ? `memory flat (under ${GROWTH_LIMIT * 100}% growth)`
        : `memory GREW by ${(growth * 100).toFixed(1)}% (limit ${GROWTH_LIMIT * 100}%)`,
    );
    return flat ? 0 : 1;
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      const killer = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    const removed = await deleteKeys(redis, prefix);
    console.log(`removed ${removed} Redis keys under ${prefix}`);
    await redis.quit();
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof UserError) {
    console.error(`soak: ${e.message}`);
    process.exitCode = 2;
  } else throw e;
}
