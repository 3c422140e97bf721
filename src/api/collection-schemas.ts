/**
 * The collection API's zod schemas, written once: the request schemas are the domain's own
 * (SnapshotSchema, OutcomeSchema), so the same object validates a request, types its handler and
 * documents it in OpenAPI with its enums. The response schemas describe what the collection
 * service returns; the type checks at the bottom keep the two from drifting apart.
 */
import { z } from 'zod';
import type { ClaimedItem } from '../collection/service.js';
import { OutcomeSchema, type Transition } from '../domain/collection/outcomes.js';
import { AccountId, CollectorId, SnapshotSchema } from '../domain/collection/snapshot.js';
import { CHANNELS, QUEUES } from '../domain/collection/types.js';

export const QueueParam = z.enum(QUEUES).describe('worklist queue');
export const QueueParams = z.object({ queue: QueueParam });
export const AccountParams = z.object({ id: AccountId });

/** `{ items: [snapshot, ...] }`: a batch of snapshots. */
export const SnapshotBatch = (batchMax: number) =>
  z.strictObject({ items: z.array(SnapshotSchema).min(1).max(batchMax, `at most ${batchMax} items per request`) });

/** POST /v1/delinquencies: one snapshot, or a batch. */
export const DelinquencyBody = (batchMax: number) =>
  z.union([SnapshotSchema, SnapshotBatch(batchMax)]).describe(`one snapshot, or { items: [snapshot, ...] } with up to ${batchMax}`);

export const DelinquencyAccepted = z.object({ accepted: z.number().int(), jobs: z.array(z.string()).describe('intake job ids, in order') });

export const WorklistSizes = z.object({
  queues: z.record(QueueParam, z.object({ ready: z.number().int(), waiting: z.number().int(), leased: z.number().int() })),
  intake: z.record(z.string(), z.number().int()).describe('intake jobs by BullMQ state'),
  policy: z.string().describe('the policy version in force'),
});

export const ClaimBody = (maxClaim: number) =>
  z.strictObject({
    collectorId: CollectorId.optional().describe("defaults to the API key's name; another id only where the key's entry lists it"),
    n: z.number().int().min(1).max(maxClaim).default(10),
  });

export const ClaimedItemSchema = z.object({
  accountId: z.string(),
  asOf: z.string(),
  queue: QueueParam,
  channel: z.enum(CHANNELS),
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

export const ClaimResponse = z.object({ items: z.array(ClaimedItemSchema) });

export const OutcomeParams = z.object({ queue: QueueParam, accountId: AccountId });

export const OutcomeBody = z.strictObject({
  collectorId: CollectorId.optional(),
  outcome: OutcomeSchema,
  agency: z.string().min(1).max(64).optional().describe('reporting agency (CN caps count calls across agencies)'),
});

const OUTCOME_STATES = ['queued', 'paused', 'blocked', 'resolved'] as const satisfies readonly Transition['state'][];
export const OutcomeResponse = z.object({
  accountId: z.string(),
  state: z.enum(OUTCOME_STATES).describe('where the outcome leaves the account'),
});

export const AccountResponse = z.object({
  assignment: z.object({
    accountId: z.string(),
    asOf: z.string(),
    state: z.string(),
    queue: z.string(),
    channel: z.string(),
    cadenceDays: z.number().nullable(),
    variant: z.string(),
    tier: z.string(),
    bucket: z.string(),
    override: z.string().nullable(),
    pd: z.number().nullable(),
    dpd: z.number().nullable(),
    outstanding: z.number().nullable(),
    priority: z.number().nullable(),
    notBefore: z.number().nullable().describe('epoch ms'),
    leasedBy: z.string().nullable(),
    leaseUntil: z.number().nullable().describe('epoch ms'),
    brokenPromises: z.number(),
    promise: z.unknown().describe('the open promise to pay, or null'),
    flags: z.record(z.string(), z.boolean()),
    blockReasons: z.unknown().describe('why the compliance gate last blocked contact'),
    lastOutcome: z.string().nullable(),
    lastContactAt: z.number().nullable().describe('epoch ms'),
    model: z.string(),
    policy: z.string(),
  }),
  history: z.array(z.unknown()).describe('newest first: assignments, blocks, claims and outcomes'),
});

/** True when A and B are the same type; an assignment of `true` fails to compile otherwise. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const claimedItemMatches: Same<z.output<typeof ClaimedItemSchema>, ClaimedItem> = true;
const outcomeStateMatches: Same<z.output<typeof OutcomeResponse>['state'], Transition['state']> = true;
void claimedItemMatches;
void outcomeStateMatches;
