/**
 * Postal addresses, as regulatory requirements take them (an address requirement of a Telnyx
 * requirement group names an address object, not text). The rules here are ours, checked before
 * the provider is asked: the postal code must have its country's format. The provider then
 * validates the address itself (POST /addresses/actions/validate).
 */
import { createHash } from 'node:crypto';

/** Postal-code formats of the countries we check; elsewhere 2-12 letters, digits, spaces or dashes. */
export const POSTAL_CODE_FORMATS: Readonly<Record<string, RegExp>> = {
  US: /^\d{5}(-\d{4})?$/,
  CA: /^[A-Z]\d[A-Z] ?\d[A-Z]\d$/,
  FR: /^\d{5}$/,
  DE: /^\d{5}$/,
  ES: /^\d{5}$/,
  IT: /^\d{5}$/,
  NL: /^\d{4} ?[A-Z]{2}$/,
  BE: /^\d{4}$/,
  CH: /^\d{4}$/,
  AT: /^\d{4}$/,
  PT: /^\d{4}-\d{3}$/,
  GB: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/,
  IE: /^[A-Z]\d[\dW] ?[A-Z\d]{4}$/,
  AU: /^\d{4}$/,
};
const ANY_POSTAL_CODE = /^[A-Z0-9][A-Z0-9 -]{0,10}[A-Z0-9]$/;

/** Upper case, single spaces (GB "sw1a 1aa" → "SW1A 1AA"). */
export const normalizePostalCode = (value: string) => value.trim().replace(/\s+/g, ' ').toUpperCase();

/** Undefined when the postal code fits its country; else what is wrong. */
export function postalCodeProblem(country: string, postalCode: string): string | undefined {
  const format = POSTAL_CODE_FORMATS[country] ?? ANY_POSTAL_CODE;
  return format.test(normalizePostalCode(postalCode)) ? undefined : `is not a ${POSTAL_CODE_FORMATS[country] ? country : 'valid'} postal code`;
}

export interface AddressFields {
  businessName: string;
  firstName: string;
  lastName: string;
  streetAddress: string;
  extendedAddress?: string;
  locality: string;
  postalCode: string;
  administrativeArea?: string;
  country: string;
}

const ADDRESS_KEYS = ['businessName', 'firstName', 'lastName', 'streetAddress', 'extendedAddress', 'locality', 'postalCode', 'administrativeArea', 'country'] as const;

/** How two spellings of one address compare: case, accents, punctuation and spacing aside. */
const canonical = (value: string | undefined) =>
  (value ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** The same address (for the same company) gives the same fingerprint. */
export function addressFingerprint(fields: AddressFields, companyId?: string): string {
  const parts = [...ADDRESS_KEYS.map((k) => canonical(fields[k])), canonical(companyId)];
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

/** One line, for people: "8 Rue de Rivoli, 75004 Paris, FR". */
export function formatAddress(a: AddressFields): string {
  return [a.streetAddress, a.extendedAddress, [a.postalCode, a.locality].join(' '), a.administrativeArea, a.country].filter((p) => p && p.trim()).join(', ');
}
