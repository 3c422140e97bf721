/**
 * Error logging for connections that retry forever (ioredis): an unreachable Redis emits an error
 * on every reconnect attempt, so each source logs at most once per interval instead of flooding
 * the log for the length of an outage.
 */

/** The one interval every Redis error log shares. */
export const ERROR_LOG_INTERVAL_MS = 30_000;

export interface WarnLog {
  warn(obj: object, msg: string): void;
}

/**
 * An `error` listener that logs `msg` with the error's message, at most once per
 * ERROR_LOG_INTERVAL_MS. Each call makes an independent listener (one per connection or queue).
 */
export function throttledErrorLog(log: WarnLog | undefined, msg: string, now: () => number = Date.now): (err: Error) => void {
  let last = -Infinity;
  return (err) => {
    const t = now();
    if (t - last < ERROR_LOG_INTERVAL_MS) return;
    last = t;
    log?.warn({ err: err.message }, msg);
  };
}
