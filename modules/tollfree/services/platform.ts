import { providerBaseUrlDefaults, type Config } from '../../../shared/config.js';
import type { Ports } from '../../../shared/ports.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { platformSecretName } from '../../../shared/providers/registry.js';
import { createSomosClient, type SomosCallContext, type SomosRegistryClient } from '../../../shared/providers/somos/client.js';
import {
  createSomosTokenManager,
  platformCredentialsSchema,
  SOMOS_HOSTS,
  type SomosPlatformCredentials,
  type SomosTokenManager,
} from '../../../shared/providers/somos/token-manager.js';
import { createSandboxTextEnablementRegistry, type TextEnablementRegistry } from '../../../shared/providers/somos/tss.js';
import { SecretNotFoundError, type SecretStore } from '../../../shared/secrets/secret-store.js';
import { tenantTollFreeSettings } from '../repository/tenant-settings.js';

/**
 * The platform's one Somos TFN Registry session, per function instance: the token manager
 * (single flight here, a Firestore lease across instances, state as Secret Manager versions),
 * the registry client and the text-enablement (TSS) client. Tenants share the session; each
 * call carries the tenant's RespOrg unit as ROID.
 */
export interface SomosPlatform {
  tokens: SomosTokenManager;
  registry: SomosRegistryClient;
  /** TSS client acting for a RespOrg unit; 503 when SOMOS_TSS_BASE_URL is not set (no public TSS API). */
  tss(roid: string): TextEnablementRegistry;
}

/** Secret holding the token state (a new version per renewal). The credentials are `provider-somos-platform`. */
export const SOMOS_TOKEN_STATE_SECRET = 'provider-somos-token-state';

export interface SomosPlatformOptions {
  config: Config;
  db: Ports['db'];
  /** UNCACHED: waiting instances must see a new token state version at once. */
  secrets: SecretStore;
  log: Logger;
  now?: () => number;
}

const notConfigured = (what: string) => new AppError('SERVICE_UNAVAILABLE', `Somos is not configured: ${what}`);

async function platformCredentials(secrets: SecretStore): Promise<SomosPlatformCredentials> {
  const name = platformSecretName('somos');
  let raw: string;
  try {
    raw = await secrets.access(name);
  } catch (err) {
    if (err instanceof SecretNotFoundError) throw notConfigured(`add the secret ${name} ({"username","password","environment"})`);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw notConfigured(`the secret ${name} is not JSON`);
  }
  const result = platformCredentialsSchema.safeParse(parsed);
  // Field names only, never values.
  if (!result.success) throw notConfigured(`the secret ${name} is invalid (${result.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')})`);
  return result.data;
}

/** SOMOS_API_BASE_URL when set to something else than the production default; otherwise the credentials' environment picks the host. */
export function somosBaseUrl(config: Config, environment: SomosPlatformCredentials['environment']): string {
  return config.SOMOS_API_BASE_URL !== providerBaseUrlDefaults.SOMOS_API_BASE_URL ? config.SOMOS_API_BASE_URL : SOMOS_HOSTS[environment];
}

export async function createSomosPlatform(options: SomosPlatformOptions): Promise<SomosPlatform> {
  const { config, log } = options;
  const creds = await platformCredentials(options.secrets);
  const baseUrl = somosBaseUrl(config, creds.environment);
  const now = options.now ?? Date.now;
  const tokens = createSomosTokenManager({
    secrets: options.secrets,
    credentialsSecret: platformSecretName('somos'),
    stateSecret: SOMOS_TOKEN_STATE_SECRET,
    firestore: options.db,
    baseUrl,
    acceptVersion: config.SOMOS_ACCEPT_VERSION,
    now,
    logger: log,
    http: { timeoutMs: config.PROVIDER_TIMEOUT_MS },
    sessionForceFlag: config.SOMOS_SESSION_FORCE_FLAG,
    breakerConfig: {
      threshold: config.SOMOS_AUTH_BREAKER_THRESHOLD,
      cooldownMs: config.SOMOS_AUTH_BREAKER_COOLDOWN_SECONDS * 1000,
      maxCooldownMs: Math.max(config.SOMOS_AUTH_BREAKER_COOLDOWN_SECONDS, config.SOMOS_AUTH_BREAKER_MAX_COOLDOWN_SECONDS) * 1000,
    },
  });
  const registry = createSomosClient({ tokens, baseUrl, acceptVersion: config.SOMOS_ACCEPT_VERSION, timeoutMs: config.PROVIDER_TIMEOUT_MS, logger: log });
  const tssByRoid = new Map<string, TextEnablementRegistry>();
  return {
    tokens,
    registry,
    tss(roid) {
      const tssBase = config.SOMOS_TSS_BASE_URL;
      if (!tssBase) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'Text enablement is not configured: Somos’ TSS Registry API is not public, so no client for it exists yet (SOMOS_TSS_BASE_URL)',
        );
      }
      let client = tssByRoid.get(roid);
      if (!client) {
        client = createSandboxTextEnablementRegistry({ baseUrl: tssBase, tokens, roid, acceptVersion: config.SOMOS_ACCEPT_VERSION, logger: log, http: { timeoutMs: config.PROVIDER_TIMEOUT_MS } });
        tssByRoid.set(roid, client);
      }
      return client;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The tenant's RespOrg

export interface TenantSomosSettings {
  /** RespOrg unit sent as ROID. */
  respOrgId: string;
  /** 2-character RespOrg entity. */
  entityId: string;
}

/**
 * tenants/{id}.respOrgId (else SOMOS_DEFAULT_RESPORG_ID) and tenants/{id}.somosEntityId (else the
 * entity of that unit: SOMOS_ENTITY_ID for the platform default, otherwise the unit's first two
 * characters — the SMS/800 naming convention, G).
 */
export async function tenantSomos(deps: Pick<Ports, 'db' | 'config'>, tenantId: string): Promise<TenantSomosSettings> {
  const data = await tenantTollFreeSettings(deps, tenantId);
  const own = typeof data.respOrgId === 'string' && /^[A-Z0-9]{5}$/.test(data.respOrgId) ? data.respOrgId : undefined;
  const respOrgId = own ?? deps.config.SOMOS_DEFAULT_RESPORG_ID;
  if (!respOrgId) {
    throw new AppError('SERVICE_UNAVAILABLE', 'This tenant has no RespOrg: set respOrgId on the tenant or SOMOS_DEFAULT_RESPORG_ID', { retryable: false });
  }
  const ownEntity = typeof data.somosEntityId === 'string' && /^[A-Z0-9]{2}$/.test(data.somosEntityId) ? data.somosEntityId : undefined;
  // A tenant with its own unit and no entity: its unit's entity, not the platform's.
  const entityId = ownEntity ?? (own ? own.slice(0, 2) : (deps.config.SOMOS_ENTITY_ID ?? respOrgId.slice(0, 2)));
  return { respOrgId, entityId };
}

export const callContext = (settings: Pick<TenantSomosSettings, 'respOrgId'>): SomosCallContext => ({ roid: settings.respOrgId });
