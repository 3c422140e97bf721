/** Fixtures for collection tests: snapshots, the committed default policy, and a service over a fresh prefix. */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parsePolicy, type Policy } from '../../src/domain/collection/policy.js';
import { SnapshotSchema, type Snapshot, type SnapshotInput } from '../../src/domain/collection/snapshot.js';
import { CollectionService } from '../../src/collection/service.js';
import { WorklistStore } from '../../src/collection/worklist.js';

export const defaultPolicy = (): Policy =>
  parsePolicy(JSON.parse(readFileSync(new URL('../../policies/default.json', import.meta.url), 'utf8')), 'policies/default.json');

/** A raw (unparsed) US snapshot body, account `acct-<i>`, as an API client or the enqueue script sends it. */
export const rawSnapshot = (i: number, over: Record<string, unknown> = {}): SnapshotInput =>
  ({
    accountId: `acct-${i}`,
    asOf: '2026-05-12',
    dpd: 45,
    outstanding: 500 + i,
    jurisdiction: 'US',
    timezone: 'America/Chicago',
    features: {},
    ...over,
  }) as SnapshotInput;

export const snapshot = (over: Partial<SnapshotInput> = {}): Snapshot =>
  SnapshotSchema.parse({
    accountId: 'A1',
    asOf: '2026-05-12',
    dpd: 45,
    outstanding: 1000,
    jurisdiction: 'US',
    timezone: 'America/Chicago',
    flags: {},
    features: {},
    ...over,
  });

export function service(redis: Redis, prefix: string, leaseMs = 15 * 60_000, policy = defaultPolicy()) {
  const store = new WorklistStore({ redis, prefix });
  return { store, svc: new CollectionService(store, policy, leaseMs), policy };
}
