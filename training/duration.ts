/** Parses a duration like "90s", "2m" or "1h" (a bare number is seconds) into seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`--budget: "${s}" is not a duration like 90s, 2m or 1h`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}
