import {
  JobCallbackResult,
  DeliveriesPage,
  DeliveriesQuery,
  InboundAck,
  RelayDeliveryTask,
  NotInServiceAck,
  NotInServiceParams,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).
export const webhookTwilioInboundRow = /* @__PURE__ */ defineEndpoint({
  name: 'webhookTwilioInbound',
  method: 'POST',
  path: '/webhooks/twilio/inbound',
  access: 'webhook',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'webhooks',
  summary: 'Inbound twilio messages (X-Twilio-Signature verified with Twilio’s own code: HMAC-SHA1, or HMAC_SHA256 under a Webhooks Rule), relayed to the number’s webhookUrl',
  response: InboundAck,
  successStatus: 200,
  maxBodyBytes: 65_536, // 64 KiB
  rawBodyTypes: ['application/x-www-form-urlencoded'],
  errors: ['PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/twilio.js'),
});

export const webhookPlivoInboundRow = /* @__PURE__ */ defineEndpoint({
  name: 'webhookPlivoInbound',
  method: 'POST',
  path: '/webhooks/plivo/inbound',
  access: 'webhook',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'webhooks',
  summary: 'Inbound plivo messages (X-Plivo-Signature-V3 verified), relayed to the number’s webhookUrl',
  response: InboundAck,
  successStatus: 200,
  maxBodyBytes: 65_536, // 64 KiB
  rawBodyTypes: ['application/x-www-form-urlencoded'],
  errors: ['PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/plivo.js'),
});

export const webhookTelnyxInboundRow = /* @__PURE__ */ defineEndpoint({
  name: 'webhookTelnyxInbound',
  method: 'POST',
  path: '/webhooks/telnyx/inbound',
  access: 'webhook',
  needs: ['tasks:enqueue'],
  tag: 'webhooks',
  summary: 'Inbound telnyx messages (Ed25519 verified), relayed to the number’s webhookUrl',
  response: InboundAck,
  successStatus: 200,
  maxBodyBytes: 65_536, // 64 KiB
  rawBodyTypes: ['application/x-www-form-urlencoded'],
  errors: ['PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/telnyx.js'),
});

export const webhookNotInServiceRow = /* @__PURE__ */ defineEndpoint({
  name: 'webhookNotInService',
  method: 'POST',
  path: '/webhooks/not-in-service/{provider}',
  // Not signature-checked: it reads and writes nothing and answers everyone alike, so there is nothing to guard.
  access: 'public',
  needs: [],
  tag: 'webhooks',
  summary:
    'Where an inactive number’s calls and messages go (providers call it): Twilio calls hear “not in service” and are hung up (TwiML), messages get an empty answer. No signature check: it reads and writes nothing and answers anyone alike',
  params: NotInServiceParams,
  response: NotInServiceAck,
  successStatus: 200,
  maxBodyBytes: 65_536, // 64 KiB
  rawBodyTypes: ['application/x-www-form-urlencoded', 'application/json'],
  errors: ['PAYLOAD_TOO_LARGE'],
  operation: () => import('./operations/not-in-service.js'),
});

export const deliveriesListRow = /* @__PURE__ */ defineEndpoint({
  name: 'deliveriesList',
  method: 'GET',
  path: '/v1/deliveries',
  access: 'member',
  needs: [],
  tag: 'webhooks',
  summary: 'Relayed inbound messages with every delivery attempt (?numberId=)',
  query: DeliveriesQuery,
  response: DeliveriesPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/deliveries-list.js'),
});

export const relayDeliveryTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'taskRelayDelivery',
  path: '/internal/tasks/relay-delivery',
  method: 'POST',
  access: 'task',
  needs: ['secrets:read-tenant'],
  tag: 'internal',
  summary: 'Deliver one relayed inbound message to the tenant’s webhook (Cloud Tasks, retried)',
  body: RelayDeliveryTask,
  bodyRequired: true,
  response: JobCallbackResult,
  successStatus: 200,
  errors: ['SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/relay-delivery.js'),
});

/** Inbound message webhooks and the relay’s delivery task. Rows of the endpoint table (functions/endpoints.ts). */
export const inboundEndpoints: AnyEndpoint[] = [
  webhookTwilioInboundRow,
  webhookPlivoInboundRow,
  webhookTelnyxInboundRow,
  webhookNotInServiceRow,
  deliveriesListRow,
  relayDeliveryTaskRow,
];
