import { RoutingVersionsResponse, TollFreeNumberParam, TollFreeRoutingVersionParams } from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

/** The toll-free desk in daily operation: routing versions, transfers, LOAs, registry repairs. Rows of the endpoint table (functions/endpoints.ts). */
export const tollfreeDeskEndpoints: AnyEndpoint[] = [
  defineEndpoint({
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
    operation: () => import('../tollfree/routing-list.js'),
  }),
  defineEndpoint({
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
    operation: () => import('../tollfree/routing-cancel.js'),
  }),
];
