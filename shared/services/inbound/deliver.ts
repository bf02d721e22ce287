import { FieldValue } from '@google-cloud/firestore';
import type { Deps } from '../../deps.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import { signPayload, signingSecret } from '../jobs/callbacks.js';
import type { DeliveryRecord } from './relay.js';

/** Cloud Tasks target: POSTs one relayed message to the tenant's webhook; non-2xx → the queue retries. */
export function deliverRelayed(deps: Pick<Deps, 'db' | 'secrets' | 'now'>) {
  return async (tenantId: string, deliveryId: string, log: Logger): Promise<{ status: number }> => {
    const db = await deps.db();
    const ref = db.doc(`tenants/${tenantId}/deliveries/${deliveryId}`);
    const delivery = (await ref.get()).data() as DeliveryRecord | undefined;
    if (!delivery || delivery.status === 'delivered') return { status: 0 };
    const body = JSON.stringify({ type: 'message.received', message: delivery.message });
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const signature = signPayload(await signingSecret(deps, tenantId), body, timestamp);
    let status = 0;
    let error: string | undefined;
    try {
      const { request } = await import('undici'); // loaded only when something is delivered
      const res = await request(delivery.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature, 'user-agent': 'numbers-platform/1' },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      error = err instanceof Error ? err.message : 'request failed';
    }
    const ok = status >= 200 && status < 300;
    const at = deps.now().toISOString();
    await ref.update({
      attempts: FieldValue.arrayUnion({ at, status, ...(error ? { error } : {}) }),
      status: ok ? 'delivered' : 'failing',
      ...(ok ? { deliveredAt: at } : {}),
    });
    if (!ok) {
      log.warn('relayed message not accepted; the queue retries', { deliveryId, status, error });
      throw new AppError('SERVICE_UNAVAILABLE', `Webhook answered ${status || error}`, { retryable: true });
    }
    return { status };
  };
}
