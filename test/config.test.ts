/** Configuration that would run unsafely is refused at load, with a message naming the variables. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig refuses unsafe settings', () => {
  it.each(['0', '1', '29'])('a lease of %s seconds, naming ARREARS_LEASE_SECONDS', (seconds) => {
    expect(() => loadConfig({ ARREARS_LEASE_SECONDS: seconds })).toThrow(ConfigError);
    expect(() => loadConfig({ ARREARS_LEASE_SECONDS: seconds })).toThrow(/ARREARS_LEASE_SECONDS: .*at least 30 seconds/);
  });

  it('accepts a lease of 30 seconds or more, and defaults to 15 minutes', () => {
    expect(loadConfig({ ARREARS_LEASE_SECONDS: '30' }).leaseSeconds).toBe(30);
    expect(loadConfig({}).leaseSeconds).toBe(900);
  });

  it('auth disabled in production, naming both variables', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ARREARS_AUTH_DISABLED: 'true' })).toThrow(
      /ARREARS_AUTH_DISABLED.*NODE_ENV=production|NODE_ENV=production.*ARREARS_AUTH_DISABLED/,
    );
    expect(loadConfig({ NODE_ENV: 'production' }).authDisabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', ARREARS_AUTH_DISABLED: 'true' }).authDisabled).toBe(true);
  });
});
