import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import { JobFinishedEvent, MessageReceivedEvent } from '../schemas.js';
import { schemaRef } from './components.js';

/**
 * What the platform sends (OpenAPI 3.1 `webhooks`): relayed inbound messages (modules/inbound/services/
 * deliver.ts) and bulk-job callbacks (modules/jobs/services/callbacks.ts), both signed alike.
 */
export const SIGNATURE = {
  header: 'X-Signature',
  format: 't=<unix seconds>,v1=<hex HMAC-SHA256>',
  algorithm: 'HMAC-SHA256',
  signedPayload: '<t>.<raw body>',
  secret: 'The tenant’s signing secret (whsec_…): POST /v1/signing-secret creates or rotates it and shows it once',
  toleranceSeconds: 300,
} as const;

/** The example signature: the example secret over the example body at the example time. */
export const EXAMPLE_SIGNING = { secret: 'whsec_example0signing0secret0not0real0000000', timestamp: 1772463845 } as const;
export const exampleSignature = (body: string) =>
  `t=${EXAMPLE_SIGNING.timestamp},v1=${createHmac('sha256', EXAMPLE_SIGNING.secret).update(`${EXAMPLE_SIGNING.timestamp}.${body}`).digest('hex')}`;

const verifying = [
  `Signed: the ${SIGNATURE.header} header is \`${SIGNATURE.format}\`, the ${SIGNATURE.algorithm} of \`${SIGNATURE.signedPayload}\` keyed with your signing secret (POST /v1/signing-secret creates or rotates it and shows it once).`,
  'To verify: split the header on "," and "=", compute the HMAC over the timestamp, a dot and the body exactly as received (bytes, before any JSON parsing), compare it with v1 in constant time, and reject a timestamp more than 5 minutes old.',
  'Any 2xx answer within 10 seconds accepts it; anything else (another status, no answer, an address the platform does not call) is retried with backoff (2 s up to 1 h, 15 attempts), so the same notification may come more than once: make handling it idempotent.',
].join('\n\n');

export interface WebhookSpec {
  name: string;
  operationId: string;
  summary: string;
  description: string;
  /** The payload (its example is checked against it by test/unit/openapi.test.ts). */
  schema: z.ZodType;
  tag: string;
}

export const webhookSpecs: WebhookSpec[] = [
  {
    name: 'message.received',
    operationId: 'messageReceived',
    summary: 'An inbound message, relayed to the number’s webhookUrl',
    description: `A text (SMS or MMS) came to one of your numbers that has a webhookUrl: POSTed there as \`{"type":"message.received","message":{…}}\`. Each attempt shows in GET /v1/deliveries.\n\n${verifying}`,
    schema: MessageReceivedEvent,
    tag: 'notifications',
  },
  {
    name: 'job.finished',
    operationId: 'jobFinished',
    summary: 'A bulk job finished: sent to its callbackUrl',
    description: `A bulk job with a callbackUrl finished (completed, completed_with_errors, cancelled or failed): POSTed there as \`{"type":"job.finished","job":{…}}\`, the job as GET /v1/jobs/{id} shows it.\n\n${verifying}`,
    schema: JobFinishedEvent,
    tag: 'notifications',
  },
];

/** The `webhooks` section, given each payload's component name and example. */
export function webhooks(nameOf: (schema: z.ZodType) => string, exampleOf: (schema: z.ZodType) => unknown): Record<string, unknown> {
  return Object.fromEntries(
    webhookSpecs.map((spec) => {
      const example = exampleOf(spec.schema);
      return [
        spec.name,
        {
          post: {
            operationId: spec.operationId,
            summary: spec.summary,
            description: spec.description,
            tags: [spec.tag],
            'x-signature': SIGNATURE,
            security: [],
            parameters: [
              {
                name: SIGNATURE.header,
                in: 'header',
                required: true,
                description: `\`${SIGNATURE.format}\`: the ${SIGNATURE.algorithm} of \`${SIGNATURE.signedPayload}\` keyed with your signing secret (the example: ${EXAMPLE_SIGNING.secret} over the example body)`,
                schema: { type: 'string', pattern: '^t=\\d+,v1=[0-9a-f]{64}$' },
                example: exampleSignature(JSON.stringify(example)),
              },
              { name: 'User-Agent', in: 'header', required: true, schema: { type: 'string', enum: ['numbers-platform/1'] }, example: 'numbers-platform/1' },
            ],
            requestBody: { required: true, content: { 'application/json': { schema: schemaRef(nameOf(spec.schema)), example } } },
            responses: {
              '2XX': { description: 'Accepted: not sent again' },
              '4XX': { description: 'Not accepted: sent again later (as any answer other than 2xx)' },
              '5XX': { description: 'Not accepted: sent again later' },
            },
          },
        },
      ];
    }),
  );
}
