import { AppError } from '../../http/errors.js';
import type { ProviderCapabilities } from '../../providers/types.js';

/**
 * Where a number's traffic goes differs by provider: Twilio sets a URL per number, Plivo
 * and Vonage route through an application. A request the provider cannot honour is refused
 * by name, never stored as if it took effect.
 */
export function assertRoutingSupported(
  provider: string,
  capabilities: ProviderCapabilities,
  request: { webhookUrl?: string | null | undefined; applicationId?: string | null | undefined; sms: boolean; voice: boolean },
): void {
  if (request.webhookUrl) {
    const missing = (['sms', 'voice'] as const).filter((c) => request[c] && !capabilities.webhooks?.[c]);
    if (missing.length) {
      throw new AppError(
        'VALIDATION_ERROR',
        capabilities.applications
          ? `${provider} numbers cannot have a per-number ${missing.join('/')} webhook URL; route them through a ${provider} application with applicationId`
          : `${provider} numbers cannot have a per-number ${missing.join('/')} webhook URL`,
        { issues: [{ path: 'body.webhookUrl', message: `not supported by ${provider}` }] },
      );
    }
  }
  if (request.applicationId && !capabilities.applications) {
    throw new AppError('VALIDATION_ERROR', `${provider} numbers do not route through applications; use webhookUrl`, {
      issues: [{ path: 'body.applicationId', message: `not supported by ${provider}` }],
    });
  }
}

/**
 * The per-number URLs to set for a webhook, on the channels that are on. Messages go through our
 * inbound relay when the provider has one (signature verified, relayed signed, retried); calls
 * need the tenant's app to answer synchronously, so voice points at the tenant directly.
 */
export function webhookTargets(webhookUrl: string | undefined, channels?: ('sms' | 'voice')[], relayUrl?: string) {
  if (!webhookUrl) return {};
  const on = (c: 'sms' | 'voice') => !channels || channels.includes(c);
  return { ...(on('sms') ? { smsUrl: relayUrl ?? webhookUrl } : {}), ...(on('voice') ? { voiceUrl: webhookUrl } : {}) };
}

/** Our inbound function for a provider's messages, when the deployment has a public URL. */
export function inboundRelayUrl(config: { PUBLIC_BASE_URL?: string | undefined }, provider: string): string | undefined {
  if (provider !== 'twilio' || !config.PUBLIC_BASE_URL) return undefined;
  return `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/webhooks/twilio/inbound`;
}
