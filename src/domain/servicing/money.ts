/**
 * Money in the servicing ledger. The feed sends amounts as decimal numbers in major units (120.50
 * dollars); the ledger holds them as integers in the currency's minor units (12050 cents).
 *
 * Why integers: an account's figures are sums of many payments and dues, and a cure is decided by
 * "arrears is exactly zero". Binary floats cannot hold 0.10 exactly, so a float ledger drifts
 * (0.1 + 0.2 !== 0.3) and a fully paid due could stay 0.0000000001 unpaid forever. Integers are
 * exact up to 2^53, far above any loan book once amounts are capped (MAX_AMOUNT), and every
 * comparison is exact. Amounts are converted once, on the way in, and refused (never silently
 * rounded) when they carry more decimals than the currency has.
 */
import { z } from 'zod';

/**
 * Active ISO 4217 currencies with their minor-unit exponent (the number of decimals), as the
 * standard lists them. Written out rather than read from Intl, whose list varies with the ICU
 * build and still holds withdrawn codes: the same feed must give the same ledger on every machine.
 * Funds codes (CLF, UYW, XDR...) and precious metals are not loan currencies and are left out.
 */
const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_2 =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE ' +
  'CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD ' +
  'KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR ' +
  'PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU ' +
  'UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const exponents = new Map<string, number>();
for (const [list, e] of [
  [EXPONENT_0, 0],
  [EXPONENT_2, 2],
  [EXPONENT_3, 3],
] as const)
  for (const c of list.split(' ')) exponents.set(c, e);

/** Every currency the ledger accepts, sorted. */
export const CURRENCIES: readonly string[] = [...exponents.keys()].sort();

export const isKnownCurrency = (c: string): boolean => exponents.has(c);

/** Decimals of the currency's minor unit (USD 2, JPY 0, KWD 3). Throws for an unknown code. */
export function minorExponent(currency: string): number {
  const e = exponents.get(currency);
  if (e === undefined) throw new RangeError(`unknown currency "${currency}"`);
  return e;
}

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'ISO 4217: three upper-case letters, e.g. USD or CNY')
  .refine(isKnownCurrency, 'not an active ISO 4217 currency');

/**
 * Largest amount one event may carry, in major units. 10^12 in a three-decimal currency is 10^15
 * minor units, so a single amount is always a safe integer; the ledger checks its running totals.
 */
export const MAX_AMOUNT = 1e12;

/** A feed amount: a finite, positive number of major units. Strings, NaN and Infinity are refused. */
export const Amount = z.number().positive('must be greater than 0').max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`);

/**
 * Major units to integer minor units, or null when the amount has more decimals than the currency
 * allows. Tolerance: multiplying a decimal by 10^e in binary floating point is off by a few units
 * in the last place (0.29 * 100 = 28.999999999999996); anything further from an integer than that
 * is a real fraction of a minor unit (10.005 USD) and is refused rather than rounded.
 */
export function toMinor(amount: number, currency: string): number | null {
  const scaled = amount * 10 ** minorExponent(currency);
  const minor = Math.round(scaled);
  const tolerance = Math.max(1e-6, 8 * Number.EPSILON * Math.abs(scaled));
  // A tiny positive amount that rounds to 0 is a fraction of a minor unit too.
  if (minor === 0 && amount !== 0) return null;
  return Math.abs(scaled - minor) <= tolerance && Number.isSafeInteger(minor) ? minor : null;
}

/** Integer minor units back to a major-unit number (for snapshots and display). */
export function toMajor(minor: number, currency: string): number {
  const e = minorExponent(currency);
  // Dividing an integer by a power of ten gives the nearest double to the decimal: no drift.
  return minor / 10 ** e;
}
