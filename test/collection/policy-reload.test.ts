/**
 * Policy reload (SIGHUP in the worker and the API): a new policy file changes the next decisions
 * and is recorded on them; a broken file is refused with its path named and the current policy
 * stays in force.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCollectionRuntime, type CollectionRuntime } from '../../src/collection/runtime.js';
import { snapshot } from '../helpers/collection.js';
import { connect, deleteKeys, freshPrefix, REDIS_URL } from '../helpers/redis.js';

const noonCDT = Date.parse('2026-05-12T17:00:00Z');

let dir: string;
let file: string;
let prefix: string;
let redis: Redis;
let rt: CollectionRuntime;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrears-policy-'));
  file = join(dir, 'policy.json');
  await writeFile(file, await readFile(new URL('../../policies/default.json', import.meta.url)));
  prefix = freshPrefix();
  redis = connect();
  rt = await createCollectionRuntime({ redisUrl: REDIS_URL, redisPrefix: prefix, policyFile: file, leaseSeconds: 900 });
  // The runtime's connection fails fast (no offline queue): wait until it is up before using it.
  if (rt.redis.status !== 'ready') await once(rt.redis, 'ready');
});

afterEach(async () => {
  await rt.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
  await rm(dir, { recursive: true, force: true });
});

type Grid = Record<string, Record<string, { queue: string; treatment: { channel: string } }>>;

describe('policy reload', () => {
  it('the next assignment follows the reloaded file and records its version', async () => {
    const v1 = rt.policy.version;
    // v2 treats 31-60 days past due like 90+ in every variant and tier.
    const json = JSON.parse(await readFile(file, 'utf8')) as { version: string; variants: { name: string; grid: Grid }[] };
    json.version = 'test-v2';
    for (const v of json.variants) for (const tier of Object.values(v.grid)) tier['31-60'] = tier['90+'];
    await writeFile(file, JSON.stringify(json));

    const before = snapshot({ accountId: 'P1', dpd: 45 });
    await rt.service.assign([before], [{ pd: 0.45, reasons: [] }], 'm/1', noonCDT);
    const r = await rt.reloadPolicy();
    expect([r.previous.version, r.policy.version]).toEqual([v1, 'test-v2']);
    expect(rt.policy.version).toBe('test-v2');
    await rt.service.assign([snapshot({ accountId: 'P2', dpd: 45 })], [{ pd: 0.45, reasons: [] }], 'm/1', noonCDT);

    const acc = await rt.store.readAccounts(['P1', 'P2']);
    const p1 = acc.get('P1')!;
    const p2 = acc.get('P2')!;
    expect(p1.policy).toBe(v1);
    expect(p2.policy).toBe('test-v2');
    const cell = json.variants.find((v) => v.name === p2.variant)!.grid[p2.tier]['90+'];
    expect(p2.queue).toBe(cell.queue);
    expect(p2.channel).toBe(cell.treatment.channel);

    // An outcome reported after the reload is planned under the new policy and says so, beside the
    // policy its account was assigned under.
    const [item] = await rt.service.claim(p1.queue as never, 'c1', 1, noonCDT);
    expect(item.accountId).toBe('P1');
    expect(await rt.service.recordOutcome(p1.queue as never, 'P1', 'c1', { type: 'no_answer' }, noonCDT)).toMatchObject({ ok: true });
    const [[, fields]] = await redis.xrange(rt.store.keys.outcomes, '-', '+');
    const entry = Object.fromEntries(fields.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, fields[i + 1]]]), []));
    expect(entry).toMatchObject({ accountId: 'P1', policy: v1, decisionPolicy: 'test-v2' });
  });

  it('a broken file is refused, naming it, and the current policy stays', async () => {
    const v1 = rt.policy.version;
    await writeFile(file, '{ "version": "half-written"');
    await expect(rt.reloadPolicy()).rejects.toThrow(file);
    await writeFile(file, JSON.stringify({ version: 'no-grid' }));
    await expect(rt.reloadPolicy()).rejects.toThrow(/variants|pdTiers/);
    expect(rt.policy.version).toBe(v1);
  });
});
