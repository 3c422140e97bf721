import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { modelsChannel } from '../../src/collection/keys.js';
import { redisAnnouncements } from '../../src/model/announcements.js';
import { ModelError } from '../../src/model/errors.js';
import { loadModel } from '../../src/model/load.js';
import { promote, readRegistry } from '../../src/model/registry.js';
import { ModelServing, type Role, type ServingOptions } from '../../src/model/serving.js';
import type { LoadedModel } from '../../src/model/types.js';
import { addVersion, FIXTURE_REF, FIXTURE_VERSION, tempModels, truncateWeights } from '../helpers/model-dirs.js';
import { connect } from '../helpers/redis.js';

const row = { income: 5000, util: 0.3, grade: 'B' };

/** A log that keeps its lines, and resolves a wait once a line matching it arrives. */
function recordingLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const waits: { match: (msg: string) => boolean; done: () => void }[] = [];
  const add = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
    for (const w of waits.splice(0))
      if (w.match(msg)) w.done();
      else waits.push(w);
  };
  return {
    lines,
    log: { info: add('info'), warn: add('warn'), error: add('error') },
    /** Resolves at the first line from now on for which `match` holds. */
    next: (match: (msg: string) => boolean) => new Promise<void>((done) => waits.push({ match, done })),
  };
}

/** loadModel, recording which versions were loaded. */
function countingLoader() {
  const loads: string[] = [];
  const loader = async (dir: string): Promise<LoadedModel> => {
    const m = await loadModel(dir);
    loads.push(m.bundle.version);
    return m;
  };
  return { loader, loads };
}

const open: ModelServing[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  while (clients.length) clients.pop()!.disconnect();
});

function serving(modelsDir: string, o: Partial<ServingOptions<object>> = {}): ModelServing {
  const s = new ModelServing({ modelsDir, log: recordingLog().log, ...o });
  open.push(s);
  return s;
}

describe('ModelServing', () => {
  it('loads what the registry names, and a promotion swaps the champion while a held slot keeps its model', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    const swaps: [Role, string | null, string | null][] = [];
    const s = serving(dir, { onSwap: (role, next, prev) => swaps.push([role, next?.ref ?? null, prev?.ref ?? null]) });
    expect(() => s.requireChampion()).toThrow(ModelError);
    await s.reconcile('startup');
    const held = s.requireChampion();
    expect(held.ref).toBe(FIXTURE_REF);

    expect(await s.promote('v2', 'champion')).toEqual({ ref: 'tiny/v2', as: 'champion', previous: FIXTURE_REF });
    expect(s.requireChampion().ref).toBe('tiny/v2');
    expect((await readRegistry(dir)).champion).toBe('tiny/v2');
    // The request that read the champion before the swap finishes on its own model.
    expect(held.retired).toBe(true);
    expect(held.model.scoreRows([row])[0].model.version).toBe(FIXTURE_VERSION);
    expect(s.requireChampion().model.scoreRows([row])[0].model.version).toBe('v2');
    expect(swaps).toEqual([
      ['champion', FIXTURE_REF, null],
      ['champion', 'tiny/v2', FIXTURE_REF],
    ]);
  });

  it('refuses a corrupt bundle: promote throws invalid_bundle naming the file, the registry and the champion stay', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'broken', { mutate: truncateWeights });
    const refused: string[] = [];
    const s = serving(dir, { onRefused: (_role, ref) => refused.push(ref) });
    await s.reconcile('startup');
    const before = s.requireChampion();
    const err = await s.promote('broken', 'champion').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err).toMatchObject({ kind: 'invalid_bundle', ref: 'tiny/broken', message: expect.stringMatching(/weights\.bin/) });
    expect((await readRegistry(dir)).champion).toBe(FIXTURE_REF);
    expect(s.requireChampion()).toBe(before);
    expect(refused).toEqual(['tiny/broken']);
    await expect(s.promote('nope', 'champion')).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('follows a registry written by another process, and keeps the old champion when the new one is corrupt', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    await addVersion(dir, 'broken', { mutate: truncateWeights });
    const rec = recordingLog();
    const s = serving(dir, { log: rec.log });
    await s.reconcile('startup');
    s.follow({ debounceMs: 20 });

    const swapped = rec.next((m) => m === 'champion now tiny/v2');
    await promote(dir, 'tiny/v2');
    await swapped;
    expect(s.requireChampion().ref).toBe('tiny/v2');

    const held = s.requireChampion();
    const refused = rec.next((m) => m === 'refused to load champion tiny/broken; keeping tiny/v2');
    await promote(dir, 'tiny/broken');
    await refused;
    expect(s.requireChampion()).toBe(held);
    expect(s.requireChampion().model.scoreRows([row])[0].model.version).toBe('v2');
  });

  it('runs swaps one at a time: a second promotion waits until the first has swapped in', async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    await addVersion(dir, 'v3', { shift: -1 });
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const loader = async (d: string): Promise<LoadedModel> => {
      const m = await loadModel(d);
      events.push(`loaded ${m.bundle.version}`);
      if (m.bundle.version === 'v2') await gate;
      return m;
    };
    const s = serving(dir, { loader, onSwap: (_role, next) => events.push(`swapped ${next?.model.bundle.version}`) });
    await s.reconcile('startup');
    events.length = 0;

    const first = s.promote('v2', 'champion');
    const second = s.promote('v3', 'champion');
    // However long v2's load takes, v3 is not even read while v2's promotion is unfinished.
    while (!events.includes('loaded v2')) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['loaded v2']);
    release();
    expect(await first).toMatchObject({ ref: 'tiny/v2', previous: FIXTURE_REF });
    expect(await second).toMatchObject({ ref: 'tiny/v3', previous: 'tiny/v2' });
    expect(events).toEqual(['loaded v2', 'swapped v2', 'loaded v3', 'swapped v3']);
    expect(s.requireChampion().ref).toBe('tiny/v3');
    expect((await readRegistry(dir)).champion).toBe('tiny/v3');
  });
});

describe('promotion announcements over Redis', () => {
  it("a champion-only instance (the worker) reloads on a champion announcement, not on a challenger's", async () => {
    const dir = await tempModels();
    await addVersion(dir, 'v2', { shift: 1 });
    await addVersion(dir, 'v3', { shift: -1 });
    const channel = modelsChannel(`test-${randomUUID()}`);
    const pub = connect();
    const subBase = connect();
    clients.push(pub, subBase);

    // The API side promotes and announces; the worker side serves the champion only.
    const api = serving(dir, { roles: ['champion', 'challenger'] });
    await api.reconcile('startup');
    const apiAnnouncements = redisAnnouncements(pub, channel, recordingLog().log);
    const rec = recordingLog();
    const { loader, loads } = countingLoader();
    const worker = serving(dir, { log: rec.log, loader, roles: ['champion'] });
    await worker.reconcile('startup');
    worker.follow({ watchRegistry: false, debounceMs: 10, sources: [redisAnnouncements(subBase, channel, rec.log).source] });
    // The subscriber is a duplicate connection: wait until it has subscribed.
    while (((await pub.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1] < 1) await new Promise((r) => setTimeout(r, 10));
    const champion = worker.requireChampion();
    expect(loads).toEqual([FIXTURE_VERSION]);

    const heard = rec.next((m) => m.startsWith('registry re-read (pub/sub promotion)'));
    await api.promote('v2', 'challenger');
    await apiAnnouncements.announce('tiny/v2', 'challenger');
    await heard;
    expect(worker.requireChampion()).toBe(champion);
    expect(worker.challenger).toBeNull();
    expect(loads).toEqual([FIXTURE_VERSION]);

    const swapped = rec.next((m) => m.startsWith('registry re-read (pub/sub promotion)'));
    await api.promote('v3', 'champion');
    await apiAnnouncements.announce('tiny/v3', 'champion');
    await swapped;
    expect(worker.requireChampion().ref).toBe('tiny/v3');
    expect(loads).toEqual([FIXTURE_VERSION, 'v3']);
  });
});
