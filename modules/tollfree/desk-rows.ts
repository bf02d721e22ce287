import {
  RespOrgLoaResource,
  RespOrgTransferId,
  RespOrgTransferResource,
  RespOrgTransfersPage,
  RespOrgTransfersQuery,
  RoutingVersionsResponse,
  TollFreeNumberParam,
  TollFreeRoutingVersionParams,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).
export const tollfreeRoutingVersionsRow = /* @__PURE__ */ defineEndpoint({
  name: 'tollfreeRoutingVersions',
  method: 'GET',
  path: '/v1/tollfree/{number}/routing',
  access: 'member',
  needs: ['somos'],
  tag: 'tollfree',
  summary: 'The current routing and the pending (future-dated) versions, with the registry’s own list of customer record versions',
  params: TollFreeNumberParam,
  response: RoutingVersionsResponse,
  successStatus: 200,
  errors: ['NOT_FOUND', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/routing-list.js'),
});

export const tollfreeRoutingVersionCancelRow = /* @__PURE__ */ defineEndpoint({
  name: 'tollfreeRoutingVersionCancel',
  method: 'DELETE',
  path: '/v1/tollfree/{number}/routing/{versionId}',
  access: 'admin',
  needs: ['somos'],
  tag: 'tollfree',
  summary: 'Cancel a pending routing version (deleted at the registry); the current routing is untouched',
  params: TollFreeRoutingVersionParams,
  response: RoutingVersionsResponse,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/routing-cancel.js'),
});

export const resporgTransfersListRow = /* @__PURE__ */ defineEndpoint({
  name: 'resporgTransfersList',
  method: 'GET',
  path: '/v1/resporg/transfers',
  access: 'member',
  needs: [],
  tag: 'tollfree',
  summary: 'The tenant’s RespOrg transfers, newest first: ?status, ?direction (in, out), ?number; paginated',
  query: RespOrgTransfersQuery,
  response: RespOrgTransfersPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/resporg/transfer-list.js'),
});

export const resporgTransfersCancelRow = /* @__PURE__ */ defineEndpoint({
  name: 'resporgTransfersCancel',
  method: 'POST',
  path: '/v1/resporg/transfers/{id}/cancel',
  access: 'admin',
  needs: ['somos', 'tasks:enqueue'],
  tag: 'tollfree',
  summary: 'Cancel a transfer: its open RespOrg changes are withdrawn at the registry (completed numbers stay)',
  params: RespOrgTransferId,
  response: RespOrgTransferResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/resporg/transfer-cancel.js'),
});

export const resporgLoaUploadRow = /* @__PURE__ */ defineEndpoint({
  name: 'resporgLoaUpload',
  method: 'POST',
  path: '/v1/resporg/loas',
  access: 'admin',
  needs: ['secrets:read-provider'],
  tag: 'tollfree',
  summary: 'Upload a signed LOA (multipart "file": a PDF by content, ≤ 10 MB) for RespOrg transfers; only the document store’s reference is kept',
  response: RespOrgLoaResource,
  successStatus: 201,
  maxBodyBytes: 11_534_336, // 11 MiB
  rawBodyTypes: ['multipart/form-data'],
  errors: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'PROVIDER_ERROR', 'SERVICE_UNAVAILABLE'],
  runtime: { memory: '512Mi', timeoutSeconds: 120 },
  operation: () => import('./operations/resporg/loa-upload.js'),
});

/** The toll-free desk in daily operation: routing versions, transfers, LOAs, registry repairs. Rows of the endpoint table (functions/endpoints.ts). */
export const tollfreeDeskEndpoints: AnyEndpoint[] = [
  tollfreeRoutingVersionsRow,
  tollfreeRoutingVersionCancelRow,
  resporgTransfersListRow,
  resporgTransfersCancelRow,
  resporgLoaUploadRow,
];
