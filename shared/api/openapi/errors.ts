import { z } from 'zod';
import { errorStatus, type ErrorCode } from '../../http/errors.js';

/**
 * What `error.details` holds, per error code. Every error is {"error":{"code","message","details?",
 * "requestId"}} (shared/http/errors.ts); the fields below are the ones the API sets, typed. Details are
 * open objects: a client reads the fields it knows and may meet others.
 */
const retryable = z.boolean().optional().meta({ description: 'true: the same request may succeed later (retry after a pause); false: it will not' });
const provider = {
  provider: z.string().optional().meta({ description: 'The provider involved (twilio, telnyx, plivo, vonage, vapi, somos)' }),
  providerCode: z.union([z.string(), z.number()]).optional().meta({ description: 'The provider’s own error code' }),
  providerStatus: z.number().int().optional().meta({ description: 'The HTTP status the provider answered' }),
  ambiguous: z.boolean().optional().meta({ description: 'The provider may have done it anyway (no clear answer came): look before retrying' }),
  retryable,
};

export const ValidationIssue = z.object({
  path: z.string().meta({
    description: 'What is wrong: body.…, query.…, path.… or header.…, dot-separated, array indexes as numbers (body.items.0.phoneNumber)',
    example: 'body.phoneNumber',
  }),
  message: z.string(),
  field: z.string().optional().meta({ description: 'The provider’s own name of the field, when a provider refused it' }),
});
const ValidationErrorDetails = z
  .object({
    issues: z.array(ValidationIssue).optional().meta({ description: 'Every problem found, the first one in `message`' }),
    invalidItems: z
      .array(z.object({ index: z.number().int().min(0), issues: z.array(ValidationIssue) }))
      .optional()
      .meta({ description: 'Bulk jobs whose every item is invalid: the first 100 items with their problems' }),
    invalidCount: z.number().int().min(0).optional(),
    ...provider,
  })
  .loose();

/** details.reason of a 409: what to do differs per reason. */
export const conflictReasons = {
  no_account: 'The tenant buys through its own accounts only (accountPolicy own-only) and has none for this provider: add one (POST /v1/provider-accounts)',
  duplicate_account: 'The same provider account is added already (accountId): change its credentials with PATCH instead',
  account_in_use: 'The same provider account is added by another tenant of the platform: an account can be added by one tenant only',
  account_detached: 'The provider account this number was bought on was removed: add it again, or release the number from our records only (?recordsOnly=true)',
  not_available: 'The number is no longer available at the provider: search again',
  already_owned: 'The tenant (or the provider account used) holds this number already, or has it on order (numberId)',
  no_public_url: 'The number cannot be taken out of service: the platform has no public URL (PUBLIC_BASE_URL)',
  not_supported: 'The provider cannot do this per number',
} as const;
const ConflictDetails = z
  .object({
    reason: z.enum(Object.keys(conflictReasons) as [keyof typeof conflictReasons, ...(keyof typeof conflictReasons)[]]).optional().meta({
      description: `Why, when a client can act on it:\n${Object.entries(conflictReasons).map(([reason, what]) => `- \`${reason}\`: ${what}`).join('\n')}`,
    }),
    status: z.string().optional().meta({ description: 'The current status of what could not change' }),
    accountId: z.string().optional(),
    accountPolicy: z.enum(['platform', 'own-only']).optional(),
    numberId: z.string().optional().meta({ description: 'The number concerned (or one that still uses what was to be removed)' }),
    number: z.string().optional().meta({ description: 'The toll-free number concerned (E.164)' }),
    dueBy: z.string().optional().meta({ description: 'When a pending request is due to be answered' }),
    orderId: z.string().optional().meta({ description: 'The provider order a number is on' }),
    registryRespOrgId: z.string().optional().meta({ description: 'The RespOrg that controls the number at the registry' }),
    ...provider,
  })
  .loose();
const limitDetails = {
  limit: z.enum(['requestsPerMinute', 'purchasesPerDay', 'numbersHeld', 'freeVapiNumbers', 'bulkJobItems']).optional().meta({ description: 'The tenant limit reached' }),
  max: z.number().int().optional(),
  used: z.number().int().optional(),
  requested: z.number().int().optional(),
};
const RequirementsIncompleteDetails = z
  .object({
    remaining: z.array(z.object({ requirementId: z.string(), name: z.string(), kind: z.string() })).meta({ description: 'What the requirement group still lacks' }),
  })
  .loose();
const NotFoundDetails = z
  .object({
    reason: z.enum(['account_removed', 'credentials_missing']).optional().meta({ description: 'account_removed: the provider account was removed; credentials_missing: it has no credentials' }),
    accountId: z.string().optional(),
    field: z.string().optional().meta({ description: 'The body field that named what was not found' }),
    issues: z.array(ValidationIssue).optional(),
    provider: provider.provider,
  })
  .loose();
const ForbiddenDetails = z
  .object({ requiredRole: z.enum(['admin', 'member']).optional().meta({ description: 'The role the request needs (with the body field that decided it)' }) })
  .loose();
const MediaTypeDetails = z.object({ issues: z.array(ValidationIssue).optional() }).loose();
const ProviderDetails = z.object(provider).loose();

/** The details of each code; `undefined`: that code never has details. */
const detailsByCode: Record<ErrorCode, z.ZodType | undefined> = {
  VALIDATION_ERROR: ValidationErrorDetails,
  REQUIREMENTS_INCOMPLETE: RequirementsIncompleteDetails,
  UNAUTHENTICATED: undefined,
  PAYMENT_REQUIRED: z
    .object({
      reason: z.enum(['insufficient_funds']).optional().meta({ description: 'insufficient_funds: the provider account lacks the balance (top it up)' }),
      ...limitDetails,
      ...provider,
    })
    .loose(),
  FORBIDDEN: ForbiddenDetails,
  NOT_FOUND: NotFoundDetails,
  METHOD_NOT_ALLOWED: undefined,
  CONFLICT: ConflictDetails,
  PAYLOAD_TOO_LARGE: undefined,
  UNSUPPORTED_MEDIA_TYPE: MediaTypeDetails,
  RATE_LIMITED: z.object({ ...limitDetails, ...provider }).loose(),
  INTERNAL: undefined,
  PROVIDER_ERROR: ProviderDetails,
  SERVICE_UNAVAILABLE: z.object({ ...provider }).loose(),
};

const pascal = (code: string) => code.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
/** components.schemas name of one code's error object: ValidationError, ConflictError, … */
export const errorSchemaName = (code: ErrorCode) => `${pascal(code).replace(/Error$/, '')}Error`;
const detailsName = (code: ErrorCode) => `${errorSchemaName(code)}Details`;

const errorObject = (code: ErrorCode) =>
  z.object({
    code: z.literal(code),
    message: z.string().meta({ description: 'For people: what went wrong and what to do' }),
    ...(detailsByCode[code] ? { details: detailsByCode[code].optional() } : {}),
    requestId: z.string().meta({ description: 'The request’s id (also its x-request-id header): quote it when asking about a failure' }),
  });

const codes = Object.keys(errorStatus) as ErrorCode[];
export const errorObjects = Object.fromEntries(codes.map((code) => [code, errorObject(code)])) as unknown as Record<ErrorCode, z.ZodObject>;

/** Any error of the API: `error.code` tells which `details` it has. */
export const ErrorEnvelope = z.object({
  error: z
    .discriminatedUnion('code', codes.map((code) => errorObjects[code]) as unknown as [z.ZodObject, ...z.ZodObject[]])
    .meta({ discriminator: { propertyName: 'code', mapping: Object.fromEntries(codes.map((code) => [code, `#/components/schemas/${errorSchemaName(code)}`])) } }),
});

/** The names of the error schemas in components.schemas. */
export function errorComponentNames(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>([[ErrorEnvelope, 'Error'], [ValidationIssue, 'ValidationIssue']]);
  for (const code of codes) {
    names.set(errorObjects[code], errorSchemaName(code));
    if (detailsByCode[code] && !names.has(detailsByCode[code])) names.set(detailsByCode[code], detailsName(code));
  }
  return names;
}

/** One realistic error per code: the examples of the error responses (test/unit/openapi.test.ts checks each against its schema). */
export const errorExamples: Record<ErrorCode, { message: string; details?: Record<string, unknown> }> = {
  VALIDATION_ERROR: {
    message: 'Invalid body.phoneNumber: must be a valid phone number in E.164 format, e.g. +14155550123',
    details: { issues: [{ path: 'body.phoneNumber', message: 'must be a valid phone number in E.164 format, e.g. +14155550123' }] },
  },
  REQUIREMENTS_INCOMPLETE: { message: '1 requirement(s) still missing', details: { remaining: [{ requirementId: 'req_address', name: 'Business address', kind: 'address' }] } },
  UNAUTHENTICATED: { message: 'Missing Authorization header (expected "Bearer <Firebase ID token>")' },
  PAYMENT_REQUIRED: { message: 'Bulk jobs are limited to 1000 items for this tenant', details: { limit: 'bulkJobItems', max: 1000, requested: 2500 } },
  FORBIDDEN: { message: 'This operation needs the admin role' },
  NOT_FOUND: { message: 'Number not found' },
  METHOD_NOT_ALLOWED: { message: 'PUT is not allowed here; use GET, HEAD, PATCH, DELETE' },
  CONFLICT: {
    message: 'No twilio account added — add one first (POST /v1/provider-accounts): this tenant buys through its own accounts only (accountPolicy own-only)',
    details: { reason: 'no_account', provider: 'twilio', accountPolicy: 'own-only' },
  },
  PAYLOAD_TOO_LARGE: { message: 'Request body is too large (limit 1 MB)' },
  UNSUPPORTED_MEDIA_TYPE: { message: 'Request bodies must be application/json' },
  RATE_LIMITED: { message: 'Too many requests (120 per minute per caller); retry in 12 s', details: { limit: 'requestsPerMinute', max: 120 } },
  INTERNAL: { message: 'Internal error; quote the requestId when reporting this' },
  PROVIDER_ERROR: { message: 'twilio: Upstream error', details: { provider: 'twilio', providerStatus: 500, retryable: true } },
  SERVICE_UNAVAILABLE: { message: 'The registry is busy; retrying shortly', details: { retryable: true } },
};

export const EXAMPLE_REQUEST_ID = '3f0c9a4e-8b1d-4c52-9e07-6a2d5b8f1c34';
export const errorExample = (code: ErrorCode) => ({ error: { code, ...errorExamples[code], requestId: EXAMPLE_REQUEST_ID } });

/** components.examples (one error per code) and components.responses.Error (any other error). */
export function errorComponents() {
  const examples = Object.fromEntries(codes.map((code) => [errorSchemaName(code), { summary: code, value: errorExample(code) }]));
  const Error = {
    description: 'Any other error: every error has this envelope, error.code telling which (e.g. the gateway’s NOT_FOUND and METHOD_NOT_ALLOWED for a path or method it does not serve)',
    headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        examples: Object.fromEntries((['NOT_FOUND', 'METHOD_NOT_ALLOWED'] as const).map((code) => [code, { $ref: `#/components/examples/${errorSchemaName(code)}` }])),
      },
    },
  };
  return { examples, responses: { Error } };
}
