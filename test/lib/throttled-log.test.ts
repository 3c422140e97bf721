import { describe, expect, it } from 'vitest';
import { ERROR_LOG_INTERVAL_MS, throttledErrorLog } from '../../src/lib/throttled-log.js';

describe('throttledErrorLog', () => {
  it('logs the first error, then at most once per interval while errors keep coming', () => {
    const lines: string[] = [];
    let now = 1_000;
    const onError = throttledErrorLog(
      { warn: (o, m) => lines.push(`${m}: ${(o as { err: string }).err}`) },
      'redis unavailable',
      () => now,
    );
    onError(new Error('ECONNREFUSED'));
    for (let i = 0; i < 10; i++) {
      now += ERROR_LOG_INTERVAL_MS / 10 - 1;
      onError(new Error('ECONNREFUSED'));
    }
    expect(lines).toEqual(['redis unavailable: ECONNREFUSED']);
    now += 10;
    onError(new Error('ETIMEDOUT'));
    expect(lines).toEqual(['redis unavailable: ECONNREFUSED', 'redis unavailable: ETIMEDOUT']);
  });
});
