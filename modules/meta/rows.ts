import { OpenApiDocument } from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

/** This API's own description. Rows of the endpoint table (functions/endpoints.ts). */
export const metaEndpoints: AnyEndpoint[] = [
  defineEndpoint({
    name: 'openapi',
    method: 'GET',
    path: '/v1/openapi.json',
    access: 'public',
    needs: [],
    tag: 'meta',
    summary: 'This API’s OpenAPI 3.1 document',
    response: OpenApiDocument,
    successStatus: 200,
    errors: [],
    runtime: { memory: '256Mi', timeoutSeconds: 10 },
    operation: () => import('./operations/openapi.js'),
  }),
];
