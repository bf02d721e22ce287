import { readFile } from 'node:fs/promises';

/**
 * This API's OpenAPI document: the endpoint table as `npm run generate` renders it into
 * terraform/openapi.json (test/unit/endpoint-table.test.ts fails when that file is stale), read on
 * first use here (the local stack, tests) — so no function, the `openapi` one included, loads the
 * table. The deployed bundle has the document in it: the per-function build
 * (scripts/build-functions.ts) replaces this module with the document it reads here at build time.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL('../../../terraform/openapi.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}
