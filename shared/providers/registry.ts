import type { z } from 'zod';
import type { Config } from '../config.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../log.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { SecretNotFoundError } from '../secrets/secret-store.js';
import { credentialSchemas, platformOnlyProviders, type AccountProvider, type Credentials } from './credentials.js';
import type { NumberProvider, ProviderFactoryOptions, ProviderName } from './types.js';

/** Providers whose number operations are implemented; the API's provider enum is derived from this. */
export const numberProviders = ['twilio', 'plivo', 'vonage', 'telnyx', 'vapi'] as const satisfies readonly AccountProvider[];
export type NumberProviderName = (typeof numberProviders)[number];

export const PLATFORM_ACCOUNT_ID = 'platform';

/** Secret Manager id of the platform's own account for a provider (JSON credentials). */
export const platformSecretName = (provider: ProviderName) => `provider-${provider}-platform`;

/** A provider's client, built from credentials its own schema (credentials.ts) parsed. */
type Factory<P extends NumberProviderName> = (options: ProviderFactoryOptions<Credentials<P>>) => NumberProvider;

/** Each provider module is loaded only when a request needs it (cold start). */
const factories: { [P in NumberProviderName]: () => Promise<Factory<P>> } = {
  twilio: async () => (await import('./twilio/client.js')).createTwilioProvider,
  plivo: async () => (await import('./plivo/client.js')).createPlivoProvider,
  vonage: async () => (await import('./vonage/client.js')).createVonageProvider,
  telnyx: async () => (await import('./telnyx/client.js')).createTelnyxProvider,
  vapi: async () => (await import('./vapi/provider.js')).createVapiProvider,
};

/**
 * Starts loading a provider's client module and the HTTP client it calls with (nothing read, no client
 * built), for a caller that knows which provider it will call once its reads are done: the loading
 * then overlaps those reads. A load that fails fails again where the client is built.
 */
export function warmProvider(provider: string): void {
  if (!(numberProviders as readonly string[]).includes(provider)) return;
  void factories[provider as NumberProviderName]()
    .then(() => import('./http.js'))
    .then((http) => http.warmHttpClient())
    .catch(() => undefined);
}

export function baseUrlFor(config: Config, provider: AccountProvider): string {
  const key = `${provider.toUpperCase()}_API_BASE_URL` as keyof Config;
  return config[key] as string;
}

/** Each provider's credentials schema, typed as what its factory takes. */
const schemas: { [P in NumberProviderName]: z.ZodType<Credentials<P>> } = credentialSchemas;

export async function createProvider<P extends NumberProviderName>(
  provider: P,
  credentials: unknown,
  deps: { config: Config; log: Logger },
): Promise<NumberProvider> {
  const parsed = schemas[provider].safeParse(credentials);
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
    ...(provider === 'twilio' ? { pricingBaseUrl: deps.config.TWILIO_PRICING_BASE_URL } : {}),
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
  /**
   * Whether a tenant without an account of its own for a provider buys through the platform's
   * (`platform`) or not at all (`own-only`): the tenant's accountPolicy, else the deployment default.
   */
  policy?(tenantId: string): Promise<AccountPolicy>;
}

export type AccountPolicy = 'platform' | 'own-only';

/** Providers whose only account is the platform's (no bring-your-own): the account policy does not apply. */
const platformOnly = (provider: NumberProviderName) => (platformOnlyProviders as readonly string[]).includes(provider);

/** The refusal of an own-only tenant's purchase (or search) when it has no account of its own for the provider. */
export const noOwnAccount = (provider: string, named = false) =>
  new AppError(
    'CONFLICT',
    named
      ? `This tenant buys through its own ${provider} account only (accountPolicy own-only); the platform's account cannot be used`
      : `No ${provider} account added — add one first (POST /v1/provider-accounts): this tenant buys through its own accounts only (accountPolicy own-only)`,
    { reason: 'no_account', provider, accountPolicy: 'own-only' },
  );

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
          : missingCredentials(provider, 'credentials_missing');
      }
      throw err;
    }
    return createProvider(provider, JSON.parse(raw), deps);
  };

  const forAccount = async (tenantId: string, provider: NumberProviderName, accountId: string) => {
    if (accountId === PLATFORM_ACCOUNT_ID) return fromSecret(provider, platformSecretName(provider), accountId);
    const account = await deps.accounts?.find(tenantId, provider, accountId);
    if (!account) throw missingCredentials(provider, 'account_removed');
    return fromSecret(provider, account.secretName, account.id);
  };

  /** Refuses the platform's account to an own-only tenant (a platform-only provider such as Vapi has no other). */
  const assertPlatformAllowed = async (tenantId: string, provider: NumberProviderName, named: boolean) => {
    if (platformOnly(provider) || !deps.accounts?.policy) return;
    if ((await deps.accounts.policy(tenantId)) === 'own-only') throw noOwnAccount(provider, named);
  };

  const secretNameFor = async (tenantId: string, provider: NumberProviderName, accountId: string) => {
    if (accountId === PLATFORM_ACCOUNT_ID) return platformSecretName(provider);
    const account = await deps.accounts?.find(tenantId, provider, accountId);
    if (!account) throw missingCredentials(provider, 'account_removed');
    return account.secretName;
  };

  return {
    forAccount,
    async resolveAccountId(tenantId, provider, accountId) {
      if (accountId === PLATFORM_ACCOUNT_ID) {
        await assertPlatformAllowed(tenantId, provider, true);
        return accountId;
      }
      const account = await deps.accounts?.find(tenantId, provider, accountId);
      if (account) return account.id;
      if (accountId) throw new AppError('NOT_FOUND', `This tenant has no ${provider} account ${accountId}`, { provider, accountId });
      await assertPlatformAllowed(tenantId, provider, false);
      return PLATFORM_ACCOUNT_ID;
    },
    async credentials(tenantId, provider, accountId) {
      return JSON.parse(await deps.secrets.access(await secretNameFor(tenantId, provider, accountId))) as Record<string, string>;
    },
    async forTenant(tenantId, provider, accountId) {
      if (accountId === PLATFORM_ACCOUNT_ID) await assertPlatformAllowed(tenantId, provider, true);
      if (accountId) return { provider: await forAccount(tenantId, provider, accountId), accountId };
      // The tenant's account policy, needed only when it has no account of its own, read beside that
      // account (a failed policy read matters only then).
      const policy = platformOnly(provider) ? undefined : deps.accounts?.policy?.(tenantId);
      policy?.catch(() => undefined);
      const own = await deps.accounts?.find(tenantId, provider);
      if (own) return { provider: await fromSecret(provider, own.secretName, own.id), accountId: own.id };
      if ((await policy) === 'own-only') throw noOwnAccount(provider, false);
      return { provider: await forAccount(tenantId, provider, PLATFORM_ACCOUNT_ID), accountId: PLATFORM_ACCOUNT_ID };
    },
  };
}

/**
 * A tenant account that cannot be used: `account_removed` — no such account (any more): a number bought
 * on it is detached; `credentials_missing` — the account exists but its secret is gone.
 */
export const missingCredentials = (provider: string, reason: 'account_removed' | 'credentials_missing' = 'account_removed') =>
  new AppError('NOT_FOUND', `No ${provider} credentials found. Please add provider credentials first.`, { provider, reason });

/** Whether an error says the tenant account asked for does not exist (a number bought on it is detached). */
export const isAccountMissing = (err: unknown): boolean => err instanceof AppError && err.code === 'NOT_FOUND' && err.details?.reason === 'account_removed';
