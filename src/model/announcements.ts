/**
 * Promotion announcements over Redis pub/sub: the instance that promotes publishes, every other
 * instance sharing the Redis re-reads the registry and hot-swaps. The caller names the channel
 * (src/collection/keys.ts builds it with every other Redis name): this module knows none. Best
 * effort: without Redis each instance still follows the registry file.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { throttledErrorLog } from '../lib/throttled-log.js';
import type { NudgeSource, Role, ServingLog } from './serving.js';

export interface Announcements {
  /** For ModelServing.follow: a nudge on every announcement made by another instance. */
  readonly source: NudgeSource;
  /** Tells the other instances to re-read the registry; a Redis failure is logged, never thrown. */
  announce(ref: string, as: Role): Promise<void>;
}

/** Announcements on `channel`, published through `redis`; the subscriber is a duplicate of it. */
export function redisAnnouncements(redis: Redis, channel: string, log: ServingLog): Announcements {
  const instance = randomUUID();
  return {
    source: (nudge) => {
      // The subscriber may queue its SUBSCRIBE until Redis is reachable; ioredis re-subscribes after reconnects.
      const sub = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
      sub.on('error', throttledErrorLog(log, 'redis unavailable: model pub/sub paused (scoring is unaffected)'));
      sub.on('message', (ch: string, msg: string) => {
        if (ch !== channel) return;
        try {
          if ((JSON.parse(msg) as { from?: string }).from === instance) return;
        } catch {
          // An unparseable message still means "look at the registry".
        }
        nudge('pub/sub promotion');
      });
      sub
        .subscribe(channel)
        .catch((err: Error) => log.warn({ err: err.message }, 'redis subscribe failed; relying on the registry file watch'));
      return () => sub.disconnect();
    },
    async announce(ref, as) {
      try {
        await redis.publish(channel, JSON.stringify({ ref, as, from: instance, at: new Date().toISOString() }));
      } catch (err) {
        log.warn(
          { err: (err as Error).message },
          'redis publish failed; other instances will pick the promotion up from the registry file',
        );
      }
    },
  };
}
