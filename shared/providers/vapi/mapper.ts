/**
 * Vapi API (api.vapi.ai) shapes ↔ our normalized shapes. Pure functions, no I/O.
 *
 * Sources (../shared/contracts/vapi, see its README.md):
 * - CURRENT spec `openapi.json`: /phone-number (POST, GET), /phone-number/{id} (GET, PATCH,
 *   DELETE), /v2/phone-number (GET, paginated) and the credential DTO *schemas*
 *   (CreateTwilioCredentialDTO, CreateVonageCredentialDTO, CreateByoSipTrunkCredentialDTO), but
 *   NO /credential path and NO Telnyx credential schema at all.
 * - `credential-endpoints-2024-12-10/openapi.json`: the /credential and /credential/{id}
 *   operations from the only public spec that had them (reverted a day later). The endpoint is
 *   live (Vapi's SIP docs still POST to it). Its CreateTwilioCredentialDTO REQUIRES `authToken`;
 *   the current schema makes it optional and adds `apiKey` / `apiSecret` (API-key credentials).
 *
 * Everything below is built from those schemas except what is marked GUESSED:
 * - the Telnyx credential body (buildTelnyxCredentialDto) — no spec has it;
 * - `null` to clear assistantId / server / fallbackDestination on PATCH — the spec types those
 *   fields as non-nullable (class-validator's @IsOptional accepts null; the spec does not say so);
 * - which 4xx Vapi answers for an already-imported number (we read 409 and 400 "already …" texts
 *   as not_available).
 *
 * Secrets: tenant credentials (Twilio auth token / API secret, Vonage API secret, Telnyx API key,
 * SIP trunk password) pass THROUGH this module to Vapi. They never enter a normalized result, and
 * every provider text that may reach an Error goes through scrubSecrets().
 */
import { providerErrorFrom } from '../http.js';
import { ProviderError } from '../types.js';
import { MASK, scrubSecrets as scrubWith } from '../../log.js';

// ---------------------------------------------------------------------------------------------
// Wire types (the parts of the spec we read / write)

/** `provider` of a phone number (discriminator of Create*PhoneNumberDTO / *PhoneNumber). */
export const vapiPhoneNumberProviders = ['vapi', 'twilio', 'vonage', 'telnyx', 'byo-phone-number'] as const;
export type VapiPhoneNumberProvider = (typeof vapiPhoneNumberProviders)[number];

/** `provider` of a credential (telnyx: GUESSED, see buildTelnyxCredentialDto). */
export const vapiCredentialProviders = ['twilio', 'vonage', 'telnyx', 'byo-sip-trunk'] as const;
export type VapiCredentialProvider = (typeof vapiCredentialProviders)[number];

/** Which credential provider a phone-number provider needs for `credentialId`. */
export const credentialProviderFor: Partial<Record<VapiPhoneNumberProvider, VapiCredentialProvider>> = {
  vonage: 'vonage',
  telnyx: 'telnyx',
  'byo-phone-number': 'byo-sip-trunk',
};

/** SipTrunkGateway (identical in both specs). */
export interface VapiSipTrunkGatewayDto {
  ip: string;
  port?: number;
  netmask?: number;
  inboundEnabled?: boolean;
  outboundEnabled?: boolean;
  outboundProtocol?: 'tls/srtp' | 'tcp' | 'tls' | 'udp';
  optionsPingEnabled?: boolean;
}

/** SipTrunkOutboundAuthenticationPlan (identical in both specs). */
export interface VapiOutboundAuthenticationPlanDto {
  authUsername?: string;
  authPassword?: string;
}

export type VapiCreateCredentialDto =
  | { provider: 'twilio'; accountSid: string; authToken?: string; apiKey?: string; apiSecret?: string; name?: string }
  | { provider: 'vonage'; apiKey: string; apiSecret: string; name?: string }
  | { provider: 'telnyx'; apiKey: string; name?: string }
  | {
      provider: 'byo-sip-trunk';
      gateways: VapiSipTrunkGatewayDto[];
      outboundAuthenticationPlan?: VapiOutboundAuthenticationPlanDto;
      outboundLeadingPlusEnabled?: boolean;
      techPrefix?: string;
      sipDiversionHeader?: string;
      name?: string;
    };

/** A credential as Vapi returns it (TwilioCredential / VonageCredential / ByoSipTrunkCredential). */
export interface VapiCredentialResource {
  id?: unknown;
  provider?: unknown;
  orgId?: unknown;
  name?: unknown;
  createdAt?: unknown;
  updatedAt?: unknown;
  accountSid?: unknown;
  gateways?: unknown;
  outboundLeadingPlusEnabled?: unknown;
  // Secrets the spec says are "not returned in the API": never read.
  [key: string]: unknown;
}

/** TransferDestinationNumber / TransferDestinationSip (the fields we write). */
export type VapiFallbackDestinationDto = { type: 'number'; number: string } | { type: 'sip'; sipUri: string };

/** The fields shared by every Create*PhoneNumberDTO that this client writes. */
interface VapiPhoneNumberCommonDto {
  name?: string;
  assistantId?: string;
  server?: { url: string };
  fallbackDestination?: VapiFallbackDestinationDto;
}

export type VapiCreatePhoneNumberDto =
  | (VapiPhoneNumberCommonDto & { provider: 'vapi'; numberDesiredAreaCode?: string; sipUri?: string })
  | (VapiPhoneNumberCommonDto & {
      provider: 'twilio';
      number: string;
      twilioAccountSid: string;
      twilioAuthToken?: string;
      twilioApiKey?: string;
      twilioApiSecret?: string;
      smsEnabled?: boolean;
    })
  | (VapiPhoneNumberCommonDto & { provider: 'vonage'; number: string; credentialId: string })
  | (VapiPhoneNumberCommonDto & { provider: 'telnyx'; number: string; credentialId: string })
  | (VapiPhoneNumberCommonDto & { provider: 'byo-phone-number'; number?: string; credentialId: string; numberE164CheckEnabled?: boolean });

/**
 * Update{Byo,Twilio,Vonage,Vapi,Telnyx}PhoneNumberDTO, the part we write. `provider` is not
 * `required` in any of them, but it is the discriminator of the PATCH body's oneOf (the official
 * SDKs always send it, and without it the body matches all five DTOs, which breaks `oneOf`).
 * `null` values are GUESSED (see the file header).
 */
export interface VapiUpdatePhoneNumberDto {
  provider: VapiPhoneNumberProvider;
  name?: string;
  assistantId?: string | null;
  server?: { url: string } | null;
  fallbackDestination?: VapiFallbackDestinationDto | null;
}

/** A phone number as Vapi returns it (any of the five *PhoneNumber schemas). */
export interface VapiPhoneNumberResource {
  id?: unknown;
  orgId?: unknown;
  provider?: unknown;
  number?: unknown;
  sipUri?: unknown;
  credentialId?: unknown;
  twilioAccountSid?: unknown;
  assistantId?: unknown;
  squadId?: unknown;
  workflowId?: unknown;
  name?: unknown;
  status?: unknown;
  server?: unknown;
  fallbackDestination?: unknown;
  numberE164CheckEnabled?: unknown;
  createdAt?: unknown;
  updatedAt?: unknown;
  // twilioAuthToken / twilioApiSecret ARE in TwilioPhoneNumber responses: never read.
  [key: string]: unknown;
}

/** PhoneNumberPaginatedResponse (GET /v2/phone-number). */
export interface VapiPhoneNumberPageResource {
  results?: unknown;
  metadata?: {
    itemsPerPage?: unknown;
    totalItems?: unknown;
    currentPage?: unknown;
    totalPages?: unknown;
    hasNextPage?: unknown;
    nextCursor?: unknown;
  };
}

/** Vapi's (NestJS) error body. */
export interface VapiErrorBody {
  message?: string | string[];
  error?: string;
  statusCode?: number;
}

// ---------------------------------------------------------------------------------------------
// Our normalized inputs

/** One gateway of a BYO SIP trunk. `ip`: IPv4, or a hostname for an outbound-only gateway. */
export interface SipGatewayInput {
  ip: string;
  /** 1..65535, Vapi default 5060. */
  port?: number;
  /** 24..32, Vapi default 32 (inbound source-address matching). */
  netmask?: number;
  /** Vapi default true. Inbound gateways need a numeric IPv4 `ip`. */
  inboundEnabled?: boolean;
  /** Vapi default true. */
  outboundEnabled?: boolean;
  outboundProtocol?: 'tls/srtp' | 'tcp' | 'tls' | 'udp';
  optionsPingEnabled?: boolean;
}

interface CredentialCommon {
  /** 1..40 characters; only for reference (Vapi dashboard). */
  name?: string;
}

/** Twilio account credential, with the account's Auth Token (both specs). */
export interface TwilioAuthTokenCredentialInput extends CredentialCommon {
  provider: 'twilio';
  accountSid: string;
  authToken: string;
  apiKey?: never;
  apiSecret?: never;
}

/** Twilio account credential with an API key (current schema only; the 2024-12-10 spec requires authToken). */
export interface TwilioApiKeyCredentialInput extends CredentialCommon {
  provider: 'twilio';
  accountSid: string;
  apiKey: string;
  apiSecret: string;
  authToken?: never;
}

export interface VonageCredentialInput extends CredentialCommon {
  provider: 'vonage';
  apiKey: string;
  apiSecret: string;
}

/** GUESSED shape: no Vapi spec (current or 2024-12-10) defines a Telnyx credential. */
export interface TelnyxCredentialInput extends CredentialCommon {
  provider: 'telnyx';
  apiKey: string;
}

export interface ByoSipTrunkCredentialInput extends CredentialCommon {
  provider: 'byo-sip-trunk';
  gateways: SipGatewayInput[];
  /** Digest credentials Vapi answers the trunk's challenge with on outbound calls. */
  authUsername?: string;
  authPassword?: string;
  /** Vapi default false; Twilio / Vonage SIP trunks need true. */
  outboundLeadingPlusEnabled?: boolean;
}

export type CreateCredentialInput =
  | TwilioAuthTokenCredentialInput
  | TwilioApiKeyCredentialInput
  | VonageCredentialInput
  | TelnyxCredentialInput
  | ByoSipTrunkCredentialInput;

/** Optional on every phone-number creation. */
export interface PhoneNumberCommonInput {
  /** ≤ 40 characters. */
  name?: string;
  /** Vapi assistant answering inbound calls. */
  assistantId?: string;
  /** Written as `server: {url}` (the spec has no top-level serverUrl any more). */
  serverUrl?: string;
  /** E.164; written as `fallbackDestination: {type: 'number', number}`. */
  fallbackNumber?: string;
}

/** A free Vapi number (US), or a Vapi SIP URI. */
export interface VapiNumberInput extends PhoneNumberCommonInput {
  provider: 'vapi';
  /** Exactly 3 digits. */
  numberDesiredAreaCode?: string;
  /** e.g. sip:support-line@sip.vapi.ai (CreateVapiPhoneNumberDTO.sipUri). */
  sipUri?: string;
}

interface TwilioNumberBase extends PhoneNumberCommonInput {
  provider: 'twilio';
  /** E.164, owned by the Twilio account. */
  number: string;
  twilioAccountSid: string;
  /** Vapi default true: Vapi OVERWRITES the Twilio number's messaging URL. false leaves it alone. */
  smsEnabled?: boolean;
}
export interface TwilioNumberAuthTokenInput extends TwilioNumberBase {
  twilioAuthToken: string;
  twilioApiKey?: never;
  twilioApiSecret?: never;
}
export interface TwilioNumberApiKeyInput extends TwilioNumberBase {
  twilioApiKey: string;
  twilioApiSecret: string;
  twilioAuthToken?: never;
}

export interface VonageNumberInput extends PhoneNumberCommonInput {
  provider: 'vonage';
  number: string;
  /** A `vonage` credential. */
  credentialId: string;
}

export interface TelnyxNumberInput extends PhoneNumberCommonInput {
  provider: 'telnyx';
  number: string;
  /** A `telnyx` credential (whose shape is GUESSED). */
  credentialId: string;
}

/**
 * A number on the tenant's own SIP trunk. CreateByoPhoneNumberDTO has NO sipUri field (only the
 * `vapi` provider has one); a SIP user part goes in `number` with numberE164CheckEnabled: false.
 */
export interface ByoNumberInput extends PhoneNumberCommonInput {
  provider: 'byo-phone-number';
  /** E.164 unless numberE164CheckEnabled is false (then /^\+?[a-zA-Z0-9]+$/, 3..40 chars). */
  number?: string;
  /** A `byo-sip-trunk` credential. */
  credentialId: string;
  numberE164CheckEnabled?: boolean;
}

export type CreatePhoneNumberInput =
  | VapiNumberInput
  | TwilioNumberAuthTokenInput
  | TwilioNumberApiKeyInput
  | VonageNumberInput
  | TelnyxNumberInput
  | ByoNumberInput;

/** undefined = unchanged; null = clear (GUESSED to be accepted, see the file header). */
export interface UpdatePhoneNumberInput {
  assistantId?: string | null;
  name?: string;
  /** Replaces the whole `server` object with `{url}` (headers / timeouts set elsewhere are dropped). */
  serverUrl?: string | null;
  fallbackNumber?: string | null;
  /** The number's provider (selects the Update DTO). Omitted: the client reads the number first. */
  provider?: VapiPhoneNumberProvider;
}

// ---------------------------------------------------------------------------------------------
// Our normalized outputs

export interface VapiCredential {
  id: string;
  provider: VapiCredentialProvider;
  name?: string;
  /** Twilio credentials: the account SID (not a secret). */
  accountSid?: string;
  /** BYO SIP trunk credentials. */
  gateways?: SipGatewayInput[];
  createdAt?: string;
  updatedAt?: string;
}

export interface VapiNumber {
  id: string;
  provider: VapiPhoneNumberProvider;
  /** E.164 for PSTN numbers; any alphanumeric for BYO with the E.164 check off. */
  number?: string;
  sipUri?: string;
  credentialId?: string;
  twilioAccountSid?: string;
  assistantId?: string;
  name?: string;
  serverUrl?: string;
  fallbackNumber?: string;
  fallbackSipUri?: string;
  status?: 'active' | 'activating' | 'blocked';
  createdAt: string;
  updatedAt?: string;
}

export interface VapiNumberPage {
  numbers: VapiNumber[];
  page: number;
  itemsPerPage?: number;
  totalItems?: number;
  totalPages?: number;
  hasNextPage: boolean;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const NAME_MAX = 40;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(message: string): ProviderError {
  return new ProviderError('vapi', message, { retryable: false, kind: 'invalid_request' });
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} is required`);
  return value;
}

function optionalName(name: string | undefined, min: number): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name.length < min || name.length > NAME_MAX) throw invalid(`name must be ${min}..${NAME_MAX} characters`);
  return name;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Drops undefined members (JSON.stringify would too; this keeps objects comparable in tests). */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Removes every secret (and anything shaped like an auth header / JWT / URL password) from a
 * provider text, and caps its length. Secrets shorter than 4 characters are not searched for.
 */
export const scrubSecrets = (text: string, secrets: readonly (string | undefined)[], maxLength = 500): string =>
  scrubWith(text, secrets, { maxLength, mask: MASK });

/** The tenant secrets a credential input carries (for scrubbing). */
export function credentialSecrets(input: CreateCredentialInput): string[] {
  switch (input.provider) {
    case 'twilio':
      return [input.authToken, input.apiSecret, input.apiKey].filter((s): s is string => !!s);
    case 'vonage':
      return [input.apiSecret];
    case 'telnyx':
      return [input.apiKey];
    case 'byo-sip-trunk':
      return input.authPassword ? [input.authPassword] : [];
  }
}

/** The tenant secrets a phone-number input carries (Twilio only: the others use a credentialId). */
export function phoneNumberSecrets(input: CreatePhoneNumberInput): string[] {
  if (input.provider !== 'twilio') return [];
  return [input.twilioAuthToken, input.twilioApiSecret, input.twilioApiKey].filter((s): s is string => !!s);
}

// ---------------------------------------------------------------------------------------------
// Credential DTOs

function gatewayDto(g: SipGatewayInput, i: number): VapiSipTrunkGatewayDto {
  const ip = requireString(g?.ip, `gateways[${i}].ip`).trim();
  if (g.port !== undefined && (!Number.isInteger(g.port) || g.port < 1 || g.port > 65535)) throw invalid(`gateways[${i}].port must be 1..65535`);
  if (g.netmask !== undefined && (!Number.isInteger(g.netmask) || g.netmask < 24 || g.netmask > 32)) throw invalid(`gateways[${i}].netmask must be 24..32`);
  return compact({
    ip,
    port: g.port,
    netmask: g.netmask,
    inboundEnabled: g.inboundEnabled,
    outboundEnabled: g.outboundEnabled,
    outboundProtocol: g.outboundProtocol,
    optionsPingEnabled: g.optionsPingEnabled,
  });
}

/**
 * GUESSED: neither Vapi spec has a Telnyx credential (the current one lists no Telnyx schema; the
 * 2024-12-10 /credential union, as kept, only has twilio / vonage / byo-sip-trunk). Modelled on
 * the Vonage DTO: `{provider: 'telnyx', apiKey, name?}` (a Telnyx API v2 key). Kept in this one
 * function so a confirmed shape changes one place. Contract tests cannot validate it.
 */
export function buildTelnyxCredentialDto(input: TelnyxCredentialInput): VapiCreateCredentialDto {
  return compact({ provider: 'telnyx' as const, apiKey: requireString(input.apiKey, 'apiKey'), name: optionalName(input.name, 1) });
}

/** Our credential input → the POST /credential body (Create*CredentialDTO). */
export function buildCreateCredentialDto(input: CreateCredentialInput): VapiCreateCredentialDto {
  switch (input?.provider) {
    case 'twilio': {
      const accountSid = requireString(input.accountSid, 'accountSid');
      const name = optionalName(input.name, 1);
      if (input.authToken !== undefined) {
        if (input.apiKey !== undefined || input.apiSecret !== undefined) throw invalid('give either authToken or apiKey + apiSecret, not both');
        return compact({ provider: 'twilio' as const, accountSid, authToken: requireString(input.authToken, 'authToken'), name });
      }
      return compact({
        provider: 'twilio' as const,
        accountSid,
        apiKey: requireString(input.apiKey, 'apiKey (or authToken)'),
        apiSecret: requireString(input.apiSecret, 'apiSecret'),
        name,
      });
    }
    case 'vonage':
      return compact({
        provider: 'vonage' as const,
        apiKey: requireString(input.apiKey, 'apiKey'),
        apiSecret: requireString(input.apiSecret, 'apiSecret'),
        name: optionalName(input.name, 1),
      });
    case 'telnyx':
      return buildTelnyxCredentialDto(input);
    case 'byo-sip-trunk': {
      if (!Array.isArray(input.gateways) || input.gateways.length === 0) throw invalid('gateways must contain at least one gateway');
      const hasAuth = input.authUsername !== undefined || input.authPassword !== undefined;
      if (hasAuth && (!input.authUsername || !input.authPassword)) throw invalid('authUsername and authPassword go together');
      return compact({
        provider: 'byo-sip-trunk' as const,
        gateways: input.gateways.map(gatewayDto),
        outboundAuthenticationPlan: hasAuth ? { authUsername: input.authUsername as string, authPassword: input.authPassword as string } : undefined,
        outboundLeadingPlusEnabled: input.outboundLeadingPlusEnabled,
        name: optionalName(input.name, 1),
      });
    }
    default:
      throw invalid(`unsupported credential provider '${String((input as { provider?: unknown } | undefined)?.provider)}'`);
  }
}

function gatewayOut(raw: unknown): SipGatewayInput | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const g = raw as Record<string, unknown>;
  const ip = str(g.ip);
  if (!ip) return undefined;
  const out: SipGatewayInput = { ip };
  if (typeof g.port === 'number') out.port = g.port;
  if (typeof g.netmask === 'number') out.netmask = g.netmask;
  if (typeof g.inboundEnabled === 'boolean') out.inboundEnabled = g.inboundEnabled;
  if (typeof g.outboundEnabled === 'boolean') out.outboundEnabled = g.outboundEnabled;
  if (g.outboundProtocol === 'tls/srtp' || g.outboundProtocol === 'tcp' || g.outboundProtocol === 'tls' || g.outboundProtocol === 'udp') out.outboundProtocol = g.outboundProtocol;
  if (typeof g.optionsPingEnabled === 'boolean') out.optionsPingEnabled = g.optionsPingEnabled;
  return out;
}

/**
 * A credential resource → VapiCredential. Reads no secret field. `fallbackProvider` is used when
 * the body has no (known) provider (ByoSipTrunkCredential does not require `provider`).
 */
export function mapCredential(raw: unknown, fallbackProvider?: VapiCredentialProvider): VapiCredential {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('Vapi credential response is not an object');
  const r = raw as VapiCredentialResource;
  const id = str(r.id);
  if (!id) throw new Error('Vapi credential response has no id');
  const provider = (vapiCredentialProviders as readonly unknown[]).includes(r.provider)
    ? (r.provider as VapiCredentialProvider)
    : Array.isArray(r.gateways)
      ? 'byo-sip-trunk'
      : fallbackProvider;
  if (!provider) throw new Error(`Vapi credential ${id} has an unknown provider`);
  const out: VapiCredential = { id, provider };
  const name = str(r.name);
  if (name) out.name = name;
  if (provider === 'twilio' && str(r.accountSid)) out.accountSid = str(r.accountSid);
  if (Array.isArray(r.gateways)) out.gateways = r.gateways.map(gatewayOut).filter((g): g is SipGatewayInput => !!g);
  if (str(r.createdAt)) out.createdAt = str(r.createdAt);
  if (str(r.updatedAt)) out.updatedAt = str(r.updatedAt);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Phone-number DTOs

function commonDto(input: PhoneNumberCommonInput): VapiPhoneNumberCommonDto {
  return compact({
    name: optionalName(input.name, 0),
    assistantId: input.assistantId === undefined ? undefined : requireString(input.assistantId, 'assistantId'),
    server: input.serverUrl === undefined ? undefined : { url: requireString(input.serverUrl, 'serverUrl') },
    fallbackDestination: input.fallbackNumber === undefined ? undefined : { type: 'number' as const, number: requireString(input.fallbackNumber, 'fallbackNumber') },
  });
}

/** Our input → the POST /phone-number body (Create{Vapi,Twilio,Vonage,Telnyx,Byo}PhoneNumberDTO). */
export function buildCreatePhoneNumberDto(input: CreatePhoneNumberInput): VapiCreatePhoneNumberDto {
  switch (input?.provider) {
    case 'vapi': {
      if (input.numberDesiredAreaCode !== undefined && !/^\d{3}$/.test(input.numberDesiredAreaCode)) throw invalid('numberDesiredAreaCode must be 3 digits');
      return compact({
        provider: 'vapi' as const,
        numberDesiredAreaCode: input.numberDesiredAreaCode,
        sipUri: input.sipUri === undefined ? undefined : requireString(input.sipUri, 'sipUri'),
        ...commonDto(input),
      });
    }
    case 'twilio': {
      const base = {
        provider: 'twilio' as const,
        number: requireString(input.number, 'number'),
        twilioAccountSid: requireString(input.twilioAccountSid, 'twilioAccountSid'),
      };
      let auth: { twilioAuthToken: string } | { twilioApiKey: string; twilioApiSecret: string };
      if (input.twilioAuthToken !== undefined) {
        if (input.twilioApiKey !== undefined || input.twilioApiSecret !== undefined) throw invalid('give either twilioAuthToken or twilioApiKey + twilioApiSecret, not both');
        auth = { twilioAuthToken: requireString(input.twilioAuthToken, 'twilioAuthToken') };
      } else {
        auth = { twilioApiKey: requireString(input.twilioApiKey, 'twilioApiKey (or twilioAuthToken)'), twilioApiSecret: requireString(input.twilioApiSecret, 'twilioApiSecret') };
      }
      return compact({ ...base, ...auth, smsEnabled: input.smsEnabled, ...commonDto(input) });
    }
    case 'vonage':
    case 'telnyx':
      return compact({
        provider: input.provider,
        number: requireString(input.number, 'number'),
        credentialId: requireString(input.credentialId, 'credentialId'),
        ...commonDto(input),
      }) as VapiCreatePhoneNumberDto;
    case 'byo-phone-number': {
      if ('sipUri' in input && (input as { sipUri?: unknown }).sipUri !== undefined) {
        throw invalid("byo-phone-number has no sipUri in Vapi's CreateByoPhoneNumberDTO: put the SIP user in `number` with numberE164CheckEnabled: false");
      }
      return compact({
        provider: 'byo-phone-number' as const,
        number: input.number === undefined ? undefined : requireString(input.number, 'number'),
        credentialId: requireString(input.credentialId, 'credentialId'),
        numberE164CheckEnabled: input.numberE164CheckEnabled,
        ...commonDto(input),
      });
    }
    default:
      throw invalid(`unsupported phone number provider '${String((input as { provider?: unknown } | undefined)?.provider)}'`);
  }
}

/** True when `changes` asks for nothing (provider alone is not a change). */
export function isEmptyUpdate(changes: UpdatePhoneNumberInput): boolean {
  return changes.assistantId === undefined && changes.name === undefined && changes.serverUrl === undefined && changes.fallbackNumber === undefined;
}

/**
 * Our changes → the PATCH /phone-number/{id} body for the number's provider. All five Update DTOs
 * declare name / assistantId / server / fallbackDestination, so the fields are the same; what
 * differs per provider is the `provider` discriminator (and fields we never send, e.g. smsEnabled
 * for twilio only, numberE164CheckEnabled for byo only, sipUri/authentication for vapi only).
 */
export function buildUpdatePhoneNumberDto(provider: VapiPhoneNumberProvider, changes: UpdatePhoneNumberInput): VapiUpdatePhoneNumberDto {
  if (!(vapiPhoneNumberProviders as readonly string[]).includes(provider)) throw invalid(`unsupported phone number provider '${String(provider)}'`);
  const dto: VapiUpdatePhoneNumberDto = { provider };
  if (changes.name !== undefined) dto.name = optionalName(changes.name, 0) as string;
  if (changes.assistantId !== undefined) dto.assistantId = changes.assistantId === null ? null : requireString(changes.assistantId, 'assistantId');
  if (changes.serverUrl !== undefined) dto.server = changes.serverUrl === null ? null : { url: requireString(changes.serverUrl, 'serverUrl') };
  if (changes.fallbackNumber !== undefined) {
    dto.fallbackDestination = changes.fallbackNumber === null ? null : { type: 'number', number: requireString(changes.fallbackNumber, 'fallbackNumber') };
  }
  return dto;
}

/** A *PhoneNumber resource → VapiNumber. Reads no secret field (twilioAuthToken, twilioApiSecret). */
export function mapPhoneNumber(raw: unknown): VapiNumber {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('Vapi phone number response is not an object');
  const r = raw as VapiPhoneNumberResource;
  const id = str(r.id);
  if (!id) throw new Error('Vapi phone number response has no id');
  if (!(vapiPhoneNumberProviders as readonly unknown[]).includes(r.provider)) throw new Error(`Vapi phone number ${id} has an unknown provider`);
  const out: VapiNumber = { id, provider: r.provider as VapiPhoneNumberProvider, createdAt: str(r.createdAt) ?? '' };
  const set = <K extends keyof VapiNumber>(key: K, value: VapiNumber[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('number', str(r.number));
  set('sipUri', str(r.sipUri));
  set('credentialId', str(r.credentialId));
  set('twilioAccountSid', str(r.twilioAccountSid));
  set('assistantId', str(r.assistantId));
  set('name', str(r.name));
  if (r.server && typeof r.server === 'object') set('serverUrl', str((r.server as { url?: unknown }).url));
  if (r.fallbackDestination && typeof r.fallbackDestination === 'object') {
    const f = r.fallbackDestination as { type?: unknown; number?: unknown; sipUri?: unknown };
    if (f.type === 'number') set('fallbackNumber', str(f.number));
    else if (f.type === 'sip') set('fallbackSipUri', str(f.sipUri));
  }
  if (r.status === 'active' || r.status === 'activating' || r.status === 'blocked') out.status = r.status;
  set('updatedAt', str(r.updatedAt));
  return out;
}

export function mapPhoneNumberList(raw: unknown): VapiNumber[] {
  if (!Array.isArray(raw)) throw new Error('Vapi phone number list is not an array');
  return raw.map(mapPhoneNumber);
}

export function mapPhoneNumberPage(raw: unknown, requestedPage: number): VapiNumberPage {
  if (!raw || typeof raw !== 'object') throw new Error('Vapi phone number page is not an object');
  const r = raw as VapiPhoneNumberPageResource;
  if (!Array.isArray(r.results)) throw new Error('Vapi phone number page has no results');
  const m = (r.metadata ?? {}) as NonNullable<VapiPhoneNumberPageResource['metadata']>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const page = num(m.currentPage) ?? requestedPage;
  const totalPages = num(m.totalPages);
  const out: VapiNumberPage = {
    numbers: r.results.map(mapPhoneNumber),
    page,
    hasNextPage: typeof m.hasNextPage === 'boolean' ? m.hasNextPage : totalPages !== undefined ? page < totalPages : false,
  };
  if (num(m.itemsPerPage) !== undefined) out.itemsPerPage = num(m.itemsPerPage);
  if (num(m.totalItems) !== undefined) out.totalItems = num(m.totalItems);
  if (totalPages !== undefined) out.totalPages = totalPages;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors

type Kind = NonNullable<ProviderError['info']['kind']>;

/** "already exists / in use / imported …": Vapi's wording for a number another resource holds. */
const ALREADY_TAKEN = /\balready\b.*\b(exists?|in use|imported|taken|registered|assigned|attached)\b|\bduplicate\b/i;

/** The text of a Vapi error body (message string or class-validator list; RFC 7807 from a mock). */
export function vapiErrorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as VapiErrorBody & { title?: unknown; detail?: unknown; validation?: unknown };
  if (Array.isArray(b.message)) {
    const parts = b.message.filter((m): m is string => typeof m === 'string' && m !== '');
    if (parts.length) return parts.join('; ');
  }
  if (typeof b.message === 'string' && b.message) return b.message;
  if (typeof b.title === 'string' && b.title) {
    const details = Array.isArray(b.validation)
      ? (b.validation as Array<{ message?: unknown }>).map((v) => v?.message).filter((m): m is string => typeof m === 'string')
      : [];
    return `${b.title}${details.length ? `: ${[...new Set(details)].join('; ')}` : typeof b.detail === 'string' ? `: ${b.detail}` : ''}`;
  }
  if (typeof b.error === 'string' && b.error) return b.error;
  return undefined;
}

export function kindOfVapiError(status: number, text: string | undefined): Kind | undefined {
  if (status === 409) return 'not_available';
  if (status === 400 && text && ALREADY_TAKEN.test(text)) return 'not_available';
  if (status === 402) return 'insufficient_funds';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'invalid_request';
  return undefined;
}

/**
 * A non-2xx Vapi answer → ProviderError. Keeps Vapi's own message text (class-validator lists
 * joined with "; "), scrubbed of `secrets`. The HTTP client re-derives retryable / ambiguous from
 * the status and the call's idempotency.
 */
export function mapVapiError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
  secrets: readonly (string | undefined)[] = [],
): ProviderError {
  const text = vapiErrorText(body);
  const kind = kindOfVapiError(status, text);
  const b = body && typeof body === 'object' ? (body as VapiErrorBody) : {};
  const providerCode = typeof b.error === 'string' && b.error ? b.error : undefined;
  return providerErrorFrom('vapi', status, headers, {
    message: `Vapi HTTP ${status}: ${scrubSecrets(text ?? 'no error message', secrets)}`,
    code: providerCode !== undefined ? scrubSecrets(providerCode, secrets) : undefined,
    kind,
    retryable: status === 429 || status >= 500,
  });
}

/** The same error with its message (and stack) scrubbed of more secrets. */
export function rescrubError(err: ProviderError, secrets: readonly (string | undefined)[]): ProviderError {
  const out = new ProviderError(err.provider, scrubSecrets(err.message, secrets), { ...err.info });
  if (err.stack) out.stack = scrubSecrets(err.stack, secrets, Number.MAX_SAFE_INTEGER);
  return out;
}
