import { createHash, randomBytes } from 'node:crypto';
import { enqueueTask } from '../../../shared/api/task-targets.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { webhookEventExpiry } from '../../../shared/store/firestore.js';
import { publicPath } from '../../../shared/api/endpoint.js';
import { isAccountMissing } from '../../../shared/providers/registry.js';
import { isRemovedAccount } from '../../accounts/index.js';
import { createInboundRepository, type DeliveryRecord, type InboundNumber, type InboundProvider } from '../repository.js';
import { plivoMessage, telnyxMessage, twilioMessage, type ParsedMessage } from './messages.js';
import { first, parseForm, TWILIO_SIGNATURE_SETTINGS_HEADER, verifyPlivoV3, verifyTwilioSignature } from './signatures.js';

/**
 * Inbound messages: the provider calls our inbound function, which verifies the provider's own
 * signature, and relays a normalized message to the number's webhookUrl — signed by us, retried
 * through Cloud Tasks, every attempt recorded. Nothing is read or written before the signature
 * checks out (other than the look-up of which account's key to check it with).
 */

type RelayDeps = Pick<Deps, 'db' | 'numbers' | 'config' | 'providers' | 'tasks' | 'now'>;
type Raw = { body: Buffer; headers: Record<string, string | undefined>; url: string };

/**
 * The one tenant that holds `to` at this provider: the platform-wide owner index decides. A number
 * with no index entry (held since before the index) is looked up among all tenants' numbers; if two
 * tenants hold it, that is a bug: it is logged at ERROR and the message is relayed to neither.
 */
async function holderOf(deps: RelayDeps, provider: InboundProvider, to: string, log: Logger): Promise<InboundNumber[]> {
  if (!to) return [];
  const holds = (n: InboundNumber | undefined): n is InboundNumber => !!n && (n.status === 'active' || n.status === 'inactive') && n.phoneNumber === to && n.provider === provider;
  const owner = await createInboundRepository(deps.db).ownerOf(provider, to);
  if (owner) {
    const record = await deps.numbers.get(owner.tenantId, owner.numberId);
    return holds(record) ? [record] : [];
  }
  const found = (await createInboundRepository(deps.db).numbersAt(provider, to)).filter(holds);
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

/**
 * What became of a message that reached no webhook: the number is held but does not relay
 * (inactive, no webhookUrl, SMS off), no tenant holds it (unknown_number), or the tenant that held
 * it last has released it (released_number). Telnyx events that are not messages are not_a_message.
 * A message to a number whose provider account was removed (DELETE …?force=true) is answered
 * account_detached: its signature can no longer be checked, so it is logged, never stored or relayed.
 */
export type NotRelayedReason = 'number_inactive' | 'no_webhook' | 'sms_disabled' | 'unknown_number' | 'released_number' | 'not_a_message';
export type InboundOutcome = 'relayed' | 'ignored' | 'duplicate' | 'unknown_number' | 'released_number' | 'account_detached';

interface Verified {
  /** The tenant's number holding `to` now. */
  number?: InboundNumber | undefined;
  /** No one holds `to`; this tenant's number held it last (released). */
  released?: InboundNumber | undefined;
  message: ParsedMessage;
  dedupeKey: string;
  /** Not a message (Telnyx events other than message.received). */
  notAMessage?: boolean;
  /** The tenant's number holding `to`, whose account was removed: the request could not be verified. */
  detached?: InboundNumber | undefined;
}

/**
 * The number a tenant released last, when no tenant holds `to` now: its tenant may see the message
 * as not delivered (GET /v1/deliveries) instead of it vanishing.
 */
async function lastReleased(deps: RelayDeps, provider: InboundProvider, to: string): Promise<InboundNumber | undefined> {
  if (!to) return undefined;
  return (await createInboundRepository(deps.db).numbersAt(provider, to))
    .filter((n) => n.status === 'released')
    .sort((a, b) => (b.releasedAt ?? b.updatedAt).localeCompare(a.releasedAt ?? a.updatedAt))[0];
}

/** Finds the number whose account's key verifies the request; 401 when none does. */
async function verifyAndFind(deps: RelayDeps, provider: InboundProvider, raw: Raw, log: Logger): Promise<Verified> {
  const reject = (reason: string): never => {
    log.warn('rejected inbound webhook', { provider, reason });
    throw new AppError('UNAUTHENTICATED', `Webhook signature rejected (${reason})`);
  };
  if (provider === 'telnyx') {
    const { parseTelnyxEvent, TelnyxWebhookError, verifyTelnyxRequest } = await import('../../../shared/providers/telnyx/webhooks.js');
    const publicKey = deps.config.TELNYX_PUBLIC_KEY;
    if (!publicKey) throw new AppError('SERVICE_UNAVAILABLE', 'Telnyx webhooks are not configured (TELNYX_PUBLIC_KEY)');
    try {
      verifyTelnyxRequest(publicKey, raw, deps.now().getTime());
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
    const message = telnyxMessage(event.payload as Parameters<typeof telnyxMessage>[0], event.id);
    const dedupeKey = `telnyx_${event.id}`;
    if (event.eventType !== 'message.received') return { message, dedupeKey, notAMessage: true };
    const number = (await holderOf(deps, provider, message.to, log))[0];
    return { number, ...(number ? {} : { released: await lastReleased(deps, provider, message.to) }), message, dedupeKey };
  }

  // The signature covers the parameters exactly as sent (repeated keys too); the message reads them normalised.
  const params = parseForm(raw.body);
  const message = provider === 'twilio' ? twilioMessage(params) : plivoMessage(params);
  const url = publicUrl(deps, provider, raw);
  const found = await holderOf(deps, provider, message.to, log);
  const released = found.length ? undefined : await lastReleased(deps, provider, message.to);
  // The platform's own account verifies messages to numbers nobody holds (recorded, then answered);
  // a released number's account may still be the one its provider signs with.
  const platform = { tenantId: '', accountId: 'platform' };
  const accounts: Pick<InboundNumber, 'tenantId' | 'accountId'>[] = found.length ? found : released && released.accountId !== 'platform' ? [released, platform] : [platform];
  let detached: InboundNumber | undefined;
  for (const candidate of accounts) {
    const credentials = await deps.providers.credentials(candidate.tenantId, provider, candidate.accountId).catch((err: unknown) => {
      // The holder's own account was removed (DELETE …?force=true): its signing secret went with it.
      if (isAccountMissing(err)) detached ??= found.find((n) => n === candidate);
      return undefined;
    });
    if (!credentials) continue;
    const held = { number: found[0], released, message };
    if (provider === 'twilio') {
      const accountSid = first(params, 'AccountSid');
      if (accountSid && accountSid !== credentials.accountSid) continue;
      const valid = verifyTwilioSignature({
        authToken: credentials.authToken!,
        sharedKeySecret: credentials.webhookSharedKeySecret,
        url,
        params,
        signature: raw.headers['x-twilio-signature'],
        settings: raw.headers[TWILIO_SIGNATURE_SETTINGS_HEADER],
      });
      if (!valid) continue;
      return { ...held, dedupeKey: `twilio_${message.providerMessageId}` };
    }
    const nonce = raw.headers['x-plivo-signature-v3-nonce'];
    if (!verifyPlivoV3(credentials.authToken!, url, params, nonce, raw.headers['x-plivo-signature-v3'])) continue;
    // A replayed Plivo request carries a nonce already seen.
    return { ...held, dedupeKey: `plivo_${nonce}` };
  }
  const signed = !!(raw.headers['x-twilio-signature'] || raw.headers['x-plivo-signature-v3']);
  if (detached && signed) return unverifiable(deps, provider, detached, params, raw, message, reject);
  return reject(signed ? 'forged' : 'missing');
}

/**
 * A signed request for a number whose account was removed: the key it was signed with is gone, so it
 * is neither verified nor called forged. It must still look like that account's: a Twilio request names
 * the removed account's SID (its key outlives it), a Plivo one carries a nonce; and it must name its
 * message. It is logged (handleInbound), never stored or relayed: anyone could have sent it.
 */
async function unverifiable(
  deps: RelayDeps,
  provider: 'twilio' | 'plivo',
  detached: InboundNumber,
  params: ReturnType<typeof parseForm>,
  raw: Raw,
  message: ParsedMessage,
  reject: (reason: string) => never,
): Promise<Verified> {
  if (!message.providerMessageId) return reject('forged');
  if (provider === 'twilio') {
    const accountSid = first(params, 'AccountSid');
    if (!accountSid || !(await isRemovedAccount(deps.db, detached.tenantId, 'twilio', detached.accountId, { accountSid }))) return reject('forged');
    return { detached, message, dedupeKey: `detached_twilio_${message.providerMessageId}` };
  }
  const nonce = raw.headers['x-plivo-signature-v3-nonce'];
  if (!nonce) return reject('missing');
  return { detached, message, dedupeKey: `detached_plivo_${nonce}` };
}

function notRelayedReason(verified: Verified): NotRelayedReason | undefined {
  const { number } = verified;
  if (verified.notAMessage) return 'not_a_message';
  if (!number) return verified.released ? 'released_number' : 'unknown_number';
  if (number.status !== 'active') return 'number_inactive';
  if (!number.webhookUrl) return 'no_webhook';
  if (!number.smsEnabled) return 'sms_disabled';
  return undefined;
}

export function handleInbound(deps: RelayDeps) {
  return async (provider: InboundProvider, raw: Raw, log: Logger): Promise<{ outcome: InboundOutcome }> => {
    const verified = await verifyAndFind(deps, provider, raw, log);
    const { number, released, detached, message, dedupeKey } = verified;
    if (detached) {
      // Not forged: unverifiable (the account's signing secret went with it). Answered 200, so the
      // provider does not retry; nothing is stored, since anyone could have sent it: no claim, no
      // delivery record. The tenant sees why on the number (statusReason account_detached).
      log.warn('inbound message to a number whose provider account was removed: its signature cannot be checked; not relayed, not recorded', {
        provider,
        outcome: 'account_detached',
        reason: 'account_detached',
        tenantId: detached.tenantId,
        numberId: detached.id,
        accountId: detached.accountId,
        providerMessageId: message.providerMessageId,
      });
      return { outcome: 'account_detached' };
    }
    const inbound = createInboundRepository(deps.db);
    const key = dedupeKey.replace(/[^\w-]/g, '_');
    const now = deps.now().toISOString();
    const reason = notRelayedReason(verified);
    const deliveryId = `dlv_${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 20)}`;
    const messageOf = (numberId: string) => ({ id: `msg_${randomBytes(10).toString('hex')}`, provider, ...message, receivedAt: now, numberId });
    // Claim first: the event's record and its delivery are created in one batch, so of concurrent
    // copies of one message exactly one gets through; the others find the claim taken.
    const delivery: DeliveryRecord | undefined =
      number && !reason
        ? { id: deliveryId, tenantId: number.tenantId, numberId: number.id, webhookUrl: number.webhookUrl!, message: messageOf(number.id), status: 'queued', attempts: [], createdAt: now }
        : released && reason === 'released_number'
          ? // Shown to the tenant that released the number (GET /v1/deliveries), never sent anywhere.
            { id: deliveryId, tenantId: released.tenantId, numberId: released.id, message: messageOf(released.id), status: 'not_delivered', reason, attempts: [], createdAt: now }
          : number && reason === 'number_inactive'
            ? // Out of service: recorded for its tenant (GET /v1/deliveries), never relayed.
              { id: deliveryId, tenantId: number.tenantId, numberId: number.id, message: messageOf(number.id), status: 'not_delivered', reason, attempts: [], createdAt: now }
            : undefined;
    const outcome: InboundOutcome = !reason ? 'relayed' : reason === 'unknown_number' || reason === 'released_number' ? reason : 'ignored';
    // The replay claim webhookEvents/inbound_<key>.
    const claimed = await inbound.claim(
      key,
      {
        provider,
        receivedAt: now,
        // Firestore's TTL policy on webhookEvents.expiresAt (terraform/firestore.tf) deletes the record then.
        expiresAt: webhookEventExpiry(deps.now()),
        outcome,
        ...(reason ? { reason } : {}),
        // What the operator needs to find the message: the number it was sent to, the provider's id.
        ...(message.to ? { to: message.to } : {}),
        ...(message.providerMessageId ? { providerMessageId: message.providerMessageId } : {}),
        ...(delivery ? { tenantId: delivery.tenantId, deliveryId: delivery.id, numberId: delivery.numberId } : number ? { tenantId: number.tenantId, numberId: number.id } : {}),
      },
      delivery,
    );
    if (!claimed) {
      if (provider === 'plivo') throw new AppError('UNAUTHENTICATED', 'Webhook signature rejected (replayed nonce)');
      // A copy of a message we took: make sure its delivery was handed on (the task's name dedupes).
      const taken = await inbound.claimed(key);
      if (taken?.outcome === 'relayed' && typeof taken.tenantId === 'string' && typeof taken.deliveryId === 'string') await enqueueDelivery(deps, taken.tenantId, taken.deliveryId);
      log.info('inbound message', { provider, outcome: 'duplicate' });
      return { outcome: 'duplicate' };
    }
    if (delivery && outcome === 'relayed') await enqueueDelivery(deps, delivery.tenantId, delivery.id);
    if (reason === 'unknown_number' || reason === 'released_number') {
      // The operator's record: webhookEvents/inbound_<key> (outcome, to, providerMessageId) and this line.
      log.warn('inbound message to a number no tenant holds; not relayed', { provider, outcome, to: message.to, providerMessageId: message.providerMessageId, ...(released ? { tenantId: released.tenantId, numberId: released.id } : {}) });
    } else {
      log.info('inbound message', { provider, outcome, ...(reason ? { reason } : {}), numberId: number?.id });
    }
    return { outcome };
  };
}

const enqueueDelivery = (deps: RelayDeps, tenantId: string, deliveryId: string) =>
  enqueueTask(deps, 'relayDelivery', { tenantId, deliveryId }, {
    id: `relay-${tenantId}-${deliveryId}`,
  });
