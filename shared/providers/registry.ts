import type { Config } from '../config.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../log.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { SecretNotFoundError } from '../secrets/secret-store.js';
import { credentialSchemas, type AccountProvider } from './credentials.js';
import type { NumberProvider, ProviderName } from './types.js';

/** Providers whose number operations are implemented; the API's provider enum is derived from this. */
export const numberProviders = ['twilio', 'plivo', 'vonage', 'telnyx', 'vapi'] as const satisfies readonly AccountProvider[];
export type NumberProviderName = (typeof numberProviders)[number];

export const PLATFORM_ACCOUNT_ID = 'platform';

/** Secret Manager id of the platform's own account for a provider (JSON credentials). */
export const platformSecretName = (provider: ProviderName) => `provider-${provider}-platform`;

export interface ProviderFactoryOptions<C> {
  credentials: C;
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
  /** HTTP client settings: the account's pacing (its API rate limit, requests per second). */
  http?: { pacePerSecond?: number };
}
type Factory = (options: ProviderFactoryOptions<any>) => NumberProvider;

/** Each provider module is loaded only when a request needs it (cold start). */
const factories: Record<NumberProviderName, () => Promise<Factory>> = {
  twilio: async () => (await import('./twilio/client.js')).createTwilioProvider,
  plivo: async () => (await import('./plivo/client.js')).createPlivoProvider,
  vonage: async () => (await import('./vonage/client.js')).createVonageProvider,
  telnyx: async () => (await import('./telnyx/client.js')).createTelnyxProvider,
  vapi: async () => (await import('./vapi/provider.js')).createVapiProvider,
};

export function baseUrlFor(config: Config, provider: AccountProvider): string {
  const key = `${provider.toUpperCase()}_API_BASE_URL` as keyof Config;
  return config[key] as string;
}

export async function createProvider(
  provider: NumberProviderName,
  credentials: unknown,
  deps: { config: Config; log: Logger },
): Promise<NumberProvider> {
  const parsed = credentialSchemas[provider].safeParse(credentials);
  if (!parsed.success) {
    deps.log.error('stored provider credentials are malformed', { provider });
    throw new AppError('SERVICE_UNAVAILABLE', `The ${provider} account credentials are misconfigured`, { provider });
  }
  const factory = await factories[provider]();
  const pacePerSecond = paceFor(deps.config, provider);
  return factory({
    credentials: parsed.data,
    baseUrl: baseUrlFor(deps.config, provider),
    timeoutMs: deps.config.PROVIDER_TIMEOUT_MS,
    logger: deps.log,
    ...(pacePerSecond ? { http: { pacePerSecond } } : {}),
  });
}

/** PROVIDER_RATE_LIMIT_<PROVIDER>: the account's API rate limit, when the operator set one. */
function paceFor(config: Config, provider: NumberProviderName): number | undefined {
  const key = `PROVIDER_RATE_LIMIT_${provider.toUpperCase()}` as keyof Config;
  const value = config[key];
  return typeof value === 'number' ? value : undefined;
}

export interface ResolvedProvider {
  provider: NumberProvider;
  accountId: string;
}

/** Where an account's secret lives and whether it exists, per tenant. */
export interface AccountLookup {
  /** The tenant's account by id, or its default account for a provider when id is undefined. */
  find(tenantId: string, provider: AccountProvider, accountId?: string): Promise<{ id: string; secretName: string } | undefined>;
}

export interface ProviderResolver {
  /** The provider client for a tenant's request: the named account, the tenant's own default, or the platform's. */
  forTenant(tenantId: string, provider: NumberProviderName, accountId?: string): Promise<ResolvedProvider>;
  /** The client for the account a stored number belongs to. */
  forAccount(tenantId: string, provider: NumberProviderName, accountId: string): Promise<NumberProvider>;
  /**
   * The account forTenant would use — the named one (which must exist), the tenant's default, or
   * the platform's — without reading credentials or building a client.
   */
  resolveAccountId(tenantId: string, provider: NumberProviderName, accountId?: string): Promise<string>;
  /** An account's raw credentials — only for verifying that provider's webhook signatures. */
  credentials(tenantId: string, provider: NumberProviderName, accountId: string): Promise<Record<string, string>>;
}

export function createProviderResolver(deps: {
  config: Config;
  secrets: SecretStore;
  log: Logger;
  accounts?: AccountLookup;
}): ProviderResolver {
  const fromSecret = async (provider: NumberProviderName, secretName: string, accountId: string) => {
    let raw: string;
    try {
      raw = await deps.secrets.access(secretName);
    } catch (err) {
      if (err instanceof SecretNotFoundError) {
        throw accountId === PLATFORM_ACCOUNT_ID
          ? new AppError('SERVICE_UNAVAILABLE', `No ${provider} credentials are configured for this platform`, { provider })
          : missingCredentials(provider);
      }
      throw err;
    }
    return createProvider(provider, JSON.parse(raw), deps);
  };

  const forAccount = async (tenantId: string, provider: NumberProviderName, accountId: string) => {
    if (accountId === PLATFORM_ACCOUNT_ID) return fromSecret(provider, platformSecretName(provider), accountId);
    const account = await deps.accounts?.find(tenantId, provider, accountId);
    if (!account) throw missingCredentials(provider);
    return fromSecret(provider, account.secretName, account.id);
  };

  const secretNameFor = async (tenantId: string, provider: NumberProviderName, accountId: string) => {
    if (accountId === PLATFORM_ACCOUNT_ID) return platformSecretName(provider);
    const account = await deps.accounts?.find(tenantId, provider, accountId);
    if (!account) throw missingCredentials(provider);
    return account.secretName;
  };

  return {
    forAccount,
    async resolveAccountId(tenantId, provider, accountId) {
      if (accountId === PLATFORM_ACCOUNT_ID) return accountId;
      const account = await deps.accounts?.find(tenantId, provider, accountId);
      if (account) return account.id;
      if (accountId) throw new AppError('NOT_FOUND', `This tenant has no ${provider} account ${accountId}`, { provider, accountId });
      return PLATFORM_ACCOUNT_ID;
    },
    async credentials(tenantId, provider, accountId) {
      return JSON.parse(await deps.secrets.access(await secretNameFor(tenantId, provider, accountId))) as Record<string, string>;
    },
    async forTenant(tenantId, provider, accountId) {
      if (accountId) return { provider: await forAccount(tenantId, provider, accountId), accountId };
      const own = await deps.accounts?.find(tenantId, provider);
      if (own) return { provider: await fromSecret(provider, own.secretName, own.id), accountId: own.id };
      return { provider: await forAccount(tenantId, provider, PLATFORM_ACCOUNT_ID), accountId: PLATFORM_ACCOUNT_ID };
    },
  };
}

export const missingCredentials = (provider: string) =>
  new AppError('NOT_FOUND', `No ${provider} credentials found. Please add provider credentials first.`, { provider });
