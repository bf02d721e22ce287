/**
 * Vapi phone numbers (/phone-number, /v2/phone-number): the Create/Update*PhoneNumberDTO bodies we
 * write, the *PhoneNumber resources and pages we read, our inputs / outputs, and their secrets.
 */
import type { VapiCredentialProvider } from './credentials-mapper.js';
import { compact, invalid, optionalName, requireString, str } from './map-kit.js';

// ---------------------------------------------------------------------------------------------
// Wire types

/** `provider` of a phone number (discriminator of Create*PhoneNumberDTO / *PhoneNumber). */
export const vapiPhoneNumberProviders = ['vapi', 'twilio', 'vonage', 'telnyx', 'byo-phone-number'] as const;
export type VapiPhoneNumberProvider = (typeof vapiPhoneNumberProviders)[number];

/** Which credential provider a phone-number provider needs for `credentialId`. */
export const credentialProviderFor: Partial<Record<VapiPhoneNumberProvider, VapiCredentialProvider>> = {
  vonage: 'vonage',
  telnyx: 'telnyx',
  'byo-phone-number': 'byo-sip-trunk',
};

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

// ---------------------------------------------------------------------------------------------
// Our normalized inputs

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

/** The tenant secrets a phone-number input carries (Twilio only: the others use a credentialId). */
export function phoneNumberSecrets(input: CreatePhoneNumberInput): string[] {
  if (input.provider !== 'twilio') return [];
  return [input.twilioAuthToken, input.twilioApiSecret, input.twilioApiKey].filter((s): s is string => !!s);
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
      });
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
  if (changes.name !== undefined) dto.name = optionalName(changes.name, 0);
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
  const m = r.metadata ?? {};
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
