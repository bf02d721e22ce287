/**
 * Vapi credentials (/credential): the Create*CredentialDTO bodies we write (Telnyx GUESSED), the
 * credential resources we read, our credential inputs / outputs, and their secrets for scrubbing.
 */
import { compact, invalid, optionalName, requireString, str } from './map-kit.js';

// ---------------------------------------------------------------------------------------------
// Wire types

/** `provider` of a credential (telnyx: GUESSED, see buildTelnyxCredentialDto). */
export const vapiCredentialProviders = ['twilio', 'vonage', 'telnyx', 'byo-sip-trunk'] as const;
export type VapiCredentialProvider = (typeof vapiCredentialProviders)[number];

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

// ---------------------------------------------------------------------------------------------
// Our normalized output

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
