/**
 * Twilio 2010 API payloads → normalized provider shapes. Defensive on purpose: the
 * real API and the spec's own examples disagree on details (capability key case,
 * latitude as a decimal string), and a mapping must never crash on a response
 * that reached us after the provider already acted.
 */
import { countryOf, nationalFormatOr, normalizePhone } from '../../domain/phone.js';
import { providerErrorFrom } from '../http.js';
import { ProviderError, type AvailableNumber, type Capabilities, type NumberType, type ProviderNumber } from '../types.js';
import { scrubSecrets } from '../../log.js';

export type TwilioSearchPath = 'Local' | 'TollFree' | 'Mobile';

/** One element of `available_phone_numbers` (all fields nullable in the spec). */
export interface TwilioAvailableNumber {
  friendly_name?: string | null;
  phone_number?: string | null;
  lata?: string | null;
  locality?: string | null;
  rate_center?: string | null;
  latitude?: number | string | null;
  longitude?: number | string | null;
  region?: string | null;
  postal_code?: string | null;
  iso_country?: string | null;
  address_requirements?: string | null;
  beta?: boolean | null;
  capabilities?: Record<string, unknown> | null;
}

export interface TwilioAvailableNumbersPage {
  available_phone_numbers?: TwilioAvailableNumber[] | null;
  uri?: string;
}

/** An IncomingPhoneNumber resource (fields we read). */
export interface TwilioIncomingNumber {
  sid?: string | null;
  account_sid?: string | null;
  phone_number?: string | null;
  friendly_name?: string | null;
  capabilities?: Record<string, unknown> | null;
  sms_url?: string | null;
  voice_url?: string | null;
  status_callback?: string | null;
  address_requirements?: string | null;
  type?: string | null;
  status?: string | null;
  origin?: string | null;
}

export interface TwilioIncomingNumbersPage {
  incoming_phone_numbers?: TwilioIncomingNumber[] | null;
  next_page_uri?: string | null;
  page?: number;
  page_size?: number;
}

/** Twilio's error body (twilio-node RestException). */
export interface TwilioErrorBody {
  code?: number | string;
  message?: string;
  more_info?: string;
  status?: number;
  details?: unknown;
}

export const searchPathByType: Partial<Record<NumberType, TwilioSearchPath>> = {
  local: 'Local',
  toll_free: 'TollFree',
  mobile: 'Mobile',
};

/** Reads Twilio capabilities whatever the key case (`SMS`/`MMS` in searches, `sms`/`mms` in owned numbers). */
export function mapCapabilities(raw: Record<string, unknown> | null | undefined): Capabilities {
  const out: Capabilities = { voice: false, sms: false, mms: false, fax: false };
  if (!raw || typeof raw !== 'object') return out;
  for (const [key, value] of Object.entries(raw)) {
    const k = key.toLowerCase();
    if (k === 'voice' || k === 'sms' || k === 'mms' || k === 'fax') out[k] = value === true || value === 'true';
  }
  return out;
}

// Shared with the other mappers (shared/domain/phone.ts); exported here as before.
export { nationalFormatOr, normalizePhone };

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const ADDRESS_REQUIREMENTS = ['none', 'any', 'local', 'foreign'] as const;
function addressRequirements(value: unknown): AvailableNumber['addressRequirements'] {
  return ADDRESS_REQUIREMENTS.find((v) => v === value);
}

/** Maps one search result; undefined when it carries no phone number at all. */
export function mapAvailableNumber(raw: TwilioAvailableNumber, type: NumberType): AvailableNumber | undefined {
  const rawPhone = str(raw.phone_number);
  if (!rawPhone) return undefined;
  const phoneNumber = normalizePhone(rawPhone);
  const country = str(raw.iso_country)?.toUpperCase() ?? countryOf(phoneNumber);
  const out: AvailableNumber = {
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber, raw.friendly_name),
    provider: 'twilio',
    country: country ?? '',
    type,
    capabilities: mapCapabilities(raw.capabilities),
  };
  const locality = str(raw.locality);
  const region = str(raw.region);
  const postalCode = str(raw.postal_code);
  const rateCenter = str(raw.rate_center);
  const lata = str(raw.lata);
  const latitude = toNumber(raw.latitude);
  const longitude = toNumber(raw.longitude);
  const address = addressRequirements(raw.address_requirements);
  if (locality !== undefined) out.locality = locality;
  if (region !== undefined) out.region = region;
  if (postalCode !== undefined) out.postalCode = postalCode;
  if (rateCenter !== undefined) out.rateCenter = rateCenter;
  if (lata !== undefined) out.lata = lata;
  if (latitude !== undefined) out.latitude = latitude;
  if (longitude !== undefined) out.longitude = longitude;
  if (address !== undefined) out.addressRequirements = address;
  return out;
}

export function mapAvailableNumbers(page: unknown, type: NumberType): AvailableNumber[] {
  const list = (page as TwilioAvailableNumbersPage | undefined)?.available_phone_numbers;
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw) => {
    const mapped = raw && typeof raw === 'object' ? mapAvailableNumber(raw, type) : undefined;
    return mapped ? [mapped] : [];
  });
}

/** Twilio's IncomingPhoneNumber `type` ("local", "mobile", "tollfree"/"toll-free", "national"). */
export function mapIncomingType(value: unknown): NumberType | undefined {
  if (typeof value !== 'string') return undefined;
  switch (value.toLowerCase().replace(/[^a-z]/g, '')) {
    case 'local':
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

/**
 * Maps an owned number. Throws a ProviderError (not retryable) when the resource has
 * no SID or phone number: there is nothing we could hand back to the caller.
 */
export function mapIncomingNumber(raw: unknown): ProviderNumber {
  const r = (raw && typeof raw === 'object' ? raw : {}) as TwilioIncomingNumber;
  const sid = str(r.sid);
  const rawPhone = str(r.phone_number);
  if (!sid || !rawPhone) {
    throw new ProviderError('twilio', 'Twilio returned a phone number resource without sid or phone_number', { retryable: false });
  }
  const phoneNumber = normalizePhone(rawPhone);
  const out: ProviderNumber = {
    providerNumberId: sid,
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber, r.friendly_name),
    provider: 'twilio',
    capabilities: mapCapabilities(r.capabilities),
  };
  const country = countryOf(phoneNumber);
  const type = mapIncomingType(r.type);
  const label = str(r.friendly_name);
  const smsUrl = str(r.sms_url);
  const voiceUrl = str(r.voice_url);
  const statusCallbackUrl = str(r.status_callback);
  if (country !== undefined) out.country = country;
  if (type !== undefined) out.type = type;
  if (label !== undefined) out.label = label;
  if (smsUrl !== undefined) out.smsUrl = smsUrl;
  if (voiceUrl !== undefined) out.voiceUrl = voiceUrl;
  if (statusCallbackUrl !== undefined) out.statusCallbackUrl = statusCallbackUrl;
  return out;
}

/**
 * Our opaque page token carries Twilio's Page and PageToken from next_page_uri
 * (Twilio builds next pages from both). A bare Twilio PageToken is accepted too.
 */
export function pageTokenFromNextPageUri(nextPageUri: string | null | undefined): string | undefined {
  if (!nextPageUri) return undefined;
  const query = nextPageUri.includes('?') ? nextPageUri.slice(nextPageUri.indexOf('?') + 1) : '';
  const params = new URLSearchParams(query);
  const t = params.get('PageToken');
  if (!t) return undefined;
  const p = params.get('Page');
  return Buffer.from(JSON.stringify(p !== null && /^\d+$/.test(p) ? { p: Number(p), t } : { t }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string): { Page?: number; PageToken: string } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: unknown; t?: unknown };
    if (decoded && typeof decoded.t === 'string') {
      return typeof decoded.p === 'number' ? { Page: decoded.p, PageToken: decoded.t } : { PageToken: decoded.t };
    }
  } catch {
    // not one of ours: a raw Twilio PageToken
  }
  return { PageToken: token };
}

export function mapOwnedPage(body: unknown): { numbers: ProviderNumber[]; nextPageToken?: string } {
  const page = (body && typeof body === 'object' ? body : {}) as TwilioIncomingNumbersPage;
  const list = Array.isArray(page.incoming_phone_numbers) ? page.incoming_phone_numbers : [];
  // An element without sid/phone_number cannot be represented: skip it rather than fail the page.
  const numbers = list.flatMap((n) => {
    try {
      return [mapIncomingNumber(n)];
    } catch {
      return [];
    }
  });
  const nextPageToken = pageTokenFromNextPageUri(page.next_page_uri);
  return nextPageToken ? { numbers, nextPageToken } : { numbers };
}

type Kind = NonNullable<ProviderError['info']['kind']>;

const KIND_BY_CODE: Record<string, Kind> = {
  '21422': 'not_available', // PhoneNumber is not available (someone else bought it)
  '21452': 'not_available', // No phone numbers found in area code
  '21421': 'invalid_request', // PhoneNumber is invalid
  '20003': 'auth', // Authentication failed (HTTP 401)
  '20404': 'not_found', // The requested resource was not found
  '20429': 'rate_limited', // Too Many Requests
};

/** Removes anything credential-like from provider text before it goes into an Error. */
const scrub = scrubSecrets;

/**
 * Non-2xx Twilio response → ProviderError. The HTTP client re-derives retryable /
 * ambiguous from the status and the call's idempotency; this decides code, kind, message.
 */
export function mapTwilioError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
  secrets: readonly string[] = [],
): ProviderError {
  const b = (body && typeof body === 'object' ? body : {}) as TwilioErrorBody & { title?: unknown; detail?: unknown };
  const code = b.code !== undefined && b.code !== null && String(b.code) !== '' ? String(b.code) : undefined;
  let kind: Kind | undefined = code ? KIND_BY_CODE[code] : undefined;
  if (!kind) {
    if (status === 429) kind = 'rate_limited';
    else if (status === 401 || status === 403) kind = 'auth';
    else if (status === 404) kind = 'not_found';
    else if (status >= 500) kind = 'unavailable';
    else if (status >= 400) kind = 'invalid_request';
  }
  const rawMessage =
    typeof b.message === 'string' && b.message
      ? b.message
      : typeof b.title === 'string' && b.title // non-Twilio problem+json (e.g. a mock's 422)
        ? `${b.title}${typeof b.detail === 'string' ? `: ${b.detail}` : ''}`
        : typeof body === 'string' && body.trim()
          ? body.trim()
          : `HTTP ${status}`;
  const message = `Twilio ${code ? `error ${code}` : `HTTP ${status}`}: ${scrub(rawMessage, secrets)}`;
  return providerErrorFrom('twilio', status, headers, { message, code, kind });
}
