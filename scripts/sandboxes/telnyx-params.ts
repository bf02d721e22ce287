/** Query parameters of the Telnyx sandbox (deepObject filters, integers, booleans, pages). */
import { badRequest } from './telnyx-errors.js';

/** deepObject query → flat map: `filter[features][]` values collected, `filter[x][]` tolerated for scalars. */
export function queryMap(url: URL): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [rawKey, value] of url.searchParams) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const list = out.get(key) ?? [];
    list.push(value);
    out.set(key, list);
  }
  return out;
}

export function intParam(q: Map<string, string[]>, name: string, min: number, max?: number): number | undefined {
  const v = q.get(name)?.[0];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`${name} must be an integer`, { parameter: name });
  const n = Number(v);
  if (n < min || (max !== undefined && n > max)) throw badRequest(`${name} must be between ${min} and ${max ?? '∞'}`, { parameter: name });
  return n;
}

export function boolParam(q: Map<string, string[]>, name: string): boolean | undefined {
  const v = q.get(name)?.[0];
  if (v === undefined || v === '') return undefined;
  if (v !== 'true' && v !== 'false') throw badRequest(`${name} must be true or false`, { parameter: name });
  return v === 'true';
}

export const lower = (s: string | null | undefined) =>
  (s ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();

export function paginate<T>(items: T[], q: Map<string, string[]>): { data: T[]; meta: { page_number: number; page_size: number; total_pages: number; total_results: number } } {
  const pageNumber = intParam(q, 'page[number]', 1) ?? 1;
  const pageSize = intParam(q, 'page[size]', 1, 250) ?? 20;
  const start = (pageNumber - 1) * pageSize;
  return {
    data: items.slice(start, start + pageSize),
    meta: { page_number: pageNumber, page_size: pageSize, total_pages: Math.max(1, Math.ceil(items.length / pageSize)), total_results: items.length },
  };
}
