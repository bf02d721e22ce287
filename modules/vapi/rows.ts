import {
  ListPageQuery,
  CreateVapiCredentialBody,
  VapiCredentialId,
  VapiCredentialResource,
  VapiCredentialsPage,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).

// ---- vapi credentials (created on their own or by imports; secrets never stored) ----
export const vapiCredentialsListRow = /* @__PURE__ */ defineEndpoint({
  name: 'vapiCredentialsList',
  method: 'GET',
  path: '/v1/vapi/credentials',
  access: 'member',
  needs: [],
  tag: 'vapi',
  summary: 'The tenant’s Vapi credentials (ids and labels; the secrets went to Vapi only)',
  query: ListPageQuery,
  response: VapiCredentialsPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/credentials-list.js'),
});

export const vapiCredentialsCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'vapiCredentialsCreate',
  method: 'POST',
  path: '/v1/vapi/credentials',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'vapi',
  summary: 'Create a Vapi credential on its own (vonage, telnyx, byo-sip-trunk; verified with Vonage/Telnyx), for imports to name by source.credentialId',
  body: CreateVapiCredentialBody,
  bodyRequired: true,
  response: VapiCredentialResource,
  successStatus: 201,
  idempotent: true,
  errors: ['NOT_FOUND', 'PROVIDER_ERROR', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/credentials-create.js'),
});

export const vapiCredentialsDeleteRow = /* @__PURE__ */ defineEndpoint({
  name: 'vapiCredentialsDelete',
  method: 'DELETE',
  path: '/v1/vapi/credentials/{id}',
  access: 'admin',
  needs: ['secrets:read-provider'],
  tag: 'vapi',
  summary: 'Delete a Vapi credential at Vapi and here (409 while a number uses it)',
  params: VapiCredentialId,
  response: VapiCredentialResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR'],
  operation: () => import('./operations/credentials-delete.js'),
});

/** Vapi credentials. Rows of the endpoint table (functions/endpoints.ts). */
export const vapiEndpoints: AnyEndpoint[] = [vapiCredentialsListRow, vapiCredentialsCreateRow, vapiCredentialsDeleteRow];
