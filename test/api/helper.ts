/**
 * Builds the app for route tests (inject, no port) against a private copy of the checked-in tiny
 * bundle (test/fixtures/models), and closes everything after each test.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildApp, type AppDeps } from '../../src/api/app.js';
import { sha256Hex } from '../../src/api/plugins/auth.js';
import { loadConfig, type Config } from '../../src/config.js';
import { readRegistry } from '../../src/model/registry.js';
import { tempModels } from '../helpers/model-dirs.js';
import { connect, deleteKeys, freshPrefix } from '../helpers/redis.js';

export { FIXTURE_MODELS, FIXTURE_REF, FIXTURE_VERSION, addVersion, tempModels } from '../helpers/model-dirs.js';

export const KEYS = { scorer: 'test-scorer-key', admin: 'test-admin-key', collector: 'test-collector-key' } as const;
export const auth = (role: keyof typeof KEYS) => ({ 'x-api-key': KEYS[role] });

/** A valid body for the tiny bundle (features income, util, grade). */
export const body = (features: Record<string, unknown> = { income: 5000, util: 0.3, grade: 'B' }, borrowerId?: string) => ({
  ...(borrowerId ? { borrowerId } : {}),
  features,
});

export function testConfig(over: Partial<Config> = {}): Config {
  const base = loadConfig({
    ARREARS_API_KEYS: JSON.stringify([
      { name: 'scorer', sha256: sha256Hex(KEYS.scorer), roles: ['scorer'] },
      { name: 'admin', sha256: sha256Hex(KEYS.admin), roles: ['admin'] },
      { name: 'collector', sha256: sha256Hex(KEYS.collector), roles: ['collector'] },
    ]),
    LOG_LEVEL: 'silent',
  });
  // Load shedding off unless a test asks for it: a busy CI machine must not turn answers into 503s.
  return { ...base, maxEventLoopDelayMs: 0, ...over };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Deletes what an app left under its prefix (BullMQ records its queue's metadata on start). */
export async function removeKeys(prefix: string): Promise<void> {
  const redis = connect();
  try {
    await deleteKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export type BuildOptions = Omit<AppDeps, 'config'> & { config?: Partial<Config>; modelsDir?: string };

/** Builds and readies an app; closed after the test. Defaults: a fresh copy of the fixture models and key prefix, no watch, no logger. */
export async function build(o: BuildOptions = {}): Promise<FastifyInstance> {
  const modelsDir = o.modelsDir ?? (await tempModels());
  const { config: over, modelsDir: _m, ...deps } = o;
  // A key prefix of its own: the app's Redis names (the intake queue, the models channel) are this test's alone.
  const config = testConfig({ modelsDir, redisPrefix: freshPrefix(), ...over });
  const app = await buildApp({ watchRegistry: false, defaultMetrics: false, ...deps, config });
  cleanups.push(async () => {
    await app.close();
    await removeKeys(config.redisPrefix);
  });
  await app.ready();
  return app;
}

export { readRegistry };
