/** Real-Redis test helpers: a fresh random prefix per test, and removal of every key under it. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const freshPrefix = (): string => `test-${randomUUID()}`;

/** Producers pass `producer: true` (fail fast, no offline queue); workers `maxRetriesPerRequest: null`. */
export function connect(opts: { maxRetriesPerRequest?: number | null; producer?: boolean } = {}): Redis {
  const r = new Redis(REDIS_URL, {
    maxRetriesPerRequest: opts.maxRetriesPerRequest === undefined ? 1 : opts.maxRetriesPerRequest,
    enableOfflineQueue: !opts.producer,
  });
  r.on('error', () => undefined);
  return r;
}

export { deleteKeys } from '../../src/collection/keys.js';
