import { z } from 'zod';
import { numberStatuses } from '../../domain/number.js';
import { numberProviders } from '../../providers/registry.js';
import { numberTypes } from '../../providers/types.js';
import { AccountIdValue, AgentIdValue, ApplicationId, Assignee, Capabilities, CompanyIdValue, DisplayName, E164, ForceFlag, HttpsUrl, Limit, LocationIdValue, Money, Provider, Purpose, Tag, VAPI_NAME_MAX, VapiCredentialIdValue, VapiCredentialLabel, VapiDisplayName } from './base.js';

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
  companyId: z.string().optional(),
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
  statusReason: z.string().optional().meta({
    description:
      'account_detached: the number is still held at its provider (status active or inactive), but the tenant’s account it was bought on was removed (account.status detached). It cannot be changed, and its Twilio or Plivo messages cannot be verified, so they are not relayed (the provider is answered account_detached; nothing is recorded, since anyone could have sent them), until the same account is added again',
  }),
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
    companyId: CompanyIdValue.optional().meta({ description: 'Your client company the number is for; Telnyx: its requirement group (POST /v1/requirement-groups with this companyId) is used' }),
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
export const VonageCredentialFields = z.object({
  apiKey: z.string().regex(/^[0-9a-zA-Z]{6,16}$/, 'must be the Vonage account API key (6-16 letters/digits)'),
  apiSecret: z.string().min(6).max(64),
});
export const TelnyxCredentialFields = z.object({ apiKey: z.string().regex(/^KEY[0-9A-Za-z_-]{20,}$/, 'must be a Telnyx API v2 key (KEY…)') });
export const SipTrunkCredentialFields = z.object({
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
    companyId: CompanyIdValue.optional(),
    q: z
      .string()
      .trim()
      .min(2)
      .max(20)
      .regex(/^\+?[\p{L}\p{M}\p{N}]+$/u, 'one word of the display name, or 3+ digits of the number')
      .optional()
      .meta({ description: 'Finds numbers by a word prefix of the display name or 3+ consecutive digits of the number' }),
    limit: Limit(100, 20),
    cursor: z.string().max(512).optional(),
  })
  .strict();

export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    nextCursor: z.string().optional(),
    total: z.number().int().optional().meta({ description: 'Matches across all pages (first page only)' }),
  });
export const PageQuery = { limit: Limit(100, 20), cursor: z.string().max(512).optional() };

export const NumbersPage = page(PhoneNumberResource);
