import type { z } from 'zod';
import type { SearchAvailableQuery, AvailableNumbersResponse } from '../../api/schemas.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../http/errors.js';
import type { SearchCriteria } from '../../providers/types.js';
import { paths } from '../../store/firestore.js';

type Query = z.infer<typeof SearchAvailableQuery>;
type SearchDeps = Pick<Deps, 'providers' | 'db' | 'config' | 'now'>;

/** Firestore's limit on the values of one `in` filter. */
const IN_LIMIT = 30;

/**
 * The numbers among `found` this tenant released at this provider within the last
 * RELEASE_QUARANTINE_DAYS: indexed reads of its released number records (provider, status released,
 * phoneNumber in the found ones, releasedAt after the cut-off), 30 numbers a read.
 */
async function quarantined(deps: SearchDeps, tenantId: string, provider: string, found: readonly { phoneNumber: string }[]): Promise<Set<string>> {
  const days = deps.config.RELEASE_QUARANTINE_DAYS;
  const numbers = [...new Set(found.map((n) => n.phoneNumber))];
  if (!days || !numbers.length) return new Set();
  const since = new Date(deps.now().getTime() - days * 86_400_000).toISOString();
  const firestore = await deps.db();
  const reads = [];
  for (let i = 0; i < numbers.length; i += IN_LIMIT) {
    reads.push(
      firestore
        .collection(paths.numbers(tenantId))
        .where('provider', '==', provider)
        .where('status', '==', 'released')
        .where('phoneNumber', 'in', numbers.slice(i, i + IN_LIMIT))
        .where('releasedAt', '>', since)
        .select('phoneNumber')
        .get(),
    );
  }
  return new Set((await Promise.all(reads)).flatMap((snap) => snap.docs.map((doc) => doc.get('phoneNumber') as string)));
}

/**
 * Numbers for sale at a provider, less those this tenant released within the quarantine
 * (RELEASE_QUARANTINE_DAYS): a number let go is not offered straight back to the tenant that let it go.
 */
export function searchAvailable(deps: SearchDeps) {
  return async (tenantId: string, query: Query): Promise<z.infer<typeof AvailableNumbersResponse>> => {
    const result = await searchAtProvider(deps)(tenantId, query);
    const held = await quarantined(deps, tenantId, query.provider, result.data);
    if (!held.size) return result;
    const data = result.data.filter((n) => !held.has(n.phoneNumber));
    return { ...result, data, count: data.length, quarantined: result.data.length - data.length };
  };
}

function searchAtProvider(deps: SearchDeps) {
  return async (tenantId: string, query: Query): Promise<z.infer<typeof AvailableNumbersResponse>> => {
    const { provider } = await deps.providers.forTenant(tenantId, query.provider, query.accountId);
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
    if (provider.searchDetailed) {
      const { numbers, filtersApplied } = await provider.searchDetailed(criteria);
      return { data: numbers, provider: query.provider, count: numbers.length, filtersApplied: publicFilterNames(filtersApplied) };
    }
    const data = await provider.search(criteria);
    return { data, provider: query.provider, count: data.length };
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
