import type { z } from 'zod';
import type { MessageReceivedEvent } from '../../../shared/api/schemas/notifications.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import { postToTenantUrl } from '../../../shared/http/outbound-request.js';
import { outboundPolicy } from '../../../shared/http/outbound-url.js';
import type { Logger } from '../../../shared/log.js';
import { LOG_EVENTS } from '../../../shared/log-events.js';
import { signPayload, signingSecret } from '../../jobs/index.js';
import { createInboundRepository } from '../repository.js';

/**
 * Cloud Tasks target: POSTs one relayed message to the tenant's webhook, through the outbound guard
 * (no private, loopback or metadata address, whatever the name resolves to); non-2xx → the queue retries.
 */
export function deliverRelayed(deps: Pick<Deps, 'db' | 'secrets' | 'now' | 'config'>) {
  return async (tenantId: string, deliveryId: string, log: Logger): Promise<{ status: number }> => {
    const deliveries = createInboundRepository(deps.db);
    const delivery = await deliveries.delivery(tenantId, deliveryId);
    // not_delivered: recorded for the tenant to see, never sent (a message to a number it released).
    if (!delivery || delivery.status === 'delivered' || delivery.status === 'not_delivered' || !delivery.webhookUrl) return { status: 0 };
    // The payload OpenAPI documents (webhooks: message.received); the type keeps the two together.
    const body = JSON.stringify({ type: 'message.received', message: delivery.message } satisfies z.input<typeof MessageReceivedEvent>);
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const signature = signPayload(await signingSecret(deps, tenantId), body, timestamp);
    const attempt = await postToTenantUrl(outboundPolicy(deps.config), delivery.webhookUrl, {
      headers: { 'content-type': 'application/json', 'x-signature': signature, 'user-agent': 'numbers-platform/1' },
      body,
    });
    const { status, outcome } = attempt;
    const ok = status >= 200 && status < 300;
    const at = deps.now().toISOString();
    // The tenant sees the coarse outcome only (GET /v1/deliveries); the detail stays in our logs.
    await deliveries.recordAttempt(tenantId, deliveryId, { at, status, outcome }, ok);
    if (!ok) {
      log.warn('relayed message not accepted; the queue retries', { event: LOG_EVENTS.relayDeliveryFailed, tenantId, deliveryId, status, outcome, detail: attempt.detail });
      throw new AppError('SERVICE_UNAVAILABLE', `Webhook answered ${status || outcome}`, { retryable: true });
    }
    return { status };
  };
}
