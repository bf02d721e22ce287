/**
 * A local, faithful fake of the Vonage (Nexmo) Numbers API the platform uses:
 *   GET  /number/search      available numbers (country, type, pattern + search_pattern, features, size, index)
 *   POST /number/buy         form {country, msisdn, target_api_key?}
 *   POST /number/cancel      form {country, msisdn, target_api_key?}
 *   POST /number/update      form {country, msisdn, app_id, moHttpUrl, voiceCallbackType/Value, voiceStatusCallback, ...}
 *   GET  /account/numbers    owned numbers (application_id, has_application, country, pattern, search_pattern, size, index)
 * Contract: ../shared/contracts/vonage/numbers.yml (legacy Nexmo OAS 1.0.20, host rest.nexmo.com).
 *
 * Behaviour (spec first; where the spec is silent, what the live API / SDKs are known to do):
 * - Auth: `api_key` + `api_secret` query parameters (also read from a POST form body, as the live
 *   API accepts). Missing / wrong → 401 {"error-code":"401","error-code-label":"authentication failed"}.
 * - Every answer is JSON. Success of buy / cancel / update: 200 {"error-code":"200","error-code-label":"success"}.
 * - A refused action (number taken or not stocked, cancel / update of a number the account does
 *   not own): HTTP 420 {"error-code":"420","error-code-label":"method failed"}.
 * - Malformed parameters: 400 {"error-code":"400","error-code-label":"<what is wrong>"} (the spec
 *   documents no 400; the live API answers 400 to missing fields).
 * - search_pattern: 0 starts with (the msisdn, country code included), 1 contains, 2 ends with;
 *   default 0 (the spec's default). The pattern is matched literally: no wildcard syntax.
 * - Listings: {count, numbers}; a page with nothing on it is {count} without `numbers` (the live
 *   API answers {"count":0} for an empty result).
 * - /number/update REPLACES the configuration: fields not sent are cleared (Nexmo/nexmo-cli#83).
 *   An Application shows in listings as messagesCallbackType/Value "app" (and voiceCallbackType/Value
 *   "app" unless a sip / tel forward is set), like the spec's `ownednumber` example.
 *
 * Test controls, in-process (the returned VonageSandbox) and over HTTP under /__sandbox/:
 *   GET    /__sandbox/health
 *   GET    /__sandbox/faults            list pending faults
 *   POST   /__sandbox/faults            JSON InjectedFault (times: -1 or null = unlimited)
 *   DELETE /__sandbox/faults
 *   GET    /__sandbox/purchases         purchaseCounts()
 *   GET    /__sandbox/requests          requestLog()
 *   POST   /__sandbox/owned             JSON {apiKey, phoneNumber} -> seedOwned()
 *   POST   /__sandbox/config            JSON {latencyMs?, transientFailureRate?}
 *   POST   /__sandbox/clock             JSON {advanceMs} -> advanceClock(): a cancelled number ages (out of stock) for agingMs
 *   POST   /__sandbox/reset
 *
 * CLI: npx tsx scripts/sandboxes/vonage.ts [--port 4012] [--host 127.0.0.1] [--seed N]
 *        [--latency MS] [--failure-rate 0..1] [--state FILE]
 *      Account from VONAGE_SANDBOX_API_KEY / VONAGE_SANDBOX_API_SECRET, else a fixed default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { perSeed } from './inventory-kit.js';
import {
  AgingPool,
  FailureDice,
  FaultStore,
  RequestLog,
  SandboxHttp,
  actionRoute,
  clockRoute,
  cliArgs,
  commonCliOptions,
  configRoute,
  jsonSender,
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
  thenSave,
  type AccountLookup,
  type AgingOptions,
  type ApiResult,
  type InjectedFault,
  type SandboxBaseOptions,
  type SandboxFailureOptions,
} from './kit.js';
import { VONAGE_TYPES, VonageInventory, type InventoryNumber, type VonageFeature, type VonageType } from './vonage-inventory.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface VonageSandboxAccount {
  apiKey: string;
  apiSecret: string;
}

/** stateFile keeps owned numbers. */
export interface VonageSandboxOptions extends SandboxBaseOptions, SandboxFailureOptions, AgingOptions {
  accounts: VonageSandboxAccount[];
}

/** Same semantics as the Twilio sandbox's InjectedFault; `code` / `message` fill error-code / error-code-label. */
export type { InjectedFault };

/** An owned number as GET /account/numbers lists it (the spec's `ownednumber`). */
export interface VonageOwnedResource {
  country: string;
  msisdn: string;
  type: VonageType;
  features: VonageFeature[];
  moHttpUrl?: string;
  messagesCallbackType?: 'app';
  messagesCallbackValue?: string;
  voiceCallbackType?: 'sip' | 'tel' | 'app';
  voiceCallbackValue?: string;
}

export interface VonageSandbox {
  url: string; // e.g. http://127.0.0.1:PORT
  close(): Promise<void>;
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  /** How many times each E.164 was bought (successful purchases), to prove no double buy. */
  purchaseCounts(): Record<string, number>;
  /** API requests received: method, path (never the query: it carries the credentials), status (0 = dropped). */
  requestLog(): Array<{ method: string; path: string; status: number }>;
  /** Directly own a number (as if bought outside our platform). */
  seedOwned(apiKey: string, phoneNumber: string): VonageOwnedResource;
  /** Its accounts ({apiKey, apiSecret}) and their numbers, for the Vapi sandbox. */
  lookup: AccountLookup;
  /** Change latency / transient failure rate at runtime. */
  configure(changes: { latencyMs?: number; transientFailureRate?: number }): void;
  /** Moves the sandbox clock ahead: a cancelled number is out of stock for agingMs (default 30 days) of it. */
  advanceClock(ms: number): void;
  /** Forget owned numbers, aging numbers, purchase counts, the request log and faults (inventory is deterministic). */
  reset(): void;
}

// ---------------------------------------------------------------------------------------------
// Constants and helpers

const BODY_LIMIT = { maxBytes: 1024 * 1024, tooLarge: () => new ApiError(413, 'Request body too large') };
const MAX_SIZE = 100;
const DEFAULT_SIZE = 10;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FEATURE_VALUES = ['SMS', 'VOICE', 'SMS,VOICE', 'MMS', 'SMS,MMS', 'VOICE,MMS', 'SMS,MMS,VOICE'];

const ROUTES: Record<string, readonly string[]> = {
  '/number/search': ['GET'],
  '/number/buy': ['POST'],
  '/number/cancel': ['POST'],
  '/number/update': ['POST'],
  '/account/numbers': ['GET'],
};

const DEFAULT_FAULT_LABELS: Record<number, string> = {
  400: 'Bad Request',
  401: 'authentication failed',
  403: 'Forbidden',
  404: 'not found',
  420: 'method failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = String(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const responseBody = (code: string, label: string) => ({ 'error-code': code, 'error-code-label': label });
const SUCCESS: ApiResult = { status: 200, body: responseBody('200', 'success') };
const methodFailed = () => new ApiError(420, 'method failed');
const badParam = (message: string) => new ApiError(400, message);
const unauthorized = () => new ApiError(401, 'authentication failed');

function parseInteger(name: string, v: string, min: number, max?: number): number {
  if (!/^-?\d+$/.test(v.trim())) throw badParam(`Invalid parameter ${name}: '${v}' is not an integer`);
  const n = Number(v.trim());
  if (n < min) throw badParam(`Invalid parameter ${name}: must be at least ${min}`);
  if (max !== undefined && n > max) throw badParam(`Invalid parameter ${name}: must be at most ${max}`);
  return n;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** The E.164 number without '+' of a phone string ("+447700900123", "447700900123"), if valid. */
function msisdnOf(raw: string): string | undefined {
  const digits = raw.trim().replace(/^\+/, '');
  if (!/^\d{6,15}$/.test(digits)) return undefined;
  const p = parsePhoneNumberFromString(`+${digits}`);
  return p?.isValid() ? digits : undefined;
}

const inventoryFor = perSeed((seed) => new VonageInventory(seed));

// ---------------------------------------------------------------------------------------------
// The sandbox

interface OwnedConfig {
  appId?: string;
  moHttpUrl?: string;
  moSmppSysType?: string;
  voiceCallbackType?: 'sip' | 'tel';
  voiceCallbackValue?: string;
  voiceStatusCallback?: string;
}

interface Owned {
  apiKey: string;
  seq: number;
  number: InventoryNumber;
  config: OwnedConfig;
}

interface SandboxState {
  seq: number;
  owned: Owned[];
  aging?: ReturnType<AgingPool['snapshot']>;
}

function resourceOf(o: Owned): VonageOwnedResource {
  const r: VonageOwnedResource = { country: o.number.country, msisdn: o.number.msisdn, type: o.number.type, features: [...o.number.features] };
  const c = o.config;
  if (c.moHttpUrl) r.moHttpUrl = c.moHttpUrl;
  if (c.appId) {
    r.messagesCallbackType = 'app';
    r.messagesCallbackValue = c.appId;
  }
  if (c.voiceCallbackType && c.voiceCallbackValue) {
    r.voiceCallbackType = c.voiceCallbackType;
    r.voiceCallbackValue = c.voiceCallbackValue;
  } else if (c.appId) {
    r.voiceCallbackType = 'app';
    r.voiceCallbackValue = c.appId;
  }
  return r;
}

function matchesPattern(msisdn: string, pattern: string | undefined, searchPattern: number): boolean {
  if (pattern === undefined) return true;
  if (searchPattern === 0) return msisdn.startsWith(pattern);
  if (searchPattern === 2) return msisdn.endsWith(pattern);
  return msisdn.includes(pattern);
}

/** pattern / search_pattern / size / index, validated as the spec types them. */
function readPaging(q: URLSearchParams): { pattern?: string; searchPattern: number; size: number; index: number } {
  const get = (name: string) => {
    const v = q.get(name);
    return v === null || v === '' ? undefined : v;
  };
  const sp = get('search_pattern');
  const searchPattern = sp === undefined ? 0 : parseInteger('search_pattern', sp, 0, 2);
  const sizeRaw = get('size');
  const size = sizeRaw === undefined ? DEFAULT_SIZE : parseInteger('size', sizeRaw, 1, MAX_SIZE);
  const indexRaw = get('index');
  const index = indexRaw === undefined ? 1 : parseInteger('index', indexRaw, 1);
  const pattern = get('pattern');
  return { ...(pattern !== undefined ? { pattern } : {}), searchPattern, size, index };
}

function countryParam(q: URLSearchParams | string | null, required: boolean): string | undefined {
  const v = typeof q === 'string' || q === null ? q : q.get('country');
  if (v === null || v === '') {
    if (required) throw badParam('Missing parameter: country');
    return undefined;
  }
  if (!/^[A-Za-z]{2}$/.test(v)) throw badParam(`Invalid parameter country: '${v}' must be a two character ISO 3166-1 alpha-2 code`);
  return v.toUpperCase();
}

class Sandbox {
  readonly inventory: VonageInventory;
  private readonly accounts = new Map<string, string>();
  readonly faults = new FaultStore<InjectedFault>();
  readonly log = new RequestLog<{ method: string; path: string; status: number }>();
  /** Runs API work one request at a time so check-then-buy is atomic. */
  readonly serialize = serialQueue();
  private readonly failures: FailureDice;
  private owned = new Map<string, Owned>(); // by msisdn
  /** Cancelled numbers (by msisdn), out of stock while they age. */
  readonly aging: AgingPool;
  private seq = 0;
  private purchases: Record<string, number> = {};
  latencyMs: number;
  transientFailureRate: number;

  constructor(private readonly opts: VonageSandboxOptions) {
    for (const a of opts.accounts) {
      if (!/^[0-9a-zA-Z]{6,16}$/.test(a.apiKey)) throw new Error(`Invalid sandbox api key ${a.apiKey}`);
      if (a.apiSecret.length < 6) throw new Error('Sandbox api secrets must be at least 6 characters');
      this.accounts.set(a.apiKey, a.apiSecret);
    }
    this.inventory = inventoryFor(opts.seed ?? 0);
    this.aging = new AgingPool(opts);
    this.latencyMs = opts.latencyMs ?? 0;
    this.transientFailureRate = opts.transientFailureRate ?? 0;
    this.failures = new FailureDice(opts.seed, 'vonage-failures');
  }

  // --- controls ------------------------------------------------------------------------------

  purchaseCounts(): Record<string, number> {
    return { ...this.purchases };
  }

  configure(changes: { latencyMs?: number; transientFailureRate?: number }): void {
    if (changes.latencyMs !== undefined) this.latencyMs = changes.latencyMs;
    if (changes.transientFailureRate !== undefined) this.transientFailureRate = changes.transientFailureRate;
  }

  snapshot(): SandboxState {
    return { seq: this.seq, owned: [...this.owned.values()].map((o) => structuredClone(o)), aging: this.aging.snapshot() };
  }

  restore(state: SandboxState): void {
    this.seq = state.seq;
    this.aging.restore(state.aging);
    for (const o of state.owned) this.owned.set(o.number.msisdn, o);
  }

  reset(): void {
    this.faults.clear();
    this.owned.clear();
    this.aging.clear();
    this.purchases = {};
    this.log.clear();
    this.latencyMs = this.opts.latencyMs ?? 0;
    this.transientFailureRate = this.opts.transientFailureRate ?? 0;
    this.failures.reset();
  }

  seedOwned(apiKey: string, phoneNumber: string): VonageOwnedResource {
    if (!this.accounts.has(apiKey)) throw new Error(`Unknown sandbox api key ${apiKey}`);
    const msisdn = msisdnOf(phoneNumber);
    if (!msisdn) throw new Error(`Invalid phone number ${phoneNumber}`);
    const existing = this.owned.get(msisdn);
    if (existing) {
      if (existing.apiKey !== apiKey) throw new Error(`${phoneNumber} is already owned by another account`);
      return resourceOf(existing);
    }
    const stocked = this.inventory.lookup(msisdn);
    const number: InventoryNumber = stocked ?? this.unstocked(msisdn);
    return resourceOf(this.createOwned(apiKey, number));
  }

  /** A number bought outside the sandbox's stock (seedOwned only): type from the numbering plan. */
  private unstocked(msisdn: string): InventoryNumber {
    const p = parsePhoneNumberFromString(`+${msisdn}`);
    const libType = p?.getType();
    const type: VonageType = libType === 'TOLL_FREE' ? 'landline-toll-free' : libType === 'MOBILE' ? 'mobile-lvn' : 'landline';
    return { msisdn, country: p?.country ?? 'ZZ', type, features: ['VOICE', 'SMS'], cost: '1.00' };
  }

  private createOwned(apiKey: string, number: InventoryNumber): Owned {
    const owned: Owned = { apiKey, seq: ++this.seq, number: structuredClone(number), config: {} };
    this.owned.set(number.msisdn, owned);
    return owned;
  }

  rollTransientFailure(): boolean {
    return this.failures.roll(this.transientFailureRate);
  }

  /** AccountLookup: an API key with its secret. */
  accountFor(credentials: Record<string, string | undefined>): string | undefined {
    const key = credentials.apiKey;
    return key && credentials.apiSecret && safeEqual(credentials.apiSecret, this.accounts.get(key)) ? key : undefined;
  }

  holds(apiKey: string, phoneNumber: string): boolean {
    const msisdn = msisdnOf(phoneNumber);
    return !!msisdn && this.owned.get(msisdn)?.apiKey === apiKey;
  }

  // --- API -------------------------------------------------------------------------------------

  /** api_key / api_secret from the query, else from the form body; returns the api key. */
  authenticate(query: URLSearchParams, form: URLSearchParams): string {
    const key = query.get('api_key') ?? form.get('api_key');
    const secret = query.get('api_secret') ?? form.get('api_secret');
    if (!key || secret === null) throw unauthorized();
    if (!safeEqual(secret, this.accounts.get(key))) throw unauthorized();
    return key;
  }

  handleApi(method: string, url: URL, rawBody: string, contentType: string): ApiResult {
    const pathname = url.pathname.replace(/\/+$/, '') || '/';
    const methods = ROUTES[pathname];
    if (!methods) throw new ApiError(404, `The requested resource ${pathname} was not found`);
    let form = new URLSearchParams();
    if (method === 'POST') {
      const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      if (rawBody.length > 0 && type !== 'application/x-www-form-urlencoded') {
        throw new ApiError(415, `Unsupported Content-Type '${contentType || 'none'}': use application/x-www-form-urlencoded`);
      }
      form = new URLSearchParams(rawBody);
    }
    const apiKey = this.authenticate(url.searchParams, form);
    if (!methods.includes(method)) throw new ApiError(405, `Method ${method} not allowed on ${pathname}`);
    switch (pathname) {
      case '/number/search':
        return this.search(url.searchParams);
      case '/account/numbers':
        return this.listOwned(apiKey, url.searchParams);
      case '/number/buy':
        return this.buy(apiKey, form);
      case '/number/cancel':
        return this.cancel(apiKey, form);
      default:
        return this.update(apiKey, form);
    }
  }

  private search(q: URLSearchParams): ApiResult {
    const country = countryParam(q, true) as string;
    const typeRaw = q.get('type') || undefined;
    if (typeRaw !== undefined && !(VONAGE_TYPES as readonly string[]).includes(typeRaw)) {
      throw badParam(`Invalid parameter type: '${typeRaw}' must be one of ${VONAGE_TYPES.join(', ')}`);
    }
    const featuresRaw = q.get('features') || undefined;
    if (featuresRaw !== undefined && !FEATURE_VALUES.includes(featuresRaw)) {
      throw badParam(`Invalid parameter features: '${featuresRaw}' must be one of ${FEATURE_VALUES.join(' | ')}`);
    }
    const wanted = (featuresRaw?.split(',') ?? []) as VonageFeature[];
    const { pattern, searchPattern, size, index } = readPaging(q);
    const matches = this.inventory
      .numbers(country, typeRaw as VonageType | undefined)
      .filter((n) => !this.owned.has(n.msisdn) && !this.aging.isAging(n.msisdn) && matchesPattern(n.msisdn, pattern, searchPattern) && wanted.every((f) => n.features.includes(f)));
    const page = matches.slice((index - 1) * size, index * size);
    // Nothing on this page (or nothing at all): the live API leaves `numbers` out.
    if (page.length === 0) return { status: 200, body: { count: matches.length } };
    return {
      status: 200,
      body: {
        count: matches.length,
        numbers: page.map((n) => ({ country: n.country, msisdn: n.msisdn, type: n.type, cost: n.cost, features: [...n.features] })),
      },
    };
  }

  private listOwned(apiKey: string, q: URLSearchParams): ApiResult {
    const country = countryParam(q, false);
    const appId = q.get('application_id') || undefined;
    const hasAppRaw = q.get('has_application') || undefined;
    if (hasAppRaw !== undefined && hasAppRaw !== 'true' && hasAppRaw !== 'false') {
      throw badParam(`Invalid parameter has_application: '${hasAppRaw}' must be true or false`);
    }
    const { pattern, searchPattern, size, index } = readPaging(q);
    const mine = [...this.owned.values()]
      .filter(
        (o) =>
          o.apiKey === apiKey &&
          (!country || o.number.country === country) &&
          matchesPattern(o.number.msisdn, pattern, searchPattern) &&
          (!appId || o.config.appId === appId) &&
          (hasAppRaw === undefined || (hasAppRaw === 'true') === !!o.config.appId),
      )
      .sort((a, b) => a.seq - b.seq);
    const page = mine.slice((index - 1) * size, index * size);
    if (page.length === 0) return { status: 200, body: { count: mine.length } };
    return { status: 200, body: { count: mine.length, numbers: page.map(resourceOf) } };
  }

  /** country + msisdn of a buy / cancel / update form, and the account it acts for. */
  private target(apiKey: string, form: URLSearchParams): { country: string; msisdn: string; account: string } {
    const country = countryParam(form.get('country'), true) as string;
    const raw = form.get('msisdn');
    if (raw === null || raw === '') throw badParam('Missing parameter: msisdn');
    const target = form.get('target_api_key');
    let account = apiKey;
    if (target !== null && target !== '') {
      // A subaccount of the caller; the sandbox treats every configured account as one.
      if (!this.accounts.has(target)) throw methodFailed();
      account = target;
    }
    return { country, msisdn: raw.trim().replace(/^\+/, ''), account };
  }

  private buy(apiKey: string, form: URLSearchParams): ApiResult {
    const { country, msisdn, account } = this.target(apiKey, form);
    const stocked = /^\d+$/.test(msisdn) ? this.inventory.lookup(msisdn) : undefined;
    // Not stocked, stocked in another country, or owned by anyone: the live API's generic refusal.
    if (!stocked || stocked.country !== country || this.owned.has(msisdn) || this.aging.isAging(msisdn)) throw methodFailed();
    this.createOwned(account, stocked);
    const e164 = `+${msisdn}`;
    this.purchases[e164] = (this.purchases[e164] ?? 0) + 1;
    return SUCCESS;
  }

  private ownedBy(account: string, country: string, msisdn: string): Owned {
    const o = this.owned.get(msisdn);
    if (!o || o.apiKey !== account || o.number.country !== country) throw methodFailed();
    return o;
  }

  private cancel(apiKey: string, form: URLSearchParams): ApiResult {
    const { country, msisdn, account } = this.target(apiKey, form);
    this.ownedBy(account, country, msisdn);
    this.owned.delete(msisdn);
    this.aging.release(msisdn); // out of stock while it ages
    return SUCCESS;
  }

  private update(apiKey: string, form: URLSearchParams): ApiResult {
    const { country, msisdn, account } = this.target(apiKey, form);
    const owned = this.ownedBy(account, country, msisdn);
    const get = (name: string) => {
      const v = form.get(name);
      return v === null || v === '' ? undefined : v.trim();
    };
    const next: OwnedConfig = {};

    const appId = get('app_id');
    if (appId !== undefined) {
      if (!UUID_RE.test(appId)) throw badParam(`Invalid parameter app_id: '${appId}' is not an Application id`);
      next.appId = appId;
    }
    const mo = get('moHttpUrl');
    if (mo !== undefined) {
      if (!isHttpUrl(mo)) throw badParam(`Invalid parameter moHttpUrl: '${mo}' must be an absolute http or https URL`);
      next.moHttpUrl = mo;
    }
    const smpp = get('moSmppSysType');
    if (smpp !== undefined) next.moSmppSysType = smpp;

    const vType = get('voiceCallbackType');
    const vValue = get('voiceCallbackValue');
    if (vType !== undefined && vType !== 'sip' && vType !== 'tel' && vType !== 'app') {
      throw badParam(`Invalid parameter voiceCallbackType: '${vType}' must be sip, tel or app`);
    }
    if (vValue !== undefined && vType === undefined) throw badParam('voiceCallbackValue must be used with voiceCallbackType');
    if (vType === 'sip' || vType === 'tel') {
      if (vValue === undefined) throw badParam(`voiceCallbackType ${vType} must be used with voiceCallbackValue`);
      if (vType === 'sip' && !/^sips?:[^\s@]+@[^\s@]+$/.test(vValue)) throw badParam(`Invalid parameter voiceCallbackValue: '${vValue}' is not a SIP URI`);
      if (vType === 'tel' && !msisdnOf(vValue)) throw badParam(`Invalid parameter voiceCallbackValue: '${vValue}' is not a phone number`);
      next.voiceCallbackType = vType;
      next.voiceCallbackValue = vValue;
    } else if (vType === 'app' && vValue !== undefined) {
      // Deprecated form of app_id.
      if (!UUID_RE.test(vValue)) throw badParam(`Invalid parameter voiceCallbackValue: '${vValue}' is not an Application id`);
      next.appId ??= vValue;
    }
    const status = get('voiceStatusCallback');
    if (status !== undefined) {
      if (!isHttpUrl(status)) throw badParam(`Invalid parameter voiceStatusCallback: '${status}' must be an absolute http or https URL`);
      next.voiceStatusCallback = status;
    }
    const mType = get('messagesCallbackType');
    const mValue = get('messagesCallbackValue');
    if (mType !== undefined || mValue !== undefined) {
      if (mType !== 'app') throw badParam("messagesCallbackType must be 'app' and used with messagesCallbackValue");
      if (mValue === undefined || !UUID_RE.test(mValue)) throw badParam('messagesCallbackValue must be an Application id');
      next.appId ??= mValue; // deprecated form of app_id
    }
    // The configuration is replaced as a whole: what was not sent is cleared.
    owned.config = next;
    return SUCCESS;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

const send = jsonSender('application/json;charset=UTF-8');

export async function startVonageSandbox(opts: VonageSandboxOptions): Promise<VonageSandbox> {
  const sandbox = new Sandbox(opts);
  const restored = readStateFile<SandboxState>(opts.stateFile);
  if (restored) sandbox.restore(restored);
  const saveState = stateSaver(opts.stateFile, () => sandbox.snapshot());

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: responseBody(err.code, err.message), headers: err.headers };
    console.error('[vonage-sandbox] unexpected error', err);
    return { status: 500, body: responseBody('500', 'Internal Server Error') };
  };

  const http = new SandboxHttp({
    name: 'vonage-sandbox',
    sandbox,
    send,
    bodyLimit: BODY_LIMIT,
    readBody: (req) => readText(req, BODY_LIMIT),
    errorResult: toResult,
    faultResult: (f: InjectedFault): ApiResult => {
      const label = f.message ?? DEFAULT_FAULT_LABELS[f.status] ?? 'Injected fault';
      return { status: f.status, body: responseBody(String(f.code ?? f.status), label), headers: retryAfterHeaders(f) };
    },
    transientFailure: () =>
      sandbox.rollTransientFailure() ? { status: 503, body: responseBody('503', 'Service Unavailable: transient failure, please retry') } : undefined,
  });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const logPath = url.pathname; // never the query: it carries api_key / api_secret
    await http.run({
      req,
      res,
      method,
      faultPath: url.pathname,
      record: (status) => sandbox.log.record({ method, path: logPath, status }),
      effect: (rawBody) =>
        sandbox.serialize(() =>
          settleApiCall(method, () => sandbox.handleApi(method, url, rawBody, String(req.headers['content-type'] ?? '')), toResult, saveState),
        ),
    });
  }

  const seedOwned = thenSave(saveState, (apiKey: string, phoneNumber: string) => sandbox.seedOwned(apiKey, phoneNumber));
  const reset = thenSave(saveState, () => sandbox.reset());
  const configure = (changes: { latencyMs?: number; transientFailureRate?: number }) => sandbox.configure(changes);
  const basics = await http.serve(opts, {
    purchases: () => sandbox.purchaseCounts(),
    api: handleApi,
    controls: [
      seedOwnedRoute('apiKey', seedOwned),
      configRoute(
        (body) => configure(numberFields(body, ['latencyMs', 'transientFailureRate'])),
        () => ({ latencyMs: sandbox.latencyMs, transientFailureRate: sandbox.transientFailureRate }),
      ),
      clockRoute(sandbox.aging, saveState),
      actionRoute('POST', '/__sandbox/reset', reset),
    ],
    internalErrorBody: responseBody('500', 'Internal Server Error'),
  });
  const advanceClock = thenSave(saveState, (ms: number) => sandbox.aging.advance(ms));

  const lookup: AccountLookup = { accountFor: (credentials) => sandbox.accountFor(credentials), holds: (account, phoneNumber) => sandbox.holds(account, phoneNumber) };
  return { ...basics, purchaseCounts: () => sandbox.purchaseCounts(), seedOwned, lookup, configure, advanceClock, reset };
}

// ---------------------------------------------------------------------------------------------
// CLI

export const DEFAULT_SANDBOX_ACCOUNT: VonageSandboxAccount = {
  apiKey: 'a1b2c3d4',
  apiSecret: 'Sandb0xSecret42',
};

runIfMain(import.meta.url, async (argv) => {
  const account: VonageSandboxAccount = {
    apiKey: process.env.VONAGE_SANDBOX_API_KEY || DEFAULT_SANDBOX_ACCOUNT.apiKey,
    apiSecret: process.env.VONAGE_SANDBOX_API_SECRET || DEFAULT_SANDBOX_ACCOUNT.apiSecret,
  };
  const options: VonageSandboxOptions = { ...commonCliOptions(cliArgs(argv), 4012, ['failure-rate', 'seed', 'state']), accounts: [account] };
  const sandbox = await startVonageSandbox(options);
  console.log(`Vonage sandbox listening on ${sandbox.url}`);
  console.log(`  api_key    ${account.apiKey}`);
  console.log(`  api_secret ${account.apiSecret}`);
  return sandbox;
});
