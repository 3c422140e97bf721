/**
 * Worklist metrics on the API's Prometheus registry: how much work waits in each queue (read from
 * Redis at scrape time, so every API instance reports the same shared truth), the intake backlog,
 * and what collectors do (items claimed, outcomes reported), counted by the instance that served them.
 *
 * Every Redis read a scrape makes is bounded in time: BullMQ waits for a connection that has never
 * been up (an API started while Redis is unreachable) instead of failing, and a scrape must answer
 * regardless, with the HTTP and model metrics.
 */
import { Counter, Gauge } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiMetrics } from '../plugins/metrics.js';

export interface WorklistSources {
  sizes(): Promise<Record<string, { ready: number; waiting: number; leased: number }>>;
  jobCounts(): Promise<Record<string, number>>;
}

/** How long a scrape waits for a Redis read before it reports the worklist gauges empty. */
export const SCRAPE_READ_TIMEOUT_MS = 2_000;

/**
 * `read()`, failing after `ms`. One read at a time: while an earlier read still waits on a Redis
 * that never answered, later scrapes wait on that one rather than pile up reads of their own.
 */
function bounded<T>(what: string, read: () => Promise<T>, ms: number): () => Promise<T> {
  let inflight: Promise<T> | null = null;
  return () => {
    const current = (inflight ??= read().finally(() => {
      inflight = null;
    }));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis for ${what} within ${ms} ms`)), ms);
    });
    return Promise.race([current, late]).finally(() => clearTimeout(timer));
  };
}

export interface WorklistCounters {
  claimed: Counter<'queue'>;
  outcomes: Counter<'queue' | 'type'>;
}

export function registerWorklistMetrics(
  metrics: ApiMetrics,
  src: WorklistSources,
  log: FastifyBaseLogger,
  readTimeoutMs = SCRAPE_READ_TIMEOUT_MS,
): WorklistCounters {
  const registers = [metrics.registry];
  const sizes = bounded('worklist sizes', () => src.sizes(), readTimeoutMs);
  const jobCounts = bounded('intake job counts', () => src.jobCounts(), readTimeoutMs);
  // One scrape's reads, so the error counter (collected last) can count the scrape once.
  let scrape: { reads: Promise<boolean>[] } | null = null;
  let failedScrapes = 0;
  let down = false;
  // A failed read must not fail the whole /metrics scrape (the HTTP and model metrics still
  // matter then), nor leave old sizes that look current: the gauges are emptied, the scrape counted.
  const reading = (what: string, read: (g: Gauge<string>) => Promise<void>) =>
    function (this: Gauge<string>): Promise<void> {
      const p = read(this).then(
        () => true,
        (e: unknown) => {
          this.reset();
          // Log when reads start failing, not on every scrape of an outage.
          if (!down) log.warn({ err: e }, `metrics: could not read ${what} from Redis; worklist gauges are empty until it answers`);
          down = true;
          return false;
        },
      );
      (scrape ??= { reads: [] }).reads.push(p);
      return p.then(() => undefined);
    };
  new Gauge({
    name: 'arrears_worklist_items',
    help: 'Items on each worklist queue: ready (claimable once the gate agrees), waiting (not before a time) and leased',
    labelNames: ['queue', 'state'],
    registers,
    collect: reading('worklist sizes', async (g) => {
      for (const [queue, s] of Object.entries(await sizes())) for (const [state, n] of Object.entries(s)) g.set({ queue, state }, n);
    }),
  });
  new Gauge({
    name: 'arrears_intake_jobs',
    help: 'Intake jobs (chunks of snapshots) by BullMQ state',
    labelNames: ['state'],
    registers,
    collect: reading('intake job counts', async (g) => {
      for (const [state, n] of Object.entries(await jobCounts())) g.set({ state }, n);
    }),
  });
  // Registered after the gauges: the registry starts every metric's collect in registration order
  // and awaits them together, so this one sees the reads of the same scrape.
  new Counter({
    name: 'arrears_worklist_scrape_errors_total',
    help: 'Scrapes that could not read the worklist sizes or the intake counts from Redis',
    registers,
    async collect(this: Counter<string>) {
      const current = scrape;
      scrape = null;
      if (!current) return;
      const ok = await Promise.all(current.reads);
      if (ok.every(Boolean)) {
        if (down) log.info('metrics: worklist sizes readable again');
        down = false;
      } else failedScrapes++;
      this.reset();
      this.inc(failedScrapes);
    },
  });
  return {
    claimed: new Counter({
      name: 'arrears_worklist_claimed_total',
      help: 'Items leased to collectors, by queue',
      labelNames: ['queue'],
      registers,
    }),
    outcomes: new Counter({
      name: 'arrears_worklist_outcomes_total',
      help: 'Outcomes recorded, by queue and outcome type',
      labelNames: ['queue', 'type'],
      registers,
    }),
  };
}
