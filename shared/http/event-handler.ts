import type { CloudEvent } from '@google-cloud/functions-framework';
import type { EventFunction } from '../api/endpoint.js';
import type { Deps } from '../deps.js';
import { AppError } from './errors.js';

interface PubSubData {
  message?: { data?: string; messageId?: string; publishTime?: string; attributes?: Record<string, string> };
  subscription?: string;
}

/**
 * The edge of every Pub/Sub function: decode, drop what is too old, run, and classify failures —
 * a permanent one (bad message, 4xx) is logged and acknowledged; a transient one is thrown so
 * Pub/Sub redelivers (and, after the subscription's limit, dead-letters) the message.
 */
export function createEventFunction(definition: EventFunction, getDeps: () => Deps) {
  return async (event: CloudEvent<PubSubData>): Promise<void> => {
    const deps = getDeps();
    const message = event.data?.message ?? {};
    const messageId = message.messageId ?? event.id ?? 'unknown';
    const publishTime = message.publishTime ?? event.time ?? new Date().toISOString();
    const log = deps.log.child({ function: definition.name, messageId });
    const ageSeconds = (deps.now().getTime() - Date.parse(publishTime)) / 1000;
    if (ageSeconds > definition.maxAgeSeconds) {
      log.warn('dropping a message older than its max age', { ageSeconds });
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8'));
    } catch {
      log.error('dropping a message that is not JSON');
      return;
    }
    try {
      const factory = (await definition.operation()).default;
      await factory(deps)({ data, messageId, publishTime, log });
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.details?.retryable !== true) {
        log.error('permanent failure; message acknowledged', { code: err.code, message: err.message });
        return;
      }
      log.warn('transient failure; Pub/Sub will redeliver', { err });
      throw err;
    }
  };
}
