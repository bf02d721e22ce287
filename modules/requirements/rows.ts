import {
  AddressId,
  AddressResource,
  AddressesPage,
  AddressesQuery,
  CreateAddressBody,
  CreateRequirementGroupBody,
  PollRequirementGroupResult,
  PollRequirementGroupTask,
  RequirementGroupId,
  RequirementGroupResource,
  RequirementGroupsPage,
  RequirementGroupsQuery,
  RequirementGroupStatusResponse,
  RequirementsQuery,
  RequirementsResponse,
  RequirementValueParams,
  SetRequirementValueBody,
  WebhookAck,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).

// ---- regulatory requirements (Telnyx) ----
export const requirementsListRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementsList',
  method: 'GET',
  path: '/v1/requirements',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'requirements',
  summary: 'What a country asks for before it sells a number type (cached for an hour)',
  query: RequirementsQuery,
  response: RequirementsResponse,
  successStatus: 200,
  errors: ['PROVIDER_ERROR'],
  operation: () => import('./operations/requirements-list.js'),
});

export const requirementGroupsCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementGroupsCreate',
  method: 'POST',
  path: '/v1/requirement-groups',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'requirements',
  summary: 'Get or create the tenant’s requirement group for a country, number type and action — per client company with companyId (201 created, 200 existing)',
  body: CreateRequirementGroupBody,
  bodyRequired: true,
  response: RequirementGroupResource,
  successStatus: 201,
  errors: ['PROVIDER_ERROR'],
  operation: () => import('./operations/groups/create.js'),
});

export const requirementGroupsListRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementGroupsList',
  method: 'GET',
  path: '/v1/requirement-groups',
  access: 'member',
  needs: [],
  tag: 'requirements',
  summary: 'List the tenant’s requirement groups (?country=, ?companyId=)',
  query: RequirementGroupsQuery,
  response: RequirementGroupsPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/groups/list.js'),
});

export const requirementGroupsGetRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementGroupsGet',
  method: 'GET',
  path: '/v1/requirement-groups/{id}',
  access: 'member',
  needs: [],
  tag: 'requirements',
  summary: 'Get a requirement group with its saved values',
  params: RequirementGroupId,
  response: RequirementGroupResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/groups/get.js'),
});

export const requirementGroupsSetValueRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementGroupsSetValue',
  method: 'POST',
  path: '/v1/requirement-groups/{id}/values/{requirementId}',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'requirements',
  summary: 'Save a value: {value} for a textual requirement (checked against the acceptance criteria), {addressId} for an address requirement (free text is refused)',
  params: RequirementValueParams,
  body: SetRequirementValueBody,
  bodyRequired: true,
  response: RequirementGroupResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR'],
  operation: () => import('./operations/groups/set-value.js'),
});

export const requirementGroupsUploadDocumentRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementGroupsUploadDocument',
  method: 'POST',
  path: '/v1/requirement-groups/{id}/documents/{requirementId}',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'requirements',
  summary: 'Upload a document (multipart "file": PDF, JPEG or PNG by content, ≤ 10 MB); only the provider’s document id is kept',
  params: RequirementValueParams,
  response: RequirementGroupResource,
  successStatus: 200,
  maxBodyBytes: 11_534_336, // 11 MiB
  rawBodyTypes: ['multipart/form-data'],
  errors: ['NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'PROVIDER_ERROR'],
  runtime: { memory: '512Mi', timeoutSeconds: 120 },
  operation: () => import('./operations/groups/upload-document.js'),
});

export const requirementGroupsStatusRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementGroupsStatus',
  method: 'GET',
  path: '/v1/requirement-groups/{id}/status',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'requirements',
  summary: 'Completion and approval status: what is still missing, the provider’s reasons per declined value, whether numbers can be ordered',
  params: RequirementGroupId,
  response: RequirementGroupStatusResponse,
  successStatus: 200,
  errors: ['NOT_FOUND', 'PROVIDER_ERROR'],
  operation: () => import('./operations/groups/status.js'),
});

export const requirementGroupsSubmitRow = /* @__PURE__ */ defineEndpoint({
  name: 'requirementGroupsSubmit',
  method: 'POST',
  path: '/v1/requirement-groups/{id}/submit',
  access: 'member',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'requirements',
  summary: 'Submit a complete group for approval (REQUIREMENTS_INCOMPLETE lists what is missing)',
  params: RequirementGroupId,
  response: RequirementGroupResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'REQUIREMENTS_INCOMPLETE', 'PROVIDER_ERROR'],
  operation: () => import('./operations/groups/submit.js'),
});

// ---- addresses (what an address requirement takes) ----
export const addressesCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'addressesCreate',
  method: 'POST',
  path: '/v1/addresses',
  access: 'member',
  needs: ['secrets:read-provider'],
  tag: 'requirements',
  summary: 'Get or create an address for address requirements (validated by Telnyx, created there once; the same address again → 200 with the same id)',
  body: CreateAddressBody,
  bodyRequired: true,
  response: AddressResource,
  successStatus: 201,
  errors: ['CONFLICT', 'PROVIDER_ERROR'],
  operation: () => import('./operations/addresses/create.js'),
});

export const addressesListRow = /* @__PURE__ */ defineEndpoint({
  name: 'addressesList',
  method: 'GET',
  path: '/v1/addresses',
  access: 'member',
  needs: [],
  tag: 'requirements',
  summary: 'List the tenant’s addresses (?companyId=, ?country=)',
  query: AddressesQuery,
  response: AddressesPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/addresses/list.js'),
});

export const addressesGetRow = /* @__PURE__ */ defineEndpoint({
  name: 'addressesGet',
  method: 'GET',
  path: '/v1/addresses/{id}',
  access: 'member',
  needs: [],
  tag: 'requirements',
  summary: 'Get one of the tenant’s addresses',
  params: AddressId,
  response: AddressResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/addresses/get.js'),
});

// ---- provider webhooks ----
export const webhookTelnyxRow = /* @__PURE__ */ defineEndpoint({
  name: 'webhookTelnyx',
  method: 'POST',
  path: '/webhooks/telnyx',
  access: 'webhook',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'webhooks',
  summary: 'Telnyx number_order.* events (Ed25519-signed; stale, forged and duplicate events change nothing)',
  response: WebhookAck,
  successStatus: 200,
  errors: ['SERVICE_UNAVAILABLE'],
  runtime: { memory: '256Mi', timeoutSeconds: 30, minInstances: 0 },
  operation: () => import('./operations/webhook-telnyx.js'),
});

export const pollRequirementGroupTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'taskPollRequirementGroup',
  path: '/internal/tasks/poll-requirement-group',
  method: 'POST',
  access: 'task',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'internal',
  summary: 'Poll a submitted requirement group’s approval (Cloud Tasks, every 5 minutes while pending)',
  body: PollRequirementGroupTask,
  bodyRequired: true,
  response: PollRequirementGroupResult,
  successStatus: 200,
  errors: ['PROVIDER_ERROR'],
  operation: () => import('./operations/poll-requirement-group.js'),
});

/** Regulatory requirements and requirement groups (Telnyx), the Telnyx order webhook and the group poll. Rows of the endpoint table (functions/endpoints.ts). */
export const requirementsEndpoints: AnyEndpoint[] = [
  requirementsListRow,
  requirementGroupsCreateRow,
  requirementGroupsListRow,
  requirementGroupsGetRow,
  requirementGroupsSetValueRow,
  requirementGroupsUploadDocumentRow,
  requirementGroupsStatusRow,
  requirementGroupsSubmitRow,
  addressesCreateRow,
  addressesListRow,
  addressesGetRow,
  webhookTelnyxRow,
  pollRequirementGroupTaskRow,
];
