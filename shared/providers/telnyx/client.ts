/**
 * Telnyx API v2 adapter for the NumberProvider port, plus Telnyx's regulatory surface
 * (requirements, requirement groups, documents) and number orders.
 *
 * - Auth: `Authorization: Bearer <apiKey>` (never logged: the shared client does not log
 *   headers, and error texts are scrubbed of the key).
 * - Base URL: https://api.telnyx.com/v2 in production. A Prism mock of spec3.yml serves the
 *   same paths WITHOUT the /v2 prefix, so point baseUrl at the mock root there.
 * - Buying is asynchronous: purchase() places a number order (POST /number_orders) and
 *   returns the number with `order: {id, status}`; the number is usable once the order is
 *   `success` (number_order.complete webhook, or poll getOrder()).
 *
 * Mapping choices (see mapper.ts for the details):
 * - providerNumberId is the Telnyx phone-number id (/phone_numbers/{id}). purchase() cannot
 *   know it yet (the order's phone-number id is a number_order_phone_number id), so it
 *   returns the E.164 as providerNumberId; get/update/release accept an E.164 and resolve
 *   the id with GET /phone_numbers?filter[phone_number]=<digits>.
 * - label ⇄ a tag `label:<text>` on the number (customer_reference stays ours: purchase's
 *   customerReference). Number orders have no tags, so a label given to purchase() is not
 *   sent: set it with update() once the order succeeded.
 * - applicationId ⇄ connection_id. Telnyx has no per-number webhook URLs (they live on the
 *   connection / messaging profile): update() rejects smsUrl/voiceUrl/statusCallbackUrl
 *   strings (null is a no-op) and purchase() ignores them.
 */
import { Agent, type Dispatcher } from 'undici';
import type { Logger } from '../../log.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions, type ProviderRequest } from '../http.js';
import {
  ProviderError,
  numberTypes,
  type AvailableNumber,
  type Capabilities,
  type ListOwnedOptions,
  type NumberProvider,
  type OwnedPage,
  type ProviderCapabilities,
  type ProviderNumber,
  type PurchaseRequest,
  type SearchCriteria,
  type UpdateRequest,
} from '../types.js';
import {
  decodePageToken,
  enforceSearchCriteria,
  labelFromTags,
  mapAvailableNumbers,
  mapNumberOrder,
  mapOwnedPage,
  mapPhoneNumber,
  mapTelnyxError,
  orderToProviderNumber,
  phoneNumberDetails,
  tagsWithLabel,
  unwrapData,
  type SearchEnforcement,
  type TelnyxOrder,
  type TelnyxSearchFilter,
} from './mapper.js';
import { phoneFacts } from './map-kit.js';
import { createTelnyxRegulatory, type TelnyxRegulatory } from './regulatory-client.js';

export type { CreateRequirementGroupRequest, RequirementQuery, TelnyxRegulatory, UploadDocumentRequest } from './regulatory-client.js';

export interface TelnyxCredentials {
  apiKey: string;
}

export interface TelnyxProviderOptions {
  credentials: TelnyxCredentials;
  /** Default https://api.telnyx.com/v2; a path prefix is kept. */
  baseUrl?: string;
  timeoutMs?: number;
  logger?: Logger;
  /** Overrides for the HTTP client (tests: sleep, maxRetries, dispatcher, ...). */
  http?: Partial<ProviderHttpOptions>;
}

export const TELNYX_DEFAULT_BASE_URL = 'https://api.telnyx.com/v2';

const MAX_SEARCH_LIMIT = 100;
const MAX_PAGE_SIZE = 250;

export const telnyxCapabilities: ProviderCapabilities = {
  countries: 'any',
  numberTypes: ['local', 'toll_free', 'mobile', 'national'],
  searchFilters: ['areaCode', 'contains', 'startsWith', 'endsWith', 'capabilities', 'region', 'locality'],
  maxSearchLimit: MAX_SEARCH_LIMIT,
  regulatoryRequirements: true,
};

/** update() accepts the port's fields plus Telnyx's own. */
export interface TelnyxUpdateRequest extends UpdateRequest {
  /** connection_id (voice / Call Control / TeXML app); null detaches. Wins over applicationId. */
  connectionId?: string | null;
  /** PATCH /phone_numbers/{id}/messaging; null detaches. */
  messagingProfileId?: string | null;
  customerReference?: string;
  /** Replaces the number's tags (the label tag is kept / set from `label`). */
  tags?: string[];
}

export interface SearchResultDetailed extends SearchEnforcement {
  /** The filters that were sent to Telnyx as asked (the rest were enforced here). */
  sentToProvider: TelnyxSearchFilter[];
}

export interface TelnyxProvider extends NumberProvider, TelnyxRegulatory {
  readonly name: 'telnyx';
  /** search() with the client-side enforcement report. */
  searchDetailed(criteria: SearchCriteria, signal?: AbortSignal): Promise<SearchResultDetailed>;
  update(providerNumberId: string, changes: TelnyxUpdateRequest, signal?: AbortSignal): Promise<ProviderNumber>;
  /** GET /number_orders/{id} (polling when the webhook is late). */
  getOrder(orderId: string, signal?: AbortSignal): Promise<TelnyxOrder>;
}

function invalid(message: string): ProviderError {
  return new ProviderError('telnyx', message, { retryable: false, kind: 'invalid_request' });
}

function notFound(message: string): ProviderError {
  return new ProviderError('telnyx', message, { httpStatus: 404, retryable: false, kind: 'not_found' });
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

const E164 = /^\+[1-9]\d{6,14}$/;
/** Listed by Telnyx but not (or no longer) the account's number. */
const NOT_OWNED_STATUSES = new Set(['purchase-failed', 'deleted', 'ported-out', 'port-failed']);
const ID = /^[0-9A-Za-z_-]{1,64}$/;

function pathId(id: string, what: string): string {
  if (!ID.test(id)) throw invalid(`${what} must be 1-64 letters, digits, '-' or '_'`);
  return encodeURIComponent(id);
}

// ---------------------------------------------------------------------------------------------
// Repeated query keys. Telnyx takes array filters as repeated `filter[features][]=sms`
// (its docs' own examples); the shared client takes one value per key. Extra values are
// sent as `key<US>n` and this interceptor strips the `<US>n` suffix (URL-encoded %1F) from
// the request path. Remove once ProviderRequest.query accepts arrays.

const REPEAT_MARK = '\u001f';
const repeatedKey = (key: string, index: number) => (index === 0 ? key : `${key}${REPEAT_MARK}${index}`);

const repeatedQueryKeys: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
  dispatch(typeof opts.path === 'string' && opts.path.includes('%1F') ? { ...opts, path: opts.path.replace(/%1F\d+(?==)/g, '') } : opts, handler);

const agents = new Map<number, Dispatcher>();
function telnyxDispatcher(connectTimeoutMs: number): Dispatcher {
  let d = agents.get(connectTimeoutMs);
  if (!d) {
    d = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, connectTimeout: connectTimeoutMs, connections: 32 }).compose(repeatedQueryKeys);
    agents.set(connectTimeoutMs, d);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------

export function createTelnyxProvider(options: TelnyxProviderOptions): TelnyxProvider {
  const { apiKey } = options.credentials;
  if (!apiKey) throw new Error('Telnyx credentials are incomplete');
  const authorization = `Bearer ${apiKey}`;
  const secrets = [apiKey];
  const overrides = options.http ?? {};
  const timeoutMs = options.timeoutMs ?? overrides.timeoutMs ?? 15_000;

  const http: ProviderHttp = createProviderHttp({
    ...overrides,
    provider: 'telnyx',
    baseUrl: options.baseUrl ?? overrides.baseUrl ?? TELNYX_DEFAULT_BASE_URL,
    timeoutMs,
    ...(options.logger ? { logger: options.logger } : {}),
    dispatcher: overrides.dispatcher ? overrides.dispatcher.compose(repeatedQueryKeys) : telnyxDispatcher(Math.min(timeoutMs, 10_000)),
    defaultHeaders: { ...overrides.defaultHeaders, authorization },
    mapError: overrides.mapError ?? ((status, body, headers) => mapTelnyxError(status, body, headers, secrets)),
  });

  const call = <T = unknown>(req: ProviderRequest) => http.request<T>(req).then((r) => r.body);

  async function getRaw(id: string, signal?: AbortSignal): Promise<unknown> {
    const body = await call({ method: 'GET', path: `/phone_numbers/${pathId(id, 'Telnyx phone number id')}`, idempotent: true, signal, operation: 'telnyx.get' });
    return unwrapData(body);
  }

  async function listPage(query: Record<string, string | number | undefined>, signal?: AbortSignal, operation = 'telnyx.list') {
    return call({ method: 'GET', path: '/phone_numbers', query, idempotent: true, signal, operation });
  }

  /** The raw owned resource for an E.164, or undefined when the account does not own it. */
  async function findOwnedRaw(phoneNumber: string, signal?: AbortSignal): Promise<unknown> {
    if (!E164.test(phoneNumber)) throw invalid('phoneNumber must be E.164 (+ and 7-15 digits)');
    // Telnyx matches filter[phone_number] as digits ("non-numerical characters will result in no
    // values") and partially: keep the exact number.
    const body = await listPage({ 'filter[phone_number]': phoneNumber.slice(1), 'page[size]': 50 }, signal, 'telnyx.findOwned');
    const data = (body as { data?: unknown })?.data;
    if (!Array.isArray(data)) return undefined;
    return data.find((n) => {
      const r = n as { phone_number?: unknown; status?: unknown };
      return r?.phone_number === phoneNumber && !NOT_OWNED_STATUSES.has(String(r.status));
    });
  }

  /** Telnyx id for a providerNumberId that may be an E.164 (what purchase() returns). */
  async function resolve(providerNumberId: string, signal?: AbortSignal): Promise<{ id: string; raw?: unknown } | undefined> {
    if (!providerNumberId.startsWith('+')) return { id: providerNumberId };
    const raw = await findOwnedRaw(providerNumberId, signal);
    if (raw === undefined) return undefined;
    return { id: mapPhoneNumber(raw).providerNumberId, raw };
  }

  async function get(providerNumberId: string, signal?: AbortSignal): Promise<ProviderNumber> {
    if (providerNumberId.startsWith('+')) {
      const raw = await findOwnedRaw(providerNumberId, signal);
      if (raw === undefined) throw notFound(`Telnyx account does not own ${providerNumberId}`);
      return mapPhoneNumber(raw);
    }
    return mapPhoneNumber(await getRaw(providerNumberId, signal));
  }

  async function searchDetailed(criteria: SearchCriteria, signal?: AbortSignal): Promise<SearchResultDetailed> {
    if (!(numberTypes as readonly string[]).includes(criteria.type)) throw invalid(`Telnyx search does not support number type '${criteria.type}'`);
    const country = criteria.country?.toUpperCase();
    if (!country || !/^[A-Z]{2}$/.test(country)) throw invalid('country must be an ISO 3166-1 alpha-2 code');
    if (criteria.areaCode !== undefined && !/^\d{1,6}$/.test(criteria.areaCode)) throw invalid('areaCode must be 1-6 digits');
    if (criteria.contains !== undefined && !/^[0-9*]{1,15}$/.test(criteria.contains)) throw invalid('contains must be digits and *');
    if (criteria.startsWith !== undefined && !/^\d{1,15}$/.test(criteria.startsWith)) throw invalid('startsWith must be digits');
    if (criteria.endsWith !== undefined && !/^\d{1,15}$/.test(criteria.endsWith)) throw invalid('endsWith must be digits');
    for (const unsupported of ['postalCode', 'nearLatLong', 'distanceMiles'] as const) {
      if (criteria[unsupported] !== undefined) throw invalid(`Telnyx search does not support the ${unsupported} filter`);
    }
    const limit = clamp(criteria.limit, 1, MAX_SEARCH_LIMIT);
    const normalized: SearchCriteria = { ...criteria, country, limit };

    const sent = new Set<TelnyxSearchFilter>(['country', 'type']);
    const query: Record<string, string | number | undefined> = {
      'filter[country_code]': country,
      'filter[phone_number_type]': criteria.type,
    };
    let overFetch = false;
    let impossible = false;
    if (criteria.areaCode) {
      query['filter[national_destination_code]'] = criteria.areaCode;
      sent.add('areaCode');
    }
    if (criteria.startsWith) {
      // With national_destination_code, Telnyx applies starts_with AFTER the NDC.
      const ac = criteria.areaCode;
      if (!ac) {
        query['filter[phone_number][starts_with]'] = criteria.startsWith;
        sent.add('startsWith');
      } else if (criteria.startsWith.startsWith(ac)) {
        const rest = criteria.startsWith.slice(ac.length);
        if (rest) query['filter[phone_number][starts_with]'] = rest;
        sent.add('startsWith');
      } else if (ac.startsWith(criteria.startsWith)) {
        sent.add('startsWith'); // implied by the NDC
      } else {
        impossible = true; // e.g. areaCode 415 + startsWith 212: no number matches both
      }
    }
    if (criteria.endsWith) {
      query['filter[phone_number][ends_with]'] = criteria.endsWith;
      sent.add('endsWith');
    }
    if (criteria.contains) {
      if (/^\d+$/.test(criteria.contains)) {
        query['filter[phone_number][contains]'] = criteria.contains;
        sent.add('contains');
      } else {
        // Telnyx does not support wildcards (a `*` yields no results): ask for the longest
        // run of digits and match the full pattern here.
        // (Not with an NDC: Telnyx would then look for the run after the NDC only.)
        const run = criteria.contains.split('*').reduce((a, b) => (b.length > a.length ? b : a), '');
        if (run.length >= 2 && !criteria.areaCode) query['filter[phone_number][contains]'] = run;
        overFetch = true;
      }
    }
    if (criteria.region) {
      // Telnyx documents administrative_area for US states / CA provinces only: elsewhere the
      // region is matched here against region_information.
      if (country === 'US' || country === 'CA') {
        query['filter[administrative_area]'] = criteria.region;
        sent.add('region');
      } else {
        overFetch = true;
      }
    }
    if (criteria.locality) {
      query['filter[locality]'] = criteria.locality;
      sent.add('locality');
    }
    const features = (['sms', 'mms', 'voice', 'fax'] as const).filter((k) => criteria.capabilities?.[k]);
    features.forEach((f, i) => {
      query[repeatedKey('filter[features][]', i)] = f;
    });
    if (features.length > 0) sent.add('capabilities');
    query['filter[limit]'] = overFetch ? MAX_SEARCH_LIMIT : limit;

    if (impossible) {
      const empty = enforceSearchCriteria([], normalized, sent);
      empty.filtersApplied.startsWith = 'client';
      return { ...empty, sentToProvider: [...sent] };
    }
    const body = await call({ method: 'GET', path: '/available_phone_numbers', query, idempotent: true, signal, operation: 'telnyx.search' });
    const enforced = enforceSearchCriteria(mapAvailableNumbers(body, criteria.type), normalized, sent);
    return { ...enforced, numbers: enforced.numbers.slice(0, limit), sentToProvider: [...sent] };
  }

  /**
   * The features of a number still for sale (its search result), or undefined when the search
   * does not show it or fails: best effort, never in the way of the order.
   */
  async function numberFeatures(phoneNumber: string, signal?: AbortSignal): Promise<Capabilities | undefined> {
    const facts = phoneFacts(phoneNumber);
    if (!facts.country || !facts.nationalNumber) return undefined;
    try {
      const body = await call({
        method: 'GET',
        path: '/available_phone_numbers',
        query: { 'filter[country_code]': facts.country, 'filter[phone_number][contains]': facts.nationalNumber, 'filter[limit]': 5 },
        idempotent: true,
        signal,
        operation: 'telnyx.numberFeatures',
      });
      return mapAvailableNumbers(body, 'local').find((n) => n.phoneNumber === phoneNumber)?.capabilities;
    } catch {
      return undefined;
    }
  }

  return {
    ...createTelnyxRegulatory(call),
    name: 'telnyx',
    capabilities: telnyxCapabilities,

    async verifyCredentials(signal?: AbortSignal): Promise<void> {
      await listPage({ 'page[size]': 1 }, signal, 'telnyx.verifyCredentials');
    },

    async search(criteria: SearchCriteria, signal?: AbortSignal): Promise<AvailableNumber[]> {
      return (await searchDetailed(criteria, signal)).numbers;
    },

    searchDetailed,

    async purchase(request: PurchaseRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      if (!E164.test(request.phoneNumber)) throw invalid('phoneNumber must be E.164 (+ and 7-15 digits)');
      const entry: Record<string, string> = { phone_number: request.phoneNumber };
      if (request.requirementGroupId) entry.requirement_group_id = request.requirementGroupId;
      const json: Record<string, unknown> = { phone_numbers: [entry] };
      if (request.connectionId) json.connection_id = request.connectionId;
      if (request.messagingProfileId) json.messaging_profile_id = request.messagingProfileId;
      if (request.customerReference) json.customer_reference = request.customerReference;
      // Telnyx's phone-number resource carries no features: what the number offers is read from
      // its search result while it is still for sale, and travels with the order.
      const features = await numberFeatures(request.phoneNumber, signal);
      const res = await http.request({ method: 'POST', path: '/number_orders', json, idempotent: false, signal, operation: 'telnyx.purchase' });
      try {
        const raw = unwrapData(res.body);
        return orderToProviderNumber(mapNumberOrder(raw), request.phoneNumber, raw, features);
      } catch (err) {
        // Telnyx answered 2xx: the order exists even though we cannot read the answer.
        const message = err instanceof Error ? err.message : 'unreadable number order response';
        throw new ProviderError('telnyx', message, { httpStatus: res.status, retryable: false, ambiguous: true });
      }
    },

    get,

    async findOwned(phoneNumber: string, signal?: AbortSignal): Promise<ProviderNumber | undefined> {
      const raw = await findOwnedRaw(phoneNumber, signal);
      return raw === undefined ? undefined : mapPhoneNumber(raw);
    },

    async list(options: ListOwnedOptions = {}, signal?: AbortSignal): Promise<OwnedPage> {
      if (options.phoneNumber !== undefined && !/^\+?\d{3,15}$/.test(options.phoneNumber)) throw invalid('phoneNumber filter must be digits (3-15), optionally with a leading +');
      const body = await listPage(
        {
          'filter[phone_number]': options.phoneNumber?.replace(/^\+/, ''),
          'page[number]': options.pageToken ? decodePageToken(options.pageToken) : undefined,
          'page[size]': options.pageSize !== undefined ? clamp(options.pageSize, 1, MAX_PAGE_SIZE) : undefined,
        },
        signal,
      );
      return mapOwnedPage(body);
    },

    async update(providerNumberId: string, changes: TelnyxUpdateRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      for (const field of ['smsUrl', 'voiceUrl', 'statusCallbackUrl'] as const) {
        if (typeof changes[field] === 'string') {
          throw invalid(`Telnyx has no per-number ${field}: configure webhooks on the connection or messaging profile`);
        }
      }
      const resolved = await resolve(providerNumberId, signal);
      if (!resolved) throw notFound(`Telnyx account does not own ${providerNumberId}`);
      const id = resolved.id;
      const body: Record<string, unknown> = {};
      const connection = changes.connectionId !== undefined ? changes.connectionId : changes.applicationId;
      if (connection !== undefined) body.connection_id = connection ?? ''; // '' detaches (as messaging_profile_id documents)
      if (changes.customerReference !== undefined) body.customer_reference = changes.customerReference;
      if (changes.tags !== undefined || changes.label !== undefined) {
        // PATCH replaces the whole tag list: read the current one unless both parts are given.
        const current = changes.tags === undefined || changes.label === undefined ? phoneNumberDetails(resolved.raw ?? (await getRaw(id, signal))).tags : [];
        const label = changes.label !== undefined ? changes.label : (labelFromTags(current) ?? '');
        body.tags = tagsWithLabel(changes.tags ?? current, label);
      }
      if (changes.messagingProfileId !== undefined) {
        await call({
          method: 'PATCH',
          path: `/phone_numbers/${pathId(id, 'Telnyx phone number id')}/messaging`,
          json: { messaging_profile_id: changes.messagingProfileId ?? '' },
          idempotent: true,
          signal,
          operation: 'telnyx.updateMessaging',
        });
      }
      if (Object.keys(body).length === 0) return mapPhoneNumber(await getRaw(id, signal));
      const res = await call({
        method: 'PATCH',
        path: `/phone_numbers/${pathId(id, 'Telnyx phone number id')}`,
        json: body,
        // Absolute values: repeating the call leaves the same state.
        idempotent: true,
        signal,
        operation: 'telnyx.update',
      });
      return mapPhoneNumber(unwrapData(res));
    },

    async release(providerNumberId: string, signal?: AbortSignal): Promise<void> {
      const resolved = await resolve(providerNumberId, signal);
      if (!resolved) return; // not owned (any more)
      try {
        await call({ method: 'DELETE', path: `/phone_numbers/${pathId(resolved.id, 'Telnyx phone number id')}`, idempotent: true, signal, operation: 'telnyx.release' });
      } catch (err) {
        if (err instanceof ProviderError && err.info.httpStatus === 404) return; // already gone
        throw err;
      }
    },

    async getOrder(orderId: string, signal?: AbortSignal): Promise<TelnyxOrder> {
      const body = await call({ method: 'GET', path: `/number_orders/${pathId(orderId, 'Telnyx order id')}`, idempotent: true, signal, operation: 'telnyx.getOrder' });
      return mapNumberOrder(unwrapData(body));
    },
  };
}
