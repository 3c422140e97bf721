/**
 * Builds the app for route tests (inject, no port) against a private copy of the checked-in tiny
 * bundle (test/fixtures/models), and closes everything after each test.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildApp, type AppDeps } from '../../src/api/app.js';
import { sha256Hex } from '../../src/api/plugins/auth.js';
import { loadConfig, type Config } from '../../src/config.js';
import { readRegistry, registerBundle } from '../../src/model/registry.js';

export const FIXTURE_MODELS = join(import.meta.dirname, '..', 'fixtures', 'models');
export const FIXTURE_REF = 'tiny/20260101-000000-5e6cddb5';
export const FIXTURE_VERSION = '20260101-000000-5e6cddb5';

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

/** A private copy of the fixture models folder, deleted after the test. */
export async function tempModels(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'arrears-api-'));
  await cp(FIXTURE_MODELS, dir, { recursive: true });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Adds a copy of the fixture bundle as version `version` (registered, not promoted). `shift` moves
 * the Platt intercept so its PDs differ from the original's; `mutate` can break it.
 */
export async function addVersion(
  modelsDir: string,
  version: string,
  o: { shift?: number; mutate?: (dir: string) => Promise<void> } = {},
): Promise<string> {
  const dir = join(modelsDir, 'tiny', version);
  await cp(join(modelsDir, FIXTURE_REF), dir, { recursive: true });
  const b = JSON.parse(await readFile(join(dir, 'bundle.json'), 'utf8'));
  b.version = version;
  if (o.shift) b.calibration.b += o.shift;
  await writeFile(join(dir, 'bundle.json'), JSON.stringify(b));
  await o.mutate?.(dir);
  await registerBundle(modelsDir, { ref: `tiny/${version}`, name: 'tiny', version, createdAt: new Date().toISOString(), metrics: {} }, false);
  return `tiny/${version}`;
}

export type BuildOptions = Omit<AppDeps, 'config'> & { config?: Partial<Config>; modelsDir?: string };

/** Builds and readies an app; closed after the test. Defaults: a fresh copy of the fixture models, no watch, no logger. */
export async function build(o: BuildOptions = {}): Promise<FastifyInstance> {
  const modelsDir = o.modelsDir ?? (await tempModels());
  const { config: over, modelsDir: _m, ...deps } = o;
  const app = await buildApp({ watchRegistry: false, defaultMetrics: false, ...deps, config: testConfig({ modelsDir, ...over }) });
  cleanups.push(() => app.close());
  await app.ready();
  return app;
}

export { readRegistry };
