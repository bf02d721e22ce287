/**
 * Vonage (Nexmo) Numbers API payloads → normalized provider shapes, and the pure
 * helpers the client needs (search-pattern translation, ids, error mapping).
 * Contract: ../shared/contracts/vonage/numbers.yml (spec 1.0.20, host rest.nexmo.com).
 *
 * Defensive on purpose, like the Twilio mapper: the legacy API answers some failures
 * with HTTP 200 and an `error-code` other than "200" in the body, lists `features`
 * as an array, and omits `numbers` altogether when `count` is 0.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { nationalFormatOr, normalizePhone, phoneLib } from '../../domain/phone.js';
import { providerErrorFrom } from '../http.js';
import { ProviderError, type AvailableNumber, type Capabilities, type NumberType, type ProviderNumber, type SearchCriteria } from '../types.js';
import { scrubSecrets } from '../../log.js';

export type VonageNumberType = 'landline' | 'mobile-lvn' | 'landline-toll-free';

/** One element of `numbers` in GET /number/search (`availablenumber`). */
export interface VonageAvailableNumber {
  country?: string | null;
  msisdn?: string | null;
  type?: string | null;
  /** Monthly rental, a decimal string ("1.25"); the spec says Euros. */
  cost?: string | number | null;
  features?: string[] | string | null;
}

export interface VonageAvailableNumbersPage {
  count?: number;
  numbers?: VonageAvailableNumber[] | null;
}

/** One element of `numbers` in GET /account/numbers (`ownednumber`), plus fields the live API may add. */
export interface VonageOwnedNumber {
  country?: string | null;
  msisdn?: string | null;
  type?: string | null;
  features?: string[] | string | null;
  moHttpUrl?: string | null;
  messagesCallbackType?: string | null;
  messagesCallbackValue?: string | null;
  voiceCallbackType?: string | null;
  voiceCallbackValue?: string | null;
  /** Not in the spec's `ownednumber`; read when present. */
  voiceStatusCallback?: string | null;
  /** Not in the spec's `ownednumber`; read when present (newer API versions return it). */
  app_id?: string | null;
}

export interface VonageOwnedNumbersPage {
  count?: number;
  numbers?: VonageOwnedNumber[] | null;
}

/** The `response` / `unauthorized` / `response420` schemas. */
export interface VonageResponse {
  'error-code'?: string | number;
  'error-code-label'?: string;
}

/** Vonage prices numbers in the account currency; the spec documents Euros, so EUR is assumed. */
export const VONAGE_PRICE_CURRENCY = 'EUR';

export const vonageTypeByNumberType: Partial<Record<NumberType, VonageNumberType>> = {
  local: 'landline',
  mobile: 'mobile-lvn',
  toll_free: 'landline-toll-free',
};

export function mapVonageType(value: unknown): NumberType | undefined {
  switch (typeof value === 'string' ? value.toLowerCase() : undefined) {
    case 'landline':
      return 'local';
    case 'mobile-lvn':
    case 'mobile':
      return 'mobile';
    case 'landline-toll-free':
    case 'toll-free':
      return 'toll_free';
    default:
      return undefined;
  }
}

function invalid(message: string): ProviderError {
  return new ProviderError('vonage', message, { retryable: false, kind: 'invalid_request' });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers and ids

/** E.164 ("+447700900000") → Vonage msisdn ("447700900000"); undefined when it is not +digits. */
export function toMsisdn(e164: string): string | undefined {
  const m = /^\+?(\d{6,15})$/.exec(e164.trim());
  return m ? m[1] : undefined;
}

/** Vonage msisdn → E.164 (libphonenumber normalizes when it can; never throws). */
export function msisdnToE164(msisdn: string): string {
  return normalizePhone(`+${msisdn.replace(/^\+/, '')}`);
}

/**
 * ISO country of an E.164 number, by numbering plan; for a number libphonenumber does not
 * know as valid (e.g. the spec's 447700900000, an Ofcom drama number), the main country of
 * its calling code (GB for +44, US for +1).
 */
export function countryOfPhone(phone: string): string | undefined {
  try {
    const parsed = phoneLib().parsePhoneNumberFromString(phone);
    return parsed?.country ?? parsed?.getPossibleCountries()[0];
  } catch {
    return undefined;
  }
}

/**
 * Vonage numbers have no id of their own: an owned number is addressed by country + msisdn
 * on every call. Our providerNumberId is `<ISO country>:<msisdn>`, e.g. `GB:447700900000`.
 */
export function vonageNumberId(country: string, msisdn: string): string {
  return `${country.toUpperCase()}:${msisdn}`;
}

export function parseVonageNumberId(id: string): { country: string; msisdn: string } {
  const m = /^([A-Za-z]{2}):(\d{6,15})$/.exec(id);
  if (!m) throw invalid("Vonage providerNumberId must look like '<ISO country>:<msisdn>', e.g. 'GB:447700900000'");
  return { country: (m[1] as string).toUpperCase(), msisdn: m[2] as string };
}

// ---------------------------------------------------------------------------------------------
// Features

const FEATURE_KEYS: Record<string, keyof Capabilities> = { VOICE: 'voice', SMS: 'sms', MMS: 'mms' };

/** `features` (["VOICE","SMS"] or the documented "SMS,VOICE" form) → capabilities. Vonage has no fax. */
export function mapFeatures(raw: unknown): Capabilities {
  const out: Capabilities = { voice: false, sms: false, mms: false, fax: false };
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  for (const f of list) {
    const key = typeof f === 'string' ? FEATURE_KEYS[f.trim().toUpperCase()] : undefined;
    if (key) out[key] = true;
  }
  return out;
}

/**
 * Wanted capabilities → the `features` query value. The spec's enum only admits these
 * orders: SMS, VOICE, SMS,VOICE, MMS, SMS,MMS, VOICE,MMS, SMS,MMS,VOICE.
 */
export function featuresParam(caps: SearchCriteria['capabilities']): string | undefined {
  if (!caps) return undefined;
  if (caps.fax) throw invalid('Vonage numbers have no fax capability: remove fax from the capabilities filter');
  const { sms, voice, mms } = caps;
  if (sms && mms && voice) return 'SMS,MMS,VOICE';
  const parts = [sms ? 'SMS' : '', voice ? 'VOICE' : '', mms ? 'MMS' : ''].filter(Boolean);
  return parts.length ? parts.join(',') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Search patterns

export const SEARCH_PATTERN = { startsWith: 0, contains: 1, endsWith: 2 } as const;

export interface VonagePatternQuery {
  pattern?: string;
  search_pattern?: 0 | 1 | 2;
  /**
   * Applied to each result's msisdn after the call when the criteria cannot be expressed
   * exactly (a `*` wildcard in `contains`: Vonage documents no wildcard syntax).
   */
  clientFilter?: RegExp;
}

/**
 * Turns areaCode / startsWith / contains / endsWith into Vonage's single pattern.
 *
 * - Only ONE of them per search: Vonage takes one `pattern` with one `search_pattern`.
 * - startsWith / areaCode: search_pattern=0 matches the START OF THE E.164 msisdn (the spec:
 *   "the starting pattern includes the country code"), so the country calling code is
 *   prepended: US areaCode 415 → pattern 1415; GB startsWith 20 → 4420.
 * - contains → search_pattern=1, endsWith → search_pattern=2.
 * - `*` (any one digit) in contains: the longest literal digit run is sent as the pattern
 *   and the full pattern is applied client-side to the msisdn.
 */
export function patternQuery(criteria: Pick<SearchCriteria, 'country' | 'areaCode' | 'contains' | 'startsWith' | 'endsWith'>): VonagePatternQuery {
  const given = (['areaCode', 'startsWith', 'contains', 'endsWith'] as const).filter((k) => criteria[k] !== undefined && criteria[k] !== '');
  if (given.length === 0) return {};
  if (given.length > 1) {
    throw invalid(`Vonage search takes one number pattern per search; got ${given.join(' + ')}: use only one of areaCode, startsWith, contains, endsWith`);
  }
  const which = given[0] as (typeof given)[number];
  const value = criteria[which] as string;
  if (which === 'contains') {
    if (!/^[0-9*]+$/.test(value)) throw invalid('contains must be digits and *');
    if (!value.includes('*')) return { pattern: value, search_pattern: SEARCH_PATTERN.contains };
    const literal = value.split('*').reduce((best, run) => (run.length > best.length ? run : best), '');
    const clientFilter = new RegExp(value.replace(/\*/g, '\\d'));
    return literal ? { pattern: literal, search_pattern: SEARCH_PATTERN.contains, clientFilter } : { clientFilter };
  }
  if (!/^\d{1,15}$/.test(value)) throw invalid(`${which} must be digits`);
  if (which === 'endsWith') return { pattern: value, search_pattern: SEARCH_PATTERN.endsWith };
  let callingCode: string;
  try {
    callingCode = phoneLib().getCountryCallingCode(criteria.country.toUpperCase() as CountryCode);
  } catch {
    throw invalid(`Unknown country '${criteria.country}'`);
  }
  return { pattern: `${callingCode}${value}`, search_pattern: SEARCH_PATTERN.startsWith };
}

// ---------------------------------------------------------------------------------------------
// Numbers

function money(cost: unknown): AvailableNumber['monthlyCost'] {
  const amount = typeof cost === 'number' ? String(cost) : str(cost);
  return amount !== undefined && /^\d+(\.\d+)?$/.test(amount.trim()) ? { amount: amount.trim(), currency: VONAGE_PRICE_CURRENCY } : undefined;
}

/** One search result; undefined when it carries no msisdn. */
export function mapAvailableNumber(raw: VonageAvailableNumber, requestedType: NumberType): AvailableNumber | undefined {
  const msisdn = str(raw.msisdn)?.replace(/^\+/, '');
  if (!msisdn) return undefined;
  const phoneNumber = msisdnToE164(msisdn);
  const country = str(raw.country)?.toUpperCase() ?? countryOfPhone(phoneNumber) ?? '';
  const out: AvailableNumber = {
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber),
    provider: 'vonage',
    country,
    type: mapVonageType(raw.type) ?? requestedType,
    capabilities: mapFeatures(raw.features),
  };
  const monthlyCost = money(raw.cost);
  if (monthlyCost) out.monthlyCost = monthlyCost;
  return out;
}

export function mapAvailableNumbers(body: unknown, requestedType: NumberType): AvailableNumber[] {
  const list = (body as VonageAvailableNumbersPage | undefined)?.numbers;
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw) => {
    const mapped = raw && typeof raw === 'object' ? mapAvailableNumber(raw, requestedType) : undefined;
    return mapped ? [mapped] : [];
  });
}

/** The Application an owned number is linked to, wherever this API version reports it. */
export function applicationIdOf(raw: VonageOwnedNumber): string | undefined {
  return (
    str(raw.app_id) ??
    (raw.messagesCallbackType === 'app' ? str(raw.messagesCallbackValue) : undefined) ??
    (raw.voiceCallbackType === 'app' ? str(raw.voiceCallbackValue) : undefined)
  );
}

/**
 * Maps an owned number. Throws a ProviderError (not retryable) without an msisdn: there is
 * nothing we could hand back. The country falls back to the numbering plan.
 */
export function mapOwnedNumber(raw: unknown): ProviderNumber {
  const r = (raw && typeof raw === 'object' ? raw : {}) as VonageOwnedNumber;
  const msisdn = str(r.msisdn)?.replace(/^\+/, '');
  if (!msisdn || !/^\d+$/.test(msisdn)) {
    throw new ProviderError('vonage', 'Vonage returned an owned number without an msisdn', { retryable: false });
  }
  const phoneNumber = msisdnToE164(msisdn);
  const country = str(r.country)?.toUpperCase() ?? countryOfPhone(phoneNumber);
  const out: ProviderNumber = {
    providerNumberId: country ? vonageNumberId(country, msisdn) : `ZZ:${msisdn}`,
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber),
    provider: 'vonage',
    capabilities: mapFeatures(r.features),
  };
  const type = mapVonageType(r.type);
  const smsUrl = str(r.moHttpUrl);
  const statusCallbackUrl = str(r.voiceStatusCallback);
  if (country) out.country = country;
  if (type) out.type = type;
  if (smsUrl) out.smsUrl = smsUrl;
  if (statusCallbackUrl) out.statusCallbackUrl = statusCallbackUrl;
  const applicationId = applicationIdOf(r);
  if (applicationId) out.applicationId = applicationId;
  return out;
}

/** The owned numbers of a page; elements without msisdn are skipped rather than failing the page. */
export function ownedNumbersOf(body: unknown): VonageOwnedNumber[] {
  const list = (body as VonageOwnedNumbersPage | undefined)?.numbers;
  return Array.isArray(list) ? list.filter((n): n is VonageOwnedNumber => !!n && typeof n === 'object') : [];
}

export function mapOwnedNumbers(body: unknown): ProviderNumber[] {
  return ownedNumbersOf(body).flatMap((n) => {
    try {
      return [mapOwnedNumber(n)];
    } catch {
      return [];
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Paging of GET /account/numbers (index is 1-based, size ≤ 100)

export const DEFAULT_OWNED_PAGE_SIZE = 10; // the spec's default
export const MAX_PAGE_SIZE = 100;

/** Our opaque token: base64url JSON {i: index, s: size} (the size keeps index arithmetic right). */
export function encodePageToken(index: number, size: number): string {
  return Buffer.from(JSON.stringify({ i: index, s: size }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string): { index: number; size: number } {
  try {
    const d = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { i?: unknown; s?: unknown };
    if (Number.isInteger(d.i) && Number.isInteger(d.s) && (d.i as number) >= 1 && (d.s as number) >= 1 && (d.s as number) <= MAX_PAGE_SIZE) {
      return { index: d.i as number, size: d.s as number };
    }
  } catch {
    // fall through
  }
  throw invalid('pageToken is not a Vonage page token issued by list()');
}

export function mapOwnedPage(body: unknown, index: number, size: number): { numbers: ProviderNumber[]; nextPageToken?: string } {
  const numbers = mapOwnedNumbers(body);
  const count = (body as VonageOwnedNumbersPage | undefined)?.count;
  const more = typeof count === 'number' && count > index * size && ownedNumbersOf(body).length > 0;
  return more ? { numbers, nextPageToken: encodePageToken(index + 1, size) } : { numbers };
}

// ---------------------------------------------------------------------------------------------
// Errors

type Kind = NonNullable<ProviderError['info']['kind']>;

/** Removes credentials (the api_key / api_secret query values) from provider text. */
/** Vonage puts its credentials in query strings: those parameters go too. */
export const scrub = (text: string, secrets: readonly string[]): string =>
  scrubSecrets(text.replace(/(api_(?:key|secret)=)[^&\s"']*/gi, '$1***'), secrets);

function labelOf(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const b = body as VonageResponse & { title?: unknown; detail?: unknown };
    if (typeof b['error-code-label'] === 'string' && b['error-code-label']) return b['error-code-label'];
    if (typeof b.title === 'string' && b.title) return `${b.title}${typeof b.detail === 'string' ? `: ${b.detail}` : ''}`; // RFC 7807 (a mock's 422)
    // Field errors such as {"country": "Is required."}
    const fields = Object.entries(body as Record<string, unknown>).filter(([, v]) => typeof v === 'string');
    if (fields.length) return fields.map(([k, v]) => `${k}: ${v as string}`).join('; ');
    return undefined;
  }
  return typeof body === 'string' && body.trim() ? body.trim() : undefined;
}

function codeOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const c = (body as VonageResponse)['error-code'];
  return c !== undefined && c !== null && String(c) !== '' ? String(c) : undefined;
}

/** The operation a failure happened in: decides what a generic 420 "method failed" means. */
export type VonageOperation = 'search' | 'purchase' | 'update' | 'release' | 'list';

/**
 * What a Vonage failure means. Codes are HTTP-like strings ("401", "420", "429", "500").
 * A 420 ("method failed") is Vonage's catch-all for a refused action: on purchase it is
 * the number being unavailable (taken, or not stocked) unless the label says otherwise.
 */
export function kindOf(status: number, code: string | undefined, label: string | undefined, operation?: VonageOperation): Kind | undefined {
  const text = (label ?? '').toLowerCase();
  const effective = code && /^\d{3}$/.test(code) ? Number(code) : status;
  if (effective === 401 || effective === 403 || status === 401 || status === 403) return 'auth';
  if (effective === 429 || status === 429 || /too many requests|throttl|rate limit/.test(text)) return 'rate_limited';
  if (/insufficient (balance|funds|credit)|not enough (balance|credit|funds)|low balance|out of credit|top.?up/.test(text)) return 'insufficient_funds';
  if (effective >= 500 || status >= 500) return 'unavailable';
  if (effective === 420) {
    // "Numbers from this country can be requested from the Dashboard (...) require a valid local address"
    if (/dashboard|address|document|regulat|not permitted|not allowed/.test(text)) return 'invalid_request';
    if (operation === 'purchase' || /not available|no longer available|already (own|bought|taken)|unavailable/.test(text)) return 'not_available';
    if ((operation === 'release' || operation === 'update') && /not (found|owned)|don't own|do not own/.test(text)) return 'not_found';
    return 'invalid_request';
  }
  if (effective === 404 || status === 404) return 'not_found';
  if (effective >= 400 || status >= 400) return 'invalid_request';
  return undefined;
}

/**
 * A Vonage error response (non-2xx, or a 2xx whose body `error-code` is not "200") →
 * ProviderError. For non-2xx the HTTP client re-derives retryable / ambiguous from the
 * status; this decides code, kind and a credential-free message.
 */
export function mapVonageError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
  secrets: readonly string[] = [],
  operation?: VonageOperation,
): ProviderError {
  const code = codeOf(body);
  const label = labelOf(body);
  const kind = kindOf(status, code, label, operation);
  const message = `Vonage ${code ? `error ${code}` : `HTTP ${status}`}: ${scrub(label ?? `HTTP ${status}`, secrets)}`;
  const effective = code && /^\d{3}$/.test(code) ? Number(code) : status;
  return providerErrorFrom('vonage', status, headers, { message, code, kind, retryable: kind === 'rate_limited' || effective >= 500 || status >= 500 });
}

/** The `error-code` of a 2xx answer: "200" is success; undefined when the body has none. */
export function responseCode(body: unknown): string | undefined {
  return codeOf(body);
}
