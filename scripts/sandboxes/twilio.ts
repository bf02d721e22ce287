/**
 * A local, faithful fake of the parts of Twilio's REST API 2010-04-01 that the platform uses:
 * AvailablePhoneNumbers (Local / TollFree / Mobile) and IncomingPhoneNumbers (list, purchase,
 * fetch, update, release). Contract: ../shared/contracts/twilio/twilio_api_v2010.json.
 * It also stands in for the Pricing API's phone-number prices (pricing.twilio.com, same accounts and
 * Basic auth): GET /v1/PhoneNumbers/Countries and /v1/PhoneNumbers/Countries/{IsoCountry}, per
 * ../shared/contracts/twilio/twilio_pricing_v1.json (prices from PHONE_NUMBER_PRICES below).
 *
 * Error bodies follow twilio-node's RestException: {code, message, more_info, status}.
 *
 * Test controls are available both in-process (the returned TwilioSandbox) and over HTTP under
 * /__sandbox/ so that another process can drive a sandbox started from the CLI:
 *   GET    /__sandbox/health
 *   GET    /__sandbox/faults            list pending faults
 *   POST   /__sandbox/faults            JSON InjectedFault (times: -1 or null = unlimited)
 *   DELETE /__sandbox/faults
 *   GET    /__sandbox/purchases         purchaseCounts()
 *   GET    /__sandbox/requests          requestLog()
 *   POST   /__sandbox/owned             JSON {accountSid, phoneNumber} -> seedOwned()
 *   POST   /__sandbox/config            JSON {latencyMs?, transientFailureRate?, accountRateLimitPerSecond?}
 *   POST   /__sandbox/clock             JSON {advanceMs} -> advanceClock(): released numbers age (out of stock) for agingMs
 *   POST   /__sandbox/auth-tokens       JSON {accountSid, authToken} -> addSecondaryAuthToken(); {accountSid, promote: true} -> promoteSecondaryAuthToken()
 *   POST   /__sandbox/reset
 *
 * CLI: npx tsx scripts/sandboxes/twilio.ts [--port 4010] [--host 127.0.0.1] [--seed N]
 *        [--latency MS] [--failure-rate 0..1] [--rate-limit PER_SECOND]
 *      Account from TWILIO_SANDBOX_ACCOUNT_SID / TWILIO_SANDBOX_AUTH_TOKEN, else a fixed default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parsePhoneNumber } from 'libphonenumber-js/max';
import { patternToDigits } from '../../shared/domain/phone.js';
import { parseValid, perSeed } from './inventory-kit.js';
import {
  AgingPool,
  FailureDice,
  FaultStore,
  RequestLog,
  SandboxHttp,
  actionRoute,
  clockRoute,
  basicCredentials,
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
  seedOwnedRoute,
  serialQueue,
  settleApiCall,
  stateSaver,
  type AccountLookup,
  type AgingOptions,
  type ApiResult,
  type InjectedFault,
  type SandboxBaseOptions,
  type SandboxFailureOptions,
} from './kit.js';
import { COUNTRY_NAMES, SUPPORTED, TwilioInventory, US_TOLL_FREE_PREFIXES, type InventoryKind, type InventoryNumber } from './twilio-inventory.js';

export type { InjectedFault } from './kit.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface TwilioSandboxAccount {
  accountSid: string; // AC + 32 hex
  authToken: string; // 32 hex
}

/** stateFile keeps owned numbers (the dev stack's data folder); transient failures are answered 503 code 20500. */
export interface TwilioSandboxOptions extends SandboxBaseOptions, SandboxFailureOptions, AgingOptions {
  accounts: TwilioSandboxAccount[];
  /**
   * Account rate limit (default: none): API requests admitted per AccountSid in any sliding
   * one-second window. Excess requests are answered 429 code 20429 with Retry-After: 1 WITHOUT
   * taking effect (and do not count against the window themselves).
   */
  accountRateLimitPerSecond?: number;
  /** The clock of the rate-limit window (default Date.now); tests pass one they move themselves. */
  rateClock?: () => number;
}

export interface SandboxConfigChanges {
  latencyMs?: number;
  transientFailureRate?: number;
  /** 0 (or a non-positive number) removes the limit. */
  accountRateLimitPerSecond?: number;
}

export interface TwilioIncomingCapabilities {
  voice: boolean;
  sms: boolean;
  mms: boolean;
  fax: boolean;
}

type HttpMethod = 'GET' | 'POST';

/** The `api.v2010.account.incoming_phone_number` resource, as the sandbox returns it. */
export interface ProviderResource {
  account_sid: string;
  address_sid: string | null;
  address_requirements: 'none' | 'any' | 'local' | 'foreign';
  api_version: string;
  beta: boolean;
  capabilities: TwilioIncomingCapabilities;
  date_created: string;
  date_updated: string;
  friendly_name: string;
  identity_sid: string | null;
  phone_number: string;
  origin: 'twilio' | 'hosted';
  sid: string;
  sms_application_sid: string | null;
  sms_fallback_method: HttpMethod;
  sms_fallback_url: string | null;
  sms_method: HttpMethod;
  sms_url: string | null;
  status_callback: string | null;
  status_callback_method: HttpMethod;
  trunk_sid: string | null;
  uri: string;
  voice_receive_mode: 'voice' | 'fax';
  voice_application_sid: string | null;
  voice_caller_id_lookup: boolean;
  voice_fallback_method: HttpMethod;
  voice_fallback_url: string | null;
  voice_method: HttpMethod;
  voice_url: string | null;
  emergency_status: 'Active' | 'Inactive';
  emergency_address_sid: string | null;
  emergency_address_status:
    | 'registered'
    | 'unregistered'
    | 'pending-registration'
    | 'registration-failure'
    | 'pending-unregistration'
    | 'unregistration-failure';
  bundle_sid: string | null;
  status: string;
  type: 'local' | 'toll-free' | 'mobile';
  subresource_uris: { assigned_add_ons: string };
}

export interface TwilioSandbox {
  url: string; // e.g. http://127.0.0.1:PORT
  close(): Promise<void>;
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  /** How many times each E.164 was purchased (successful purchases), to prove no double buy. */
  purchaseCounts(): Record<string, number>;
  /** API requests received, as "METHOD" + path template (e.g. /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json). */
  requestLog(): Array<{ method: string; path: string; status: number; at: number }>;
  /** Directly own a number (as if bought outside our platform). */
  seedOwned(accountSid: string, phoneNumber: string): ProviderResource;
  /** Its accounts and their numbers, for the Vapi sandbox (auth token credentials: {accountSid, authToken}). */
  lookup: AccountLookup;
  /** Change latency / transient failure rate / account rate limit (0 = none) at runtime. */
  configure(changes: SandboxConfigChanges): void;
  /** API requests answered 429 by the account rate limit so far (reset() clears it). */
  rateLimitedCount(): number;
  /** Moves the sandbox clock ahead: a released number is out of stock for agingMs (default 30 days) of it. */
  advanceClock(ms: number): void;
  /**
   * A second auth token for an account (Twilio's secondary token): both authenticate until
   * promoteSecondaryAuthToken() makes it the only one (the old token stops working).
   */
  addSecondaryAuthToken(accountSid: string, authToken: string): void;
  promoteSecondaryAuthToken(accountSid: string): void;
  /** Forget owned numbers, aging numbers, purchase counts, the request log and faults (inventory is deterministic). */
  reset(): void;
}

// ---------------------------------------------------------------------------------------------
// Constants and small helpers

const API_VERSION = '2010-04-01';
const ACCOUNT_SID_RE = /^AC[0-9a-fA-F]{32}$/;
const BODY_LIMIT = { maxBytes: 1024 * 1024, tooLarge: () => new ApiError(413, 20001, 'Request body too large') };

const T_AVAILABLE = '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}';
const T_AVAILABLE_COUNTRIES = '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers.json';
const T_AVAILABLE_COUNTRY = '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}.json';
const T_INCOMING_LIST = '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json';
const T_INCOMING_ONE = '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json';

const T_PRICING_COUNTRIES = '/v1/PhoneNumbers/Countries';
const T_PRICING_COUNTRY = '/v1/PhoneNumbers/Countries/{IsoCountry}';
const PRICING_ORIGIN = 'https://pricing.twilio.com';

/** Monthly prices (USD) per country and inventory kind, as the Pricing API reports them (base = current: no discounts). */
export const PHONE_NUMBER_PRICES: Readonly<Record<string, Partial<Record<InventoryKind, string>>>> = {
  US: { Local: '1.15', TollFree: '2.15' },
  CA: { Local: '1.15' },
  GB: { Local: '1.15', Mobile: '1.15' },
};
const PRICING_NUMBER_TYPE: Partial<Record<InventoryKind, string>> = { Local: 'local', TollFree: 'toll free', Mobile: 'mobile' };

/** The Pricing API's route for a path (undefined: not one of its resources). */
function pricingRoute(pathname: string): { template: string; country?: string } | undefined {
  if (pathname === T_PRICING_COUNTRIES) return { template: T_PRICING_COUNTRIES };
  const m = /^\/v1\/PhoneNumbers\/Countries\/([^/]+)$/.exec(pathname);
  return m ? { template: T_PRICING_COUNTRY, country: m[1] as string } : undefined;
}

const AVAILABLE_TYPES = ['Local', 'TollFree', 'Mobile', 'National', 'Voip', 'SharedCost', 'MachineToMachine'] as const;

const DEFAULT_FAULT_MESSAGES: Record<number, [number, string]> = {
  400: [20001, 'Bad Request'],
  401: [20003, 'Authenticate'],
  403: [20403, 'Forbidden'],
  404: [20404, 'The requested resource was not found'],
  409: [20409, 'Conflict'],
  429: [20429, 'Too Many Requests'],
  500: [20500, 'Internal Server Error'],
  502: [20500, 'Bad Gateway'],
  503: [20503, 'Service Unavailable'],
  504: [20500, 'Gateway Timeout'],
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const errorBody = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

const invalidParam = (name: string, detail: string) => new ApiError(400, 20001, `Invalid parameter ${name}: ${detail}`);

const notFound = (path: string) => new ApiError(404, 20404, `The requested resource ${path} was not found`);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const newSid = (prefix: string) => `${prefix}${hex(16)}`;

/** RFC 2822 date as Twilio prints it: "Thu, 30 Jul 2015 23:19:04 +0000". */
const rfc2822 = (d: Date) => d.toUTCString().replace(/GMT$/, '+0000');

function parseBoolean(name: string, v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw invalidParam(name, `'${v}' is not a valid boolean (true or false)`);
}

function parseInteger(name: string, v: string, min?: number, max?: number): number {
  if (!/^-?\d+$/.test(v.trim())) throw invalidParam(name, `'${v}' is not a valid integer`);
  const n = Number(v.trim());
  if (min !== undefined && n < min) throw invalidParam(name, `must be at least ${min}`);
  if (max !== undefined && n > max) throw invalidParam(name, `must be at most ${max}`);
  return n;
}

/** Contains pattern → RegExp over digits. Letters map to keypad digits. */
function containsRegex(raw: string): RegExp {
  const v = raw.trim();
  if (v.length < 2 || v.length > 16) throw invalidParam('Contains', 'must be between 2 and 16 characters long');
  if (!/^\+?[0-9A-Za-z*%]+\$?$/.test(v)) {
    throw invalidParam('Contains', "may only contain digits, letters and the meta-characters '*', '%', a leading '+' and a trailing '$'");
  }
  const anchoredStart = v.startsWith('+');
  const anchoredEnd = v.endsWith('$');
  const body = v.slice(anchoredStart ? 1 : 0, anchoredEnd ? -1 : undefined);
  if (body.replace(/[*%]/g, '').length < 2) throw invalidParam('Contains', 'must include at least two digits or letters');
  if (/%%|\*%|%\*/.test(body) || (anchoredStart && /^[*%]/.test(body)) || (anchoredEnd && /[*%]$/.test(body))) {
    throw invalidParam('Contains', 'meta-characters cannot be adjacent to each other');
  }
  let src = '';
  for (const ch of body.toUpperCase()) {
    if (ch === '*') src += '\\d';
    else if (ch === '%') src += '\\d*';
    else if (/[0-9]/.test(ch)) src += ch;
    else src += patternToDigits(ch); // a letter: its keypad digit
  }
  return new RegExp(`${anchoredStart ? '^' : ''}${src}${anchoredEnd ? '$' : ''}`);
}

function milesBetween(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 3958.8 * 2 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Lenient E.164 normalisation like Twilio's: "+14155550142", "14155550142", "4155550142", "(415) 555-0142". */
function normalizePhoneNumber(raw: string): string | undefined {
  const trimmed = raw.trim();
  const digits = trimmed.replace(/[\s().-]/g, '');
  let candidate: string;
  if (/^\+\d{6,15}$/.test(digits)) candidate = digits;
  else if (/^1\d{10}$/.test(digits)) candidate = `+${digits}`;
  else if (/^\d{10}$/.test(digits)) candidate = `+1${digits}`;
  else return undefined;
  return parseValid(candidate)?.number;
}

function nationalFormat(e164: string): string {
  try {
    const p = parsePhoneNumber(e164);
    return p.countryCallingCode === '1' ? p.formatNational() : e164;
  } catch {
    return e164;
  }
}

const inventoryFor = perSeed((seed) => new TwilioInventory(seed));

// ---------------------------------------------------------------------------------------------
// Form field rules shared by purchase and update

const URL_FIELDS = {
  SmsUrl: 'sms_url',
  SmsFallbackUrl: 'sms_fallback_url',
  StatusCallback: 'status_callback',
  VoiceUrl: 'voice_url',
  VoiceFallbackUrl: 'voice_fallback_url',
} as const;

const METHOD_FIELDS = {
  SmsMethod: 'sms_method',
  SmsFallbackMethod: 'sms_fallback_method',
  StatusCallbackMethod: 'status_callback_method',
  VoiceMethod: 'voice_method',
  VoiceFallbackMethod: 'voice_fallback_method',
} as const;

const SID_FIELDS = {
  SmsApplicationSid: ['sms_application_sid', 'AP'],
  VoiceApplicationSid: ['voice_application_sid', 'AP'],
  TrunkSid: ['trunk_sid', 'TK'],
  IdentitySid: ['identity_sid', 'RI'],
  AddressSid: ['address_sid', 'AD'],
  EmergencyAddressSid: ['emergency_address_sid', 'AD'],
  BundleSid: ['bundle_sid', 'BU'],
} as const;

type ResourceChanges = Partial<Omit<ProviderResource, 'capabilities' | 'subresource_uris'>>;

/** Validates the optional fields of the create / update request bodies (spec-typed). */
function readResourceFields(form: URLSearchParams): ResourceChanges {
  const changes: Record<string, unknown> = {};
  const friendlyName = form.get('FriendlyName');
  if (friendlyName !== null) {
    if (friendlyName.length > 64) throw new ApiError(400, 20002, 'Invalid FriendlyName: must be 64 characters or fewer');
    if (friendlyName !== '') changes.friendly_name = friendlyName;
  }
  const apiVersion = form.get('ApiVersion');
  if (apiVersion !== null && apiVersion !== '') {
    if (apiVersion !== '2010-04-01' && apiVersion !== '2008-08-01') {
      throw invalidParam('ApiVersion', "must be '2010-04-01' or '2008-08-01'");
    }
    changes.api_version = apiVersion;
  }
  for (const [param, field] of Object.entries(URL_FIELDS)) {
    const v = form.get(param);
    if (v === null) continue;
    if (v.trim() === '') {
      changes[field] = null; // empty string clears the URL
      continue;
    }
    let ok = false;
    try {
      const u = new URL(v.trim());
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) throw new ApiError(400, 21402, `${param} is not valid: '${v}' must be an absolute http or https URL`);
    changes[field] = v.trim();
  }
  for (const [param, field] of Object.entries(METHOD_FIELDS)) {
    const v = form.get(param);
    if (v === null || v === '') continue;
    const m = v.toUpperCase();
    if (m !== 'GET' && m !== 'POST') throw new ApiError(400, 21403, `${param} is not valid: must be GET or POST`);
    changes[field] = m;
  }
  for (const [param, [field, prefix]] of Object.entries(SID_FIELDS)) {
    const v = form.get(param);
    if (v === null) continue;
    if (v === '') {
      changes[field] = null;
      continue;
    }
    if (!new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(v)) throw invalidParam(param, `'${v}' is not a valid ${prefix} SID`);
    changes[field] = v;
  }
  const lookup = form.get('VoiceCallerIdLookup');
  if (lookup !== null && lookup !== '') changes.voice_caller_id_lookup = parseBoolean('VoiceCallerIdLookup', lookup);
  const receiveMode = form.get('VoiceReceiveMode');
  if (receiveMode !== null && receiveMode !== '') {
    if (receiveMode !== 'voice' && receiveMode !== 'fax') throw invalidParam('VoiceReceiveMode', "must be 'voice' or 'fax'");
    changes.voice_receive_mode = receiveMode;
  }
  const emergency = form.get('EmergencyStatus');
  if (emergency !== null && emergency !== '') {
    if (emergency !== 'Active' && emergency !== 'Inactive') throw invalidParam('EmergencyStatus', "must be 'Active' or 'Inactive'");
    changes.emergency_status = emergency;
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// The sandbox

interface Owned {
  resource: ProviderResource;
  seq: number;
}

interface SandboxState {
  seq: number;
  owned: Owned[];
  aging?: ReturnType<AgingPool['snapshot']>;
}

interface Route {
  template: string;
  accountSid: string;
  kind: 'account' | 'available' | 'available-countries' | 'available-country' | 'incoming-list' | 'incoming-one';
  params: Record<string, string>;
  methods: readonly string[];
}

function matchRoute(pathname: string): Route | undefined {
  const account = /^\/2010-04-01\/Accounts\/([^/]+)\.json$/.exec(pathname);
  if (account) return { template: '/2010-04-01/Accounts/{Sid}.json', accountSid: account[1] as string, kind: 'account', params: {}, methods: ['GET'] };
  let m = /^\/2010-04-01\/Accounts\/([^/]+)\/AvailablePhoneNumbers\/([^/]+)\/([^/]+)\.json$/.exec(pathname);
  if (m) {
    const type = m[3] as string;
    if (!(AVAILABLE_TYPES as readonly string[]).includes(type)) return undefined;
    return { template: `${T_AVAILABLE}/${type}.json`, accountSid: m[1] as string, kind: 'available', params: { country: m[2] as string, type }, methods: ['GET'] };
  }
  m = /^\/2010-04-01\/Accounts\/([^/]+)\/AvailablePhoneNumbers\.json$/.exec(pathname);
  if (m) return { template: T_AVAILABLE_COUNTRIES, accountSid: m[1] as string, kind: 'available-countries', params: {}, methods: ['GET'] };
  m = /^\/2010-04-01\/Accounts\/([^/]+)\/AvailablePhoneNumbers\/([^/]+)\.json$/.exec(pathname);
  if (m) return { template: T_AVAILABLE_COUNTRY, accountSid: m[1] as string, kind: 'available-country', params: { country: m[2] as string }, methods: ['GET'] };
  m = /^\/2010-04-01\/Accounts\/([^/]+)\/IncomingPhoneNumbers\.json$/.exec(pathname);
  if (m) return { template: T_INCOMING_LIST, accountSid: m[1] as string, kind: 'incoming-list', params: {}, methods: ['GET', 'POST'] };
  m = /^\/2010-04-01\/Accounts\/([^/]+)\/IncomingPhoneNumbers\/([^/]+)\.json$/.exec(pathname);
  if (m) return { template: T_INCOMING_ONE, accountSid: m[1] as string, kind: 'incoming-one', params: { sid: m[2] as string }, methods: ['GET', 'POST', 'DELETE'] };
  return undefined;
}

/** The api.v2010.account resource (what a credentials check fetches). */
function accountResource(sid: string) {
  const base = `/2010-04-01/Accounts/${sid}`;
  return {
    auth_token: null, // the real API never returns it in full either
    date_created: 'Mon, 06 Jan 2025 10:00:00 +0000',
    date_updated: 'Mon, 06 Jan 2025 10:00:00 +0000',
    friendly_name: 'Sandbox account',
    owner_account_sid: sid,
    sid,
    status: 'active',
    subresource_uris: { incoming_phone_numbers: `${base}/IncomingPhoneNumbers.json`, available_phone_numbers: `${base}/AvailablePhoneNumbers.json` },
    type: 'Full',
    uri: `${base}.json`,
  };
}

class Sandbox {
  readonly inventory: TwilioInventory;
  private readonly accounts = new Map<string, string>();
  /** Per AccountSid: a secondary auth token, accepted besides the primary one until promoted. */
  private readonly secondaryTokens = new Map<string, string>();
  /** Released numbers, out of stock while they age (sandbox clock). */
  readonly aging: AgingPool;
  readonly faults = new FaultStore<InjectedFault>();
  /** `at`: when the answer was sent (ms since the epoch). */
  readonly log = new RequestLog<{ method: string; path: string; status: number; at: number }>();
  /** Runs API work one request at a time so check-then-buy is atomic. */
  readonly serialize = serialQueue();
  private readonly failures: FailureDice;
  private owned = new Map<string, Owned>(); // by E.164
  private bySid = new Map<string, Owned>();
  private seqBySid = new Map<string, number>(); // survives release, for page tokens
  private seq = 0;
  private purchases: Record<string, number> = {};
  latencyMs: number;
  transientFailureRate: number;
  accountRateLimitPerSecond: number;
  readonly rateClock: () => number;
  /** Per AccountSid: arrival times (ms) of the API requests admitted within the last second, oldest first. */
  private admitted = new Map<string, number[]>();
  private rateLimited = 0;

  constructor(private readonly opts: TwilioSandboxOptions) {
    for (const a of opts.accounts) {
      if (!ACCOUNT_SID_RE.test(a.accountSid)) throw new Error(`Invalid sandbox AccountSid ${a.accountSid}`);
      this.accounts.set(a.accountSid, a.authToken);
    }
    this.inventory = inventoryFor(opts.seed ?? 0);
    this.aging = new AgingPool(opts);
    this.latencyMs = opts.latencyMs ?? 0;
    this.transientFailureRate = opts.transientFailureRate ?? 0;
    this.accountRateLimitPerSecond = opts.accountRateLimitPerSecond ?? 0;
    this.rateClock = opts.rateClock ?? Date.now;
    this.failures = new FailureDice(opts.seed, 'failures');
  }

  // --- controls ------------------------------------------------------------------------------

  purchaseCounts(): Record<string, number> {
    return { ...this.purchases };
  }

  configure(changes: SandboxConfigChanges): void {
    if (changes.latencyMs !== undefined) this.latencyMs = changes.latencyMs;
    if (changes.transientFailureRate !== undefined) this.transientFailureRate = changes.transientFailureRate;
    if (changes.accountRateLimitPerSecond !== undefined) {
      this.accountRateLimitPerSecond = Math.max(0, changes.accountRateLimitPerSecond);
      this.admitted.clear();
    }
  }

  rateLimitedCount(): number {
    return this.rateLimited;
  }

  /**
   * The account rate limit: true when the request may proceed (and now counts against the
   * account's sliding one-second window), false when it must be answered 429.
   */
  admit(accountSid: string, now = Date.now()): boolean {
    const limit = this.accountRateLimitPerSecond;
    if (!(limit > 0)) return true;
    let times = this.admitted.get(accountSid);
    if (!times) {
      times = [];
      this.admitted.set(accountSid, times);
    }
    let expired = 0;
    while (expired < times.length && (times[expired] as number) <= now - 1000) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit) {
      this.rateLimited++;
      return false;
    }
    times.push(now);
    return true;
  }

  /** Owned (and aging) numbers as plain data, for the state file. */
  snapshot(): SandboxState {
    return { seq: this.seq, owned: [...this.bySid.values()].map((o) => structuredClone(o)), aging: this.aging.snapshot() };
  }

  restore(state: SandboxState): void {
    this.seq = state.seq;
    this.aging.restore(state.aging);
    for (const o of state.owned) {
      this.owned.set(o.resource.phone_number, o);
      this.bySid.set(o.resource.sid, o);
      this.seqBySid.set(o.resource.sid, o.seq);
    }
  }

  reset(): void {
    this.faults.clear();
    this.owned.clear();
    this.bySid.clear();
    this.seqBySid.clear();
    this.purchases = {};
    this.aging.clear();
    this.log.clear();
    this.latencyMs = this.opts.latencyMs ?? 0;
    this.transientFailureRate = this.opts.transientFailureRate ?? 0;
    this.accountRateLimitPerSecond = this.opts.accountRateLimitPerSecond ?? 0;
    this.admitted.clear();
    this.rateLimited = 0;
    this.failures.reset();
  }

  seedOwned(accountSid: string, phoneNumber: string): ProviderResource {
    if (!ACCOUNT_SID_RE.test(accountSid)) throw new Error(`Invalid AccountSid ${accountSid}`);
    const e164 = normalizePhoneNumber(phoneNumber);
    if (!e164) throw new Error(`Invalid phone number ${phoneNumber}`);
    const existing = this.owned.get(e164);
    if (existing) {
      if (existing.resource.account_sid !== accountSid) throw new Error(`${e164} is already owned by ${existing.resource.account_sid}`);
      return structuredClone(existing.resource);
    }
    return structuredClone(this.createOwned(accountSid, e164, this.inventory.lookup(e164), {}).resource);
  }

  rollTransientFailure(): boolean {
    return this.failures.roll(this.transientFailureRate);
  }

  /** AccountLookup: an AccountSid with its auth token (the sandbox has no API keys: those are refused). */
  accountFor(credentials: Record<string, string | undefined>): string | undefined {
    const sid = credentials.accountSid;
    return sid && credentials.authToken && safeEqual(credentials.authToken, this.accounts.get(sid)) ? sid : undefined;
  }

  holds(accountSid: string, phoneNumber: string): boolean {
    return this.owned.get(normalizePhoneNumber(phoneNumber) ?? phoneNumber)?.resource.account_sid === accountSid;
  }

  // --- API -------------------------------------------------------------------------------------

  addSecondaryAuthToken(accountSid: string, authToken: string): void {
    if (!this.accounts.has(accountSid)) throw new Error(`Unknown AccountSid ${accountSid}`);
    if (!/^[0-9a-fA-F]{32}$/.test(authToken)) throw new Error('An auth token is 32 hex characters');
    this.secondaryTokens.set(accountSid, authToken);
  }

  promoteSecondaryAuthToken(accountSid: string): void {
    const token = this.secondaryTokens.get(accountSid);
    if (!token) throw new Error(`${accountSid} has no secondary auth token`);
    this.accounts.set(accountSid, token);
    this.secondaryTokens.delete(accountSid);
  }

  authenticate(req: IncomingMessage): string {
    const credentials = basicCredentials(req.headers.authorization);
    const valid = (user: string, pass: string) =>
      safeEqual(pass, this.accounts.get(user)) || (this.secondaryTokens.has(user) && safeEqual(pass, this.secondaryTokens.get(user)));
    if (!credentials || !valid(credentials.user, credentials.pass)) {
      throw new ApiError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }
    return credentials.user;
  }

  handleApi(method: string, url: URL, route: Route | undefined, authSid: string, rawBody: string, contentType: string): ApiResult {
    const pathname = url.pathname;
    const pathAccount = /^\/2010-04-01\/Accounts\/([^/]+)/.exec(pathname)?.[1];
    if (pathAccount !== undefined && ACCOUNT_SID_RE.test(pathAccount) && pathAccount !== authSid) {
      // Credentials of one account used on another account's URL (twilio.com/docs/errors/20003).
      throw new ApiError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }
    if (!route || route.accountSid !== authSid) throw notFound(pathname);
    if (!route.methods.includes(method)) throw new ApiError(405, 20004, 'Method not allowed');

    let form = new URLSearchParams();
    if (method === 'POST') {
      const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      if (rawBody.length > 0 && type !== 'application/x-www-form-urlencoded') {
        throw new ApiError(400, 20001, `Invalid Content-Type '${contentType || 'none'}': request bodies must be application/x-www-form-urlencoded`);
      }
      form = new URLSearchParams(rawBody);
    }

    switch (route.kind) {
      case 'account':
        return { status: 200, body: accountResource(authSid) };
      case 'available':
        return this.searchAvailable(authSid, route.params.country as string, route.params.type as string, url);
      case 'available-countries':
        return this.listCountries(authSid);
      case 'available-country':
        return this.fetchCountry(authSid, route.params.country as string, pathname);
      case 'incoming-list':
        return method === 'GET' ? this.listIncoming(authSid, url) : this.purchase(authSid, form);
      case 'incoming-one': {
        const owned = this.bySid.get(route.params.sid as string);
        if (!owned || owned.resource.account_sid !== authSid) throw notFound(pathname);
        if (method === 'GET') return { status: 200, body: structuredClone(owned.resource) };
        if (method === 'DELETE') return this.release(owned);
        return this.update(owned, form);
      }
    }
  }

  // Pricing API (phone numbers) ------------------------------------------------------------------

  handlePricing(method: string, url: URL): ApiResult {
    const route = pricingRoute(url.pathname);
    if (!route) throw notFound(url.pathname);
    if (method !== 'GET') throw new ApiError(405, 20004, 'Method not allowed');
    const country = (cc: string) => ({ country: COUNTRY_NAMES[cc] ?? cc, iso_country: cc, url: `${PRICING_ORIGIN}/v1/PhoneNumbers/Countries/${cc}` });
    if (route.country === undefined) {
      const first = `${PRICING_ORIGIN}${T_PRICING_COUNTRIES}?PageSize=50&Page=0`;
      const countries = Object.keys(PHONE_NUMBER_PRICES).sort().map(country);
      return { status: 200, body: { countries, meta: { first_page_url: first, key: 'countries', next_page_url: null, page: 0, page_size: 50, previous_page_url: null, url: first } } };
    }
    // Twilio matches the ISO code whatever its case.
    const cc = route.country.toUpperCase();
    const prices = PHONE_NUMBER_PRICES[cc];
    if (!prices) throw notFound(url.pathname);
    const phone_number_prices = (Object.entries(prices) as [InventoryKind, string][]).map(([kind, price]) => ({
      number_type: PRICING_NUMBER_TYPE[kind] ?? kind.toLowerCase(),
      base_price: price,
      current_price: price,
    }));
    return { status: 200, body: { ...country(cc), phone_number_prices, price_unit: 'USD' } };
  }

  // AvailablePhoneNumbers ------------------------------------------------------------------------

  private countryJson(accountSid: string, cc: string) {
    const base = `/2010-04-01/Accounts/${accountSid}/AvailablePhoneNumbers/${cc}`;
    const kinds = SUPPORTED[cc] ?? [];
    const sub: Record<string, string> = {};
    if (kinds.includes('Local')) sub.local = `${base}/Local.json`;
    if (kinds.includes('TollFree')) sub.toll_free = `${base}/TollFree.json`;
    if (kinds.includes('Mobile')) sub.mobile = `${base}/Mobile.json`;
    return { country_code: cc, country: COUNTRY_NAMES[cc] ?? cc, uri: `${base}.json`, beta: false, subresource_uris: sub };
  }

  private listCountries(accountSid: string): ApiResult {
    return {
      status: 200,
      body: {
        countries: Object.keys(SUPPORTED).map((cc) => this.countryJson(accountSid, cc)),
        uri: `/2010-04-01/Accounts/${accountSid}/AvailablePhoneNumbers.json`,
      },
    };
  }

  private fetchCountry(accountSid: string, cc: string, pathname: string): ApiResult {
    if (!SUPPORTED[cc]) throw notFound(pathname);
    return { status: 200, body: this.countryJson(accountSid, cc) };
  }

  /** Region / postal code / locality / LATA / coordinates of a reference phone number. */
  private reference(value: string): InventoryNumber | undefined {
    const e164 = normalizePhoneNumber(value);
    if (!e164) return undefined;
    const stocked = this.inventory.lookup(e164);
    if (stocked) return stocked;
    if (e164.startsWith('+1')) {
      const area = TwilioInventory.nanpAreaCode(e164.slice(2, 5));
      const first = area ? this.inventory.bucket(`${area.country}:Local:${area.npa}`)[0] : undefined;
      return first;
    }
    return undefined;
  }

  private searchAvailable(accountSid: string, country: string, type: string, url: URL): ApiResult {
    const kind = type as InventoryKind;
    if (!TwilioInventory.supports(country, kind)) throw notFound(url.pathname);
    const q = url.searchParams;
    const filters: Array<(n: InventoryNumber) => boolean> = [];
    const get = (name: string) => {
      const v = q.get(name);
      return v === null || v === '' ? undefined : v;
    };

    const areaCodeRaw = get('AreaCode');
    let areaCode: string | undefined;
    if (areaCodeRaw !== undefined) {
      parseInteger('AreaCode', areaCodeRaw);
      areaCode = areaCodeRaw.trim();
      const ac = areaCode;
      filters.push((n) => n.areaCode === ac || (n.isoCountry === 'GB' && n.nationalNumber.startsWith(ac)));
    }
    const contains = get('Contains');
    if (contains !== undefined) {
      const re = containsRegex(contains);
      const fullRe = contains.trim().startsWith('+') ? re : undefined;
      filters.push((n) => re.test(n.nationalNumber) || (fullRe?.test(n.phoneNumber.slice(1)) ?? false));
    }
    const capability = (param: string, key: 'voice' | 'sms' | 'mms' | 'fax') => {
      const v = get(param);
      if (v === undefined) return;
      const wanted = parseBoolean(param, v);
      filters.push((n) => n.capabilities[key] === wanted);
    };
    capability('SmsEnabled', 'sms');
    capability('MmsEnabled', 'mms');
    capability('VoiceEnabled', 'voice');
    capability('FaxEnabled', 'fax');
    const excludeAll = get('ExcludeAllAddressRequired');
    if (excludeAll !== undefined && parseBoolean('ExcludeAllAddressRequired', excludeAll)) filters.push((n) => n.addressRequirements !== 'any');
    const excludeLocal = get('ExcludeLocalAddressRequired');
    if (excludeLocal !== undefined && parseBoolean('ExcludeLocalAddressRequired', excludeLocal)) filters.push((n) => n.addressRequirements !== 'local');
    const excludeForeign = get('ExcludeForeignAddressRequired');
    if (excludeForeign !== undefined && parseBoolean('ExcludeForeignAddressRequired', excludeForeign)) filters.push((n) => n.addressRequirements !== 'foreign');
    const beta = get('Beta');
    if (beta !== undefined && !parseBoolean('Beta', beta)) filters.push((n) => !n.beta);

    const lower = (s: string | null) => (s ?? '').toLowerCase();
    const inFilter = (param: string, field: 'region' | 'postalCode' | 'locality' | 'rateCenter' | 'lata') => {
      const v = get(param);
      if (v === undefined) return;
      let wanted = v.trim().toLowerCase();
      if (/^\+?[\d\s().-]{10,}$/.test(v.trim())) {
        // "Given a phone number, search within the same <field> as that number."
        const ref = this.reference(v);
        wanted = lower(ref?.[field] ?? null);
        if (!wanted) wanted = '\u0000'; // unknown reference: nothing matches
      }
      filters.push((n) => lower(n[field]) === wanted);
    };
    if (get('InRateCenter') !== undefined && get('InLata') === undefined) {
      throw invalidParam('InRateCenter', 'InLata is required when InRateCenter is set');
    }
    inFilter('InRegion', 'region');
    inFilter('InPostalCode', 'postalCode');
    inFilter('InLocality', 'locality');
    inFilter('InRateCenter', 'rateCenter');
    inFilter('InLata', 'lata');

    const distanceRaw = get('Distance');
    const distance = distanceRaw === undefined ? 25 : Math.min(500, parseInteger('Distance', distanceRaw, 0));
    let near: { lat: number; lon: number } | undefined;
    const nearLatLong = get('NearLatLong');
    if (nearLatLong !== undefined) {
      const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(nearLatLong);
      const lat = m ? Number(m[1]) : NaN;
      const lon = m ? Number(m[2]) : NaN;
      if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180) throw invalidParam('NearLatLong', `'${nearLatLong}' must be 'latitude,longitude'`);
      near = { lat, lon };
    }
    const nearNumber = get('NearNumber');
    if (nearNumber !== undefined) {
      if (!normalizePhoneNumber(nearNumber)) throw invalidParam('NearNumber', `'${nearNumber}' is not a valid phone number`);
      const ref = this.reference(nearNumber);
      near = ref?.latitude && ref.longitude ? { lat: Number(ref.latitude), lon: Number(ref.longitude) } : { lat: 1000, lon: 1000 };
    }
    if (near) {
      const { lat, lon } = near;
      filters.push((n) => n.latitude !== null && n.longitude !== null && lat <= 90 && milesBetween(lat, lon, Number(n.latitude), Number(n.longitude)) <= distance);
    }

    const pageSizeRaw = get('PageSize');
    const pageSize = pageSizeRaw === undefined ? 50 : parseInteger('PageSize', pageSizeRaw, 1, 1000);
    const pageRaw = get('Page');
    const page = pageRaw === undefined ? 0 : parseInteger('Page', pageRaw, 0);

    // Walk the buckets round-robin so an unrestricted search mixes area codes like Twilio does.
    let keys = this.inventory.bucketKeys(country, kind);
    if (areaCode !== undefined && country !== 'GB') keys = keys.filter((k) => k.endsWith(`:${areaCode}`));
    const buckets = keys.map((k) => this.inventory.bucket(k));
    const results: InventoryNumber[] = [];
    const idx = buckets.map(() => 0);
    let active = true;
    while (results.length < pageSize && active) {
      active = false;
      for (let b = 0; b < buckets.length && results.length < pageSize; b++) {
        const bucket = buckets[b] as readonly InventoryNumber[];
        let i = idx[b] as number;
        while (i < bucket.length) {
          const n = bucket[i++] as InventoryNumber;
          if (this.owned.has(n.phoneNumber) || this.aging.isAging(n.phoneNumber) || !filters.every((f) => f(n))) continue;
          results.push(n);
          break;
        }
        idx[b] = i;
        if (i < bucket.length) active = true;
      }
    }

    const uri = `${url.pathname.replace(/^\/2010-04-01\/Accounts\/[^/]+/, `/2010-04-01/Accounts/${accountSid}`)}${url.search}`;
    return {
      status: 200,
      body: {
        end: results.length > 0 ? results.length - 1 : 0,
        first_page_uri: uri,
        next_page_uri: null,
        page,
        page_size: pageSize,
        previous_page_uri: null,
        start: 0,
        uri,
        available_phone_numbers: results.map((n) => ({
          friendly_name: n.friendlyName,
          phone_number: n.phoneNumber,
          lata: n.lata,
          locality: n.locality,
          rate_center: n.rateCenter,
          latitude: n.latitude,
          longitude: n.longitude,
          region: n.region,
          postal_code: n.postalCode,
          iso_country: n.isoCountry,
          address_requirements: n.addressRequirements,
          beta: n.beta,
          // The live API capitalises SMS / MMS here (but not in IncomingPhoneNumbers).
          capabilities: { voice: n.capabilities.voice, SMS: n.capabilities.sms, MMS: n.capabilities.mms, fax: n.capabilities.fax },
        })),
      },
    };
  }

  // IncomingPhoneNumbers -------------------------------------------------------------------------

  private createOwned(accountSid: string, e164: string, inv: InventoryNumber | undefined, changes: ResourceChanges): Owned {
    const now = new Date();
    const sid = newSid('PN');
    const date = rfc2822(now);
    const uri = `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${sid}.json`;
    const resource: ProviderResource = {
      account_sid: accountSid,
      address_sid: null,
      address_requirements: inv?.addressRequirements ?? 'none',
      api_version: API_VERSION,
      beta: inv?.beta ?? false,
      capabilities: inv ? { ...inv.capabilities } : { voice: true, sms: true, mms: e164.startsWith('+1'), fax: false },
      date_created: date,
      date_updated: date,
      friendly_name: inv?.friendlyName ?? nationalFormat(e164),
      identity_sid: null,
      phone_number: e164,
      origin: 'twilio',
      sid,
      sms_application_sid: null,
      sms_fallback_method: 'POST',
      sms_fallback_url: null,
      sms_method: 'POST',
      sms_url: null,
      status_callback: null,
      status_callback_method: 'POST',
      trunk_sid: null,
      uri,
      voice_receive_mode: 'voice',
      voice_application_sid: null,
      voice_caller_id_lookup: false,
      voice_fallback_method: 'POST',
      voice_fallback_url: null,
      voice_method: 'POST',
      voice_url: null,
      emergency_status: 'Inactive',
      emergency_address_sid: null,
      emergency_address_status: 'unregistered',
      bundle_sid: null,
      status: 'in-use',
      type: inv?.twilioType ?? (e164.startsWith('+1') ? 'local' : 'mobile'),
      subresource_uris: { assigned_add_ons: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${sid}/AssignedAddOns.json` },
    };
    Object.assign(resource, changes);
    resource.emergency_address_status = resource.emergency_address_sid ? 'registered' : 'unregistered';
    const owned: Owned = { resource, seq: ++this.seq };
    this.owned.set(e164, owned);
    this.bySid.set(sid, owned);
    this.seqBySid.set(sid, owned.seq);
    return owned;
  }

  private purchase(accountSid: string, form: URLSearchParams): ApiResult {
    const changes = readResourceFields(form);
    const phoneNumber = form.get('PhoneNumber')?.trim() || undefined;
    const areaCode = form.get('AreaCode')?.trim() || undefined;
    let chosen: InventoryNumber | undefined;
    if (phoneNumber !== undefined) {
      const e164 = normalizePhoneNumber(phoneNumber);
      if (!e164) throw new ApiError(400, 21421, 'PhoneNumber is invalid');
      chosen = this.inventory.lookup(e164);
      if (!chosen || this.owned.has(e164) || this.aging.isAging(e164)) throw new ApiError(400, 21422, 'PhoneNumber is not available');
    } else if (areaCode !== undefined) {
      if (!/^[2-9]\d{2}$/.test(areaCode)) throw new ApiError(400, 21451, 'Invalid area code');
      const area = TwilioInventory.nanpAreaCode(areaCode);
      const key = area
        ? `${area.country}:Local:${areaCode}`
        : (US_TOLL_FREE_PREFIXES as readonly string[]).includes(areaCode)
          ? `US:TollFree:${areaCode}`
          : undefined;
      chosen = key ? this.inventory.bucket(key).find((n) => !this.owned.has(n.phoneNumber) && !this.aging.isAging(n.phoneNumber)) : undefined;
      if (!chosen) throw new ApiError(400, 21452, 'No phone numbers found in area code');
    } else {
      throw new ApiError(400, 21421, "A 'PhoneNumber' or 'AreaCode' is required");
    }
    const owned = this.createOwned(accountSid, chosen.phoneNumber, chosen, changes);
    this.purchases[chosen.phoneNumber] = (this.purchases[chosen.phoneNumber] ?? 0) + 1;
    return { status: 201, body: structuredClone(owned.resource) };
  }

  private update(owned: Owned, form: URLSearchParams): ApiResult {
    const target = form.get('AccountSid');
    if (target !== null && target !== '' && target !== owned.resource.account_sid) {
      throw invalidParam('AccountSid', 'transferring numbers between accounts is not supported by the sandbox');
    }
    const changes = readResourceFields(form);
    if (form.has('FriendlyName') && form.get('FriendlyName') === '') changes.friendly_name = nationalFormat(owned.resource.phone_number);
    Object.assign(owned.resource, changes);
    owned.resource.emergency_address_status = owned.resource.emergency_address_sid ? 'registered' : 'unregistered';
    owned.resource.date_updated = rfc2822(new Date());
    return { status: 200, body: structuredClone(owned.resource) };
  }

  private release(owned: Owned): ApiResult {
    this.owned.delete(owned.resource.phone_number);
    this.bySid.delete(owned.resource.sid);
    this.aging.release(owned.resource.phone_number); // out of stock while it ages
    return { status: 204 };
  }

  private listIncoming(accountSid: string, url: URL): ApiResult {
    const q = url.searchParams;
    const get = (name: string) => {
      const v = q.get(name);
      return v === null || v === '' ? undefined : v;
    };
    const filters: Array<(r: ProviderResource) => boolean> = [];
    const keep = new URLSearchParams();

    const friendlyName = get('FriendlyName');
    if (friendlyName !== undefined) {
      filters.push((r) => r.friendly_name === friendlyName);
      keep.set('FriendlyName', friendlyName);
    }
    const beta = get('Beta');
    if (beta !== undefined) {
      if (!parseBoolean('Beta', beta)) filters.push((r) => !r.beta);
      keep.set('Beta', beta);
    }
    const phoneNumber = get('PhoneNumber');
    if (phoneNumber !== undefined) {
      const pattern = phoneNumber.replace(/[^\d*]/g, '');
      if (pattern.replace(/\*/g, '').length === 0) throw invalidParam('PhoneNumber', `'${phoneNumber}' contains no digits`);
      const re = new RegExp(pattern.replace(/\*/g, '\\d'));
      filters.push((r) => re.test(r.phone_number.slice(1)));
      keep.set('PhoneNumber', phoneNumber);
    }
    const origin = get('Origin');
    if (origin !== undefined) {
      filters.push((r) => r.origin === origin);
      keep.set('Origin', origin);
    }
    const pageSizeRaw = get('PageSize');
    const pageSize = pageSizeRaw === undefined ? 50 : parseInteger('PageSize', pageSizeRaw, 1, 1000);
    const pageRaw = get('Page');
    const page = pageRaw === undefined ? 0 : parseInteger('Page', pageRaw, 0);
    const pageToken = get('PageToken');

    const all = [...this.bySid.values()]
      .filter((o) => o.resource.account_sid === accountSid && filters.every((f) => f(o.resource)))
      .sort((a, b) => a.seq - b.seq);

    let items: Owned[];
    let hasMoreAfter: boolean;
    let hasBefore: boolean;
    if (pageToken !== undefined) {
      const m = /^P([AB])(PN[0-9a-fA-F]{32})$/.exec(pageToken);
      const anchor = m ? this.seqBySid.get(m[2] as string) : undefined;
      if (!m || anchor === undefined) throw invalidParam('PageToken', `'${pageToken}' is not a valid page token`);
      if (m[1] === 'A') {
        const after = all.filter((o) => o.seq > anchor);
        items = after.slice(0, pageSize);
        hasMoreAfter = after.length > pageSize;
        hasBefore = all.some((o) => o.seq <= anchor);
      } else {
        const before = all.filter((o) => o.seq < anchor);
        items = before.slice(Math.max(0, before.length - pageSize));
        hasMoreAfter = all.some((o) => o.seq >= anchor);
        hasBefore = before.length > pageSize;
      }
    } else {
      const start = page * pageSize;
      items = all.slice(start, start + pageSize);
      hasMoreAfter = all.length > start + pageSize;
      hasBefore = start > 0 && all.length > 0;
    }

    const base = `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json`;
    const pageUri = (p: number, token?: string) => {
      const params = new URLSearchParams(keep);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(p));
      if (token) params.set('PageToken', token);
      return `${base}?${params.toString()}`;
    };
    const first = items[0];
    const last = items[items.length - 1];
    const start = page * pageSize;
    return {
      status: 200,
      body: {
        end: items.length > 0 ? start + items.length - 1 : start,
        first_page_uri: pageUri(0),
        next_page_uri: hasMoreAfter && last ? pageUri(page + 1, `PA${last.resource.sid}`) : null,
        page,
        page_size: pageSize,
        previous_page_uri: hasBefore && page > 0 && first ? pageUri(page - 1, `PB${first.resource.sid}`) : null,
        start,
        uri: pageUri(page, pageToken),
        incoming_phone_numbers: items.map((o) => structuredClone(o.resource)),
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

const send = jsonSender('application/json; charset=utf-8', () => ({ 'Twilio-Request-Id': `RQ${hex(16)}` }));

export async function startTwilioSandbox(opts: TwilioSandboxOptions): Promise<TwilioSandbox> {
  const sandbox = new Sandbox(opts);
  const restored = readStateFile<SandboxState>(opts.stateFile);
  if (restored) sandbox.restore(restored);
  const saveState = stateSaver(opts.stateFile, () => sandbox.snapshot());

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: errorBody(err.status, err.code, err.message), headers: err.headers };
    console.error('[twilio-sandbox] unexpected error', err);
    return { status: 500, body: errorBody(500, 20500, 'Internal Server Error') };
  };

  const http = new SandboxHttp({
    name: 'twilio-sandbox',
    sandbox,
    send,
    bodyLimit: BODY_LIMIT,
    readBody: (req) => readText(req, BODY_LIMIT),
    errorResult: toResult,
    faultResult: (f: InjectedFault): ApiResult => {
      const [defaultCode, defaultMessage] = DEFAULT_FAULT_MESSAGES[f.status] ?? [20500, 'Injected fault'];
      const headers = retryAfterHeaders(f);
      if (f.status === 401) headers['WWW-Authenticate'] = 'Basic realm="Twilio API"';
      return { status: f.status, body: errorBody(f.status, f.code ?? defaultCode, f.message ?? defaultMessage), headers };
    },
    transientFailure: () =>
      sandbox.rollTransientFailure() ? { status: 503, body: errorBody(503, 20500, 'Service Unavailable: transient failure, please retry') } : undefined,
  });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const isApi = url.pathname.startsWith('/2010-04-01/');
    const isPricing = url.pathname.startsWith('/v1/');
    const route = isApi ? matchRoute(url.pathname) : undefined;
    const template = route?.template ?? (isPricing ? pricingRoute(url.pathname)?.template : undefined) ?? url.pathname;

    // The account rate limit counts requests as they arrive, per authenticated AccountSid
    // (requests that fail authentication are answered 401 below and count against nobody).
    let limited = false;
    if (sandbox.accountRateLimitPerSecond > 0 && isApi) {
      let accountSid: string | undefined;
      try {
        accountSid = sandbox.authenticate(req);
      } catch {
        accountSid = undefined;
      }
      if (accountSid !== undefined) limited = !sandbox.admit(accountSid, sandbox.rateClock());
    }

    await http.run({
      req,
      res,
      method,
      faultPath: url.pathname,
      record: (status) => sandbox.log.record({ method, path: template, status, at: Date.now() }),
      refuse: () =>
        limited
          ? { status: 429, body: errorBody(429, 20429, 'Too Many Requests: the account exceeded its API rate limit'), headers: { 'Retry-After': '1' } }
          : undefined,
      effect: (rawBody) =>
        sandbox.serialize(() =>
          settleApiCall(
            method,
            () => {
              if (!isApi && !isPricing) throw notFound(url.pathname);
              const authSid = sandbox.authenticate(req);
              if (isPricing) return sandbox.handlePricing(method, url);
              return sandbox.handleApi(method, url, route, authSid, rawBody, String(req.headers['content-type'] ?? ''));
            },
            toResult,
            saveState,
          ),
        ),
    });
  }

  const configure = (changes: SandboxConfigChanges) => sandbox.configure(changes);
  const basics = await http.serve(opts, {
    purchases: () => sandbox.purchaseCounts(),
    api: handleApi,
    controls: [
      seedOwnedRoute('accountSid', (accountSid, phoneNumber) => sandbox.seedOwned(accountSid, phoneNumber)),
      configRoute(
        (body) => configure(numberFields(body, ['latencyMs', 'transientFailureRate', 'accountRateLimitPerSecond'])),
        () => ({
          latencyMs: sandbox.latencyMs,
          transientFailureRate: sandbox.transientFailureRate,
          accountRateLimitPerSecond: sandbox.accountRateLimitPerSecond,
        }),
      ),
      clockRoute(sandbox.aging, saveState),
      {
        method: 'POST',
        path: '/__sandbox/auth-tokens',
        run: async (c) => {
          const body = await c.json();
          const sid = jsonText(body.accountSid);
          if (body.promote === true) sandbox.promoteSecondaryAuthToken(sid);
          else sandbox.addSecondaryAuthToken(sid, jsonText(body.authToken));
          return { status: 204 };
        },
      },
      actionRoute('POST', '/__sandbox/reset', () => sandbox.reset()),
    ],
    internalErrorBody: errorBody(500, 20500, 'Internal Server Error'),
  });

  return {
    ...basics,
    purchaseCounts: () => sandbox.purchaseCounts(),
    seedOwned: (accountSid, phoneNumber) => sandbox.seedOwned(accountSid, phoneNumber),
    lookup: { accountFor: (credentials) => sandbox.accountFor(credentials), holds: (account, phoneNumber) => sandbox.holds(account, phoneNumber) },
    configure,
    rateLimitedCount: () => sandbox.rateLimitedCount(),
    advanceClock: (ms) => {
      sandbox.aging.advance(ms);
      saveState();
    },
    addSecondaryAuthToken: (accountSid, authToken) => sandbox.addSecondaryAuthToken(accountSid, authToken),
    promoteSecondaryAuthToken: (accountSid) => sandbox.promoteSecondaryAuthToken(accountSid),
    reset: () => sandbox.reset(),
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

export const DEFAULT_SANDBOX_ACCOUNT: TwilioSandboxAccount = {
  accountSid: 'AC5a9d0e1c7f2b4a6e8d3c5b7a9f1e2d40',
  authToken: '7c1e5a9d3b8f2e6a4c0d9b7f5e3a1c82',
};

runIfMain(import.meta.url, async (argv) => {
  const args = cliArgs(argv);
  const account: TwilioSandboxAccount = {
    accountSid: process.env.TWILIO_SANDBOX_ACCOUNT_SID || DEFAULT_SANDBOX_ACCOUNT.accountSid,
    authToken: process.env.TWILIO_SANDBOX_AUTH_TOKEN || DEFAULT_SANDBOX_ACCOUNT.authToken,
  };
  const options: TwilioSandboxOptions = { ...commonCliOptions(args, 4010, ['failure-rate', 'seed']), accounts: [account] };
  const rateLimit = args.num('rate-limit');
  if (rateLimit !== undefined) options.accountRateLimitPerSecond = rateLimit;
  const sandbox = await startTwilioSandbox(options);
  console.log(`Twilio sandbox listening on ${sandbox.url}`);
  console.log(`  AccountSid ${account.accountSid}`);
  console.log(`  AuthToken  ${account.authToken}`);
  return sandbox;
});
