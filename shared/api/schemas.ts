import { z } from 'zod';
import { numberPurposes, numberStatuses } from '../domain/number.js';
import { credentialSchemas, platformOnlyProviders } from '../providers/credentials.js';
import { isValidNpa, NANP_COUNTRIES, NUMBER_PATTERN, patternToDigits, TOLL_FREE_NPAS, toE164 } from '../domain/phone.js';
import { numberProviders } from '../providers/registry.js';
import { normalizeTollFree, routingSchema, TOLL_FREE_NPAS as SOMOS_TOLL_FREE_NPAS } from '../providers/somos/routing.js';
import { MAX_QUANTITY as MAX_TOLLFREE_QUANTITY, searchMode, type SearchSpec } from '../services/tollfree/search-spec.js';
import { numberTypes } from '../providers/types.js';
import { outboundOutcomes } from '../http/outbound-request.js';
import { outboundUrlProblem, STRICT_OUTBOUND_POLICY } from '../http/outbound-url.js';

// ---------- building blocks ----------
export const E164 = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    const e164 = toE164(value);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: 'must be a valid phone number in E.164 format, e.g. +14155550123' });
      return z.NEVER;
    }
    return e164;
  })
  .meta({ description: 'Phone number in E.164 format', example: '+14155550123' });

/**
 * A URL the platform (or a provider on the tenant's behalf) will call: https to a public host
 * (shared/http/outbound-url.ts; names are checked again against what they resolve to when called).
 */
export const HttpsUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL')
  .superRefine((u, ctx) => {
    if (!u.startsWith('https://') || !URL.canParse(u)) return; // said above
    const problem = outboundUrlProblem(u, STRICT_OUTBOUND_POLICY);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
  })
  .meta({
    format: 'uri',
    example: 'https://example.com/hooks/sms',
    description: 'https URL of a public host: no credentials, IP literals of private/loopback/link-local/reserved ranges, single-label, .internal or .local names',
  });

const Tag = z.string().regex(/^[\w:.-]{1,40}$/, 'tags are 1-40 characters: letters, digits, _ : . -');
const DisplayName = z.string().trim().min(1).max(64);
/** Vapi's own limit on a phone number's (and a credential's) name: longer names are refused, never cut. */
export const VAPI_NAME_MAX = 40;
const VapiDisplayName = z
  .string()
  .trim()
  .min(1)
  .max(VAPI_NAME_MAX, `Vapi numbers' names are at most ${VAPI_NAME_MAX} characters (Vapi's limit)`)
  .meta({ description: `1-${VAPI_NAME_MAX} characters: Vapi's name limit (a longer name is refused, 400, never cut)` });
const VapiCredentialLabel = z
  .string()
  .trim()
  .min(1)
  .max(VAPI_NAME_MAX, `credential labels are at most ${VAPI_NAME_MAX} characters (Vapi's name limit)`)
  .meta({ description: `1-${VAPI_NAME_MAX} characters (Vapi's name limit; refused, never cut, beyond it)` });
const VapiCredentialIdValue = z
  .string()
  .regex(/^vcr_[a-f0-9]{16}$/, 'is not a Vapi credential id (vcr_…)')
  .meta({ description: 'One of the tenant’s Vapi credentials (POST /v1/vapi/credentials, or made by an earlier import), instead of the credentials themselves' });
const Country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. US')
  .transform((c) => c.toUpperCase());
const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
export const Provider = z.enum(numberProviders);
const ChannelList = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const parts = value.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
    const bad = parts.filter((p) => !['sms', 'mms', 'voice', 'fax'].includes(p));
    if (bad.length) {
      ctx.addIssue({ code: 'custom', message: `unknown capabilities: ${bad.join(', ')} (use sms, mms, voice, fax)` });
      return z.NEVER;
    }
    return [...new Set(parts)] as ('sms' | 'mms' | 'voice' | 'fax')[];
  })
  .meta({ description: 'Comma-separated: sms, mms, voice, fax', example: 'sms,voice' });

const Purpose = z.enum(numberPurposes);
const ResourceId = (prefix: string, what: string) => z.string().regex(new RegExp(`^${prefix}_[a-f0-9]{16}$`), `is not a ${what} id (${prefix}_…)`);
export const LocationIdValue = ResourceId('loc', 'location');
export const AgentIdValue = ResourceId('agt', 'agent');
export const AccountIdValue = z.union([z.literal('platform'), ResourceId('acc', 'provider account')]);
const Assignee = z.object({ id: z.string().trim().min(1).max(128), name: z.string().trim().min(1).max(128) }).strict();
const ApplicationId = z
  .string()
  .regex(/^[\w-]{1,64}$/, 'must be the provider application id')
  .meta({ description: 'Provider application the number routes through (Plivo app_id, Vonage app_id)' });
const ForceFlag = z.object({ force: z.enum(['true', 'false']).transform((v) => v === 'true').default(false) }).strict();

export const Capabilities = z.object({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean(), fax: z.boolean() });
export const Money = z.object({ amount: z.string(), currency: z.string() });
const NUMBER_ID = /^num_[a-f0-9]{20}$/;
/**
 * A number in a path: its id (num_…) or the number itself in E.164 (`+14155550123`, `%2B14155550123`
 * URL-encoded), which names the number the tenant holds now.
 */
export const NumberId = z
  .object({
    id: z
      .string()
      .max(32)
      .transform((value, ctx) => {
        if (NUMBER_ID.test(value)) return value;
        const e164 = /^\+[1-9]\d{5,14}$/.test(value) ? toE164(value) : undefined;
        if (e164) return e164;
        ctx.addIssue({ code: 'custom', message: 'is not a number id (num_…) or a phone number in E.164 (+14155550123)' });
        return z.NEVER;
      })
      .meta({ description: 'The number’s id (num_…), or the phone number in E.164 (+14155550123, URL-encoded %2B14155550123): the number the tenant holds now', example: 'num_0123456789abcdef0123' }),
  })
  .strict();
/** A number id of the API (num_…), as opposed to an E.164 given in its place. */
export const isNumberId = (value: string) => NUMBER_ID.test(value);

// ---------- search ----------
export const SearchAvailableQuery = z
  .object({
    provider: Provider,
    country: Country.default('US'),
    type: z.enum(numberTypes).default('local'),
    areaCode: z.string().regex(/^\d{3}$/, 'must be a 3-digit area code').optional(),
    contains: z
      .string()
      .min(2)
      .max(16)
      .regex(NUMBER_PATTERN, 'may contain digits, letters (keypad) and * (any digit)')
      .transform(patternToDigits)
      .optional()
      .meta({ description: 'Digits, * for any digit, letters map to keypad digits (FLOWERS → 3569377)' }),
    startsWith: z
      .string()
      .min(1)
      .max(15)
      .regex(/^[0-9A-Za-z]+$/, 'may contain digits and letters (keypad)')
      .transform(patternToDigits)
      .optional()
      .meta({ description: 'National number starts with these digits (letters map to keypad digits)' }),
    endsWith: z
      .string()
      .min(1)
      .max(15)
      .regex(/^[0-9A-Za-z]+$/, 'may contain digits and letters (keypad)')
      .transform(patternToDigits)
      .optional()
      .meta({ description: 'National number ends with these digits (letters map to keypad digits)' }),
    capabilities: ChannelList.optional(),
    features: ChannelList.optional().meta({ description: 'Alias of capabilities' }),
    ndc: z
      .string()
      .regex(/^\d{1,5}$/, 'must be 1-5 digits')
      .optional()
      .meta({ description: 'National destination code (area code outside NANP, e.g. 1 for Paris)' }),
    administrativeArea: z.string().trim().min(1).max(64).optional().meta({ description: 'Alias of region' }),
    region: z.string().trim().min(1).max(64).optional(),
    postalCode: z.string().trim().regex(/^[A-Za-z0-9 -]{2,12}$/, 'is not a postal code').optional(),
    locality: z.string().trim().min(1).max(64).optional(),
    nearLatLong: z
      .string()
      .regex(/^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$/, 'must be "latitude,longitude"')
      .transform((v, ctx) => {
        const [latitude, longitude] = v.split(',').map(Number) as [number, number];
        if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
          ctx.addIssue({ code: 'custom', message: 'latitude must be within ±90 and longitude within ±180' });
          return z.NEVER;
        }
        return { latitude, longitude };
      })
      .optional(),
    distance: z.coerce.number().int().min(0).max(500).optional().meta({ description: 'Miles around nearLatLong' }),
    limit: Limit(100, 20),
    accountId: z.string().regex(/^[\w-]{1,64}$/).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    const nanp = NANP_COUNTRIES.has(q.country);
    if (q.areaCode) {
      if (!nanp) ctx.addIssue({ code: 'custom', path: ['areaCode'], message: 'area codes apply only to NANP countries (US, CA, …)' });
      else if (!isValidNpa(q.areaCode)) ctx.addIssue({ code: 'custom', path: ['areaCode'], message: `${q.areaCode} is not a valid NANP area code` });
      else if (q.type === 'toll_free' && !TOLL_FREE_NPAS.has(q.areaCode))
        ctx.addIssue({ code: 'custom', path: ['areaCode'], message: `${q.areaCode} is not a toll-free prefix (800, 833, 844, 855, 866, 877, 888)` });
      else if (q.type !== 'toll_free' && TOLL_FREE_NPAS.has(q.areaCode))
        ctx.addIssue({ code: 'custom', path: ['areaCode'], message: `${q.areaCode} is a toll-free prefix; use type=toll_free` });
    }
    if (q.distance !== undefined && !q.nearLatLong) {
      ctx.addIssue({ code: 'custom', path: ['distance'], message: 'distance needs nearLatLong' });
    }
    for (const [alias, name] of [['features', 'capabilities'], ['administrativeArea', 'region'], ['ndc', 'areaCode']] as const) {
      if (q[alias] !== undefined && q[name] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [alias], message: `use either ${alias} or ${name}, not both` });
      }
    }
    if (q.ndc && nanp) ctx.addIssue({ code: 'custom', path: ['ndc'], message: 'use areaCode for NANP countries' });
  });

export const AvailableNumber = z.object({
  phoneNumber: z.string(),
  friendlyName: z.string(),
  provider: z.string(),
  country: z.string(),
  type: z.enum(numberTypes),
  locality: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  rateCenter: z.string().optional(),
  lata: z.string().optional().meta({ description: 'LATA (local access and transport area) of a North American number, where the provider reports it (Twilio, Plivo)' }),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
  capabilities: Capabilities,
  addressRequirements: z.enum(['none', 'any', 'local', 'foreign']).optional(),
  monthlyCost: Money.optional().meta({
    description: 'Monthly price of the number at this provider: from the search itself (Plivo, Vonage, Telnyx) or, for Twilio, from its Pricing API per country and number type (left out when that could not be read)',
  }),
});

export const AvailableNumbersResponse = z.object({
  data: z.array(AvailableNumber),
  provider: z.string(),
  count: z.number().int(),
  filtersApplied: z
    .record(z.string(), z.enum(['provider', 'client']))
    .optional()
    .meta({ description: 'Per filter: applied by the provider, or by us because the provider ignored it (non-matching numbers were removed)' }),
  quarantined: z
    .number()
    .int()
    .optional()
    .meta({ description: 'Numbers the provider offered that this tenant released within RELEASE_QUARANTINE_DAYS, left out of data' }),
});

// ---------- numbers ----------
/** Which account a number is bought on (and pays for it), as the number's responses show it. */
export const NumberAccount = z
  .object({
    id: z.string().meta({ description: 'The number’s accountId: `platform`, or one of the tenant’s provider accounts (acc_…)' }),
    kind: z.enum(['platform', 'own']).meta({ description: 'platform: the operator’s account pays; own: the tenant’s own account (bring-your-own)' }),
    label: z.string().optional(),
    status: z
      .enum(['attached', 'detached'])
      .meta({
        description:
          'detached: the tenant’s account this number was bought on was removed (DELETE …?force=true). The provider still holds and bills the number. Add the same account again (same SID / auth id / API key) to re-attach it, or release it from our records only with DELETE /v1/numbers/{id}?recordsOnly=true',
      }),
  })
  .meta({ description: 'The provider account that paid for (and manages) this number' });
export const PhoneNumberResource = z.object({
  id: z.string(),
  provider: z.string(),
  accountId: z.string(),
  phoneNumber: z.string(),
  friendlyName: z.string(),
  country: z.string(),
  type: z.enum(numberTypes),
  locality: z.string().optional(),
  region: z.string().optional(),
  capabilities: Capabilities,
  providerNumberId: z.string().optional(),
  displayName: z.string().optional(),
  tags: z.array(z.string()),
  smsEnabled: z.boolean(),
  voiceEnabled: z.boolean(),
  webhookUrl: z.string().optional().meta({ description: 'Where inbound messages are relayed (our inbound relay signs and retries)' }),
  voiceUrl: z.string().optional().meta({ description: 'The provider calls this URL for incoming calls (Twilio VoiceUrl)' }),
  smsUrl: z.string().optional().meta({ description: 'The provider sends incoming messages straight to this URL (Twilio SmsUrl, Vonage moHttpUrl), instead of through the relay' }),
  statusCallbackUrl: z.string().optional().meta({ description: 'Call status callbacks (Twilio StatusCallback, Vonage voiceStatusCallback)' }),
  applicationId: z.string().optional(),
  purpose: Purpose.optional(),
  locationId: z.string().optional(),
  locationName: z.string().optional(),
  assignedTo: z.object({ id: z.string(), name: z.string() }).optional(),
  agentId: z.string().optional().meta({ description: 'The agent that answers this number (inbound): one at most' }),
  orderId: z.string().optional(),
  externalRef: z.string().optional(),
  requirementGroupId: z.string().optional(),
  vapi: z
    .object({
      source: z.string(),
      credentialId: z.string().optional(),
      assistantId: z.string().optional(),
      serverUrl: z.string().optional(),
      fallbackNumber: z.string().optional(),
    })
    .optional(),
  outboundAgentIds: z.array(z.string()).optional().meta({ description: 'Agents that call from this number (caller ID; shared by any number of agents). agentId is the one agent that answers it.' }),
  monthlyRate: Money.optional(),
  account: NumberAccount.optional(),
  status: z.enum(numberStatuses),
  statusReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  provisionedAt: z.string().optional(),
  releasedAt: z.string().optional(),
  releaseReason: z.string().optional(),
});

const PurchaseNumberBody = z
  .object({
    provider: z.enum(numberProviders.filter((p) => p !== 'vapi') as [Exclude<(typeof numberProviders)[number], 'vapi'>, ...Exclude<(typeof numberProviders)[number], 'vapi'>[]]),
    phoneNumber: E164,
    displayName: DisplayName.optional(),
    tags: z.array(Tag).max(20).optional(),
    capabilities: z
      .array(z.enum(['sms', 'voice']))
      .min(1)
      .max(2)
      .optional()
      .meta({ description: 'Channels to enable (default: every channel the number supports)' }),
    webhookUrl: HttpsUrl.optional().meta({ description: 'Where inbound messages are relayed (signed by us, retried); the provider sends them to our relay (Twilio), or here directly (Vonage moHttpUrl). Never used for calls: see voiceUrl' }),
    voiceUrl: HttpsUrl.optional().meta({ description: 'Incoming calls (Twilio VoiceUrl). Providers that route calls through an application or connection refuse it (400 naming it)' }),
    smsUrl: HttpsUrl.optional().meta({ description: 'Incoming messages straight from the provider, bypassing the relay (Twilio SmsUrl, Vonage moHttpUrl); wins over webhookUrl at the provider' }),
    statusCallbackUrl: HttpsUrl.optional().meta({ description: 'Call status callbacks (Twilio StatusCallback, Vonage voiceStatusCallback)' }),
    applicationId: ApplicationId.optional(),
    accountId: AccountIdValue.optional(),
    purpose: Purpose.optional().meta({ description: 'Sets the default channels when capabilities is omitted (sms → SMS, voice → voice, both/customer_support → both)' }),
    locationId: LocationIdValue.optional(),
    assignedTo: Assignee.optional(),
    externalRef: z.string().trim().min(1).max(128).optional().meta({ description: 'Your own reference (e.g. a gig id); see GET /v1/numbers/check' }),
    requirementGroupId: z
      .string()
      .regex(/^rqg_[a-f0-9]{16}$/, 'is not a requirement group id (rqg_…)')
      .optional()
      .meta({ description: 'Telnyx: the approved requirement group (default: the tenant’s group for the number’s country and type)' }),
    connectionId: z.string().regex(/^[\w-]{1,64}$/).optional().meta({ description: 'Telnyx: voice connection' }),
    messagingProfileId: z.string().regex(/^[\w-]{1,64}$/).optional().meta({ description: 'Telnyx: messaging profile' }),
  })
  .strict();

// Vapi imports: the tenant's own numbers brought into the platform's Vapi org.
const Hostname = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const IPv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const Gateway = z
  .object({
    ip: z.string().trim().max(253).refine((v) => IPv4.test(v) || Hostname.test(v), 'must be an IPv4 address or a hostname'),
    port: z.number().int().min(1).max(65535).default(5060),
    netmask: z.number().int().min(24).max(32).optional(),
    inboundEnabled: z.boolean().optional(),
    outboundEnabled: z.boolean().optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.inboundEnabled !== false && !IPv4.test(g.ip)) {
      ctx.addIssue({ code: 'custom', path: ['ip'], message: 'gateways that receive calls need an IPv4 address (Vapi allow-lists inbound traffic by IP)' });
    }
    if (IPv4.test(g.ip) && /^(10\.|127\.|0\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(g.ip)) {
      ctx.addIssue({ code: 'custom', path: ['ip'], message: 'must be a public address reachable from Vapi' });
    }
  });
// The credentials each source brings: inline with an import, or on their own (POST /v1/vapi/credentials).
const VonageCredentialFields = z.object({
  apiKey: z.string().regex(/^[0-9a-zA-Z]{6,16}$/, 'must be the Vonage account API key (6-16 letters/digits)'),
  apiSecret: z.string().min(6).max(64),
});
const TelnyxCredentialFields = z.object({ apiKey: z.string().regex(/^KEY[0-9A-Za-z_-]{20,}$/, 'must be a Telnyx API v2 key (KEY…)') });
const SipTrunkCredentialFields = z.object({
  gateways: z.array(Gateway).min(1).max(10),
  authUsername: z.string().min(1).max(128).optional(),
  authPassword: z.string().min(1).max(128).optional(),
});

/** A source names a credential (credentialId) or brings its fields, never both, never neither. */
function credentialsOrId(required: string[], optional: string[] = []) {
  return (source: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if (source.credentialId !== undefined) {
      for (const field of [...required, ...optional]) {
        if (source[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'give credentialId or the credentials, not both' });
      }
      return;
    }
    for (const field of required) {
      if (source[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required (or give credentialId)` });
    }
  };
}

const VapiSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('vapi'), numberDesiredAreaCode: z.string().regex(/^\d{3}$/).optional() }).strict(),
  z
    .object({
      type: z.literal('twilio'),
      number: E164,
      twilioAccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters'),
      twilioAuthToken: z.string().regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters').optional(),
      twilioApiKey: z.string().regex(/^SK[0-9a-fA-F]{32}$/, 'must be SK followed by 32 hex characters').optional(),
      twilioApiSecret: z.string().min(16).max(128).optional(),
    })
    .strict()
    .refine((s) => (s.twilioAuthToken !== undefined) !== (s.twilioApiKey !== undefined && s.twilioApiSecret !== undefined), {
      message: 'give twilioAuthToken, or twilioApiKey with twilioApiSecret',
      path: ['twilioAuthToken'],
    }),
  z
    .object({ type: z.literal('vonage'), number: E164, credentialId: VapiCredentialIdValue.optional(), ...VonageCredentialFields.partial().shape })
    .strict()
    .superRefine(credentialsOrId(['apiKey', 'apiSecret'])),
  z
    .object({ type: z.literal('telnyx'), number: E164, credentialId: VapiCredentialIdValue.optional(), ...TelnyxCredentialFields.partial().shape })
    .strict()
    .superRefine(credentialsOrId(['apiKey'])),
  z
    .object({
      type: z.literal('byo-sip-trunk'),
      number: z.string().trim().min(1).max(40),
      sipUri: z.never({ error: 'Vapi’s BYO numbers take no SIP URI: give the SIP user as number with numberE164CheckEnabled: false' }).optional(),
      credentialId: VapiCredentialIdValue.optional(),
      ...SipTrunkCredentialFields.partial().shape,
      numberE164CheckEnabled: z.boolean().default(true),
    })
    .strict()
    .superRefine(credentialsOrId(['gateways'], ['authUsername', 'authPassword']))
    .transform((s, ctx) => {
      if (!s.numberE164CheckEnabled) {
        if (!/^[\w.+*#-]{1,40}$/.test(s.number)) ctx.addIssue({ code: 'custom', path: ['number'], message: 'may contain letters, digits and . + * # - _' });
        return s;
      }
      const parsed = E164.safeParse(s.number);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', path: ['number'], message: 'must be E.164 (or set numberE164CheckEnabled: false)' });
        return z.NEVER;
      }
      return { ...s, number: parsed.data };
    })
    .refine((s) => !s.authPassword || s.authUsername, { message: 'authPassword needs authUsername', path: ['authPassword'] }),
]);
const VapiImportBody = z
  .object({
    provider: z.literal('vapi'),
    source: VapiSource,
    displayName: VapiDisplayName.optional(),
    tags: z.array(Tag).max(20).optional(),
    assistantId: z.string().uuid().optional(),
    serverUrl: HttpsUrl.optional(),
    fallbackNumber: E164.optional(),
    credentialLabel: VapiCredentialLabel.optional().meta({
      description: `Label of the credential an import with inline credentials creates (1-${VAPI_NAME_MAX} characters, Vapi's name limit); an import whose credentials match one the tenant already has reuses that credential`,
    }),
  })
  .strict();

export const CreateNumberBody = z.discriminatedUnion('provider', [PurchaseNumberBody, VapiImportBody]);

export const UpdateNumberBody = z
  .object({
    displayName: DisplayName.nullable()
      .optional()
      .meta({ description: `1-64 characters; a Vapi number's at most ${VAPI_NAME_MAX} (Vapi's name limit: a longer one is refused with 400 naming body.displayName, never cut)` }),
    tags: z.array(Tag).max(20).optional(),
    smsEnabled: z.boolean().optional(),
    voiceEnabled: z.boolean().optional(),
    webhookUrl: HttpsUrl.nullable().optional().meta({ description: 'Where inbound messages are relayed; null clears' }),
    voiceUrl: HttpsUrl.nullable().optional().meta({ description: 'Incoming calls (Twilio VoiceUrl); null clears' }),
    smsUrl: HttpsUrl.nullable().optional().meta({ description: 'Incoming messages straight from the provider (Twilio SmsUrl, Vonage moHttpUrl); null clears (messages then go through the relay when webhookUrl is set)' }),
    statusCallbackUrl: HttpsUrl.nullable().optional().meta({ description: 'Call status callbacks (Twilio StatusCallback, Vonage voiceStatusCallback); null clears' }),
    applicationId: ApplicationId.nullable().optional(),
    status: z
      .enum(['active', 'inactive'])
      .optional()
      .meta({
        description:
          'inactive takes the number out of service at the provider (Twilio: calls hear "not in service", messages are recorded and not relayed; Vonage: messages to a not-in-service handler, application detached; Plivo: application detached; Telnyx: connection and messaging profile detached); active restores its routing exactly as it was',
      }),
    purpose: Purpose.optional(),
    locationId: LocationIdValue.nullable().optional(),
    assignedTo: Assignee.nullable().optional().meta({ description: 'Staff member the number is assigned to; null unassigns' }),
    assistantId: z.string().uuid().nullable().optional().meta({ description: 'Vapi numbers: the assistant that answers' }),
    serverUrl: HttpsUrl.nullable().optional().meta({ description: 'Vapi numbers: server URL' }),
    fallbackNumber: E164.nullable().optional().meta({ description: 'Vapi numbers: fallback when the assistant is unreachable' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');

export const ReleaseNumberBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
export const ReleaseNumberQuery = z
  .object({
    force: ForceFlag.shape.force,
    recordsOnly: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .default(false)
      .meta({
        description:
          'Only for a number whose provider account was removed (account.status detached): drop it from our records without asking the provider, which keeps holding and billing it until it is released there',
      }),
  })
  .strict();

export const ListNumbersQuery = z
  .object({
    provider: Provider.optional(),
    status: z.enum(numberStatuses).optional(),
    tag: Tag.optional(),
    locationId: LocationIdValue.optional(),
    purpose: Purpose.optional(),
    agentId: AgentIdValue.optional().meta({ description: 'Numbers the agent answers or calls from (not with tag or q)' }),
    accountId: AccountIdValue.optional(),
    orderId: z.string().regex(/^[\w-]{1,64}$/).optional(),
    externalRef: z.string().trim().min(1).max(128).optional(),
    q: z
      .string()
      .trim()
      .min(2)
      .max(20)
      .regex(/^\+?[\p{L}\p{N}]+$/u, 'one word of the display name, or 3+ digits of the number')
      .optional()
      .meta({ description: 'Finds numbers by a word prefix of the display name or 3+ consecutive digits of the number' }),
    limit: Limit(100, 20),
    cursor: z.string().max(512).optional(),
  })
  .strict();

const page = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    nextCursor: z.string().optional(),
    total: z.number().int().optional().meta({ description: 'Matches across all pages (first page only)' }),
  });
const PageQuery = { limit: Limit(100, 20), cursor: z.string().max(512).optional() };

export const NumbersPage = page(PhoneNumberResource);

// ---------- provider accounts ----------
export const CreateProviderAccountBody = z
  .discriminatedUnion('provider', [
    ...(Object.entries(credentialSchemas) as [keyof typeof credentialSchemas, z.ZodType][])
      .filter(([provider]) => !(platformOnlyProviders as readonly string[]).includes(provider))
      .map(([provider, credentials]) =>
      z.object({
        provider: z.literal(provider),
        credentials,
        label: z.string().trim().min(1).max(64).optional(),
        isDefault: z.boolean().optional().meta({ description: 'Use this account by default for the provider (the first one is)' }),
      }).strict(),
    ),
  ] as unknown as [z.ZodObject, ...z.ZodObject[]]);
export const ProviderAccountResource = z.object({
  id: z.string(),
  provider: z.string(),
  label: z.string().optional(),
  credentials: z.record(z.string(), z.string()).meta({ description: 'Masked preview; secrets are never returned' }),
  isDefault: z.boolean(),
  verifiedAt: z.string(),
  credentialsRotatedAt: z.string().optional().meta({ description: 'When the credentials were last replaced (PATCH)' }),
  reattachedNumbers: z
    .number()
    .int()
    .optional()
    .meta({ description: 'On creation: numbers left detached when this same account was removed earlier, attached to it again (they keep their account id)' }),
  detachedNumbers: z
    .number()
    .int()
    .optional()
    .meta({ description: 'On a forced removal: numbers left detached — still held and billed at the provider until released (re-add the account to manage them)' }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const UpdateProviderAccountBody = z
  .object({
    credentials: z
      .record(z.string().max(32), z.string().max(256))
      .refine((c) => Object.keys(c).length > 0 && Object.keys(c).length <= 4, 'name 1-4 credential fields')
      .optional()
      .meta({
        description:
          'New credentials of the same account: the secret alone (e.g. {"authToken": "…"}) or the whole set. Verified with the provider before they replace the stored ones (a new Secret Manager version; the old one is disabled once the new one works)',
      }),
    label: z.string().trim().min(1).max(64).nullable().optional(),
    isDefault: z.boolean().optional().meta({ description: 'true: the provider’s default account (the previous default stops being it); false: no default for the provider' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
export const ProviderAccountsPage = page(ProviderAccountResource);
export const ProviderAccountId = z.object({ id: ResourceId('acc', 'provider account') }).strict();
export const ListPageQuery = z.object(PageQuery).strict();
export const DeleteWithForceQuery = ForceFlag;

// ---------- locations ----------
const LocationFields = {
  address: z.string().trim().min(1).max(256),
  timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone, e.g. America/New_York'),
  externalRef: z.string().trim().min(1).max(128),
};
export const CreateLocationBody = z
  .object({
    name: z.string().trim().min(1).max(128),
    address: LocationFields.address.optional(),
    timezone: LocationFields.timezone.optional(),
    externalRef: LocationFields.externalRef.optional(),
  })
  .strict();
export const UpdateLocationBody = z
  .object({
    name: z.string().trim().min(1).max(128).optional(),
    address: LocationFields.address.nullable().optional(),
    timezone: LocationFields.timezone.nullable().optional(),
    externalRef: LocationFields.externalRef.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
export const LocationResource = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string().optional(),
  timezone: z.string().optional(),
  externalRef: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const LocationsPage = page(LocationResource);
export const LocationId = z.object({ id: LocationIdValue }).strict();

// ---------- tenant settings ----------
export const accountPolicies = ['platform', 'own-only'] as const;
export const TenantSettingsResource = z.object({
  accountPolicy: z.enum(accountPolicies).meta({
    description:
      "platform: purchases without an account of the tenant's own for the provider go through the operator's account; own-only: they are refused (409 CONFLICT, details.reason no_account) — nothing is ever bought on the operator's account",
  }),
  accountPolicySource: z.enum(['tenant', 'default']).meta({ description: 'tenant: set for this tenant; default: the deployment’s ACCOUNT_POLICY_DEFAULT' }),
  defaults: z.object({ accountPolicy: z.enum(accountPolicies) }).meta({ description: 'The deployment’s defaults (what null restores)' }),
});
export const UpdateTenantSettingsBody = z
  .object({
    accountPolicy: z.enum(accountPolicies).nullable().optional().meta({ description: 'null: back to the deployment default' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one setting to change');

// ---------- agents ----------
const AgentPhone = E164.meta({ description: 'An active number of this tenant, E.164' });
export const CreateAgentBody = z
  .object({
    name: z.string().trim().min(1).max(128),
    description: z.string().trim().min(1).max(1000).optional(),
    inboundPhone: AgentPhone.optional(),
    outboundPhone: AgentPhone.optional(),
    assistantId: z.string().trim().min(1).max(128).optional(),
  })
  .strict();
export const UpdateAgentBody = z
  .object({
    name: z.string().trim().min(1).max(128).optional(),
    description: z.string().trim().min(1).max(1000).nullable().optional(),
    inboundPhone: AgentPhone.nullable().optional(),
    outboundPhone: AgentPhone.nullable().optional(),
    assistantId: z.string().trim().min(1).max(128).nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
export const AgentResource = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  inboundPhone: z.string().optional(),
  inboundNumberId: z.string().optional(),
  outboundPhone: z.string().optional(),
  outboundNumberId: z.string().optional(),
  assistantId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const AgentsPage = page(AgentResource);
export const AgentId = z.object({ id: AgentIdValue }).strict();

// ---------- audit ----------
export const AuditQuery = z
  .object({
    resource: z
      .string()
      .regex(
        /^(numbers|locations|agents|provider-accounts|tollfree-numbers|tollfree-requests|resporg-transfers|tenant)(\/[\w-]{1,64})?$/,
        'must look like numbers/{id}, locations/{id}, agents/{id}, provider-accounts/{id}, tollfree-numbers/{number}, tollfree-requests/{id}, resporg-transfers/{id} or tenant/settings',
      )
      .optional(),
    ...PageQuery,
  })
  .strict();
export const AuditRecordResource = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.union([
    z.object({ type: z.literal('user'), uid: z.string(), role: z.string() }),
    z.object({
      type: z.literal('system'),
      name: z.string(),
      onBehalfOf: z.string().optional().meta({ description: 'uid of the user the system acted for: the creator of the bulk job (name bulk-job:{jobId}) whose item made the change' }),
    }),
  ]),
  requestId: z.string(),
  action: z.string(),
  resource: z.string(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
});
export const AuditPage = z.object({ data: z.array(AuditRecordResource), nextCursor: z.string().optional() });

export const OpenApiDocument = z.record(z.string(), z.unknown());

// ---------- internal tasks ----------
export const SettlePurchaseTask = z
  .object({
    tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
    numberId: NumberId.shape.id,
    atProvider: z.boolean().optional().meta({ description: "Delivered from the provider's queue: this delivery may call the provider" }),
    retry: z.number().int().min(0).max(100).optional().meta({ description: 'How many provider-side attempts failed before this one' }),
    key: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/).optional().meta({ description: 'The purchase attempt or order poll this delivery settles' }),
  })
  .strict();
export const SettlePurchaseResult = z.object({
  outcome: z.enum(['already_settled', 'handed_off', 'retry_scheduled', 'activated', 'not_bought', 'order_pending', 'order_failed']),
});

export const ReconcileStartBody = z.object({ runId: z.string().regex(/^[\w-]{1,64}$/).optional() }).strict();
export const ReconcileStartResult = z.object({ runId: z.string(), accounts: z.number().int() });
export const ReconcileAccountTask = z
  .object({
    runId: z.string().regex(/^[\w-]{1,64}$/),
    provider: Provider,
    accountId: AccountIdValue,
    tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/).optional(),
  })
  .strict();
export const ReconcileAccountResult = z.object({
  ownedAtProvider: z.number().int(),
  heldHere: z.number().int(),
  opened: z.number().int(),
  resolved: z.number().int(),
  settledPending: z.number().int(),
});
export const FindingsQuery = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    kind: z.enum(['missing_at_provider', 'unknown_here']).optional(),
    limit: Limit(100, 20),
    cursor: z.string().max(512).optional(),
  })
  .strict();
export const FindingResource = z.object({
  id: z.string(),
  kind: z.enum(['missing_at_provider', 'unknown_here']),
  provider: z.string(),
  accountId: z.string(),
  phoneNumber: z.string(),
  numberId: z.string().optional(),
  providerNumberId: z.string().optional(),
  status: z.enum(['open', 'resolved']),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  resolvedAt: z.string().optional(),
  runId: z.string(),
});
export const FindingsPage = z.object({ data: z.array(FindingResource), nextCursor: z.string().optional() });

// ---------- regulatory requirements (Telnyx) ----------
const RequirementAction = z.enum(['ordering', 'porting']);
export const RequirementsQuery = z
  .object({ country: Country, type: z.enum(numberTypes).default('local'), action: RequirementAction.default('ordering') })
  .strict();
const RequirementFieldResource = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['document', 'textual', 'address']),
  description: z.string().optional(),
  acceptanceCriteria: z.object({
    minLength: z.number().optional(),
    maxLength: z.number().optional(),
    acceptableValues: z.array(z.string()).optional(),
    acceptableCharacters: z.string().optional(),
    regex: z.string().optional(),
    localityLimit: z.string().optional(),
    timeLimit: z.string().optional(),
  }),
});
export const RequirementsResponse = z.object({
  country: z.string(),
  type: z.string(),
  action: z.string(),
  hasRequirements: z.boolean(),
  requirements: z.array(RequirementFieldResource),
});
export const CreateRequirementGroupBody = z
  .object({ country: Country, type: z.enum(numberTypes), action: RequirementAction.default('ordering'), accountId: AccountIdValue.optional() })
  .strict();
const GroupStatus = z.enum(['creating', 'draft', 'pending', 'approved', 'rejected', 'unapproved']);
export const RequirementGroupResource = z.object({
  id: z.string(),
  provider: z.string(),
  accountId: z.string(),
  country: z.string(),
  type: z.string(),
  action: z.string(),
  providerGroupId: z.string().optional(),
  status: GroupStatus,
  statusReason: z.string().optional(),
  requirements: z.array(RequirementFieldResource),
  values: z.record(
    z.string(),
    z.object({ kind: z.string(), value: z.string().optional(), documentId: z.string().optional(), filename: z.string().optional(), submittedAt: z.string() }),
  ),
  submittedAt: z.string().optional(),
  decidedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const RequirementGroupsQuery = z.object({ country: Country.optional(), ...PageQuery }).strict();
export const RequirementGroupsPage = page(RequirementGroupResource);
const GroupIdValue = ResourceId('rqg', 'requirement group');
export const RequirementGroupId = z.object({ id: GroupIdValue }).strict();
export const RequirementValueParams = z
  .object({ id: GroupIdValue, requirementId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'is not a requirement id') })
  .strict();
export const SetRequirementValueBody = z.object({ value: z.string().trim().min(1).max(1000) }).strict();
export const RequirementGroupStatusResponse = z.object({
  id: z.string(),
  status: GroupStatus,
  isComplete: z.boolean(),
  completionPercentage: z.number().int().min(0).max(100),
  remaining: z.array(z.object({ requirementId: z.string(), name: z.string(), kind: z.string() })),
});
export const PollRequirementGroupTask = z
  .object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), groupId: GroupIdValue, attempt: z.number().int().min(0) })
  .strict();
export const PollRequirementGroupResult = z.object({ status: GroupStatus, polledAgain: z.boolean() });

// ---------- webhooks ----------
export const WebhookAck = z.object({
  received: z.literal(true),
  eventId: z.string(),
  outcome: z.enum(['applied', 'duplicate', 'stale', 'ignored']),
});

export const NotInServiceParams = z.object({ provider: z.enum(['twilio', 'vonage']) }).strict();
export const NotInServiceAck = z.object({ received: z.literal(true) });

// ---------- gig check ----------
export const NumberCheckQuery = z.object({ gigId: z.string().trim().min(1).max(128) }).strict();
export const NumberCheckResponse = z.object({ hasNumber: z.boolean(), numbers: z.array(PhoneNumberResource) });

// ---------- bulk jobs ----------
const ItemStateEnum = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export const CreateJobBody = z
  .object({
    type: z.enum(['purchase', 'release', 'update', 'tollfree-reserve', 'tollfree-activate', 'tollfree-routing', 'tollfree-sms']),
    provider: z.enum([...numberProviders, 'somos']).meta({ description: 'somos for tollfree-* jobs' }),
    accountId: AccountIdValue.optional().meta({ description: "Purchase jobs: the provider account to buy through (default: the tenant's default account for the provider, else the platform's)" }),
    items: z.array(z.unknown()).min(1).max(10_000).optional().meta({ description: 'Up to 10,000 items, each validated up front' }),
    search: z
      .object({
        country: Country.optional().meta({ description: 'Purchase jobs (default US)' }),
        type: z.enum(numberTypes).optional().meta({ description: 'Purchase jobs (default local)' }),
        areaCode: z.string().regex(/^\d{3}$/).optional().meta({ description: 'Purchase jobs' }),
        contains: z.string().regex(/^\d{1,8}$/).optional().meta({ description: 'Purchase jobs' }),
        npa: z.enum(SOMOS_TOLL_FREE_NPAS, { error: `must be a toll-free NPA (${SOMOS_TOLL_FREE_NPAS.join(', ')})` }).optional().meta({ description: 'tollfree-reserve jobs' }),
        nxx: z.string().regex(/^[2-9]\d{2}$/, 'must be 3 digits, the first 2-9').optional().meta({ description: 'tollfree-reserve jobs' }),
        contactName: z.string().trim().min(1).max(64).optional().meta({ description: 'tollfree-reserve jobs (required): the reservation contact' }),
        contactPhone: E164.optional().meta({ description: 'tollfree-reserve jobs (required)' }),
        notes: z.string().trim().min(1).max(240).optional().meta({ description: 'tollfree-reserve jobs' }),
        quantity: z.number().int().min(1).max(10_000),
      })
      .strict()
      .optional()
      .meta({
        description:
          'Let the job find the numbers. Purchase jobs: {areaCode:"415", quantity:500}; tollfree-reserve jobs: {npa:"833", quantity:200, contactName, contactPhone}',
      }),
    callbackUrl: z
      .string()
      .max(2048)
      .url()
      .optional()
      .meta({
        description:
          'https URL of a public host that receives a signed job.finished notification (X-Signature, see POST /v1/signing-secret); private, loopback, link-local, metadata and internal hosts are refused',
      }),
  })
  .strict()
  .refine((b) => (b.items === undefined) !== (b.search === undefined), { message: 'give either items or search', path: ['items'] });
const Counts = z.object({ queued: z.number(), running: z.number(), succeeded: z.number(), failed: z.number(), cancelled: z.number() });
export const JobResource = z.object({
  id: z.string(),
  type: z.string(),
  provider: z.string(),
  accountId: z.string().optional().meta({ description: 'Purchase jobs: the account every item buys through, fixed when the job was created' }),
  status: z.enum(['queued', 'running', 'completed', 'completed_with_errors', 'cancelled', 'failed']),
  itemCount: z.number().int(),
  search: z.record(z.string(), z.unknown()).optional(),
  callbackUrl: z.string().optional(),
  cancelRequested: z.boolean().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  failureReason: z.string().optional(),
  counts: Counts,
  total: z.number().int(),
  percent: z.number().int(),
  throughputPerSecond: z.number().optional(),
});
export const CreateJobResponse = JobResource.extend({
  invalidItems: z.array(z.object({ index: z.number().int(), issues: z.array(z.object({ path: z.string(), message: z.string() })) })),
  invalidCount: z.number().int(),
});
export const JobsPage = page(JobResource);
export const JobId = z.object({ id: z.string().regex(/^job_[a-f0-9]{20}$/, 'is not a job id (job_…)') }).strict();
export const JobItemsQuery = z.object({ state: ItemStateEnum.optional(), limit: Limit(500, 100), cursor: z.string().regex(/^\d{1,6}$/).optional() }).strict();
export const JobItemResource = z.object({
  id: z.string(),
  index: z.number().int(),
  state: ItemStateEnum,
  input: z.record(z.string(), z.unknown()),
  attempts: z.number().int(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z
    .object({ code: z.string(), message: z.string(), provider: z.string().optional(), providerCode: z.string().optional(), retryable: z.boolean().optional() })
    .optional(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});
export const JobItemsPage = z.object({ data: z.array(JobItemResource), nextCursor: z.string().optional() });
export const JobItemTask = z
  .object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), jobId: JobId.shape.id, itemId: z.string().regex(/^it_\d{5}$/) })
  .strict();
export const JobItemResult = z.object({ outcome: z.enum(['succeeded', 'failed', 'cancelled', 'already_final', 'busy', 'waiting']) });
export const JobCallbackTask = z.object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), jobId: JobId.shape.id }).strict();
export const JobCallbackResult = z.object({ status: z.number().int() });
export const JobFinalizeResult = z.object({ checked: z.literal(true) });
export const JobSweepBody = z
  .object({
    tasksLost: z
      .boolean()
      .optional()
      .meta({ description: 'The task queue is known to hold nothing (the dev stack just started): sweep every open item and job whatever its age; a leased item gets its task for when the lease ends' }),
  })
  .strict();
export const JobSweepResult = z.object({
  requeued: z.number().int().meta({ description: 'Items given a new task' }),
  alreadyQueued: z.number().int().meta({ description: 'Items whose sweep task was still in the queue' }),
  cancelled: z.number().int().meta({ description: 'Waiting items of jobs being cancelled, cancelled' }),
  leftToLiveJobs: z.number().int().meta({ description: 'Old queued items left alone because their job is moving' }),
  jobsChecked: z.number().int().meta({ description: 'Open jobs given a completion check' }),
  searchesRepublished: z.number().int().meta({ description: 'Search jobs whose search message was published again' }),
});
export const SigningSecretResponse = z.object({
  secret: z.string(),
  header: z.literal('X-Signature'),
  scheme: z.string(),
});

// ---------- vapi credentials ----------
export const VapiCredentialResource = z.object({
  id: z.string(),
  vapiCredentialId: z.string(),
  provider: z.string(),
  label: z.string().optional(),
  verifiedAt: z.string().optional().meta({ description: 'When the source provider (Vonage, Telnyx) accepted these credentials; absent for SIP trunks, which nothing can verify' }),
  numbers: z
    .array(z.object({ id: z.string(), phoneNumber: z.string(), status: z.string() }))
    .optional()
    .meta({ description: 'The tenant’s numbers that use this credential now (listings; a credential in use cannot be deleted)' }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const CreateVapiCredentialBody = z
  .discriminatedUnion('provider', [
    z.object({ provider: z.literal('vonage'), label: VapiCredentialLabel.optional(), ...VonageCredentialFields.shape }).strict(),
    z.object({ provider: z.literal('telnyx'), label: VapiCredentialLabel.optional(), ...TelnyxCredentialFields.shape }).strict(),
    z.object({ provider: z.literal('byo-sip-trunk'), label: VapiCredentialLabel.optional(), ...SipTrunkCredentialFields.shape }).strict(),
  ])
  .meta({
    description:
      'The same fields an import’s source takes. Vonage and Telnyx credentials are verified with that provider first (400 naming the field when refused); then the credential is created at Vapi. Import numbers with it through source.credentialId.',
  });
export const VapiCredentialsPage = page(VapiCredentialResource);
export const VapiCredentialId = z.object({ id: ResourceId('vcr', 'Vapi credential') }).strict();

// ---------- toll-free (Somos) ----------
const TollFreeNumberValue = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    try {
      return normalizeTollFree(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a toll-free number: 800, 833, 844, 855, 866, 877 or 888 then 7 digits (E.164 or 10 digits)' });
      return z.NEVER;
    }
  })
  .meta({ description: 'Toll-free number, E.164 or 10 digits', example: '+18335550100' });
export const TollFreeNumberParam = z.object({ number: TollFreeNumberValue }).strict();

/** Exactly one search mode (random / pattern / vanity / numbers); each problem names its field. */
const checkSearchMode = (spec: SearchSpec, ctx: z.RefinementCtx) => {
  const mode = searchMode(spec);
  if ('issues' in mode) for (const issue of mode.issues) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
};
const TollFreeSearchFields = {
  npa: z.enum(SOMOS_TOLL_FREE_NPAS, { error: `must be a toll-free NPA (${SOMOS_TOLL_FREE_NPAS.join(', ')})` }).optional(),
  nxx: z.string().regex(/^[2-9]\d{2}$/, 'must be 3 digits, the first 2-9').optional(),
  line: z.string().regex(/^\d{4}$/, 'must be 4 digits (the starting line number)').optional(),
  quantity: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_TOLLFREE_QUANTITY, `at most ${MAX_TOLLFREE_QUANTITY} per call (larger quantities go through bulk jobs)`)
    .optional(),
  pattern: z
    .string()
    .regex(/^8[0-9*]{9}$/, "must be 10 characters starting with 8: digits and '*' for any digit (e.g. 8**9**0023)")
    .optional(),
  vanity: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,9}$/, 'must be letters or digits')
    .refine((v) => v.replace(/-/g, '').length >= 1 && v.replace(/-/g, '').length <= 7, 'must be 1-7 letters or digits (the end of the number, e.g. FLOWERS)')
    .optional(),
};
export const AvailableTollFreeQuery = z
  .object({
    ...TollFreeSearchFields,
    consecutive: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    numbers: z
      .string()
      .max(400)
      .transform((value, ctx) => {
        const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
        const out: string[] = [];
        for (const part of parts) {
          try {
            out.push(normalizeTollFree(part));
          } catch {
            ctx.addIssue({ code: 'custom', message: `'${part.slice(0, 20)}' is not a toll-free number` });
            return z.NEVER;
          }
        }
        if (out.length < 1 || out.length > MAX_TOLLFREE_QUANTITY) {
          ctx.addIssue({ code: 'custom', message: `must list 1 to ${MAX_TOLLFREE_QUANTITY} numbers, comma-separated` });
          return z.NEVER;
        }
        return [...new Set(out)];
      })
      .meta({ description: 'Specific numbers, comma-separated', example: '8005551234,8335550100' })
      .optional(),
  })
  .strict()
  .superRefine(checkSearchMode);

const TollFreePending = z.object({
  status: z.literal('pending'),
  requestId: z.string(),
  poll: z.string().meta({ description: 'GET this path for the result' }),
  resource: z.string().optional(),
});
const AvailableTollFreeResult = z.object({
  data: z.array(z.object({ number: z.string(), phoneNumber: z.string() })),
  mode: z.enum(['random', 'wildcard', 'vanity', 'specific']),
  pattern: z.string().optional().meta({ description: 'The wildcard sent to the registry (pattern and vanity modes)' }),
  cached: z.boolean(),
  searchedAt: z.string(),
});
export const AvailableTollFreeResponse = z.union([AvailableTollFreeResult, TollFreePending]);

export const ReserveTollFreeBody = z
  .object({
    ...TollFreeSearchFields,
    consecutive: z.boolean().optional(),
    numbers: z.array(TollFreeNumberValue).min(1).max(MAX_TOLLFREE_QUANTITY).optional(),
    contactName: z.string().trim().min(1).max(100),
    contactPhone: E164.refine((v) => /^\+1[2-9]\d{9}$/.test(v), 'must be a North American number (+1 then 10 digits)'),
    notes: z.string().trim().min(1).max(100).optional(),
  })
  .strict()
  .superRefine(checkSearchMode);

const TollFreeStatus = z.enum(['reserved', 'active', 'released', 'expired', 'transferring', 'transfer_failed', 'transferred_out']);
const SmsStateResource = z.object({
  status: z.enum(['pending', 'enabled', 'rejected']),
  sms: z.boolean(),
  mms: z.boolean(),
  webhookUrl: z.string().optional(),
  tssRequestId: z.string(),
  submittedAt: z.string(),
  dueBy: z.string(),
  decidedAt: z.string().optional(),
  lastCheckedAt: z.string().optional(),
});
export const TollFreeNumberResource = z.object({
  id: z.string().meta({ description: '10 digits' }),
  phoneNumber: z.string(),
  status: TollFreeStatus,
  respOrgId: z.string(),
  reservedUntil: z.string().optional(),
  contactName: z.string().optional(),
  contactPhone: z.string().optional(),
  notes: z.string().optional(),
  routing: routingSchema.optional(),
  routingMode: z.enum(['normal', 'disaster']).optional(),
  disasterDefaulted: z.boolean().optional().meta({ description: 'routing.disaster is the platform default (SOMOS_DEFAULT_DISASTER_NUMBER)' }),
  routingEffectiveAt: z.string().optional(),
  customerRecord: z.object({ recVersionId: z.string().optional(), status: z.string().optional(), effDtTm: z.string().optional() }).optional(),
  sms: SmsStateResource.optional(),
  transferId: z.string().optional(),
  pendingRequestId: z.string().optional(),
  releasedAt: z.string().optional(),
  statusReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const TollFreeNumberOrPending = z.union([TollFreeNumberResource, TollFreePending]);
export const ReserveTollFreeResponse = z.union([
  z.object({ data: z.array(TollFreeNumberResource), failed: z.array(z.object({ number: z.string(), reason: z.string() })) }),
  TollFreePending,
]);

const RegistryDestination = z.object({ type: z.enum(['pstn', 'sip_gateway']), destination: z.string() });
const RegistryRoutingResource = z.object({
  num: z.string(),
  effDtTm: z.string().optional(),
  primary: RegistryDestination.optional(),
  destinations: z.array(RegistryDestination),
  timeOfDay: z
    .array(z.object({ days: z.array(z.string()), start: z.string(), end: z.string(), timezone: z.string().optional(), destination: RegistryDestination }))
    .optional(),
  percentage: z.array(z.object({ percent: z.number(), destination: RegistryDestination })).optional(),
  areaOfService: z
    .object({ npas: z.array(z.string()).optional(), states: z.array(z.string()).optional(), latas: z.array(z.string()).optional(), networks: z.array(z.string()).optional() })
    .optional(),
  carriers: z.object({ interLATA: z.array(z.string()).optional(), intraLATA: z.array(z.string()).optional() }).optional(),
  customerRecordStatus: z.string().optional(),
});
export const TollFreeDetail = TollFreeNumberResource.extend({
  registry: z
    .object({
      status: z.string().optional(),
      respOrgId: z.string().optional(),
      reservedUntil: z.string().optional(),
      effectiveDate: z.string().optional(),
      lastActivated: z.string().optional(),
      pending: z.boolean().optional(),
      error: z.string().optional(),
    })
    .meta({ description: 'What the TFN Registry says now (query)' }),
  registryRouting: z
    .union([RegistryRoutingResource, z.object({ pending: z.literal(true) }), z.object({ error: z.string() })])
    .optional()
    .meta({ description: 'The customer record as the registry holds it (SIP destinations show as the SIP gateway number)' }),
});

const RoutingInput = z.unknown().meta({
  description: 'Routing: primary {type sip|pstn, destination}, disaster?, timeOfDay[]?, percentage[]? (sums to 100), areaOfService?',
  ...routingJsonSchema(),
});
const EffectiveAt = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional().meta({
  description: 'When the routing takes effect (rounded up to the quarter hour); default now',
});
export const ActivateTollFreeBody = z.object({ routing: RoutingInput, effectiveAt: EffectiveAt }).strict();
export const UpdateTollFreeRoutingBody = z
  .object({
    routing: RoutingInput,
    effectiveAt: EffectiveAt,
    mode: z.enum(['normal', 'disaster']).optional().meta({ description: "'disaster' sends all traffic to the disaster destination" }),
  })
  .strict();

export const TextEnableBody = z
  .object({ sms: z.boolean(), mms: z.boolean(), webhookUrl: HttpsUrl.optional() })
  .strict()
  .refine((b) => b.sms || b.mms, { path: ['sms'], message: 'request sms and/or mms' });
export const TextEnablementResource = z.object({
  number: z.string(),
  status: z.enum(['none', 'pending', 'enabled', 'rejected']),
  sms: z.boolean().optional(),
  mms: z.boolean().optional(),
  webhookUrl: z.string().optional(),
  tssRequestId: z.string().optional(),
  submittedAt: z.string().optional(),
  dueBy: z.string().optional().meta({ description: 'The RespOrg’s response is due within 2 business days' }),
  decidedAt: z.string().optional(),
  overdue: z.boolean().optional(),
});

export const TollFreeRequestId = z.object({ id: ResourceId('tfr', 'toll-free request') }).strict();
export const TollFreeRequestResource = z.object({
  id: z.string(),
  operation: z.enum(['search', 'reserve', 'release', 'activate', 'routing', 'transfer', 'entity']),
  status: z.enum(['pending', 'completed', 'failed']),
  resource: z.string().optional(),
  result: z.unknown().optional(),
  error: z.object({ message: z.string(), code: z.string().optional() }).optional(),
  attempts: z.number().int(),
  origin: z
    .object({ jobId: z.string(), itemId: z.string() })
    .optional()
    .meta({ description: 'Made for a bulk job item, which waits for this request and ends with it' }),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
});

const RespOrgUnitResource = z.object({ respOrgId: z.string(), status: z.string() });
export const RespOrgEntityId = z.object({ entityId: z.string().regex(/^[A-Z0-9]{2}$/, 'must be a 2-character RespOrg entity id') }).strict();
export const RespOrgEntitiesResponse = z.union([
  z.object({ data: z.array(z.object({ entityId: z.string(), respOrgId: z.string(), units: z.array(RespOrgUnitResource) })) }),
  TollFreePending,
]);
export const RespOrgUnitsResponse = z.union([z.object({ entityId: z.string(), data: z.array(RespOrgUnitResource) }), TollFreePending]);

const RespOrgIdValue = z.string().regex(/^[A-Z0-9]{5}$/, 'must be a 5-character RespOrg unit id');
export const CreateRespOrgTransferBody = z
  .object({
    numbers: z.array(TollFreeNumberValue).min(1).max(MAX_TOLLFREE_QUANTITY),
    fromRespOrgId: RespOrgIdValue.optional(),
    loaReference: z.string().trim().min(1).max(100).meta({ description: 'Reference of the signed letter of authorization' }),
  })
  .strict();
const TransferStatus = z.enum(['submitted', 'pending', 'approved', 'completed', 'partially_completed', 'rejected', 'cancelled', 'failed']);
export const RespOrgTransferResource = z.object({
  id: z.string(),
  status: TransferStatus,
  toRespOrgId: z.string(),
  fromRespOrgId: z.string().optional(),
  loaReference: z.string(),
  items: z.array(
    z.object({
      number: z.string(),
      phoneNumber: z.string(),
      status: z.enum(['submitted', 'pending', 'approved', 'completed', 'rejected', 'cancelled', 'failed']),
      rchId: z.string().optional(),
      oldRespOrgId: z.string().optional(),
      error: z.string().optional(),
      updatedAt: z.string(),
    }),
  ),
  history: z.array(z.object({ status: TransferStatus, at: z.string(), source: z.enum(['request', 'notification', 'poll']) })),
  pendingRequestId: z.string().optional(),
  completedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const RespOrgTransferResponse = z.union([RespOrgTransferResource, TollFreePending.extend({ transfer: RespOrgTransferResource })]);
export const RespOrgTransferId = z.object({ id: ResourceId('rch', 'RespOrg transfer') }).strict();

const TenantIdValue = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
export const SomosFollowupTask = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), tenantId: TenantIdValue, id: TollFreeRequestId.shape.id, attempt: z.number().int().min(0) }).strict(),
  z.object({ kind: z.literal('sms'), tenantId: TenantIdValue, number: z.string().regex(/^\d{10}$/), attempt: z.number().int().min(0) }).strict(),
  z.object({ kind: z.literal('transfer'), tenantId: TenantIdValue, id: RespOrgTransferId.shape.id, attempt: z.number().int().min(0) }).strict(),
]);
export const SomosFollowupResult = z.object({ kind: z.enum(['request', 'sms', 'transfer']), status: z.string(), polledAgain: z.boolean() });
export const SomosTokenRefreshBody = z.object({}).strict();
export const SomosTokenRefreshResult = z.object({
  action: z.enum(['none', 'refreshed', 'reopened', 'opened']),
  expiresAt: z.string(),
  refreshExpiresAt: z.string(),
});

/** The routing model as JSON Schema, for the OpenAPI document (the body is validated by parseRouting, naming each field). */
function routingJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(routingSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

// ---------- inbound relay ----------
export const InboundAck = z.object({ received: z.literal(true), outcome: z.enum(['relayed', 'ignored', 'duplicate', 'unknown_number', 'released_number']) });
export const RelayDeliveryTask = z
  .object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), deliveryId: z.string().regex(/^dlv_[a-f0-9]{20}$/) })
  .strict();
export const DeliveriesQuery = z
  .object({
    numberId: NumberId.shape.id.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(512).regex(/^[A-Za-z0-9_-]+$/).optional(),
  })
  .strict();
export const DeliveryResource = z.object({
  id: z.string(),
  numberId: z.string(),
  webhookUrl: z.string().optional().meta({ description: 'Where the message is relayed; absent when it is not_delivered' }),
  message: z.object({
    id: z.string(),
    provider: z.string(),
    providerMessageId: z.string(),
    type: z.enum(['sms', 'mms']),
    from: z.string(),
    to: z.string(),
    text: z.string(),
    media: z.array(z.object({ url: z.string(), contentType: z.string().optional() })),
    receivedAt: z.string(),
    numberId: z.string(),
  }),
  status: z.enum(['queued', 'delivered', 'failing', 'not_delivered']).meta({
    description: 'not_delivered: the message came to a number this tenant had released, or holds inactive; it is shown here, never sent (reason)',
  }),
  reason: z.enum(['released_number', 'number_inactive']).optional().meta({ description: 'Why a message was not_delivered: the number was released, or is inactive' }),
  attempts: z.array(
    z.object({
      at: z.string(),
      status: z.number().meta({ description: 'HTTP status of the answer; 0 when none came' }),
      outcome: z.enum(outboundOutcomes).meta({
        description: 'http_2xx…http_5xx: the webhook answered; refused_address/refused_url: the URL is or resolves to an address the platform does not call; dns_failed, connect_failed, tls_error, timeout, protocol_error, failed: no answer',
      }),
    }),
  ),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
});
export const DeliveriesPage = z.object({ data: z.array(DeliveryResource), nextCursor: z.string().optional() });
