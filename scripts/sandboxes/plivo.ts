/**
 * A local, faithful fake of the parts of Plivo's v1 REST API that the platform uses: the
 * account (credentials check), PhoneNumber (search, buy) and Number (list, get, update, unrent).
 * Contract: ../../shared/contracts/plivo/README.md (no OpenAPI exists; it transcribes the
 * official SDKs). Base path /v1/Account/{auth_id}/, HTTP Basic auth_id:auth_token, JSON bodies,
 * every path ends with '/'. Error bodies are {api_id, error}.
 *
 * Choices where the notes are silent (documented so tests can rely on them):
 * - A path without its trailing slash is 404 {error: "not found"} (no redirect).
 * - A POST body that is not JSON (Content-Type other than application/json) is 400.
 * - Buying a number that is not in stock is 404 "not found" (what plivo/plivo-node#144 shows);
 *   a stocked number someone already rents is 400 "... is not available for rent".
 * - Numbers with a `restriction` (GB here) are sold as pending orders: the buy answers
 *   status "pending" and the number is an account number at once (compliance_status "pending").
 * - Search `pattern` is matched at the start of the number after the country code; letters
 *   count as keypad digits, '?' is any one digit and '*' any run of digits.
 *
 * Test controls are available in-process (the returned PlivoSandbox) and over HTTP under
 * /__sandbox/ so that another process can drive a sandbox started from the CLI:
 *   GET    /__sandbox/health
 *   GET    /__sandbox/faults            list pending faults
 *   POST   /__sandbox/faults            JSON InjectedFault (times: -1 or null = unlimited)
 *   DELETE /__sandbox/faults
 *   GET    /__sandbox/purchases         purchaseCounts()
 *   GET    /__sandbox/requests          requestLog()
 *   POST   /__sandbox/owned             JSON {authId, phoneNumber} -> seedOwned()
 *   POST   /__sandbox/config            JSON {latencyMs?, transientFailureRate?}
 *   POST   /__sandbox/clock             JSON {advanceMs} -> advanceClock(): an unrented number ages (out of stock) for agingMs
 *   POST   /__sandbox/reset
 *
 * CLI: npx tsx scripts/sandboxes/plivo.ts [--port 4012] [--host 127.0.0.1] [--seed N]
 *        [--latency MS] [--failure-rate 0..1] [--state FILE]
 *      Account from PLIVO_SANDBOX_AUTH_ID / PLIVO_SANDBOX_AUTH_TOKEN, else a fixed default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { patternToDigits } from '../../shared/domain/phone.js';
import { perSeed } from './inventory-kit.js';
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
  type AgingOptions,
  type ApiResult,
  type InjectedFault,
  type SandboxBaseOptions,
  type SandboxFailureOptions,
} from './kit.js';
import { COUNTRY_NAMES, PlivoInventory, STOCKED, type PlivoInventoryNumber, type PlivoKind } from './plivo-inventory.js';

/** Same fault model as the Twilio sandbox (`code` is unused: Plivo errors carry only text). */
export type { InjectedFault };

// ---------------------------------------------------------------------------------------------
// Public API

export interface PlivoSandboxAccount {
  authId: string; // MA/SA + 18 upper-case letters or digits
  authToken: string;
}

/** stateFile keeps owned (and aging) numbers. */
export interface PlivoSandboxOptions extends SandboxBaseOptions, SandboxFailureOptions, AgingOptions {
  accounts: PlivoSandboxAccount[];
}

/** An account phone number as GET Number/{number}/ returns it (README line 16). */
export interface PlivoNumberResource {
  added_on: string;
  active: boolean;
  alias: string | null;
  application: string | null;
  carrier: string;
  city: string | null;
  cnam_lookup: 'enabled' | 'disabled' | null;
  compliance_application_id: string | null;
  compliance_status: string | null;
  country: string;
  mms_enabled: boolean;
  mms_rate: string;
  monthly_rental_rate: string;
  number: string;
  number_type: PlivoKind;
  region: string;
  renewal_date: string;
  resource_uri: string;
  sms_enabled: boolean;
  sms_rate: string;
  sub_account: string | null;
  tendlc_campaign_id: string | null;
  tendlc_registration_status: string | null;
  toll_free_sms_verification: string | null;
  voice_enabled: boolean;
  voice_rate: string;
}

export interface PlivoSandbox {
  url: string; // e.g. http://127.0.0.1:PORT
  close(): Promise<void>;
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  /** How many times each E.164 was bought (successful buys), to prove no double buy. */
  purchaseCounts(): Record<string, number>;
  /** API requests received, as method + path template (e.g. /v1/Account/{auth_id}/PhoneNumber/{number}/). */
  requestLog(): Array<{ method: string; path: string; status: number }>;
  /** Directly rent a number to an account (as if bought outside our platform). */
  seedOwned(authId: string, phoneNumber: string): PlivoNumberResource;
  /** Change latency / transient failure rate at runtime. */
  configure(changes: { latencyMs?: number; transientFailureRate?: number }): void;
  /** Moves the sandbox clock ahead: an unrented number is out of stock for agingMs (default 30 days) of it. */
  advanceClock(ms: number): void;
  /** Forget owned numbers, aging numbers, purchase counts, the request log and faults (inventory is deterministic). */
  reset(): void;
}

// ---------------------------------------------------------------------------------------------
// Constants and small helpers

const AUTH_ID_RE = /^(MA|SA)[A-Z0-9]{18}$/;
const BODY_LIMIT = { maxBytes: 1024 * 1024, tooLarge: () => new ApiError(413, 'request body too large') };
const PAGE_MAX = 20;

const T_ACCOUNT = '/v1/Account/{auth_id}/';
const T_SEARCH = '/v1/Account/{auth_id}/PhoneNumber/';
const T_BUY = '/v1/Account/{auth_id}/PhoneNumber/{number}/';
const T_NUMBERS = '/v1/Account/{auth_id}/Number/';
const T_NUMBER = '/v1/Account/{auth_id}/Number/{number}/';

const DEFAULT_FAULT_MESSAGES: Record<number, string> = {
  400: 'invalid request',
  401: 'authentication failed',
  402: 'insufficient credit to complete this request',
  403: 'forbidden',
  404: 'not found',
  405: 'method not allowed',
  429: 'too many requests',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const errorBody = (message: string) => ({ api_id: randomUUID(), error: message });
const notFound = () => new ApiError(404, 'not found');
const unauthorized = () => new ApiError(401, 'authentication failed', { 'WWW-Authenticate': 'Basic realm="Plivo API"' });
const badRequest = (message: string) => new ApiError(400, message);

/** Plivo search `pattern` → RegExp anchored at the start of the national number. */
function patternRegex(raw: string): RegExp {
  const v = raw.trim();
  if (!/^[0-9A-Za-z*?]{1,16}$/.test(v)) throw badRequest("pattern may only contain A-Z, 0-9, '*' and '?'");
  let src = '^';
  for (const ch of v.toUpperCase()) {
    if (ch === '?') src += '\\d';
    else if (ch === '*') src += '\\d*';
    else if (/[0-9]/.test(ch)) src += ch;
    else src += patternToDigits(ch); // a letter: its keypad digit
  }
  return new RegExp(src);
}

function parseLimitOffset(q: URLSearchParams): { limit: number; offset: number } {
  const limitRaw = q.get('limit');
  const offsetRaw = q.get('offset');
  let limit = PAGE_MAX;
  let offset = 0;
  if (limitRaw !== null && limitRaw !== '') {
    if (!/^\d+$/.test(limitRaw.trim())) throw badRequest('limit must be an integer');
    limit = Number(limitRaw.trim());
    if (limit < 1 || limit > PAGE_MAX) throw badRequest(`The maximum number of results that can be fetched is ${PAGE_MAX}. limit can't be more than ${PAGE_MAX} or less than 1`);
  }
  if (offsetRaw !== null && offsetRaw !== '') {
    if (!/^\d+$/.test(offsetRaw.trim())) throw badRequest("offset must be an integer and can't be negative");
    offset = Number(offsetRaw.trim());
  }
  return { limit, offset };
}

function parseServices(raw: string | null): Array<'voice' | 'sms' | 'mms'> {
  if (raw === null || raw === '') return [];
  const list = raw.split(',').map((s) => s.trim().toLowerCase());
  for (const s of list) if (s !== 'voice' && s !== 'sms' && s !== 'mms') throw badRequest(`invalid services value '${raw}': use voice, sms, mms or a comma-separated combination`);
  return list as Array<'voice' | 'sms' | 'mms'>;
}

/** Plivo list `meta` with next/previous URIs built from the request's own query. */
function meta(base: string, q: URLSearchParams, limit: number, offset: number, total: number) {
  const uri = (o: number) => {
    const params = new URLSearchParams(q);
    params.set('limit', String(limit));
    params.set('offset', String(o));
    return `${base}?${params.toString()}`;
  };
  return {
    limit,
    next: offset + limit < total ? uri(offset + limit) : null,
    offset,
    previous: offset > 0 ? uri(Math.max(0, offset - limit)) : null,
    total_count: total,
  };
}

const today = () => new Date().toISOString().slice(0, 10);
const inOneMonth = (d: string) => {
  const date = new Date(`${d}T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + 1);
  return date.toISOString().slice(0, 10);
};

const titleCase = (s: string) => s.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase());

function countryName(iso: string): string {
  return COUNTRY_NAMES[iso] ?? iso;
}

const inventoryFor = perSeed((seed) => new PlivoInventory(seed));

// ---------------------------------------------------------------------------------------------
// The sandbox

/** An account number: plain data (it goes to the state file). */
interface Owned {
  authId: string;
  number: string;
  e164: string;
  isoCountry: string;
  kind: PlivoKind;
  city: string | null;
  regionName: string | null;
  voice: boolean;
  sms: boolean;
  mms: boolean;
  monthlyRentalRate: string;
  voiceRate: string;
  smsRate: string;
  mmsRate: string;
  alias: string | null;
  appId: string | null;
  cnamLookup: 'enabled' | 'disabled' | null;
  complianceApplicationId: string | null;
  complianceStatus: string | null;
  addedOn: string;
  seq: number;
}

interface SandboxState {
  seq: number;
  owned: Owned[];
  aging?: ReturnType<AgingPool['snapshot']>;
}

interface Route {
  template: string;
  authId: string;
  kind: 'account' | 'search' | 'buy' | 'numbers' | 'number';
  number?: string;
  methods: readonly string[];
}

function matchRoute(pathname: string): Route | undefined {
  let m = /^\/v1\/Account\/([^/]+)\/$/.exec(pathname);
  if (m) return { template: T_ACCOUNT, authId: m[1]!, kind: 'account', methods: ['GET'] };
  m = /^\/v1\/Account\/([^/]+)\/PhoneNumber\/$/.exec(pathname);
  if (m) return { template: T_SEARCH, authId: m[1]!, kind: 'search', methods: ['GET'] };
  m = /^\/v1\/Account\/([^/]+)\/PhoneNumber\/([^/]+)\/$/.exec(pathname);
  if (m) return { template: T_BUY, authId: m[1]!, kind: 'buy', number: decodeURIComponent(m[2]!), methods: ['POST'] };
  m = /^\/v1\/Account\/([^/]+)\/Number\/$/.exec(pathname);
  if (m) return { template: T_NUMBERS, authId: m[1]!, kind: 'numbers', methods: ['GET'] };
  m = /^\/v1\/Account\/([^/]+)\/Number\/([^/]+)\/$/.exec(pathname);
  if (m) return { template: T_NUMBER, authId: m[1]!, kind: 'number', number: decodeURIComponent(m[2]!), methods: ['GET', 'POST', 'DELETE'] };
  return undefined;
}

function accountResource(authId: string) {
  return {
    account_type: 'standard',
    address: '',
    api_id: randomUUID(),
    auth_id: authId,
    auto_recharge: false,
    billing_mode: 'prepaid',
    cash_credits: '25.00000',
    city: '',
    name: 'Sandbox account',
    resource_uri: `/v1/Account/${authId}/`,
    state: '',
    timezone: 'UTC',
  };
}

function searchObject(authId: string, n: PlivoInventoryNumber) {
  const country = countryName(n.isoCountry);
  return {
    number: n.number,
    prefix: n.prefix,
    city: n.city,
    country,
    region: n.regionName ? `${n.regionName}, ${country}` : country,
    rate_center: n.rateCenter,
    lata: n.lata,
    type: n.kind === 'local' ? 'fixed' : n.kind,
    sub_type: n.kind,
    setup_rate: n.setupRate,
    monthly_rental_rate: n.monthlyRentalRate,
    sms_enabled: n.sms,
    sms_rate: n.smsRate,
    voice_enabled: n.voice,
    voice_rate: n.voiceRate,
    mms_enabled: n.mms,
    mms_rate: n.mmsRate,
    restriction: n.restriction,
    restriction_text: n.restrictionText,
    resource_uri: `/v1/Account/${authId}/PhoneNumber/${n.number}/`,
  };
}

function numberResource(o: Owned): PlivoNumberResource {
  const country = titleCase(countryName(o.isoCountry));
  return {
    added_on: o.addedOn,
    active: true,
    alias: o.alias,
    application: o.appId ? `/v1/Account/${o.authId}/Application/${o.appId}/` : null,
    carrier: 'Plivo',
    city: o.city,
    cnam_lookup: o.cnamLookup,
    compliance_application_id: o.complianceApplicationId,
    compliance_status: o.complianceStatus,
    country,
    mms_enabled: o.mms,
    mms_rate: o.mmsRate,
    monthly_rental_rate: o.monthlyRentalRate,
    number: o.number,
    number_type: o.kind,
    region: o.regionName ? `${o.regionName}, ${countryName(o.isoCountry)}` : countryName(o.isoCountry),
    renewal_date: inOneMonth(o.addedOn),
    resource_uri: `/v1/Account/${o.authId}/Number/${o.number}/`,
    sms_enabled: o.sms,
    sms_rate: o.smsRate,
    sub_account: null,
    tendlc_campaign_id: null,
    tendlc_registration_status: o.isoCountry === 'US' && o.kind === 'local' ? 'UNREGISTERED' : null,
    toll_free_sms_verification: o.kind === 'tollfree' ? 'unverified' : null,
    voice_enabled: o.voice,
    voice_rate: o.voiceRate,
  };
}

/** JSON object body of a POST; {} when empty. */
function jsonBody(rawBody: string, contentType: string): Record<string, unknown> {
  if (rawBody.trim() === '') return {};
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json') throw badRequest(`Content-Type '${contentType || 'none'}' is not supported: request bodies must be application/json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw badRequest('request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string, max = 255): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  if (v.length > max) throw badRequest(`${key} must be at most ${max} characters`);
  return v;
}

class Sandbox {
  readonly inventory: PlivoInventory;
  private readonly accounts = new Map<string, string>();
  readonly faults = new FaultStore<InjectedFault>();
  readonly log = new RequestLog<{ method: string; path: string; status: number }>();
  /** Runs API work one request at a time so check-then-buy is atomic. */
  readonly serialize = serialQueue();
  private readonly failures: FailureDice;
  private owned = new Map<string, Owned>(); // by Plivo number (digits)
  /** Unrented numbers (by digits), out of stock while they age. */
  readonly aging: AgingPool;
  private seq = 0;
  private purchases: Record<string, number> = {};
  latencyMs: number;
  transientFailureRate: number;

  constructor(private readonly opts: PlivoSandboxOptions) {
    for (const a of opts.accounts) {
      if (!AUTH_ID_RE.test(a.authId)) throw new Error(`Invalid sandbox authId ${a.authId}`);
      this.accounts.set(a.authId, a.authToken);
    }
    this.inventory = inventoryFor(opts.seed ?? 0);
    this.aging = new AgingPool(opts);
    this.latencyMs = opts.latencyMs ?? 0;
    this.transientFailureRate = opts.transientFailureRate ?? 0;
    this.failures = new FailureDice(opts.seed, 'plivo-failures');
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
    return { seq: this.seq, owned: [...this.owned.values()].map((o) => ({ ...o })), aging: this.aging.snapshot() };
  }

  restore(state: SandboxState): void {
    this.seq = state.seq;
    this.aging.restore(state.aging);
    for (const o of state.owned) this.owned.set(o.number, { ...o });
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

  seedOwned(authId: string, phoneNumber: string): PlivoNumberResource {
    if (!AUTH_ID_RE.test(authId)) throw new Error(`Invalid authId ${authId}`);
    const raw = phoneNumber.trim();
    const parsed = parsePhoneNumberFromString(raw.startsWith('+') ? raw : `+${raw}`);
    if (!parsed?.isValid()) throw new Error(`Invalid phone number ${phoneNumber}`);
    const number = parsed.number.slice(1);
    const existing = this.owned.get(number);
    if (existing) {
      if (existing.authId !== authId) throw new Error(`${parsed.number} is already rented by ${existing.authId}`);
      return numberResource(existing);
    }
    return numberResource(this.createOwned(authId, number, this.inventory.lookup(number)));
  }

  rollTransientFailure(): boolean {
    return this.failures.roll(this.transientFailureRate);
  }

  // --- API -------------------------------------------------------------------------------------

  authenticate(req: IncomingMessage): string {
    const credentials = basicCredentials(req.headers.authorization);
    if (!credentials || !safeEqual(credentials.pass, this.accounts.get(credentials.user))) throw unauthorized();
    return credentials.user;
  }

  handleApi(method: string, url: URL, route: Route | undefined, authId: string, rawBody: string, contentType: string): ApiResult {
    const pathAccount = /^\/v1\/Account\/([^/]+)/.exec(url.pathname)?.[1];
    // One account's credentials on another account's URL.
    if (pathAccount !== undefined && pathAccount !== authId) throw unauthorized();
    if (!route) throw notFound();
    if (!route.methods.includes(method)) throw new ApiError(405, 'method not allowed');
    const body = method === 'POST' ? jsonBody(rawBody, contentType) : {};

    switch (route.kind) {
      case 'account':
        return { status: 200, body: accountResource(authId) };
      case 'search':
        return this.search(authId, url);
      case 'buy':
        return this.buy(authId, route.number!, body);
      case 'numbers':
        return this.listOwned(authId, url);
      case 'number': {
        const owned = this.owned.get(route.number!);
        if (!owned || owned.authId !== authId) throw notFound();
        if (method === 'GET') return { status: 200, body: { api_id: randomUUID(), ...numberResource(owned) } };
        if (method === 'DELETE') {
          this.owned.delete(owned.number);
          this.aging.release(owned.number); // out of stock while it ages
          return { status: 204 };
        }
        return this.update(owned, body);
      }
    }
  }

  // PhoneNumber/ (search) --------------------------------------------------------------------------

  private search(authId: string, url: URL): ApiResult {
    const q = url.searchParams;
    const get = (name: string) => {
      const v = q.get(name);
      return v === null || v.trim() === '' ? undefined : v.trim();
    };
    const countryRaw = get('country_iso');
    if (countryRaw === undefined) throw badRequest('country_iso is required');
    if (!/^[A-Za-z]{2}$/.test(countryRaw)) throw badRequest('country_iso should be of length 2');
    const country = countryRaw.toUpperCase();

    const typeRaw = (get('type') ?? 'any').toLowerCase();
    const kindsByType: Record<string, readonly PlivoKind[]> = {
      any: ['local', 'tollfree', 'mobile'],
      local: ['local'],
      fixed: ['local'],
      tollfree: ['tollfree'],
      'toll-free': ['tollfree'],
      mobile: ['mobile'],
      national: [],
    };
    const kinds = kindsByType[typeRaw];
    if (!kinds) throw badRequest(`invalid type '${typeRaw}': use local, fixed, mobile, national, tollfree or any`);

    const filters: Array<(n: PlivoInventoryNumber) => boolean> = [];
    const pattern = get('pattern');
    if (pattern !== undefined) {
      const re = patternRegex(pattern);
      filters.push((n) => re.test(n.nationalNumber));
    }
    const npanxx = get('npanxx');
    if (npanxx !== undefined) {
      if (!/^\d{6}$/.test(npanxx.replace(/\s/g, ''))) throw badRequest('npanxx must be six digits');
      const prefix = npanxx.replace(/\s/g, '');
      filters.push((n) => (n.isoCountry === 'US' || n.isoCountry === 'CA') && n.nationalNumber.startsWith(prefix));
    }
    const region = get('region');
    if (region !== undefined) {
      if (region.length < 2) throw badRequest('region must be at least 2 characters');
      const r = region.toLowerCase();
      filters.push((n) => {
        if (r.length === 2) return (n.regionCode ?? '').toLowerCase() === r;
        const name = (n.regionName ?? '').toLowerCase();
        return name === r || (name !== '' && name.includes(r));
      });
    }
    for (const s of parseServices(q.get('services'))) filters.push((n) => n[s]);
    const exact = (param: string, field: 'city' | 'rateCenter') => {
      const v = get(param);
      if (v !== undefined) filters.push((n) => (n[field] ?? '').toLowerCase() === v.toLowerCase());
    };
    exact('city', 'city');
    exact('rate_center', 'rateCenter');
    const lata = get('lata');
    if (lata !== undefined) filters.push((n) => n.lata !== null && String(n.lata) === lata);
    const { limit, offset } = parseLimitOffset(q);

    const stocked = STOCKED[country] ?? [];
    const all = kinds
      .filter((k) => stocked.includes(k))
      .flatMap((k) => this.inventory.list(country, k))
      .filter((n) => !this.owned.has(n.number) && !this.aging.isAging(n.number) && filters.every((f) => f(n)));
    const page = all.slice(offset, offset + limit);
    return {
      status: 200,
      body: {
        api_id: randomUUID(),
        meta: meta(`/v1/Account/${authId}/PhoneNumber/`, q, limit, offset, all.length),
        objects: page.map((n) => searchObject(authId, n)),
      },
    };
  }

  // PhoneNumber/{number}/ (buy) --------------------------------------------------------------------

  private createOwned(authId: string, number: string, inv: PlivoInventoryNumber | undefined, fields: Partial<Owned> = {}): Owned {
    const e164 = `+${number}`;
    const parsed = parsePhoneNumberFromString(e164);
    const iso = inv?.isoCountry ?? parsed?.country ?? 'US';
    const type = parsed?.getType();
    const kind: PlivoKind = inv?.kind ?? (type === 'TOLL_FREE' ? 'tollfree' : type === 'MOBILE' ? 'mobile' : 'local');
    const owned: Owned = {
      authId,
      number,
      e164,
      isoCountry: iso,
      kind,
      city: inv?.city ?? null,
      regionName: inv?.regionName ?? null,
      voice: inv?.voice ?? true,
      sms: inv?.sms ?? true,
      mms: inv?.mms ?? iso === 'US',
      monthlyRentalRate: inv?.monthlyRentalRate ?? '0.80000',
      voiceRate: inv?.voiceRate ?? '0.00850',
      smsRate: inv?.smsRate ?? '0.00000',
      mmsRate: inv?.mmsRate ?? '0.00000',
      alias: null,
      appId: null,
      cnamLookup: iso === 'US' ? 'disabled' : null,
      complianceApplicationId: null,
      complianceStatus: null,
      addedOn: today(),
      seq: ++this.seq,
      ...fields,
    };
    this.owned.set(number, owned);
    return owned;
  }

  private buy(authId: string, number: string, body: Record<string, unknown>): ApiResult {
    const appId = optionalString(body, 'app_id', 64);
    const cnam = optionalString(body, 'cnam_lookup');
    if (cnam !== undefined && cnam !== 'enabled' && cnam !== 'disabled') throw badRequest("cnam_lookup must be 'enabled' or 'disabled'");
    const complianceApplicationId = optionalString(body, 'compliance_application_id', 64);
    if (!/^\d{6,15}$/.test(number)) throw notFound();
    if (this.owned.has(number) || this.aging.isAging(number)) throw badRequest(`Number ${number} is not available for rent`);
    const inv = this.inventory.lookup(number);
    if (!inv) throw notFound();
    const pending = inv.restriction !== null;
    const owned = this.createOwned(authId, number, inv, {
      appId: appId || null,
      ...(cnam !== undefined ? { cnamLookup: cnam } : {}),
      complianceApplicationId: complianceApplicationId || null,
      complianceStatus: pending ? 'pending' : null,
    });
    this.purchases[owned.e164] = (this.purchases[owned.e164] ?? 0) + 1;
    return {
      status: 201,
      body: {
        api_id: randomUUID(),
        message: 'created',
        numbers: [{ number, status: pending ? 'Pending' : 'Success' }],
        status: pending ? 'pending' : 'fulfilled',
      },
    };
  }

  // Number/{number}/ (update) ----------------------------------------------------------------------

  private update(owned: Owned, body: Record<string, unknown>): ApiResult {
    const alias = optionalString(body, 'alias', 100);
    const appId = optionalString(body, 'app_id', 64);
    const subaccount = optionalString(body, 'subaccount', 64);
    const cnam = optionalString(body, 'cnam_lookup');
    const complianceApplicationId = optionalString(body, 'compliance_application_id', 64);
    if (subaccount !== undefined && subaccount !== '') throw badRequest(`subaccount ${subaccount} not found`);
    if (cnam !== undefined && cnam !== 'enabled' && cnam !== 'disabled') throw badRequest("cnam_lookup must be 'enabled' or 'disabled'");
    if (alias !== undefined) owned.alias = alias === '' ? null : alias;
    // An empty app_id unlinks the application (Plivo's legacy helpers send app_id '' for that).
    if (appId !== undefined) owned.appId = appId === '' ? null : appId;
    if (cnam !== undefined) owned.cnamLookup = cnam;
    if (complianceApplicationId !== undefined) owned.complianceApplicationId = complianceApplicationId || null;
    return { status: 202, body: { api_id: randomUUID(), message: 'changed' } };
  }

  // Number/ (list) ---------------------------------------------------------------------------------

  private listOwned(authId: string, url: URL): ApiResult {
    const q = url.searchParams;
    const get = (name: string) => {
      const v = q.get(name);
      return v === null || v.trim() === '' ? undefined : v.trim();
    };
    const filters: Array<(o: Owned) => boolean> = [];
    const type = get('type')?.toLowerCase();
    if (type !== undefined) {
      const kindByType: Record<string, PlivoKind | null> = { local: 'local', fixed: 'local', tollfree: 'tollfree', 'toll-free': 'tollfree', mobile: 'mobile', national: null };
      if (!(type in kindByType)) throw badRequest(`invalid type '${type}'`);
      const kind = kindByType[type];
      filters.push((o) => o.kind === kind);
    }
    const startsWith = get('number_startswith');
    if (startsWith !== undefined) {
      const digits = startsWith.replace(/^\+/, '');
      if (!/^\d+$/.test(digits)) throw badRequest('number_startswith must be digits');
      filters.push((o) => o.number.startsWith(digits));
    }
    const alias = q.get('alias');
    if (alias !== null && alias !== '') filters.push((o) => o.alias === alias);
    const subaccount = get('subaccount');
    if (subaccount !== undefined) filters.push(() => false); // the sandbox has no subaccounts
    for (const s of parseServices(q.get('services'))) filters.push((o) => o[s]);
    const { limit, offset } = parseLimitOffset(q);
    const all = [...this.owned.values()].filter((o) => o.authId === authId && filters.every((f) => f(o))).sort((a, b) => a.seq - b.seq);
    return {
      status: 200,
      body: {
        api_id: randomUUID(),
        meta: meta(`/v1/Account/${authId}/Number/`, q, limit, offset, all.length),
        objects: all.slice(offset, offset + limit).map(numberResource),
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

const send = jsonSender('application/json');

export async function startPlivoSandbox(opts: PlivoSandboxOptions): Promise<PlivoSandbox> {
  const sandbox = new Sandbox(opts);
  const restored = readStateFile<SandboxState>(opts.stateFile);
  if (restored) sandbox.restore(restored);
  const saveState = stateSaver(opts.stateFile, () => sandbox.snapshot());

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: errorBody(err.message), headers: err.headers };
    console.error('[plivo-sandbox] unexpected error', err);
    return { status: 500, body: errorBody('internal server error') };
  };

  const http = new SandboxHttp({
    name: 'plivo-sandbox',
    sandbox,
    send,
    bodyLimit: BODY_LIMIT,
    readBody: (req) => readText(req, BODY_LIMIT),
    errorResult: toResult,
    faultResult: (f: InjectedFault): ApiResult => {
      const headers = retryAfterHeaders(f);
      if (f.status === 401) headers['WWW-Authenticate'] = 'Basic realm="Plivo API"';
      return { status: f.status, body: errorBody(f.message ?? DEFAULT_FAULT_MESSAGES[f.status] ?? 'injected fault'), headers };
    },
    transientFailure: () => (sandbox.rollTransientFailure() ? { status: 503, body: errorBody('service unavailable: transient failure, please retry') } : undefined),
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
            () => {
              if (!url.pathname.startsWith('/v1/')) throw notFound();
              const authId = sandbox.authenticate(req);
              return sandbox.handleApi(method, url, route, authId, rawBody, String(req.headers['content-type'] ?? ''));
            },
            toResult,
            saveState,
          ),
        ),
    });
  }

  const seedOwned = thenSave(saveState, (authId: string, phoneNumber: string) => sandbox.seedOwned(authId, phoneNumber));
  const reset = thenSave(saveState, () => sandbox.reset());
  const configure = (changes: { latencyMs?: number; transientFailureRate?: number }) => sandbox.configure(changes);
  const basics = await http.serve(opts, {
    purchases: () => sandbox.purchaseCounts(),
    api: handleApi,
    controls: [
      seedOwnedRoute('authId', seedOwned),
      configRoute(
        (body) => configure(numberFields(body, ['latencyMs', 'transientFailureRate'])),
        () => ({ latencyMs: sandbox.latencyMs, transientFailureRate: sandbox.transientFailureRate }),
      ),
      clockRoute(sandbox.aging, saveState),
      actionRoute('POST', '/__sandbox/reset', reset),
    ],
    internalErrorBody: errorBody('internal server error'),
  });

  const advanceClock = thenSave(saveState, (ms: number) => sandbox.aging.advance(ms));
  return { ...basics, purchaseCounts: () => sandbox.purchaseCounts(), seedOwned, configure, advanceClock, reset };
}

// ---------------------------------------------------------------------------------------------
// CLI

export const DEFAULT_SANDBOX_ACCOUNT: PlivoSandboxAccount = {
  authId: 'MAZDQ1ZTFHNTG4ZJFLNJ',
  authToken: 'ZjJmNDZhMGQ4NzRlYWQ2YTYyZGZkMWU1MTBkMDY4',
};

runIfMain(import.meta.url, async (argv) => {
  const account: PlivoSandboxAccount = {
    authId: process.env.PLIVO_SANDBOX_AUTH_ID || DEFAULT_SANDBOX_ACCOUNT.authId,
    authToken: process.env.PLIVO_SANDBOX_AUTH_TOKEN || DEFAULT_SANDBOX_ACCOUNT.authToken,
  };
  const options: PlivoSandboxOptions = { ...commonCliOptions(cliArgs(argv), 4012, ['failure-rate', 'seed', 'state']), accounts: [account] };
  const sandbox = await startPlivoSandbox(options);
  console.log(`Plivo sandbox listening on ${sandbox.url}`);
  console.log(`  Auth ID    ${account.authId}`);
  console.log(`  Auth Token ${account.authToken}`);
  return sandbox;
});
