import type { AnyEndpoint } from '../endpoint.js';

/** components.headers: the response headers the API sets (shared/http/handler.ts). */
export const headerComponents = {
  RequestId: {
    description: 'This request’s id: the caller’s X-Request-Id when it is 8-128 letters, digits, _ . or -, else a new UUID. Every error’s requestId; quote it when asking about a request',
    required: true,
    schema: { type: 'string' },
    example: '3f0c9a4e-8b1d-4c52-9e07-6a2d5b8f1c34',
  },
  IdempotentReplayed: {
    description: 'Present (true) when this is the stored answer of an earlier request with the same Idempotency-Key, replayed: nothing was done again',
    required: false,
    schema: { type: 'string', enum: ['true'] },
    example: 'true',
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', minimum: 0 },
    example: 5,
  },
  Location: {
    description: 'The created resource’s path (…/{id}), or where to poll a request still pending',
    required: false,
    schema: { type: 'string', format: 'uri-reference' },
    example: '/v1/numbers/num_0123456789abcdef0123',
  },
} as const;

/** components.parameters: request headers every operation may send. */
export const parameterComponents = {
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Your id for this request (8-128 letters, digits, _ . -; anything else is replaced by a new UUID): echoed in the x-request-id header and in errors, and logged with it',
    schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[\\w.-]{8,128}$' },
    example: 'checkout-7f3a9c21',
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a retry safe: the first answer under this key (per tenant) is stored, and a repeat of the same request gets it again (Idempotent-Replayed: true) instead of doing it twice. Transient failures (429, 5xx, retryable) free the key',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]{1,255}$' },
    example: 'purchase-2026-03-02-front-desk',
  },
} as const;

const header = (name: keyof typeof headerComponents) => ({ $ref: `#/components/headers/${name}` });

/** The headers of one response of an endpoint. */
export function responseHeaders(endpoint: AnyEndpoint, status: number): Record<string, unknown> {
  const headers: Record<string, unknown> = { 'x-request-id': header('RequestId') };
  const success = status < 300;
  if (success && (status === 201 || status === 202)) headers.Location = header('Location');
  // A replay answers with the stored outcome: a success, or an error that retrying cannot change.
  if (endpoint.idempotent && (success || (status >= 400 && status < 500 && status !== 429))) headers['Idempotent-Replayed'] = header('IdempotentReplayed');
  // Always on a 429; on a 502 or 503 when the provider or the registry said when to come back.
  if (status === 429) headers['Retry-After'] = header('RetryAfter');
  if (status === 502 || status === 503) headers['Retry-After'] = { ...headerComponents.RetryAfter, required: false };
  return headers;
}
