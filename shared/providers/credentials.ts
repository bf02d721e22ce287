import { z } from 'zod';

/**
 * The credential shape of each provider's account, validated before anything is
 * stored, and how each is shown masked. Kept free of provider clients so the API
 * edge can validate without loading them.
 */
export const credentialSchemas = {
  twilio: z
    .object({
      accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters'),
      authToken: z.string().regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters'),
      /**
       * The SharedKey secret of the account's Webhooks Rule, if it has one: Twilio then signs inbound
       * webhooks with it (X-Twilio-Webhooks-Signature-Settings: algorithm=HMAC_SHA256) instead of the auth token.
       */
      webhookSharedKeySecret: z.string().min(16).max(256).optional(),
    })
    .strict(),
  plivo: z
    .object({
      authId: z.string().regex(/^(MA|SA)[A-Z0-9]{18}$/, 'must be a Plivo Auth ID (MA… or SA…, 20 characters)'),
      authToken: z.string().min(20).max(64),
    })
    .strict(),
  vonage: z
    .object({
      apiKey: z.string().regex(/^[0-9a-zA-Z]{6,16}$/, 'must be the account API key (6-16 letters/digits)'),
      apiSecret: z.string().min(6).max(64),
    })
    .strict(),
  telnyx: z.object({ apiKey: z.string().regex(/^KEY[0-9A-Za-z_-]{20,}$/, 'must be a Telnyx API v2 key (KEY…)') }).strict(),
  somos: z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(256) }).strict(),
  /** The platform's Vapi org only: tenants bring their numbers into it, never their own Vapi key. */
  vapi: z.object({ apiKey: z.string().min(8).max(256) }).strict(),
} as const;

/** Providers whose account is the platform's alone (no bring-your-own). */
export const platformOnlyProviders = ['vapi'] as const;

export type AccountProvider = keyof typeof credentialSchemas;
export const accountProviders = Object.keys(credentialSchemas) as AccountProvider[];
export type Credentials<P extends AccountProvider = AccountProvider> = z.infer<(typeof credentialSchemas)[P]>;

const MASK = '***masked***';
const tail = (value: string, keep = 4) => `${value.slice(0, 2)}…${value.slice(-keep)}`;

/** A preview safe to store and show: identifiers shortened, secrets fully masked. */
export function maskCredentials(provider: AccountProvider, credentials: Record<string, string>): Record<string, string> {
  switch (provider) {
    case 'twilio':
      return { accountSid: tail(credentials.accountSid!), authToken: MASK, ...(credentials.webhookSharedKeySecret ? { webhookSharedKeySecret: MASK } : {}) };
    case 'plivo':
      return { authId: tail(credentials.authId!), authToken: MASK };
    case 'vonage':
      return { apiKey: tail(credentials.apiKey!, 3), apiSecret: MASK };
    case 'telnyx':
      return { apiKey: MASK };
    case 'somos':
      return { username: credentials.username!, password: MASK };
    case 'vapi':
      return { apiKey: MASK };
  }
}

export function isAccountProvider(name: string): name is AccountProvider {
  return name in credentialSchemas;
}
