import {
  CreateProviderAccountBody,
  DeleteWithForceQuery,
  ListPageQuery,
  ProviderAccountId,
  ProviderAccountResource,
  ProviderAccountsPage,
  TenantSettingsResource,
  UpdateProviderAccountBody,
  UpdateTenantSettingsBody,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).

// ---- provider accounts (bring-your-own credentials; secrets live in Secret Manager) ----
export const providerAccountsCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'providerAccountsCreate',
  method: 'POST',
  path: '/v1/provider-accounts',
  access: 'admin',
  needs: ['secrets:read-tenant', 'secrets:write-tenant'],
  tag: 'provider-accounts',
  summary: 'Add the tenant’s own provider account (credentials verified with the provider, stored in Secret Manager; 409 when the same account is added already; the same account removed earlier gets its id and numbers back)',
  body: CreateProviderAccountBody,
  bodyRequired: true,
  response: ProviderAccountResource,
  successStatus: 201,
  errors: ['PROVIDER_ERROR'],
  operation: () => import('./operations/create.js'),
});

export const providerAccountsListRow = /* @__PURE__ */ defineEndpoint({
  name: 'providerAccountsList',
  method: 'GET',
  path: '/v1/provider-accounts',
  access: 'admin',
  needs: [],
  tag: 'provider-accounts',
  summary: 'List the tenant’s provider accounts (credentials masked)',
  query: ListPageQuery,
  response: ProviderAccountsPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/list.js'),
});

export const providerAccountsDeleteRow = /* @__PURE__ */ defineEndpoint({
  name: 'providerAccountsDelete',
  method: 'DELETE',
  path: '/v1/provider-accounts/{id}',
  access: 'admin',
  needs: ['secrets:read-tenant', 'secrets:write-tenant'],
  tag: 'provider-accounts',
  summary: 'Remove a provider account and its secret (409 while numbers or a running bulk job use it, unless ?force=true: its numbers stay held, detached, until the same account is added again)',
  params: ProviderAccountId,
  query: DeleteWithForceQuery,
  response: ProviderAccountResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT'],
  operation: () => import('./operations/delete.js'),
});

export const providerAccountsUpdateRow = /* @__PURE__ */ defineEndpoint({
  name: 'providerAccountsUpdate',
  method: 'PATCH',
  path: '/v1/provider-accounts/{id}',
  access: 'admin',
  needs: ['secrets:read-provider', 'secrets:write-tenant'],
  tag: 'provider-accounts',
  summary: 'Rotate a provider account’s credentials (verified with the provider first), or change its label or default flag',
  description:
    'New credentials must be for the same provider account (same Account SID / Auth ID / API key; a Telnyx key names no account). They are verified with the provider, stored as a new Secret Manager version, read back and used once more, and only then are the older versions disabled; until then the account keeps working with its current credentials.',
  params: ProviderAccountId,
  body: UpdateProviderAccountBody,
  bodyRequired: true,
  response: ProviderAccountResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/update.js'),
});

// ---- tenant settings ----
export const tenantSettingsGetRow = /* @__PURE__ */ defineEndpoint({
  name: 'tenantSettingsGet',
  method: 'GET',
  path: '/v1/tenant/settings',
  access: 'admin',
  needs: [],
  tag: 'tenant',
  summary: 'The tenant’s settings: accountPolicy (platform or own-only) and the toll-free carriers (CIC), each with where it comes from',
  response: TenantSettingsResource,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/settings-get.js'),
});

export const tenantSettingsUpdateRow = /* @__PURE__ */ defineEndpoint({
  name: 'tenantSettingsUpdate',
  method: 'PATCH',
  path: '/v1/tenant/settings',
  access: 'admin',
  needs: [],
  tag: 'tenant',
  summary: 'Set the tenant’s accountPolicy (own-only refuses purchases without an account of the tenant’s own) or tollfreeCarriers (CICs of its toll-free customer records); null: the deployment default',
  body: UpdateTenantSettingsBody,
  bodyRequired: true,
  response: TenantSettingsResource,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/settings-update.js'),
});

/** Provider accounts and tenant settings. Rows of the endpoint table (functions/endpoints.ts). */
export const accountsEndpoints: AnyEndpoint[] = [
  providerAccountsCreateRow,
  providerAccountsListRow,
  providerAccountsDeleteRow,
  providerAccountsUpdateRow,
  tenantSettingsGetRow,
  tenantSettingsUpdateRow,
];
