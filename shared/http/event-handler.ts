import type { Request, Response } from '@google-cloud/functions-framework';
import { randomUUID } from 'node:crypto';
import type { EventFunction } from '../api/endpoint.js';
import type { Deps } from '../deps.js';
import { pushBearerToken, pushTarget } from '../auth/verify-push.js';
import { logger } from '../log.js';
import { parseTraceparent, runInScope, TRACE_ATTRIBUTE, traceLogFields, type RequestScope } from '../trace.js';
import { AppError, envelope } from './errors.js';
import { logAccess, requestScope } from './access-log.js';

interface PushMessage {
  data?: string;
  messageId?: string;
  message_id?: string;
  publishTime?: string;
  publish_time?: string;
  attributes?: Record<string, string>;
}
/** What a push subscription POSTs (and the `data` of an Eventarc Pub/Sub CloudEvent). */
interface PushBody {
  message?: PushMessage;
  subscription?: string;
  deliveryAttempt?: number;
}

const REQUEST_ID = /^[\w.-]{8,128}$/;

/**
 * The edge of every Pub/Sub function. Each is fed by a push subscription of its own
 * (terraform/events.tf; in the dev stack, the push relay of scripts/local/pubsub-setup.ts), whose
 * push carries a Google-signed OIDC token of the push service account (PUBSUB_PUSH_SERVICE_ACCOUNT)
 * addressed to the function's URL. Anything else — no token, another audience, another identity —
 * is answered 401 before the body is looked at, and changes nothing.
 *
 * Then: decode, drop what is too old, run, and classify failures — a permanent one (bad message,
 * 4xx) is logged and acknowledged (204); a transient one answers 5xx so Pub/Sub redelivers (and,
 * after the subscription's limit, dead-letters) the message.
 */
export function createEventFunction(definition: EventFunction, getDeps: () => Deps) {
  return (req: Request, res: Response): Promise<void> => {
    const scope = requestScope(req, definition.name);
    return runInScope(scope, async () => {
      const started = performance.now();
      try {
        await serve(req, res, scope);
      } finally {
        logAccess(logger.child({ function: definition.name, ...traceLogFields(scope.trace, scope.project) }), req, res, started, { function: definition.name });
      }
    });
  };

  /**
   * A message published within a traced request carries that trace (attribute `traceparent`, added
   * by Deps.publisher): its handling continues it, whatever trace Pub/Sub's push request brought.
   */
  async function serve(req: Request, res: Response, scope: RequestScope): Promise<void> {
    const header = req.get('x-request-id');
    const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
    res.set('x-request-id', requestId);
    let deps: Deps;
    try {
      deps = getDeps();
      scope.project = deps.config.GOOGLE_CLOUD_PROJECT;
      const { audience } = pushTarget(deps.config, definition);
      await deps.verifyPush(pushBearerToken(req.get('authorization') ?? undefined), audience);
      if (req.method !== 'POST') {
        res.set('allow', 'POST');
        throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; Pub/Sub pushes are POSTs`);
      }
    } catch (err) {
      const refused = err instanceof AppError ? err : new AppError('INTERNAL', 'Internal error; quote the requestId when reporting this');
      if (refused.status >= 500) logger.error('push could not be checked', { function: definition.name, requestId, err });
      else logger.warn('push refused', { function: definition.name, requestId, code: refused.code, message: refused.message });
      send(res, refused.status, envelope(refused, requestId));
      return;
    }

    // A push subscription's JSON; an Eventarc CloudEvent in structured mode wraps the same in `data`.
    const raw = req.body as unknown;
    const body = (raw && typeof raw === 'object' && 'specversion' in raw ? (raw as { data?: unknown }).data : raw) as PushBody | undefined;
    const message: PushMessage = (body && typeof body === 'object' ? body.message : undefined) ?? {};
    const messageId = message.messageId ?? message.message_id ?? req.get('ce-id') ?? 'unknown';
    const publishTime = message.publishTime ?? message.publish_time ?? req.get('ce-time') ?? new Date().toISOString();
    const carried = parseTraceparent(message.attributes?.[TRACE_ATTRIBUTE]);
    if (carried) scope.trace = { ...carried, source: 'pubsub-attribute' };
    const log = deps.log.child({ function: definition.name, messageId, requestId, ...traceLogFields(scope.trace, scope.project) });
    const ageSeconds = (deps.now().getTime() - Date.parse(publishTime)) / 1000;
    if (ageSeconds > definition.maxAgeSeconds) {
      log.warn('dropping a message older than its max age', { ageSeconds });
      res.status(204).end();
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8'));
    } catch {
      log.error('dropping a message that is not JSON');
      res.status(204).end();
      return;
    }
    try {
      const factory = (await definition.operation()).default;
      await factory(deps)({ data, messageId, publishTime, log });
      res.status(204).end();
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.details?.retryable !== true) {
        log.error('permanent failure; message acknowledged', { code: err.code, message: err.message });
        res.status(204).end();
        return;
      }
      log.warn('transient failure; Pub/Sub will redeliver', { err });
      const answer = err instanceof AppError && err.status >= 500 ? err : new AppError('SERVICE_UNAVAILABLE', 'Transient failure; the message will be redelivered', { retryable: true });
      send(res, answer.status, envelope(answer, requestId));
    }
  }
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}
