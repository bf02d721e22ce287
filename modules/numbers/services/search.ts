import type { z } from 'zod';
import type { SearchAvailableQuery, AvailableNumbersResponse } from '../../../shared/api/schemas.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { PLATFORM_ACCOUNT_ID } from '../../../shared/providers/registry.js';
import type { Money, NumberProvider, NumberType, SearchCriteria } from '../../../shared/providers/types.js';

type Query = z.infer<typeof SearchAvailableQuery>;
type Response = z.infer<typeof AvailableNumbersResponse>;
type SearchDeps = Pick<Deps, 'providers' | 'numbers' | 'config' | 'now' | 'log'>;

/**
 * The provider's answer to the same search from the same account is reused for this long (in this
 * instance's memory: each function instance keeps its own), less the numbers someone has bought since
 * (a full answer that lost some is asked for again, so a search never comes back short for it).
 */
export const SEARCH_CACHE_MS = 30_000;
/** Monthly prices (Twilio's Pricing API) per account and country, in this instance's memory. */
export const PRICE_CACHE_MS = 24 * 3600_000;
/** After a failed price look-up, searches go without prices for this long before it is tried again. */
const PRICE_RETRY_MS = 60_000;
const CACHE_ENTRIES = 500;

const searches = new Map<string, { until: number; answer: Response }>();
const prices = new Map<string, { until: number; prices: Promise<Partial<Record<NumberType, Money>>> }>();

/** Forgets every cached answer and price (tests). */
export function clearSearchCaches(): void {
  searches.clear();
  prices.clear();
}

function remember<V extends { until: number }>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  // Oldest first (insertion order): drop what has run out, then the oldest beyond the bound.
  const now = Date.now();
  for (const [k, v] of cache) {
    if (cache.size <= CACHE_ENTRIES && v.until > now) break;
    cache.delete(k);
  }
}

/** The platform's account is shared by every tenant; a tenant's own account is its alone. */
const accountKey = (tenantId: string, accountId: string) => (accountId === PLATFORM_ACCOUNT_ID ? PLATFORM_ACCOUNT_ID : `${tenantId}/${accountId}`);

/**
 * The monthly price of each number type in a country, for providers whose search results carry none
 * (Twilio): read once a day per account and country. A failure never fails the search: its results
 * go without a price (logged), and the look-up is tried again a minute later.
 */
function monthlyPrices(provider: NumberProvider, key: string, country: string, log: Logger): Promise<Partial<Record<NumberType, Money>>> {
  const cacheKey = `${key}|${provider.name}|${country}`;
  const cached = prices.get(cacheKey);
  if (cached && cached.until > Date.now()) return cached.prices;
  const fetched = provider.monthlyPrices!(country).catch((err: unknown) => {
    log.warn('monthly prices unavailable; search results go without them', { provider: provider.name, country, err });
    remember(prices, cacheKey, { until: Date.now() + PRICE_RETRY_MS, prices: Promise.resolve({}) });
    return {};
  });
  remember(prices, cacheKey, { until: Date.now() + PRICE_CACHE_MS, prices: fetched });
  return fetched;
}

/**
 * The numbers among `found` this tenant released at this provider within the last
 * RELEASE_QUARANTINE_DAYS (the numbers repository's indexed reads of its released records).
 */
async function quarantined(deps: SearchDeps, tenantId: string, provider: string, found: readonly { phoneNumber: string }[]): Promise<Set<string>> {
  const days = deps.config.RELEASE_QUARANTINE_DAYS;
  const numbers = [...new Set(found.map((n) => n.phoneNumber))];
  if (!days || !numbers.length) return new Set();
  const since = new Date(deps.now().getTime() - days * 86_400_000).toISOString();
  return deps.numbers.releasedSince(tenantId, provider, numbers, since);
}

/**
 * Numbers for sale at a provider, less those this tenant released within the quarantine
 * (RELEASE_QUARANTINE_DAYS): a number let go is not offered straight back to the tenant that let it go.
 */
export function searchAvailable(deps: SearchDeps) {
  return async (tenantId: string, query: Query, log: Logger = deps.log): Promise<Response> => {
    const result = await searchAtProvider(deps)(tenantId, query, log);
    const held = await quarantined(deps, tenantId, query.provider, result.data);
    if (!held.size) return result;
    const data = result.data.filter((n) => !held.has(n.phoneNumber));
    return { ...result, data, count: data.length, quarantined: result.data.length - data.length };
  };
}

function searchAtProvider(deps: SearchDeps) {
  return async (tenantId: string, query: Query, log: Logger): Promise<Response> => {
    const { provider, accountId } = await deps.providers.forTenant(tenantId, query.provider, query.accountId);
    const supported = provider.capabilities;
    if (!supported.numberTypes.includes(query.type)) {
      throw new AppError('VALIDATION_ERROR', `${query.provider} does not sell ${query.type} numbers through this API`, {
        issues: [{ path: 'query.type', message: `supported: ${supported.numberTypes.join(', ')}` }],
      });
    }
    if (supported.countries !== 'any' && !supported.countries.includes(query.country)) {
      throw new AppError('VALIDATION_ERROR', `${query.provider} search does not cover ${query.country}`, {
        issues: [{ path: 'query.country', message: 'unsupported country' }],
      });
    }
    const criteria: SearchCriteria = {
      country: query.country,
      type: query.type,
      limit: Math.min(query.limit, supported.maxSearchLimit),
      ...(query.areaCode ?? query.ndc ? { areaCode: (query.areaCode ?? query.ndc)! } : {}),
      ...(query.contains ? { contains: query.contains } : {}),
      ...(query.startsWith ? { startsWith: query.startsWith } : {}),
      ...(query.endsWith ? { endsWith: query.endsWith } : {}),
      ...((query.capabilities ?? query.features)?.length
        ? { capabilities: Object.fromEntries((query.capabilities ?? query.features)!.map((c) => [c, true as const])) }
        : {}),
      ...(query.region ?? query.administrativeArea ? { region: (query.region ?? query.administrativeArea)! } : {}),
      ...(query.postalCode ? { postalCode: query.postalCode } : {}),
      ...(query.locality ? { locality: query.locality } : {}),
      ...(query.nearLatLong ? { nearLatLong: query.nearLatLong } : {}),
      ...(query.distance !== undefined ? { distanceMiles: query.distance } : {}),
    };
    // A filter the provider cannot apply is refused by name, never silently dropped.
    const unsupported = (Object.keys(criteria) as (keyof SearchCriteria)[]).filter(
      (key) => !['country', 'type', 'limit'].includes(key) && !(supported.searchFilters as readonly string[]).includes(key),
    );
    if (unsupported.length) {
      const names = unsupported.map((key) => queryName[key] ?? key);
      throw new AppError('VALIDATION_ERROR', `${query.provider} search cannot filter by ${names.join(', ')}`, {
        issues: names.map((name) => ({ path: `query.${name}`, message: `not supported by ${query.provider}` })),
        supportedFilters: supported.searchFilters.map((key) => queryName[key] ?? key),
      });
    }
    const account = accountKey(tenantId, accountId);
    const key = `${account}|${query.provider}|${JSON.stringify(criteria)}`;
    const cached = searches.get(key);
    if (cached && cached.until > Date.now()) {
      const held = await deps.numbers.heldAtProvider(query.provider, cached.answer.data.map((n) => n.phoneNumber));
      if (!held.size) return cached.answer;
      // A full answer that lost numbers may have had more to offer: ask the provider again instead.
      if (cached.answer.data.length < criteria.limit) {
        const data = cached.answer.data.filter((n) => !held.has(n.phoneNumber));
        return { ...cached.answer, data, count: data.length };
      }
    }
    const priced = provider.monthlyPrices ? monthlyPrices(provider, account, criteria.country, log) : undefined;
    let answer: Response;
    if (provider.searchDetailed) {
      const { numbers, filtersApplied } = await provider.searchDetailed(criteria);
      answer = { data: numbers, provider: query.provider, count: numbers.length, filtersApplied: publicFilterNames(filtersApplied) };
    } else {
      const data = await provider.search(criteria);
      answer = { data, provider: query.provider, count: data.length };
    }
    if (priced) {
      const byType = await priced;
      answer = { ...answer, data: answer.data.map((n) => (n.monthlyCost || !byType[n.type] ? n : { ...n, monthlyCost: byType[n.type]! })) };
    }
    remember(searches, key, { until: Date.now() + SEARCH_CACHE_MS, answer });
    return answer;
  };
}

function publicFilterNames(applied: Record<string, 'provider' | 'client'>): Record<string, 'provider' | 'client'> {
  return Object.fromEntries(Object.entries(applied).map(([key, by]) => [queryName[key as keyof SearchCriteria] ?? key, by]));
}

/** SearchCriteria keys under their query-parameter names. */
const queryName: Partial<Record<keyof SearchCriteria, string>> = {
  capabilities: 'capabilities',
  nearLatLong: 'nearLatLong',
  distanceMiles: 'distance',
};
