import type { z } from 'zod';
import type { SearchAvailableQuery, AvailableNumbersResponse } from '../../api/schemas.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../http/errors.js';
import type { SearchCriteria } from '../../providers/types.js';

type Query = z.infer<typeof SearchAvailableQuery>;

export function searchAvailable(deps: Pick<Deps, 'providers'>) {
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
