/**
 * A local, faithful fake of the parts of Telnyx's API v2 the platform uses: number search,
 * number orders (asynchronous, completed by a signed `number_order.complete` webhook),
 * owned phone numbers, regulatory requirements, requirement groups and documents.
 * Contract: ../shared/contracts/telnyx/spec3.yml. Every API route answers both with and
 * without the `/v2` prefix (production base URL https://api.telnyx.com/v2; Prism serves the
 * spec without it).
 *
 * Errors follow Telnyx: {errors: [{code, title, detail, source?, meta: {url}}]} with the
 * documented codes (10004 missing parameter, 10005 not found, 10009 authentication failed,
 * 10011 too many requests, 10014 unsupported media type, 10015 bad request, 10016 not E.164,
 * 10023 invalid JSON, 10007 unexpected error). Situations Telnyx documents no code for are
 * answered 422 + 10015 with a descriptive detail (number not available, requirement group
 * missing / not approved, requirement values invalid).
 *
 * Realistic quirks on purpose:
 * - filter[administrative_area] is honoured for US numbers only (Telnyx: "US state or CA
 *   province"): elsewhere it is ignored, and results carry their region anyway, so clients
 *   must re-check. `ignoredFilters` makes more filters be ignored.
 * - A `*`/`%` in a phone_number pattern yields no results (Telnyx: wildcards unsupported).
 * - With filter[national_destination_code], starts_with / contains apply after the NDC.
 * - filter[phone_number] on /phone_numbers matches digits only (a '+' matches nothing).
 * - A number order leaves the number `purchase-pending` until the order completes.
 * - Ordering a number whose country/type has requirements (FR/DE/GB/ES local, FR national /
 *   toll-free, DE toll-free) needs an APPROVED requirement group for that country/type — or, for
 *   FR local / national and GB local, one under review: the number is then held
 *   (requirements_status requirement-info-under-review) until the group is decided.
 * - Only numbers in stock are sold (a valid number it never offered is "not available"); a number
 *   the account already holds is "already in your account"; with a `balance`, an order that costs
 *   more than what is left is refused for insufficient funds.
 * - Address requirements take the id of one of the account's addresses (/addresses), never text.
 *
 * Test controls are available in-process (the returned TelnyxSandbox) and over HTTP:
 *   GET    /__sandbox/health
 *   GET    /__sandbox/public-key                  {publicKeyBase64}
 *   GET    /__sandbox/faults | POST (InjectedFault, times -1/null = unlimited) | DELETE
 *   GET    /__sandbox/purchases                   purchaseCounts()
 *   GET    /__sandbox/requests                    requestLog()
 *   POST   /__sandbox/owned                       {phoneNumber, apiKey?} -> seedOwned()
 *   POST   /__sandbox/config                      {latencyMs?, transientFailureRate?, orderCompletion?, webhookDelayMs?, webhookUrl?, ignoredFilters?, balance?}
 *   POST   /__sandbox/reset
 *   POST   /__sandbox/clock                       {advanceMs} -> advanceClock(): a deleted number ages (out of stock) for agingMs
 *   POST   /__sandbox/orders/{id}/complete        {outcome: 'success'|'failure', reason?}
 *   POST   /__sandbox/requirement_groups/{id}/approve
 *   POST   /__sandbox/requirement_groups/{id}/reject   {reason, requirements?: {requirementId: reason}}
 *   GET    /__sandbox/webhooks                    sentWebhooks()
 *   POST   /__sandbox/webhooks                    {url} -> setWebhookUrl()
 *
 * CLI: npx tsx scripts/sandboxes/telnyx.ts [--port 4011] [--host 127.0.0.1] [--seed N]
 *        [--latency MS] [--failure-rate 0..1] [--state FILE] [--webhook-url URL]
 *        [--order-completion immediate|webhook|manual] [--webhook-delay MS]
 *      API key from TELNYX_SANDBOX_API_KEY, else a fixed default. With --state the signing
 *      key pair is kept in the state file, so the public key survives restarts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { telnyxKeyPair, telnyxSignatureHeaders, type TelnyxKeyPair } from '../../shared/providers/telnyx/webhooks.js';
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
  jsonText,
  readBody,
  readStateFile,
  retryAfterHeaders,
  runIfMain,
  safeEqual,
  serialQueue,
  settleApiCall,
  stateSaver,
  thenSave,
  type AccountLookup,
  type AgingOptions,
  type ApiResult,
  type FaultRule,
  type SandboxBaseOptions,
  type SandboxFailureOptions,
} from './kit.js';
import {
  REQUIREMENTS,
  TELNYX_FEATURES,
  TELNYX_NUMBER_TYPES,
  TelnyxInventory,
  ordersWhileUnderReview,
  requirementTypesFor,
  type InventoryNumber,
  type RequirementTypeDef,
  type TelnyxNumberType,
} from './telnyx-inventory.js';
import { boolParam, intParam, lower, paginate, queryMap } from './telnyx-params.js';
import type { AddressRec } from './telnyx-addresses.js';
import { TelnyxRegulatory, type DocumentRec, type Group } from './telnyx-regulatory.js';
import { ApiError, DEFAULT_FAULTS, badRequest, errorBody, missingParam, notFound } from './telnyx-errors.js';

// ---------------------------------------------------------------------------------------------
// Public API

export type OrderCompletion = 'immediate' | 'webhook' | 'manual';

/** stateFile keeps numbers, orders, groups, documents and the signing key. */
export interface TelnyxSandboxOptions extends SandboxBaseOptions, SandboxFailureOptions, AgingOptions {
  /** Accepted Bearer keys; each key is its own account (own numbers, orders, groups, documents). */
  apiKeys: string[];
  /** Where number_order.* webhooks go (none sent while unset). */
  webhookUrl?: string;
  /** 'webhook' mode: delay before a new order completes (default 250 ms). */
  webhookDelayMs?: number;
  /**
   * immediate: the order is `success` in the POST answer (webhook still sent);
   * webhook (default): pending, completes successfully after webhookDelayMs, then the webhook;
   * manual: pending until completeOrder().
   */
  orderCompletion?: OrderCompletion;
  /** Search filters (filter[...] names, e.g. 'locality', 'features') the sandbox ignores, like Telnyx sometimes does. */
  ignoredFilters?: string[];
  /** Signing key: base64 of the 32-byte Ed25519 seed (or PEM). Default: from the state file, else generated. */
  signingPrivateKey?: string;
  /** Each account's balance (the numbers' upfront + monthly cost is taken per order); unset: unlimited. */
  balance?: number;
}

export interface InjectedFault extends FaultRule {
  /** Regex source matched against the URL path WITHOUT the /v2 prefix. */
  pathPattern?: string;
  /** Telnyx error code (string), e.g. '10015'. */
  code?: string;
  title?: string;
  detail?: string;
  /** Retry-After header value (seconds). Always sent for 429 (default 1). */
  retryAfterSeconds?: number;
}

export interface SandboxConfig {
  latencyMs?: number;
  transientFailureRate?: number;
  orderCompletion?: OrderCompletion;
  webhookDelayMs?: number;
  webhookUrl?: string | null;
  ignoredFilters?: string[];
  /** Every account's balance from now on (null: unlimited). */
  balance?: number | null;
}

export interface WebhookDelivery {
  eventId: string;
  eventType: string;
  url: string;
  attempt: number;
  /** HTTP status of the receiver; 0 when the request failed (error set). */
  status: number;
  error?: string;
  body: string;
  headers: Record<string, string>;
  at: string;
}

/** A webhook for sendWebhook(): a full envelope ({data, meta?}) or just the event parts. */
export type SandboxWebhookEvent = { data: Record<string, unknown>; meta?: Record<string, unknown> } | { eventType: string; payload: unknown; id?: string; occurredAt?: string };

/** The PhoneNumberDetailed resource as the sandbox returns it. */
export interface TelnyxPhoneNumberResource {
  id: string;
  record_type: 'phone_number';
  phone_number: string;
  status: string;
  country_iso_alpha2: string;
  phone_number_type: string;
  connection_id: string | null;
  connection_name: string | null;
  messaging_profile_id: string | null;
  messaging_profile_name: string | null;
  customer_reference: string | null;
  billing_group_id: string | null;
  emergency_address_id: string | null;
  emergency_enabled: boolean;
  emergency_status: 'disabled' | 'active';
  external_pin: string | null;
  tags: string[];
  call_forwarding_enabled: boolean;
  call_recording_enabled: boolean;
  caller_id_name_enabled: boolean;
  cnam_listing_enabled: boolean;
  hd_voice_enabled: boolean;
  t38_fax_gateway_enabled: boolean;
  deletion_lock_enabled: boolean;
  inbound_call_screening: 'disabled';
  source_type: 'number_order';
  created_at: string;
  updated_at: string;
  purchased_at: string;
  activated_at: string | null;
}

export interface TelnyxSandbox {
  url: string; // e.g. http://127.0.0.1:PORT (append /v2 or not: both work)
  /** Raw 32-byte Ed25519 public key, base64: what Telnyx publishes (verifyTelnyxSignature takes it). */
  publicKeyBase64: string;
  close(): Promise<void>;
  injectFault(f: InjectedFault): void;
  clearFaults(): void;
  /** Orders accepted per E.164 (an order places the purchase): proves no double buy. */
  purchaseCounts(): Record<string, number>;
  /** API requests received: method, path template without /v2 (e.g. /phone_numbers/{id}), status, v2 prefix used. */
  requestLog(): Array<{ method: string; path: string; status: number; v2: boolean }>;
  /** Directly own an active number (as if bought outside our platform); default the first API key. */
  seedOwned(phoneNumber: string, apiKey?: string): TelnyxPhoneNumberResource;
  /** Its accounts ({apiKey}) and their numbers, for the Vapi sandbox. */
  lookup: AccountLookup;
  configure(changes: SandboxConfig): void;
  /** Forget numbers, orders, groups, documents, counts, the request log, faults and webhook log. */
  reset(): void;
  /** Moves the sandbox clock ahead: a deleted number is out of stock for agingMs (default 30 days) of it. */
  advanceClock(ms: number): void;
  /** Completes a pending order (success: numbers active; failure: numbers released) and sends the webhook. */
  completeOrder(orderId: string, outcome: 'success' | 'failure', reason?: string): Promise<void>;
  /** Approves a group; orders held while it was under review complete (webhooks sent). */
  approveRequirementGroup(id: string): Promise<void>;
  /**
   * Declines a group: the requirements named in `requirements` (requirement id → reason) are declined
   * with their reason (the others approved), or all of them with `reason`; held orders fail.
   */
  rejectRequirementGroup(id: string, reason: string, requirements?: Record<string, string>): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
  /** Every delivery attempt, oldest first. */
  sentWebhooks(): WebhookDelivery[];
  /** Signs and POSTs an event to the webhook URL (or `url`); resolves with the last attempt. */
  sendWebhook(event: SandboxWebhookEvent, options?: { url?: string; attempts?: number }): Promise<WebhookDelivery>;
  /** Resolves when no order completion or webhook delivery is scheduled or in flight. */
  idle(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors and small helpers

const BODY_LIMIT = { maxBytes: 20 * 1024 * 1024, tooLarge: () => new ApiError(413, '10015', 'Bad Request', 'Request body too large') };
const MAX_SEARCH_LIMIT = 100;
const DEFAULT_SEARCH_LIMIT = 10;
const WEBHOOK_ATTEMPTS = 3;


const nowIso = () => new Date().toISOString();
/** A Telnyx-style int64 id ("1293384261075731499"). */
const intId = () => (BigInt('0x' + randomBytes(8).toString('hex')) % 900_000_000_000_000_000n + 1_000_000_000_000_000_000n).toString();
const accountOf = (apiKey: string) => `acct_${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
const E164_RE = /^\+[1-9]\d{6,14}$/;

function validE164(raw: string): string | undefined {
  if (!E164_RE.test(raw)) return undefined;
  const p = parsePhoneNumberFromString(raw);
  return p && p.isValid() ? p.number : undefined;
}

// ---------------------------------------------------------------------------------------------
// State

interface Owned {
  account: string;
  seq: number;
  resource: TelnyxPhoneNumberResource;
  orderId?: string;
}

interface OrderPhone {
  id: string;
  phone_number: string;
  status: 'pending' | 'success' | 'failure';
  country_code: string;
  phone_number_type: string;
  requirement_group_id?: string;
  regulatory_requirements: Array<{ requirement_id: string; field_type: string; field_value: string }>;
  requirements_met: boolean;
  requirements_status: string;
  sub_number_order_id: string;
  status_reason?: string;
}

interface Order {
  id: string;
  account: string;
  status: 'pending' | 'success' | 'failure';
  phone_numbers: OrderPhone[];
  connection_id?: string;
  messaging_profile_id?: string;
  billing_group_id?: string;
  customer_reference?: string;
  sub_number_orders_ids: string[];
  created_at: string;
  updated_at: string;
  failure_reason?: string;
}

interface Snapshot {
  seq: number;
  owned: Owned[];
  orders: Order[];
  groups: Group[];
  documents: DocumentRec[];
  addresses?: AddressRec[];
  balances?: Record<string, number>;
  purchases: Record<string, number>;
  signingPrivateKey: string;
  aging?: ReturnType<AgingPool['snapshot']>;
}

type RouteKind =
  | 'available'
  | 'orders'
  | 'order'
  | 'numbers'
  | 'number'
  | 'number-messaging'
  | 'requirements'
  | 'requirement'
  | 'groups'
  | 'group'
  | 'group-submit'
  | 'documents'
  | 'document'
  | 'addresses'
  | 'address-validate'
  | 'address';

interface Route {
  kind: RouteKind;
  template: string;
  id?: string;
  methods: readonly string[];
}

function matchRoute(pathname: string): Route | undefined {
  const table: Array<[RegExp, RouteKind, string, readonly string[]]> = [
    [/^\/available_phone_numbers$/, 'available', '/available_phone_numbers', ['GET']],
    [/^\/number_orders$/, 'orders', '/number_orders', ['GET', 'POST']],
    [/^\/number_orders\/([^/]+)$/, 'order', '/number_orders/{number_order_id}', ['GET']],
    [/^\/phone_numbers$/, 'numbers', '/phone_numbers', ['GET']],
    [/^\/phone_numbers\/([^/]+)\/messaging$/, 'number-messaging', '/phone_numbers/{id}/messaging', ['GET', 'PATCH']],
    [/^\/phone_numbers\/([^/]+)$/, 'number', '/phone_numbers/{id}', ['GET', 'PATCH', 'DELETE']],
    [/^\/requirements$/, 'requirements', '/requirements', ['GET']],
    [/^\/requirements\/([^/]+)$/, 'requirement', '/requirements/{id}', ['GET']],
    [/^\/requirement_groups$/, 'groups', '/requirement_groups', ['GET', 'POST']],
    [/^\/requirement_groups\/([^/]+)\/submit_for_approval$/, 'group-submit', '/requirement_groups/{id}/submit_for_approval', ['POST']],
    [/^\/requirement_groups\/([^/]+)$/, 'group', '/requirement_groups/{id}', ['GET', 'PATCH', 'DELETE']],
    [/^\/documents$/, 'documents', '/documents', ['POST']],
    [/^\/documents\/([^/]+)$/, 'document', '/documents/{id}', ['GET', 'DELETE']],
    [/^\/addresses$/, 'addresses', '/addresses', ['GET', 'POST']],
    [/^\/addresses\/actions\/validate$/, 'address-validate', '/addresses/actions/validate', ['POST']],
    [/^\/addresses\/([^/]+)$/, 'address', '/addresses/{id}', ['GET', 'DELETE']],
  ];
  for (const [re, kind, template, methods] of table) {
    const m = re.exec(pathname);
    if (m) return { kind, template, methods, ...(m[1] !== undefined ? { id: decodeURIComponent(m[1]) } : {}) };
  }
  return undefined;
}

const inventoryFor = perSeed((seed) => new TelnyxInventory(seed));

class Sandbox {
  readonly inventory: TelnyxInventory;
  readonly keys: Map<string, string>; // account -> api key
  readonly faults = new FaultStore<InjectedFault>();
  readonly log = new RequestLog<{ method: string; path: string; status: number; v2: boolean }>();
  /** Runs API work one request at a time so check-then-buy is atomic. */
  readonly serialize = serialQueue();
  private readonly failures: FailureDice;
  owned = new Map<string, Owned>(); // by E.164
  private ownedById = new Map<string, Owned>();
  /** Deleted numbers (by E.164), out of stock while they age. */
  readonly aging: AgingPool;
  orders = new Map<string, Order>();
  /** Requirements, requirement groups, documents and addresses (telnyx-regulatory.ts). */
  readonly regulatory = new TelnyxRegulatory();
  get groups(): Map<string, Group> {
    return this.regulatory.groups;
  }
  get documents(): Map<string, DocumentRec> {
    return this.regulatory.documents;
  }
  get addressBook() {
    return this.regulatory.addressBook;
  }
  /** Remaining balance per account (absent: unlimited). */
  private balances: Record<string, number> = {};
  private purchases: Record<string, number> = {};
  private seq = 0;
  latencyMs: number;
  transientFailureRate: number;
  orderCompletion: OrderCompletion;
  webhookDelayMs: number;
  webhookUrl: string | undefined;
  ignoredFilters: Set<string>;
  keyPair: TelnyxKeyPair;

  constructor(private readonly opts: TelnyxSandboxOptions) {
    if (opts.apiKeys.length === 0) throw new Error('The Telnyx sandbox needs at least one API key');
    this.keys = new Map(opts.apiKeys.map((k) => [accountOf(k), k]));
    this.inventory = inventoryFor(opts.seed ?? 0);
    this.aging = new AgingPool(opts);
    this.latencyMs = opts.latencyMs ?? 0;
    this.transientFailureRate = opts.transientFailureRate ?? 0;
    this.orderCompletion = opts.orderCompletion ?? 'webhook';
    this.webhookDelayMs = opts.webhookDelayMs ?? 250;
    this.webhookUrl = opts.webhookUrl;
    this.ignoredFilters = new Set(opts.ignoredFilters ?? []);
    this.failures = new FailureDice(opts.seed, 'failures');
    this.setBalances(opts.balance);
    this.keyPair = telnyxKeyPair(opts.signingPrivateKey);
  }

  // --- controls ------------------------------------------------------------------------------

  purchaseCounts(): Record<string, number> {
    return { ...this.purchases };
  }

  configure(changes: SandboxConfig): void {
    if (changes.latencyMs !== undefined) this.latencyMs = changes.latencyMs;
    if (changes.transientFailureRate !== undefined) this.transientFailureRate = changes.transientFailureRate;
    if (changes.orderCompletion !== undefined) {
      if (!['immediate', 'webhook', 'manual'].includes(changes.orderCompletion)) throw new Error(`Invalid orderCompletion ${changes.orderCompletion}`);
      this.orderCompletion = changes.orderCompletion;
    }
    if (changes.webhookDelayMs !== undefined) this.webhookDelayMs = changes.webhookDelayMs;
    if (changes.webhookUrl !== undefined) this.webhookUrl = changes.webhookUrl ?? undefined;
    if (changes.ignoredFilters !== undefined) this.ignoredFilters = new Set(changes.ignoredFilters);
    if (changes.balance !== undefined) this.setBalances(changes.balance);
  }

  private setBalances(balance: number | null | undefined): void {
    this.balances = {};
    if (balance === null || balance === undefined) return;
    if (!Number.isFinite(balance) || balance < 0) throw new Error(`Invalid balance ${balance}`);
    for (const account of this.keys.keys()) this.balances[account] = balance;
  }

  snapshot(): Snapshot {
    return structuredClone({
      seq: this.seq,
      owned: [...this.owned.values()],
      orders: [...this.orders.values()],
      groups: [...this.groups.values()],
      documents: [...this.documents.values()],
      addresses: this.addressBook.snapshot(),
      balances: this.balances,
      purchases: this.purchases,
      signingPrivateKey: this.keyPair.privateKeyBase64,
      aging: this.aging.snapshot(),
    });
  }

  restore(state: Partial<Snapshot>): void {
    this.seq = state.seq ?? 0;
    for (const o of state.owned ?? []) {
      this.owned.set(o.resource.phone_number, o);
      this.ownedById.set(o.resource.id, o);
    }
    for (const o of state.orders ?? []) this.orders.set(o.id, o);
    for (const g of state.groups ?? []) this.groups.set(g.id, g);
    for (const d of state.documents ?? []) this.documents.set(d.id, d);
    this.addressBook.restore(state.addresses);
    this.balances = { ...(state.balances ?? {}) };
    this.purchases = { ...(state.purchases ?? {}) };
    this.aging.restore(state.aging);
    if (state.signingPrivateKey && !this.opts.signingPrivateKey) this.keyPair = telnyxKeyPair(state.signingPrivateKey);
  }

  reset(): void {
    this.faults.clear();
    this.owned.clear();
    this.ownedById.clear();
    this.aging.clear();
    this.orders.clear();
    this.regulatory.clear();
    this.setBalances(this.opts.balance);
    this.purchases = {};
    this.log.clear();
    this.latencyMs = this.opts.latencyMs ?? 0;
    this.transientFailureRate = this.opts.transientFailureRate ?? 0;
    this.orderCompletion = this.opts.orderCompletion ?? 'webhook';
    this.webhookDelayMs = this.opts.webhookDelayMs ?? 250;
    this.webhookUrl = this.opts.webhookUrl;
    this.ignoredFilters = new Set(this.opts.ignoredFilters ?? []);
    this.failures.reset();
  }

  accountForKey(apiKey: string | undefined): string {
    const account = accountOf(apiKey ?? this.opts.apiKeys[0]!);
    if (!this.keys.has(account)) throw new Error('Unknown sandbox API key');
    return account;
  }

  seedOwned(phoneNumber: string, apiKey?: string): TelnyxPhoneNumberResource {
    const account = this.accountForKey(apiKey);
    const e164 = validE164(phoneNumber);
    if (!e164) throw new Error(`Invalid phone number ${phoneNumber}`);
    const existing = this.owned.get(e164);
    if (existing) {
      if (existing.account !== account) throw new Error(`${e164} is already owned by another account`);
      return structuredClone(existing.resource);
    }
    const owned = this.createOwned(account, e164, this.inventory.describe(e164), {}, 'active');
    return structuredClone(owned.resource);
  }

  rollTransientFailure(): boolean {
    return this.failures.roll(this.transientFailureRate);
  }

  /** AccountLookup: an API key the sandbox knows. */
  accountFor(credentials: Record<string, string | undefined>): string | undefined {
    const key = credentials.apiKey;
    if (!key) return undefined;
    const account = accountOf(key);
    return safeEqual(key, this.keys.get(account)) ? account : undefined;
  }

  holds(account: string, phoneNumber: string): boolean {
    const owned = this.owned.get(phoneNumber);
    return owned?.account === account && owned.resource.status === 'active';
  }

  authenticate(req: IncomingMessage): string {
    const header = String(req.headers.authorization ?? '');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const unauthorized = () => new ApiError(401, '10009', 'Authentication failed', 'Could not understand the provided credentials.');
    if (!m) throw unauthorized();
    const account = accountOf(m[1]!);
    if (!safeEqual(m[1]!, this.keys.get(account))) throw unauthorized();
    return account;
  }

  // --- owned numbers -------------------------------------------------------------------------

  private createOwned(account: string, e164: string, described: InventoryNumber | undefined, fields: Partial<TelnyxPhoneNumberResource>, status: string): Owned {
    const now = nowIso();
    const parsed = parsePhoneNumberFromString(e164);
    const resource: TelnyxPhoneNumberResource = {
      id: intId(),
      record_type: 'phone_number',
      phone_number: e164,
      status,
      country_iso_alpha2: described?.country ?? parsed?.country ?? 'US',
      phone_number_type: described?.type ?? 'local',
      connection_id: null,
      connection_name: null,
      messaging_profile_id: null,
      messaging_profile_name: null,
      customer_reference: null,
      billing_group_id: null,
      emergency_address_id: null,
      emergency_enabled: false,
      emergency_status: 'disabled',
      external_pin: null,
      tags: [],
      call_forwarding_enabled: true,
      call_recording_enabled: false,
      caller_id_name_enabled: false,
      cnam_listing_enabled: false,
      hd_voice_enabled: false,
      t38_fax_gateway_enabled: false,
      deletion_lock_enabled: false,
      inbound_call_screening: 'disabled',
      source_type: 'number_order',
      created_at: now,
      updated_at: now,
      purchased_at: now,
      activated_at: status === 'active' ? now : null,
      ...fields,
    };
    const owned: Owned = { account, seq: ++this.seq, resource };
    this.owned.set(e164, owned);
    this.ownedById.set(resource.id, owned);
    return owned;
  }

  private removeOwned(o: Owned): void {
    this.owned.delete(o.resource.phone_number);
    this.ownedById.delete(o.resource.id);
  }

  private ownedFor(account: string, id: string): Owned {
    const o = this.ownedById.get(id);
    if (!o || o.account !== account) throw notFound(`Phone number ${id} not found`);
    return o;
  }

  // --- API -------------------------------------------------------------------------------------

  handleApi(method: string, url: URL, pathname: string, route: Route | undefined, account: string, rawBody: Buffer, contentType: string): ApiResult {
    if (!route) throw notFound();
    if (!route.methods.includes(method)) throw new ApiError(405, '10015', 'Method not allowed', `${method} is not allowed on ${route.template}`);
    const q = queryMap(url);
    const media = contentType.split(';')[0]!.trim().toLowerCase();
    const json = (): Record<string, unknown> => {
      if (rawBody.length === 0) return {};
      if (media !== 'application/json') throw new ApiError(415, '10014', 'Unsupported Media Type', `Content-Type '${contentType || 'none'}' is not supported: send application/json`);
      let v: unknown;
      try {
        v = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw new ApiError(400, '10023', 'Invalid JSON', 'The request body is not valid JSON.');
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, '10023', 'Invalid JSON', 'The request body must be a JSON object.');
      return v as Record<string, unknown>;
    };

    switch (route.kind) {
      case 'available':
        return this.search(account, q);
      case 'orders':
        return method === 'GET' ? this.listOrders(account, q) : this.createOrder(account, json());
      case 'order': {
        const order = this.orders.get(route.id!);
        if (!order || order.account !== account) throw notFound(`Number order ${route.id} not found`);
        return { status: 200, body: { data: this.renderOrder(order) } };
      }
      case 'numbers':
        return this.listNumbers(account, q);
      case 'number': {
        const o = this.ownedFor(account, route.id!);
        if (method === 'GET') return { status: 200, body: { data: structuredClone(o.resource) } };
        if (method === 'DELETE') return this.deleteNumber(o);
        return this.updateNumber(o, json());
      }
      case 'number-messaging': {
        const o = this.ownedFor(account, route.id!);
        if (method === 'PATCH') this.updateMessaging(o, json());
        return { status: 200, body: { data: this.renderMessaging(o) } };
      }
      case 'requirements':
        return this.regulatory.listRequirements(q);
      case 'requirement': {
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(route.id!)) throw badRequest('id must be a UUID', { parameter: 'id' });
        const r = REQUIREMENTS.find((x) => x.id === route.id);
        if (!r) throw notFound(`Requirement ${route.id} not found`);
        return { status: 200, body: { data: this.regulatory.renderRequirement(r) } };
      }
      case 'groups':
        return method === 'GET' ? this.regulatory.listGroups(account, q) : this.regulatory.createGroup(account, json());
      case 'group': {
        const g = this.regulatory.groupFor(account, route.id!);
        if (method === 'GET') return { status: 200, body: this.regulatory.renderGroup(g) };
        if (method === 'DELETE') {
          this.groups.delete(g.id);
          return { status: 200, body: this.regulatory.renderGroup(g) };
        }
        return this.regulatory.updateGroup(g, json());
      }
      case 'group-submit':
        return this.regulatory.submitGroup(this.regulatory.groupFor(account, route.id!));
      case 'documents':
        return this.regulatory.createDocument(account, rawBody, contentType, media === 'multipart/form-data' ? undefined : json());
      case 'addresses':
        return method === 'GET' ? this.addressBook.list(account, q) : this.addressBook.create(account, json());
      case 'address-validate':
        return this.addressBook.validate(json());
      case 'address':
        if (method === 'DELETE') {
          return this.addressBook.delete(account, route.id!, (id) =>
            [...this.groups.values()].some((g) => g.account === account && g.regulatory_requirements.some((v) => v.field_type === 'address' && v.field_value === id)),
          );
        }
        return this.addressBook.get(account, route.id!);
      case 'document': {
        const d = this.documents.get(route.id!);
        if (!d || d.account !== account) throw notFound(`Document ${route.id} not found`);
        if (method === 'DELETE') this.documents.delete(d.id);
        return { status: 200, body: { data: this.regulatory.renderDocument(d) } };
      }
    }
  }

  // Search ---------------------------------------------------------------------------------------

  private search(account: string, q: Map<string, string[]>): ApiResult {
    const get = (name: string) => {
      const v = q.get(name)?.[0];
      return v === undefined || v === '' ? undefined : v;
    };
    const honoured = (name: string) => !this.ignoredFilters.has(name);
    const country = get('filter[country_code]')?.toUpperCase();
    if (!country) throw missingParam('filter[country_code]');
    if (!/^[A-Z]{2}$/.test(country)) throw badRequest('filter[country_code] must be an ISO 3166-1 alpha-2 code', { parameter: 'filter[country_code]' });
    if (!TelnyxInventory.supportsCountry(country)) throw new ApiError(400, '10015', 'Bad Request', `No number coverage for country_code ${country}`, { parameter: 'filter[country_code]' });
    const typeRaw = get('filter[phone_number_type]');
    if (typeRaw !== undefined && !(TELNYX_NUMBER_TYPES as readonly string[]).includes(typeRaw)) {
      throw badRequest(`filter[phone_number_type] must be one of ${TELNYX_NUMBER_TYPES.join(', ')}`, { parameter: 'filter[phone_number_type]' });
    }
    const features = (q.get('filter[features]') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    for (const f of features) {
      if (!(TELNYX_FEATURES as readonly string[]).includes(f)) throw badRequest(`Unknown feature '${f}'`, { parameter: 'filter[features]' });
    }
    const limit = Math.min(MAX_SEARCH_LIMIT, intParam(q, 'filter[limit]', 1) ?? DEFAULT_SEARCH_LIMIT);
    for (const flag of ['filter[best_effort]', 'filter[quickship]', 'filter[reservable]', 'filter[exclude_held_numbers]']) boolParam(q, flag);
    const quickship = boolParam(q, 'filter[quickship]');

    const ndc = honoured('national_destination_code') ? get('filter[national_destination_code]') : undefined;
    if (ndc !== undefined && !/^\d{1,6}$/.test(ndc)) throw badRequest('filter[national_destination_code] must be digits', { parameter: 'filter[national_destination_code]' });
    const patterns: Array<[string, string | undefined]> = [
      ['starts_with', get('filter[phone_number][starts_with]')],
      ['ends_with', get('filter[phone_number][ends_with]')],
      ['contains', get('filter[phone_number][contains]')],
    ];
    const locality = honoured('locality') ? get('filter[locality]') : undefined;
    const area = honoured('administrative_area') && country === 'US' ? get('filter[administrative_area]') : undefined;
    const rateCenter = country === 'US' ? get('filter[rate_center]') : undefined;

    const filters: Array<(n: InventoryNumber) => boolean> = [];
    if (ndc !== undefined) filters.push((n) => n.nationalNumber.startsWith(ndc));
    if (honoured('phone_number')) {
      for (const [kind, value] of patterns) {
        if (value === undefined) continue;
        if (!/^\d+$/.test(value)) return { status: 200, body: { data: [], meta: { total_results: 0, best_effort_results: 0 } } }; // wildcards: no results
        const rest = (n: InventoryNumber) => (ndc !== undefined ? n.nationalNumber.slice(ndc.length) : n.nationalNumber);
        if (kind === 'starts_with') filters.push((n) => rest(n).startsWith(value));
        else if (kind === 'ends_with') filters.push((n) => n.nationalNumber.endsWith(value));
        else filters.push((n) => rest(n).includes(value));
      }
    }
    if (locality !== undefined) {
      const l = lower(locality);
      filters.push((n) => lower(n.locality) === l || lower(n.rateCenter).includes(l));
    }
    if (area !== undefined) filters.push((n) => lower(n.administrativeArea) === lower(area));
    if (rateCenter !== undefined) filters.push((n) => lower(n.rateCenter) === lower(rateCenter));
    if (features.length > 0 && honoured('features')) filters.push((n) => features.every((f) => n.features.includes(f)));
    if (quickship) filters.push((n) => n.quickship);

    const types: TelnyxNumberType[] = typeRaw === undefined ? ['local', 'toll_free', 'mobile', 'national'] : typeRaw === 'shared_cost' ? [] : [typeRaw as TelnyxNumberType];
    const lists = types.flatMap((t) => TelnyxInventory.bucketsFor(country, t)).map((bk) => this.inventory.numbers(bk));
    const results: InventoryNumber[] = [];
    // Round-robin over the buckets so an unrestricted search mixes area codes.
    for (let i = 0; results.length < limit && lists.some((l) => i < l.length); i++) {
      for (const list of lists) {
        const n = list[i];
        if (!n || results.length >= limit) continue;
        if (this.owned.has(n.phoneNumber) || this.aging.isAging(n.phoneNumber)) continue;
        if (filters.every((f) => f(n))) results.push(n);
      }
    }
    void account;
    return { status: 200, body: { data: results.map((n) => this.renderAvailable(n)), meta: { total_results: results.length, best_effort_results: 0 } } };
  }

  private renderAvailable(n: InventoryNumber) {
    const region: Array<{ region_type: string; region_name: string }> = [{ region_type: 'country_code', region_name: n.country }];
    if (n.administrativeArea) region.push({ region_type: 'state', region_name: n.administrativeArea });
    if (n.rateCenter) region.push({ region_type: 'rate_center', region_name: n.rateCenter });
    if (n.locality) region.push({ region_type: 'location', region_name: n.locality });
    return {
      best_effort: false,
      cost_information: { currency: n.currency, monthly_cost: n.monthlyCost, upfront_cost: n.upfrontCost },
      features: n.features.map((name) => ({ name })),
      phone_number: n.phoneNumber,
      quickship: n.quickship,
      record_type: 'available_phone_number',
      region_information: region,
      reservable: true,
      vanity_format: '',
    };
  }

  // Orders ---------------------------------------------------------------------------------------

  private listOrders(account: string, q: Map<string, string[]>): ApiResult {
    const status = q.get('filter[status]')?.[0];
    const ref = q.get('filter[customer_reference]')?.[0];
    const list = [...this.orders.values()]
      .filter((o) => o.account === account && (!status || o.status === status) && (!ref || o.customer_reference === ref))
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))
      .map((o) => this.renderOrder(o));
    return { status: 200, body: paginate(list, q) };
  }

  renderOrder(o: Order) {
    const phones = o.phone_numbers.map((p) => ({
      id: p.id,
      record_type: 'number_order_phone_number',
      phone_number: p.phone_number,
      status: p.status,
      country_code: p.country_code,
      phone_number_type: p.phone_number_type,
      regulatory_requirements: p.regulatory_requirements.map((r) => ({ ...r, record_type: 'phone_number_regulatory_requirement' })),
      requirements_met: p.requirements_met,
      requirements_status: p.requirements_status,
      ...(p.status_reason ? { status_reason: p.status_reason } : {}),
    }));
    return {
      id: o.id,
      record_type: 'number_order',
      status: o.status,
      phone_numbers: phones,
      phone_numbers_count: phones.length,
      ...(o.connection_id !== undefined ? { connection_id: o.connection_id } : {}),
      ...(o.messaging_profile_id !== undefined ? { messaging_profile_id: o.messaging_profile_id } : {}),
      ...(o.billing_group_id !== undefined ? { billing_group_id: o.billing_group_id } : {}),
      ...(o.customer_reference !== undefined ? { customer_reference: o.customer_reference } : {}),
      requirements_met: o.phone_numbers.every((p) => p.requirements_met),
      sub_number_orders_ids: o.sub_number_orders_ids,
      created_at: o.created_at,
      updated_at: o.updated_at,
      ...(o.failure_reason ? { failure_reason: o.failure_reason } : {}),
    };
  }

  private createOrder(account: string, body: Record<string, unknown>): ApiResult {
    const optString = (name: string): string | undefined => {
      const v = body[name];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw badRequest(`${name} must be a string`, { pointer: `/${name}` });
      return v;
    };
    const connectionId = optString('connection_id');
    const messagingProfileId = optString('messaging_profile_id');
    const billingGroupId = optString('billing_group_id');
    const customerReference = optString('customer_reference');
    const list = body.phone_numbers;
    if (!Array.isArray(list) || list.length === 0) throw badRequest('You must provide at least 1 phone number.', { pointer: '/phone_numbers' });
    if (list.length > 1000) throw badRequest('1000 numbers is the maximum allowed.', { pointer: '/phone_numbers' });

    const seen = new Set<string>();
    const planned: Array<{ e164: string; described: InventoryNumber; group?: Group; types: RequirementTypeDef[]; underReview: boolean }> = [];
    list.forEach((entry, i) => {
      const pointer = `/phone_numbers/${i}`;
      const e = entry && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined;
      if (!e || typeof e.phone_number !== 'string') throw badRequest('phone_number is required', { pointer: `${pointer}/phone_number` });
      if (!E164_RE.test(e.phone_number)) {
        throw new ApiError(422, '10016', 'Phone number must be in +E.164 format', 'The specified phone number parameter must be in +E.164 format.', { pointer: `${pointer}/phone_number` });
      }
      const e164 = validE164(e.phone_number);
      const described = e164 ? this.inventory.describe(e164) : undefined;
      if (!e164 || !described) throw new ApiError(422, '10002', 'Invalid phone number', `${e.phone_number} is not a number Telnyx can order.`, { pointer: `${pointer}/phone_number` });
      if (seen.has(e164)) throw badRequest(`${e164} appears more than once in the order.`, { pointer: `${pointer}/phone_number` });
      seen.add(e164);
      if (this.owned.get(e164)?.account === account) {
        throw badRequest(`The phone number ${e164} is already in your account.`, { pointer: `${pointer}/phone_number` });
      }
      if (this.owned.has(e164) || this.aging.isAging(e164)) {
        throw badRequest(`The phone number ${e164} is no longer available. Please search again and order another number.`, { pointer: `${pointer}/phone_number` });
      }
      // Only numbers in stock are sold: a valid number the sandbox never offered is not available.
      const stock = this.inventory.stocked(e164);
      if (!stock) throw badRequest(`The phone number ${e164} is not available. Please search again and order another number.`, { pointer: `${pointer}/phone_number` });
      const groupId = e.requirement_group_id;
      if (groupId !== undefined && typeof groupId !== 'string') throw badRequest('requirement_group_id must be a string', { pointer: `${pointer}/requirement_group_id` });
      const types = requirementTypesFor(described.country, described.type, 'ordering');
      let group: Group | undefined;
      if (groupId) {
        group = this.groups.get(groupId);
        if (!group || group.account !== account) throw badRequest(`Requirement group ${groupId} not found.`, { pointer: `${pointer}/requirement_group_id` });
        if (group.country_code !== described.country || group.phone_number_type !== described.type || group.action !== 'ordering') {
          throw badRequest(
            `Requirement group ${groupId} is for ${group.country_code} ${group.phone_number_type} ${group.action}, not ${described.country} ${described.type} ordering.`,
            { pointer: `${pointer}/requirement_group_id` },
          );
        }
      }
      if (types.length > 0) {
        if (!group) {
          throw badRequest(
            `${described.country} ${described.type} numbers have regulatory requirements: an approved requirement_group_id is required to order ${e164}.`,
            { pointer: `${pointer}/requirement_group_id` },
          );
        }
        const heldWhileReviewed = group.status === 'pending-approval' && ordersWhileUnderReview(described.country, described.type);
        if (group.status !== 'approved' && !heldWhileReviewed) {
          throw badRequest(`Requirement group ${group.id} is not approved (status: ${group.status}).`, { pointer: `${pointer}/requirement_group_id` });
        }
      }
      const underReview = types.length > 0 && group?.status === 'pending-approval';
      planned.push({ e164, described: stock, types, underReview, ...(group ? { group } : {}) });
    });
    const cost = planned.reduce((sum, p) => sum + Number(p.described.upfrontCost) + Number(p.described.monthlyCost), 0);
    const balance = this.balances[account];
    if (balance !== undefined) {
      if (cost > balance + 1e-9) {
        throw badRequest(`Insufficient funds: this order costs ${cost.toFixed(2)}, the account balance is ${balance.toFixed(2)}.`, { pointer: '/phone_numbers' });
      }
      this.balances[account] = Math.round((balance - cost) * 100) / 100;
    }

    const now = nowIso();
    const order: Order = {
      id: randomUUID(),
      account,
      status: 'pending',
      phone_numbers: [],
      sub_number_orders_ids: [],
      created_at: now,
      updated_at: now,
      ...(connectionId !== undefined ? { connection_id: connectionId } : {}),
      ...(messagingProfileId !== undefined ? { messaging_profile_id: messagingProfileId } : {}),
      ...(billingGroupId !== undefined ? { billing_group_id: billingGroupId } : {}),
      ...(customerReference !== undefined ? { customer_reference: customerReference } : {}),
    };
    const subOrders = new Map<string, string>();
    for (const p of planned) {
      const subKey = `${p.described.country}|${p.described.type}`;
      if (!subOrders.has(subKey)) subOrders.set(subKey, randomUUID());
      order.phone_numbers.push({
        id: randomUUID(),
        phone_number: p.e164,
        status: 'pending',
        country_code: p.described.country,
        phone_number_type: p.described.type,
        ...(p.group ? { requirement_group_id: p.group.id } : {}),
        regulatory_requirements: (p.group?.regulatory_requirements ?? []).map((v) => ({ requirement_id: v.requirement_id, field_type: v.field_type, field_value: v.field_value ?? '' })),
        requirements_met: !p.underReview,
        requirements_status: p.underReview ? 'requirement-info-under-review' : 'approved',
        sub_number_order_id: subOrders.get(subKey)!,
      });
      const owned = this.createOwned(
        account,
        p.e164,
        p.described,
        {
          connection_id: connectionId ?? null,
          messaging_profile_id: messagingProfileId ?? null,
          billing_group_id: billingGroupId ?? null,
          customer_reference: customerReference ?? null,
        },
        'purchase-pending',
      );
      owned.orderId = order.id;
      this.purchases[p.e164] = (this.purchases[p.e164] ?? 0) + 1;
    }
    order.sub_number_orders_ids = [...subOrders.values()];
    this.orders.set(order.id, order);
    return { status: 200, body: { data: this.renderOrder(order) } };
  }

  /** Marks an order complete; returns false when it was not pending. */
  finishOrder(orderId: string, outcome: 'success' | 'failure', reason?: string): boolean {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`Unknown order ${orderId}`);
    if (order.status !== 'pending') return false;
    // A number held while its requirement group is reviewed waits for the decision (decideGroup).
    if (outcome === 'success' && order.phone_numbers.some((p) => p.requirements_status === 'requirement-info-under-review')) return false;
    const now = nowIso();
    order.status = outcome;
    order.updated_at = now;
    if (outcome === 'failure') order.failure_reason = reason ?? 'The order could not be fulfilled.';
    for (const p of order.phone_numbers) {
      p.status = outcome;
      if (outcome === 'failure') p.status_reason = order.failure_reason!;
      const owned = this.owned.get(p.phone_number);
      if (!owned || owned.orderId !== order.id) continue;
      if (outcome === 'success') {
        owned.resource.status = 'active';
        owned.resource.activated_at = now;
        owned.resource.updated_at = now;
      } else {
        this.removeOwned(owned); // Telnyx may keep it listed as purchase-failed; the sandbox frees it
      }
    }
    return true;
  }

  // Phone numbers ----------------------------------------------------------------------------------

  private listNumbers(account: string, q: Map<string, string[]>): ApiResult {
    const get = (name: string) => {
      const v = q.get(name)?.[0];
      return v === undefined || v === '' ? undefined : v;
    };
    const phone = get('filter[phone_number]');
    const status = get('filter[status]');
    const ref = get('filter[customer_reference]');
    const tag = get('filter[tag]');
    const cc = get('filter[country_iso_alpha2]')?.toUpperCase();
    const connection = get('filter[connection_id]');
    let list = [...this.owned.values()].filter((o) => o.account === account);
    if (phone !== undefined) {
      // "Requires at least three digits. Non-numerical characters will result in no values being returned."
      list = /^\d+$/.test(phone) ? list.filter((o) => o.resource.phone_number.slice(1).includes(phone)) : [];
    }
    if (status !== undefined) list = list.filter((o) => o.resource.status === status);
    if (ref !== undefined) list = list.filter((o) => o.resource.customer_reference === ref);
    if (tag !== undefined) list = list.filter((o) => o.resource.tags.includes(tag));
    if (cc !== undefined) list = list.filter((o) => o.resource.country_iso_alpha2 === cc);
    if (connection !== undefined) list = list.filter((o) => o.resource.connection_id === connection);
    list.sort((a, b) => b.seq - a.seq); // created_at descending
    return { status: 200, body: paginate(list.map((o) => structuredClone(o.resource)), q) };
  }

  private updateNumber(o: Owned, body: Record<string, unknown>): ApiResult {
    const r = o.resource;
    const setString = (name: 'connection_id' | 'customer_reference' | 'billing_group_id' | 'external_pin' | 'emergency_address_id', field = name) => {
      if (!(name in body)) return;
      const v = body[name];
      if (v !== null && typeof v !== 'string') throw badRequest(`${name} must be a string`, { pointer: `/${name}` });
      (r as unknown as Record<string, unknown>)[field] = v === '' ? null : v;
    };
    setString('connection_id');
    setString('customer_reference');
    setString('billing_group_id');
    setString('external_pin');
    if ('address_id' in body) {
      const v = body.address_id;
      if (v !== null && typeof v !== 'string') throw badRequest('address_id must be a string', { pointer: '/address_id' });
      r.emergency_address_id = v === '' ? null : v;
    }
    if ('hd_voice_enabled' in body) {
      if (typeof body.hd_voice_enabled !== 'boolean') throw badRequest('hd_voice_enabled must be a boolean', { pointer: '/hd_voice_enabled' });
      r.hd_voice_enabled = body.hd_voice_enabled;
    }
    if ('tags' in body) {
      const tags = body.tags;
      if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw badRequest('tags must be an array of strings', { pointer: '/tags' });
      r.tags = [...new Set(tags as string[])];
    }
    if (r.connection_id === null) r.connection_name = null;
    r.updated_at = nowIso();
    return { status: 200, body: { data: structuredClone(r) } };
  }

  private updateMessaging(o: Owned, body: Record<string, unknown>): void {
    if ('messaging_profile_id' in body) {
      const v = body.messaging_profile_id;
      if (v !== null && typeof v !== 'string') throw badRequest('messaging_profile_id must be a string', { pointer: '/messaging_profile_id' });
      if (v !== null) o.resource.messaging_profile_id = v === '' ? null : v; // null keeps, '' unassigns
    }
    if ('tags' in body) {
      if (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string')) throw badRequest('tags must be an array of strings', { pointer: '/tags' });
      o.resource.tags = [...new Set(body.tags as string[])];
    }
    o.resource.updated_at = nowIso();
  }

  private renderMessaging(o: Owned) {
    const r = o.resource;
    return {
      id: r.id,
      record_type: 'messaging_settings',
      phone_number: r.phone_number,
      messaging_profile_id: r.messaging_profile_id,
      country_code: r.country_iso_alpha2,
      type: r.phone_number_type === 'toll_free' ? 'tollfree' : 'longcode',
      messaging_product: 'P2P',
      eligible_messaging_products: ['P2P'],
      traffic_type: 'P2P',
      tags: r.tags,
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  }

  private deleteNumber(o: Owned): ApiResult {
    if (o.resource.status === 'purchase-pending') throw badRequest(`${o.resource.phone_number} has a pending number order and cannot be deleted yet.`);
    if (o.resource.deletion_lock_enabled) throw badRequest('Deletion lock is enabled for this number.');
    this.removeOwned(o);
    this.aging.release(o.resource.phone_number); // out of stock while it ages
    const now = nowIso();
    return { status: 200, body: { data: { ...structuredClone(o.resource), status: 'deleted', updated_at: now } } };
  }

  /**
   * Decides a group, then the orders held while it was under review: approved → their numbers
   * complete; declined → they fail with the reasons. Returns the orders it settled.
   */
  decideGroup(id: string, approve: boolean, reason?: string, requirements: Record<string, string> = {}): string[] {
    const g = this.groups.get(id);
    if (!g) throw new Error(`Unknown requirement group ${id}`);
    for (const rid of Object.keys(requirements)) {
      if (!g.regulatory_requirements.some((v) => v.requirement_id === rid)) throw new Error(`Requirement ${rid} is not part of group ${id}`);
    }
    const now = nowIso();
    const named = Object.keys(requirements).length > 0;
    g.status = approve ? 'approved' : 'declined';
    for (const v of g.regulatory_requirements) {
      const declined = !approve && (!named || requirements[v.requirement_id] !== undefined);
      v.status = declined ? 'declined' : 'approved';
      if (declined) v.status_reason = requirements[v.requirement_id] ?? reason ?? 'Rejected';
      else delete v.status_reason;
      v.updated_at = now;
    }
    if (approve) delete g.rejection_reason;
    else g.rejection_reason = reason ?? (Object.values(requirements).join('; ') || 'Rejected');
    g.updated_at = now;

    const settled: string[] = [];
    for (const order of this.orders.values()) {
      const held = order.phone_numbers.filter((p) => p.requirement_group_id === id && p.requirements_status === 'requirement-info-under-review');
      if (order.status !== 'pending' || held.length === 0) continue;
      for (const p of held) {
        p.requirements_met = approve;
        p.requirements_status = approve ? 'approved' : 'requirement-info-exception';
      }
      if (approve) {
        if (this.finishOrder(order.id, 'success')) settled.push(order.id);
      } else if (this.finishOrder(order.id, 'failure', `Regulatory requirements declined: ${named ? Object.values(requirements).join('; ') : g.rejection_reason}`)) {
        settled.push(order.id);
      }
    }
    return settled;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

const send = jsonSender('application/json; charset=utf-8', () => ({ 'x-request-id': randomUUID() }));

export async function startTelnyxSandbox(opts: TelnyxSandboxOptions): Promise<TelnyxSandbox> {
  const sandbox = new Sandbox(opts);
  const restored = readStateFile<Partial<Snapshot>>(opts.stateFile);
  if (restored) sandbox.restore(restored);
  const saveState = stateSaver(opts.stateFile, () => sandbox.snapshot());
  saveState(); // persists a generated signing key at once

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: errorBody(err.errors), headers: err.headers };
    console.error('[telnyx-sandbox] unexpected error', err);
    return { status: 500, body: errorBody([{ code: '10007', title: 'Unexpected error', detail: 'An unexpected error occured.' }]) };
  };

  const http = new SandboxHttp({
    name: 'telnyx-sandbox',
    sandbox,
    send,
    bodyLimit: BODY_LIMIT,
    readBody: (req) => readBody(req, BODY_LIMIT),
    errorResult: toResult,
    faultResult: (f: InjectedFault): ApiResult => {
      const [defaultCode, defaultTitle] = DEFAULT_FAULTS[f.status] ?? ['10007', 'Unexpected error'];
      return {
        status: f.status,
        body: errorBody([{ code: f.code ?? defaultCode, title: f.title ?? defaultTitle, ...(f.detail !== undefined ? { detail: f.detail } : {}) }]),
        headers: retryAfterHeaders(f),
      };
    },
    transientFailure: () =>
      sandbox.rollTransientFailure()
        ? { status: 503, body: errorBody([{ code: '10007', title: 'Unexpected error', detail: 'Service temporarily unavailable, please retry.' }]) }
        : undefined,
  });

  const inFlight = new Set<Promise<unknown>>();
  const deliveries: WebhookDelivery[] = [];

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  // --- webhooks --------------------------------------------------------------------------------

  async function deliver(envelope: { data: Record<string, unknown>; meta?: Record<string, unknown> }, url: string, attempts: number): Promise<WebhookDelivery> {
    let last: WebhookDelivery | undefined;
    for (let attempt = 1; attempt <= attempts && !http.sleeper.closed; attempt++) {
      const body = JSON.stringify({ ...envelope, meta: { ...(envelope.meta ?? {}), attempt, delivered_to: url } });
      const headers = { 'content-type': 'application/json', 'user-agent': 'telnyx-webhooks', ...telnyxSignatureHeaders(sandbox.keyPair.privateKey, body) };
      const record: WebhookDelivery = {
        eventId: jsonText(envelope.data.id),
        eventType: jsonText(envelope.data.event_type),
        url,
        attempt,
        status: 0,
        body,
        headers,
        at: nowIso(),
      };
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer().catch(() => undefined);
        record.status = res.status;
      } catch (err) {
        record.error = err instanceof Error ? err.message : String(err);
      }
      deliveries.push(record);
      last = record;
      if (record.status >= 200 && record.status < 300) break;
      await http.sleep(100 * attempt);
    }
    if (!last) throw new Error('Sandbox closed before the webhook was sent');
    return last;
  }

  function orderEnvelope(orderId: string) {
    const order = sandbox.orders.get(orderId)!;
    return {
      data: { event_type: 'number_order.complete', id: randomUUID(), occurred_at: nowIso(), payload: sandbox.renderOrder(order), record_type: 'event' },
      meta: {},
    };
  }

  function emitOrderWebhook(orderId: string): void {
    const url = sandbox.webhookUrl;
    if (!url || http.sleeper.closed) return;
    track(deliver(orderEnvelope(orderId), url, WEBHOOK_ATTEMPTS)).catch(() => undefined);
  }

  async function completeOrder(orderId: string, outcome: 'success' | 'failure', reason?: string): Promise<void> {
    const changed = await sandbox.serialize(() => {
      const done = sandbox.finishOrder(orderId, outcome, reason);
      if (done) saveState();
      return done;
    });
    if (changed) emitOrderWebhook(orderId);
  }

  function scheduleCompletion(orderId: string): void {
    if (sandbox.orderCompletion !== 'webhook') return;
    track(http.sleep(sandbox.webhookDelayMs).then(() => (http.sleeper.closed ? undefined : completeOrder(orderId, 'success')))).catch(() => undefined);
  }

  // --- API -------------------------------------------------------------------------------------

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const v2 = url.pathname === '/v2' || url.pathname.startsWith('/v2/');
    const pathname = (v2 ? url.pathname.slice(3) : url.pathname).replace(/\/+$/, '') || '/';
    const route = matchRoute(pathname);
    const template = route?.template ?? pathname;

    await http.run({
      req,
      res,
      method,
      faultPath: pathname,
      record: (status) => sandbox.log.record({ method, path: template, status, v2 }),
      effect: async (rawBody) => {
        let newOrderId: string | undefined;
        const result = await sandbox.serialize(() =>
          settleApiCall(
            method,
            () => {
              const account = sandbox.authenticate(req);
              const outcome = sandbox.handleApi(method, url, pathname, route, account, rawBody, String(req.headers['content-type'] ?? ''));
              if (route?.kind === 'orders' && method === 'POST' && outcome.status < 300) {
                newOrderId = (outcome.body as { data: { id: string } }).data.id;
                if (sandbox.orderCompletion === 'immediate') {
                  sandbox.finishOrder(newOrderId, 'success');
                  outcome.body = { data: sandbox.renderOrder(sandbox.orders.get(newOrderId)!) };
                }
              }
              return outcome;
            },
            toResult,
            saveState,
          ),
        );
        if (newOrderId) {
          if (sandbox.orderCompletion === 'immediate') emitOrderWebhook(newOrderId);
          else scheduleCompletion(newOrderId);
        }
        return result;
      },
    });
  }

  // --- controls --------------------------------------------------------------------------------

  const configure = (changes: SandboxConfig) => sandbox.configure(changes);
  const decideGroup = async (id: string, approve: boolean, reason?: string, requirements?: Record<string, string>) => {
    const settled = await sandbox.serialize(() => sandbox.decideGroup(id, approve, reason, requirements));
    saveState();
    for (const orderId of settled) emitOrderWebhook(orderId);
  };
  const basics = await http.serve(opts, {
    purchases: () => sandbox.purchaseCounts(),
    api: handleApi,
    controls: [
      { method: 'GET', path: '/__sandbox/public-key', run: () => ({ status: 200, body: { publicKeyBase64: sandbox.keyPair.publicKeyBase64 } }) },
      { method: 'GET', path: '/__sandbox/webhooks', run: () => ({ status: 200, body: { webhooks: deliveries } }) },
      {
        method: 'POST',
        path: '/__sandbox/webhooks',
        run: async (c) => {
          const body = await c.json();
          configure({ webhookUrl: typeof body.url === 'string' && body.url ? body.url : null });
          return { status: 200, body: { webhookUrl: sandbox.webhookUrl ?? null } };
        },
      },
      {
        method: 'POST',
        path: '/__sandbox/owned',
        run: async (c) => {
          const body = await c.json();
          const resource = await sandbox.serialize(() => sandbox.seedOwned(jsonText(body.phoneNumber), typeof body.apiKey === 'string' ? body.apiKey : undefined));
          saveState();
          return { status: 201, body: resource };
        },
      },
      configRoute(
        (body) => configure(body),
        () => ({
          latencyMs: sandbox.latencyMs,
          transientFailureRate: sandbox.transientFailureRate,
          orderCompletion: sandbox.orderCompletion,
          webhookDelayMs: sandbox.webhookDelayMs,
          webhookUrl: sandbox.webhookUrl ?? null,
          ignoredFilters: [...sandbox.ignoredFilters],
        }),
      ),
      actionRoute('POST', '/__sandbox/reset', () => {
        sandbox.reset();
        deliveries.length = 0;
      }),
      clockRoute(sandbox.aging, saveState),
      {
        method: 'POST',
        path: /^\/__sandbox\/orders\/([^/]+)\/complete$/,
        run: async (c) => {
          const body = await c.json();
          const id = decodeURIComponent(c.match![1]!);
          const outcome = body.outcome === 'failure' ? 'failure' : 'success';
          await completeOrder(id, outcome, typeof body.reason === 'string' ? body.reason : undefined);
          return { status: 200, body: { order: sandbox.renderOrder(sandbox.orders.get(id)!) } };
        },
      },
      {
        method: 'POST',
        path: /^\/__sandbox\/requirement_groups\/([^/]+)\/(approve|reject)$/,
        run: async (c) => {
          const body = await c.json();
          const id = decodeURIComponent(c.match![1]!);
          const approve = c.match![2] === 'approve';
          const requirements =
            body.requirements && typeof body.requirements === 'object' && !Array.isArray(body.requirements)
              ? Object.fromEntries(Object.entries(body.requirements as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'))
              : undefined;
          await decideGroup(id, approve, typeof body.reason === 'string' ? body.reason : undefined, requirements);
          return { status: 200, body: sandbox.regulatory.renderGroup(sandbox.groups.get(id)!) };
        },
      },
    ],
    internalErrorBody: errorBody([{ code: '10007', title: 'Unexpected error' }]),
  });

  return {
    ...basics,
    get publicKeyBase64() {
      return sandbox.keyPair.publicKeyBase64;
    },
    purchaseCounts: () => sandbox.purchaseCounts(),
    seedOwned: thenSave(saveState, (phoneNumber: string, apiKey?: string) => sandbox.seedOwned(phoneNumber, apiKey)),
    lookup: { accountFor: (credentials) => sandbox.accountFor(credentials), holds: (account, phoneNumber) => sandbox.holds(account, phoneNumber) },
    configure,
    reset: () => {
      sandbox.reset();
      deliveries.length = 0;
      http.sleeper.flush();
      saveState();
    },
    completeOrder,
    advanceClock: thenSave(saveState, (ms: number) => sandbox.aging.advance(ms)),
    approveRequirementGroup: (id) => decideGroup(id, true),
    rejectRequirementGroup: (id, reason, requirements) => decideGroup(id, false, reason, requirements),
    setWebhookUrl: (url) => configure({ webhookUrl: url ?? null }),
    sentWebhooks: () => deliveries.map((d) => ({ ...d, headers: { ...d.headers } })),
    sendWebhook: (event, options = {}) => {
      const url = options.url ?? sandbox.webhookUrl;
      if (!url) return Promise.reject(new Error('No webhook URL: pass options.url or setWebhookUrl()'));
      const envelope =
        'data' in event
          ? { data: event.data, ...(event.meta ? { meta: event.meta } : {}) }
          : {
              data: { event_type: event.eventType, id: event.id ?? randomUUID(), occurred_at: event.occurredAt ?? nowIso(), payload: event.payload, record_type: 'event' },
            };
      return track(deliver(envelope, url, options.attempts ?? 1));
    },
    idle: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

/** Matches the credential schema (KEY + 20+ characters). A sandbox-only value, not a secret. */
export const DEFAULT_SANDBOX_API_KEY = 'KEY0SANDBOX0TELNYX0LOCAL0DEV0ONLY_sandbox';

runIfMain(import.meta.url, async (argv) => {
  const args = cliArgs(argv);
  const apiKey = process.env.TELNYX_SANDBOX_API_KEY || DEFAULT_SANDBOX_API_KEY;
  const options: TelnyxSandboxOptions = { ...commonCliOptions(args, 4011, ['failure-rate', 'seed', 'state']), apiKeys: [apiKey] };
  const delay = args.num('webhook-delay');
  const webhookUrl = args.arg('webhook-url') ?? process.env.TELNYX_SANDBOX_WEBHOOK_URL;
  const completion = args.arg('order-completion');
  if (delay !== undefined) options.webhookDelayMs = delay;
  if (webhookUrl) options.webhookUrl = webhookUrl;
  if (completion) {
    if (!['immediate', 'webhook', 'manual'].includes(completion)) throw new Error('--order-completion must be immediate, webhook or manual');
    options.orderCompletion = completion as OrderCompletion;
  }
  const sandbox = await startTelnyxSandbox(options);
  console.log(`Telnyx sandbox listening on ${sandbox.url} (and ${sandbox.url}/v2)`);
  console.log(`  API key     ${apiKey}`);
  console.log(`  Public key  ${sandbox.publicKeyBase64}`);
  console.log(`  Webhooks    ${webhookUrl ?? '(none: POST /__sandbox/webhooks {url})'}`);
  return sandbox;
});
