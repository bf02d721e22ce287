import { systemContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { parseTelnyxEvent, TelnyxWebhookError, verifyTelnyxRequest } from '../../../shared/providers/telnyx/webhooks.js';
import { webhookEventExpiry } from '../../../shared/store/firestore.js';
import { applyOrderUpdate } from '../../numbers/index.js';
import { createRequirementsRepository } from '../repository.js';

export interface WebhookResult {
  received: true;
  eventId: string;
  outcome: 'applied' | 'duplicate' | 'stale' | 'ignored';
}

/**
 * Telnyx calls this for number orders. Nothing is read or written before the Ed25519 signature
 * over `${timestamp}|${raw body}` checks out and the timestamp is fresh (5 minutes). Events are
 * deduplicated by id, and an older event never regresses a newer state.
 */
export function handleTelnyxWebhook(deps: Pick<Deps, 'config' | 'db' | 'numbers' | 'providers' | 'now' | 'tasks'>) {
  return async (raw: { body: Buffer; headers: Record<string, string | undefined> }, requestId: string, log: Logger): Promise<WebhookResult> => {
    const publicKey = deps.config.TELNYX_PUBLIC_KEY;
    if (!publicKey) throw new AppError('SERVICE_UNAVAILABLE', 'Telnyx webhooks are not configured (TELNYX_PUBLIC_KEY)');
    try {
      verifyTelnyxRequest(publicKey, raw, deps.now().getTime());
    } catch (err) {
      if (err instanceof TelnyxWebhookError) {
        log.warn('rejected telnyx webhook', { reason: err.reason });
        throw new AppError('UNAUTHENTICATED', `Webhook signature rejected (${err.reason})`);
      }
      throw err;
    }
    let event: ReturnType<typeof parseTelnyxEvent>;
    try {
      event = parseTelnyxEvent(JSON.parse(raw.body.toString('utf8')));
    } catch {
      throw new AppError('VALIDATION_ERROR', 'Webhook body is not a Telnyx event');
    }

    // The event's record: webhookEvents/telnyx_<id>.
    const repository = createRequirementsRepository(deps.db);
    if (await repository.eventSeen(event.id)) return { received: true, eventId: event.id, outcome: 'duplicate' };

    let outcome: WebhookResult['outcome'] = 'ignored';
    if (event.category === 'number_order') {
      const order = event.payload;
      for (const { tenantId, id } of await repository.numbersOfOrder(order.id)) {
        const record = await deps.numbers.get(tenantId, id);
        if (!record) continue; // gone since the query
        const failureReason = order.failureReason;
        outcome = await applyOrderUpdate(deps)(
          record,
          { orderId: order.id, status: order.status, occurredAt: event.occurredAt, ...(failureReason ? { failureReason } : {}) },
          systemContext('telnyx-webhook', requestId),
        );
      }
    }
    // Recorded after processing: a failure above leaves the event unrecorded, so Telnyx's retry is processed.
    // A concurrent duplicate may record it first.
    await repository.recordEvent(event.id, {
      provider: 'telnyx',
      eventId: event.id,
      eventType: event.eventType,
      occurredAt: event.occurredAt,
      receivedAt: deps.now().toISOString(),
      // TTL (terraform/firestore.tf): events older than 5 minutes are refused by their signature anyway.
      expiresAt: webhookEventExpiry(deps.now()),
      outcome,
    });
    log.info('telnyx webhook processed', { eventId: event.id, eventType: event.eventType, outcome });
    return { received: true, eventId: event.id, outcome };
  };
}
