/** registry.json keeps a bounded history of real changes. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_HISTORY, promote, readRegistry, registerBundle, writeRegistry } from '../../src/model/registry.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrears-registry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (version: string) => ({ ref: `m/${version}`, name: 'm', version, createdAt: '2026-01-01T00:00:00.000Z', metrics: {} });

describe('registry history', () => {
  it('a promotion that changes nothing adds no entry', async () => {
    await registerBundle(dir, entry('v1'), false);
    await registerBundle(dir, entry('v2'), false);
    await promote(dir, 'm/v2', 'challenger');
    const before = (await readRegistry(dir)).history.length;
    await promote(dir, 'm/v1', 'champion');
    await promote(dir, 'm/v2', 'challenger');
    const reg = await readRegistry(dir);
    expect(reg).toMatchObject({ champion: 'm/v1', challenger: 'm/v2' });
    expect(reg.history).toHaveLength(before);
    await promote(dir, 'm/v2', 'champion');
    expect((await readRegistry(dir)).history.at(-1)).toMatchObject({ ref: 'm/v2', action: 'promote' });
  });

  it(`keeps the last ${MAX_HISTORY} entries`, async () => {
    await registerBundle(dir, entry('v1'), false);
    await registerBundle(dir, entry('v2'), false);
    const reg = await readRegistry(dir);
    reg.history = Array.from({ length: MAX_HISTORY + 50 }, (_, i) => ({
      ref: 'm/v1',
      action: 'register' as const,
      at: new Date(i).toISOString(),
    }));
    await writeRegistry(dir, reg);
    expect((await readRegistry(dir)).history).toHaveLength(MAX_HISTORY);
    await promote(dir, 'm/v2', 'champion');
    const after = await readRegistry(dir);
    expect(after.history).toHaveLength(MAX_HISTORY);
    expect(after.history.at(-1)).toMatchObject({ ref: 'm/v2', action: 'promote' });
    expect(after.history[0].at).toBe(new Date(51).toISOString());
  });
});
