import { createRequire } from 'node:module';
import type * as LibPhoneNumber from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';

let libphonenumber: typeof LibPhoneNumber | undefined;
/**
 * libphonenumber-js with its full metadata, loaded on first use: it costs ~25 ms at a cold start,
 * and most functions never parse a number. Everything (provider mappers too) goes through here, so one
 * build of it is ever loaded.
 */
export function phoneLib(): typeof LibPhoneNumber {
  return (libphonenumber ??= createRequire(import.meta.url)('libphonenumber-js/max') as typeof LibPhoneNumber);
}
const parsePhoneNumberFromString: typeof LibPhoneNumber.parsePhoneNumberFromString = (...args) => phoneLib().parsePhoneNumberFromString(...args);

/** Parses any user-supplied phone string into E.164, or undefined when it is not a valid number. */
export function toE164(input: string, defaultCountry?: string): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined;
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry as CountryCode | undefined);
  return parsed?.isValid() ? parsed.number : undefined;
}

export function nationalFormat(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatNational() ?? e164;
}

/** The ISO country of a number, by numbering plan; undefined when unknown (never throws). */
export function countryOf(e164: string): string | undefined {
  try {
    return parsePhoneNumberFromString(e164)?.country;
  } catch {
    return undefined;
  }
}

/** E.164 when libphonenumber can read the string, else the string unchanged (never throws): for numbers a provider sent. */
export function normalizePhone(raw: string): string {
  try {
    return parsePhoneNumberFromString(raw)?.number ?? raw;
  } catch {
    return raw;
  }
}

/**
 * National format ("(415) 555-0142", "020 7946 0123", "01 42 68 53 00") when the number parses
 * and is possible, else the fallback, else the string unchanged (never throws).
 */
export function nationalFormatOr(phone: string, fallback?: string | null): string {
  try {
    const parsed = parsePhoneNumberFromString(phone);
    if (parsed && parsed.isPossible()) return parsed.formatNational();
  } catch {
    // fall through
  }
  return fallback || phone;
}

export const NANP_COUNTRIES = new Set(['US', 'CA', 'PR', 'VI', 'GU', 'AS', 'MP', 'AG', 'AI', 'BB', 'BM', 'BS', 'DM', 'DO', 'GD', 'JM', 'KN', 'KY', 'LC', 'MS', 'SX', 'TC', 'TT', 'VC', 'VG']);
/** The toll-free NPAs (the Somos routing model's TOLL_FREE_NPAS; a schema needs no Somos module to name them). */
export const TOLL_FREE_NPA_LIST = ['800', '833', '844', '855', '866', '877', '888'] as const;
export const TOLL_FREE_NPAS: ReadonlySet<string> = new Set(TOLL_FREE_NPA_LIST);

/**
 * A NANP numbering plan area: NXX with N = 2-9, the middle digit not 9
 * (reserved for expansion) and not an N11 service code (211, 311, ... 911).
 */
export function isValidNpa(npa: string): boolean {
  return /^[2-9][0-8]\d$/.test(npa) && npa.slice(1) !== '11';
}

const KEYPAD: Record<string, string> = {
  A: '2', B: '2', C: '2', D: '3', E: '3', F: '3', G: '4', H: '4', I: '4', J: '5', K: '5', L: '5',
  M: '6', N: '6', O: '6', P: '7', Q: '7', R: '7', S: '7', T: '8', U: '8', V: '8', W: '9', X: '9', Y: '9', Z: '9',
};

/** The platform's one pattern syntax: digits, `*` for any one digit, letters as keypad digits (FLOWERS → 3569377). */
export const NUMBER_PATTERN = /^[0-9A-Za-z*]+$/;

export function patternToDigits(pattern: string): string {
  return pattern
    .toUpperCase()
    .split('')
    .map((c) => KEYPAD[c] ?? c)
    .join('');
}

/** Our number type for an E.164, from the numbering plan (toll-free, mobile, else local). */
export function numberTypeOf(e164: string): 'local' | 'toll_free' | 'mobile' {
  const type = parsePhoneNumberFromString(e164)?.getType();
  if (type === 'TOLL_FREE') return 'toll_free';
  if (type === 'MOBILE') return 'mobile';
  return 'local';
}
