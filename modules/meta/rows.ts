import { OpenApiDocument } from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).
export const openapiRow = /* @__PURE__ */ defineEndpoint({
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
});

/** This API's own description. Rows of the endpoint table (functions/endpoints.ts). */
export const metaEndpoints: AnyEndpoint[] = [openapiRow];
