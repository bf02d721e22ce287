/**
 * Plivo v1 API payloads → normalized provider shapes, and back (numbers, search
 * criteria, page tokens, errors). Shapes: ../../../../shared/contracts/plivo/README.md
 * (no OpenAPI exists; the README transcribes the official SDKs and their fixtures).
 *
 * Defensive on purpose: a mapping must never crash on a response that reached us
 * after Plivo already acted (a purchase, an update).
 */
import { countryOf, nationalFormatOr, normalizePhone, phoneLib } from '../../domain/phone.js';
import { providerErrorFrom } from '../http.js';
import {
  ProviderError,
  type AvailableNumber,
  type Capabilities,
  type NumberType,
  type ProviderNumber,
  type SearchCriteria,
} from '../types.js';
import { scrubSecrets } from '../../log.js';

// ---------------------------------------------------------------------------------------------
// Payload shapes (README: "Search inventory", "List owned numbers", "Buy", "Errors")

export interface PlivoMeta {
  limit?: number | null;
  next?: string | null;
  offset?: number | null;
  previous?: string | null;
  total_count?: number | null;
}

/** One element of `objects` in GET PhoneNumber/ (README line 12). */
export interface PlivoSearchObject {
  number?: string | null;
  prefix?: string | null;
  city?: string | null;
  country?: string | null;
  region?: string | null;
  rate_center?: string | null;
  lata?: number | string | null;
  type?: string | null;
  sub_type?: string | null;
  setup_rate?: string | null;
  monthly_rental_rate?: string | null;
  sms_enabled?: boolean | null;
  sms_rate?: string | null;
  voice_enabled?: boolean | null;
  voice_rate?: string | null;
  mms_enabled?: boolean | null;
  mms_rate?: string | null;
  restriction?: string | null;
  restriction_text?: string | null;
  resource_uri?: string | null;
}

export interface PlivoSearchPage {
  api_id?: string;
  meta?: PlivoMeta | null;
  objects?: PlivoSearchObject[] | null;
}

/** An account phone number: GET Number/{number}/ and the elements of GET Number/ (README line 16). */
export interface PlivoOwnedNumber {
  number?: string | null;
  alias?: string | null;
  application?: string | null;
  carrier?: string | null;
  number_type?: string | null;
  region?: string | null;
  city?: string | null;
  country?: string | null;
  sub_account?: string | null;
  added_on?: string | null;
  renewal_date?: string | null;
  active?: boolean | null;
  sms_enabled?: boolean | null;
  voice_enabled?: boolean | null;
  mms_enabled?: boolean | null;
  monthly_rental_rate?: string | null;
  resource_uri?: string | null;
}

export interface PlivoOwnedPage {
  api_id?: string;
  meta?: PlivoMeta | null;
  objects?: PlivoOwnedNumber[] | null;
}

/** POST PhoneNumber/{number}/ answer (README line 14; plivo-python fixture phoneNumberCreateResponse.json). */
export interface PlivoBuyResponse {
  api_id?: string;
  message?: string;
  status?: string;
  numbers?: Array<{ number?: string; status?: string }> | null;
}

/** README line 20: `{api_id, error:"<text>"}`. */
export interface PlivoErrorBody {
  api_id?: string;
  error?: unknown;
  message?: unknown;
}

/** Values of the search `type` parameter (our NumberType → Plivo). */
export type PlivoSearchType = 'local' | 'tollfree' | 'mobile' | 'national';

export const plivoTypeByNumberType: Record<NumberType, PlivoSearchType> = {
  local: 'local',
  toll_free: 'tollfree',
  mobile: 'mobile',
  national: 'national',
};

// ---------------------------------------------------------------------------------------------
// Small helpers

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Plivo's form of a number in paths and bodies: E.164 digits without the '+'
 * ("14155550123"). Accepts E.164 or Plivo's own form; undefined when neither.
 */
export function toPlivoNumber(phone: string): string | undefined {
  if (typeof phone !== 'string') return undefined;
  const digits = phone.trim().replace(/^\+/, '');
  return /^[1-9]\d{5,14}$/.test(digits) ? digits : undefined;
}

/** Plivo number ("14155550123", with or without '+') → E.164; never throws. */
export function fromPlivoNumber(raw: string): string {
  const trimmed = raw.trim();
  return normalizePhone(trimmed.startsWith('+') ? trimmed : `+${trimmed.replace(/\D/g, '')}`);
}

/** National format ("(415) 555-0142", "020 7946 0123") when the number parses, else the E.164. */
export function nationalFormat(e164: string): string {
  return nationalFormatOr(e164);
}

/** The national significant number (digits after the country calling code); undefined when unparseable. */
export function nationalNumberOf(e164: string): string | undefined {
  try {
    return phoneLib().parsePhoneNumberFromString(e164)?.nationalNumber;
  } catch {
    return undefined;
  }
}

/** `sms_enabled` / `voice_enabled` / `mms_enabled` → Capabilities (Plivo numbers have no fax). */
export function mapCapabilities(raw: { sms_enabled?: unknown; voice_enabled?: unknown; mms_enabled?: unknown } | null | undefined): Capabilities {
  const yes = (v: unknown) => v === true || v === 'true';
  return { voice: yes(raw?.voice_enabled), sms: yes(raw?.sms_enabled), mms: yes(raw?.mms_enabled), fax: false };
}

function money(rate: unknown): { amount: string; currency: string } | undefined {
  const amount = typeof rate === 'number' && Number.isFinite(rate) ? String(rate) : str(rate);
  if (amount === undefined || !/^\d+(\.\d+)?$/.test(amount)) return undefined;
  // Plivo documents every rate in USD ("Monthly rental fee in USD").
  return { amount, currency: 'USD' };
}

// ---------------------------------------------------------------------------------------------
// Search

/** Country of a search result: the number's own (Plivo's `country` is a name, "UNITED STATES"). */
function isoCountry(e164: string, raw: unknown, fallback: string): string {
  const fromNumber = countryOf(e164);
  if (fromNumber) return fromNumber;
  const given = str(raw);
  if (given && /^[A-Za-z]{2}$/.test(given)) return given.toUpperCase();
  return fallback.toUpperCase();
}

/** Maps one search result; undefined when it carries no number. */
export function mapSearchObject(raw: PlivoSearchObject, type: NumberType, fallbackCountry: string): AvailableNumber | undefined {
  const number = str(raw.number);
  if (!number) return undefined;
  const phoneNumber = fromPlivoNumber(number);
  const out: AvailableNumber = {
    phoneNumber,
    friendlyName: nationalFormat(phoneNumber),
    provider: 'plivo',
    country: isoCountry(phoneNumber, raw.country, fallbackCountry),
    type,
    capabilities: mapCapabilities(raw),
  };
  const locality = str(raw.city);
  const region = str(raw.region);
  const rateCenter = str(raw.rate_center);
  const lata = typeof raw.lata === 'number' && Number.isFinite(raw.lata) ? String(raw.lata) : str(raw.lata);
  const monthlyCost = money(raw.monthly_rental_rate);
  if (locality !== undefined) out.locality = locality;
  if (region !== undefined) out.region = region;
  if (rateCenter !== undefined) out.rateCenter = rateCenter;
  if (lata !== undefined) out.lata = lata;
  if (monthlyCost !== undefined) out.monthlyCost = monthlyCost;
  if (raw.restriction === null) out.addressRequirements = 'none';
  else if (raw.restriction === 'city-address') out.addressRequirements = 'local';
  return out;
}

export function mapSearchPage(body: unknown, type: NumberType, fallbackCountry: string): AvailableNumber[] {
  const list = isObject(body) ? (body as PlivoSearchPage).objects : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw) => {
    const mapped = isObject(raw) ? mapSearchObject(raw, type, fallbackCountry) : undefined;
    return mapped ? [mapped] : [];
  });
}

/**
 * Plivo's `pattern` for our criteria. Plivo matches `pattern` against the start of the
 * number after the country code ("a pattern of 415 and a country_iso: US will search
 * for numbers starting with 1415": plivo-ruby lib/plivo/resources/numbers.rb,
 * plivo-php src/Plivo/Resources/PhoneNumber/PhoneNumberInterface.php), i.e. the
 * national significant number. areaCode and startsWith are both prefixes of it:
 * the longer one wins when one extends the other; when they contradict no number can
 * match (`conflict`).
 */
export function searchPattern(criteria: Pick<SearchCriteria, 'areaCode' | 'startsWith'>): { pattern?: string; conflict: boolean } {
  const a = criteria.areaCode;
  const s = criteria.startsWith;
  if (!a && !s) return { conflict: false };
  if (!a) return { pattern: s, conflict: false };
  if (!s) return { pattern: a, conflict: false };
  if (s.startsWith(a)) return { pattern: s, conflict: false };
  if (a.startsWith(s)) return { pattern: a, conflict: false };
  return { conflict: true };
}

/** `services` for the requested capabilities ("voice,sms,mms" order); undefined when none. */
export function servicesParam(caps: SearchCriteria['capabilities']): string | undefined {
  if (!caps) return undefined;
  const list = (['voice', 'sms', 'mms'] as const).filter((k) => caps[k]);
  return list.length ? list.join(',') : undefined;
}

/**
 * Client-side check of what Plivo was asked to filter (a provider returning a number
 * that does not match must not reach our caller). `raw` is consulted for capabilities:
 * a flag Plivo did not send is not held against the number (the server filtered on it).
 */
export function matchesCriteria(n: AvailableNumber, raw: PlivoSearchObject, criteria: SearchCriteria, pattern: string | undefined): boolean {
  if (pattern) {
    const nsn = nationalNumberOf(n.phoneNumber);
    if (!nsn || !nsn.startsWith(pattern)) return false;
  }
  if (criteria.country && n.country && n.country !== criteria.country.toUpperCase()) return false;
  const caps = criteria.capabilities ?? {};
  for (const key of ['voice', 'sms', 'mms'] as const) {
    if (!caps[key]) continue;
    const flag = raw[`${key}_enabled`];
    if (flag === false) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Owned numbers

/** Plivo's `number_type` of an account number → ours ("fixed" numbers are geographic: local). */
export function mapOwnedType(value: unknown): NumberType | undefined {
  if (typeof value !== 'string') return undefined;
  switch (value.toLowerCase().replace(/[^a-z]/g, '')) {
    case 'local':
    case 'fixed':
      return 'local';
    case 'tollfree':
      return 'toll_free';
    case 'mobile':
      return 'mobile';
    case 'national':
      return 'national';
    default:
      return undefined;
  }
}

/** The app id in an owned number's `application` (its resource URI, /v1/Account/{auth_id}/Application/{app_id}/, or the bare id). */
export function applicationIdOf(application: unknown): string | undefined {
  const value = str(application);
  if (!value) return undefined;
  const m = /\/Application\/([^/]+)\/?$/.exec(value);
  return m ? m[1] : value.includes('/') ? undefined : value;
}

/**
 * Maps an account number. Throws a ProviderError (not retryable) when it has no number:
 * there is nothing we could hand back. providerNumberId is Plivo's identifier, the
 * number without '+' (it is what Number/{number}/ takes).
 */
export function mapOwnedNumber(raw: unknown): ProviderNumber {
  const r = (isObject(raw) ? raw : {}) as PlivoOwnedNumber;
  const number = str(r.number);
  const plivoNumber = number ? toPlivoNumber(number) : undefined;
  if (!plivoNumber) {
    throw new ProviderError('plivo', 'Plivo returned a phone number resource without a usable number', { retryable: false });
  }
  const phoneNumber = fromPlivoNumber(plivoNumber);
  const out: ProviderNumber = {
    providerNumberId: plivoNumber,
    phoneNumber,
    friendlyName: nationalFormat(phoneNumber),
    provider: 'plivo',
    capabilities: mapCapabilities(r),
  };
  const country = countryOf(phoneNumber);
  const type = mapOwnedType(r.number_type);
  const label = typeof r.alias === 'string' && r.alias !== '' ? r.alias : undefined;
  const monthlyCost = money(r.monthly_rental_rate);
  const applicationId = applicationIdOf(r.application);
  if (country !== undefined) out.country = country;
  if (type !== undefined) out.type = type;
  if (label !== undefined) out.label = label;
  if (applicationId !== undefined) out.applicationId = applicationId;
  if (monthlyCost !== undefined) out.monthlyCost = monthlyCost;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Paging (offset based; our token is an opaque encoding of the next offset)

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), 'utf8').toString('base64url');
}

/** The offset in one of our tokens; undefined when the token is not ours. */
export function decodePageToken(token: string): number | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown };
    if (decoded && typeof decoded.o === 'number' && Number.isInteger(decoded.o) && decoded.o >= 0) return decoded.o;
  } catch {
    // not ours
  }
  return undefined;
}

/** Offset of the next page, or undefined when this one was the last. */
export function nextOffset(meta: PlivoMeta | null | undefined, offset: number, returned: number, limit: number): number | undefined {
  if (returned === 0) return undefined;
  if (meta && typeof meta === 'object' && 'next' in meta) {
    if (!meta.next) return undefined;
    const q = meta.next.includes('?') ? new URLSearchParams(meta.next.slice(meta.next.indexOf('?') + 1)) : undefined;
    const o = q?.get('offset');
    if (o && /^\d+$/.test(o) && Number(o) > offset) return Number(o);
    return offset + returned;
  }
  if (meta && typeof meta.total_count === 'number') return offset + returned < meta.total_count ? offset + returned : undefined;
  return returned >= limit ? offset + returned : undefined;
}

export function mapOwnedPage(body: unknown, offset: number, limit: number): { numbers: ProviderNumber[]; nextPageToken?: string } {
  const page = (isObject(body) ? body : {}) as PlivoOwnedPage;
  const list = Array.isArray(page.objects) ? page.objects : [];
  // An element without a number cannot be represented: skip it rather than fail the page.
  const numbers = list.flatMap((n) => {
    try {
      return [mapOwnedNumber(n)];
    } catch {
      return [];
    }
  });
  const next = nextOffset(page.meta, offset, list.length, limit);
  return next !== undefined ? { numbers, nextPageToken: encodePageToken(next) } : { numbers };
}

// ---------------------------------------------------------------------------------------------
// Buy

export type BuyOutcome = 'fulfilled' | 'pending' | 'failed' | 'unknown';

/** Reads the status of a buy answer (top-level `status`, else the number's own). */
export function buyOutcome(body: unknown, plivoNumber?: string): { outcome: BuyOutcome; status?: string; apiId?: string } {
  const b = (isObject(body) ? body : {}) as PlivoBuyResponse;
  const entry = Array.isArray(b.numbers)
    ? (b.numbers.find((n) => isObject(n) && plivoNumber !== undefined && str(n.number)?.replace(/^\+/, '') === plivoNumber) ?? b.numbers[0])
    : undefined;
  const status = str(b.status) ?? (isObject(entry) ? str(entry.status) : undefined);
  const apiId = str(b.api_id);
  const base = { ...(status !== undefined ? { status } : {}), ...(apiId !== undefined ? { apiId } : {}) };
  switch ((status ?? '').toLowerCase()) {
    case 'fulfilled':
    case 'success':
    case 'completed':
      return { outcome: 'fulfilled', ...base };
    case 'pending':
    case 'processing':
    case 'in_progress':
    case 'in-progress':
    case 'queued':
      return { outcome: 'pending', ...base };
    case 'failed':
    case 'failure':
    case 'rejected':
      return { outcome: 'failed', ...base };
    default:
      return { outcome: 'unknown', ...base };
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

type Kind = NonNullable<ProviderError['info']['kind']>;

/** Message patterns → (short code, kind). First match wins. */
const MESSAGE_CODES: Array<[RegExp, string, Kind | undefined]> = [
  [/insufficient|not enough (credit|balance|funds)|low balance|recharge|out of credit/i, 'insufficient_credit', 'insufficient_funds'],
  [/not available|unavailable for (rent|purchase)|could not be rented|cannot be rented|can't be rented|unable to rent|not rentable|already (rented|taken|owned)/i, 'number_not_available', 'not_available'],
  [/authenticat|unauthori[sz]ed|credentials|access level/i, 'authentication_failed', undefined],
  [/too many requests|rate limit|throttl/i, 'rate_limited', undefined],
  [/not found/i, 'not_found', undefined],
  [/method not allowed/i, 'method_not_allowed', undefined],
];

/** Removes anything credential-like from provider text before it goes into an Error. */
const scrub = scrubSecrets;

function errorText(body: unknown, status: number): string {
  if (isObject(body)) {
    const b = body as PlivoErrorBody;
    for (const v of [b.error, b.message]) {
      if (typeof v === 'string' && v.trim()) return v.trim();
      if (v !== undefined && v !== null && typeof v === 'object') return JSON.stringify(v); // {"field": ["problem"]}
    }
  }
  if (typeof body === 'string' && body.trim()) return body.trim();
  return `HTTP ${status}`;
}

/**
 * Non-2xx Plivo response → ProviderError. The HTTP client re-derives retryable /
 * ambiguous from the status and the call's idempotency; this decides code, kind, message.
 * providerCode is the HTTP status, plus a short code when the message tells us more
 * ("400:number_not_available").
 */
export function mapPlivoError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
  secrets: readonly string[] = [],
): ProviderError {
  const text = scrub(errorText(body, status), secrets);
  const matched = MESSAGE_CODES.find(([re]) => re.test(text));
  let kind: Kind | undefined = matched?.[2];
  if (!kind && status === 402) kind = 'insufficient_funds';
  if (!kind) {
    if (status === 429) kind = 'rate_limited';
    else if (status === 401 || status === 403) kind = 'auth';
    else if (status === 404) kind = 'not_found';
    else if (status >= 500) kind = 'unavailable';
    else if (status >= 400) kind = 'invalid_request';
  }
  const providerCode = matched ? `${status}:${matched[1]}` : String(status);
  return providerErrorFrom('plivo', status, headers, { message: `Plivo HTTP ${status}: ${text}`, code: providerCode, kind, retryable: status === 429 || status >= 500 });
}
