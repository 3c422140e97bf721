/**
 * The independent compliance checker: replays a contact log and reports every contact that broke
 * a rule of the borrower's jurisdiction. It shares no code with the compliance gate on purpose: the
 * rules are written again from the regulation text, with their own local-time arithmetic, so that
 * a mistake in one shows up as a disagreement with the other instead of being repeated. Pure: the
 * log is the only input, and the same log always gives the same report.
 *
 * Where the two could read the law differently, this file follows the text and says so: the call
 * frequency rules count calendar days in the borrower's local time (the official interpretation's
 * examples do), not 7 x 24 hours.
 */
import { z } from 'zod';

/** Stable rule ids: reports and tests key on them. The legal source of each is in RULE_SOURCES. */
export const RULE_IDS = [
  'US_CONTACT_HOURS',
  'US_CALL_FREQUENCY',
  'US_CALL_AFTER_CONVERSATION',
  'US_CEASE',
  'CN_CONTACT_HOURS',
  'CN_CONNECTED_CALLS',
  'CN_THIRD_PARTY',
  'DO_NOT_CONTACT',
  'DISPUTE_PAUSE',
  'BANKRUPTCY_LEGAL_ONLY',
  'DECEASED',
  'HARDSHIP_SOFT_ONLY',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/**
 * Where each rule comes from. US: Regulation F, 12 CFR part 1006. CN: the 2024 guideline of the
 * National Internet Finance Association of China (NIFA) on collection of internet-finance loans;
 * no article numbers are given because they are not verified here. The five rules that apply in
 * every jurisdiction are the product's collection policy; where US law states the same duty, it
 * is named too.
 */
export const RULE_SOURCES: Readonly<Record<RuleId, string>> = {
  US_CONTACT_HOURS:
    '12 CFR 1006.6(b)(1)(i): before 8:00 a.m. and after 9:00 p.m. local time is inconvenient; with the location unknown, ' +
    'the official interpretation asks for a time convenient in every location the consumer could be in',
  US_CALL_FREQUENCY: '12 CFR 1006.14(b)(2)(i)(A) and (ii): more than 7 calls about a particular debt within 7 consecutive days',
  US_CALL_AFTER_CONVERSATION:
    '12 CFR 1006.14(b)(2)(i)(B) and (ii): a call within 7 consecutive days after a telephone conversation about the debt, ' +
    'the day of the conversation being the first',
  US_CEASE: '12 CFR 1006.6(c)(1): after a request to cease communication, no further communication about the debt',
  CN_CONTACT_HOURS: 'NIFA 2024 collection guideline: no collection contact from 22:00 to 08:00',
  CN_CONNECTED_CALLS: 'NIFA 2024 collection guideline: at most 3 connected calls a day per debtor, across all agencies',
  CN_THIRD_PARTY: 'NIFA 2024 collection guideline: collect from the debtor only, never from third parties',
  DO_NOT_CONTACT: 'collection policy: a do-not-contact account receives no action at all',
  DISPUTE_PAUSE: 'collection policy: an open dispute pauses all collection (US: 12 CFR 1006.34(c)(3)(i), FDCPA 809(b))',
  BANKRUPTCY_LEGAL_ONLY: 'collection policy: in bankruptcy only a legal review (US: the automatic stay, 11 U.S.C. 362(a)(6))',
  DECEASED: 'collection policy: a deceased borrower receives no action at all',
  HARDSHIP_SOFT_ONLY: 'collection policy: a hardship account receives soft treatments only (sms, app, email)',
};

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Every zone a US borrower of unknown location could be in: the contiguous zones, Alaska and Hawaii. */
export const US_ZONES: readonly string[] = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
];
/** China keeps one legal time; a CN borrower of unknown zone is on it. */
const CN_ZONE = 'Asia/Shanghai';

const SOFT = new Set(['sms', 'app', 'email']);
const CALL_KINDS = new Set(['attempt', 'connected', 'conversation']);

// ---- local time, from Intl alone ----

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  /** The local calendar date as a day number (days since 1970-01-01): differences are whole days, whatever DST does. */
  day: number;
  /** Milliseconds since local midnight. */
  msOfDay: number;
  text: string;
}

function wallClock(at: number, tz: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(at)) parts[p.type] = p.value;
  const [y, mo, d, h, mi, s] = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map(Number);
  return {
    day: Date.UTC(y, mo - 1, d) / DAY_MS,
    msOfDay: ((h * 60 + mi) * 60 + s) * 1000 + (((at % 1000) + 1000) % 1000),
    text: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${tz}`,
  };
}

const dateText = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

// ---- the log ----

const Instant = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : z.iso.datetime({ offset: true }).safeParse(v).success ? Date.parse(v) : NaN;
  if (!Number.isSafeInteger(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 instant with Z or an offset' });
    return z.NEVER;
  }
  return ms;
});

const FlagsSchema = z.strictObject({
  cease: z.boolean().default(false),
  doNotContact: z.boolean().default(false),
  dispute: z.boolean().default(false),
  deceased: z.boolean().default(false),
  bankruptcy: z.boolean().default(false),
  hardship: z.boolean().default(false),
});

/** One contact (or attempt) as it was made, with the account's flags as they stood just before it. */
export const ContactLogEntrySchema = z
  .object({
    accountId: z.string().min(1),
    /** The particular debt (12 CFR 1006.14(b)(4)); the account when absent. */
    debtId: z.string().min(1).optional(),
    borrowerId: z.string().min(1),
    at: Instant,
    channel: z.enum(['call', 'sms', 'email', 'app', 'field', 'legal_review']),
    /** How far the contact got. One entry per call placed: an answered call is `connected`, one that discussed the debt `conversation`. */
    kind: z.enum(['attempt', 'connected', 'conversation', 'message', 'visit']),
    /** ISO 3166 country, optionally with a subdivision ('US', 'US-NY', 'CN'); the country picks the rules. */
    jurisdiction: z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'an ISO 3166 code such as US, US-NY or CN'),
    timezone: z.string().refine(isTimeZone, 'not an IANA time zone').nullable(),
    recipient: z.enum(['debtor', 'third_party']),
    flags: FlagsSchema,
  })
  .superRefine((e, ctx) => {
    if (e.channel === 'call' && !CALL_KINDS.has(e.kind))
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `a call is an attempt, connected or a conversation, not "${e.kind}"` });
  });
export type ContactLogEntryInput = z.input<typeof ContactLogEntrySchema>;
export type ContactLogEntry = z.output<typeof ContactLogEntrySchema>;

/** A log that cannot be replayed; the message names every bad entry and field. */
export class ContactLogError extends Error {
  override readonly name = 'ContactLogError';
}

/** Validates a whole log, reporting every problem at once (`entry 3, timezone: ...`). */
export function parseContactLog(log: unknown): ContactLogEntry[] {
  const r = z.array(ContactLogEntrySchema).safeParse(log);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const [first, ...rest] = i.path;
    const where = typeof first === 'number' ? `entry ${first}${rest.length ? `, ${rest.join('.')}` : ''}` : i.path.join('.') || 'log';
    return `${where}: ${i.message}`;
  });
  throw new ContactLogError(`invalid contact log:\n${lines.join('\n')}`);
}

// ---- the rules ----

export interface Violation {
  rule: RuleId;
  accountId: string;
  borrowerId: string;
  /** Epoch ms of the offending contact. */
  at: number;
  /** Position of the entry in the log as given. */
  index: number;
  detail: string;
}

export interface CheckReport {
  entries: number;
  /** In replay order (time, then position in the log); an entry breaking several rules appears once per rule. */
  violations: Violation[];
  /** Every rule, zero included, so a clean report shows what was checked. */
  counts: Record<RuleId, number>;
}

type Found = [RuleId, string];

/** legal_review is a file review inside the lender, not a communication with anyone. */
const isContact = (e: ContactLogEntry): boolean => e.channel !== 'legal_review';

function flagRules(e: ContactLogEntry, out: Found[]): void {
  const f = e.flags;
  if (f.doNotContact) out.push(['DO_NOT_CONTACT', `${e.channel} on a do-not-contact account`]);
  if (f.dispute) out.push(['DISPUTE_PAUSE', `${e.channel} while a dispute is open`]);
  if (f.deceased) out.push(['DECEASED', `${e.channel} for a deceased borrower`]);
  if (f.bankruptcy && e.channel !== 'legal_review') out.push(['BANKRUPTCY_LEGAL_ONLY', `${e.channel} during bankruptcy`]);
  if (f.hardship && !SOFT.has(e.channel)) out.push(['HARDSHIP_SOFT_ONLY', `${e.channel} on a hardship account`]);
}

interface DebtCalls {
  /** Instants of calls placed to the debtor about this debt, the last 8 days (7 local days never span more). */
  calls: number[];
  lastConversation: number | null;
  ceased: boolean;
}

const EIGHT_DAYS = 8 * DAY_MS;

function usRules(e: ContactLogEntry, s: DebtCalls, out: Found[]): void {
  const zones = e.timezone ? [e.timezone] : US_ZONES;
  if (isContact(e)) {
    if (e.flags.cease || s.ceased)
      out.push(['US_CEASE', `${e.channel} after ${e.flags.cease ? 'a' : 'an earlier'} request to cease communication about this debt`]);
    for (const tz of zones) {
      const w = wallClock(e.at, tz);
      if (w.msOfDay < 8 * HOUR_MS || w.msOfDay > 21 * HOUR_MS) {
        out.push([
          'US_CONTACT_HOURS',
          `${e.channel} at ${w.text}, outside 08:00-21:00${e.timezone ? '' : ' (zone unknown: every US zone must be inside)'}`,
        ]);
        break;
      }
    }
  }
  // Sticky: a cease request binds every later contact about the debt, whatever later flags say.
  if (e.flags.cease) s.ceased = true;
  // The frequency presumptions count calls placed to a particular person; the log names only the debtor.
  if (e.channel !== 'call' || e.recipient !== 'debtor') return;
  while (s.calls.length && s.calls[0] <= e.at - EIGHT_DAYS) s.calls.shift();
  for (const tz of zones) {
    const today = wallClock(e.at, tz).day;
    const n = 1 + s.calls.filter((t) => today - wallClock(t, tz).day <= 6).length;
    if (n > 7) {
      out.push([
        'US_CALL_FREQUENCY',
        `call ${n} about this debt within 7 consecutive days (${dateText(today - 6)} to ${dateText(today)}, ${tz})`,
      ]);
      break;
    }
  }
  if (s.lastConversation !== null) {
    for (const tz of zones) {
      const today = wallClock(e.at, tz).day;
      const talked = wallClock(s.lastConversation, tz).day;
      if (today - talked <= 6) {
        out.push([
          'US_CALL_AFTER_CONVERSATION',
          `call on day ${today - talked + 1} of the 7 after a conversation on ${dateText(talked)} (${tz})`,
        ]);
        break;
      }
    }
  }
  s.calls.push(e.at);
  if (e.kind === 'conversation') s.lastConversation = e.at;
}

function cnRules(e: ContactLogEntry, connectedByDebtor: Map<string, number[]>, out: Found[]): void {
  if (!isContact(e)) return;
  const tz = e.timezone ?? CN_ZONE;
  const w = wallClock(e.at, tz);
  if (w.msOfDay < 8 * HOUR_MS || w.msOfDay >= 22 * HOUR_MS) out.push(['CN_CONTACT_HOURS', `${e.channel} at ${w.text}, inside 22:00-08:00`]);
  if (e.recipient === 'third_party') out.push(['CN_THIRD_PARTY', `${e.channel} to a third party`]);
  if (e.channel !== 'call' || e.recipient !== 'debtor' || e.kind === 'attempt') return;
  const prior = (connectedByDebtor.get(e.borrowerId) ?? []).filter((t) => t > e.at - 2 * DAY_MS);
  const n = 1 + prior.filter((t) => wallClock(t, tz).day === w.day).length;
  if (n > 3) out.push(['CN_CONNECTED_CALLS', `connected call ${n} to this debtor on ${dateText(w.day)} (${tz})`]);
  prior.push(e.at);
  connectedByDebtor.set(e.borrowerId, prior);
}

/**
 * Replays a contact log and reports every violation. The log may be in any order: it is replayed
 * by time, ties in the order given. Throws ContactLogError, naming every bad field, on a log that
 * cannot be read.
 */
export function checkContactLog(log: unknown): CheckReport {
  const entries = parseContactLog(log);
  const order = entries.map((_, i) => i).sort((a, b) => entries[a].at - entries[b].at || a - b);
  const byDebt = new Map<string, DebtCalls>();
  const connectedByDebtor = new Map<string, number[]>();
  const violations: Violation[] = [];
  const counts = Object.fromEntries(RULE_IDS.map((r) => [r, 0])) as Record<RuleId, number>;
  for (const index of order) {
    const e = entries[index];
    const found: Found[] = [];
    flagRules(e, found);
    const country = e.jurisdiction.slice(0, 2);
    if (country === 'US') {
      const key = JSON.stringify([e.accountId, e.debtId ?? null, e.borrowerId]);
      let s = byDebt.get(key);
      if (!s) byDebt.set(key, (s = { calls: [], lastConversation: null, ceased: false }));
      usRules(e, s, found);
    } else if (country === 'CN') cnRules(e, connectedByDebtor, found);
    found.sort((a, b) => RULE_IDS.indexOf(a[0]) - RULE_IDS.indexOf(b[0]));
    for (const [rule, detail] of found) {
      violations.push({ rule, accountId: e.accountId, borrowerId: e.borrowerId, at: e.at, index, detail });
      counts[rule]++;
    }
  }
  return { entries: entries.length, violations, counts };
}
