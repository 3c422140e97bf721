/**
 * The collection API: intake of delinquency snapshots (role scorer), worklists, claims and outcomes
 * (role collector). A Fastify plugin that takes its dependencies as options, so the app (or a test)
 * decides which queue and store it talks to:
 *
 *   await app.register(collectionRoutes, { queue, service, batchMax: config.batchMax, chunkSize: config.workerBatch })
 *
 * Bodies are checked here with the domain's own zod schemas (not by the framework's union
 * validation) so each bad field is named with its full path, e.g. `items.3.timezone`.
 */
import type { Queue as BullQueue } from 'bullmq';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OutcomeError, OutcomeSchema } from '../../domain/collection/outcomes.js';
import { AccountId, CollectorId, SnapshotSchema, type Snapshot } from '../../domain/collection/snapshot.js';
import { QUEUES } from '../../domain/collection/types.js';
import type { Config } from '../../config.js';
import type { CollectionService } from '../../worker/collection.js';
import { enqueueSnapshots, type IntakeJobInput } from '../../worker/queues.js';
import type { CollectionRuntime } from '../../worker/runtime.js';
import { ApiError, batchValidationError, zodDetails } from '../errors.js';
import { assertFeatureKeyCap } from '../feature-keys.js';
import { actingCollector } from '../plugins/auth.js';
import { ErrorSchema } from '../schemas.js';
import { registerQueueBoard } from './queue-board.js';
import { registerWorklistMetrics } from './worklist-metrics.js';

export interface CollectionRoutesOptions {
  queue: BullQueue<IntakeJobInput>;
  service: CollectionService;
  /** Most snapshots per POST /v1/delinquencies. */
  batchMax: number;
  /** Snapshots per intake job (one model pass each). */
  chunkSize: number;
  /** Most items per claim. */
  maxClaim?: number;
  /** Most keys one snapshot's features may hold (default 1,000). */
  maxFeatureKeys?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema };
const QueueParam = z.enum(QUEUES).describe('worklist queue');

const invalid = (issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix: (string | number)[] = []) => {
  const details = zodDetails(issues, prefix);
  return new ApiError('ARREARS_VALIDATION', `${details.length} invalid field${details.length === 1 ? '' : 's'}`, details);
};

/** Redis refusing or timing out means the worklists are unavailable, not that the request was wrong. */
function storeError(err: unknown): never {
  if (err instanceof ApiError) throw err;
  const msg = (err as Error)?.message ?? '';
  if (/Connection is closed|ECONNREFUSED|Stream isn't writeable|enableOfflineQueue|max retries|ETIMEDOUT/i.test(msg))
    throw new ApiError('ARREARS_STORE_UNAVAILABLE', undefined, [], { 'retry-after': '5' });
  throw err;
}

const ItemSchema = z.object({
  accountId: z.string(),
  asOf: z.string(),
  queue: z.enum(QUEUES),
  channel: z.string(),
  cadenceDays: z.number(),
  priority: z.number().describe('expected loss at risk, adjusted for recency and broken promises'),
  pd: z.number(),
  dpd: z.number(),
  outstanding: z.number(),
  jurisdiction: z.string(),
  timezone: z.string().nullable(),
  variant: z.string(),
  tier: z.string(),
  reasons: z.array(z.string()).describe('model reason codes'),
  leaseUntil: z.number().describe('epoch ms; report the outcome before then'),
  brokenPromises: z.number(),
  model: z.string(),
  policy: z.string(),
});

const collectionRoutes: FastifyPluginAsync<CollectionRoutesOptions> = async (base, opts) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { service, queue } = opts;
  const now = opts.now ?? Date.now;
  const maxClaim = opts.maxClaim ?? 50;
  const maxFeatureKeys = opts.maxFeatureKeys ?? 1_000;
  // Worklist metrics where the app has a metrics registry (the full app does; bare test apps may not).
  const counters = base.hasDecorator('metrics')
    ? registerWorklistMetrics(base.metrics, { sizes: () => service.store.sizes(), jobCounts: () => queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed') }, base.log)
    : null;

  app.post(
    '/v1/delinquencies',
    {
      config: { role: 'scorer' },
      schema: {
        summary: 'Enqueue delinquency snapshots',
        description: `One snapshot, or { items: [...] } with up to ${opts.batchMax}. They are scored in chunks by the worker and placed on worklists. (accountId, asOf) is the idempotency key: the same snapshot twice is assigned once.`,
        tags: ['collection'],
        body: z.record(z.string(), z.unknown()).describe('a snapshot (accountId, asOf, dpd, outstanding, jurisdiction, timezone, flags, features) or { items: [snapshot, ...] }'),
        response: { 202: z.object({ accepted: z.number().int(), jobs: z.array(z.string()) }), ...errors },
      },
      preValidation: async (req) => assertFeatureKeyCap(req.body, maxFeatureKeys, 'features per snapshot'),
    },
    async (req, reply) => {
      let snapshots: Snapshot[];
      if ('items' in req.body) {
        const parsed = z.strictObject({ items: z.array(SnapshotSchema).min(1).max(opts.batchMax, `at most ${opts.batchMax} items per request`) }).safeParse(req.body);
        if (!parsed.success) throw batchValidationError(parsed.error.issues);
        snapshots = parsed.data.items;
      } else {
        const parsed = SnapshotSchema.safeParse(req.body);
        if (!parsed.success) throw invalid(parsed.error.issues);
        snapshots = [parsed.data];
      }
      const jobs = await enqueueSnapshots(queue, snapshots, { chunkSize: opts.chunkSize, now: now() }).catch(storeError);
      return reply.code(202).send({ accepted: snapshots.length, jobs });
    },
  );

  app.get(
    '/v1/worklists',
    {
      config: { role: 'collector' },
      schema: {
        summary: 'Worklist sizes',
        description: 'Per queue: ready (claimable once the compliance gate agrees), waiting (not before a time: cadence, contact window, promise to pay) and leased. Plus the intake backlog.',
        tags: ['collection'],
        response: {
          200: z.object({
            queues: z.record(z.string(), z.object({ ready: z.number(), waiting: z.number(), leased: z.number() })),
            intake: z.record(z.string(), z.number()),
            policy: z.string(),
          }),
          ...errors,
        },
      },
    },
    async () => {
      const [queues, intake] = await Promise.all([service.store.sizes(), queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed')]).catch(storeError);
      return { queues, intake, policy: service.policy.version };
    },
  );

  app.post(
    '/v1/worklists/:queue/claim',
    {
      config: { role: 'collector' },
      schema: {
        summary: 'Lease the next contactable items',
        description: 'Leases up to n of the highest-priority items that may be contacted now under the jurisdiction rules, to one collector, until leaseUntil. An expired lease goes back to the queue.',
        tags: ['collection'],
        params: z.object({ queue: QueueParam }),
        body: z.strictObject({ collectorId: CollectorId.optional().describe("defaults to the API key's name; another id only where the key's entry lists it"), n: z.number().int().min(1).max(maxClaim).default(10) }),
        response: { 200: z.object({ items: z.array(ItemSchema) }), ...errors },
      },
    },
    async (req) => {
      const collector = actingCollector(req.principal, req.body.collectorId);
      const items = await service.claim(req.params.queue, collector, req.body.n, now()).catch(storeError);
      counters?.claimed.inc({ queue: req.params.queue }, items.length);
      return { items };
    },
  );

  app.post(
    '/v1/worklists/:queue/items/:accountId/outcome',
    {
      config: { role: 'collector' },
      schema: {
        summary: 'Report an outcome',
        description:
          'contacted, no_answer, wrong_number, paid, promise_to_pay { amount, date } (pauses until the date; re-queued with raised priority if broken), dispute (pauses until a snapshot clears it), cease (stops contact). Only the collector holding the lease may report, also after it expired unless another collector claimed the item since.',
        tags: ['collection'],
        params: z.object({ queue: QueueParam, accountId: AccountId }),
        body: z.strictObject({
          collectorId: CollectorId.optional(),
          outcome: z.record(z.string(), z.unknown()).describe('{ type, amount?, date? }'),
          agency: z.string().min(1).max(64).optional().describe('reporting agency (CN caps count calls across agencies)'),
        }),
        response: { 200: z.object({ accountId: z.string(), state: z.string() }), ...errors },
      },
    },
    async (req) => {
      const parsed = OutcomeSchema.safeParse(req.body.outcome);
      if (!parsed.success) throw invalid(parsed.error.issues, ['outcome']);
      const collector = actingCollector(req.principal, req.body.collectorId);
      const { queue: q, accountId } = req.params;
      let r;
      try {
        r = await service.recordOutcome(q, accountId, collector, parsed.data, now(), req.body.agency, req.principal?.name);
      } catch (e) {
        if (e instanceof OutcomeError) throw new ApiError('ARREARS_VALIDATION', e.message, [{ path: e.path, issue: e.message }]);
        storeError(e);
      }
      if (!r.ok) {
        if (r.reason === 'not_found') throw new ApiError('ARREARS_NOT_FOUND', `no account ${accountId}`);
        if (r.reason === 'wrong_queue') throw new ApiError('ARREARS_CONFLICT', `account ${accountId} is not on the ${q} queue`);
        throw new ApiError('ARREARS_CONFLICT', `account ${accountId} is not leased to ${collector} (another collector claimed it since); the contact is recorded in its ledger`);
      }
      counters?.outcomes.inc({ queue: q, type: parsed.data.type });
      return { accountId, state: r.state };
    },
  );

  app.get(
    '/v1/accounts/:id',
    {
      config: { role: 'collector' },
      schema: {
        summary: 'An account: current assignment and history',
        tags: ['collection'],
        params: z.object({ id: AccountId }),
        response: { 200: z.object({ assignment: z.record(z.string(), z.unknown()), history: z.array(z.unknown()) }), ...errors },
      },
    },
    async (req) => {
      const a = await service.account(req.params.id).catch(storeError);
      if (!a) throw new ApiError('ARREARS_NOT_FOUND', `no account ${req.params.id}`);
      return a;
    },
  );
};

export default collectionRoutes;

/**
 * Everything the collection API needs, for `buildApp({ registerCollection })`: the routes over a
 * runtime from src/worker/runtime.ts, and the queue dashboard at /admin/queues (admin role).
 */
export async function mountCollection(app: FastifyInstance, rt: CollectionRuntime, config: Pick<Config, 'batchMax' | 'workerBatch' | 'maxFeatureKeys'>): Promise<void> {
  await app.register(collectionRoutes, { queue: rt.queue, service: rt.service, batchMax: config.batchMax, chunkSize: Math.max(1, config.workerBatch), maxFeatureKeys: config.maxFeatureKeys });
  await registerQueueBoard(app, [rt.queue]);
}
