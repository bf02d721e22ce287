/**
 * A local fake of the parts of Vapi's API the platform uses: provider credentials (/credential,
 * /credential/{id}) and phone numbers (/phone-number, /phone-number/{id}, /v2/phone-number).
 * Contracts: ../shared/contracts/vapi/openapi.json (phone numbers + credential DTO schemas) and
 * ../shared/contracts/vapi/credential-endpoints-2024-12-10/openapi.json (the /credential paths).
 *
 * Behaviour modelled on Vapi (a NestJS app):
 * - Bearer auth with a private key; each API key is its own org (orgId derived from the key).
 *   Unknown / missing key → 401.
 * - Validation like NestJS' ValidationPipe (whitelist + forbidNonWhitelisted): 400
 *   `{message: string[], error: 'Bad Request', statusCode: 400}` with class-validator wording
 *   ("property x should not exist", "name must be shorter than or equal to 40 characters",
 *   "credentialId must be a UUID", …). Path ids that are not UUIDs → 400 "Validation failed (uuid
 *   is expected)" (ParseUUIDPipe). Not found → 404 `{message, error: 'Not Found', statusCode: 404}`.
 * - Per provider, the required fields of Create{Vapi,Twilio,Vonage,Telnyx,Byo}PhoneNumberDTO and
 *   the per-provider Update DTO on PATCH; E.164 check of `number` ("number must be a valid phone
 *   number in the E.164 format. Hot tip, …") unless `numberE164CheckEnabled: false` (BYO), then
 *   /^\+?[a-zA-Z0-9]+$/ and 3..40 characters (the spec's own words).
 * - credentialId must exist in the org and be of the provider's kind (vonage→vonage,
 *   telnyx→telnyx, byo-phone-number→byo-sip-trunk).
 * - BYO SIP trunk gateways: `ip` must be an IPv4 address or a hostname, and an INBOUND gateway
 *   (inboundEnabled default true) must be IPv4, else 400 "Couldn't validate SIP trunk credential.
 *   SIP gateway creation failed." (Vapi's docs: troubleshoot-sip-trunk-credential-errors).
 * - Secrets are not echoed for credentials (the spec: "This is not returned in the API"); a Twilio
 *   phone number DOES echo twilioAuthToken / twilioApiSecret (TwilioPhoneNumber has them). Secrets
 *   are kept in memory only, never in the state file.
 *
 * SANDBOX WORDING / GUESSES (Vapi documents no text for these): the duplicate-number answer
 * (default 400 "Number <n> already exists", or 409 with `duplicateNumberStatus: 409`), the
 * "provider cannot be changed" PATCH answer, the Twilio auth-field rule text, the free-number
 * refusal, and the whole Telnyx credential (`{provider: 'telnyx', apiKey, name?}`), which no Vapi
 * spec defines.
 *
 * Provider accounts: Vapi verifies Twilio / Vonage / Telnyx credentials with those providers and
 * imports only numbers their account holds. Given `providerAccounts` (the dev stack wires in the
 * Twilio, Vonage and Telnyx sandboxes' look-ups), the sandbox does the same: a Vonage / Telnyx
 * credential whose provider refuses it is 400 "Couldn't validate <Provider> credential. …"; a
 * Twilio number import whose credentials Twilio refuses is 400 "Couldn't validate Twilio
 * credentials. …"; a number the account does not hold is 400 "Number <n> was not found in your
 * <Provider> account." (SANDBOX WORDING: Vapi documents neither text). Without `providerAccounts`
 * (the CLI), only their shape is checked.
 *
 * Test controls, in-process (the returned VapiSandbox) and over HTTP:
 *   GET    /__sandbox/health
 *   GET    /__sandbox/faults | POST (InjectedFault; times -1/null = unlimited) | DELETE
 *   GET    /__sandbox/counts          counts()
 *   GET    /__sandbox/requests        requestLog()
 *   POST   /__sandbox/phone-numbers   SeedPhoneNumberInput -> seedPhoneNumber()
 *   POST   /__sandbox/credentials     SeedCredentialInput -> seedCredential()
 *   POST   /__sandbox/config          {latencyMs?, allowFreeNumbers?, duplicateNumberStatus?}
 *   POST   /__sandbox/reset
 *
 * CLI: npx tsx scripts/sandboxes/vapi.ts [--port 4013] [--host 127.0.0.1] [--latency MS]
 *        [--state FILE] [--no-free-numbers]
 *      API key from VAPI_SANDBOX_API_KEY, else a fixed default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import {
  FaultStore,
  RequestLog,
  SandboxHttp,
  actionRoute,
  cliArgs,
  commonCliOptions,
  configRoute,
  jsonSender,
  jsonText,
  numberFields,
  readStateFile,
  readText,
  retryAfterHeaders,
  runIfMain,
  safeEqual,
  serialQueue,
  settleApiCall,
  stateSaver,
  thenSave,
  type AccountLookup,
  type ApiResult,
  type ControlRoute,
  type SandboxBaseOptions,
} from './kit.js';

// ---------------------------------------------------------------------------------------------
// Public API

export type SandboxPhoneNumberProvider = 'vapi' | 'twilio' | 'vonage' | 'telnyx' | 'byo-phone-number';
export type SandboxCredentialProvider = 'twilio' | 'vonage' | 'telnyx' | 'byo-sip-trunk';

/** stateFile keeps credentials and numbers (never secrets). */
export interface VapiSandboxOptions extends SandboxBaseOptions {
  /** Private API keys; each one is a separate org. */
  apiKeys: string[];
  /** Whether `provider: 'vapi'` (free Vapi numbers) can be created (default true). */
  allowFreeNumbers?: boolean;
  /** Status for importing a number another phone number already holds (default 400). */
  duplicateNumberStatus?: 400 | 409;
  /** How Vapi reaches each provider to verify credentials and number ownership (see the header). */
  providerAccounts?: Partial<Record<VerifiedProvider, AccountLookup>>;
}

export type VerifiedProvider = 'twilio' | 'vonage' | 'telnyx';

export interface InjectedFault {
  method?: string;
  /** Regex source matched against the URL path. */
  pathPattern?: string;
  /** How many requests the fault hits; default 1. Infinity (or -1 / null over HTTP) = until cleared. */
  times?: number | null;
  status: number;
  /** Vapi error message (string or class-validator list); default: the status' reason phrase. */
  message?: string | string[];
  /** true: the request takes effect (the number IS created), then the fault is answered: an ambiguous failure. */
  afterEffect?: boolean;
  /** Delay before answering (ms). */
  delayMs?: number;
  /** Retry-After header (seconds). Always sent for 429 (default 1). */
  retryAfterSeconds?: number;
  /** Destroy the connection instead of answering; with afterEffect an ambiguous reset. */
  dropConnection?: boolean;
}

export interface VapiSandboxCounts {
  credentialsCreated: number;
  credentialsDeleted: number;
  phoneNumbersCreated: number;
  phoneNumbersDeleted: number;
  /** Live resources, all orgs. */
  credentials: number;
  phoneNumbers: number;
  /** Successful POST /phone-number per number (or SIP URI), to prove nothing was imported twice. */
  phoneNumberCreatesByNumber: Record<string, number>;
}

/** A number created "outside our API" (directly in the Vapi account). */
export interface SeedPhoneNumberInput {
  /** Which org (default: the first API key). */
  apiKey?: string;
  provider: SandboxPhoneNumberProvider;
  number?: string;
  sipUri?: string;
  credentialId?: string;
  twilioAccountSid?: string;
  name?: string;
  assistantId?: string;
  serverUrl?: string;
}

export interface SeedCredentialInput {
  apiKey?: string;
  provider: SandboxCredentialProvider;
  name?: string;
  /** twilio */
  accountSid?: string;
  /** vonage: the Vonage API key (an identifier, not the secret) */
  vonageApiKey?: string;
  /** byo-sip-trunk */
  gateways?: Array<{ ip: string; port?: number; netmask?: number; inboundEnabled?: boolean; outboundEnabled?: boolean }>;
}

export type VapiResource = Record<string, unknown> & { id: string; orgId: string; provider: string; createdAt: string; updatedAt: string };

export interface VapiSandbox {
  url: string;
  close(): Promise<void>;
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  /** API requests received: method, path template (/phone-number/{id}, …) and status (0 = dropped). */
  requestLog(): Array<{ method: string; path: string; status: number }>;
  counts(): VapiSandboxCounts;
  seedPhoneNumber(input: SeedPhoneNumberInput): VapiResource;
  seedCredential(input: SeedCredentialInput): VapiResource;
  configure(changes: { latencyMs?: number; allowFreeNumbers?: boolean; duplicateNumberStatus?: 400 | 409 }): void;
  /** Forget credentials, numbers, counts, the request log and faults. */
  reset(): void;
}

// ---------------------------------------------------------------------------------------------
// Errors and small helpers

const BODY_LIMIT = { maxBytes: 1024 * 1024, tooLarge: () => new ApiError(413, 'request entity too large') };
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const E164_MESSAGE = (field: string) => `${field} must be a valid phone number in the E.164 format. Hot tip, you may be missing the country code (Eg. US: +1).`;
const INVALID_KEY = 'Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.';
const SIP_GATEWAY_FAILED = "Couldn't validate SIP trunk credential. SIP gateway creation failed.";
const PROVIDER_NAMES: Record<VerifiedProvider, string> = { twilio: 'Twilio', vonage: 'Vonage', telnyx: 'Telnyx' };
const CREDENTIAL_REFUSED = (p: VerifiedProvider) => `Couldn't validate ${PROVIDER_NAMES[p]} credential. ${PROVIDER_NAMES[p]} rejected the credentials (401 Unauthorized).`;
const TWILIO_REFUSED = "Couldn't validate Twilio credentials. Twilio rejected the Account SID and auth token / API key (401 Unauthorized).";
const NOT_IN_ACCOUNT = (p: VerifiedProvider, number: string) => `Number ${number} was not found in your ${PROVIDER_NAMES[p]} account.`;
/** Where a credential keeps the provider account it opens (state file only; never rendered). */
const ACCOUNT = '__account';

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string | string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(Array.isArray(messages) ? messages.join('; ') : messages);
  }
}

const errorBody = (status: number, message: string | string[]) => ({ message, error: REASON[status] ?? 'Error', statusCode: status });
/** A credential as Vapi answers it: without what the sandbox keeps for itself. */
const renderCredential = (c: VapiResource): VapiResource => {
  const { [ACCOUNT]: _account, ...rest } = structuredClone(c);
  return rest;
};
const badRequest = (messages: string | string[]) => new ApiError(400, messages);
const notFound = (what: string) => new ApiError(404, `${what} not found`);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function orgIdOf(apiKey: string): string {
  const h = createHash('sha256').update(`vapi-sandbox-org|${apiKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function isE164(v: string): boolean {
  if (!/^\+[1-9]\d{6,14}$/.test(v)) return false;
  return parsePhoneNumberFromString(v)?.isPossible() ?? false;
}

const HOSTNAME_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

// ---------------------------------------------------------------------------------------------
// class-validator style checks: each adds messages to `errors`.

class Checker {
  readonly errors: string[] = [];
  constructor(private readonly prefix = '') {}

  child(prefix: string): Checker {
    const c = new Checker(`${this.prefix}${prefix}.`);
    (c as { errors: string[] }).errors = this.errors;
    return c;
  }
  private f(name: string): string {
    return `${this.prefix}${name}`;
  }
  whitelist(body: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(body)) if (!allowed.includes(key)) this.errors.push(`${this.prefix}property ${key} should not exist`);
  }
  /** Optional string (undefined / null skip); returns it when valid. */
  string(body: Record<string, unknown>, name: string, opts: { required?: boolean; min?: number; max?: number } = {}): string | undefined {
    const v = body[name];
    if (v === undefined || v === null) {
      if (opts.required) {
        this.errors.push(`${this.f(name)} should not be empty`, `${this.f(name)} must be a string`);
      }
      return undefined;
    }
    if (typeof v !== 'string') {
      this.errors.push(`${this.f(name)} must be a string`);
      return undefined;
    }
    if (opts.required && v === '') this.errors.push(`${this.f(name)} should not be empty`);
    if (opts.min !== undefined && v.length < opts.min) this.errors.push(`${this.f(name)} must be longer than or equal to ${opts.min} characters`);
    if (opts.max !== undefined && v.length > opts.max) this.errors.push(`${this.f(name)} must be shorter than or equal to ${opts.max} characters`);
    return v;
  }
  uuid(body: Record<string, unknown>, name: string, required = false): string | undefined {
    const v = body[name];
    if (v === undefined || v === null) {
      if (required) this.errors.push(`${this.f(name)} should not be empty`, `${this.f(name)} must be a UUID`);
      return undefined;
    }
    if (typeof v !== 'string' || !UUID_RE.test(v)) {
      this.errors.push(`${this.f(name)} must be a UUID`);
      return undefined;
    }
    return v.toLowerCase();
  }
  boolean(body: Record<string, unknown>, name: string): boolean | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.errors.push(`${this.f(name)} must be a boolean value`);
      return undefined;
    }
    return v;
  }
  number(body: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.errors.push(`${this.f(name)} must be a number conforming to the specified constraints`);
      return undefined;
    }
    if (v < min) this.errors.push(`${this.f(name)} must not be less than ${min}`);
    if (v > max) this.errors.push(`${this.f(name)} must not be greater than ${max}`);
    return v;
  }
  oneOf<T extends string>(body: Record<string, unknown>, name: string, values: readonly T[], required = false): T | undefined {
    const v = body[name];
    if (v === undefined || v === null) {
      if (required) this.errors.push(`${this.f(name)} must be one of the following values: ${values.join(', ')}`);
      return undefined;
    }
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.errors.push(`${this.f(name)} must be one of the following values: ${values.join(', ')}`);
      return undefined;
    }
    return v as T;
  }
  object(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) {
      this.errors.push(`${this.f(name)} must be an object`);
      return undefined;
    }
    return v;
  }
  /** E.164 unless `e164` is false, then the spec's alphanumeric rule (3..40 chars). */
  phone(body: Record<string, unknown>, name: string, opts: { required?: boolean; e164?: boolean }): string | undefined {
    const v = this.string(body, name, { required: opts.required });
    if (v === undefined || v === '') return undefined;
    if (opts.e164 === false) {
      if (!/^\+?[a-zA-Z0-9]+$/.test(v)) this.errors.push(`${this.f(name)} must match /^\\+?[a-zA-Z0-9]+$/ regular expression`);
      if (v.length < 3) this.errors.push(`${this.f(name)} must be longer than or equal to 3 characters`);
      if (v.length > 40) this.errors.push(`${this.f(name)} must be shorter than or equal to 40 characters`);
      return v;
    }
    if (!isE164(v)) {
      this.errors.push(E164_MESSAGE(this.f(name)));
      return undefined;
    }
    return v;
  }
  fail(message: string): void {
    this.errors.push(`${this.prefix}${message}`);
  }
  throwIfAny(): void {
    if (this.errors.length) throw badRequest([...new Set(this.errors)]);
  }
}

// ---------------------------------------------------------------------------------------------
// DTO field sets (from the spec's Create* / Update* schemas)

const PN_COMMON = ['fallbackDestination', 'hooks', 'provider', 'name', 'assistantId', 'workflowId', 'squadId', 'server'] as const;
const CREATE_PN_FIELDS: Record<SandboxPhoneNumberProvider, readonly string[]> = {
  vapi: [...PN_COMMON, 'numberDesiredAreaCode', 'sipUri', 'authentication'],
  twilio: [...PN_COMMON, 'smsEnabled', 'number', 'twilioAccountSid', 'twilioAuthToken', 'twilioApiKey', 'twilioApiSecret'],
  vonage: [...PN_COMMON, 'number', 'credentialId'],
  telnyx: [...PN_COMMON, 'number', 'credentialId'],
  'byo-phone-number': [...PN_COMMON, 'numberE164CheckEnabled', 'number', 'credentialId'],
};
const UPDATE_PN_FIELDS: Record<SandboxPhoneNumberProvider, readonly string[]> = {
  vapi: [...PN_COMMON, 'sipUri', 'authentication'],
  twilio: CREATE_PN_FIELDS.twilio,
  vonage: CREATE_PN_FIELDS.vonage,
  telnyx: CREATE_PN_FIELDS.telnyx,
  'byo-phone-number': CREATE_PN_FIELDS['byo-phone-number'],
};
const PN_PROVIDERS = Object.keys(CREATE_PN_FIELDS) as SandboxPhoneNumberProvider[];

const CREDENTIAL_FIELDS: Record<SandboxCredentialProvider, readonly string[]> = {
  twilio: ['provider', 'accountSid', 'authToken', 'apiKey', 'apiSecret', 'name'],
  vonage: ['provider', 'apiKey', 'apiSecret', 'name'],
  telnyx: ['provider', 'apiKey', 'name'], // GUESSED: no Vapi spec has a Telnyx credential
  'byo-sip-trunk': ['provider', 'gateways', 'outboundAuthenticationPlan', 'outboundLeadingPlusEnabled', 'techPrefix', 'sipDiversionHeader', 'sbcConfiguration', 'name'],
};
const CREDENTIAL_PROVIDERS = Object.keys(CREDENTIAL_FIELDS) as SandboxCredentialProvider[];
const GATEWAY_FIELDS = ['ip', 'port', 'netmask', 'inboundEnabled', 'outboundEnabled', 'outboundProtocol', 'optionsPingEnabled'] as const;
const CREDENTIAL_KIND_FOR: Partial<Record<SandboxPhoneNumberProvider, SandboxCredentialProvider>> = {
  vonage: 'vonage',
  telnyx: 'telnyx',
  'byo-phone-number': 'byo-sip-trunk',
};
const DATE_FILTERS = ['createdAtGt', 'createdAtLt', 'createdAtGe', 'createdAtLe', 'updatedAtGt', 'updatedAtLt', 'updatedAtGe', 'updatedAtLe'] as const;

// ---------------------------------------------------------------------------------------------
// The sandbox

interface State {
  credentials: VapiResource[];
  phoneNumbers: VapiResource[];
  counters: Omit<VapiSandboxCounts, 'credentials' | 'phoneNumbers'>;
}

type Route =
  | { kind: 'credentials'; template: '/credential' }
  | { kind: 'credential'; template: '/credential/{id}'; id: string }
  | { kind: 'numbers'; template: '/phone-number' }
  | { kind: 'number'; template: '/phone-number/{id}'; id: string }
  | { kind: 'numbers-v2'; template: '/v2/phone-number' };

function matchRoute(pathname: string): Route | undefined {
  const p = pathname.replace(/\/+$/, '') || '/';
  if (p === '/credential') return { kind: 'credentials', template: '/credential' };
  if (p === '/phone-number') return { kind: 'numbers', template: '/phone-number' };
  if (p === '/v2/phone-number') return { kind: 'numbers-v2', template: '/v2/phone-number' };
  let m = /^\/credential\/([^/]+)$/.exec(p);
  if (m) return { kind: 'credential', template: '/credential/{id}', id: decodeURIComponent(m[1]!) };
  m = /^\/phone-number\/([^/]+)$/.exec(p);
  if (m) return { kind: 'number', template: '/phone-number/{id}', id: decodeURIComponent(m[1]!) };
  return undefined;
}

const emptyCounters = (): State['counters'] => ({ credentialsCreated: 0, credentialsDeleted: 0, phoneNumbersCreated: 0, phoneNumbersDeleted: 0, phoneNumberCreatesByNumber: {} });

class Sandbox {
  private readonly orgs = new Map<string, string>(); // apiKey -> orgId
  readonly faults = new FaultStore<InjectedFault>();
  readonly log = new RequestLog<{ method: string; path: string; status: number }>();
  /** Runs API work one request at a time so check-then-create is atomic. */
  readonly serialize = serialQueue();
  private credentials = new Map<string, VapiResource>();
  private numbers = new Map<string, VapiResource>();
  /** Secrets echoed in Twilio phone-number responses; in memory only. */
  private numberSecrets = new Map<string, Record<string, string>>();
  private counters = emptyCounters();
  private seq = 0;
  latencyMs: number;
  allowFreeNumbers: boolean;
  duplicateNumberStatus: 400 | 409;

  constructor(private readonly opts: VapiSandboxOptions) {
    if (!opts.apiKeys?.length) throw new Error('The Vapi sandbox needs at least one API key');
    for (const key of opts.apiKeys) {
      if (!key || /\s/.test(key)) throw new Error('Invalid sandbox API key');
      this.orgs.set(key, orgIdOf(key));
    }
    this.latencyMs = opts.latencyMs ?? 0;
    this.allowFreeNumbers = opts.allowFreeNumbers ?? true;
    this.duplicateNumberStatus = opts.duplicateNumberStatus ?? 400;
  }

  // --- controls ------------------------------------------------------------------------------

  counts(): VapiSandboxCounts {
    return { ...this.counters, phoneNumberCreatesByNumber: { ...this.counters.phoneNumberCreatesByNumber }, credentials: this.credentials.size, phoneNumbers: this.numbers.size };
  }
  configure(changes: { latencyMs?: number; allowFreeNumbers?: boolean; duplicateNumberStatus?: 400 | 409 }): void {
    if (changes.latencyMs !== undefined) this.latencyMs = changes.latencyMs;
    if (changes.allowFreeNumbers !== undefined) this.allowFreeNumbers = changes.allowFreeNumbers;
    if (changes.duplicateNumberStatus !== undefined) this.duplicateNumberStatus = changes.duplicateNumberStatus;
  }
  reset(): void {
    this.faults.clear();
    this.credentials.clear();
    this.numbers.clear();
    this.numberSecrets.clear();
    this.counters = emptyCounters();
    this.log.clear();
    this.latencyMs = this.opts.latencyMs ?? 0;
    this.allowFreeNumbers = this.opts.allowFreeNumbers ?? true;
    this.duplicateNumberStatus = this.opts.duplicateNumberStatus ?? 400;
  }
  snapshot(): State {
    return { credentials: [...this.credentials.values()].map((r) => structuredClone(r)), phoneNumbers: [...this.numbers.values()].map((r) => structuredClone(r)), counters: structuredClone(this.counters) };
  }
  restore(state: State): void {
    for (const c of state.credentials ?? []) this.credentials.set(c.id, c);
    for (const n of state.phoneNumbers ?? []) this.numbers.set(n.id, n);
    this.counters = { ...emptyCounters(), ...(state.counters ?? {}) };
  }

  private orgOf(apiKey: string | undefined): string {
    const key = apiKey ?? this.opts.apiKeys[0]!;
    const org = this.orgs.get(key);
    if (!org) throw new Error('Unknown sandbox API key');
    return org;
  }

  /** Monotonic timestamps, so createdAt ordering and filters are deterministic. */
  private now(): string {
    const t = Math.max(Date.now(), this.seq + 1);
    this.seq = t;
    return new Date(t).toISOString();
  }

  seedCredential(input: SeedCredentialInput): VapiResource {
    const orgId = this.orgOf(input.apiKey);
    if (!CREDENTIAL_PROVIDERS.includes(input.provider)) throw new Error(`Unknown credential provider ${String(input.provider)}`);
    const now = this.now();
    const r: VapiResource = { id: randomUUID(), orgId, provider: input.provider, createdAt: now, updatedAt: now };
    if (input.name) r.name = input.name;
    if (input.provider === 'twilio') r.accountSid = input.accountSid ?? `AC${'0'.repeat(32)}`;
    if (input.provider === 'vonage') {
      r.apiKey = input.vonageApiKey ?? 'a1b2c3d4';
      r.vonageApplicationId = randomUUID();
      r[ACCOUNT] = r.apiKey;
    }
    if (input.provider === 'byo-sip-trunk') r.gateways = structuredClone(input.gateways ?? [{ ip: '203.0.113.10' }]);
    this.credentials.set(r.id, r);
    return renderCredential(r);
  }

  seedPhoneNumber(input: SeedPhoneNumberInput): VapiResource {
    const orgId = this.orgOf(input.apiKey);
    if (!PN_PROVIDERS.includes(input.provider)) throw new Error(`Unknown phone number provider ${String(input.provider)}`);
    const key = input.number ?? input.sipUri;
    if (key && this.holderOf(input.provider, key, input.credentialId)) throw new Error(`${key} already exists`);
    const now = this.now();
    const r: VapiResource = { id: randomUUID(), orgId, provider: input.provider, status: 'active', createdAt: now, updatedAt: now };
    if (input.number) r.number = input.number;
    if (input.sipUri) r.sipUri = input.sipUri;
    if (input.credentialId) r.credentialId = input.credentialId;
    if (input.provider === 'twilio') r.twilioAccountSid = input.twilioAccountSid ?? `AC${'0'.repeat(32)}`;
    if (input.name) r.name = input.name;
    if (input.assistantId) r.assistantId = input.assistantId;
    if (input.serverUrl) r.server = { url: input.serverUrl };
    if (input.provider === 'vapi' && !r.number && !r.sipUri) r.number = this.allocateVapiNumber('415');
    this.numbers.set(r.id, r);
    return structuredClone(r);
  }

  // --- auth ------------------------------------------------------------------------------------

  authenticate(req: IncomingMessage): string {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    const unauthorized = () => new ApiError(401, INVALID_KEY);
    if (!m) throw unauthorized();
    for (const [key, org] of this.orgs) if (safeEqual(m[1]!, key)) return org;
    throw unauthorized();
  }

  // --- API -------------------------------------------------------------------------------------

  handleApi(method: string, url: URL, route: Route | undefined, orgId: string, rawBody: string, contentType: string): ApiResult {
    if (!route) throw new ApiError(404, `Cannot ${method} ${url.pathname}`);
    let body: Record<string, unknown> = {};
    if (method === 'POST' || method === 'PATCH') {
      const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      if (type !== 'application/json') throw badRequest('Content-Type must be application/json');
      let parsed: unknown;
      try {
        parsed = rawBody === '' ? {} : JSON.parse(rawBody);
      } catch {
        throw badRequest('Invalid JSON body');
      }
      if (!isObject(parsed)) throw badRequest('The request body must be a JSON object');
      body = parsed;
    }
    const wrongMethod = () => new ApiError(404, `Cannot ${method} ${url.pathname}`);
    switch (route.kind) {
      case 'credentials':
        if (method === 'POST') return this.createCredential(orgId, body);
        if (method === 'GET') return this.listCredentials(orgId, url);
        throw wrongMethod();
      case 'credential': {
        if (method !== 'GET' && method !== 'DELETE') throw wrongMethod();
        if (!UUID_RE.test(route.id)) throw badRequest('Validation failed (uuid is expected)');
        const c = this.credentials.get(route.id.toLowerCase());
        if (!c || c.orgId !== orgId) throw notFound('Credential');
        if (method === 'GET') return { status: 200, body: renderCredential(c) };
        this.credentials.delete(c.id);
        this.counters.credentialsDeleted++;
        return { status: 200, body: renderCredential(c) };
      }
      case 'numbers':
        if (method === 'POST') return this.createNumber(orgId, body);
        if (method === 'GET') return { status: 200, body: this.queryNumbers(orgId, url, false).map((n) => this.render(n)) };
        throw wrongMethod();
      case 'numbers-v2':
        if (method === 'GET') return this.pageNumbers(orgId, url);
        throw wrongMethod();
      case 'number': {
        if (method !== 'GET' && method !== 'PATCH' && method !== 'DELETE') throw wrongMethod();
        if (!UUID_RE.test(route.id)) throw badRequest('Validation failed (uuid is expected)');
        const n = this.numbers.get(route.id.toLowerCase());
        if (!n || n.orgId !== orgId) throw notFound('Phone Number');
        if (method === 'GET') return { status: 200, body: this.render(n) };
        if (method === 'PATCH') return this.updateNumber(n, body);
        this.numbers.delete(n.id);
        const out = this.render(n);
        this.numberSecrets.delete(n.id);
        this.counters.phoneNumbersDeleted++;
        return { status: 200, body: out };
      }
    }
  }

  // Credentials ----------------------------------------------------------------------------------

  private createCredential(orgId: string, body: Record<string, unknown>): ApiResult {
    const check = new Checker();
    const provider = check.oneOf(body, 'provider', CREDENTIAL_PROVIDERS, true);
    check.throwIfAny();
    const p = provider as SandboxCredentialProvider;
    check.whitelist(body, CREDENTIAL_FIELDS[p]);
    const name = check.string(body, 'name', { min: 1, max: 40 });
    const now = this.now();
    const r: VapiResource = { id: randomUUID(), orgId, provider: p, createdAt: now, updatedAt: now };
    if (name !== undefined) r.name = name;
    switch (p) {
      case 'twilio': {
        r.accountSid = check.string(body, 'accountSid', { required: true });
        const token = check.string(body, 'authToken');
        const key = check.string(body, 'apiKey');
        const secret = check.string(body, 'apiSecret');
        if (!token && !(key && secret)) check.fail('authToken or both apiKey and apiSecret must be provided');
        break;
      }
      case 'vonage':
        r.apiKey = check.string(body, 'apiKey', { required: true });
        check.string(body, 'apiSecret', { required: true });
        r.vonageApplicationId = randomUUID(); // Vapi creates a Vonage application for the credential
        break;
      case 'telnyx':
        check.string(body, 'apiKey', { required: true }); // GUESSED shape
        break;
      case 'byo-sip-trunk':
        this.checkSipTrunk(check, body, r);
        break;
    }
    check.throwIfAny();
    if (p === 'byo-sip-trunk') {
      // Vapi's SBC refuses a hostname on an inbound gateway (it matches inbound traffic by IP).
      const gateways = r.gateways as Array<{ ip: string; inboundEnabled?: boolean }>;
      if (gateways.some((g) => g.inboundEnabled !== false && !isIPv4(g.ip))) throw badRequest(SIP_GATEWAY_FAILED);
    }
    const lookup = p === 'vonage' || p === 'telnyx' ? this.opts.providerAccounts?.[p] : undefined;
    if (lookup && (p === 'vonage' || p === 'telnyx')) {
      // Vapi checks the credentials with the provider before keeping them.
      const account = lookup.accountFor({ apiKey: body.apiKey as string, apiSecret: body.apiSecret as string | undefined });
      if (!account) throw badRequest(CREDENTIAL_REFUSED(p));
      r[ACCOUNT] = account;
    }
    this.credentials.set(r.id, r);
    this.counters.credentialsCreated++;
    return { status: 201, body: renderCredential(r) };
  }

  private checkSipTrunk(check: Checker, body: Record<string, unknown>, r: VapiResource): void {
    const gateways = body.gateways;
    if (!Array.isArray(gateways)) {
      check.fail('gateways must be an array');
      return;
    }
    if (gateways.length === 0) check.fail('gateways must contain at least 1 elements');
    const out: Record<string, unknown>[] = [];
    gateways.forEach((g, i) => {
      const c = check.child(`gateways.${i}`);
      if (!isObject(g)) {
        c.fail('each value in gateways must be an object');
        return;
      }
      c.whitelist(g, GATEWAY_FIELDS);
      const ip = c.string(g, 'ip', { required: true });
      if (ip && !isIPv4(ip) && !HOSTNAME_RE.test(ip)) c.fail('ip must be an IPv4 address or a fully qualified domain name');
      c.number(g, 'port', 1, 65535);
      c.number(g, 'netmask', 24, 32);
      c.boolean(g, 'inboundEnabled');
      c.boolean(g, 'outboundEnabled');
      c.boolean(g, 'optionsPingEnabled');
      c.oneOf(g, 'outboundProtocol', ['tls/srtp', 'tcp', 'tls', 'udp'] as const);
      out.push(structuredClone(g));
    });
    r.gateways = out;
    const plan = check.object(body, 'outboundAuthenticationPlan');
    if (plan) {
      const c = check.child('outboundAuthenticationPlan');
      c.whitelist(plan, ['authUsername', 'authPassword', 'sipRegisterPlan']);
      const user = c.string(plan, 'authUsername');
      c.string(plan, 'authPassword');
      c.object(plan, 'sipRegisterPlan');
      // authPassword: "This is not returned in the API".
      r.outboundAuthenticationPlan = user !== undefined ? { authUsername: user } : {};
    }
    const plus = check.boolean(body, 'outboundLeadingPlusEnabled');
    if (plus !== undefined) r.outboundLeadingPlusEnabled = plus;
    const tech = check.string(body, 'techPrefix', { max: 10000 });
    if (tech !== undefined) r.techPrefix = tech;
    const diversion = check.string(body, 'sipDiversionHeader', { max: 10000 });
    if (diversion !== undefined) r.sipDiversionHeader = diversion;
  }

  private listCredentials(orgId: string, url: URL): ApiResult {
    const { limit, filters } = this.listQuery(url, []);
    const items = [...this.credentials.values()]
      .filter((c) => c.orgId === orgId && filters.every((f) => f(c)))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit);
    return { status: 200, body: items.map((c) => renderCredential(c)) };
  }

  // Phone numbers --------------------------------------------------------------------------------

  /** The phone number already holding `key` (number / SIP URI) for that provider (BYO: per credential). */
  private holderOf(provider: string, key: string, credentialId: unknown, exceptId?: string): VapiResource | undefined {
    const k = key.toLowerCase();
    for (const n of this.numbers.values()) {
      if (n.id === exceptId || n.provider !== provider) continue;
      if (provider === 'byo-phone-number' && n.credentialId !== credentialId) continue;
      if (jsonText(n.number).toLowerCase() === k || jsonText(n.sipUri).toLowerCase() === k) return n;
    }
    return undefined;
  }

  private duplicate(key: string): ApiError {
    return new ApiError(this.duplicateNumberStatus, `Number ${key} already exists`);
  }

  private allocateVapiNumber(areaCode: string): string {
    for (let i = 0; i < 1000; i++) {
      const candidate = `+1${areaCode}${String(2 + Math.floor(Math.random() * 8))}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
      if (isE164(candidate) && !this.holderOf('vapi', candidate, undefined)) return candidate;
    }
    throw badRequest(`No phone numbers available in area code ${areaCode}`);
  }

  /** Checks the fields shared by all Create/Update DTOs; writes them to `r` (null clears on PATCH). */
  private commonFields(check: Checker, body: Record<string, unknown>, r: Record<string, unknown>, patch: boolean): void {
    const name = check.string(body, 'name', { max: 40 });
    if (name !== undefined) r.name = name;
    for (const idField of ['assistantId', 'squadId', 'workflowId'] as const) {
      const v = check.uuid(body, idField);
      if (v !== undefined) r[idField] = v;
    }
    const server = check.object(body, 'server');
    if (server) {
      const c = check.child('server');
      c.whitelist(server, ['timeoutSeconds', 'credentialId', 'staticIpAddressesEnabled', 'encryptedPaths', 'url', 'headers', 'backoffPlan']);
      const url = c.string(server, 'url');
      if (url !== undefined) {
        let ok = false;
        try {
          const u = new URL(url);
          ok = (u.protocol === 'https:' || u.protocol === 'http:') && !!u.hostname;
        } catch {
          ok = false;
        }
        if (!ok) c.fail('url must be a URL address');
      }
      c.number(server, 'timeoutSeconds', 1, 300);
      r.server = structuredClone(server);
    }
    const fallback = check.object(body, 'fallbackDestination');
    if (fallback) {
      const c = check.child('fallbackDestination');
      const type = c.oneOf(fallback, 'type', ['number', 'sip'] as const, true);
      if (type === 'number') {
        c.whitelist(fallback, ['message', 'type', 'numberE164CheckEnabled', 'number', 'extension', 'callerId', 'transferPlan', 'description']);
        const e164 = c.boolean(fallback, 'numberE164CheckEnabled');
        c.phone(fallback, 'number', { required: true, e164: e164 !== false });
      } else if (type === 'sip') {
        c.whitelist(fallback, ['message', 'type', 'sipUri', 'callerId', 'transferPlan', 'sipHeaders', 'description']);
        const uri = c.string(fallback, 'sipUri', { required: true });
        if (uri && !/^sips?:[^\s@]+@[^\s@]+$/i.test(uri)) c.fail('sipUri must be a valid SIP URI');
      }
      r.fallbackDestination = structuredClone(fallback);
    }
    if (body.hooks !== undefined && body.hooks !== null) {
      if (!Array.isArray(body.hooks)) check.fail('hooks must be an array');
      else r.hooks = structuredClone(body.hooks);
    }
    if (patch) {
      for (const field of ['name', 'assistantId', 'squadId', 'workflowId', 'server', 'fallbackDestination', 'hooks']) {
        if (body[field] === null) delete r[field];
      }
    }
  }

  private credentialFor(check: Checker, orgId: string, provider: SandboxPhoneNumberProvider, body: Record<string, unknown>, required: boolean): string | undefined {
    const id = check.uuid(body, 'credentialId', required);
    if (id === undefined) return undefined;
    const cred = this.credentials.get(id);
    const kind = CREDENTIAL_KIND_FOR[provider];
    if (!cred || cred.orgId !== orgId) check.fail(`credentialId ${id} was not found`);
    else if (kind && cred.provider !== kind) check.fail(`credentialId must reference a ${kind} credential (got ${String(cred.provider)})`);
    return id;
  }

  private createNumber(orgId: string, body: Record<string, unknown>): ApiResult {
    const check = new Checker();
    const provider = check.oneOf(body, 'provider', PN_PROVIDERS, true);
    check.throwIfAny();
    const p = provider as SandboxPhoneNumberProvider;
    check.whitelist(body, CREATE_PN_FIELDS[p]);
    const now = this.now();
    const r: VapiResource = { id: randomUUID(), orgId, provider: p, status: 'active', createdAt: now, updatedAt: now };
    const secrets: Record<string, string> = {};
    this.commonFields(check, body, r, false);
    let key: string | undefined;
    switch (p) {
      case 'vapi': {
        if (!this.allowFreeNumbers) throw badRequest('Free Vapi phone numbers are not available for this org. Import a number from Twilio, Vonage, Telnyx or your SIP trunk instead.');
        const area = check.string(body, 'numberDesiredAreaCode', { min: 3, max: 3 });
        if (area !== undefined && !/^\d{3}$/.test(area)) check.fail('numberDesiredAreaCode must be a number string');
        const sipUri = check.string(body, 'sipUri');
        if (sipUri !== undefined && !/^sip:[a-z0-9._~-]+@sip\.vapi\.ai$/i.test(sipUri)) check.fail('sipUri must be a valid SIP URI of the form sip:<username>@sip.vapi.ai');
        const auth = check.object(body, 'authentication');
        if (auth) {
          const c = check.child('authentication');
          c.whitelist(auth, ['realm', 'username', 'password']);
          const username = c.string(auth, 'username', { required: true, min: 20, max: 40 });
          c.string(auth, 'password', { required: true, min: 20, max: 40 });
          c.string(auth, 'realm');
          r.authentication = { username, ...(typeof auth.realm === 'string' ? { realm: auth.realm } : {}) };
        }
        check.throwIfAny();
        if (sipUri !== undefined) {
          r.sipUri = sipUri.toLowerCase();
          key = r.sipUri as string;
        } else {
          if (area !== undefined && !/^[2-9]\d{2}$/.test(area)) throw badRequest(`No phone numbers available in area code ${area}`);
          r.number = this.allocateVapiNumber(area ?? '415');
          if (area !== undefined) r.numberDesiredAreaCode = area;
          key = r.number as string;
        }
        break;
      }
      case 'twilio': {
        r.number = check.phone(body, 'number', { required: true });
        const sid = check.string(body, 'twilioAccountSid', { required: true });
        if (sid && !/^AC[0-9a-f]{32}$/i.test(sid)) check.fail('twilioAccountSid must be a valid Twilio Account SID (AC followed by 32 hex characters)');
        r.twilioAccountSid = sid;
        const token = check.string(body, 'twilioAuthToken');
        const apiKey = check.string(body, 'twilioApiKey');
        const apiSecret = check.string(body, 'twilioApiSecret');
        if (!token && !(apiKey && apiSecret)) check.fail('twilioAuthToken or both twilioApiKey and twilioApiSecret must be provided');
        if (token) secrets.twilioAuthToken = token;
        if (apiKey) secrets.twilioApiKey = apiKey;
        if (apiSecret) secrets.twilioApiSecret = apiSecret;
        const sms = check.boolean(body, 'smsEnabled');
        r.smsEnabled = sms ?? true;
        key = r.number as string | undefined;
        break;
      }
      case 'vonage':
      case 'telnyx':
        r.number = check.phone(body, 'number', { required: true });
        r.credentialId = this.credentialFor(check, orgId, p, body, true);
        key = r.number as string | undefined;
        break;
      case 'byo-phone-number': {
        const e164 = check.boolean(body, 'numberE164CheckEnabled');
        r.numberE164CheckEnabled = e164 ?? true;
        const number = check.phone(body, 'number', { e164: e164 !== false });
        if (number !== undefined) r.number = number;
        r.credentialId = this.credentialFor(check, orgId, p, body, true);
        key = number;
        break;
      }
    }
    check.throwIfAny();
    this.verifyAtProvider(p, r, secrets);
    if (key && this.holderOf(p, key, r.credentialId)) throw this.duplicate(key);
    for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
    this.numbers.set(r.id, r);
    if (Object.keys(secrets).length) this.numberSecrets.set(r.id, secrets);
    this.counters.phoneNumbersCreated++;
    if (key) this.counters.phoneNumberCreatesByNumber[key] = (this.counters.phoneNumberCreatesByNumber[key] ?? 0) + 1;
    return { status: 201, body: this.render(r) };
  }

  /**
   * As Vapi does on import: the Twilio credentials work and their account holds the number; a Vonage /
   * Telnyx number is held by the account of its credential. Only with `providerAccounts`.
   */
  private verifyAtProvider(p: SandboxPhoneNumberProvider, r: VapiResource, secrets: Record<string, string>): void {
    if (p !== 'twilio' && p !== 'vonage' && p !== 'telnyx') return;
    const lookup = this.opts.providerAccounts?.[p];
    if (!lookup) return;
    const number = r.number as string;
    let account: string | undefined;
    if (p === 'twilio') {
      account = lookup.accountFor({ accountSid: r.twilioAccountSid as string, authToken: secrets.twilioAuthToken, apiKey: secrets.twilioApiKey, apiSecret: secrets.twilioApiSecret });
      if (!account) throw badRequest(TWILIO_REFUSED);
    } else {
      account = this.credentials.get(r.credentialId as string)?.[ACCOUNT] as string | undefined;
      if (!account) return; // a credential seeded without its account: nothing to check it against
    }
    if (!lookup.holds(account, number)) throw badRequest(NOT_IN_ACCOUNT(p, number));
  }

  private updateNumber(current: VapiResource, body: Record<string, unknown>): ApiResult {
    const p = current.provider as SandboxPhoneNumberProvider;
    const check = new Checker();
    if (body.provider !== undefined && body.provider !== null && body.provider !== p) {
      throw badRequest(`provider cannot be changed: this is a ${p} phone number (send provider "${p}" or leave it out)`);
    }
    check.whitelist(body, UPDATE_PN_FIELDS[p]);
    const next: Record<string, unknown> = structuredClone(current);
    this.commonFields(check, body, next, true);
    const secrets = { ...(this.numberSecrets.get(current.id) ?? {}) };
    switch (p) {
      case 'vapi': {
        const sipUri = check.string(body, 'sipUri');
        if (sipUri !== undefined) {
          if (!/^sip:[a-z0-9._~-]+@sip\.vapi\.ai$/i.test(sipUri)) check.fail('sipUri must be a valid SIP URI of the form sip:<username>@sip.vapi.ai');
          next.sipUri = sipUri.toLowerCase();
        }
        const auth = check.object(body, 'authentication');
        if (auth) {
          const c = check.child('authentication');
          c.whitelist(auth, ['realm', 'username', 'password']);
          const username = c.string(auth, 'username', { required: true, min: 20, max: 40 });
          c.string(auth, 'password', { required: true, min: 20, max: 40 });
          next.authentication = { username };
        }
        if (body.authentication === null) delete next.authentication;
        break;
      }
      case 'twilio': {
        const number = check.phone(body, 'number', {});
        if (number !== undefined) next.number = number;
        const sid = check.string(body, 'twilioAccountSid');
        if (sid !== undefined) {
          if (!/^AC[0-9a-f]{32}$/i.test(sid)) check.fail('twilioAccountSid must be a valid Twilio Account SID (AC followed by 32 hex characters)');
          next.twilioAccountSid = sid;
        }
        for (const f of ['twilioAuthToken', 'twilioApiKey', 'twilioApiSecret'] as const) {
          const v = check.string(body, f);
          if (v) secrets[f] = v;
        }
        const sms = check.boolean(body, 'smsEnabled');
        if (sms !== undefined) next.smsEnabled = sms;
        break;
      }
      case 'vonage':
      case 'telnyx': {
        const number = check.phone(body, 'number', {});
        if (number !== undefined) next.number = number;
        const cred = this.credentialFor(check, current.orgId, p, body, false);
        if (cred !== undefined) next.credentialId = cred;
        break;
      }
      case 'byo-phone-number': {
        const e164 = check.boolean(body, 'numberE164CheckEnabled');
        if (e164 !== undefined) next.numberE164CheckEnabled = e164;
        const number = check.phone(body, 'number', { e164: next.numberE164CheckEnabled !== false });
        if (number !== undefined) next.number = number;
        const cred = this.credentialFor(check, current.orgId, p, body, false);
        if (cred !== undefined) next.credentialId = cred;
        break;
      }
    }
    check.throwIfAny();
    const key = (next.number ?? next.sipUri) as string | undefined;
    if (key && this.holderOf(p, key, next.credentialId, current.id)) throw this.duplicate(key);
    next.updatedAt = this.now();
    const updated = next as VapiResource;
    this.numbers.set(current.id, updated);
    if (Object.keys(secrets).length) this.numberSecrets.set(current.id, secrets);
    return { status: 200, body: this.render(updated) };
  }

  /** The resource as Vapi answers it (Twilio numbers echo their secrets, as TwilioPhoneNumber says). */
  private render(n: VapiResource): VapiResource {
    return { ...structuredClone(n), ...(this.numberSecrets.get(n.id) ?? {}) };
  }

  /** limit + createdAt/updatedAt filters shared by the list endpoints; rejects unknown query parameters. */
  private listQuery(url: URL, extra: readonly string[]): { limit: number; filters: Array<(r: VapiResource) => boolean> } {
    const check = new Checker();
    const q = url.searchParams;
    const allowed = ['limit', ...DATE_FILTERS, ...extra];
    for (const key of new Set(q.keys())) if (!allowed.includes(key)) check.fail(`property ${key} should not exist`);
    let limit = 100;
    const rawLimit = q.get('limit');
    if (rawLimit !== null) {
      const n = Number(rawLimit);
      if (rawLimit.trim() === '' || !Number.isFinite(n)) check.fail('limit must be a number conforming to the specified constraints');
      else if (n < 0) check.fail('limit must not be less than 0');
      else if (n > 1000) check.fail('limit must not be greater than 1000');
      else limit = Math.trunc(n);
    }
    const filters: Array<(r: VapiResource) => boolean> = [];
    for (const name of DATE_FILTERS) {
      const v = q.get(name);
      if (v === null) continue;
      const t = Date.parse(v);
      if (!ISO_DATE_RE.test(v) || Number.isNaN(t)) {
        check.fail(`${name} must be a valid ISO 8601 date string`);
        continue;
      }
      const field = name.startsWith('created') ? 'createdAt' : 'updatedAt';
      const op = name.slice(-2);
      filters.push((r) => {
        const x = Date.parse(r[field]);
        return op === 'Gt' ? x > t : op === 'Lt' ? x < t : op === 'Ge' ? x >= t : x <= t;
      });
    }
    check.throwIfAny();
    return { limit, filters };
  }

  private queryNumbers(orgId: string, url: URL, v2: boolean): VapiResource[] {
    const { limit, filters } = this.listQuery(url, v2 ? ['search', 'page', 'sortOrder', 'sortBy'] : []);
    const all = [...this.numbers.values()].filter((n) => n.orgId === orgId && filters.every((f) => f(n)));
    all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return v2 ? all : all.slice(0, limit);
  }

  private pageNumbers(orgId: string, url: URL): ApiResult {
    const q = url.searchParams;
    const check = new Checker();
    const search = q.get('search');
    if (search !== null && search.length > 100) check.fail('search must be shorter than or equal to 100 characters');
    const sortOrder = q.get('sortOrder') ?? 'DESC';
    if (sortOrder !== 'ASC' && sortOrder !== 'DESC') check.fail('sortOrder must be one of the following values: ASC, DESC');
    const sortBy = q.get('sortBy');
    if (sortBy !== null && !['createdAt', 'duration', 'cost'].includes(sortBy)) check.fail('sortBy must be one of the following values: createdAt, duration, cost');
    let page = 1;
    const rawPage = q.get('page');
    if (rawPage !== null) {
      const n = Number(rawPage);
      if (rawPage.trim() === '' || !Number.isFinite(n)) check.fail('page must be a number conforming to the specified constraints');
      else if (n < 1) check.fail('page must not be less than 1');
      else page = Math.trunc(n);
    }
    check.throwIfAny();
    const { limit } = this.listQuery(url, ['search', 'page', 'sortOrder', 'sortBy']);
    let all = this.queryNumbers(orgId, url, true);
    if (search) {
      const s = search.toLowerCase();
      all = all.filter((n) => [n.name, n.number, n.sipUri].some((v) => typeof v === 'string' && v.toLowerCase().includes(s)));
    }
    if (sortOrder === 'ASC') all.reverse();
    const start = (page - 1) * limit;
    const results = limit === 0 ? [] : all.slice(start, start + limit);
    const totalPages = limit === 0 ? 0 : Math.ceil(all.length / limit);
    return {
      status: 200,
      body: {
        results: results.map((n) => this.render(n)),
        metadata: { itemsPerPage: limit, totalItems: all.length, currentPage: page, totalPages, hasNextPage: page < totalPages, sortOrder },
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

const send = jsonSender('application/json; charset=utf-8');

export async function startVapiSandbox(opts: VapiSandboxOptions): Promise<VapiSandbox> {
  const sandbox = new Sandbox(opts);
  const restored = readStateFile<State>(opts.stateFile);
  if (restored) sandbox.restore(restored);
  const saveState = stateSaver(opts.stateFile, () => sandbox.snapshot());

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: errorBody(err.status, err.messages), headers: err.headers };
    console.error('[vapi-sandbox] unexpected error', err);
    return { status: 500, body: errorBody(500, 'Internal server error') };
  };

  const http = new SandboxHttp({
    name: 'vapi-sandbox',
    sandbox,
    send,
    bodyLimit: BODY_LIMIT,
    readBody: (req) => readText(req, BODY_LIMIT),
    errorResult: toResult,
    faultResult: (f: InjectedFault): ApiResult => ({
      status: f.status,
      body: errorBody(f.status, f.message ?? REASON[f.status] ?? 'Injected fault'),
      headers: retryAfterHeaders(f),
    }),
  });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const route = matchRoute(url.pathname);
    const template = route?.template ?? url.pathname;
    await http.run({
      req,
      res,
      method,
      faultPath: url.pathname,
      record: (status) => sandbox.log.record({ method, path: template, status }),
      effect: (rawBody) =>
        sandbox.serialize(() =>
          settleApiCall(
            method,
            () => sandbox.handleApi(method, url, route, sandbox.authenticate(req), rawBody, String(req.headers['content-type'] ?? '')),
            toResult,
            saveState,
          ),
        ),
    });
  }

  /** POST `path`: 201 with `seed(body)`, run in the API queue and saved. */
  const seedRoute = <I>(path: string, seed: (input: I) => VapiResource): ControlRoute => ({
    method: 'POST',
    path,
    run: async (c) => {
      const body = (await c.json()) as unknown as I;
      const r = await sandbox.serialize(() => seed(body));
      saveState();
      return { status: 201, body: r };
    },
  });
  const configure = (changes: Parameters<Sandbox['configure']>[0]) => sandbox.configure(changes);
  const reset = thenSave(saveState, () => sandbox.reset());
  const basics = await http.serve(opts, {
    api: handleApi,
    controls: [
      { method: 'GET', path: '/__sandbox/counts', run: () => ({ status: 200, body: sandbox.counts() }) },
      seedRoute('/__sandbox/phone-numbers', (input: SeedPhoneNumberInput) => sandbox.seedPhoneNumber(input)),
      seedRoute('/__sandbox/credentials', (input: SeedCredentialInput) => sandbox.seedCredential(input)),
      configRoute(
        (body) => {
          const changes: Parameters<Sandbox['configure']>[0] = numberFields(body, ['latencyMs']);
          if (typeof body.allowFreeNumbers === 'boolean') changes.allowFreeNumbers = body.allowFreeNumbers;
          if (body.duplicateNumberStatus === 400 || body.duplicateNumberStatus === 409) changes.duplicateNumberStatus = body.duplicateNumberStatus;
          configure(changes);
        },
        () => ({ latencyMs: sandbox.latencyMs, allowFreeNumbers: sandbox.allowFreeNumbers, duplicateNumberStatus: sandbox.duplicateNumberStatus }),
      ),
      actionRoute('POST', '/__sandbox/reset', reset),
    ],
    internalErrorBody: errorBody(500, 'Internal server error'),
  });

  return {
    ...basics,
    counts: () => sandbox.counts(),
    seedPhoneNumber: thenSave(saveState, (input: SeedPhoneNumberInput) => sandbox.seedPhoneNumber(input)),
    seedCredential: thenSave(saveState, (input: SeedCredentialInput) => sandbox.seedCredential(input)),
    configure,
    reset,
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

export const DEFAULT_SANDBOX_API_KEY = 'vapi-sandbox-private-key-0c1d2e3f4a5b6c7d';

runIfMain(import.meta.url, async (argv) => {
  const args = cliArgs(argv);
  const apiKey = process.env.VAPI_SANDBOX_API_KEY || DEFAULT_SANDBOX_API_KEY;
  const options: VapiSandboxOptions = { ...commonCliOptions(args, 4013, ['state']), apiKeys: [apiKey] };
  if (args.flag('no-free-numbers')) options.allowFreeNumbers = false;
  const sandbox = await startVapiSandbox(options);
  console.log(`Vapi sandbox listening on ${sandbox.url}`);
  console.log(`  API key ${apiKey}`);
  return sandbox;
});
