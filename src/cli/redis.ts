/**
 * A Redis connection for command-line tools: connected before the command does any work, or a
 * {@link UserError} that names the URL and the reason, instead of ioredis's retry noise and a stack.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from './args.js';

/**
 * Connects to `url` and resolves once the client is ready. Unreachable: throws a UserError
 * (`cannot reach Redis at <url>: <reason>`). Later errors are written to stderr, one line each.
 */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3, ...options, lazyConnect: true });
  let reason = '';
  const first = (e: Error) => {
    reason ||= e.message;
  };
  redis.on('error', first);
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new UserError(`cannot reach Redis at ${url}: ${reason || (e as Error).message}`);
  }
  redis.off('error', first);
  redis.on('error', (e) => process.stderr.write(`redis: ${e.message}\n`));
  return redis;
}
