/**
 * Telnyx API v2 payloads → normalized provider shapes, plus the Telnyx-only shapes
 * (number orders, regulatory requirements, requirement groups, documents).
 *
 * Defensive on purpose: every field may be missing or of the wrong type, and a mapping
 * must never crash on a response that reached us after Telnyx already acted.
 *
 * Contract: ../shared/contracts/telnyx/spec3.yml (AvailablePhoneNumber, PhoneNumberDetailed,
 * NumberOrderWithPhoneNumbers, DocReqsRequirement(Type), RequirementGroup, DocServiceDocument,
 * numbers_Errors / documents_Errors).
 */
import type { NumberType as LibNumberType } from 'libphonenumber-js/max';
import { nationalFormatOr, normalizePhone, phoneLib } from '../../domain/phone.js';
import { providerErrorFrom } from '../http.js';
import {
  ProviderError,
  type AvailableNumber,
  type Capabilities,
  type NumberType,
  type OwnedPage,
  type ProviderNumber,
  type SearchCriteria,
} from '../types.js';
import { scrubSecrets } from '../../log.js';

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

export interface TelnyxOrderPhoneNumberRaw {
  id?: string | null;
  phone_number?: string | null;
  status?: string | null;
  country_code?: string | null;
  phone_number_type?: string | null;
  requirements_met?: boolean | null;
  requirements_status?: string | null;
  /** Not in the spec: read if present (the sandbox sends it on failures). */
  status_reason?: string | null;
}

export interface TelnyxNumberOrderRaw {
  id?: string | null;
  record_type?: string;
  status?: string | null;
  phone_numbers?: TelnyxOrderPhoneNumberRaw[] | null;
  phone_numbers_count?: number | null;
  customer_reference?: string | null;
  connection_id?: string | null;
  messaging_profile_id?: string | null;
  requirements_met?: boolean | null;
  created_at?: string | null;
  updated_at?: string | null;
  /** Not in the spec (Telnyx explains failures in order comments): read if present. */
  failure_reason?: string | null;
}

/** `{errors: [{code, title, detail, source, meta}]}` (numbers_Errors / documents_Errors). */
export interface TelnyxErrorBody {
  errors?: Array<{
    code?: string | number | null;
    title?: string | null;
    detail?: string | null;
    source?: { pointer?: string; parameter?: string } | null;
    meta?: Record<string, unknown> | null;
  }> | null;
}

// ---------------------------------------------------------------------------------------------
// Normalized Telnyx-only shapes

export type TelnyxOrderStatus = 'pending' | 'success' | 'failure';

/** A number order as getOrder() and the number_order.* webhooks return it. */
export interface TelnyxOrder {
  id: string;
  status: TelnyxOrderStatus;
  phoneNumbers: Array<{
    phoneNumber: string; // E.164
    status: TelnyxOrderStatus;
    /** The number_order_phone_number id (NOT a /phone_numbers id). */
    id?: string;
    requirementsMet?: boolean;
    /** Telnyx requirements_status, e.g. requirement-info-under-review, requirement-info-exception. */
    requirementsStatus?: string;
  }>;
  /** Only for failures, when Telnyx (or the sandbox) says why. */
  failureReason?: string;
  customerReference?: string;
  requirementsMet?: boolean;
  createdAt?: string;
  updatedAt?: string;
}

export type RequirementKind = 'document' | 'textual' | 'address';
export type RequirementAction = 'ordering' | 'porting' | 'branded_calling';

export interface RequirementAcceptanceCriteria {
  minLength?: number;
  maxLength?: number;
  acceptableValues?: string[];
  acceptableCharacters?: string;
  regex?: string;
  localityLimit?: string;
  timeLimit?: string;
}

/** One thing to provide. `id` is the requirement TYPE id: what requirement groups call `requirement_id`. */
export interface TelnyxRequirement {
  id: string;
  name: string;
  kind: RequirementKind;
  description?: string;
  example?: string;
  acceptanceCriteria: RequirementAcceptanceCriteria;
}

export interface TelnyxRequirementList {
  hasRequirements: boolean;
  requirements: TelnyxRequirement[];
}

/**
 * Requirement group / value status:
 * - draft: Telnyx `unapproved` — created or edited, not (yet) submitted or approved
 * - pending: `pending-approval` — submitted, under review
 * - approved: `approved`
 * - rejected: `declined`
 * - unapproved: `expired` (was approved, no longer valid) or a status we do not know
 */
export type RequirementGroupStatus = 'draft' | 'pending' | 'approved' | 'rejected' | 'unapproved';

export interface TelnyxRequirementGroup {
  id: string;
  status: RequirementGroupStatus;
  country?: string;
  type?: string;
  action?: string;
  customerReference?: string;
  values: Array<{ requirementId: string; value?: string; kind?: string; status: RequirementGroupStatus }>;
  createdAt?: string;
  updatedAt?: string;
}

export interface TelnyxDocument {
  id: string;
  filename?: string;
  contentType?: string;
  sizeBytes?: number;
  sha256?: string;
  /** Telnyx review status: pending | verified | denied. */
  status?: string;
  customerReference?: string;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function toInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value.trim());
  return undefined;
}

/** The body's `data` member when present (Telnyx wraps most resources), else the body itself. */
export function unwrapData(body: unknown): unknown {
  const o = obj(body);
  return 'data' in o ? o.data : body;
}

// Shared with the other mappers (shared/domain/phone.ts); exported here as before.
export { nationalFormatOr, normalizePhone };

interface PhoneFacts {
  country?: string;
  nationalNumber?: string;
  libType?: LibNumberType;
}

function phoneFacts(phone: string): PhoneFacts {
  try {
    const p = phoneLib().parsePhoneNumberFromString(phone);
    if (!p) return {};
    const out: PhoneFacts = { nationalNumber: String(p.nationalNumber) };
    if (p.country) out.country = p.country;
    const t = p.getType();
    if (t) out.libType = t;
    return out;
  } catch {
    return {};
  }
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
 * capabilities are all false here (take them from the search result). Throws a
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

// ---------------------------------------------------------------------------------------------
// Number orders

export function mapOrderStatus(value: unknown): TelnyxOrderStatus {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v === 'success' || v === 'failure') return v;
  return 'pending'; // pending, or a status we do not know: not usable yet
}

const REQUIREMENT_EXCEPTION = /exception|declined|rejected|cancel/i;

/** Maps NumberOrderWithPhoneNumbers (the order resource and the number_order.* webhook payload). */
export function mapNumberOrder(raw: unknown): TelnyxOrder {
  const r = obj(raw) as TelnyxNumberOrderRaw;
  const id = str(r.id);
  if (!id) throw new ProviderError('telnyx', 'Telnyx returned a number order without id', { retryable: false });
  const phoneNumbers: TelnyxOrder['phoneNumbers'] = (Array.isArray(r.phone_numbers) ? r.phone_numbers : []).flatMap((p) => {
    const e = obj(p) as TelnyxOrderPhoneNumberRaw;
    const phone = str(e.phone_number);
    if (!phone) return [];
    const entry: TelnyxOrder['phoneNumbers'][number] = { phoneNumber: normalizePhone(phone), status: mapOrderStatus(e.status) };
    const pid = str(e.id);
    const requirementsStatus = str(e.requirements_status);
    if (pid !== undefined) entry.id = pid;
    if (typeof e.requirements_met === 'boolean') entry.requirementsMet = e.requirements_met;
    if (requirementsStatus !== undefined) entry.requirementsStatus = requirementsStatus;
    return [entry];
  });
  let status = mapOrderStatus(r.status);
  if (status === 'pending' && phoneNumbers.length > 0 && phoneNumbers.every((p) => p.status === 'failure')) status = 'failure';
  const order: TelnyxOrder = { id, status, phoneNumbers };
  const customerReference = str(r.customer_reference);
  const createdAt = str(r.created_at);
  const updatedAt = str(r.updated_at);
  if (customerReference !== undefined) order.customerReference = customerReference;
  if (typeof r.requirements_met === 'boolean') order.requirementsMet = r.requirements_met;
  if (createdAt !== undefined) order.createdAt = createdAt;
  if (updatedAt !== undefined) order.updatedAt = updatedAt;
  if (status === 'failure' || phoneNumbers.some((p) => p.status === 'failure')) {
    const reason = orderFailureReason(r);
    if (reason) order.failureReason = reason;
  }
  return order;
}

function orderFailureReason(r: TelnyxNumberOrderRaw): string | undefined {
  const explicit = str(r.failure_reason);
  if (explicit) return explicit;
  for (const p of Array.isArray(r.phone_numbers) ? r.phone_numbers : []) {
    const e = obj(p) as TelnyxOrderPhoneNumberRaw;
    const reason = str(e.status_reason);
    if (reason) return reason;
    const rs = str(e.requirements_status);
    if (rs && REQUIREMENT_EXCEPTION.test(rs)) return `Regulatory requirements not accepted (${rs})`;
  }
  return undefined;
}

/**
 * What purchase() returns for an order. providerNumberId is the E.164: the order's
 * phone-number `id` is a number_order_phone_number id, which /phone_numbers/{id} does
 * not know; get/update/release accept the E.164 and resolve the real id.
 */
export function orderToProviderNumber(order: TelnyxOrder, requestedPhone: string, orderRaw?: unknown): ProviderNumber {
  const entry = order.phoneNumbers.find((p) => p.phoneNumber === requestedPhone);
  const phoneNumber = requestedPhone;
  const rawEntry = (Array.isArray(obj(orderRaw).phone_numbers) ? (obj(orderRaw).phone_numbers as unknown[]) : [])
    .map((p) => obj(p) as TelnyxOrderPhoneNumberRaw)
    .find((p) => str(p.phone_number) && normalizePhone(p.phone_number as string) === phoneNumber);
  const status: TelnyxOrderStatus = entry?.status === 'failure' ? 'failure' : order.status;
  const out: ProviderNumber = {
    providerNumberId: phoneNumber,
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber),
    provider: 'telnyx',
    capabilities: { voice: false, sms: false, mms: false, fax: false },
    order: { id: order.id, status, ...(order.failureReason ? { failureReason: order.failureReason } : {}) },
  };
  const country = str(rawEntry?.country_code)?.toUpperCase() ?? phoneFacts(phoneNumber).country;
  const type = mapPhoneNumberType(rawEntry?.phone_number_type);
  if (country !== undefined) out.country = country;
  if (type !== undefined) out.type = type;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Requirements, requirement groups, documents

export function mapRequirementKind(value: unknown): RequirementKind {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v === 'document') return 'document';
  if (v === 'address' || v === 'address_id') return 'address';
  return 'textual'; // textual, datetime, unknown: a value typed in
}

export function mapAcceptanceCriteria(raw: unknown): RequirementAcceptanceCriteria {
  const a = obj(raw);
  const out: RequirementAcceptanceCriteria = {};
  const minLength = toInt(a.min_length);
  const maxLength = toInt(a.max_length);
  const values = Array.isArray(a.acceptable_values) ? a.acceptable_values.filter((v): v is string => typeof v === 'string') : [];
  const chars = str(a.acceptable_characters);
  const regex = str(a.regex);
  const locality = str(a.locality_limit);
  const time = str(a.time_limit);
  if (minLength !== undefined) out.minLength = minLength;
  if (maxLength !== undefined) out.maxLength = maxLength;
  if (values.length > 0) out.acceptableValues = values;
  if (chars !== undefined) out.acceptableCharacters = chars;
  if (regex !== undefined) out.regex = regex;
  if (locality !== undefined) out.localityLimit = locality;
  if (time !== undefined) out.timeLimit = time;
  return out;
}

export interface RequirementFilter {
  country: string;
  type: NumberType;
  action: RequirementAction;
}

/**
 * GET /requirements pages → the requirement types that apply. Records are re-checked
 * against the filter (country, action incl. `both`, phone_number_type absent = all types);
 * requirement types are de-duplicated by id.
 */
export function mapRequirements(bodies: unknown[], filter: RequirementFilter): TelnyxRequirementList {
  const seen = new Map<string, TelnyxRequirement>();
  for (const body of bodies) {
    const list = unwrapData(body);
    if (!Array.isArray(list)) continue;
    for (const rec of list.map(obj)) {
      const cc = str(rec.country_code)?.toUpperCase();
      if (cc !== undefined && cc !== filter.country.toUpperCase()) continue;
      const action = str(rec.action);
      if (action !== undefined && action !== filter.action && action !== 'both') continue;
      const type = str(rec.phone_number_type);
      if (type !== undefined && mapPhoneNumberType(type) !== filter.type) continue;
      for (const t of Array.isArray(rec.requirement_types) ? rec.requirement_types.map(obj) : []) {
        const id = str(t.id);
        if (!id || seen.has(id)) continue;
        const req: TelnyxRequirement = { id, name: str(t.name) ?? id, kind: mapRequirementKind(t.type), acceptanceCriteria: mapAcceptanceCriteria(t.acceptance_criteria) };
        const description = str(t.description);
        const example = str(t.example);
        if (description !== undefined) req.description = description;
        if (example !== undefined) req.example = example;
        seen.set(id, req);
      }
    }
  }
  const requirements = [...seen.values()];
  return { hasRequirements: requirements.length > 0, requirements };
}

export function mapGroupStatus(value: unknown): RequirementGroupStatus {
  switch (typeof value === 'string' ? value.toLowerCase() : '') {
    case 'approved':
      return 'approved';
    case 'pending-approval':
    case 'pending_approval':
    case 'pending':
      return 'pending';
    case 'declined':
    case 'rejected':
      return 'rejected';
    case 'unapproved':
    case 'draft':
      return 'draft';
    default:
      return 'unapproved'; // expired, unknown
  }
}

/** RequirementGroup (returned unwrapped by the spec; a `data` wrapper is tolerated). */
export function mapRequirementGroup(body: unknown): TelnyxRequirementGroup {
  const inner = obj(body).data && typeof obj(body).data === 'object' && !Array.isArray(obj(body).data) ? obj(body).data : body;
  const g = obj(inner);
  const id = str(g.id);
  if (!id) throw new ProviderError('telnyx', 'Telnyx returned a requirement group without id', { retryable: false });
  const values = (Array.isArray(g.regulatory_requirements) ? g.regulatory_requirements.map(obj) : []).flatMap((v) => {
    const requirementId = str(v.requirement_id);
    if (!requirementId) return [];
    const out: TelnyxRequirementGroup['values'][number] = { requirementId, status: mapGroupStatus(v.status) };
    const value = str(v.field_value);
    const kind = str(v.field_type);
    if (value !== undefined) out.value = value;
    if (kind !== undefined) out.kind = kind;
    return [out];
  });
  const out: TelnyxRequirementGroup = { id, status: mapGroupStatus(g.status), values };
  const fields: Array<[keyof TelnyxRequirementGroup, unknown]> = [
    ['country', g.country_code],
    ['type', g.phone_number_type],
    ['action', g.action],
    ['customerReference', g.customer_reference],
    ['createdAt', g.created_at],
    ['updatedAt', g.updated_at],
  ];
  for (const [key, value] of fields) {
    const s = str(value);
    if (s !== undefined) (out as unknown as Record<string, unknown>)[key] = s;
  }
  return out;
}

export function mapDocument(body: unknown): TelnyxDocument {
  const d = obj(unwrapData(body));
  const id = str(d.id);
  if (!id) throw new ProviderError('telnyx', 'Telnyx returned a document without id', { retryable: false });
  const out: TelnyxDocument = { id };
  const filename = str(d.filename);
  const contentType = str(d.content_type);
  const sha256 = str(d.sha256);
  const status = str(d.status);
  const customerReference = str(d.customer_reference);
  const size = obj(d.size);
  const amount = toInt(size.amount);
  if (filename !== undefined) out.filename = filename;
  if (contentType !== undefined) out.contentType = contentType;
  if (sha256 !== undefined) out.sha256 = sha256;
  if (status !== undefined) out.status = status;
  if (customerReference !== undefined) out.customerReference = customerReference;
  if (amount !== undefined && (size.unit === undefined || size.unit === 'bytes')) out.sizeBytes = amount;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors

type Kind = NonNullable<ProviderError['info']['kind']>;

/**
 * Telnyx error codes (developers.telnyx.com/development/api-fundamentals/api-errors).
 * Verified there: 10001-10017 as listed. Codes we only know by meaning (insufficient
 * funds, number no longer available) are matched on title/detail text below.
 */
const KIND_BY_CODE: Record<string, Kind> = {
  '10001': 'invalid_request', // Inactive phone number
  '10002': 'invalid_request', // Invalid phone number
  '10004': 'invalid_request', // Missing required parameter
  '10005': 'not_found', // Resource not found
  '10009': 'auth', // Authentication failed
  '10010': 'auth', // Authorization failed
  '10011': 'rate_limited', // Too many requests
  '10013': 'invalid_request', // Missing association
  '10015': 'invalid_request', // Bad Request (also Telnyx's generic validation code)
  '10016': 'invalid_request', // Phone number must be in +E.164 format
  '10017': 'invalid_request', // Associated resource does not exist
  // Symbolic codes some Telnyx services answer with (and the names our issue uses).
  insufficient_funds: 'insufficient_funds',
  number_not_available: 'not_available',
  number_already_registered: 'not_available',
};

const INSUFFICIENT_FUNDS = /insufficient[\s_-]*(funds|balance|credit)|not enough (funds|balance|credit)|balance is too low|low balance/i;
const NOT_AVAILABLE =
  /no longer available|not available|unavailable for (purchase|order)|already (been )?(ordered|purchased|reserved|taken|registered|in use|owned)|number[\s_-]*already[\s_-]*registered|number[\s_-]*not[\s_-]*available|is reserved/i;

/** Removes anything credential-like from provider text before it goes into an Error. */
const scrub = scrubSecrets;

/**
 * Non-2xx Telnyx response → ProviderError. The HTTP client re-derives retryable /
 * ambiguous from the status and the call's idempotency; this decides code, kind, message.
 * providerCode is errors[0].code.
 */
export function mapTelnyxError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
  secrets: readonly string[] = [],
): ProviderError {
  const b = obj(body);
  const errors = Array.isArray((b as TelnyxErrorBody).errors) ? ((b as TelnyxErrorBody).errors as unknown[]).map(obj) : [];
  const first = errors[0] ?? {};
  const codeOf = (e: Record<string, unknown>) => (typeof e.code === 'number' ? String(e.code) : str(e.code));
  const code = codeOf(first);
  const texts = errors.map((e) => [str(e.title), str(e.detail)].filter(Boolean).join(': ')).filter((t) => t !== '');

  let kind: Kind | undefined;
  if (status < 500 && status !== 429 && status !== 401 && status !== 403) {
    const allText = [...texts, ...errors.map((e) => codeOf(e) ?? '')].join(' | ');
    if (status === 402 || INSUFFICIENT_FUNDS.test(allText)) kind = 'insufficient_funds';
    else if (NOT_AVAILABLE.test(allText)) kind = 'not_available';
  }
  if (!kind) {
    for (const e of errors) {
      const k = KIND_BY_CODE[codeOf(e) ?? ''];
      if (k) {
        kind = k;
        break;
      }
    }
  }
  if (status === 401 || status === 403) kind = 'auth';
  else if (status === 429) kind = 'rate_limited';
  else if (!kind) {
    if (status === 404) kind = 'not_found';
    else if (status >= 500) kind = 'unavailable';
    else if (status >= 400) kind = 'invalid_request';
  }

  const rawMessage =
    texts.length > 0
      ? texts.join('; ')
      : typeof b.title === 'string' && b.title // problem+json (e.g. a Prism 422)
        ? `${b.title}${typeof b.detail === 'string' ? `: ${b.detail}` : ''}`
        : typeof body === 'string' && body.trim()
          ? body.trim()
          : `HTTP ${status}`;
  const message = `Telnyx ${code ? `error ${code}` : `HTTP ${status}`}: ${scrub(rawMessage, secrets)}`;
  return providerErrorFrom('telnyx', status, headers, { message, code, kind });
}
