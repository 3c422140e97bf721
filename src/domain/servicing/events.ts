/**
 * The servicing feed: the lender's record of what is owed and paid, one event at a time. Every
 * event has its own `eventId` (the ledger is idempotent on it) and names its account. Amounts are
 * decimal numbers of major units; the ledger converts them to minor units when it applies them,
 * against the loan's currency (see money.ts).
 */
import { z } from 'zod';
import { DEFAULT_PROFILES } from '../collection/compliance.js';
import { isValidTimeZone } from '../collection/localtime.js';
import type { Policy } from '../collection/policy.js';
import { AccountId } from '../collection/snapshot.js';
import { Instant, IsoDate } from './dates.js';
import { ServicingError, issuesToDetails, type ServicingIssue } from './errors.js';
import { Amount, Currency } from './money.js';

/** Every id is an AccountId: the same bounded alphabet, since ids become parts of Redis keys (no ':'). */
const Id = AccountId;
const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

/** ISO 3166 alpha-2, as snapshots and the policy's compliance profiles spell jurisdictions. */
const Jurisdiction = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2, e.g. US or CN');
/** As snapshot.ts validates it: an IANA zone, or null when the borrower's zone is unknown. */
const TimeZone = z.string().refine(isValidTimeZone, 'not an IANA time zone').nullable().default(null);

const base = { eventId: Id, accountId: AccountId };

export const LoanOpenedSchema = z.strictObject({
  type: z.literal('loan_opened'),
  ...base,
  borrowerId: Id,
  principal: Amount,
  currency: Currency,
  jurisdiction: Jurisdiction,
  timezone: TimeZone,
  openedAt: Instant,
});

/** `currency` is optional on money events; when sent it must be the loan's (checked on apply). */
export const DueSchema = z.strictObject({
  type: z.literal('due'),
  ...base,
  dueId: Id,
  /** Dues may be posted ahead of their date (a whole schedule at once), so no future check here. */
  dueDate: IsoDate,
  amount: Amount,
  currency: Currency.optional(),
});

export const PaymentSchema = z.strictObject({
  type: z.literal('payment'),
  ...base,
  paymentId: Id,
  amount: Amount,
  currency: Currency.optional(),
  paidAt: Instant,
  /** How the money came: a short token of the lender's own, e.g. bank_transfer, card, direct_debit, cash. */
  channel: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case token, e.g. bank_transfer or card (at most 40 characters)'),
});

export const PaymentReversedSchema = z.strictObject({
  type: z.literal('payment_reversed'),
  ...base,
  paymentId: Id,
  reversedAt: Instant,
  reason: Text(500).optional(),
});

export const ADJUSTMENT_KINDS = ['write_off', 'waiver'] as const;
export const AdjustmentSchema = z.strictObject({
  type: z.literal('adjustment'),
  ...base,
  kind: z.enum(ADJUSTMENT_KINDS),
  amount: Amount,
  currency: Currency.optional(),
  reason: Text(500),
  at: Instant,
});

export const LoanClosedSchema = z.strictObject({
  type: z.literal('loan_closed'),
  ...base,
  closedAt: Instant,
  reason: Text(500),
});

export const ServicingEventSchema = z.discriminatedUnion('type', [
  LoanOpenedSchema,
  DueSchema,
  PaymentSchema,
  PaymentReversedSchema,
  AdjustmentSchema,
  LoanClosedSchema,
]);
export type ServicingEvent = z.infer<typeof ServicingEventSchema>;
export type ServicingEventInput = z.input<typeof ServicingEventSchema>;
export type ServicingEventType = ServicingEvent['type'];
export type EventOf<T extends ServicingEventType> = Extract<ServicingEvent, { type: T }>;
export const SERVICING_EVENT_TYPES = ServicingEventSchema.options.map((o) => o.shape.type.value);

/** The instant fields of each event type: the ones a feed cannot date in the future. */
export const INSTANT_FIELD: Readonly<Record<ServicingEventType, string | null>> = {
  loan_opened: 'openedAt',
  due: null,
  payment: 'paidAt',
  payment_reversed: 'reversedAt',
  adjustment: 'at',
  loan_closed: 'closedAt',
};

export interface ParseContext {
  /** Epoch ms of "now", from the caller: the core never reads a clock. */
  now: number;
  /** How far past `now` an instant may be (clock skew between the lender and us). */
  futureToleranceMs: number;
  /** Jurisdictions the policy has a compliance profile for; default: the built-in profiles (US, CN). */
  jurisdictions?: readonly string[];
}

/** The jurisdictions a policy knows: its own compliance profiles and the built-in defaults. */
export function policyJurisdictions(policy: Pick<Policy, 'compliance'>): string[] {
  return [...new Set([...Object.keys(DEFAULT_PROFILES), ...Object.keys(policy.compliance)])].sort();
}

/** Checks that need the context; run on the raw input too, so one answer names every bad field. */
function contextIssues(x: unknown, ctx: ParseContext): ServicingIssue[] {
  if (typeof x !== 'object' || x === null) return [];
  const o = x as Record<string, unknown>;
  const out: ServicingIssue[] = [];
  const field = typeof o.type === 'string' && Object.hasOwn(INSTANT_FIELD, o.type) ? INSTANT_FIELD[o.type as ServicingEventType] : null;
  if (field) {
    const v = o[field];
    if (typeof v === 'string' && Instant.safeParse(v).success && Date.parse(v) > ctx.now + ctx.futureToleranceMs)
      out.push({ path: field, issue: `is in the future (more than ${Math.round(ctx.futureToleranceMs / 1000)} s after now)` });
  }
  if (o.type === 'loan_opened' && typeof o.jurisdiction === 'string' && /^[A-Z]{2}$/.test(o.jurisdiction)) {
    const known = ctx.jurisdictions ?? Object.keys(DEFAULT_PROFILES);
    if (!known.includes(o.jurisdiction))
      out.push({ path: 'jurisdiction', issue: `no compliance profile for "${o.jurisdiction}": known are ${known.join(', ')}` });
  }
  return out;
}

/** Validates one event against the schema and the context, or names every bad field. */
export function safeParseServicingEvent(
  x: unknown,
  ctx: ParseContext,
): { ok: true; event: ServicingEvent } | { ok: false; details: ServicingIssue[] } {
  if (!Number.isFinite(ctx.now) || !(ctx.futureToleranceMs >= 0))
    throw new RangeError('ParseContext needs a finite now and a futureToleranceMs >= 0');
  const r = ServicingEventSchema.safeParse(x);
  const details = [...(r.success ? [] : issuesToDetails(r.error.issues)), ...contextIssues(x, ctx)];
  if (details.length > 0) return { ok: false, details };
  return { ok: true, event: r.data as ServicingEvent };
}

/** Validates one event; throws an `invalid` ServicingError naming every bad field. */
export function parseServicingEvent(x: unknown, ctx: ParseContext): ServicingEvent {
  const r = safeParseServicingEvent(x, ctx);
  if (!r.ok) throw new ServicingError('invalid', r.details);
  return r.event;
}
