import {
  AgentId,
  AgentResource,
  AgentsPage,
  CreateAgentBody,
  CreateLocationBody,
  ListPageQuery,
  LocationId,
  LocationResource,
  LocationsPage,
  UpdateAgentBody,
  UpdateLocationBody,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).

// ---- locations ----
export const locationsCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'locationsCreate',
  method: 'POST',
  path: '/v1/locations',
  access: 'admin',
  needs: [],
  tag: 'locations',
  summary: 'Create a clinic, office or site',
  body: CreateLocationBody,
  bodyRequired: true,
  response: LocationResource,
  successStatus: 201,
  errors: [],
  operation: () => import('./operations/locations/create.js'),
});

export const locationsListRow = /* @__PURE__ */ defineEndpoint({
  name: 'locationsList',
  method: 'GET',
  path: '/v1/locations',
  access: 'member',
  needs: [],
  tag: 'locations',
  summary: 'List locations',
  query: ListPageQuery,
  response: LocationsPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/locations/list.js'),
});

export const locationsGetRow = /* @__PURE__ */ defineEndpoint({
  name: 'locationsGet',
  method: 'GET',
  path: '/v1/locations/{id}',
  access: 'member',
  needs: [],
  tag: 'locations',
  summary: 'Get a clinic, office or site',
  params: LocationId,
  response: LocationResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/locations/get.js'),
});

export const locationsUpdateRow = /* @__PURE__ */ defineEndpoint({
  name: 'locationsUpdate',
  method: 'PATCH',
  path: '/v1/locations/{id}',
  access: 'admin',
  needs: [],
  tag: 'locations',
  summary: 'Change a clinic, office or site',
  params: LocationId,
  body: UpdateLocationBody,
  bodyRequired: true,
  response: LocationResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/locations/update.js'),
});

export const locationsDeleteRow = /* @__PURE__ */ defineEndpoint({
  name: 'locationsDelete',
  method: 'DELETE',
  path: '/v1/locations/{id}',
  access: 'admin',
  needs: [],
  tag: 'locations',
  summary: 'Delete a clinic, office or site (409 while it still has numbers)',
  params: LocationId,
  response: LocationResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT'],
  operation: () => import('./operations/locations/delete.js'),
});

// ---- agents ----
export const agentsCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'agentsCreate',
  method: 'POST',
  path: '/v1/agents',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'agents',
  summary: 'Create a voice agent',
  body: CreateAgentBody,
  bodyRequired: true,
  response: AgentResource,
  successStatus: 201,
  errors: ['NOT_FOUND', 'CONFLICT'],
  operation: () => import('./operations/agents/create.js'),
});

export const agentsListRow = /* @__PURE__ */ defineEndpoint({
  name: 'agentsList',
  method: 'GET',
  path: '/v1/agents',
  access: 'member',
  needs: [],
  tag: 'agents',
  summary: 'List agents',
  query: ListPageQuery,
  response: AgentsPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/agents/list.js'),
});

export const agentsGetRow = /* @__PURE__ */ defineEndpoint({
  name: 'agentsGet',
  method: 'GET',
  path: '/v1/agents/{id}',
  access: 'member',
  needs: [],
  tag: 'agents',
  summary: 'Get a voice agent',
  params: AgentId,
  response: AgentResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/agents/get.js'),
});

export const agentsUpdateRow = /* @__PURE__ */ defineEndpoint({
  name: 'agentsUpdate',
  method: 'PATCH',
  path: '/v1/agents/{id}',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'agents',
  summary: 'Change a voice agent',
  params: AgentId,
  body: UpdateAgentBody,
  bodyRequired: true,
  response: AgentResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT'],
  operation: () => import('./operations/agents/update.js'),
});

export const agentsDeleteRow = /* @__PURE__ */ defineEndpoint({
  name: 'agentsDelete',
  method: 'DELETE',
  path: '/v1/agents/{id}',
  access: 'admin',
  needs: [],
  tag: 'agents',
  summary: 'Delete a voice agent (its numbers are detached)',
  params: AgentId,
  response: AgentResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/agents/delete.js'),
});

/** Locations and agents. Rows of the endpoint table (functions/endpoints.ts). */
export const locationsAgentsEndpoints: AnyEndpoint[] = [
  locationsCreateRow,
  locationsListRow,
  locationsGetRow,
  locationsUpdateRow,
  locationsDeleteRow,
  agentsCreateRow,
  agentsListRow,
  agentsGetRow,
  agentsUpdateRow,
  agentsDeleteRow,
];
