/**
 * npm run bench:api [-- --json] [--models <dir>] [--duration <s>] [--connections <n>]
 *
 * Starts the API in a child process on a free port and runs autocannon against it: POST /v1/scores
 * with realistic borrower bodies, and in the same run POST /v1/_bench/noop, which passes the same
 * auth, rate limit and validation and returns a constant. Prints req/s and p50/p99 for both and the
 * ratio (target >= 0.6, p99 <= 15 ms), then scores 100,000 rows through /v1/scores/batch in chunks
 * of 10,000 and prints rows/s. `--json` prints one object:
 * { scoreRps, noopRps, ratio, p50Ms, p99Ms, batchRowsPerSec, scoreRowUs, engine, backend }, where
 * scoreRowUs is the model alone (one single-row scoreRows call, in this process, no HTTP).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { sha256Hex } from '../../src/api/plugins/auth.js';
import { loadConfig } from '../../src/config.js';
import { initBackend } from '../../src/model/backend.js';
import { loadModel, readBundleJson } from '../../src/model/load.js';
import { championDir } from '../../src/model/registry.js';
import { intValue, parseCommand } from '../../src/cli/args.js';
import { realisticRows } from '../lib/realistic-rows.js';

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseCommand({
  name: 'bench:api',
  summary:
    'Load-tests the scoring API in a child process: POST /v1/scores against a no-op route that pays the same auth and validation, then batch scoring and the model alone.',
  options: {
    json: { type: 'boolean', default: false, description: 'print one JSON object instead of the table' },
    models: {
      type: 'string',
      value: '<dir>',
      default: join(root, 'models'),
      description: "models folder whose champion is served (falls back to the tests' tiny bundle)",
    },
    duration: { type: 'string', value: '<s>', default: '10', description: 'seconds of load per route' },
    connections: { type: 'string', value: '<n>', default: '50', description: 'concurrent connections' },
    'batch-rows': { type: 'string', value: '<n>', default: '100000', description: 'rows scored through /v1/scores/batch' },
    'batch-chunk': { type: 'string', value: '<n>', default: '10000', description: 'rows per batch request' },
  },
});
const seconds = intValue('duration', args.duration, { min: 1 });
const connections = intValue('connections', args.connections, { min: 1 });
const batchRows = intValue('batch-rows', args['batch-rows'], { min: 1 });
const chunk = intValue('batch-chunk', args['batch-chunk'], { min: 1 });
const say = (s: string) => {
  if (!args.json) console.log(s);
};

async function startServer(env: NodeJS.ProcessEnv): Promise<{ port: number; backend: string; ref: string; stop: () => void }> {
  const child = fork(join(import.meta.dirname, 'api-server.ts'), [], {
    env,
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const msg = await new Promise<{ port?: number; backend?: string; ref?: string; error?: string }>((ok, fail) => {
    child.once('message', (m) => ok(m as never));
    child.once('exit', (code) => fail(new Error(`bench server exited with ${code}`)));
  });
  if (msg.error || !msg.port) throw new Error(msg.error ?? 'bench server did not report a port');
  return { port: msg.port, backend: msg.backend!, ref: msg.ref!, stop: () => child.disconnect() };
}

function cannon(url: string, key: string, bodies: string[], seconds: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    requests: bodies.map((body) => ({ method: 'POST', body })),
  });
}

async function main(): Promise<void> {
  let modelsDir = resolve(args.models);
  if (!(await championDir(modelsDir).catch(() => null)) || !existsSync(join(modelsDir, 'registry.json'))) {
    const fallback = join(root, 'test/fixtures/models');
    say(`no champion in ${modelsDir}; using the tiny test bundle in ${fallback} (3 features)`);
    modelsDir = fallback;
  }
  const bundle = await readBundleJson((await championDir(modelsDir))!);
  const key = randomBytes(24).toString('hex');
  const rows = realisticRows(bundle, Math.max(chunk, 256));
  const chunkBody = JSON.stringify({ items: rows.slice(0, chunk).map((features, i) => ({ borrowerId: `b${i}`, features })) });
  // The shipped 8 MiB default may not hold a 10,000-row chunk of a wide bundle; raise it for this run and say so.
  const shipped = loadConfig({}).bodyLimitBytes;
  const bodyLimit = Math.max(shipped, Math.ceil(chunkBody.length * 1.1));
  if (bodyLimit > shipped)
    say(
      `note: a ${chunk}-row chunk is ${(chunkBody.length / 1e6).toFixed(1)} MB; body limit raised to ${(bodyLimit / 1e6).toFixed(1)} MB for this run`,
    );

  const server = await startServer({
    ...process.env,
    ARREARS_MODELS_DIR: modelsDir,
    ARREARS_API_KEYS: JSON.stringify([{ name: 'bench', sha256: sha256Hex(key), roles: ['scorer'] }]),
    ARREARS_RATE_LIMIT_PER_MIN: String(1_000_000_000),
    ARREARS_BODY_LIMIT_BYTES: String(bodyLimit),
    ARREARS_BATCH_MAX: String(chunk),
    LOG_LEVEL: 'warn',
  });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const bodies = rows.slice(0, 256).map((features, i) => JSON.stringify({ borrowerId: `bench-${i}`, features }));
    say(
      `model ${server.ref} (${bundle.features.length} features, network ${bundle.model.network ? 'yes' : 'no'}), backend ${server.backend}; ${connections} connections, ${seconds} s per route`,
    );

    // Warm both routes (JIT, connection pools), then measure them back to back in the same run.
    await cannon(`${base}/v1/_bench/noop`, key, bodies, 2, connections);
    await cannon(`${base}/v1/scores`, key, bodies, 2, connections);
    const noop = await cannon(`${base}/v1/_bench/noop`, key, bodies, seconds, connections);
    const score = await cannon(`${base}/v1/scores`, key, bodies, seconds, connections);
    for (const [name, r] of [
      ['noop', noop],
      ['score', score],
    ] as const)
      if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx responses, ${r.errors} errors`);

    const headers = { 'content-type': 'application/json', 'x-api-key': key };
    await fetch(`${base}/v1/scores/batch`, { method: 'POST', headers, body: chunkBody }).then((r) => r.arrayBuffer());
    const started = performance.now();
    let done = 0;
    for (let sent = 0; sent < batchRows; sent += chunk) {
      const res = await fetch(`${base}/v1/scores/batch`, { method: 'POST', headers, body: chunkBody });
      const out = (await res.json()) as { scored?: number };
      if (res.status !== 200 || out.scored !== chunk) throw new Error(`batch: HTTP ${res.status}, scored ${out.scored}`);
      done += chunk;
    }
    const batchSeconds = (performance.now() - started) / 1000;

    // The model alone, no HTTP: one borrower per scoreRows call, as POST /v1/scores does.
    await initBackend('auto');
    const model = await loadModel((await championDir(modelsDir))!);
    const perRow = 20_000;
    for (let i = 0; i < 2_000; i++) model.scoreRows([rows[i % rows.length]]);
    const t0 = performance.now();
    for (let i = 0; i < perRow; i++) model.scoreRows([rows[i % rows.length]]);
    const scoreRowUs = Math.round((((performance.now() - t0) * 1000) / perRow) * 10) / 10;

    const result = {
      scoreRps: Math.round(score.requests.average),
      noopRps: Math.round(noop.requests.average),
      ratio: Math.round((score.requests.average / noop.requests.average) * 1000) / 1000,
      p50Ms: score.latency.p50,
      p99Ms: score.latency.p99,
      batchRowsPerSec: Math.round(done / batchSeconds),
      scoreRowUs,
      engine: model.engine,
      backend: server.backend,
    };
    if (args.json) {
      console.log(JSON.stringify(result));
      return;
    }
    const row = (name: string, r: autocannon.Result) =>
      `${name.padEnd(22)}${String(Math.round(r.requests.average)).padStart(10)}${String(r.latency.p50).padStart(9)}${String(r.latency.p99).padStart(9)}`;
    say('');
    say(`${'route'.padEnd(22)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`);
    say(row('POST /v1/_bench/noop', noop));
    say(row('POST /v1/scores', score));
    say('');
    say(`ratio score/noop  ${result.ratio.toFixed(3)}   (target >= 0.6)   ${result.ratio >= 0.6 ? 'met' : 'NOT met'}`);
    say(`p99 /v1/scores    ${result.p99Ms} ms   (target <= 15 ms)  ${result.p99Ms <= 15 ? 'met' : 'NOT met'}`);
    say(
      `model alone       ${scoreRowUs} µs per single-row scoreRows (engine ${model.engine}: encoding, network, calibration, reason codes)`,
    );
    say(
      `batch             ${done.toLocaleString('en')} rows in ${batchSeconds.toFixed(2)} s = ${result.batchRowsPerSec.toLocaleString('en')} rows/s (chunks of ${chunk.toLocaleString('en')})`,
    );
  } finally {
    server.stop();
  }
}

await main();
