/**
 * Wall-clock arithmetic in IANA time zones, with nothing but Intl: pure (no clock, no I/O), and
 * correct across daylight-saving changes because every offset is read for the instant in question.
 */

/** Most zones (and most spellings of zones) each cache below keeps. */
export const ZONE_CACHE_LIMIT = 256;

/**
 * A small least-recently-used map. Zone names arrive in client data, and IANA names are
 * case-insensitive, so a caller can send endless spellings of one zone: an unbounded cache keyed
 * by them is memory anyone can grow. A Map iterates in insertion order, so re-inserting on a hit
 * and evicting the first key is an LRU in a few lines (domain code takes no dependencies).
 */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get size(): number {
    return this.m.size;
  }
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    if (this.m.size >= this.limit) this.m.delete(this.m.keys().next().value as string);
    this.m.set(k, v);
  }
}

/** Spelling -> canonical name, or null for a name that is no zone. */
const canonical = new Lru<string | null>(ZONE_CACHE_LIMIT);
/** Canonical name -> its formatter. */
const formats = new Lru<Intl.DateTimeFormat>(ZONE_CACHE_LIMIT);

/**
 * The zone's canonical IANA name (`america/chicago` and `US/Central` are both `America/Chicago`),
 * or null when `tz` names no zone. Snapshots store this form, so one zone is one name everywhere.
 */
export function canonicalTimeZone(tz: string): string | null {
  let c = canonical.get(tz);
  if (c !== undefined) return c;
  try {
    c = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    c = null;
  }
  canonical.set(tz, c);
  return c;
}

function format(tz: string): Intl.DateTimeFormat {
  const name = canonicalTimeZone(tz);
  if (name === null) throw new RangeError(`not an IANA time zone: ${tz.slice(0, 64)}`);
  let f = formats.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(name, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function isValidTimeZone(tz: string): boolean {
  return canonicalTimeZone(tz) !== null;
}

/** How many entries each zone cache holds (each is at most ZONE_CACHE_LIMIT). */
export function zoneCacheSizes(): { spellings: number; formats: number; parts: number } {
  return { spellings: canonical.size, formats: formats.size, parts: lastParts.size };
}

/**
 * The last instant read per zone, and its parts: formatToParts costs microseconds, and the gate asks
 * about the same instant (a chunk's "now") over and over. Deterministic, so the module stays pure.
 */
const lastParts = new Map<string, { ms: number; parts: Readonly<LocalParts> }>();

export function localParts(ms: number, tz: string): Readonly<LocalParts> {
  const hit = lastParts.get(tz);
  if (hit !== undefined && hit.ms === ms) return hit.parts;
  const out: Record<string, number> = {};
  for (const p of format(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  // Some engines still print midnight as 24 under h23; normalise.
  const parts = Object.freeze({
    year: out.year,
    month: out.month,
    day: out.day,
    hour: out.hour % 24,
    minute: out.minute,
    second: out.second,
  });
  // Cleared rather than evicted: a hit here must stay one Map lookup, and refilling costs little.
  if (lastParts.size >= ZONE_CACHE_LIMIT) lastParts.clear();
  lastParts.set(tz, { ms, parts });
  return parts;
}

/** Local minus UTC, in ms, at instant `ms`. */
export function offsetMs(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant whose local wall time in `tz` is the given one (day may overflow: 32 = next month). */
export function localToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset on either side of a DST change.
  const first = wall - offsetMs(wall, tz);
  return wall - offsetMs(first, tz);
}

/** Minutes since local midnight. */
export function localMinuteOfDay(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return p.hour * 60 + p.minute;
}

/** Local calendar day as a comparable number (yyyymmdd). */
export function localDayKey(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return p.year * 10_000 + p.month * 100 + p.day;
}

/** Start of the next local calendar day after `ms`. */
export function nextLocalMidnight(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return localToUtc(p.year, p.month, p.day + 1, 0, 0, tz);
}
