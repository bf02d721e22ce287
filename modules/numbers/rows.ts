import {
  ReleaseNumberQuery,
  NumberCheckQuery,
  NumberCheckResponse,
  AvailableNumbersResponse,
  CreateNumberBody,
  ListNumbersQuery,
  NumberId,
  NumbersPage,
  PhoneNumberResource,
  ReleaseNumberBody,
  SearchAvailableQuery,
  UpdateNumberBody,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).
export const numbersSearchAvailableRow = /* @__PURE__ */ defineEndpoint({
  name: 'numbersSearchAvailable',
  method: 'GET',
  path: '/v1/numbers/available',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'numbers',
  summary: 'Search numbers available to buy at a provider (numbers the tenant released within RELEASE_QUARANTINE_DAYS left out)',
  query: SearchAvailableQuery,
  response: AvailableNumbersResponse,
  successStatus: 200,
  errors: ['CONFLICT', 'PROVIDER_ERROR', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'],
  runtime: { memory: '256Mi', timeoutSeconds: 30 },
  operation: () => import('./operations/search-available.js'),
});

export const numbersCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'numbersCreate',
  method: 'POST',
  path: '/v1/numbers',
  access: 'member',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'numbers',
  summary: 'Buy a number, or import one into Vapi (provider "vapi" with a source)',
  description:
    'Buys the number from the provider and stores it for the caller’s tenant. Send an Idempotency-Key header: a retry with the same key replays the first answer, and a number is never bought twice. The answer says which account paid: accountId and account {id, kind platform|own, label}. Without an account of its own for the provider, a tenant whose accountPolicy is own-only gets 409 CONFLICT (details.reason no_account); otherwise the platform’s account buys.',
  body: CreateNumberBody,
  bodyRequired: true,
  response: PhoneNumberResource,
  successStatus: 201,
  idempotent: true,
  errors: ['CONFLICT', 'PAYMENT_REQUIRED', 'PROVIDER_ERROR', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'],
  runtime: { memory: '256Mi', timeoutSeconds: 60 },
  operation: () => import('./operations/create.js'),
});

export const numbersListRow = /* @__PURE__ */ defineEndpoint({
  name: 'numbersList',
  method: 'GET',
  path: '/v1/numbers',
  access: 'member',
  needs: [],
  tag: 'numbers',
  summary: 'List the tenant’s numbers (filters, cursor pagination, newest first)',
  query: ListNumbersQuery,
  response: NumbersPage,
  successStatus: 200,
  errors: [],
  runtime: { memory: '256Mi', timeoutSeconds: 30 },
  operation: () => import('./operations/list.js'),
});

export const numbersGetRow = /* @__PURE__ */ defineEndpoint({
  name: 'numbersGet',
  method: 'GET',
  path: '/v1/numbers/{id}',
  access: 'member',
  needs: [],
  tag: 'numbers',
  summary: 'Get one of the tenant’s numbers, by id or by its E.164 (/v1/numbers/+14155550123)',
  params: NumberId,
  response: PhoneNumberResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  runtime: { memory: '256Mi', timeoutSeconds: 30 },
  operation: () => import('./operations/get.js'),
});

export const numbersUpdateRow = /* @__PURE__ */ defineEndpoint({
  name: 'numbersUpdate',
  method: 'PATCH',
  path: '/v1/numbers/{id}',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'numbers',
  summary: 'Change display name, tags, channels, webhook URL or active/inactive status (by id or E.164)',
  params: NumberId,
  body: UpdateNumberBody,
  bodyRequired: true,
  response: PhoneNumberResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR'],
  runtime: { memory: '256Mi', timeoutSeconds: 60 },
  operation: () => import('./operations/update.js'),
});

export const numbersReleaseRow = /* @__PURE__ */ defineEndpoint({
  name: 'numbersRelease',
  method: 'DELETE',
  path: '/v1/numbers/{id}',
  access: 'admin',
  needs: ['secrets:read-provider'],
  tag: 'numbers',
  summary: 'Release a number back to the provider, by id or by E.164 (admin; irreversible; ?force=true detaches it from its agents; ?recordsOnly=true drops a detached number from our records only)',
  params: NumberId,
  query: ReleaseNumberQuery,
  body: ReleaseNumberBody,
  response: PhoneNumberResource,
  successStatus: 200,
  idempotent: true,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR'],
  runtime: { memory: '256Mi', timeoutSeconds: 60 },
  operation: () => import('./operations/release.js'),
});

export const numbersCheckRow = /* @__PURE__ */ defineEndpoint({
  name: 'numbersCheck',
  method: 'GET',
  path: '/v1/numbers/check',
  access: 'member',
  needs: [],
  tag: 'numbers',
  summary: 'Does this gig already have a number? (numbers held with externalRef = gigId)',
  query: NumberCheckQuery,
  response: NumberCheckResponse,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/check.js'),
});

/** The numbers endpoints. Rows of the endpoint table (functions/endpoints.ts). */
export const numbersEndpoints: AnyEndpoint[] = [
  numbersSearchAvailableRow,
  numbersCreateRow,
  numbersListRow,
  numbersGetRow,
  numbersUpdateRow,
  numbersReleaseRow,
  numbersCheckRow,
];
