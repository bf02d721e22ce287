import type { z } from 'zod';
import type { AnyEndpoint as Endpoint } from '../endpoint.js';
import { errorStatus, type ErrorCode } from '../../http/errors.js';
import { schemaRef, type JsonSchema } from './components.js';
import { errorSchemaName } from './errors.js';
import { responseHeaders } from './headers.js';
import type { Sampler } from './examples.js';
import { toSchema } from './json-schema.js';
import { validExample } from './valid-example.js';

export interface OperationContext {
  inputName(schema: z.ZodType): string;
  outputName(schema: z.ZodType): string;
  components: Record<string, JsonSchema>;
  sampler: Sampler;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query', sampler: Sampler) {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  return Object.entries((json.properties ?? {}) as Record<string, JsonSchema>).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || ((json.required ?? []) as string[]).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
    example: sampler.sample(property, 'request', name),
  }));
}

/**
 * The codes any call of an endpoint may meet besides its own: bad input, a missing or wrong token
 * (and a role too low), the per-caller request rate every authenticated call counts against
 * (shared/domain/limits.ts), bodies too large or of another type, and the unexpected.
 */
export const commonErrors = (endpoint: Endpoint): ErrorCode[] => {
  const authenticated = endpoint.access === 'member' || endpoint.access === 'admin';
  return [
    'VALIDATION_ERROR',
    ...(endpoint.access === 'public' ? [] : endpoint.access === 'webhook' ? (['UNAUTHENTICATED'] as ErrorCode[]) : (['UNAUTHENTICATED', 'FORBIDDEN'] as ErrorCode[])),
    ...(authenticated ? (['RATE_LIMITED'] as ErrorCode[]) : []),
    ...(endpoint.body || endpoint.rawBodyTypes ? (['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as ErrorCode[]) : []),
    'INTERNAL',
  ];
};

/** The error answers of one status: their envelope (error.code tells the variant) and an example per code. */
function errorResponse(endpoint: Endpoint, status: number, codes: ErrorCode[]) {
  const variants = codes.map((code) => schemaRef(errorSchemaName(code)));
  const error =
    variants.length === 1
      ? variants[0]
      : { oneOf: variants, discriminator: { propertyName: 'code', mapping: Object.fromEntries(codes.map((code) => [code, `#/components/schemas/${errorSchemaName(code)}`])) } };
  return {
    description: codes.join(', '),
    headers: responseHeaders(endpoint, status),
    content: {
      'application/json': {
        schema: { type: 'object', required: ['error'], properties: { error } },
        examples: Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${errorSchemaName(code)}` }])),
      },
    },
  };
}

const rawBodySchema = (type: string): JsonSchema =>
  type === 'multipart/form-data'
    ? { type: 'object', required: ['file'], properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The document' } } }
    : { type: 'object', description: 'The provider’s own payload, exactly as it signed it', additionalProperties: true };

function requestBody(endpoint: Endpoint, ctx: OperationContext) {
  const content: Record<string, unknown> = {};
  if (endpoint.body) {
    const schema = schemaRef(ctx.inputName(endpoint.body));
    content['application/json'] = { schema, example: validExample(ctx.sampler, schema, endpoint.body, 'request') };
  }
  for (const type of endpoint.rawBodyTypes ?? []) content[type] ??= { schema: rawBodySchema(type) };
  if (!Object.keys(content).length) return {};
  return { requestBody: { required: endpoint.bodyRequired ?? Boolean(endpoint.rawBodyTypes), content } };
}

/** One endpoint-table row as an OpenAPI operation. */
export function operation(endpoint: Endpoint, ctx: OperationContext): Record<string, unknown> {
  const codes = [...new Set([...commonErrors(endpoint), ...endpoint.errors])];
  const success = schemaRef(ctx.outputName(endpoint.response));
  const responses: Record<string, unknown> = {
    [String(endpoint.successStatus)]: {
      description: 'Success',
      headers: responseHeaders(endpoint, endpoint.successStatus),
      content: { 'application/json': { schema: success, example: validExample(ctx.sampler, success, endpoint.response, 'response') } },
    },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
  for (const [status, sameStatus] of [...byStatus].sort(([a], [b]) => a - b)) responses[String(status)] = errorResponse(endpoint, status, sameStatus);
  responses.default = { $ref: '#/components/responses/Error' };
  return {
    operationId: endpoint.name,
    summary: endpoint.summary,
    description: endpoint.description ?? endpoint.summary,
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
      ...parameters(endpoint.params, 'path', ctx.sampler),
      ...parameters(endpoint.query, 'query', ctx.sampler),
      { $ref: '#/components/parameters/RequestId' },
      ...(endpoint.idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
    ],
    ...requestBody(endpoint, ctx),
    responses,
  };
}
