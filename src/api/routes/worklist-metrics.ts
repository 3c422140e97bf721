/**
 * Worklist metrics on the API's Prometheus registry: how much work waits in each queue (read from
 * Redis at scrape time, so every API instance reports the same shared truth), the intake backlog,
 * and what collectors do (items claimed, outcomes reported), counted by the instance that served them.
 */
import { Counter, Gauge } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiMetrics } from '../plugins/metrics.js';

export interface WorklistSources {
  sizes(): Promise<Record<string, { ready: number; waiting: number; leased: number }>>;
  jobCounts(): Promise<Record<string, number>>;
}

export interface WorklistCounters {
  claimed: Counter<'queue'>;
  outcomes: Counter<'queue' | 'type'>;
}

export function registerWorklistMetrics(metrics: ApiMetrics, src: WorklistSources, log: FastifyBaseLogger): WorklistCounters {
  const registers = [metrics.registry];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  // A failed read must not fail the whole /metrics scrape (the HTTP and model metrics still
  // matter then), nor leave old sizes that look current: the gauges are emptied, the error counted.
  const reading = (what: string, read: (g: Gauge<string>) => Promise<void>) =>
    function (this: Gauge<string>): Promise<void> {
      const p = (async () => {
        try {
          await read(this);
        } catch (e) {
          this.reset();
          errors++;
          log.warn({ err: e }, `metrics: could not read ${what} from Redis`);
        }
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    };
  new Gauge({
    name: 'arrears_worklist_items',
    help: 'Items on each worklist queue: ready (claimable once the gate agrees), waiting (not before a time) and leased',
    labelNames: ['queue', 'state'],
    registers,
    collect: reading('worklist sizes', async (g) => {
      for (const [queue, s] of Object.entries(await src.sizes())) for (const [state, n] of Object.entries(s)) g.set({ queue, state }, n);
    }),
  });
  new Gauge({
    name: 'arrears_intake_jobs',
    help: 'Intake jobs (chunks of snapshots) by BullMQ state',
    labelNames: ['state'],
    registers,
    collect: reading('intake job counts', async (g) => {
      for (const [state, n] of Object.entries(await src.jobCounts())) g.set({ state }, n);
    }),
  });
  // Registered after the gauges: the registry starts every metric's collect in registration order
  // and awaits them together, so this one sees the reads of the same scrape and reports its failure.
  new Counter({
    name: 'arrears_worklist_scrape_errors_total',
    help: 'Scrapes that could not read worklist sizes or intake counts from Redis',
    registers,
    async collect(this: Counter<string>) {
      await Promise.all(inFlight);
      this.reset();
      this.inc(errors);
    },
  });
  return {
    claimed: new Counter({ name: 'arrears_worklist_claimed_total', help: 'Items leased to collectors, by queue', labelNames: ['queue'], registers }),
    outcomes: new Counter({ name: 'arrears_worklist_outcomes_total', help: 'Outcomes recorded, by queue and outcome type', labelNames: ['queue', 'type'], registers }),
  };
}
