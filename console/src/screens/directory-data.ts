/** Locations and agents for pickers (first 100 of each: the pickers' scope). */
import type { Api, Body } from '../client';
import { run } from '../client';
import { useLoad } from '../ui/hooks';

export type Location = Body<'/v1/locations', 'get'>['data'][number];
export type Agent = Body<'/v1/agents', 'get'>['data'][number];

export function useLocations(api: Api) {
  return useLoad(() => run(api.GET('/v1/locations', { params: { query: { limit: 100 } } })), []);
}
export function useAgents(api: Api) {
  return useLoad(() => run(api.GET('/v1/agents', { params: { query: { limit: 100 } } })), []);
}
export const options = (items: { id: string; name: string }[] | undefined, none: string) =>
  [['', none] as const, ...(items ?? []).map((x) => [x.id, x.name] as const)];
