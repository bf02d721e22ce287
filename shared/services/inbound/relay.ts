import { createHash, randomBytes } from 'node:crypto';
import { taskEndpoints, taskTarget } from '../../api/task-targets.js';
import type { NumberRecord } from '../../domain/number.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import { paths, webhookEventExpiry } from '../../store/firestore.js';
import { publicPath } from '../../api/endpoint.js';
import { verifyPlivoV3, verifyTwilioSignature } from './signatures.js';

/**
 * Inbound messages: the provider calls our inbound function, which verifies the provider's own
 * signature, and relays a normalized message to the number's webhookUrl — signed by us, retried
 * through Cloud Tasks, every attempt recorded. Nothing is read or written before the signature
 * checks out (other than the look-up of which account's key to check it with).
 */
export type InboundProvider = 'twilio' | 'plivo' | 'telnyx';

export interface InboundMessage {
  id: string;
  provider: InboundProvider;
  providerMessageId: string;
  type: 'sms' | 'mms';
  from: string;
  to: string;
  text: string;
  media: { url: string; contentType?: string }[];
  receivedAt: string;
  numberId: string;
}

export interface DeliveryRecord {
  id: string;
  tenantId: string;
  numberId: string;
  webhookUrl: string;
  message: InboundMessage;
  status: 'queued' | 'delivered' | 'failing';
  attempts: { at: string; status: number; error?: string }[];
  createdAt: string;
  deliveredAt?: string;
}

type RelayDeps = Pick<Deps, 'db' | 'config' | 'providers' | 'tasks' | 'now'>;
type Raw = { body: Buffer; headers: Record<string, string | undefined>; url: string };

const formParams = (body: Buffer): Record<string, string> => Object.fromEntries(new URLSearchParams(body.toString('utf8')));

/**
 * The one tenant that holds `to` at this provider: the platform-wide owner index decides. A number
 * with no index entry (held since before the index) is looked up among all tenants' numbers; if two
 * tenants hold it, that is a bug: it is logged at ERROR and the message is relayed to neither.
 */
async function holderOf(deps: RelayDeps, provider: InboundProvider, to: string, log: Logger): Promise<NumberRecord[]> {
  if (!to) return [];
  const db = await deps.db();
  const holds = (n: NumberRecord | undefined): n is NumberRecord => !!n && (n.status === 'active' || n.status === 'inactive') && n.phoneNumber === to && n.provider === provider;
  const owner = (await db.doc(paths.numberOwner(provider, to)).get()).data() as { tenantId?: unknown; numberId?: unknown } | undefined;
  if (typeof owner?.tenantId === 'string' && typeof owner.numberId === 'string') {
    const record = (await db.doc(paths.number(owner.tenantId, owner.numberId)).get()).data() as NumberRecord | undefined;
    return holds(record) ? [record] : [];
  }
  const snap = await db.collectionGroup('numbers').where('phoneNumber', '==', to).where('provider', '==', provider).get();
  const found = snap.docs.map((d) => d.data() as NumberRecord).filter(holds);
  if (new Set(found.map((n) => n.tenantId)).size > 1) {
    log.error('inbound number is held by more than one tenant; relayed to none', { provider, numberIds: found.map((n) => n.id) });
    return [];
  }
  return found.slice(0, 1);
}

/**
 * The URL the provider called and signed: PUBLIC_BASE_URL (the API Gateway's origin in production)
 * and the relay's public path — not the function's own URL, which the gateway calls under a prefix.
 */
function publicUrl(deps: RelayDeps, provider: InboundProvider, raw: Raw): string {
  if (!deps.config.PUBLIC_BASE_URL) throw new AppError('SERVICE_UNAVAILABLE', 'PUBLIC_BASE_URL is not configured: signatures cannot be checked');
  return `${deps.config.PUBLIC_BASE_URL.replace(/\/$/, '')}${publicPath(raw.url, inboundPath(provider))}`;
}

/** Where each provider sends inbound messages (the webhook rows of the endpoint table). */
export const inboundPath = (provider: InboundProvider) => `/webhooks/${provider}/inbound`;

/** Finds the number whose account's key verifies the request; 401 when none does. */
async function verifyAndFind(deps: RelayDeps, provider: InboundProvider, raw: Raw, log: Logger) {
  const reject = (reason: string): never => {
    log.warn('rejected inbound webhook', { provider, reason });
    throw new AppError('UNAUTHENTICATED', `Webhook signature rejected (${reason})`);
  };
  if (provider === 'telnyx') {
    const { parseTelnyxEvent, TelnyxWebhookError, verifyTelnyxSignature } = await import('../../providers/telnyx/webhooks.js');
    const publicKey = deps.config.TELNYX_PUBLIC_KEY;
    if (!publicKey) throw new AppError('SERVICE_UNAVAILABLE', 'Telnyx webhooks are not configured (TELNYX_PUBLIC_KEY)');
    try {
      verifyTelnyxSignature({
        publicKeyBase64: publicKey,
        signatureBase64: raw.headers['telnyx-signature-ed25519'] ?? '',
        timestamp: raw.headers['telnyx-timestamp'] ?? '',
        rawBody: raw.body,
        now: deps.now().getTime(),
      });
    } catch (err) {
      if (err instanceof TelnyxWebhookError) reject(err.reason);
      throw err;
    }
    let event: Awaited<ReturnType<typeof parseTelnyxEvent>>;
    try {
      event = parseTelnyxEvent(JSON.parse(raw.body.toString('utf8')));
    } catch {
      throw new AppError('VALIDATION_ERROR', 'Webhook body is not a Telnyx event');
    }
    const payload = (event.payload ?? {}) as { id?: string; from?: { phone_number?: string }; to?: { phone_number?: string }[]; text?: string; media?: { url?: string; content_type?: string }[]; type?: string };
    const to = payload.to?.[0]?.phone_number ?? '';
    const message = {
      providerMessageId: payload.id ?? event.id,
      type: (payload.media?.length ? 'mms' : 'sms') as 'sms' | 'mms',
      from: payload.from?.phone_number ?? '',
      to,
      text: payload.text ?? '',
      media: (payload.media ?? []).filter((m) => m.url).map((m) => ({ url: m.url!, ...(m.content_type ? { contentType: m.content_type } : {}) })),
    };
    const number = event.eventType === 'message.received' ? (await holderOf(deps, provider, to, log))[0] : undefined;
    return { number, message, dedupeKey: `telnyx_${event.id}` };
  }

  const params = formParams(raw.body);
  const to = params.To ?? '';
  const url = publicUrl(deps, provider, raw);
  const found = await holderOf(deps, provider, to, log);
  // The platform's own account verifies messages to numbers nobody holds (answered, then ignored).
  const accounts = found.length ? found : [{ tenantId: '', accountId: 'platform' } as NumberRecord];
  for (const candidate of accounts) {
    const credentials = await deps.providers.credentials(candidate.tenantId, provider, candidate.accountId).catch(() => undefined);
    if (!credentials) continue;
    if (provider === 'twilio') {
      if (params.AccountSid && params.AccountSid !== credentials.accountSid) continue;
      if (!verifyTwilioSignature(credentials.authToken!, url, params, raw.headers['x-twilio-signature'])) continue;
      const media = Array.from({ length: Number(params.NumMedia ?? 0) }, (_, i) => ({
        url: params[`MediaUrl${i}`] ?? '',
        ...(params[`MediaContentType${i}`] ? { contentType: params[`MediaContentType${i}`]! } : {}),
      })).filter((m) => m.url);
      return {
        number: found.length ? candidate : undefined,
        message: { providerMessageId: params.MessageSid ?? params.SmsSid ?? '', type: (media.length ? 'mms' : 'sms') as 'sms' | 'mms', from: params.From ?? '', to, text: params.Body ?? '', media },
        dedupeKey: `twilio_${params.MessageSid ?? params.SmsSid}`,
      };
    }
    const nonce = raw.headers['x-plivo-signature-v3-nonce'];
    if (!verifyPlivoV3(credentials.authToken!, url, params, nonce, raw.headers['x-plivo-signature-v3'])) continue;
    return {
      number: found.length ? candidate : undefined,
      message: { providerMessageId: params.MessageUUID ?? '', type: (params.Type === 'mms' ? 'mms' : 'sms') as 'sms' | 'mms', from: params.From ?? '', to, text: params.Text ?? '', media: [] },
      // A replayed Plivo request carries a nonce already seen.
      dedupeKey: `plivo_${nonce}`,
    };
  }
  return reject(raw.headers['x-twilio-signature'] || raw.headers['x-plivo-signature-v3'] ? 'forged' : 'missing');
}

export function handleInbound(deps: RelayDeps) {
  return async (provider: InboundProvider, raw: Raw, log: Logger): Promise<{ outcome: 'relayed' | 'ignored' | 'duplicate' }> => {
    const { number, message, dedupeKey } = await verifyAndFind(deps, provider, raw, log);
    const db = await deps.db();
    const key = dedupeKey.replace(/[^\w-]/g, '_');
    const seen = db.doc(`webhookEvents/inbound_${key}`);
    const now = deps.now().toISOString();
    const relay = !!number && number.status === 'active' && !!number.webhookUrl && number.smsEnabled;
    // Claim first: the event's record and its delivery are created in one batch, so of concurrent
    // copies of one message exactly one gets through; the others find the claim taken.
    const delivery: DeliveryRecord | undefined = relay
      ? {
          id: `dlv_${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 20)}`,
          tenantId: number.tenantId,
          numberId: number.id,
          webhookUrl: number.webhookUrl!,
          message: { id: `msg_${randomBytes(10).toString('hex')}`, provider, ...message, receivedAt: now, numberId: number.id },
          status: 'queued',
          attempts: [],
          createdAt: now,
        }
      : undefined;
    const batch = db.batch();
    batch.create(seen, {
      provider,
      receivedAt: now,
      // Firestore's TTL policy on webhookEvents.expiresAt (terraform/firestore.tf) deletes the record then.
      expiresAt: webhookEventExpiry(deps.now()),
      outcome: relay ? 'relayed' : 'ignored',
      ...(delivery ? { tenantId: delivery.tenantId, deliveryId: delivery.id } : {}),
    });
    if (delivery) batch.create(db.doc(`tenants/${delivery.tenantId}/deliveries/${delivery.id}`), delivery);
    try {
      await batch.commit();
    } catch (err) {
      if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
      if (provider === 'plivo') throw new AppError('UNAUTHENTICATED', 'Webhook signature rejected (replayed nonce)');
      // A copy of a message we took: make sure its delivery was handed on (the task's name dedupes).
      const taken = (await seen.get()).data() as { tenantId?: unknown; deliveryId?: unknown } | undefined;
      if (typeof taken?.tenantId === 'string' && typeof taken.deliveryId === 'string') await enqueueDelivery(deps, taken.tenantId, taken.deliveryId);
      log.info('inbound message', { provider, outcome: 'duplicate' });
      return { outcome: 'duplicate' };
    }
    if (delivery) await enqueueDelivery(deps, delivery.tenantId, delivery.id);
    const outcome = delivery ? 'relayed' : 'ignored';
    log.info('inbound message', { provider, outcome, numberId: number?.id });
    return { outcome };
  };
}

/** Firestore's gRPC code for a create() that found the document. */
const ALREADY_EXISTS = 6;

const enqueueDelivery = (deps: RelayDeps, tenantId: string, deliveryId: string) =>
  deps.tasks.enqueue({
    queue: taskEndpoints.relayDelivery.queue,
    ...taskTarget(deps.config, taskEndpoints.relayDelivery),
    body: { tenantId, deliveryId },
    id: `relay-${tenantId}-${deliveryId}`,
  });
