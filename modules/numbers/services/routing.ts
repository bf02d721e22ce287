import { AppError } from '../../../shared/http/errors.js';
import { routingFields, type NumberRecord, type RoutingField, type RoutingSnapshot } from '../../../shared/domain/number.js';
import type { ProviderCapabilities, ProviderNumber, UpdateRequest } from '../../../shared/providers/types.js';

/** The per-number URLs a tenant may ask for (each one at a provider that has it). */
export const urlFields = ['webhookUrl', 'voiceUrl', 'smsUrl', 'statusCallbackUrl'] as const;
export type UrlField = (typeof urlFields)[number];
export type RoutingUrls = Partial<Record<UrlField, string | null | undefined>>;

/** Which per-number URL of the provider a field needs (webhookUrl: the SMS one, which the relay or the tenant receives). */
const needs: Record<UrlField, 'sms' | 'voice' | 'statusCallback'> = { webhookUrl: 'sms', voiceUrl: 'voice', smsUrl: 'sms', statusCallbackUrl: 'statusCallback' };

/** How a provider routes what it has no per-number URL for. */
function routedBy(provider: string, capabilities: ProviderCapabilities): string {
  if (provider === 'telnyx') return 'Telnyx routes calls through a connection (connectionId) and messages through a messaging profile (messagingProfileId)';
  if (capabilities.applications) return `route them through a ${provider} application with applicationId`;
  return `${provider} has no per-number URLs`;
}

/**
 * Where a number's traffic goes differs by provider: Twilio sets URLs per number (VoiceUrl, SmsUrl,
 * StatusCallback), Vonage an SMS URL and a call status URL per number (calls go to its application),
 * Plivo routes through applications and Telnyx through connections and messaging profiles. A URL the
 * provider cannot honour is refused by name, never stored as if it took effect.
 */
export function assertRoutingSupported(
  provider: string,
  capabilities: ProviderCapabilities,
  request: RoutingUrls & { applicationId?: string | null | undefined },
): void {
  const hooks = capabilities.webhooks;
  const refused = urlFields.filter((field) => request[field] && !hooks?.[needs[field]]);
  if (refused.length) {
    throw new AppError('VALIDATION_ERROR', `${provider} numbers cannot have a per-number ${refused.join(', ')}; ${routedBy(provider, capabilities)}`, {
      issues: refused.map((field) => ({ path: `body.${field}`, message: `not supported by ${provider}` })),
    });
  }
  if (request.applicationId && !capabilities.applications) {
    const instead = provider === 'telnyx' ? 'use connectionId' : `use webhookUrl, voiceUrl or smsUrl`;
    throw new AppError('VALIDATION_ERROR', `${provider} numbers do not route through applications; ${instead}`, {
      issues: [{ path: 'body.applicationId', message: `not supported by ${provider}` }],
    });
  }
}

/**
 * The URLs to set at the provider for a number's routing, on the channels that are on:
 * - messages: smsUrl (straight to the tenant) when given, else webhookUrl through our inbound relay
 *   when the provider has one (signature verified, relayed signed, retried), else webhookUrl itself;
 * - calls: voiceUrl only (webhookUrl is for messages: a call needs the tenant's app to answer it);
 * - statusCallbackUrl as given.
 * Fields the provider has no per-number URL for are left out (refused before, see assertRoutingSupported).
 */
export function routingTargets(
  urls: RoutingUrls,
  on: { sms: boolean; voice: boolean },
  capabilities: ProviderCapabilities,
  relayUrl?: string,
): { smsUrl?: string; voiceUrl?: string; statusCallbackUrl?: string } {
  const hooks = capabilities.webhooks;
  const sms = on.sms && hooks?.sms ? (urls.smsUrl ?? (urls.webhookUrl ? (relayUrl ?? urls.webhookUrl) : undefined)) : undefined;
  const voice = on.voice && hooks?.voice ? urls.voiceUrl : undefined;
  const status = hooks?.statusCallback ? urls.statusCallbackUrl : undefined;
  return { ...(sms ? { smsUrl: sms } : {}), ...(voice ? { voiceUrl: voice } : {}), ...(status ? { statusCallbackUrl: status } : {}) };
}

const base = (config: { PUBLIC_BASE_URL?: string | undefined }) => config.PUBLIC_BASE_URL?.replace(/\/$/, '');

/** Our inbound function for a provider's messages, when the deployment has a public URL. */
export function inboundRelayUrl(config: { PUBLIC_BASE_URL?: string | undefined }, provider: string): string | undefined {
  if (provider !== 'twilio' || !config.PUBLIC_BASE_URL) return undefined;
  return `${base(config)}/webhooks/twilio/inbound`;
}

/** Providers whose numbers the not-in-service handler answers for (POST /webhooks/not-in-service/{provider}). */
export const notInServiceProviders = ['twilio', 'vonage'] as const;

/** The platform's not-in-service handler for a provider's numbers (public webhook). */
export function notInServiceUrl(config: { PUBLIC_BASE_URL?: string | undefined }, provider: (typeof notInServiceProviders)[number]): string | undefined {
  return config.PUBLIC_BASE_URL ? `${base(config)}/webhooks/not-in-service/${provider}` : undefined;
}

/**
 * What going inactive changes at each provider, and to what. Twilio: calls to the not-in-service
 * handler ("number not in service", hang up), messages to our relay (recorded, never relayed, while
 * inactive). Vonage: messages (moHttpUrl) to the not-in-service handler, the application (calls)
 * detached. Plivo: the application (calls and messages) detached. Telnyx: the voice connection and
 * the messaging profile detached. Vapi: refused (409) — nothing per number stops its calls.
 */
export function outOfServiceRouting(provider: string, config: { PUBLIC_BASE_URL?: string | undefined }): { fields: readonly RoutingField[]; update: UpdateRequest } {
  const needsPublicUrl = (urls: (string | undefined)[]) => {
    if (urls.some((u) => !u)) {
      throw new AppError(
        'CONFLICT',
        `${provider} numbers are taken out of service by pointing them at the platform's not-in-service handler, which has no public URL here (PUBLIC_BASE_URL is not configured)`,
        { reason: 'no_public_url', provider },
      );
    }
  };
  switch (provider) {
    case 'twilio': {
      const voiceUrl = notInServiceUrl(config, 'twilio');
      const smsUrl = inboundRelayUrl(config, 'twilio');
      needsPublicUrl([voiceUrl, smsUrl]);
      return { fields: ['voiceUrl', 'smsUrl'], update: { voiceUrl: voiceUrl!, smsUrl: smsUrl! } };
    }
    case 'vonage': {
      const smsUrl = notInServiceUrl(config, 'vonage');
      needsPublicUrl([smsUrl]);
      return { fields: ['smsUrl', 'applicationId'], update: { smsUrl: smsUrl!, applicationId: null } };
    }
    case 'plivo':
      return { fields: ['applicationId'], update: { applicationId: null } };
    case 'telnyx':
      return { fields: ['connectionId', 'messagingProfileId'], update: { connectionId: null, messagingProfileId: null } };
    default:
      throw new AppError(
        'CONFLICT',
        `${provider} numbers cannot be taken out of service at ${provider}: nothing per number stops their calls (unassign the assistant, or release the number)`,
        { reason: 'not_supported', provider },
      );
  }
}

/**
 * The routing to put back when the number is active again: what the provider had before it went out of
 * service. A URL that is already our out-of-service one (an earlier attempt got that far unrecorded)
 * is taken from the record instead.
 */
export function routingSnapshot(
  owned: ProviderNumber,
  fields: readonly RoutingField[],
  offValues: UpdateRequest,
  fromRecord: Partial<Record<RoutingField, string | undefined>>,
): RoutingSnapshot {
  const snapshot: RoutingSnapshot = {};
  for (const field of fields) {
    const value = owned[field];
    const off = offValues[field];
    snapshot[field] = (typeof off === 'string' && value === off ? fromRecord[field] : value) ?? null;
  }
  return snapshot;
}

/** The provider update that puts a snapshot back (null clears what was unset). */
export function restoreRouting(snapshot: RoutingSnapshot): UpdateRequest {
  const update: UpdateRequest = {};
  for (const field of routingFields) if (field in snapshot) update[field] = snapshot[field] ?? null;
  return update;
}

/** The routing a number's record asks for at its provider (what an active number has there). */
export function recordRouting(record: NumberRecord, capabilities: ProviderCapabilities, relayUrl?: string): Partial<Record<RoutingField, string | undefined>> {
  const targets = routingTargets(record, { sms: record.smsEnabled, voice: record.voiceEnabled }, capabilities, relayUrl);
  return { voiceUrl: targets.voiceUrl, smsUrl: targets.smsUrl, applicationId: record.applicationId };
}
