/**
 * Wall-clock arithmetic in IANA time zones, with nothing but Intl: pure (no clock, no I/O), and
 * correct across daylight-saving changes because every offset is read for the instant in question.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(tz, f);
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
  try {
    format(tz);
    return true;
  } catch {
    return false;
  }
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
  const parts = Object.freeze({ year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute, second: out.second });
  if (lastParts.size > 1_000) lastParts.clear();
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
