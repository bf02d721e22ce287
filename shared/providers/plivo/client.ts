/**
 * Plivo v1 API adapter for the NumberProvider port.
 * Basic auth auth_id:auth_token, JSON bodies, JSON responses, paths ending with '/'.
 * Shapes: ../../../../shared/contracts/plivo/README.md.
 *
 * Plivo identifies an account number by the number itself (E.164 without '+'), so
 * providerNumberId is that string ("14155550123").
 */
import type { Logger } from '../../log.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions, type ProviderResponse } from '../http.js';
import {
  ProviderError,
  type AvailableNumber,
  type ListOwnedOptions,
  type NumberProvider,
  type OwnedPage,
  type ProviderCapabilities,
  type ProviderFactoryOptions,
  type ProviderNumber,
  type PurchaseRequest,
  type SearchCriteria,
  type UpdateRequest,
} from '../types.js';
import {
  buyOutcome,
  decodePageToken,
  fromPlivoNumber,
  mapOwnedNumber,
  mapOwnedPage,
  mapPlivoError,
  mapSearchObject,
  matchesCriteria,
  nationalFormat,
  nextOffset,
  plivoTypeByNumberType,
  searchPattern,
  servicesParam,
  toPlivoNumber,
  type PlivoSearchPage,
} from './mapper.js';

export interface PlivoCredentials {
  authId: string;
  authToken: string;
}

/** The registry's factory options; baseUrl / timeoutMs / logger may be left out by direct callers (tests). */
export type PlivoProviderOptions = Pick<ProviderFactoryOptions<PlivoCredentials>, 'credentials'> &
  Partial<Omit<ProviderFactoryOptions<PlivoCredentials>, 'credentials'>> & {
    /** Overrides for the HTTP client (tests: sleep, maxRetries, dispatcher, ...). */
    http?: Partial<ProviderHttpOptions>;
  };

export const PLIVO_DEFAULT_BASE_URL = 'https://api.plivo.com';

/** Plivo caps `limit` at 20 on both PhoneNumber/ and Number/ (README lines 11 and 15). */
export const PLIVO_PAGE_LIMIT = 20;
/** What one search() may return: pages of 20 are fetched until enough. */
const MAX_SEARCH_LIMIT = 100;
/** Upper bound of pages one search() reads (client-side filtering may drop results). */
const MAX_SEARCH_PAGES = 8;

export const plivoCapabilities: ProviderCapabilities = {
  countries: 'any',
  numberTypes: ['local', 'toll_free', 'mobile', 'national'],
  // Plivo's `pattern` only anchors at the start of the national number, so `contains`
  // and `endsWith` cannot be expressed; there is no postal-code or proximity search.
  // areaCode/startsWith → pattern, capabilities → services, region → region, locality → city.
  searchFilters: ['areaCode', 'startsWith', 'capabilities', 'region', 'locality'],
  applications: true,
  maxSearchLimit: MAX_SEARCH_LIMIT,
  immediatePurchase: true,
};

const UNSUPPORTED_FILTERS = ['contains', 'endsWith', 'postalCode', 'nearLatLong', 'distanceMiles'] as const;

function invalid(message: string): ProviderError {
  return new ProviderError('plivo', message, { retryable: false, kind: 'invalid_request' });
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

function isNotFound(err: unknown): err is ProviderError {
  return err instanceof ProviderError && err.info.httpStatus === 404;
}

export function createPlivoProvider(options: PlivoProviderOptions): NumberProvider {
  const { authId, authToken } = options.credentials;
  if (!authId || !authToken) throw new Error('Plivo credentials are incomplete');
  const authorization = `Basic ${Buffer.from(`${authId}:${authToken}`, 'utf8').toString('base64')}`;
  const secrets = [authToken, authorization.slice('Basic '.length)];
  const overrides = options.http ?? {};
  const logger: Logger | undefined = options.logger ?? overrides.logger;

  const http: ProviderHttp = createProviderHttp({
    ...overrides,
    provider: 'plivo',
    baseUrl: options.baseUrl ?? overrides.baseUrl ?? PLIVO_DEFAULT_BASE_URL,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(logger ? { logger } : {}),
    defaultHeaders: { ...overrides.defaultHeaders, authorization },
    mapError: overrides.mapError ?? ((status, body, headers) => mapPlivoError(status, body, headers, secrets)),
  });

  const account = `/v1/Account/${encodeURIComponent(authId)}`;
  const plivoNumber = (phone: string, what = 'phone number'): string => {
    const n = toPlivoNumber(phone);
    if (!n) throw invalid(`Plivo ${what} must be an E.164 number (+ and 6-15 digits)`);
    return n;
  };
  const numberPath = (providerNumberId: string) => `${account}/Number/${plivoNumber(providerNumberId, 'number id')}/`;

  async function get(providerNumberId: string, signal?: AbortSignal): Promise<ProviderNumber> {
    const res = await http.request({ method: 'GET', path: numberPath(providerNumberId), idempotent: true, signal, operation: 'plivo.get' });
    return mapOwnedNumber(res.body);
  }

  async function setAlias(n: string, alias: string, signal?: AbortSignal): Promise<void> {
    await http.request({
      method: 'POST',
      path: `${account}/Number/${n}/`,
      json: { alias },
      idempotent: true,
      signal,
      operation: 'plivo.setAlias',
    });
  }

  function rejectWebhookUrls(r: { smsUrl?: string | null; voiceUrl?: string | null; statusCallbackUrl?: string | null }, op: string): void {
    // null ("clear the URL") is a no-op: a Plivo number has no such URL to clear.
    const set = (['smsUrl', 'voiceUrl', 'statusCallbackUrl'] as const).filter((k) => typeof r[k] === 'string');
    if (set.length) {
      throw invalid(
        `Plivo has no per-number ${set.join('/')}: inbound SMS and call URLs live on the Plivo Application; ` +
          `${op} with applicationId (an Application configured with those URLs) instead`,
      );
    }
  }

  return {
    name: 'plivo',
    capabilities: plivoCapabilities,

    async verifyCredentials(signal?: AbortSignal): Promise<void> {
      await http.request({ method: 'GET', path: `${account}/`, idempotent: true, signal, operation: 'plivo.verifyCredentials' });
    },

    async search(criteria: SearchCriteria, signal?: AbortSignal): Promise<AvailableNumber[]> {
      const type = plivoTypeByNumberType[criteria.type];
      if (!type) throw invalid(`Plivo search does not support number type '${criteria.type}'`);
      const country = criteria.country?.toUpperCase();
      if (!country || !/^[A-Z]{2}$/.test(country)) throw invalid('country must be an ISO 3166-1 alpha-2 code');
      const unsupported = UNSUPPORTED_FILTERS.filter((k) => criteria[k] !== undefined);
      if (unsupported.length) throw invalid(`Plivo search cannot filter by ${unsupported.join(', ')}`);
      if (criteria.areaCode !== undefined && !/^\d{1,6}$/.test(criteria.areaCode)) throw invalid('areaCode must be digits');
      if (criteria.startsWith !== undefined && !/^\d{1,15}$/.test(criteria.startsWith)) throw invalid('startsWith must be digits');
      if (criteria.capabilities?.fax) throw invalid('Plivo numbers have no fax capability');
      if (criteria.region !== undefined && criteria.region.trim().length < 2) throw invalid('region must be at least 2 characters');
      const { pattern, conflict } = searchPattern(criteria);
      if (conflict) return []; // areaCode and startsWith contradict each other: nothing can match
      const want = clamp(criteria.limit, 1, MAX_SEARCH_LIMIT);
      const base = {
        country_iso: country,
        type,
        pattern,
        region: criteria.region,
        services: servicesParam(criteria.capabilities),
        city: criteria.locality,
      };

      const results: AvailableNumber[] = [];
      const seen = new Set<string>();
      let offset = 0;
      for (let page = 0; page < MAX_SEARCH_PAGES && results.length < want; page++) {
        const limit = Math.min(PLIVO_PAGE_LIMIT, want - results.length);
        const res = await http.request<PlivoSearchPage>({
          method: 'GET',
          path: `${account}/PhoneNumber/`,
          query: { ...base, limit, offset },
          idempotent: true,
          signal,
          operation: 'plivo.search',
        });
        const body = res.body && typeof res.body === 'object' ? res.body : {};
        const objects = Array.isArray(body.objects) ? body.objects : [];
        for (const raw of objects) {
          if (!raw || typeof raw !== 'object') continue;
          const n = mapSearchObject(raw, criteria.type, country);
          if (!n || seen.has(n.phoneNumber) || !matchesCriteria(n, raw, criteria, pattern)) continue;
          // Plivo filtered on a service it did not echo back: the server vouched for it.
          for (const k of ['voice', 'sms', 'mms'] as const) {
            if (criteria.capabilities?.[k] && raw[`${k}_enabled`] == null) n.capabilities[k] = true;
          }
          seen.add(n.phoneNumber);
          results.push(n);
          if (results.length >= want) break;
        }
        const next = nextOffset(body.meta, offset, objects.length, limit);
        if (next === undefined) break;
        offset = next;
      }
      return results;
    },

    async purchase(request: PurchaseRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      rejectWebhookUrls(request, 'buy');
      const n = plivoNumber(request.phoneNumber);
      let res: ProviderResponse<unknown>;
      try {
        res = await http.request({
          method: 'POST',
          path: `${account}/PhoneNumber/${n}/`,
          json: request.applicationId ? { app_id: request.applicationId } : {},
          idempotent: false,
          signal,
          operation: 'plivo.purchase',
        });
      } catch (err) {
        // Buying a number that is not (or no longer) in Plivo's inventory answers 404 "not found"
        // (plivo/plivo-node#144, plivo/plivo-ruby#8).
        if (isNotFound(err)) {
          throw new ProviderError('plivo', `${err.message} (number not in Plivo's inventory)`, {
            ...err.info,
            retryable: false,
            ambiguous: false,
            kind: 'not_available',
            providerCode: '404:number_not_available',
          });
        }
        throw err;
      }

      const bought = buyOutcome(res.body, n);
      if (bought.outcome === 'failed') {
        throw new ProviderError('plivo', `Plivo did not rent ${request.phoneNumber} (status '${bought.status}')`, {
          httpStatus: res.status,
          providerCode: `${res.status}:buy_${bought.status?.toLowerCase() ?? 'failed'}`,
          retryable: false,
          kind: 'not_available',
        });
      }
      if (bought.outcome === 'unknown') {
        // 2xx without a status we know: the number may well be ours. The caller settles it with findOwned().
        throw new ProviderError('plivo', `Plivo answered the purchase of ${request.phoneNumber} with an unreadable status '${bought.status ?? ''}'`, {
          httpStatus: res.status,
          retryable: false,
          ambiguous: true,
        });
      }

      // Plivo's buy has no alias field: the label is set with an update afterwards. The number is
      // bought at this point, so a failing alias must not fail the purchase.
      let labelled = false;
      if (request.label !== undefined && request.label !== '') {
        try {
          await setAlias(n, request.label, signal);
          labelled = true;
        } catch (err) {
          logger?.warn('plivo: number bought but its alias could not be set', {
            number: n,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }

      // What the buy itself tells us, for when the number cannot be read back yet.
      const fromBuy = (): ProviderNumber => {
        const phoneNumber = fromPlivoNumber(n);
        const out: ProviderNumber = {
          providerNumberId: n,
          phoneNumber,
          friendlyName: nationalFormat(phoneNumber),
          provider: 'plivo',
          capabilities: { voice: false, sms: false, mms: false, fax: false },
        };
        if (labelled) out.label = request.label;
        return out;
      };

      if (bought.outcome === 'pending') {
        let current: ProviderNumber | undefined;
        try {
          current = await get(n, signal);
        } catch {
          current = undefined; // a pending order may not be an account number yet
        }
        const out = current ?? fromBuy();
        out.order = { id: bought.apiId ?? n, status: 'pending' };
        return out;
      }

      try {
        return await get(n, signal);
      } catch (err) {
        if (isNotFound(err)) {
          // Plivo said "fulfilled" but does not list the number yet. Reporting an ambiguous failure
          // here would let a findOwned() that also sees 404 conclude "not bought" for a number we
          // pay for: return the bought number instead (capabilities unknown until it is read again).
          logger?.warn('plivo: number rented but not readable yet; returning it from the buy answer', { number: n });
          return fromBuy();
        }
        // The number is ours even though we cannot read it back: the caller settles it with findOwned().
        const message = err instanceof Error ? err.message : 'unreadable number';
        throw new ProviderError('plivo', `Plivo rented ${request.phoneNumber} but it could not be read back: ${message}`, {
          httpStatus: res.status,
          retryable: false,
          ambiguous: true,
        });
      }
    },

    get,

    async findOwned(phoneNumber: string, signal?: AbortSignal): Promise<ProviderNumber | undefined> {
      const n = plivoNumber(phoneNumber);
      try {
        const owned = await get(n, signal);
        return owned.providerNumberId === n ? owned : undefined;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },

    async list(options: ListOwnedOptions = {}, signal?: AbortSignal): Promise<OwnedPage> {
      let offset = 0;
      if (options.pageToken) {
        const decoded = decodePageToken(options.pageToken);
        if (decoded === undefined) throw invalid('pageToken is not a Plivo page token');
        offset = decoded;
      }
      const limit = options.pageSize !== undefined ? clamp(options.pageSize, 1, PLIVO_PAGE_LIMIT) : PLIVO_PAGE_LIMIT;
      let startsWith: string | undefined;
      if (options.phoneNumber !== undefined) {
        startsWith = options.phoneNumber.trim().replace(/^\+/, '');
        if (!/^\d{1,15}$/.test(startsWith)) throw invalid('phoneNumber filter must be digits (optionally with a leading +)');
      }
      const res = await http.request({
        method: 'GET',
        path: `${account}/Number/`,
        query: { number_startswith: startsWith, limit, offset },
        idempotent: true,
        signal,
        operation: 'plivo.list',
      });
      return mapOwnedPage(res.body, offset, limit);
    },

    async update(providerNumberId: string, changes: UpdateRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      rejectWebhookUrls(changes, 'update');
      const body: Record<string, string> = {};
      if (changes.label !== undefined) body.alias = changes.label;
      // An empty app_id unlinks the application (Plivo's legacy helpers: unlink_application_number
      // sends {'app_id': ''}; plivo/plivo-python plivo.py, plivo/plivo-ruby lib/plivo.rb).
      if (changes.applicationId !== undefined) body.app_id = changes.applicationId ?? '';
      if (Object.keys(body).length === 0) return get(providerNumberId, signal);
      await http.request({
        method: 'POST',
        path: numberPath(providerNumberId),
        json: body,
        // Absolute values: repeating the call leaves the same state.
        idempotent: true,
        signal,
        operation: 'plivo.update',
      });
      // Plivo answers 202 {message: "changed"}: read the number back.
      return get(providerNumberId, signal);
    },

    async release(providerNumberId: string, signal?: AbortSignal): Promise<void> {
      try {
        await http.request({ method: 'DELETE', path: numberPath(providerNumberId), idempotent: true, signal, operation: 'plivo.release' });
      } catch (err) {
        if (isNotFound(err)) return; // already gone
        throw err;
      }
    },
  };
}
