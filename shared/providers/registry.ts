import { z } from 'zod';
import type { Config } from '../config.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../log.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { SecretNotFoundError } from '../secrets/secret-store.js';
import type { NumberProvider, ProviderName } from './types.js';

/** Providers whose number operations are implemented; the API's provider enum is derived from this. */
export const numberProviders = ['twilio'] as const satisfies readonly ProviderName[];
export type NumberProviderName = (typeof numberProviders)[number];

export const PLATFORM_ACCOUNT_ID = 'platform';

/** Secret Manager id of the platform's own account for a provider (JSON credentials). */
export const platformSecretName = (provider: ProviderName) => `provider-${provider}-platform`;

const twilioCredentials = z.object({
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  authToken: z.string().min(16),
});

export interface ResolvedProvider {
  provider: NumberProvider;
  accountId: string;
}

export interface ProviderResolver {
  /** The provider client for a tenant's request: the named account, or the platform's own default. */
  forTenant(tenantId: string, provider: NumberProviderName, accountId?: string): Promise<ResolvedProvider>;
  /** The client for the account a stored number belongs to. */
  forAccount(tenantId: string, provider: NumberProviderName, accountId: string): Promise<NumberProvider>;
}

export function createProviderResolver(deps: { config: Config; secrets: SecretStore; log: Logger }): ProviderResolver {
  const build = async (provider: NumberProviderName, secretName: string): Promise<NumberProvider> => {
    let raw: string;
    try {
      raw = await deps.secrets.access(secretName);
    } catch (err) {
      if (err instanceof SecretNotFoundError) {
        throw new AppError('SERVICE_UNAVAILABLE', `No ${provider} credentials are configured for this account`, {
          provider,
        });
      }
      throw err;
    }
    switch (provider) {
      case 'twilio': {
        const parsed = twilioCredentials.safeParse(JSON.parse(raw));
        if (!parsed.success) {
          deps.log.error('stored twilio credentials are malformed', { secretName });
          throw new AppError('SERVICE_UNAVAILABLE', 'The twilio account credentials are misconfigured', { provider });
        }
        const { createTwilioProvider } = await import('./twilio/client.js');
        return createTwilioProvider({
          credentials: parsed.data,
          baseUrl: deps.config.TWILIO_API_BASE_URL,
          timeoutMs: deps.config.PROVIDER_TIMEOUT_MS,
          logger: deps.log,
        });
      }
    }
  };

  const forAccount = async (tenantId: string, provider: NumberProviderName, accountId: string) => {
    if (accountId !== PLATFORM_ACCOUNT_ID) {
      // Tenant-owned (bring-your-own) accounts arrive with the provider-accounts API.
      throw new AppError('NOT_FOUND', `No ${provider} credentials found for account ${accountId}. Please add provider credentials first.`);
    }
    return build(provider, platformSecretName(provider));
  };

  return {
    forAccount,
    async forTenant(tenantId, provider, accountId) {
      const id = accountId ?? PLATFORM_ACCOUNT_ID;
      return { provider: await forAccount(tenantId, provider, id), accountId: id };
    },
  };
}
