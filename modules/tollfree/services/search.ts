import { createHash } from 'node:crypto';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { MAX_QUANTITY, toSomosSearch, type ResolvedSearch, type SearchMode, type SearchSpec } from './search-spec.js';
import { callContext, tenantSomos } from './platform.js';
import { startPendingRequest, type PendingAnswer } from './requests.js';
import { dropEntriesOffering, readCachedSearch, storeCachedSearch } from '../repository/search-cache.js';
import { heldNumbers } from '../repository/owners.js';

export * from './search-spec.js';

export interface AvailableTollFree {
  number: string;
  phoneNumber: string;
}
export interface SearchResult {
  data: AvailableTollFree[];
  mode: SearchMode;
  pattern?: string;
  cached: boolean;
  searchedAt: string;
}

export const SEARCH_CACHE_TTL_MS = 5 * 60 * 1000;
const memoryCache = new Map<string, { at: number; value: Omit<SearchResult, 'cached'> }>();

/** Per RespOrg unit and query (the registry's answer, including its holds, depends on both). */
export function searchCacheKey(roid: string, resolved: ResolvedSearch): string {
  return createHash('sha256').update(JSON.stringify([roid, resolved.mode, resolved.request])).digest('hex').slice(0, 40);
}

export const toAvailable = (numbers: string[]): AvailableTollFree[] => numbers.map((n) => ({ number: n, phoneNumber: `+1${n}` }));

export async function storeSearchResult(deps: Pick<Deps, 'db' | 'now'>, key: string, value: Omit<SearchResult, 'cached'>): Promise<void> {
  const at = Date.parse(value.searchedAt);
  memoryCache.set(key, { at, value });
  await storeCachedSearch(deps, key, value, new Date(at + SEARCH_CACHE_TTL_MS));
}

/**
 * Numbers just reserved are no longer on offer: every cached answer offering one of them is dropped
 * (this instance's memory and Firestore; other instances' memory is covered by withoutHeld).
 */
export async function forgetSearchedNumbers(deps: Pick<Deps, 'db'>, numbers: string[]): Promise<void> {
  if (numbers.length === 0) return;
  for (const [key, entry] of memoryCache) if (entry.value.data.some((n) => numbers.includes(n.number))) memoryCache.delete(key);
  await dropEntriesOffering(deps, numbers);
}

/** A cached answer without the numbers someone holds since (the owner index names them): a reservation seconds ago must not be offered again. */
async function withoutHeld(deps: Pick<Deps, 'db'>, value: Omit<SearchResult, 'cached'>): Promise<Omit<SearchResult, 'cached'>> {
  if (value.data.length === 0) return value;
  const held = await heldNumbers(deps, value.data.map((n) => n.number));
  return held.size ? { ...value, data: value.data.filter((n) => !held.has(n.number)) } : value;
}

/** Cached 5 minutes (per instance and in Firestore); a 202 from the registry → a pending request. */
export function searchAvailable(deps: Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks'>) {
  return async (tenantId: string, spec: SearchSpec, audit: AuditContext): Promise<SearchResult | PendingAnswer> => {
    const settings = await tenantSomos(deps, tenantId);
    const resolved = toSomosSearch(spec, MAX_QUANTITY);
    const key = searchCacheKey(settings.respOrgId, resolved);
    const now = deps.now().getTime();
    const hit = memoryCache.get(key);
    if (hit && now - hit.at < SEARCH_CACHE_TTL_MS) return { ...(await withoutHeld(deps, hit.value)), cached: true };
    const stored = await readCachedSearch(deps, key);
    if (stored && now - Date.parse(stored.searchedAt) < SEARCH_CACHE_TTL_MS) {
      const { expiresAt: _expires, numbers: _numbers, ...value } = stored;
      memoryCache.set(key, { at: Date.parse(value.searchedAt), value });
      return { ...(await withoutHeld(deps, value)), cached: true };
    }
    const { registry } = await deps.somos();
    const result = await registry.search(callContext(settings), resolved.request);
    if (result.pending) {
      return startPendingRequest(deps)(tenantId, {
        operation: 'search',
        roid: settings.respOrgId,
        pending: result,
        context: { cacheKey: key, mode: resolved.mode, ...(resolved.pattern ? { pattern: resolved.pattern } : {}) },
      }, audit);
    }
    const value = { data: toAvailable(result.data), mode: resolved.mode, ...(resolved.pattern ? { pattern: resolved.pattern } : {}), searchedAt: new Date(now).toISOString() };
    await storeSearchResult(deps, key, value);
    return { ...value, cached: false };
  };
}
