/**
 * A local, faithful fake of the parts of Twilio's REST API 2010-04-01 that the platform uses:
 * AvailablePhoneNumbers (Local / TollFree / Mobile) and IncomingPhoneNumbers (list, purchase,
 * fetch, update, release). Contract: ../shared/contracts/twilio/twilio_api_v2010.json.
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
 *   POST   /__sandbox/reset
 *
 * CLI: npx tsx scripts/sandboxes/twilio.ts [--port 4010] [--host 127.0.0.1] [--seed N]
 *        [--latency MS] [--failure-rate 0..1] [--rate-limit PER_SECOND]
 *      Account from TWILIO_SANDBOX_ACCOUNT_SID / TWILIO_SANDBOX_AUTH_TOKEN, else a fixed default.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePhoneNumber } from 'libphonenumber-js/max';
import {
  COUNTRY_NAMES,
  SUPPORTED,
  TwilioInventory,
  US_TOLL_FREE_PREFIXES,
  createRng,
  hashString,
  type InventoryKind,
  type InventoryNumber,
} from './twilio-inventory.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface TwilioSandboxAccount {
  accountSid: string; // AC + 32 hex
  authToken: string; // 32 hex
}

export interface TwilioSandboxOptions {
  host?: string; // default 127.0.0.1
  port?: number; // default 0 (random)
  accounts: TwilioSandboxAccount[];
  /** Added before every API response (default 0). */
  latencyMs?: number;
  /** 0..1: fraction of API requests answered 503 code 20500 WITHOUT taking effect (default 0). */
  transientFailureRate?: number;
  /**
   * Account rate limit (default: none): API requests admitted per AccountSid in any sliding
   * one-second window. Excess requests are answered 429 code 20429 with Retry-After: 1 WITHOUT
   * taking effect (and do not count against the window themselves).
   */
  accountRateLimitPerSecond?: number;
  /** Makes failure injection + inventory deterministic (inventory uses 0 when unset). */
  seed?: number;
  /** Keeps owned numbers across restarts (the dev stack's data folder): loaded at start, saved after each change. */
  stateFile?: string;
}

export interface InjectedFault {
  method?: string;
  /** Regex source matched against the URL path. */
  pathPattern?: string;
  /** How many requests the fault hits; default 1. Infinity (or -1 over HTTP) = until cleared. */
  times?: number;
  status: number;
  code?: number;
  message?: string;
  /**
   * true: the request takes effect (e.g. the number IS bought) and then the fault is answered —
   * simulates an ambiguous failure. false: rejected before any effect.
   */
  afterEffect?: boolean;
  /** Delay before answering (ms); with afterEffect and a big delay this simulates a client timeout after the provider acted. */
  delayMs?: number;
  /** Retry-After header value (seconds). Always sent for 429 (default 1). */
  retryAfterSeconds?: number;
  /** Destroy the connection instead of answering (network failure); combine with afterEffect for an ambiguous reset. */
  dropConnection?: boolean;
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
  requestLog(): Array<{ method: string; path: string; status: number }>;
  /** Directly own a number (as if bought outside our platform). */
  seedOwned(accountSid: string, phoneNumber: string): ProviderResource;
  /** Change latency / transient failure rate / account rate limit (0 = none) at runtime. */
  configure(changes: SandboxConfigChanges): void;
  /** API requests answered 429 by the account rate limit so far (reset() clears it). */
  rateLimitedCount(): number;
  /** Forget owned numbers, purchase counts, the request log and faults (inventory is deterministic). */
  reset(): void;
}

// ---------------------------------------------------------------------------------------------
// Constants and small helpers

const API_VERSION = '2010-04-01';
const ACCOUNT_SID_RE = /^AC[0-9a-fA-F]{32}$/;
const MAX_BODY_BYTES = 1024 * 1024;

const T_AVAILABLE = '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}';
const T_AVAILABLE_COUNTRIES = '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers.json';
const T_AVAILABLE_COUNTRY = '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}.json';
const T_INCOMING_LIST = '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json';
const T_INCOMING_ONE = '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json';

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

interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
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

const KEYPAD: Record<string, string> = {};
for (const [digit, letters] of Object.entries({ 2: 'ABC', 3: 'DEF', 4: 'GHI', 5: 'JKL', 6: 'MNO', 7: 'PQRS', 8: 'TUV', 9: 'WXYZ' })) {
  for (const l of letters) KEYPAD[l] = digit;
}

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
    else src += KEYPAD[ch] ?? '';
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
  try {
    const p = parsePhoneNumber(candidate);
    return p.isValid() ? p.number : undefined;
  } catch {
    return undefined;
  }
}

function nationalFormat(e164: string): string {
  try {
    const p = parsePhoneNumber(e164);
    return p.countryCallingCode === '1' ? p.formatNational() : e164;
  } catch {
    return e164;
  }
}

const inventories = new Map<number, TwilioInventory>();
function inventoryFor(seed: number): TwilioInventory {
  let inv = inventories.get(seed);
  if (!inv) {
    inv = new TwilioInventory(seed);
    inventories.set(seed, inv);
  }
  return inv;
}

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
  return changes as ResourceChanges;
}

// ---------------------------------------------------------------------------------------------
// The sandbox

interface StoredFault {
  fault: InjectedFault;
  remaining: number;
  re: RegExp | undefined;
}

interface Owned {
  resource: ProviderResource;
  seq: number;
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
  private faults: StoredFault[] = [];
  private owned = new Map<string, Owned>(); // by E.164
  private bySid = new Map<string, Owned>();
  private seqBySid = new Map<string, number>(); // survives release, for page tokens
  private seq = 0;
  private purchases: Record<string, number> = {};
  private log: Array<{ method: string; path: string; status: number }> = [];
  private failureRng: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  latencyMs: number;
  transientFailureRate: number;
  accountRateLimitPerSecond: number;
  /** Per AccountSid: arrival times (ms) of the API requests admitted within the last second, oldest first. */
  private admitted = new Map<string, number[]>();
  private rateLimited = 0;

  constructor(private readonly opts: TwilioSandboxOptions) {
    for (const a of opts.accounts) {
      if (!ACCOUNT_SID_RE.test(a.accountSid)) throw new Error(`Invalid sandbox AccountSid ${a.accountSid}`);
      this.accounts.set(a.accountSid, a.authToken);
    }
    this.inventory = inventoryFor(opts.seed ?? 0);
    this.latencyMs = opts.latencyMs ?? 0;
    this.transientFailureRate = opts.transientFailureRate ?? 0;
    this.accountRateLimitPerSecond = opts.accountRateLimitPerSecond ?? 0;
    this.failureRng = this.newFailureRng();
  }

  private newFailureRng(): () => number {
    return this.opts.seed === undefined ? Math.random : createRng(hashString(`${this.opts.seed}|failures`));
  }

  // --- controls ------------------------------------------------------------------------------

  injectFault(f: InjectedFault): void {
    if (!Number.isInteger(f.status) || f.status < 100 || f.status > 599) throw new Error(`Invalid fault status ${f.status}`);
    const times = f.times === undefined ? 1 : f.times === null || f.times < 0 ? Infinity : f.times;
    this.faults.push({ fault: { ...f }, remaining: times, re: f.pathPattern ? new RegExp(f.pathPattern) : undefined });
  }

  clearFaults(): void {
    this.faults = [];
  }

  listFaults(): Array<InjectedFault & { remaining: number | null }> {
    return this.faults.map((s) => ({ ...s.fault, remaining: Number.isFinite(s.remaining) ? s.remaining : null }));
  }

  purchaseCounts(): Record<string, number> {
    return { ...this.purchases };
  }

  requestLog(): Array<{ method: string; path: string; status: number }> {
    return this.log.map((e) => ({ ...e }));
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

  /** Owned numbers as plain data, for the state file. */
  snapshot(): { seq: number; owned: Owned[] } {
    return { seq: this.seq, owned: [...this.bySid.values()].map((o) => structuredClone(o)) };
  }

  restore(state: { seq: number; owned: Owned[] }): void {
    this.seq = state.seq;
    for (const o of state.owned) {
      this.owned.set(o.resource.phone_number, o);
      this.bySid.set(o.resource.sid, o);
      this.seqBySid.set(o.resource.sid, o.seq);
    }
  }

  reset(): void {
    this.faults = [];
    this.owned.clear();
    this.bySid.clear();
    this.seqBySid.clear();
    this.purchases = {};
    this.log = [];
    this.latencyMs = this.opts.latencyMs ?? 0;
    this.transientFailureRate = this.opts.transientFailureRate ?? 0;
    this.accountRateLimitPerSecond = this.opts.accountRateLimitPerSecond ?? 0;
    this.admitted.clear();
    this.rateLimited = 0;
    this.failureRng = this.newFailureRng();
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

  // --- fault / failure machinery -------------------------------------------------------------

  takeFault(method: string, pathname: string): InjectedFault | undefined {
    for (const s of this.faults) {
      if (s.remaining <= 0) continue;
      if (s.fault.method && s.fault.method.toUpperCase() !== method) continue;
      if (s.re && !s.re.test(pathname)) continue;
      s.remaining -= 1;
      this.faults = this.faults.filter((x) => x.remaining > 0);
      return s.fault;
    }
    return undefined;
  }

  rollTransientFailure(): boolean {
    return this.transientFailureRate > 0 && this.failureRng() < this.transientFailureRate;
  }

  record(method: string, path: string, status: number): void {
    this.log.push({ method, path, status });
  }

  /** Runs API work one request at a time so check-then-buy is atomic. */
  serialize<T>(fn: () => T): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // --- API -------------------------------------------------------------------------------------

  authenticate(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m) throw new ApiError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const user = i < 0 ? decoded : decoded.slice(0, i);
    const pass = i < 0 ? '' : decoded.slice(i + 1);
    const token = this.accounts.get(user);
    const a = Buffer.from(pass);
    const b = Buffer.from(token ?? '');
    if (token === undefined || a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new ApiError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }
    return user;
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
          if (this.owned.has(n.phoneNumber) || !filters.every((f) => f(n))) continue;
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
      if (!chosen || this.owned.has(e164)) throw new ApiError(400, 21422, 'PhoneNumber is not available');
    } else if (areaCode !== undefined) {
      if (!/^[2-9]\d{2}$/.test(areaCode)) throw new ApiError(400, 21451, 'Invalid area code');
      const area = TwilioInventory.nanpAreaCode(areaCode);
      const key = area
        ? `${area.country}:Local:${areaCode}`
        : (US_TOLL_FREE_PREFIXES as readonly string[]).includes(areaCode)
          ? `US:TollFree:${areaCode}`
          : undefined;
      chosen = key ? this.inventory.bucket(key).find((n) => !this.owned.has(n.phoneNumber)) : undefined;
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, 20001, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  const common = { 'Twilio-Request-Id': `RQ${hex(16)}`, ...headers };
  if (status === 204 || body === undefined) {
    res.writeHead(status, common);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...common, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startTwilioSandbox(opts: TwilioSandboxOptions): Promise<TwilioSandbox> {
  const sandbox = new Sandbox(opts);
  if (opts.stateFile && existsSync(opts.stateFile)) sandbox.restore(JSON.parse(readFileSync(opts.stateFile, 'utf8')));
  const saveState = () => {
    if (!opts.stateFile) return;
    mkdirSync(path.dirname(opts.stateFile), { recursive: true });
    writeFileSync(opts.stateFile + '.tmp', JSON.stringify(sandbox.snapshot()));
    renameSync(opts.stateFile + '.tmp', opts.stateFile);
  };
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;

  const sleep = (ms: number) =>
    ms <= 0 || closed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const entry = {
            timer: setTimeout(() => {
              timers.delete(entry);
              resolve();
            }, ms),
            resolve,
          };
          timers.add(entry);
        });

  const faultResult = (f: InjectedFault): ApiResult => {
    const [defaultCode, defaultMessage] = DEFAULT_FAULT_MESSAGES[f.status] ?? [20500, 'Injected fault'];
    const headers: Record<string, string> = {};
    if (f.retryAfterSeconds !== undefined || f.status === 429) headers['Retry-After'] = String(f.retryAfterSeconds ?? 1);
    if (f.status === 401) headers['WWW-Authenticate'] = 'Basic realm="Twilio API"';
    return { status: f.status, body: errorBody(f.status, f.code ?? defaultCode, f.message ?? defaultMessage), headers };
  };

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: errorBody(err.status, err.code, err.message), headers: err.headers };
    console.error('[twilio-sandbox] unexpected error', err);
    return { status: 500, body: errorBody(500, 20500, 'Internal Server Error') };
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const route = url.pathname.startsWith('/2010-04-01/') ? matchRoute(url.pathname) : undefined;
    const template = route?.template ?? url.pathname;
    const answer = (r: ApiResult) => {
      sandbox.record(method, template, r.status);
      send(res, r.status, r.body, r.headers);
    };
    const drop = () => {
      sandbox.record(method, template, 0);
      res.socket?.destroy();
    };

    // The account rate limit counts requests as they arrive, per authenticated AccountSid
    // (requests that fail authentication are answered 401 below and count against nobody).
    let limited = false;
    if (sandbox.accountRateLimitPerSecond > 0 && url.pathname.startsWith('/2010-04-01/')) {
      let accountSid: string | undefined;
      try {
        accountSid = sandbox.authenticate(req);
      } catch {
        accountSid = undefined;
      }
      if (accountSid !== undefined) limited = !sandbox.admit(accountSid);
    }

    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch (err) {
      answer(toResult(err));
      return;
    }
    await sleep(sandbox.latencyMs);

    if (limited) {
      answer({
        status: 429,
        body: errorBody(429, 20429, 'Too Many Requests: the account exceeded its API rate limit'),
        headers: { 'Retry-After': '1' },
      });
      return;
    }

    const fault = sandbox.takeFault(method, url.pathname);
    if (fault && !fault.afterEffect) {
      await sleep(fault.delayMs ?? 0);
      if (fault.dropConnection) drop();
      else answer(faultResult(fault));
      return;
    }
    if (sandbox.rollTransientFailure()) {
      answer({ status: 503, body: errorBody(503, 20500, 'Service Unavailable: transient failure, please retry') });
      return;
    }

    const result = await sandbox.serialize(() => {
      try {
        if (!url.pathname.startsWith('/2010-04-01/')) throw notFound(url.pathname);
        const authSid = sandbox.authenticate(req);
        const outcome = sandbox.handleApi(method, url, route, authSid, rawBody, String(req.headers['content-type'] ?? ''));
        if (method !== 'GET' && outcome.status < 300) saveState();
        return outcome;
      } catch (err) {
        return toResult(err);
      }
    });

    if (fault) {
      // afterEffect: the request took effect above; the caller only sees the failure.
      await sleep(fault.delayMs ?? 0);
      if (fault.dropConnection) drop();
      else answer(faultResult(fault));
      return;
    }
    answer(result);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '');
    const json = async (): Promise<Record<string, unknown>> => {
      const raw = await readBody(req);
      if (!raw) return {};
      const v: unknown = JSON.parse(raw);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('JSON object expected');
      return v as Record<string, unknown>;
    };
    try {
      if (path === '/__sandbox/health' && method === 'GET') return send(res, 200, { ok: true });
      if (path === '/__sandbox/faults' && method === 'GET') return send(res, 200, { faults: sandbox.listFaults() });
      if (path === '/__sandbox/faults' && method === 'POST') {
        const body = await json();
        sandbox.injectFault(body as unknown as InjectedFault);
        return send(res, 201, { faults: sandbox.listFaults() });
      }
      if (path === '/__sandbox/faults' && method === 'DELETE') {
        sandbox.clearFaults();
        return send(res, 204, undefined);
      }
      if (path === '/__sandbox/purchases' && method === 'GET') return send(res, 200, sandbox.purchaseCounts());
      if (path === '/__sandbox/requests' && method === 'GET') return send(res, 200, { requests: sandbox.requestLog() });
      if (path === '/__sandbox/owned' && method === 'POST') {
        const body = await json();
        return send(res, 201, sandbox.seedOwned(String(body.accountSid ?? ''), String(body.phoneNumber ?? '')));
      }
      if (path === '/__sandbox/config' && method === 'POST') {
        const body = await json();
        const changes: SandboxConfigChanges = {};
        if (typeof body.latencyMs === 'number') changes.latencyMs = body.latencyMs;
        if (typeof body.transientFailureRate === 'number') changes.transientFailureRate = body.transientFailureRate;
        if (typeof body.accountRateLimitPerSecond === 'number') changes.accountRateLimitPerSecond = body.accountRateLimitPerSecond;
        sandbox.configure(changes);
        return send(res, 200, {
          latencyMs: sandbox.latencyMs,
          transientFailureRate: sandbox.transientFailureRate,
          accountRateLimitPerSecond: sandbox.accountRateLimitPerSecond,
        });
      }
      if (path === '/__sandbox/reset' && method === 'POST') {
        sandbox.reset();
        return send(res, 204, undefined);
      }
      return send(res, 404, { error: `No sandbox control ${method} ${url.pathname}` });
    } catch (err) {
      return send(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const handler = url.pathname.startsWith('/__sandbox/') ? handleControl : handleApi;
    handler(req, res, url).catch((err: unknown) => {
      console.error('[twilio-sandbox] request failed', err);
      send(res, 500, errorBody(500, 20500, 'Internal Server Error'));
    });
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closed = true;
        for (const t of timers) {
          clearTimeout(t.timer);
          t.resolve();
        }
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    injectFault: (f) => sandbox.injectFault(f),
    clearFaults: () => sandbox.clearFaults(),
    purchaseCounts: () => sandbox.purchaseCounts(),
    requestLog: () => sandbox.requestLog(),
    seedOwned: (accountSid, phoneNumber) => sandbox.seedOwned(accountSid, phoneNumber),
    configure: (changes) => sandbox.configure(changes),
    rateLimitedCount: () => sandbox.rateLimitedCount(),
    reset: () => sandbox.reset(),
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

export const DEFAULT_SANDBOX_ACCOUNT: TwilioSandboxAccount = {
  accountSid: 'AC5a9d0e1c7f2b4a6e8d3c5b7a9f1e2d40',
  authToken: '7c1e5a9d3b8f2e6a4c0d9b7f5e3a1c82',
};

async function main(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const inline = argv.find((a) => a.startsWith(`--${name}=`));
    return inline?.slice(name.length + 3);
  };
  const num = (name: string): number | undefined => {
    const v = arg(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
    return n;
  };
  const account: TwilioSandboxAccount = {
    accountSid: process.env.TWILIO_SANDBOX_ACCOUNT_SID || DEFAULT_SANDBOX_ACCOUNT.accountSid,
    authToken: process.env.TWILIO_SANDBOX_AUTH_TOKEN || DEFAULT_SANDBOX_ACCOUNT.authToken,
  };
  const options: TwilioSandboxOptions = { host: arg('host') ?? '127.0.0.1', port: num('port') ?? 4010, accounts: [account] };
  const latency = num('latency');
  const rate = num('failure-rate');
  const seed = num('seed');
  const rateLimit = num('rate-limit');
  if (rateLimit !== undefined) options.accountRateLimitPerSecond = rateLimit;
  if (latency !== undefined) options.latencyMs = latency;
  if (rate !== undefined) options.transientFailureRate = rate;
  if (seed !== undefined) options.seed = seed;
  const sandbox = await startTwilioSandbox(options);
  console.log(`Twilio sandbox listening on ${sandbox.url}`);
  console.log(`  AccountSid ${account.accountSid}`);
  console.log(`  AuthToken  ${account.authToken}`);
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
