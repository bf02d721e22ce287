import type { z } from 'zod';
import type { AnyEndpoint as Endpoint } from './endpoint.js';
import { mapRefs, reachable, schemaCatalog, type JsonSchema } from './openapi/components.js';
import { curatedExamples } from './openapi/curated-examples.js';
import { errorComponentNames, errorComponents } from './openapi/errors.js';
import { sampler } from './openapi/examples.js';
import { headerComponents, parameterComponents } from './openapi/headers.js';
import { operation } from './openapi/operations.js';
import { validExample } from './openapi/valid-example.js';
import { webhooks } from './openapi/webhooks.js';

/** What each tag groups; a tag not listed here is described by its name. */
const TAGS: Readonly<Record<string, string>> = {
  meta: 'This document',
  numbers: 'Search, buy, configure and release phone numbers',
  requirements: 'Regulatory requirements some countries ask for before they sell a number',
  jobs: 'Bulk jobs (up to 10,000 items) and the secret their notifications are signed with',
  vapi: 'Vapi imports and credentials',
  webhooks: 'Callbacks providers make (each checks the provider’s own signature)',
  'provider-accounts': 'The tenant’s own provider accounts (bring your own)',
  tenant: 'The tenant’s settings',
  locations: 'The tenant’s locations, which numbers belong to',
  agents: 'The tenant’s agents: which number answers for them and which they call from',
  audit: 'Who changed what',
  reconciliation: 'Differences found between our records and the providers’',
  tollfree: 'Toll-free numbers at the Somos registry: reserve, activate, route, text-enable, RespOrg transfers',
  internal: 'Targets of Cloud Tasks and Cloud Scheduler, not for clients (the platform’s OIDC token only)',
  notifications: 'What the platform sends to your URLs, signed (see POST /v1/signing-secret)',
};

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** Builds the OpenAPI 3.1 document from the endpoint table. */
export function buildOpenApi(endpoints: readonly Endpoint[]): Record<string, unknown> {
  // Each body and answer is a named component: its export name, or its operation's.
  const unnamed = new Map<z.ZodType, string>();
  for (const e of endpoints) {
    if (e.body) unnamed.set(e.body, `${pascal(e.name)}Request`);
    unnamed.set(e.response, `${pascal(e.name)}Response`);
  }
  const catalog = schemaCatalog(errorComponentNames(), unnamed);
  const examples = sampler(catalog.schemas, curatedExamples);
  const ctx = { ...catalog, components: catalog.schemas, sampler: examples };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    paths[endpoint.path] = { ...paths[endpoint.path], [endpoint.method.toLowerCase()]: operation(endpoint, ctx) };
  }
  const outgoing = webhooks(catalog.outputName, (schema) => validExample(examples, { $ref: `#/components/schemas/${catalog.outputName(schema)}` }, schema, 'response'));
  const tags = [...new Set([...endpoints.map((e) => e.tag), 'notifications'])].map((name) => ({ name, description: TAGS[name] ?? `The ${name} endpoints` }));
  const errors = errorComponents();
  const schemas = reachable(catalog.schemas, { paths, outgoing, errors });
  return plainInputNames({
    openapi: '3.1.0',
    info: {
      title: 'Phone-number platform API',
      version: '1.0.0',
      description: [
        'Search, buy, configure and release phone numbers across providers.',
        'Every error is `{"error":{"code","message","details?","requestId"}}`: `code` tells which `details` it carries (components.schemas.Error). Every answer has an x-request-id header.',
        'Every authenticated call counts against a per-caller request rate: beyond it, 429 RATE_LIMITED with Retry-After.',
        'What the platform sends to your URLs (relayed messages, job callbacks) is under webhooks, signed with X-Signature.',
      ].join('\n\n'),
      license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
      contact: { name: 'The platform’s operators' },
    },
    servers: [{ url: '/', description: 'This deployment (the local stack: http://127.0.0.1:8080)' }],
    tags,
    paths,
    webhooks: outgoing,
    components: {
      securitySchemes: {
        firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Firebase ID token with tenantId and role claims' },
        cloudTasksOidc: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Google OIDC token of the platform’s Cloud Tasks service account (internal endpoints)' },
      },
      schemas,
      headers: headerComponents,
      parameters: parameterComponents,
      examples: errors.examples,
      responses: errors.responses,
    },
  });
}

/** A request form (`XInput`) whose answer form (`X`) nothing uses takes the plain name. */
function plainInputNames(doc: { components: { schemas: Record<string, JsonSchema> } & Record<string, unknown> } & Record<string, unknown>) {
  const { schemas } = doc.components;
  const plain = new Map(
    Object.keys(schemas)
      .filter((name) => name.endsWith('Input') && !schemas[name.slice(0, -'Input'.length)])
      .map((name) => [name, name.slice(0, -'Input'.length)]),
  );
  const prefix = '#/components/schemas/';
  const renamed = mapRefs(doc, (ref) => (ref.startsWith(prefix) && plain.has(ref.slice(prefix.length)) ? prefix + plain.get(ref.slice(prefix.length)) : ref));
  renamed.components.schemas = Object.fromEntries(Object.entries(renamed.components.schemas).map(([name, schema]) => [plain.get(name) ?? name, schema]));
  return renamed as Record<string, unknown>;
}
