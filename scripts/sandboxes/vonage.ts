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
 *   POST   /__sandbox/reset
 *
 * CLI: npx tsx scripts/sandboxes/vonage.ts [--port 4012] [--host 127.0.0.1] [--seed N]
 *        [--latency MS] [--failure-rate 0..1] [--state FILE]
 *      Account from VONAGE_SANDBOX_API_KEY / VONAGE_SANDBOX_API_SECRET, else a fixed default.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { VONAGE_TYPES, VonageInventory, createRng, hashString, type InventoryNumber, type VonageFeature, type VonageType } from './vonage-inventory.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface VonageSandboxAccount {
  apiKey: string;
  apiSecret: string;
}

export interface VonageSandboxOptions {
  host?: string; // default 127.0.0.1
  port?: number; // default 0 (random)
  accounts: VonageSandboxAccount[];
  /** Added before every API response (default 0). */
  latencyMs?: number;
  /** 0..1: fraction of API requests answered 503 WITHOUT taking effect (default 0). */
  transientFailureRate?: number;
  /** Makes failure injection + inventory deterministic (inventory uses 0 when unset). */
  seed?: number;
  /** Keeps owned numbers across restarts: loaded at start, saved after each change. */
  stateFile?: string;
}

/** Same semantics as the Twilio sandbox's InjectedFault; `code` / `message` fill error-code / error-code-label. */
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
  /** Change latency / transient failure rate at runtime. */
  configure(changes: { latencyMs?: number; transientFailureRate?: number }): void;
  /** Forget owned numbers, purchase counts, the request log and faults (inventory is deterministic). */
  reset(): void;
}

// ---------------------------------------------------------------------------------------------
// Constants and helpers

const MAX_BODY_BYTES = 1024 * 1024;
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

interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
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

const inventories = new Map<number, VonageInventory>();
function inventoryFor(seed: number): VonageInventory {
  let inv = inventories.get(seed);
  if (!inv) {
    inv = new VonageInventory(seed);
    inventories.set(seed, inv);
  }
  return inv;
}

// ---------------------------------------------------------------------------------------------
// The sandbox

interface StoredFault {
  fault: InjectedFault;
  remaining: number;
  re: RegExp | undefined;
}

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
  private faults: StoredFault[] = [];
  private owned = new Map<string, Owned>(); // by msisdn
  private seq = 0;
  private purchases: Record<string, number> = {};
  private log: Array<{ method: string; path: string; status: number }> = [];
  private failureRng: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  latencyMs: number;
  transientFailureRate: number;

  constructor(private readonly opts: VonageSandboxOptions) {
    for (const a of opts.accounts) {
      if (!/^[0-9a-zA-Z]{6,16}$/.test(a.apiKey)) throw new Error(`Invalid sandbox api key ${a.apiKey}`);
      if (a.apiSecret.length < 6) throw new Error('Sandbox api secrets must be at least 6 characters');
      this.accounts.set(a.apiKey, a.apiSecret);
    }
    this.inventory = inventoryFor(opts.seed ?? 0);
    this.latencyMs = opts.latencyMs ?? 0;
    this.transientFailureRate = opts.transientFailureRate ?? 0;
    this.failureRng = this.newFailureRng();
  }

  private newFailureRng(): () => number {
    return this.opts.seed === undefined ? Math.random : createRng(hashString(`${this.opts.seed}|vonage-failures`));
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

  configure(changes: { latencyMs?: number; transientFailureRate?: number }): void {
    if (changes.latencyMs !== undefined) this.latencyMs = changes.latencyMs;
    if (changes.transientFailureRate !== undefined) this.transientFailureRate = changes.transientFailureRate;
  }

  snapshot(): { seq: number; owned: Owned[] } {
    return { seq: this.seq, owned: [...this.owned.values()].map((o) => structuredClone(o)) };
  }

  restore(state: { seq: number; owned: Owned[] }): void {
    this.seq = state.seq;
    for (const o of state.owned) this.owned.set(o.number.msisdn, o);
  }

  reset(): void {
    this.faults = [];
    this.owned.clear();
    this.purchases = {};
    this.log = [];
    this.latencyMs = this.opts.latencyMs ?? 0;
    this.transientFailureRate = this.opts.transientFailureRate ?? 0;
    this.failureRng = this.newFailureRng();
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

  /** api_key / api_secret from the query, else from the form body; returns the api key. */
  authenticate(query: URLSearchParams, form: URLSearchParams): string {
    const key = query.get('api_key') ?? form.get('api_key');
    const secret = query.get('api_secret') ?? form.get('api_secret');
    if (!key || secret === null) throw unauthorized();
    const expected = this.accounts.get(key);
    const a = Buffer.from(secret);
    const b = Buffer.from(expected ?? '');
    if (expected === undefined || a.length !== b.length || !timingSafeEqual(a, b)) throw unauthorized();
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
      .filter((n) => !this.owned.has(n.msisdn) && matchesPattern(n.msisdn, pattern, searchPattern) && wanted.every((f) => n.features.includes(f)));
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
    if (!stocked || stocked.country !== country || this.owned.has(msisdn)) throw methodFailed();
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, 'Request body too large'));
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
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startVonageSandbox(opts: VonageSandboxOptions): Promise<VonageSandbox> {
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
    const headers: Record<string, string> = {};
    if (f.retryAfterSeconds !== undefined || f.status === 429) headers['Retry-After'] = String(f.retryAfterSeconds ?? 1);
    const label = f.message ?? DEFAULT_FAULT_LABELS[f.status] ?? 'Injected fault';
    return { status: f.status, body: responseBody(String(f.code ?? f.status), label), headers };
  };

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: responseBody(err.code, err.message), headers: err.headers };
    console.error('[vonage-sandbox] unexpected error', err);
    return { status: 500, body: responseBody('500', 'Internal Server Error') };
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const logPath = url.pathname; // never the query: it carries api_key / api_secret
    const answer = (r: ApiResult) => {
      sandbox.record(method, logPath, r.status);
      send(res, r.status, r.body, r.headers);
    };
    const drop = () => {
      sandbox.record(method, logPath, 0);
      res.socket?.destroy();
    };

    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch (err) {
      answer(toResult(err));
      return;
    }
    await sleep(sandbox.latencyMs);

    const fault = sandbox.takeFault(method, url.pathname);
    if (fault && !fault.afterEffect) {
      await sleep(fault.delayMs ?? 0);
      if (fault.dropConnection) drop();
      else answer(faultResult(fault));
      return;
    }
    if (sandbox.rollTransientFailure()) {
      answer({ status: 503, body: responseBody('503', 'Service Unavailable: transient failure, please retry') });
      return;
    }

    const result = await sandbox.serialize(() => {
      try {
        const outcome = sandbox.handleApi(method, url, rawBody, String(req.headers['content-type'] ?? ''));
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
    const p = url.pathname.replace(/\/+$/, '');
    const json = async (): Promise<Record<string, unknown>> => {
      const raw = await readBody(req);
      if (!raw) return {};
      const v: unknown = JSON.parse(raw);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('JSON object expected');
      return v as Record<string, unknown>;
    };
    try {
      if (p === '/__sandbox/health' && method === 'GET') return send(res, 200, { ok: true });
      if (p === '/__sandbox/faults' && method === 'GET') return send(res, 200, { faults: sandbox.listFaults() });
      if (p === '/__sandbox/faults' && method === 'POST') {
        const body = await json();
        sandbox.injectFault(body as unknown as InjectedFault);
        return send(res, 201, { faults: sandbox.listFaults() });
      }
      if (p === '/__sandbox/faults' && method === 'DELETE') {
        sandbox.clearFaults();
        return send(res, 204, undefined);
      }
      if (p === '/__sandbox/purchases' && method === 'GET') return send(res, 200, sandbox.purchaseCounts());
      if (p === '/__sandbox/requests' && method === 'GET') return send(res, 200, { requests: sandbox.requestLog() });
      if (p === '/__sandbox/owned' && method === 'POST') {
        const body = await json();
        const owned = sandbox.seedOwned(String(body.apiKey ?? ''), String(body.phoneNumber ?? ''));
        saveState();
        return send(res, 201, owned);
      }
      if (p === '/__sandbox/config' && method === 'POST') {
        const body = await json();
        const changes: { latencyMs?: number; transientFailureRate?: number } = {};
        if (typeof body.latencyMs === 'number') changes.latencyMs = body.latencyMs;
        if (typeof body.transientFailureRate === 'number') changes.transientFailureRate = body.transientFailureRate;
        sandbox.configure(changes);
        return send(res, 200, { latencyMs: sandbox.latencyMs, transientFailureRate: sandbox.transientFailureRate });
      }
      if (p === '/__sandbox/reset' && method === 'POST') {
        sandbox.reset();
        saveState();
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
      console.error('[vonage-sandbox] request failed', err);
      send(res, 500, responseBody('500', 'Internal Server Error'));
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
    seedOwned: (apiKey, phoneNumber) => {
      const owned = sandbox.seedOwned(apiKey, phoneNumber);
      saveState();
      return owned;
    },
    configure: (changes) => sandbox.configure(changes),
    reset: () => {
      sandbox.reset();
      saveState();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

export const DEFAULT_SANDBOX_ACCOUNT: VonageSandboxAccount = {
  apiKey: 'a1b2c3d4',
  apiSecret: 'Sandb0xSecret42',
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
  const account: VonageSandboxAccount = {
    apiKey: process.env.VONAGE_SANDBOX_API_KEY || DEFAULT_SANDBOX_ACCOUNT.apiKey,
    apiSecret: process.env.VONAGE_SANDBOX_API_SECRET || DEFAULT_SANDBOX_ACCOUNT.apiSecret,
  };
  const options: VonageSandboxOptions = { host: arg('host') ?? '127.0.0.1', port: num('port') ?? 4012, accounts: [account] };
  const latency = num('latency');
  const rate = num('failure-rate');
  const seed = num('seed');
  const state = arg('state');
  if (latency !== undefined) options.latencyMs = latency;
  if (rate !== undefined) options.transientFailureRate = rate;
  if (seed !== undefined) options.seed = seed;
  if (state) options.stateFile = state;
  const sandbox = await startVonageSandbox(options);
  console.log(`Vonage sandbox listening on ${sandbox.url}`);
  console.log(`  api_key    ${account.apiKey}`);
  console.log(`  api_secret ${account.apiSecret}`);
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
