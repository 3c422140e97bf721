/**
 * Property: no request body, however malformed, makes the API answer 5xx. Every answer is either a
 * score or an error in the common shape with a 4xx status.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auth, build } from './helper.js';

const featureValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.constantFrom(null, true, false, 'NaN', 'Infinity', '', 'A', 'B', 'C', -1, 0, 1e308, -1e308),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const features = fc.oneof(
  fc.record({ income: featureValue, util: featureValue, grade: featureValue }, { requiredKeys: [] }),
  fc.dictionary(fc.string(), featureValue),
  fc.jsonValue(),
);
const scoreBody = fc.oneof(
  fc.record({ borrowerId: fc.oneof(fc.string(), fc.jsonValue()), features }, { requiredKeys: [] }),
  fc.jsonValue(),
);
const batchBody = fc.oneof(fc.record({ items: fc.array(scoreBody, { maxLength: 8 }) }), fc.jsonValue());

function checkAnswer(res: { statusCode: number; body: string; json(): unknown }) {
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (res.statusCode !== 200) {
    const b = res.json() as { error: { code: string; details: unknown[] } };
    expect(b.error.code).toMatch(/^ARREARS_/);
    expect(Array.isArray(b.error.details)).toBe(true);
  }
}

describe('random JSON bodies never produce a 5xx', () => {
  it('POST /v1/scores', async () => {
    const app = await build();
    await fc.assert(
      fc.asyncProperty(scoreBody, async (b) => {
        const res = await app.inject({ method: 'POST', url: '/v1/scores', headers: { ...auth('scorer'), 'content-type': 'application/json' }, payload: JSON.stringify(b) });
        checkAnswer(res);
      }),
      { numRuns: 400 },
    );
  });

  it('POST /v1/scores/batch', async () => {
    const app = await build();
    await fc.assert(
      fc.asyncProperty(batchBody, async (b) => {
        const res = await app.inject({ method: 'POST', url: '/v1/scores/batch', headers: { ...auth('scorer'), 'content-type': 'application/json' }, payload: JSON.stringify(b) });
        checkAnswer(res);
        if (res.statusCode === 200) expect((res.json() as { results: unknown[] }).results.length).toBe((b as { items: unknown[] }).items.length);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes as a JSON body', async () => {
    const app = await build();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (s) => {
        const res = await app.inject({ method: 'POST', url: '/v1/scores', headers: { ...auth('scorer'), 'content-type': 'application/json' }, payload: s });
        checkAnswer(res);
      }),
      { numRuns: 200 },
    );
  });
});
