import { z } from 'zod';

/**
 * Runtime configuration, validated once. A bad value fails fast with every bad
 * variable listed, instead of surfacing later as a confusing runtime error.
 */
const url = z.string().url();
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), url.optional());

export const providerBaseUrlDefaults = {
  TWILIO_API_BASE_URL: 'https://api.twilio.com',
  TELNYX_API_BASE_URL: 'https://api.telnyx.com/v2',
  PLIVO_API_BASE_URL: 'https://api.plivo.com',
  VONAGE_API_BASE_URL: 'https://rest.nexmo.com',
  VAPI_API_BASE_URL: 'https://api.vapi.ai',
  SOMOS_API_BASE_URL: 'https://api-tfnregistry.somos.com',
} as const;

const schema = z
  .object({
    GOOGLE_CLOUD_PROJECT: z.string().min(1, 'must name the Google Cloud project'),
    /** local: the dev stack (local secret store, local task dispatcher); production: Google services. */
    PLATFORM_ENV: z.enum(['production', 'local', 'test']).default('production'),
    /** Issuer/audience project of Firebase ID tokens (defaults to GOOGLE_CLOUD_PROJECT). */
    AUTH_PROJECT_ID: z.string().min(1).optional(),
    /** JWKS source. Defaults to Google's securetoken keys; the local stack points it at its own key file. */
    AUTH_JWKS_URL: optionalUrl,
    AUTH_JWKS_FILE: z.string().min(1).optional(),
    LOCAL_DATA_DIR: z.string().default('.local'),
    /** Public origin of the API (used for task targets and webhook URLs). */
    PUBLIC_BASE_URL: optionalUrl,
    /** Base of the deployed functions' URLs (https://REGION-PROJECT.cloudfunctions.net): task targets. */
    FUNCTIONS_BASE_URL: optionalUrl,
    TASKS_LOCATION: z.string().default('us-central1'),
    TASKS_SERVICE_ACCOUNT: z.string().email().optional(),
    /** Key source for Cloud Tasks' OIDC tokens: Google's by default; the dev stack uses its own key file. */
    TASKS_OIDC_JWKS_FILE: z.string().min(1).optional(),
    /** Telnyx's webhook public key (base64, from the Telnyx portal): verifies telnyx-signature-ed25519. */
    TELNYX_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 Ed25519 public key from the Telnyx portal').optional(),
    /** Whether tenants may take free Vapi numbers (development/testing only). */
    VAPI_ALLOW_FREE_NUMBERS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
    /** How long an in-flight purchase holds its number before a retry may resolve it. */
    PURCHASE_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).default('INFO'),
    TWILIO_API_BASE_URL: url.default(providerBaseUrlDefaults.TWILIO_API_BASE_URL),
    TELNYX_API_BASE_URL: url.default(providerBaseUrlDefaults.TELNYX_API_BASE_URL),
    PLIVO_API_BASE_URL: url.default(providerBaseUrlDefaults.PLIVO_API_BASE_URL),
    VONAGE_API_BASE_URL: url.default(providerBaseUrlDefaults.VONAGE_API_BASE_URL),
    VAPI_API_BASE_URL: url.default(providerBaseUrlDefaults.VAPI_API_BASE_URL),
    SOMOS_API_BASE_URL: url.default(providerBaseUrlDefaults.SOMOS_API_BASE_URL),
  })
  .refine((c) => !(c.AUTH_JWKS_URL && c.AUTH_JWKS_FILE), {
    message: 'set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both',
    path: ['AUTH_JWKS_FILE'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || !c.AUTH_JWKS_FILE, {
    message: 'a local key file cannot be used in production',
    path: ['AUTH_JWKS_FILE'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || c.TASKS_SERVICE_ACCOUNT, {
    message: 'required in production (identity of Cloud Tasks OIDC tokens)',
    path: ['TASKS_SERVICE_ACCOUNT'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || c.FUNCTIONS_BASE_URL, {
    message: 'required in production (target of follow-up tasks)',
    path: ['FUNCTIONS_BASE_URL'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || !c.TASKS_OIDC_JWKS_FILE, {
    message: 'a local key file cannot be used in production',
    path: ['TASKS_OIDC_JWKS_FILE'],
  });

export type Config = z.infer<typeof schema> & { authProjectId: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`));
  }
  return { ...parsed.data, authProjectId: parsed.data.AUTH_PROJECT_ID ?? parsed.data.GOOGLE_CLOUD_PROJECT };
}

let cached: Config | undefined;
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
/** Tests and the local stack re-read the environment after changing it. */
export function resetConfig(): void {
  cached = undefined;
}
