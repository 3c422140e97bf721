/**
 * The collection API: intake of delinquency snapshots (role scorer), worklists, claims and outcomes
 * (role collector), over the app's collection runtime (the `collection` decorator), and the queue
 * dashboard at /admin/queues (admin role). Every body is validated by the schema that documents it
 * (collection-schemas.ts).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { enqueueSnapshots } from '../../collection/intake.js';
import { OutcomeError } from '../../domain/collection/outcomes.js';
import { SnapshotSchema } from '../../domain/collection/snapshot.js';
import {
  AccountParams,
  AccountResponse,
  ClaimBody,
  ClaimResponse,
  DelinquencyAccepted,
  DelinquencyBody,
  OutcomeBody,
  OutcomeParams,
  OutcomeResponse,
  QueueParams,
  SnapshotBatch,
  WorklistSizes,
} from '../collection-schemas.js';
import { ApiError } from '../errors.js';
import { assertFeatureKeyCap } from '../feature-keys.js';
import { actingCollector } from '../plugins/auth.js';
import { ErrorSchema } from '../schemas.js';
import { registerQueueBoard } from './queue-board.js';
import { registerWorklistMetrics } from './worklist-metrics.js';

export interface CollectionRoutesOptions {
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

const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  413: ErrorSchema,
  429: ErrorSchema,
  503: ErrorSchema,
};

/** Redis refusing or timing out means the worklists are unavailable, not that the request was wrong. */
function storeError(err: unknown): never {
  if (err instanceof ApiError) throw err;
  const msg = (err as Error)?.message ?? '';
  if (/Connection is closed|ECONNREFUSED|Stream isn't writeable|enableOfflineQueue|max retries|ETIMEDOUT/i.test(msg))
    throw new ApiError('ARREARS_STORE_UNAVAILABLE', undefined, [], { 'retry-after': '5' });
  throw err;
}

/** Longest an intake request waits on Redis before answering 503 (the client should not wait for minutes). */
const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * Adds the snapshots only while Redis is connected and the client is still waiting. BullMQ waits
 * for a connection that has never been ready (no offline queue does not cover that wait), so a
 * store down since start would hold the request for minutes and then enqueue data the client gave
 * up on; this answers 503 at once instead, and bounds the add itself.
 */
async function enqueueBounded(
  base: FastifyInstance,
  req: { raw: { aborted?: boolean; destroyed?: boolean; socket?: { destroyed?: boolean } | null } },
  add: () => Promise<string[]>,
): Promise<string[]> {
  const unavailable = () => new ApiError('ARREARS_STORE_UNAVAILABLE', undefined, [], { 'retry-after': '5' });
  if (base.redis.status !== 'ready') throw unavailable();
  if (req.raw.aborted || req.raw.socket?.destroyed)
    throw new ApiError('ARREARS_STORE_UNAVAILABLE', 'the client went away before the data was queued', [], { 'retry-after': '5' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable()), ENQUEUE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([add(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The delinquency body's validator: the one member of DelinquencyBody the body's shape asks for (a
 * batch when it has `items`), so each bad field is named with its full path (`items.3.timezone`)
 * instead of the union's "matches no option".
 */
function byShape(batchMax: number) {
  const one = validatorCompiler({ schema: SnapshotSchema, method: 'POST', url: '/v1/delinquencies', httpPart: 'body' });
  const batch = validatorCompiler({ schema: SnapshotBatch(batchMax), method: 'POST', url: '/v1/delinquencies', httpPart: 'body' });
  return () => (data: unknown) => (typeof data === 'object' && data !== null && 'items' in data ? batch : one)(data);
}

async function collectionRoutes(base: FastifyInstance, opts: CollectionRoutesOptions): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { service, queue } = base.collection;
  const now = opts.now ?? Date.now;
  const maxClaim = opts.maxClaim ?? 50;
  const maxFeatureKeys = opts.maxFeatureKeys ?? 1_000;
  const counters = registerWorklistMetrics(
    base.metrics,
    { sizes: () => service.store.sizes(), jobCounts: () => queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed') },
    base.log,
  );

  app.post(
    '/v1/delinquencies',
    {
      config: { role: 'scorer' },
      validatorCompiler: byShape(opts.batchMax),
      schema: {
        operationId: 'enqueueDelinquencies',
        summary: 'Enqueue delinquency snapshots',
        description: `One snapshot, or { items: [...] } with up to ${opts.batchMax}. They are scored in chunks by the worker and placed on worklists. (accountId, asOf) is the idempotency key: the same snapshot twice is assigned once.`,
        tags: ['collection'],
        body: DelinquencyBody(opts.batchMax),
        response: { 202: DelinquencyAccepted, ...errors },
      },
      preValidation: async (req) => assertFeatureKeyCap(req.body, maxFeatureKeys, 'features per snapshot'),
    },
    async (req, reply) => {
      const snapshots = 'items' in req.body ? req.body.items : [req.body];
      const jobs = await enqueueBounded(base, req, () =>
        enqueueSnapshots(queue, snapshots, { chunkSize: opts.chunkSize, now: now() }),
      ).catch(storeError);
      return reply.code(202).send({ accepted: snapshots.length, jobs });
    },
  );

  app.get(
    '/v1/worklists',
    {
      config: { role: 'collector' },
      schema: {
        operationId: 'getWorklists',
        summary: 'Worklist sizes',
        description:
          'Per queue: ready (claimable once the compliance gate agrees), waiting (not before a time: cadence, contact window, promise to pay) and leased. Plus the intake backlog.',
        tags: ['collection'],
        response: { 200: WorklistSizes, ...errors },
      },
    },
    async () => {
      const [queues, intake] = await Promise.all([
        service.store.sizes(),
        queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed'),
      ]).catch(storeError);
      return { queues, intake, policy: service.policy.version };
    },
  );

  app.post(
    '/v1/worklists/:queue/claim',
    {
      config: { role: 'collector' },
      schema: {
        operationId: 'claimWorklistItems',
        summary: 'Lease the next contactable items',
        description:
          'Leases up to n of the highest-priority items that may be contacted now under the jurisdiction rules, to one collector, until leaseUntil. An expired lease goes back to the queue.',
        tags: ['collection'],
        params: QueueParams,
        body: ClaimBody(maxClaim),
        response: { 200: ClaimResponse, ...errors },
      },
    },
    async (req) => {
      const collector = actingCollector(req.principal, req.body.collectorId);
      const items = await service.claim(req.params.queue, collector, req.body.n, now()).catch(storeError);
      counters.claimed.inc({ queue: req.params.queue }, items.length);
      return { items };
    },
  );

  app.post(
    '/v1/worklists/:queue/items/:accountId/outcome',
    {
      config: { role: 'collector' },
      schema: {
        operationId: 'recordOutcome',
        summary: 'Report an outcome',
        description:
          'contacted, no_answer, wrong_number, paid, promise_to_pay { amount, date } (pauses until the date; re-queued with raised priority if broken), dispute (pauses until a snapshot clears it), cease (stops contact). Only the collector holding the lease may report, also after it expired unless another collector claimed the item since.',
        tags: ['collection'],
        params: OutcomeParams,
        body: OutcomeBody,
        response: { 200: OutcomeResponse, ...errors },
      },
    },
    async (req) => {
      const outcome = req.body.outcome;
      const collector = actingCollector(req.principal, req.body.collectorId);
      const { queue: q, accountId } = req.params;
      let r: Awaited<ReturnType<typeof service.recordOutcome>>;
      try {
        r = await service.recordOutcome(q, accountId, collector, outcome, now(), req.body.agency, req.principal?.name);
      } catch (e) {
        if (e instanceof OutcomeError) throw new ApiError('ARREARS_VALIDATION', e.message, [{ path: e.path, issue: e.message }]);
        storeError(e);
      }
      if (!r.ok) {
        if (r.reason === 'not_found') throw new ApiError('ARREARS_NOT_FOUND', `no account ${accountId}`);
        if (r.reason === 'wrong_queue') throw new ApiError('ARREARS_CONFLICT', `account ${accountId} is not on the ${q} queue`);
        throw new ApiError(
          'ARREARS_CONFLICT',
          `account ${accountId} is not leased to ${collector} (another collector claimed it since); the contact is recorded in its ledger`,
        );
      }
      counters.outcomes.inc({ queue: q, type: outcome.type });
      return { accountId, state: r.state as z.output<typeof OutcomeResponse>['state'] };
    },
  );

  app.get(
    '/v1/accounts/:id',
    {
      config: { role: 'collector' },
      schema: {
        operationId: 'getAccount',
        summary: 'An account: current assignment and history',
        tags: ['collection'],
        params: AccountParams,
        response: { 200: AccountResponse, ...errors },
      },
    },
    async (req) => {
      const a = await service.account(req.params.id).catch(storeError);
      if (!a) throw new ApiError('ARREARS_NOT_FOUND', `no account ${req.params.id}`);
      return a as z.output<typeof AccountResponse>;
    },
  );

  await registerQueueBoard(base, [queue]);
}

export default fp(collectionRoutes, {
  name: 'arrears-collection-routes',
  dependencies: ['arrears-auth', 'arrears-metrics', 'arrears-collection'],
});
