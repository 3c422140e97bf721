import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { OUTCOME_TYPES } from '../../src/domain/collection/outcomes.js';
import { CHANNELS, QUEUES } from '../../src/domain/collection/types.js';
import { FIXTURE_MODELS } from '../helpers/model-dirs.js';
import { freshPrefix } from '../helpers/redis.js';
import { build, removeKeys, testConfig } from './helper.js';

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}
type Operation = {
  operationId?: string;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  parameters?: { name: string; in: string; schema: JsonSchema }[];
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
};

async function openApi(): Promise<{ paths: Record<string, Record<string, Operation>> }> {
  const app = await build();
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const body = (op: Operation): JsonSchema => op.requestBody!.content['application/json'].schema;

describe('GET /docs/json', () => {
  it('gives every operation a unique operationId', async () => {
    const doc = await openApi();
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ where: `${method} ${path}`, id: op.operationId })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(15);
    expect(ops.filter((o) => !o.id).map((o) => o.where)).toEqual([]);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
    expect(doc.paths['/v1/delinquencies'].post.operationId).toBe('enqueueDelinquencies');
    expect(doc.paths['/v1/worklists/{queue}/items/{accountId}/outcome'].post.operationId).toBe('recordOutcome');
  });

  it('documents the delinquency body as a typed snapshot or a batch of them', async () => {
    const schema = body((await openApi()).paths['/v1/delinquencies'].post);
    expect(schema.anyOf).toHaveLength(2);
    const [one, batch] = schema.anyOf!;
    expect(one.required).toEqual(expect.arrayContaining(['accountId', 'asOf', 'dpd', 'outstanding', 'jurisdiction', 'features']));
    expect(one.properties!.accountId.type).toBe('string');
    expect(one.properties!.dpd.type).toBe('integer');
    expect(one.properties!.features.type).toBe('object');
    expect(Object.keys(one.properties!.flags.properties!)).toEqual(
      expect.arrayContaining(['doNotContact', 'dispute', 'bankruptcy', 'deceased', 'hardship', 'cease']),
    );
    expect(batch.properties!.items.type).toBe('array');
    expect(batch.properties!.items.items!.properties!.dpd.type).toBe('integer');
  });

  it('documents the outcome body with the outcome types as enums, and typed responses', async () => {
    const doc = await openApi();
    const op = doc.paths['/v1/worklists/{queue}/items/{accountId}/outcome'].post;
    const outcome = body(op).properties!.outcome;
    const options = outcome.oneOf ?? outcome.anyOf!;
    expect(options.flatMap((o) => o.properties!.type.enum)).toEqual(OUTCOME_TYPES);
    const promise = options.find((o) => o.properties!.type.enum![0] === 'promise_to_pay')!;
    expect(promise.required).toEqual(expect.arrayContaining(['amount', 'date']));
    expect(promise.properties!.amount.type).toBe('number');
    expect(op.parameters!.find((p) => p.name === 'queue')!.schema.enum).toEqual([...QUEUES]);
    expect(op.responses['200'].content!['application/json'].schema.properties!.state.enum).toEqual([
      'queued',
      'paused',
      'blocked',
      'resolved',
    ]);
    const claimed =
      doc.paths['/v1/worklists/{queue}/claim'].post.responses['200'].content!['application/json'].schema.properties!.items.items!;
    expect(claimed.properties!.channel.enum).toEqual([...CHANNELS]);
    expect(claimed.properties!.queue.enum).toEqual([...QUEUES]);
  });
});

describe('operationId', () => {
  it('an app whose documented route declares no operationId refuses to start', async () => {
    const prefix = freshPrefix();
    const app = await buildApp({
      config: testConfig({ modelsDir: FIXTURE_MODELS, redisPrefix: prefix }),
      watchRegistry: false,
      defaultMetrics: false,
    });
    try {
      const start = async () => {
        await app.register(async (scope) => {
          scope.get('/v1/undocumented', { config: { role: 'scorer' }, schema: { summary: 'no id' } }, async () => ({}));
        });
        await app.ready();
      };
      await expect(start()).rejects.toThrow(/route GET \/v1\/undocumented declares no schema.operationId/);
    } finally {
      await app.close();
      await removeKeys(prefix);
    }
  });
});
