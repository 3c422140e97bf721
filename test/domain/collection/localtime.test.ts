import { describe, expect, it } from 'vitest';
import {
  canonicalTimeZone,
  isValidTimeZone,
  localMinuteOfDay,
  zoneCacheSizes,
  ZONE_CACHE_LIMIT,
} from '../../../src/domain/collection/localtime.js';
import { parseSnapshotFast, SnapshotSchema } from '../../../src/domain/collection/snapshot.js';

/** Every upper/lower-case spelling of `s`, up to `n` of them. */
function spellings(s: string, n: number): string[] {
  const letters = [...s].map((c, i) => (c.toLowerCase() !== c.toUpperCase() ? i : -1)).filter((i) => i >= 0);
  const out: string[] = [];
  for (let mask = 0; mask < 2 ** letters.length && out.length < n; mask++) {
    const chars = [...s.toLowerCase()];
    letters.forEach((at, bit) => {
      if (mask & (1 << bit)) chars[at] = chars[at].toUpperCase();
    });
    out.push(chars.join(''));
  }
  return out;
}

const snap = (timezone: unknown) => ({
  accountId: 'A1',
  asOf: '2026-05-12',
  dpd: 45,
  outstanding: 100,
  jurisdiction: 'US',
  timezone,
  features: {},
});

describe('time-zone names', () => {
  it('any case spelling or alias of a zone comes out as its canonical name', () => {
    expect(canonicalTimeZone('america/chicago')).toBe('America/Chicago');
    expect(canonicalTimeZone('AMERICA/CHICAGO')).toBe('America/Chicago');
    expect(canonicalTimeZone('US/Central')).toBe('America/Chicago');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
    expect(isValidTimeZone('asia/SHANGHAI')).toBe(true);
  });

  it('a snapshot stores the canonical name, through the schema and the fast path alike', () => {
    for (const tz of ['aMeRiCa/cHiCaGo', 'US/Central', 'America/Chicago']) {
      expect(SnapshotSchema.parse(snap(tz)).timezone).toBe('America/Chicago');
      expect(parseSnapshotFast(snap(tz))?.timezone).toBe('America/Chicago');
    }
    expect(SnapshotSchema.safeParse(snap('Mars/Olympus')).error?.issues[0]).toMatchObject({
      path: ['timezone'],
      message: 'not an IANA time zone',
    });
  });

  it('thousands of spellings of one zone keep the caches bounded and answer like the canonical zone', () => {
    const noon = Date.parse('2026-05-12T17:00:00Z');
    const many = spellings('America/Argentina/Buenos_Aires', 5_000);
    expect(many).toHaveLength(5_000);
    for (const tz of many) {
      expect(isValidTimeZone(tz)).toBe(true);
      expect(localMinuteOfDay(noon, tz)).toBe(14 * 60);
    }
    const sizes = zoneCacheSizes();
    expect(sizes.formats).toBeLessThanOrEqual(ZONE_CACHE_LIMIT);
    expect(sizes.spellings).toBeLessThanOrEqual(ZONE_CACHE_LIMIT);
    expect(sizes.parts).toBeLessThanOrEqual(ZONE_CACHE_LIMIT);
  });
});
