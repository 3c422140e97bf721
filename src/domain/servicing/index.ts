/**
 * The servicing core: the feed's events, the account state they build, and what is derived from it
 * (position, transitions, promises, attribution). Pure and deterministic: plain serialisable state
 * in, new state out, time always a parameter. A store, routes and a close-of-business run take this
 * surface as it is; none of them lives here.
 */
export { applyEvent, applyEvents, DEFAULT_MAX_PENDING, type ApplyContext, type ApplyEffect } from './apply.js';
export { attributePayment, type CollectionContext, type PaymentAttribution } from './attribution.js';
export { classify, type Transition, type TransitionKind } from './classify.js';
export { addDays, daysBetween, localDate } from './dates.js';
export { ServicingError, type ServicingErrorKind, type ServicingIssue } from './errors.js';
export {
  ADJUSTMENT_KINDS,
  INSTANT_FIELD,
  parseServicingEvent,
  policyJurisdictions,
  safeParseServicingEvent,
  SERVICING_EVENT_TYPES,
  ServicingEventSchema,
  type EventOf,
  type ParseContext,
  type ServicingEvent,
  type ServicingEventInput,
  type ServicingEventType,
} from './events.js';
export { CURRENCIES, isKnownCurrency, MAX_AMOUNT, minorExponent, toMajor, toMinor } from './money.js';
export { accountPosition, type AccountPosition, type AccountStatus, type Allocation, type DuePosition } from './position.js';
export {
  evaluatePromise,
  MAX_INSTALMENTS,
  parsePromise,
  PromiseToPaySchema,
  type InstalmentEvaluation,
  type PromiseEvaluation,
  type PromiseOptions,
  type PromisePayment,
  type PromiseStatus,
  type PromiseToPay,
  type PromiseToPayInput,
} from './promises.js';
export {
  assertStateVersion,
  emptyAccount,
  STATE_VERSION,
  type AccountState,
  type AdjustmentState,
  type ClosedState,
  type DueState,
  type LoanState,
  type PaymentState,
  type RejectedEvent,
} from './state.js';
