/**
 * Attribution: every payment records the collection context in force when it arrived (treatment,
 * variant, policy and model versions) and the last contact before it, so strategy results can
 * credit recoveries to the arm and the action that preceded them.
 */
import type { Treatment } from '../collection/policy.js';
import type { Channel } from '../collection/types.js';

/** What the collection side knows about an account when a payment is applied. */
export interface CollectionContext {
  treatment: Treatment | null;
  variant: string | null;
  policyVersion: string | null;
  modelVersion: string | null;
  /** The most recent contact with the borrower (epoch ms), or null if none is on record. */
  lastContact: { at: number; channel: Channel } | null;
}

/** The attribution record stored with a payment. Amounts in minor units. */
export interface PaymentAttribution {
  paymentId: string;
  accountId: string;
  amount: number;
  currency: string;
  paidAt: string;
  treatment: Treatment | null;
  variant: string | null;
  policyVersion: string | null;
  modelVersion: string | null;
  /** The last contact at or before the payment, and how long before it; null when there was none. */
  lastContact: { at: number; channel: Channel; msBeforePayment: number } | null;
}

/**
 * The attribution record for one payment. A contact dated after the payment (a call logged while
 * the money was already on its way) cannot have caused it, so it is not credited.
 */
export function attributePayment(
  payment: { paymentId: string; amount: number; paidAt: string },
  account: { accountId: string; currency: string },
  context: CollectionContext | null,
): PaymentAttribution {
  const paidMs = Date.parse(payment.paidAt);
  if (!Number.isFinite(paidMs)) throw new RangeError(`paidAt "${payment.paidAt}" is not a date-time`);
  const c = context;
  const contact = c?.lastContact && c.lastContact.at <= paidMs ? c.lastContact : null;
  return {
    paymentId: payment.paymentId,
    accountId: account.accountId,
    amount: payment.amount,
    currency: account.currency,
    paidAt: payment.paidAt,
    treatment: c?.treatment ? { ...c.treatment } : null,
    variant: c?.variant ?? null,
    policyVersion: c?.policyVersion ?? null,
    modelVersion: c?.modelVersion ?? null,
    lastContact: contact ? { at: contact.at, channel: contact.channel, msBeforePayment: paidMs - contact.at } : null,
  };
}
