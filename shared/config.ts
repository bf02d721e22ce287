import { z } from 'zod';

/**
 * Runtime configuration, validated once. A bad value fails fast with every bad
 * variable listed, instead of surfacing later as a confusing runtime error.
 */
const url = z.string().url();
const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalUrl = z.preprocess(emptyToUndefined, url.optional());

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
    /**
     * Whether requests reach the functions through API Gateway (default: in production). The gateway
     * calls each function with its own Google-signed ID token in Authorization — Cloud Run lets only the
     * gateway's service account in, and checks that token before our code runs — and moves the caller's
     * Authorization header to X-Forwarded-Authorization, where the caller's Firebase ID token is then
     * read. Production cannot turn it off (refused below): its functions are invokable by the gateway only.
     */
    AUTH_VIA_GATEWAY: z.enum(['true', 'false']).optional(),
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
    /**
     * Key source for Google-signed OIDC tokens (Cloud Tasks, Cloud Scheduler, Pub/Sub push): Google's by
     * default; the dev stack uses its own key file.
     */
    TASKS_OIDC_JWKS_FILE: z.string().min(1).optional(),
    /** The service account whose OIDC token every Pub/Sub push must carry (the push subscriptions' oidc_token). */
    PUBSUB_PUSH_SERVICE_ACCOUNT: z.string().email().optional(),
    /** Telnyx's webhook public key (base64, from the Telnyx portal): verifies telnyx-signature-ed25519. */
    TELNYX_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 Ed25519 public key from the Telnyx portal').optional(),
    /** Whether tenants may take free Vapi numbers (development/testing only). */
    VAPI_ALLOW_FREE_NUMBERS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    /**
     * Whether tenant URLs (webhooks, job callbacks) may point at loopback (127.0.0.0/8, ::1, localhost),
     * over http too: the dev stack's and tests' receivers. Never in production (refused below).
     */
    OUTBOUND_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    /**
     * Browser origins allowed to call the API (CORS), comma-separated: `https://console.example.com,https://admin.example.com`.
     * Each is an origin (scheme://host[:port], no path); default none (no CORS headers at all). An allowed
     * origin's preflight (OPTIONS) gets 204 with the path's methods, and every answer to it carries
     * Access-Control-Allow-Origin and the exposed headers (shared/http/cors.ts).
     */
    CORS_ORIGINS: z
      .string()
      .max(4096)
      .default('')
      .transform((value, ctx) => {
        const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
        for (const origin of origins) {
          const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
          if (!parsed || origin.includes('*') || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin.toLowerCase().replace(/\/$/, '')) {
            ctx.addIssue({ code: 'custom', message: `${origin} is not an origin (scheme://host[:port], no path, no wildcard)` });
          }
        }
        return origins.map((o) => o.toLowerCase().replace(/\/$/, ''));
      }),
    /** Spend guards: platform defaults, overridable per tenant on tenants/{id}.limits. */
    LIMIT_PURCHASES_PER_DAY: z.coerce.number().int().min(0).default(500),
    LIMIT_NUMBERS_HELD: z.coerce.number().int().min(0).default(10_000),
    LIMIT_BULK_JOB_ITEMS: z.coerce.number().int().min(1).max(10_000).default(10_000),
    LIMIT_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
    LIMIT_FREE_VAPI_NUMBERS: z.coerce.number().int().min(0).default(5),
    /** Bulk jobs: how often (at most) a job's completion is checked while items finish. */
    JOB_FINALIZE_WINDOW_MS: z.coerce.number().int().min(100).max(60_000).default(500),
    /**
     * Bulk jobs: how long an item may sit `queued` (its job not moving either), or `running` past its
     * lease, before the sweeper (scheduledJobSweep) gives it a new task; open jobs untouched that long get a completion check.
     */
    JOB_SWEEP_STALE_MS: z.coerce.number().int().min(60_000).max(24 * 3600_000).default(15 * 60_000),
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
    // An account's API rate limit (requests per second); its calls are paced just under it. Unset: not paced.
    PROVIDER_RATE_LIMIT_TWILIO: z.coerce.number().positive().max(10_000).optional(),
    PROVIDER_RATE_LIMIT_PLIVO: z.coerce.number().positive().max(10_000).optional(),
    PROVIDER_RATE_LIMIT_VONAGE: z.coerce.number().positive().max(10_000).optional(),
    PROVIDER_RATE_LIMIT_TELNYX: z.coerce.number().positive().max(10_000).optional(),
    /**
     * Whose account buys a tenant's numbers when it has none of its own for the provider: `platform` (the
     * operator's account) or `own-only` (refused, 409 no_account). A tenant's own `accountPolicy` on
     * tenants/{id} (PATCH /v1/tenant/settings) wins.
     */
    ACCOUNT_POLICY_DEFAULT: z.enum(['platform', 'own-only']).default('platform'),
    /** Days a number a tenant released stays out of that tenant's search results (0: not at all). */
    RELEASE_QUARANTINE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
    /** How long an in-flight purchase holds its number before a retry may resolve it. */
    PURCHASE_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).default('INFO'),
    TWILIO_API_BASE_URL: url.default(providerBaseUrlDefaults.TWILIO_API_BASE_URL),
    /** Twilio's Pricing API (monthly number prices in search results); the dev stack points it at the Twilio sandbox. */
    TWILIO_PRICING_BASE_URL: url.default('https://pricing.twilio.com'),
    TELNYX_API_BASE_URL: url.default(providerBaseUrlDefaults.TELNYX_API_BASE_URL),
    PLIVO_API_BASE_URL: url.default(providerBaseUrlDefaults.PLIVO_API_BASE_URL),
    VONAGE_API_BASE_URL: url.default(providerBaseUrlDefaults.VONAGE_API_BASE_URL),
    VAPI_API_BASE_URL: url.default(providerBaseUrlDefaults.VAPI_API_BASE_URL),
    SOMOS_API_BASE_URL: url.default(providerBaseUrlDefaults.SOMOS_API_BASE_URL),
    // Somos toll-free (all optional: the toll-free endpoints say which one is missing when used).
    /** RespOrg unit (ROID) of tenants without their own `respOrgId` on tenants/{id}. */
    SOMOS_DEFAULT_RESPORG_ID: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Z0-9]{5}$/, 'must be a 5-character RespOrg unit id (capitals and digits)').optional()),
    /** RespOrg entity (2 characters) of tenants without their own `somosEntityId`. */
    SOMOS_ENTITY_ID: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Z0-9]{2}$/, 'must be a 2-character RespOrg entity id').optional()),
    /** Accept-Version header sent to the TFN Registry (3.2, 3.8 and 3.11 are seen in public clients). */
    SOMOS_ACCEPT_VERSION: z.string().regex(/^3\.\d{1,2}$/, 'must be a 3.x API version such as 3.11').default('3.11'),
    /**
     * `forceFlag: 'Y'` on Somos session opens (G: one unofficial doc): `off` never (701003 is answered with
     * sessOverrideKey only), `on-conflict` one more open with it when 701003 comes without a key or still
     * comes after it, `always` on every open.
     */
    SOMOS_SESSION_FORCE_FLAG: z.enum(['off', 'on-conflict', 'always']).default('off'),
    /** Consecutive rejected Somos logins that pause all logins (the circuit breaker); keep it below the registry's lockout (assumed 5). */
    SOMOS_AUTH_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(10).default(3),
    /** First wait before one probe login while the breaker is open; it doubles after each failed probe. */
    SOMOS_AUTH_BREAKER_COOLDOWN_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
    /** Upper bound of that doubled wait. */
    SOMOS_AUTH_BREAKER_MAX_COOLDOWN_SECONDS: z.coerce.number().int().min(10).max(86_400).default(3600),
    /** PSTN fallback of every toll-free number whose routing names no disaster destination. */
    SOMOS_DEFAULT_DISASTER_NUMBER: z.preprocess(emptyToUndefined, z.string().regex(/^\+1[2-9]\d{2}[2-9]\d{6}$/, 'must be an E.164 North American number (+1 then 10 digits)').optional()),
    /** Carriers (CICs, 4 digits, comma-separated) of every customer record whose tenant sets none: interLATA and intraLATA. */
    SOMOS_DEFAULT_CARRIERS: z.preprocess(emptyToUndefined, z.string().regex(/^\d{4}(,\d{4}){0,9}$/, 'must be 1-10 carrier identification codes (4 digits each), comma-separated').optional()),
    /** E.164 number that reaches the carrier's SBC: SIP destinations are routed to it in the registry. */
    SOMOS_SIP_GATEWAY_NUMBER: z.preprocess(emptyToUndefined, z.string().regex(/^\+1[2-9]\d{2}[2-9]\d{6}$/, 'must be an E.164 North American number (+1 then 10 digits)').optional()),
    /** Shared secret Somos' unsolicited notifications must carry (x-somos-notification-secret). */
    SOMOS_NOTIFICATION_SECRET: z.preprocess(emptyToUndefined, z.string().min(24, 'must be at least 24 characters').optional()),
    /** Text-enablement (TSS) API base: its real API is not public, so only the sandbox's stand-in exists. */
    SOMOS_TSS_BASE_URL: optionalUrl,
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
  .refine((c) => c.PLATFORM_ENV !== 'production' || c.PUBSUB_PUSH_SERVICE_ACCOUNT, {
    message: 'required in production (identity of Pub/Sub push OIDC tokens)',
    path: ['PUBSUB_PUSH_SERVICE_ACCOUNT'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || c.FUNCTIONS_BASE_URL, {
    message: 'required in production (target of follow-up tasks)',
    path: ['FUNCTIONS_BASE_URL'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || !c.TASKS_OIDC_JWKS_FILE, {
    message: 'a local key file cannot be used in production',
    path: ['TASKS_OIDC_JWKS_FILE'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || c.AUTH_VIA_GATEWAY !== 'false', {
    message: 'production functions are invoked by API Gateway only: the caller\'s token is in X-Forwarded-Authorization',
    path: ['AUTH_VIA_GATEWAY'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || c.CORS_ORIGINS.every((o) => o.startsWith('https://')), {
    message: 'production allows https origins only',
    path: ['CORS_ORIGINS'],
  })
  .refine((c) => c.PLATFORM_ENV !== 'production' || !c.OUTBOUND_ALLOW_LOOPBACK, {
    message: 'tenant URLs cannot reach loopback in production',
    path: ['OUTBOUND_ALLOW_LOOPBACK'],
  });

/** Every setting the schema reads (test/unit/terraform.test.ts requires Terraform to decide each one). */
export const configKeys = Object.keys(schema.shape) as (keyof z.infer<typeof schema>)[];

export type Config = z.infer<typeof schema> & {
  authProjectId: string;
  /** The caller's Firebase ID token is in X-Forwarded-Authorization (API Gateway moved it there). */
  authViaGateway: boolean;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty value is an unset one: Terraform passes an optional setting left blank as "".
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`));
  }
  const viaGateway = parsed.data.AUTH_VIA_GATEWAY ?? (parsed.data.PLATFORM_ENV === 'production' ? 'true' : 'false');
  return { ...parsed.data, authProjectId: parsed.data.AUTH_PROJECT_ID ?? parsed.data.GOOGLE_CLOUD_PROJECT, authViaGateway: viaGateway === 'true' };
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
