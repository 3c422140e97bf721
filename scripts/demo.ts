/**
 * npm run demo [-- --keep]
 *
 * The whole loop against the local Redis, under a fresh key prefix: starts the API and a worker
 * process, enqueues the sample portfolio, prints each worklist's size and top 5, claims and posts
 * outcomes, and shows one account's audit trail. Its keys are deleted at the end unless --keep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Redis } from 'ioredis';
import { deleteKeys } from '../src/collection/keys.js';
import { parseCommand } from '../src/cli/args.js';
import { connectRedis } from '../src/cli/redis.js';

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseCommand({
  name: 'demo',
  summary:
    'The whole loop on the local Redis under a fresh key prefix: the API and a worker, the sample portfolio enqueued, worklists, claims, outcomes and one audit trail.',
  options: {
    keep: { type: 'boolean', default: false, description: "keep the demo's Redis keys afterwards (they are deleted by default)" },
  },
});
const say = (m: string) => console.log(m);

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });

// 1. Environment: a throwaway key with every role, a private prefix and port.
const key = randomBytes(24).toString('base64url');
const prefix = `arrears-demo-${Date.now().toString(36)}`;
const port = await freePort();
const env = {
  ...process.env,
  PORT: String(port),
  LOG_LEVEL: 'warn',
  ARREARS_REDIS_PREFIX: prefix,
  ARREARS_API_KEYS: JSON.stringify([
    {
      name: 'demo',
      sha256: createHash('sha256').update(key).digest('hex'),
      roles: ['scorer', 'collector', 'admin', 'manager'],
      collectors: ['*'],
    },
  ]),
};
const base = `http://127.0.0.1:${port}`;
const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const r = await fetch(base + path, {
    method,
    headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await r.json()) as T;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
};

const children: ChildProcess[] = [];
const start = (name: string, script: string, extra: string[] = []) => {
  const c = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...extra], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  c.on('exit', (code, sig) => {
    if (code && code !== 0) console.error(`${name} exited with ${code ?? sig}`);
  });
  children.push(c);
  return c;
};

const work = await mkdtemp(join(tmpdir(), 'arrears-demo-'));
let redis: Redis | undefined;
try {
  redis = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });

  // 2. A portfolio file from the committed sample: the model's features, plus the collection fields.
  say('building the sample portfolio (20,000 accounts as of 2024-01-01) ...');
  const portfolio = join(work, 'portfolio.parquet');
  const cfg = JSON.parse(await (await import('node:fs/promises')).readFile(join(root, 'data/configs/sample.json'), 'utf8'));
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  for (const [name, t] of Object.entries<{ path: string }>(cfg.source.tables))
    await con.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet('${resolve(root, 'data/configs', t.path)}')`);
  const feats = (cfg.features as { name: string }[]).map((f) => `a."${f.name}"`).join(', ');
  const sql = cfg.source.sql.replaceAll('{{snapshot}}', `DATE '${cfg.source.snapshot}'`);
  await con.run(`COPY (
    SELECT CAST(a.id AS VARCHAR) AS account_id, DATE '2024-01-01' AS as_of, a.dpd_now AS dpd,
           coalesce(r.balance, 0) AS outstanding, a.jurisdiction, nullif(b.timezone, '') AS timezone, ${feats}
    FROM (${sql}) a
    JOIN loans l ON l.loan_id = a.id JOIN borrowers b USING (borrower_id)
    LEFT JOIN (SELECT loan_id, arg_max(balance, month) AS balance FROM repayments WHERE month < DATE '2024-01-01' GROUP BY loan_id) r ON r.loan_id = a.id
  ) TO '${portfolio}' (FORMAT parquet)`);
  con.closeSync();
  db.closeSync();

  // 3. The API and a worker process.
  say(`starting the API on ${base} and a worker (Redis prefix ${prefix}) ...`);
  start('api', 'src/api/server.ts');
  start('worker', 'src/worker/main.ts');
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (i > 120) throw new Error('the API did not become ready within 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }

  // 4. Enqueue the portfolio and wait until the worker has assigned it.
  const t0 = performance.now();
  await new Promise<void>((ok, fail) =>
    start('enqueue', 'scripts/enqueue.ts', ['--file', portfolio]).on('exit', (code) =>
      code === 0 ? ok() : fail(new Error(`enqueue exited with ${code}`)),
    ),
  );
  type Sizes = {
    queues: Record<string, { ready: number; waiting: number; leased: number }>;
    intake: Record<string, number>;
    policy: string;
  };
  let sizes: Sizes;
  for (;;) {
    sizes = await api<Sizes>('GET', '/v1/worklists');
    if ((sizes.intake.wait ?? 0) + (sizes.intake.active ?? 0) + (sizes.intake.delayed ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  say(`\nassigned in ${((performance.now() - t0) / 1000).toFixed(1)} s (policy ${sizes.policy}); worklists (ready / waiting / leased):`);
  for (const [q, s] of Object.entries(sizes.queues))
    say(`  ${q.padEnd(8)} ${String(s.ready).padStart(6)} ${String(s.waiting).padStart(8)} ${String(s.leased).padStart(7)}`);

  // 5. Claim the top 5 of each queue and report outcomes.
  type Item = { accountId: string; priority?: number; pd?: number; tier?: string; treatment?: unknown; [k: string]: unknown };
  const outcomes = [
    { type: 'contacted' },
    { type: 'no_answer' },
    { type: 'promise_to_pay', amount: 150, date: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10) },
    { type: 'paid', amount: 300 },
    { type: 'wrong_number' },
  ];
  let someone: string | null = null;
  for (const q of Object.keys(sizes.queues)) {
    const { items } = await api<{ items: Item[] }>('POST', `/v1/worklists/${q}/claim`, { collectorId: 'demo-collector', n: 5 });
    say(`\ntop ${items.length} of ${q}, claimed by demo-collector:`);
    for (const it of items)
      say(
        `  ${String(it.accountId).padEnd(9)} pd ${Number(it.pd).toFixed(3)}  dpd ${String(it.dpd).padStart(3)}  outstanding ${String(it.outstanding).padStart(8)}  priority ${Number(it.priority).toFixed(0).padStart(6)}  ${it.channel} every ${it.cadenceDays}d  (${it.variant ?? ''})`,
      );
    for (const [i, it] of items.entries()) {
      const r = await api<{ state: string }>('POST', `/v1/worklists/${q}/items/${encodeURIComponent(it.accountId)}/outcome`, {
        collectorId: 'demo-collector',
        outcome: outcomes[i % outcomes.length],
      });
      say(`  outcome ${outcomes[i % outcomes.length].type.padEnd(14)} ${it.accountId} -> ${r.state}`);
      someone ??= it.accountId;
    }
  }

  // 6. One account's assignment and audit trail.
  if (someone) {
    const acct = await api<{ assignment: unknown; history: unknown[] }>('GET', `/v1/accounts/${encodeURIComponent(someone)}`);
    say(`\naccount ${someone}:\n${JSON.stringify(acct, null, 2)}`);
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null)));
  if (!args.keep && redis?.status === 'ready') {
    const n = await deleteKeys(redis, prefix);
    say(`\ncleaned up ${n} Redis keys under ${prefix} (--keep keeps them)`);
  }
  redis?.disconnect();
  await rm(work, { recursive: true, force: true });
}
