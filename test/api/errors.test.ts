import { connect as tcpConnect } from 'node:net';
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createLogger } from '../../src/api/logger.js';
import { loadModel } from '../../src/model/load.js';
import { freshPrefix } from '../helpers/redis.js';
import { FIXTURE_MODELS, FIXTURE_REF, KEYS, auth, body, build, removeKeys, testConfig } from './helper.js';

const post = (payload: unknown, headers: Record<string, string> = auth('scorer'), url = '/v1/scores') => ({
  method: 'POST' as const,
  url,
  headers,
  payload: payload as object,
});

function expectShape(res: { json(): unknown }, code: string) {
  const b = res.json() as { error: { code: string; message: string; details: unknown[] } };
  expect(b.error.code).toBe(code);
  expect(typeof b.error.message).toBe('string');
  expect(Array.isArray(b.error.details)).toBe(true);
  return b.error;
}

describe('400: validation names every bad field', () => {
  it('missing features, wrong types and non-finite numbers', async () => {
    const app = await build();
    const res = await app.inject(post({ borrowerId: 'x', features: { income: '5000', grade: 7 } }));
    expect(res.statusCode).toBe(400);
    expect(expectShape(res, 'ARREARS_VALIDATION').details).toEqual([
      { path: 'features.income', issue: 'must be a finite number or null' },
      { path: 'features.util', issue: 'required: send null when unknown' },
      { path: 'features.grade', issue: 'must be a string or null' },
    ]);
    // JSON cannot spell NaN or Infinity, but 1e999 parses to Infinity and "NaN" is a string: both refused.
    const inf = await app.inject({
      ...post(undefined),
      payload: '{"features":{"income":1e999,"util":"NaN","grade":"A"}}',
      headers: { ...auth('scorer'), 'content-type': 'application/json' },
    });
    expect(inf.statusCode).toBe(400);
    expect(expectShape(inf, 'ARREARS_VALIDATION').details.map((d) => (d as { path: string }).path)).toEqual([
      'features.income',
      'features.util',
    ]);
  });

  it('a body without features, and a borrowerId of the wrong type', async () => {
    const app = await build();
    const res = await app.inject(post({ borrowerId: 12 }));
    expect(res.statusCode).toBe(400);
    expect(
      expectShape(res, 'ARREARS_VALIDATION')
        .details.map((d) => (d as { path: string }).path)
        .sort(),
    ).toEqual(['borrowerId', 'features']);
  });

  it('malformed JSON and an empty body', async () => {
    const app = await build();
    const bad = await app.inject({
      ...post(undefined),
      payload: '{"features": {',
      headers: { ...auth('scorer'), 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expectShape(bad, 'ARREARS_MALFORMED_BODY');
    const empty = await app.inject({ ...post(undefined), payload: '', headers: { ...auth('scorer'), 'content-type': 'application/json' } });
    expect(empty.statusCode).toBe(400);
  });

  it('415 for a body that is not JSON', async () => {
    const app = await build();
    const res = await app.inject({ ...post(undefined), payload: 'income=5', headers: { ...auth('scorer'), 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(415);
    expectShape(res, 'ARREARS_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('401 / 403: keys and roles', () => {
  it('401 without a key and with an unknown key; Bearer and x-api-key both work', async () => {
    const app = await build();
    const none = await app.inject(post(body(), {}));
    expect(none.statusCode).toBe(401);
    expectShape(none, 'ARREARS_UNAUTHORIZED');
    const wrong = await app.inject(post(body(), { 'x-api-key': 'nope' }));
    expect(wrong.statusCode).toBe(401);
    expect(expectShape(wrong, 'ARREARS_UNAUTHORIZED').message).toBe('unknown API key');
    const bearer = await app.inject(post(body(), { authorization: `Bearer ${KEYS.scorer}` }));
    expect(bearer.statusCode).toBe(200);
  });

  it('403 when the key lacks the route role', async () => {
    const app = await build();
    const collector = await app.inject(post(body(), auth('collector')));
    expect(collector.statusCode).toBe(403);
    expect(expectShape(collector, 'ARREARS_FORBIDDEN').message).toContain('"scorer"');
    const promote = await app.inject(post({}, auth('scorer'), `/v1/models/${FIXTURE_REF.split('/')[1]}/promote`));
    expect(promote.statusCode).toBe(403);
    const drift = await app.inject({ method: 'GET', url: '/v1/monitoring/drift', headers: auth('scorer') });
    expect(drift.statusCode).toBe(403);
  });

  it('health, metrics and docs are open', async () => {
    const app = await build();
    for (const url of ['/health/live', '/health/ready', '/metrics', '/docs/json']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
    const ready = (await app.inject({ method: 'GET', url: '/health/ready' })).json();
    expect(ready.model.name).toBe('tiny');
    expect(typeof ready.backend).toBe('string');
    // The tiny bundle has a network, served through the SIMD path on Node 20.
    expect(ready.engine).toBe('wasm-simd');
    const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    // The docs carry the serving bundle's own feature schema.
    const props = docs.paths['/v1/scores'].post.requestBody.content['application/json'].schema.properties.features;
    expect(Object.keys(props.properties)).toEqual(['income', 'util', 'grade']);
  });

  it('development mode needs no key and says so loudly', async () => {
    const lines: string[] = [];
    const logger = createLogger({ logLevel: 'warn' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const app = await build({ config: { authDisabled: true }, logger });
    expect((await app.inject(post(body(), {}))).statusCode).toBe(200);
    expect(lines.some((l) => l.includes('AUTH DISABLED'))).toBe(true);
  });

  it('an app whose route declares no role refuses to start', async () => {
    const prefix = freshPrefix();
    const app = await buildApp({
      config: testConfig({ modelsDir: FIXTURE_MODELS, redisPrefix: prefix }),
      watchRegistry: false,
      defaultMetrics: false,
    });
    try {
      const start = async () => {
        await app.register(async (scope) => {
          scope.get('/v1/oops', async () => ({}));
        });
        await app.ready();
      };
      await expect(start()).rejects.toThrow(/route GET \/v1\/oops declares no config.role/);
    } finally {
      await app.close();
      await removeKeys(prefix);
    }
  });
});

describe('404, 413, 429, 503 and 500', () => {
  it('404 in the common shape', async () => {
    const app = await build();
    const res = await app.inject({ method: 'GET', url: '/v1/nothing-here', headers: auth('scorer') });
    expect(res.statusCode).toBe(404);
    expectShape(res, 'ARREARS_NOT_FOUND');
    const model = await app.inject({ method: 'GET', url: '/v1/models/no-such-version', headers: auth('scorer') });
    expect(model.statusCode).toBe(404);
    expectShape(model, 'ARREARS_MODEL_NOT_FOUND');
  });

  it('413 for a body over the limit', async () => {
    const app = await build({ config: { bodyLimitBytes: 2_000 } });
    const res = await app.inject(post(body({ income: 1, util: 0.1, grade: 'x'.repeat(5_000) })));
    expect(res.statusCode).toBe(413);
    expectShape(res, 'ARREARS_BODY_TOO_LARGE');
  });

  it('429 per key once the key exceeds its rate; other keys are unaffected', async () => {
    const app = await build({ config: { rateLimitPerMin: 3 } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await app.inject(post(body()))).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await app.inject(post(body()));
    expectShape(limited, 'ARREARS_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    const admin = await app.inject({ method: 'GET', url: '/v1/monitoring/drift', headers: auth('admin') });
    expect(admin.statusCode).toBe(200);
    // Health is never rate limited.
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('503 when no model is loaded, and not ready', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'arrears-empty-'));
    try {
      const app = await build({ modelsDir: empty });
      const res = await app.inject(post(body()));
      expect(res.statusCode).toBe(503);
      expectShape(res, 'ARREARS_NO_MODEL');
      expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      await app.close();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('503 with Retry-After when the event loop is saturated; liveness still answers', async () => {
    const app = await build({ config: { maxEventLoopDelayMs: 20 } });
    await new Promise((r) => setTimeout(r, 120)); // a first, calm sample
    // The overload window lasts one sample interval (100 ms); on a busy machine the requests can miss
    // it, so saturate and try again a few times. Liveness must answer 200 every time.
    let shed: Awaited<ReturnType<typeof app.inject>> | null = null;
    for (let attempt = 0; attempt < 5 && !shed; attempt++) {
      const until = Date.now() + 600;
      while (Date.now() < until) {
        // Saturate the event loop: the next delay sample sees it.
      }
      for (let i = 0; i < 40 && !app.isUnderPressure(); i++) await new Promise((r) => setTimeout(r, 5));
      const [res, live] = await Promise.all([app.inject(post(body())), app.inject({ method: 'GET', url: '/health/live' })]);
      expect(live.statusCode).toBe(200);
      if (res.statusCode === 503) shed = res;
      else expect(res.statusCode).toBe(200);
    }
    expect(shed).not.toBeNull();
    expectShape(shed!, 'ARREARS_OVERLOADED');
    expect(shed!.headers['retry-after']).toBe('5');
  });

  it('a 500 never leaks internals', async () => {
    const real = await loadModel(join(FIXTURE_MODELS, FIXTURE_REF));
    const broken = Object.create(real, {
      scoreRows: {
        value: () => {
          throw new Error('secret: /srv/models/private at 10.0.0.7');
        },
      },
    });
    const app = await build({ model: broken });
    const res = await app.inject(post(body()));
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'ARREARS_INTERNAL', message: 'internal error', details: [] } });
    expect(res.body).not.toContain('secret');
  });
});

/** Sends raw bytes to a listening app and resolves with everything it answers before closing the socket. */
async function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    let got = '';
    socket.on('data', (d) => (got += String(d)));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
}

/** The JSON body of a raw HTTP response. */
const rawBody = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

describe("Fastify's own errors leave in the common shape, without echoing the URL", () => {
  it('bad percent-encoding in the path is a 400', async () => {
    const app = await build();
    const res = await app.inject({ method: 'GET', url: '/v1/models/%E0%A4%A-SECRET', headers: auth('scorer') });
    expect(res.statusCode).toBe(400);
    expect(expectShape(res, 'ARREARS_BAD_URL').details).toEqual([{ path: 'url', issue: 'not valid percent-encoding' }]);
    expect(res.body).not.toContain('SECRET');
  });

  it('a path parameter longer than the router takes is a 414', async () => {
    const app = await build();
    const res = await app.inject({ method: 'GET', url: `/v1/models/${'v'.repeat(5_000)}SECRET`, headers: auth('scorer') });
    expect(res.statusCode).toBe(414);
    expectShape(res, 'ARREARS_URI_TOO_LONG');
    expect(res.body).not.toContain('SECRET');
    expect(res.body.length).toBeLessThan(500);
  });

  it('malformed HTTP on a listening server gets a 400 in the common shape and the connection closed', async () => {
    const app = await build();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const answer = await rawExchange(port, 'NOT HTTP AT ALL /SECRET\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(rawBody(answer)).toEqual({
      error: { code: 'ARREARS_MALFORMED_REQUEST', message: 'the request is not valid HTTP', details: [] },
    });
    expect(answer).not.toContain('SECRET');
    const huge = await rawExchange(port, `GET /health/live HTTP/1.1\r\nHost: x\r\nx-big: ${'h'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(rawBody(huge).error.code).toBe('ARREARS_HEADERS_TOO_LARGE');
  });
});

describe('logs', () => {
  it('never contain borrower features, ids or keys', async () => {
    const lines: string[] = [];
    const logger = createLogger({ logLevel: 'trace' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const app = await build({ logger });
    await app.inject(post(body({ income: 7777123, util: 0.31, grade: 'B' }, 'BORROWER-SECRET-9')));
    await app.inject(post(body({ income: 'eight-eight-eight', util: 0.31, grade: 'B' }, 'BORROWER-SECRET-9')));
    await app.inject(
      post({ items: [body({ income: 7777123, util: 0.31, grade: 'B' }, 'BORROWER-SECRET-9')] }, auth('scorer'), '/v1/scores/batch'),
    );
    await app.inject({ method: 'GET', url: '/v1/models/ACCOUNT-SECRET-1', headers: auth('scorer') });
    app.log.info({ borrowerId: 'BORROWER-SECRET-9', features: { income: 7777123 } }, 'a careless log call');
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of ['BORROWER-SECRET-9', '7777123', 'eight-eight-eight', 'ACCOUNT-SECRET-1', KEYS.scorer])
      expect(all).not.toContain(secret);
    expect(all).toContain('[redacted]');
  });
});

describe('request ids', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, logger: createLogger({ logLevel: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) })) };
  };
  const ids = (lines: string[]) => lines.map((l) => JSON.parse(l).reqId).filter(Boolean);

  it('a client cannot choose its request id unless the deployment trusts the header', async () => {
    const untrusted = capture();
    const app = await build({ logger: untrusted.logger });
    await app.inject({ ...post(body()), headers: { ...auth('scorer'), 'x-request-id': 'forged\nid' } });
    expect(ids(untrusted.lines).length).toBeGreaterThan(0);
    expect(ids(untrusted.lines)).not.toContain('forged\nid');

    const trusted = capture();
    const behindProxy = await build({ logger: trusted.logger, config: { trustRequestId: true } });
    await behindProxy.inject({ ...post(body()), headers: { ...auth('scorer'), 'x-request-id': 'proxy-42' } });
    expect(ids(trusted.lines)).toContain('proxy-42');
  });
});

// Keeps the shared config helper honest: loadConfig defaults plus the test keys.
it('testConfig has three keys with one role each', () => {
  expect(testConfig().apiKeys.map((k) => k.roles)).toEqual([['scorer'], ['admin'], ['collector']]);
});
