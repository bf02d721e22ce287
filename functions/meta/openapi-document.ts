/**
 * This API's OpenAPI document: the whole endpoint table rendered (shared/api/openapi.ts), loaded on
 * first use here (the local stack, tests). The deployed `openapi` function never runs this: the
 * per-function build (scripts/build-functions.ts) replaces this module in its bundle with the
 * document it renders at build time from this very function, so that function loads no table.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const [{ endpoints }, { buildOpenApi }] = await Promise.all([import('../endpoints.js'), import('../../shared/api/openapi.js')]);
  return buildOpenApi(endpoints);
}
