/**
 * The compliance gate: may this action reach this borrower at this instant? Pure: the contact
 * history (the ledger facts) and the time are parameters. A blocked action comes back with every
 * reason that forbids it and the earliest instant it could be allowed (null: not until a flag is
 * cleared). Profiles are per jurisdiction and configurable in the policy file; the built-in defaults
 * cite their sources below.
 */
import { z } from 'zod';
import { isValidTimeZone, localDayKey, localMinuteOfDay, localParts, localToUtc, nextLocalMidnight } from './localtime.js';
import { DAY_MS, SOFT_CHANNELS, type AccountFlags, type Channel } from './types.js';

const TimeZone = z.string().refine(isValidTimeZone, 'not an IANA time zone');

export const ComplianceProfileSchema = z.strictObject({
  name: z.string().min(1),
  /** Local hours when contact is allowed, [start, end): 8 and 21 mean 08:00 to 20:59. */
  contactHours: z.strictObject({ start: z.number().int().min(0).max(23), end: z.number().int().min(1).max(24) }).nullable(),
  /** Every zone a borrower of this jurisdiction could be in: the hours must hold in all of them when the account's zone is unknown. */
  zones: z.array(TimeZone).min(1),
  /** Zone that defines "a day" for daily caps when the account's zone is unknown. */
  dayZone: TimeZone,
  /** At most `max` call attempts in any `days` consecutive days. */
  callAttempts: z.strictObject({ max: z.number().int().positive(), days: z.number().positive() }).nullable(),
  /** No call for this many days after a telephone conversation. */
  quietDaysAfterConversation: z.number().nonnegative().nullable(),
  /** At most this many connected calls per local day, counted across all agencies. */
  connectedCallsPerDay: z.number().int().positive().nullable(),
  /** Contact the debtor only, never third parties. */
  debtorOnly: z.boolean(),
  /** Where each default comes from, shown in audit logs and docs. */
  sources: z.record(z.string(), z.string()).default({}),
});
export type ComplianceProfile = z.infer<typeof ComplianceProfileSchema>;

/**
 * US: Regulation F (12 CFR part 1006), the CFPB's FDCPA rule.
 * - 1006.6(b)(1)(i): a time before 8:00 a.m. or after 9:00 p.m. local time at the consumer's
 *   location is inconvenient. Where the collector's information about the consumer's location is
 *   missing, conflicting or ambiguous, the CFPB's official interpretation of 1006.6(b)(1)(i) says a
 *   time is convenient only if it is convenient in every location the consumer could be in: hence
 *   `zones`, from Hawaii to the Eastern zone, Alaska included. (Territories such as Puerto Rico or
 *   Guam are not in the default list; add them to a US profile in the policy if you lend there.)
 * - 1006.14(b)(2)(i): more than 7 call attempts within 7 consecutive days is presumed harassment.
 * - 1006.14(b)(2)(ii): no call within 7 days after a telephone conversation about the debt.
 * - 1006.6(c): a written cease request stops all communication (the cease flag).
 */
export const US_REG_F: ComplianceProfile = {
  name: 'US Regulation F (12 CFR 1006)',
  contactHours: { start: 8, end: 21 },
  zones: [
    'Pacific/Honolulu',
    'America/Anchorage',
    'America/Los_Angeles',
    'America/Phoenix',
    'America/Denver',
    'America/Chicago',
    'America/New_York',
  ],
  dayZone: 'America/New_York',
  callAttempts: { max: 7, days: 7 },
  quietDaysAfterConversation: 7,
  connectedCallsPerDay: null,
  debtorOnly: false,
  sources: {
    contactHours: '12 CFR 1006.6(b)(1)(i) and its official interpretation (unknown location)',
    callAttempts: '12 CFR 1006.14(b)(2)(i)',
    quietDaysAfterConversation: '12 CFR 1006.14(b)(2)(ii)',
    cease: '12 CFR 1006.6(c)',
  },
};

/**
 * CN: the National Internet Finance Association of China (NIFA) 2024 guideline on post-loan
 * collection, with the three rules the design fixes: no contact from 22:00 to 08:00; at most 3
 * connected calls per debtor per day, counted across all collection agencies; contact the debtor
 * only, never relatives, colleagues or other third parties. Article numbers are not cited here:
 * check the guideline's current text before relying on these defaults. China keeps one civil time
 * (Asia/Shanghai); Asia/Urumqi is listed because Xinjiang also keeps local time informally.
 */
export const CN_NIFA_2024: ComplianceProfile = {
  name: 'CN NIFA 2024 collection guideline',
  contactHours: { start: 8, end: 22 },
  zones: ['Asia/Shanghai', 'Asia/Urumqi'],
  dayZone: 'Asia/Shanghai',
  callAttempts: null,
  quietDaysAfterConversation: null,
  connectedCallsPerDay: 3,
  debtorOnly: true,
  sources: {
    contactHours: 'NIFA 2024 guideline: no collection contact 22:00-08:00',
    connectedCallsPerDay: 'NIFA 2024 guideline: at most 3 connected calls per debtor per day across agencies',
    debtorOnly: 'NIFA 2024 guideline: contact the debtor only, no third parties',
  },
};

export const DEFAULT_PROFILES: Readonly<Record<string, ComplianceProfile>> = { US: US_REG_F, CN: CN_NIFA_2024 };

/** The profile for a jurisdiction: the policy's own, else the built-in default, else none (blocked). */
export function resolveProfile(
  jurisdiction: string,
  overrides: Readonly<Record<string, ComplianceProfile>> = {},
): ComplianceProfile | null {
  return overrides[jurisdiction] ?? DEFAULT_PROFILES[jurisdiction] ?? null;
}

export interface GateAction {
  channel: Channel;
  /** Epoch ms of the intended contact. */
  at: number;
  recipient?: 'debtor' | 'third_party';
}

export interface GateAccount {
  jurisdiction: string;
  /** IANA zone of the borrower, or null when unknown. */
  timezone: string | null;
  flags: AccountFlags;
}

/** The contact history the gate needs, read from the ledger by the caller (epoch ms). */
export interface LedgerFacts {
  /** Call attempts (connected or not), at least the last `callAttempts.days` days. */
  callAttempts: readonly number[];
  /** Connected calls across all agencies, at least the last 2 days. */
  connectedCalls: readonly number[];
  lastConversationAt: number | null;
}

export const NO_HISTORY: LedgerFacts = { callAttempts: [], connectedCalls: [], lastConversationAt: null };

export type BlockCode =
  | 'NO_PROFILE'
  | 'DECEASED'
  | 'DISPUTE'
  | 'CEASE'
  | 'DO_NOT_CONTACT'
  | 'BANKRUPTCY_LEGAL_ONLY'
  | 'HARDSHIP_SOFT_ONLY'
  | 'THIRD_PARTY'
  | 'INCONVENIENT_TIME'
  | 'CALL_ATTEMPT_CAP'
  | 'POST_CONVERSATION'
  | 'CONNECTED_CALL_CAP';

export interface BlockReason {
  code: BlockCode;
  message: string;
  /** Earliest instant this reason lifts on its own; null while a flag stays set. */
  until: number | null;
}

export interface GateResult {
  allowed: boolean;
  reasons: BlockReason[];
  /** `at` when allowed; the earliest instant every time-based reason lifts when blocked; null: never by time alone. */
  nextAllowedAt: number | null;
}

/** legal_review is an internal file review, not a communication with the borrower. */
const isContact = (c: Channel): boolean => c !== 'legal_review';

function inHours(hours: { start: number; end: number }, at: number, tz: string): boolean {
  const m = localMinuteOfDay(at, tz);
  return m >= hours.start * 60 && m < hours.end * 60;
}

/** Next instant >= at when `tz` is inside the hours. */
function nextOpen(hours: { start: number; end: number }, at: number, tz: string): number {
  if (inHours(hours, at, tz)) return at;
  const p = localParts(at, tz);
  const day = p.hour * 60 + p.minute < hours.start * 60 ? p.day : p.day + 1;
  return localToUtc(p.year, p.month, day, hours.start, 0, tz);
}

/** Earliest instant >= at inside the hours in every zone, or null if the zones share no window. */
function nextCommonOpen(hours: { start: number; end: number }, at: number, zones: readonly string[]): number | null {
  let t = at;
  for (let round = 0; round < 16; round++) {
    let moved = false;
    for (const z of zones) {
      const n = nextOpen(hours, t, z);
      if (n !== t) {
        t = n;
        moved = true;
      }
    }
    if (!moved) return t;
  }
  return null;
}

/** Reasons from the account's flags: they never lift by time alone. */
function flagReasons(flags: AccountFlags, channel: Channel, cease: string | undefined): BlockReason[] {
  const out: BlockReason[] = [];
  const add = (code: BlockCode, message: string) => out.push({ code, message, until: null });
  if (flags.deceased) add('DECEASED', 'the borrower is deceased: all collection activity stops');
  if (flags.dispute) add('DISPUTE', 'the debt is disputed: collection is paused until the dispute is resolved');
  if (isContact(channel)) {
    if (flags.cease) add('CEASE', `the borrower asked to cease communication${cease ? ` (${cease})` : ''}`);
    if (flags.doNotContact) add('DO_NOT_CONTACT', 'the account is marked do-not-contact');
  }
  if (flags.bankruptcy && channel !== 'legal_review') add('BANKRUPTCY_LEGAL_ONLY', 'the borrower is in bankruptcy: legal review only');
  if (flags.hardship && (channel === 'call' || channel === 'field'))
    add('HARDSHIP_SOFT_ONLY', `hardship: soft treatments only (${SOFT_CHANNELS.join(', ')})`);
  return out;
}

function timeReasons(p: ComplianceProfile, action: GateAction, account: GateAccount, facts: LedgerFacts): BlockReason[] {
  const out: BlockReason[] = [];
  const { channel, at } = action;
  if (!isContact(channel)) return out;
  if (p.contactHours) {
    const zones = account.timezone ? [account.timezone] : p.zones;
    if (!zones.every((z) => inHours(p.contactHours!, at, z))) {
      const { start, end } = p.contactHours;
      const where = account.timezone ? `in ${account.timezone}` : `in every zone the borrower could be in (${zones.join(', ')})`;
      out.push({
        code: 'INCONVENIENT_TIME',
        message: `contact only ${start}:00 to ${end}:00 local time ${where} [${p.sources.contactHours ?? p.name}]`,
        until: nextCommonOpen(p.contactHours, at, zones),
      });
    }
  }
  if (channel !== 'call') return out;
  if (p.callAttempts) {
    const { max, days } = p.callAttempts;
    const from = at - days * DAY_MS;
    const inWindow = facts.callAttempts.filter((t) => t > from && t <= at).sort((a, b) => a - b);
    if (inWindow.length >= max) {
      // The call becomes allowed when enough of the oldest attempts fall out of the window.
      const until = inWindow[inWindow.length - max] + days * DAY_MS;
      out.push({
        code: 'CALL_ATTEMPT_CAP',
        message: `${inWindow.length} call attempts in the last ${days} days; at most ${max} [${p.sources.callAttempts ?? p.name}]`,
        until,
      });
    }
  }
  if (p.quietDaysAfterConversation !== null && facts.lastConversationAt !== null) {
    const until = facts.lastConversationAt + p.quietDaysAfterConversation * DAY_MS;
    if (facts.lastConversationAt <= at && at < until)
      out.push({
        code: 'POST_CONVERSATION',
        message: `no call within ${p.quietDaysAfterConversation} days after a conversation [${p.sources.quietDaysAfterConversation ?? p.name}]`,
        until,
      });
  }
  if (p.connectedCallsPerDay !== null) {
    const tz = account.timezone ?? p.dayZone;
    const today = localDayKey(at, tz);
    const n = facts.connectedCalls.filter((t) => t <= at && localDayKey(t, tz) === today).length;
    if (n >= p.connectedCallsPerDay)
      out.push({
        code: 'CONNECTED_CALL_CAP',
        message: `${n} connected calls today across agencies; at most ${p.connectedCallsPerDay} [${p.sources.connectedCallsPerDay ?? p.name}]`,
        until: nextLocalMidnight(at, tz),
      });
  }
  return out;
}

function evaluateOnce(p: ComplianceProfile, action: GateAction, account: GateAccount, facts: LedgerFacts): BlockReason[] {
  const reasons = flagReasons(account.flags, action.channel, p.sources.cease);
  if (p.debtorOnly && action.recipient === 'third_party')
    reasons.push({ code: 'THIRD_PARTY', message: `contact the debtor only [${p.sources.debtorOnly ?? p.name}]`, until: null });
  reasons.push(...timeReasons(p, action, account, facts));
  return reasons;
}

/**
 * Evaluates an action. When blocked, `nextAllowedAt` is found by re-evaluating at the latest
 * `until` until every rule passes together (a daily cap lifting at midnight still has to wait for
 * 08:00), so a caller can schedule the item at that instant and expect it to pass.
 */
export function checkContact(
  action: GateAction,
  account: GateAccount,
  facts: LedgerFacts,
  profiles: Readonly<Record<string, ComplianceProfile>> = {},
): GateResult {
  const p = resolveProfile(account.jurisdiction, profiles);
  if (!p)
    return {
      allowed: false,
      reasons: [
        {
          code: 'NO_PROFILE',
          message: `no compliance profile for jurisdiction "${account.jurisdiction}": add one to the policy`,
          until: null,
        },
      ],
      nextAllowedAt: null,
    };
  const reasons = evaluateOnce(p, action, account, facts);
  if (reasons.length === 0) return { allowed: true, reasons, nextAllowedAt: action.at };
  if (reasons.some((r) => r.until === null)) return { allowed: false, reasons, nextAllowedAt: null };
  let t = Math.max(...reasons.map((r) => r.until as number));
  for (let round = 0; round < 8; round++) {
    const again = evaluateOnce(p, { ...action, at: t }, account, facts);
    if (again.length === 0) return { allowed: false, reasons, nextAllowedAt: t };
    if (again.some((r) => r.until === null)) break;
    t = Math.max(...again.map((r) => r.until as number));
  }
  return { allowed: false, reasons, nextAllowedAt: null };
}
