/**
 * The only module that reads `process.env`. Validated once at boot; defaults work on a laptop.
 * Anything else that needs configuration takes a `Config` (or a slice of it) as a parameter.
 */
import { z } from 'zod';
import { CollectorId } from './domain/collection/snapshot.js';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** The shortest collector lease accepted. */
export const MIN_LEASE_SECONDS = 30;

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

/**
 * API keys: `ARREARS_API_KEYS` is a JSON array of `{ "name", "sha256", "roles": [...], "collectors"? }`.
 * Only the SHA-256 of each key is configured, never the key itself (`npm run keys -- --name <n> --roles <r> [<key>]`).
 * A collector key claims and reports as its own name; `collectors` lists the other collector ids it
 * may act for (a dialer or collection system serving many agents), `["*"]` for any.
 */
export const ApiKeyEntry = z.strictObject({
  name: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the key'),
  roles: z.array(z.enum(['scorer', 'collector', 'admin', 'manager'])).min(1),
  collectors: z.array(z.union([z.literal('*'), CollectorId])).optional(),
});
export type ApiKeyEntry = z.infer<typeof ApiKeyEntry>;

const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: int(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Folder with model bundles and registry.json. */
  ARREARS_MODELS_DIR: z.string().default('models'),
  /** tfjs backend: auto picks tfjs-node where installed, else wasm. */
  ARREARS_TF_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  ARREARS_API_KEYS: z.string().default('[]'),
  /** Development mode: no API keys required. Never in production; the server warns loudly. */
  ARREARS_AUTH_DISABLED: bool.default(false),
  /** Take request ids from the x-request-id header (only behind a proxy that sets it); otherwise each request gets a new one. */
  ARREARS_TRUST_REQUEST_ID: bool.default(false),
  // 8 MiB: a full 10,000-row batch of a ~30-feature bundle is about 6 MB of JSON.
  ARREARS_BODY_LIMIT_BYTES: int(8 * 1024 * 1024),
  ARREARS_BATCH_MAX: int(10_000),
  /** Most keys one borrower's `features` may hold (the bundle's features plus unknown ones); more is a 400. */
  ARREARS_MAX_FEATURE_KEYS: z.coerce.number().int().min(1).default(1_000),
  ARREARS_RATE_LIMIT_PER_MIN: int(6_000),
  /** Most time a whole request (headers and body) may take to arrive; then 408 and the connection closes. 0 = none. */
  ARREARS_REQUEST_TIMEOUT_MS: int(30_000),
  /** Most time a connection may stay silent (no bytes either way) before it is closed. 0 = none. */
  ARREARS_CONNECTION_TIMEOUT_MS: int(60_000),
  ARREARS_MAX_EVENT_LOOP_DELAY_MS: int(1_000),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Prefix for every Redis key and BullMQ queue this deployment owns. */
  ARREARS_REDIS_PREFIX: z.string().default('arrears'),
  ARREARS_POLICY_FILE: z.string().default('policies/default.json'),
  ARREARS_WORKER_CONCURRENCY: int(4),
  ARREARS_WORKER_BATCH: int(500),
  ARREARS_WORKER_IN_PROCESS: bool.default(false),
  // A lease shorter than a call hands the item to the next collector while the first is still on
  // the phone: two collectors then work one account (and the contact caps see both).
  ARREARS_LEASE_SECONDS: z.coerce
    .number()
    .int()
    .min(MIN_LEASE_SECONDS, `a lease must last at least ${MIN_LEASE_SECONDS} seconds (the time to work an item)`)
    .default(900),
});

export interface Config {
  env: string;
  host: string;
  port: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  modelsDir: string;
  tfBackend: z.infer<typeof EnvSchema>['ARREARS_TF_BACKEND'];
  apiKeys: ApiKeyEntry[];
  authDisabled: boolean;
  trustRequestId: boolean;
  bodyLimitBytes: number;
  batchMax: number;
  maxFeatureKeys: number;
  rateLimitPerMin: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  maxEventLoopDelayMs: number;
  redisUrl: string;
  redisPrefix: string;
  policyFile: string;
  workerConcurrency: number;
  workerBatch: number;
  workerInProcess: boolean;
  leaseSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment into a Config; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  // Development mode treats every caller as admin: a production process must never start with it.
  if (e.ARREARS_AUTH_DISABLED && e.NODE_ENV === 'production')
    throw new ConfigError(
      'invalid configuration:\n  ARREARS_AUTH_DISABLED: must not be true when NODE_ENV=production (it lets any caller act as admin)',
    );
  let keysJson: unknown;
  try {
    keysJson = JSON.parse(e.ARREARS_API_KEYS);
  } catch {
    throw new ConfigError('invalid configuration:\n  ARREARS_API_KEYS: is not valid JSON');
  }
  // A key's name is also the collector it acts as, so two keys may not share one.
  const keys = z
    .array(ApiKeyEntry)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((k, i) => {
        if (seen.has(k.name))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `"${k.name}" is already the name of another key; names must be unique`,
          });
        seen.add(k.name);
      });
    })
    .safeParse(keysJson);
  if (!keys.success) {
    const lines = keys.error.issues.map((i) => `ARREARS_API_KEYS.${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    modelsDir: e.ARREARS_MODELS_DIR,
    tfBackend: e.ARREARS_TF_BACKEND,
    apiKeys: keys.data,
    authDisabled: e.ARREARS_AUTH_DISABLED,
    trustRequestId: e.ARREARS_TRUST_REQUEST_ID,
    bodyLimitBytes: e.ARREARS_BODY_LIMIT_BYTES,
    batchMax: e.ARREARS_BATCH_MAX,
    maxFeatureKeys: e.ARREARS_MAX_FEATURE_KEYS,
    rateLimitPerMin: e.ARREARS_RATE_LIMIT_PER_MIN,
    requestTimeoutMs: e.ARREARS_REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: e.ARREARS_CONNECTION_TIMEOUT_MS,
    maxEventLoopDelayMs: e.ARREARS_MAX_EVENT_LOOP_DELAY_MS,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.ARREARS_REDIS_PREFIX,
    policyFile: e.ARREARS_POLICY_FILE,
    workerConcurrency: e.ARREARS_WORKER_CONCURRENCY,
    workerBatch: e.ARREARS_WORKER_BATCH,
    workerInProcess: e.ARREARS_WORKER_IN_PROCESS,
    leaseSeconds: e.ARREARS_LEASE_SECONDS,
  };
}

/** For entry points: the config, or a message naming each bad variable and exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}
