/**
 * Telnyx numbers: search results (AvailablePhoneNumber) with the client-side re-check of the
 * filters Telnyx sometimes ignores, and owned numbers (PhoneNumberDetailed).
 * Contract: ../shared/contracts/telnyx/spec3.yml.
 */
import type { NumberType as LibNumberType } from 'libphonenumber-js/max';
import { ProviderError, type AvailableNumber, type Capabilities, type NumberType, type OwnedPage, type ProviderNumber, type SearchCriteria } from '../types.js';
import { nationalFormatOr, normalizePhone, obj, phoneFacts, str, toInt, unwrapData, type PhoneFacts } from './map-kit.js';

// ---------------------------------------------------------------------------------------------
// Raw Telnyx shapes (fields we read; everything optional)

export interface TelnyxAvailableNumber {
  phone_number?: string | null;
  record_type?: string;
  best_effort?: boolean;
  quickship?: boolean;
  reservable?: boolean;
  vanity_format?: string | null;
  cost_information?: { currency?: string | null; monthly_cost?: string | number | null; upfront_cost?: string | number | null } | null;
  features?: Array<{ name?: string | null } | string> | null;
  region_information?: Array<{ region_name?: string | null; region_type?: string | null }> | null;
}

export interface TelnyxPhoneNumber {
  id?: string | number | null;
  record_type?: string;
  phone_number?: string | null;
  status?: string | null;
  country_iso_alpha2?: string | null;
  phone_number_type?: string | null;
  connection_id?: string | null;
  messaging_profile_id?: string | null;
  customer_reference?: string | null;
  tags?: string[] | null;
  purchased_at?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Search

const FEATURE_KEYS = ['voice', 'sms', 'mms', 'fax'] as const;

/** Telnyx features `[{name: 'sms'}, ...]` (plain strings tolerated) → capabilities. */
export function mapFeatures(features: unknown): Capabilities {
  const out: Capabilities = { voice: false, sms: false, mms: false, fax: false };
  if (!Array.isArray(features)) return out;
  for (const f of features) {
    const name = (typeof f === 'string' ? f : str(obj(f).name))?.toLowerCase();
    if (name && (FEATURE_KEYS as readonly string[]).includes(name)) out[name as keyof Capabilities] = true;
  }
  return out;
}

function moneyOf(amount: unknown, currency: unknown): AvailableNumber['monthlyCost'] {
  const a = typeof amount === 'number' && Number.isFinite(amount) ? String(amount) : str(amount);
  const c = str(currency);
  return a !== undefined && c !== undefined ? { amount: a, currency: c.toUpperCase() } : undefined;
}

/** Maps one search result; undefined when it carries no phone number at all. */
export function mapAvailableNumber(raw: TelnyxAvailableNumber, type: NumberType): AvailableNumber | undefined {
  const rawPhone = str(raw.phone_number);
  if (!rawPhone) return undefined;
  const phoneNumber = normalizePhone(rawPhone);
  const regions = Array.isArray(raw.region_information) ? raw.region_information : [];
  const regionOf = (kind: string) => regions.map((r) => obj(r)).find((r) => r.region_type === kind && str(r.region_name)) as { region_name: string } | undefined;
  const country = regionOf('country_code')?.region_name.toUpperCase() ?? phoneFacts(phoneNumber).country ?? '';
  const out: AvailableNumber = {
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber, str(raw.vanity_format)),
    provider: 'telnyx',
    country,
    type,
    capabilities: mapFeatures(raw.features),
  };
  const state = regionOf('state')?.region_name;
  const location = regionOf('location')?.region_name;
  const rateCenter = regionOf('rate_center')?.region_name;
  if (location !== undefined) out.locality = location;
  if (state !== undefined) out.region = state;
  if (rateCenter !== undefined) out.rateCenter = rateCenter;
  const cost = obj(raw.cost_information);
  const monthly = moneyOf(cost.monthly_cost, cost.currency);
  if (monthly) out.monthlyCost = monthly;
  return out;
}

export function mapAvailableNumbers(body: unknown, type: NumberType): AvailableNumber[] {
  const list = unwrapData(body);
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw) => {
    const mapped = raw && typeof raw === 'object' ? mapAvailableNumber(raw as TelnyxAvailableNumber, type) : undefined;
    return mapped ? [mapped] : [];
  });
}

/** Filters a search can be asked for (beyond country/type/limit), as SearchCriteria names them. */
export type TelnyxSearchFilter = 'country' | 'type' | 'areaCode' | 'contains' | 'startsWith' | 'endsWith' | 'capabilities' | 'region' | 'locality';

/**
 * Where a filter was satisfied:
 * - 'provider': sent to Telnyx and every result Telnyx returned honoured it;
 * - 'client': Telnyx could not be asked for it (e.g. a `*` wildcard) OR it returned results
 *   that break it (Telnyx sometimes ignores filters): those results were dropped here.
 */
export type FilterEnforcement = 'provider' | 'client';

export interface SearchEnforcement {
  numbers: AvailableNumber[];
  filtersApplied: Partial<Record<TelnyxSearchFilter, FilterEnforcement>>;
  /** How many results Telnyx returned that broke at least one filter. */
  dropped: number;
}

const normText = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** `contains` with `*` (any one digit) as a RegExp over national digits. */
export function containsPattern(contains: string): RegExp {
  return new RegExp(contains.replace(/[^0-9*]/g, '').replace(/\*/g, '\\d'));
}

/** The type libphonenumber gives contradicts the requested type (unknown / ambiguous never does). */
function contradictsType(requested: NumberType, lib: LibNumberType | undefined): boolean {
  if (!lib) return false;
  switch (requested) {
    case 'toll_free':
      return lib !== 'TOLL_FREE';
    case 'mobile':
      return lib === 'FIXED_LINE' || lib === 'TOLL_FREE';
    case 'local':
      return lib === 'MOBILE' || lib === 'TOLL_FREE';
    case 'national':
      return lib === 'TOLL_FREE';
  }
}

/**
 * Re-checks every mapped result against the criteria and drops those that break them.
 * A result that lacks the data to check a filter (e.g. no state in region_information)
 * is kept: only a provable mismatch drops it. `sentToProvider` lists the filters that
 * were passed on to Telnyx as requested.
 */
export function enforceSearchCriteria(
  numbers: AvailableNumber[],
  criteria: SearchCriteria,
  sentToProvider: ReadonlySet<TelnyxSearchFilter>,
): SearchEnforcement {
  const checks: Array<[TelnyxSearchFilter, (n: AvailableNumber, f: PhoneFacts) => boolean]> = [];
  const country = criteria.country.toUpperCase();
  checks.push(['country', (n, f) => (f.country ?? n.country) === '' || (f.country ?? n.country) === country]);
  checks.push(['type', (_n, f) => !contradictsType(criteria.type, f.libType)]);
  if (criteria.areaCode) {
    const ac = criteria.areaCode;
    checks.push(['areaCode', (_n, f) => f.nationalNumber === undefined || f.nationalNumber.startsWith(ac)]);
  }
  if (criteria.startsWith) {
    const sw = criteria.startsWith;
    checks.push(['startsWith', (_n, f) => f.nationalNumber === undefined || f.nationalNumber.startsWith(sw)]);
  }
  if (criteria.endsWith) {
    const ew = criteria.endsWith;
    checks.push(['endsWith', (_n, f) => f.nationalNumber === undefined || f.nationalNumber.endsWith(ew)]);
  }
  if (criteria.contains) {
    const re = containsPattern(criteria.contains);
    checks.push(['contains', (_n, f) => f.nationalNumber === undefined || re.test(f.nationalNumber)]);
  }
  const wanted = FEATURE_KEYS.filter((k) => criteria.capabilities?.[k]);
  if (wanted.length > 0) checks.push(['capabilities', (n) => wanted.every((k) => n.capabilities[k])]);
  if (criteria.region) {
    const r = normText(criteria.region);
    checks.push(['region', (n) => n.region === undefined || normText(n.region) === r]);
  }
  if (criteria.locality) {
    const l = normText(criteria.locality);
    checks.push([
      'locality',
      (n) => {
        const known = [n.locality, n.rateCenter].filter((v): v is string => v !== undefined).map(normText);
        return known.length === 0 || known.some((k) => k === l || k.includes(l) || l.includes(k));
      },
    ]);
  }

  const filtersApplied: SearchEnforcement['filtersApplied'] = {};
  for (const [name] of checks) filtersApplied[name] = sentToProvider.has(name) ? 'provider' : 'client';
  let dropped = 0;
  const kept = numbers.filter((n) => {
    const facts = phoneFacts(n.phoneNumber);
    let ok = true;
    for (const [name, check] of checks) {
      if (!check(n, facts)) {
        ok = false;
        filtersApplied[name] = 'client';
      }
    }
    if (!ok) dropped += 1;
    return ok;
  });
  return { numbers: kept, filtersApplied, dropped };
}

// ---------------------------------------------------------------------------------------------
// Owned numbers

/** Telnyx phone_number_type (incl. legacy tollfree / longcode / landline) → ours. */
export function mapPhoneNumberType(value: unknown): NumberType | undefined {
  switch (typeof value === 'string' ? value.toLowerCase() : '') {
    case 'local':
    case 'landline':
    case 'longcode':
      return 'local';
    case 'toll_free':
    case 'tollfree':
      return 'toll_free';
    case 'mobile':
      return 'mobile';
    case 'national':
      return 'national';
    default:
      return undefined; // shared_cost, shortcode, unknown
  }
}

/** Our label lives in one tag `label:<text>` (customer_reference is kept for our own reference). */
export const LABEL_TAG_PREFIX = 'label:';

export function labelFromTags(tags: unknown): string | undefined {
  if (!Array.isArray(tags)) return undefined;
  const tag = tags.find((t): t is string => typeof t === 'string' && t.startsWith(LABEL_TAG_PREFIX));
  return tag ? tag.slice(LABEL_TAG_PREFIX.length) || undefined : undefined;
}

/** The tag list with the label tag replaced (an empty label removes it); other tags kept in order. */
export function tagsWithLabel(tags: unknown, label: string): string[] {
  const others = Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string' && !t.startsWith(LABEL_TAG_PREFIX)) : [];
  return label === '' ? others : [...others, `${LABEL_TAG_PREFIX}${label}`];
}

/**
 * Maps a PhoneNumberDetailed. Telnyx's phone-number resource carries no features, so
 * capabilities are a placeholder (all false, capabilitiesUnknown): keep what the search result said. Throws a
 * ProviderError (not retryable) when the resource has no id or phone number.
 */
export function mapPhoneNumber(raw: unknown): ProviderNumber {
  const r = obj(raw) as TelnyxPhoneNumber;
  const id = typeof r.id === 'number' ? String(r.id) : str(r.id);
  const rawPhone = str(r.phone_number);
  if (!id || !rawPhone) {
    throw new ProviderError('telnyx', 'Telnyx returned a phone number resource without id or phone_number', { retryable: false });
  }
  const phoneNumber = normalizePhone(rawPhone);
  const out: ProviderNumber = {
    providerNumberId: id,
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber),
    provider: 'telnyx',
    capabilities: { voice: false, sms: false, mms: false, fax: false },
    capabilitiesUnknown: true,
  };
  const country = str(r.country_iso_alpha2)?.toUpperCase() ?? phoneFacts(phoneNumber).country;
  const type = mapPhoneNumberType(r.phone_number_type);
  const label = labelFromTags(r.tags);
  const connectionId = str(r.connection_id);
  const messagingProfileId = str(r.messaging_profile_id);
  if (country !== undefined) out.country = country;
  if (type !== undefined) out.type = type;
  if (label !== undefined) out.label = label;
  if (connectionId !== undefined) out.connectionId = connectionId;
  if (messagingProfileId !== undefined) out.messagingProfileId = messagingProfileId;
  return out;
}

/** Raw facts of an owned number that ProviderNumber has no place for. */
export function phoneNumberDetails(raw: unknown): {
  status?: string;
  connectionId?: string;
  messagingProfileId?: string;
  customerReference?: string;
  tags: string[];
} {
  const r = obj(raw) as TelnyxPhoneNumber;
  const out: ReturnType<typeof phoneNumberDetails> = { tags: Array.isArray(r.tags) ? r.tags.filter((t): t is string => typeof t === 'string') : [] };
  const status = str(r.status);
  const connectionId = str(r.connection_id);
  const messagingProfileId = str(r.messaging_profile_id);
  const customerReference = str(r.customer_reference);
  if (status !== undefined) out.status = status;
  if (connectionId !== undefined) out.connectionId = connectionId;
  if (messagingProfileId !== undefined) out.messagingProfileId = messagingProfileId;
  if (customerReference !== undefined) out.customerReference = customerReference;
  return out;
}

/** Page tokens are Telnyx page numbers ("2", "3", ...). */
export function decodePageToken(token: string): number {
  if (!/^[1-9]\d{0,6}$/.test(token)) {
    throw new ProviderError('telnyx', 'Telnyx page token must be a page number', { retryable: false, kind: 'invalid_request' });
  }
  return Number(token);
}

export function mapOwnedPage(body: unknown): OwnedPage {
  const b = obj(body);
  const list = Array.isArray(b.data) ? b.data : [];
  // An element without id/phone_number cannot be represented: skip it rather than fail the page.
  const numbers = list.flatMap((n) => {
    try {
      return [mapPhoneNumber(n)];
    } catch {
      return [];
    }
  });
  const meta = obj(b.meta);
  const pageNumber = toInt(meta.page_number);
  const totalPages = toInt(meta.total_pages);
  if (pageNumber !== undefined && totalPages !== undefined && pageNumber < totalPages) return { numbers, nextPageToken: String(pageNumber + 1) };
  return { numbers };
}
