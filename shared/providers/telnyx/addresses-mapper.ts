/**
 * Telnyx addresses: what an address requirement of a requirement group takes (the id of an
 * Address, not free text). Contract: ../shared/contracts/telnyx/spec3.yml (AddressCreate,
 * Address, ValidateAddressRequest, ValidateAddressResult, Error).
 */
import { ProviderError } from '../types.js';
import { obj, str, unwrapData } from './map-kit.js';

/** The fields of an address, in our names (AddressCreate requires the names and the business name). */
export interface TelnyxAddressInput {
  businessName: string;
  firstName: string;
  lastName: string;
  streetAddress: string;
  extendedAddress?: string;
  locality: string;
  postalCode: string;
  administrativeArea?: string;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
  customerReference?: string;
}

export interface TelnyxAddress {
  id: string;
  countryCode?: string;
  locality?: string;
  postalCode?: string;
  streetAddress?: string;
  customerReference?: string;
}

/** ValidateAddressResult: `valid`, or `invalid` with Telnyx's errors (source.pointer names the field) and a suggestion. */
export interface TelnyxAddressValidation {
  valid: boolean;
  errors: Array<{ code?: string; title?: string; detail?: string; pointer?: string }>;
  /** Telnyx's normalised address, in our field names (only the fields it gives). */
  suggested: Partial<Pick<TelnyxAddressInput, 'streetAddress' | 'extendedAddress' | 'locality' | 'postalCode' | 'administrativeArea' | 'countryCode'>>;
}

const FIELDS: Array<[keyof TelnyxAddressInput, string]> = [
  ['businessName', 'business_name'],
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['streetAddress', 'street_address'],
  ['extendedAddress', 'extended_address'],
  ['locality', 'locality'],
  ['postalCode', 'postal_code'],
  ['administrativeArea', 'administrative_area'],
  ['countryCode', 'country_code'],
  ['customerReference', 'customer_reference'],
];

/** Telnyx's field name (snake_case) → ours; undefined for a field we do not send. */
export function addressFieldOf(telnyxName: string): keyof TelnyxAddressInput | undefined {
  return FIELDS.find(([, t]) => t === telnyxName)?.[0];
}

/** AddressCreate body. validate_address is false: the address was validated just before (POST /addresses/actions/validate). */
export function addressCreateBody(input: TelnyxAddressInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [ours, theirs] of FIELDS) if (input[ours] !== undefined) body[theirs] = input[ours];
  body.address_book = false;
  body.validate_address = false;
  return body;
}

/** ValidateAddressRequest body (the fields it knows). */
export function addressValidateBody(input: TelnyxAddressInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [ours, theirs] of FIELDS) {
    if (['streetAddress', 'extendedAddress', 'locality', 'postalCode', 'administrativeArea', 'countryCode'].includes(ours) && input[ours] !== undefined) body[theirs] = input[ours];
  }
  return body;
}

export function mapAddress(body: unknown): TelnyxAddress {
  const a = obj(unwrapData(body));
  const id = typeof a.id === 'number' ? String(a.id) : str(a.id);
  if (!id) throw new ProviderError('telnyx', 'Telnyx returned an address without id', { retryable: false });
  const out: TelnyxAddress = { id };
  const pairs: Array<[keyof TelnyxAddress, unknown]> = [
    ['countryCode', a.country_code],
    ['locality', a.locality],
    ['postalCode', a.postal_code],
    ['streetAddress', a.street_address],
    ['customerReference', a.customer_reference],
  ];
  for (const [key, value] of pairs) {
    const s = str(value);
    if (s !== undefined) (out as unknown as Record<string, string>)[key] = s;
  }
  return out;
}

export function mapAddressValidation(body: unknown): TelnyxAddressValidation {
  const r = obj(unwrapData(body));
  const errors = (Array.isArray(r.errors) ? r.errors.map(obj) : []).map((e) => {
    const out: TelnyxAddressValidation['errors'][number] = {};
    const code = typeof e.code === 'number' ? String(e.code) : str(e.code);
    const title = str(e.title);
    const detail = str(e.detail) ?? str(e.description);
    const pointer = str(obj(e.source).pointer);
    if (code !== undefined) out.code = code;
    if (title !== undefined) out.title = title;
    if (detail !== undefined) out.detail = detail;
    if (pointer !== undefined) out.pointer = pointer;
    return out;
  });
  const suggested: TelnyxAddressValidation['suggested'] = {};
  for (const [key, value] of Object.entries(obj(r.suggested))) {
    const ours = addressFieldOf(key);
    const s = str(value);
    if (ours && s !== undefined && ours !== 'businessName' && ours !== 'firstName' && ours !== 'lastName' && ours !== 'customerReference') suggested[ours] = s;
  }
  // Anything but an explicit `valid` is not valid.
  return { valid: r.result === 'valid' && errors.length === 0, errors, suggested };
}
