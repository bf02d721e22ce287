import { z } from 'zod';
import { outboundOutcomes } from '../../http/outbound-request.js';
import { NumberId } from './base.js';

// ---------- inbound relay ----------
export const InboundAck = z.object({ received: z.literal(true), outcome: z.enum(['relayed', 'ignored', 'duplicate', 'unknown_number', 'released_number', 'account_detached']) });
export const RelayDeliveryTask = z
  .object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), deliveryId: z.string().regex(/^dlv_[a-f0-9]{20}$/) })
  .strict();
export const DeliveriesQuery = z
  .object({
    numberId: NumberId.shape.id.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(512).regex(/^[A-Za-z0-9_-]+$/).optional(),
  })
  .strict();
export const DeliveryResource = z.object({
  id: z.string(),
  numberId: z.string(),
  webhookUrl: z.string().optional().meta({ description: 'Where the message is relayed; absent when it is not_delivered' }),
  message: z.object({
    id: z.string(),
    provider: z.string(),
    providerMessageId: z.string(),
    type: z.enum(['sms', 'mms']),
    from: z.string(),
    to: z.string(),
    text: z.string(),
    media: z.array(z.object({ url: z.string(), contentType: z.string().optional() })),
    receivedAt: z.string(),
    numberId: z.string(),
  }),
  status: z.enum(['queued', 'delivered', 'failing', 'not_delivered']).meta({
    description: 'not_delivered: the message came to a number this tenant had released, or holds inactive; it is shown here, never sent (reason)',
  }),
  reason: z.enum(['released_number', 'number_inactive']).optional().meta({ description: 'Why a message was not_delivered: the number was released, or is inactive' }),
  attempts: z.array(
    z.object({
      at: z.string(),
      status: z.number().meta({ description: 'HTTP status of the answer; 0 when none came' }),
      outcome: z.enum(outboundOutcomes).meta({
        description: 'http_2xx…http_5xx: the webhook answered; refused_address/refused_url: the URL is or resolves to an address the platform does not call; dns_failed, connect_failed, tls_error, timeout, protocol_error, failed: no answer',
      }),
    }),
  ),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
});
export const DeliveriesPage = z.object({ data: z.array(DeliveryResource), nextCursor: z.string().optional() });
