import { z } from 'zod';
import type { AnyEndpoint as Endpoint } from './endpoint.js';
import { errorStatus, type ErrorCode } from '../http/errors.js';

const ErrorEnvelope = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string(),
  }),
});

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
};

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const commonErrors = (endpoint: Endpoint): ErrorCode[] => [
  'VALIDATION_ERROR',
  ...(endpoint.access === 'public' ? [] : endpoint.access === 'webhook' ? (['UNAUTHENTICATED'] as ErrorCode[]) : (['UNAUTHENTICATED', 'FORBIDDEN'] as ErrorCode[])),
  'INTERNAL',
];

/** Builds the OpenAPI 3.1 document from the endpoint table. */
export function buildOpenApi(endpoints: readonly Endpoint[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const errorCodes = [...new Set([...commonErrors(endpoint), ...endpoint.errors])];
    const responses: Record<string, unknown> = {
      [String(endpoint.successStatus)]: {
        description: 'Success',
        content: { 'application/json': { schema: toSchema(endpoint.response, 'output') } },
      },
    };
    for (const code of errorCodes) {
      const status = String(errorStatus[code]);
      const existing = responses[status] as { description: string } | undefined;
      responses[status] = {
        description: existing ? `${existing.description}, ${code}` : code,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: endpoint.name,
      summary: endpoint.summary,
      ...(endpoint.description ? { description: endpoint.description } : {}),
      tags: [endpoint.tag],
      'x-function-name': endpoint.name,
      security:
        endpoint.access === 'public' || endpoint.access === 'webhook'
          ? []
          : endpoint.access === 'task'
            ? [{ cloudTasksOidc: [] }]
            : [{ firebaseIdToken: [] }],
      ...(endpoint.access === 'webhook' ? { 'x-authentication': 'provider signature over the raw body' } : {}),
      ...(endpoint.access === 'admin' ? { 'x-required-role': 'admin' } : {}),
      // The role some values of a body field need beyond `access` (403 FORBIDDEN for a caller without it).
      ...(endpoint.roleByBodyField
        ? { 'x-required-role-by-body-field': { field: endpoint.roleByBodyField.field, roles: { ...endpoint.roleByBodyField.roles() } } }
        : {}),
      parameters: [
        ...parameters(endpoint.params, 'path'),
        ...parameters(endpoint.query, 'query'),
        ...(endpoint.idempotent
          ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }]
          : []),
      ],
      ...(endpoint.body
        ? {
            requestBody: {
              required: endpoint.bodyRequired ?? false,
              content: { 'application/json': { schema: toSchema(endpoint.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
    paths[endpoint.path] = { ...paths[endpoint.path], [endpoint.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Phone-number platform API',
      version: '1.0.0',
      description: 'Search, buy, configure and release phone numbers across providers. Every error is {"error":{"code","message","details?","requestId"}}.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Firebase ID token with tenantId and role claims' },
        cloudTasksOidc: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Google OIDC token of the platform’s Cloud Tasks service account (internal endpoints)' },
      },
      schemas: { Error: toSchema(ErrorEnvelope, 'output') },
    },
  };
}
