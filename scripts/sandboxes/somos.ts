/**
 * A local fake of the Somos TFN Registry REST API (v3) as far as the platform uses it, plus a
 * clearly made-up TSS (text enablement) surface. No official spec exists: every shape follows
 * ../shared/contracts/somos/README.md (C / C1 / G labels there); error codes and anything the
 * README calls G are this sandbox's own choices (marked G below).
 *
 * Implemented:
 *   POST /v3/ip/sec/session/open     {usrName, password, withPerm, sessOverrideKey?, forceFlag?}   (C; 701003 C;
 *        forceFlag and the lockout after maxLogonAttempts wrong passwords G: somos-logon.ts)
 *   PUT  /v3/ip/sec/session/close    {clientKey, clientSecret}                         (C)
 *   POST /token                      form refresh_token grant, Basic clientKey:secret   (C / C1)
 *   PUT  /v3/ip/num/tfn/{random|wildcard|specific}                                     (C)
 *   POST /v3/ip/num/tfn/srchres/{random|wildcard|specific}                             (C)
 *   GET  /v3/ip/num/tfn/query/tfn/{num}, PUT /v3/ip/num/tfn/query {numList}            (C; fields C1)
 *   PUT  /v3/ip/num/tfn/update       {tfNumList:[{num, recVersionId}], status?...}     (C)
 *   POST/PUT /v3/ip/cus/rec, GET /v3/ip/cus/rec/tfnum/{num}                            (C / C1)
 *        (a record without interLATACarrier/intraLATACarrier is refused: somos-disconnect.ts, G)
 *   POST /v3/ip/cus/rec/disconnect   disconnect → referral → aging → spare              (C1; timing G: somos-disconnect.ts)
 *   GET  /v3/ip/cus/rec/query/{num}?effDtTm=, DELETE /v3/ip/cus/rec/tfnum/{num}/effDtTm/{e}/recVersionId/{v}
 *        (C / C1; versions per effective date-time: somos-versions.ts, G)
 *   DELETE /v3/ip/num/rch/{id}       withdraw a pending/approved change              (G)
 *   GET  /v3/ip/org/resporg/ent/{entityId}                                             (C)
 *   POST /v3/ip/num/rch, GET /v3/ip/num/rch/{id}                    (path C; method/body G)
 *   POST /tss/v1/text-enablements, GET|DELETE /tss/v1/text-enablements/{id}           (G, all)
 *   202 + {reqId} for configured paths; GET <same path>?reqId= returns the stored answer  (C)
 * Outgoing (unsolicited) notifications, when configured: POST <url>/v3/ext/uns/rch and
 * <url>/v3/ext/uns/rsv (body C, official) with the shared secret in NOTIFICATION_SECRET_HEADER (G:
 * Somos documents no signature scheme).
 *
 * Controls (in-process on the returned SomosSandbox, and over HTTP under /__sandbox/):
 *   GET    /__sandbox/health | /__sandbox/requests | /__sandbox/counters | /__sandbox/sessions
 *   GET    /__sandbox/faults ; POST /__sandbox/faults (JSON SomosInjectedFault) ; DELETE /__sandbox/faults
 *   POST   /__sandbox/reset
 *   POST   /__sandbox/config          {latencyMs?, syncTimeoutPaths?, pendingRetrievals?, notifications?: {url, secret} | null}
 *   POST   /__sandbox/clock           {advanceMs}
 *   POST   /__sandbox/expire-tokens
 *   GET    /__sandbox/numbers/{num} ; POST /__sandbox/numbers/{num} {status, respOrgId?}
 *   POST   /__sandbox/rch/{id}        {status}         advanceRespOrgChange (sends uns/rch)
 *   POST   /__sandbox/uns/rsv         {numbers, respOrgId}
 *   POST   /__sandbox/tss/{id}        {status, reason?}  advanceTextEnablement (reasons and disable: somos-tss-review.ts)
 *   GET    /__sandbox/notifications
 *   GET    /__sandbox/users/{username} ; POST /__sandbox/users/{username}/unlock   (lockout: somos-logon.ts)
 *
 * CLI: npx tsx scripts/sandboxes/somos.ts [--port 4020] [--host 127.0.0.1] [--latency MS]
 *        [--state FILE] [--notify-url URL --notify-secret S]
 *      User from SOMOS_SANDBOX_USERNAME / SOMOS_SANDBOX_PASSWORD, else a fixed default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { patternToDigits } from '../../shared/domain/phone.js';
import { createRng } from './inventory-kit.js';
import { defaultRejection, ineligibility, reasonFrom, type TssReason } from './somos-tss-review.js';
import { DEFAULT_MAX_LOGON_ATTEMPTS, forceFlagOf, recordBadPassword, recordGoodLogon, refuseIfLocked, unlockUser, userLogonStatus, type LogonHost, type UserLogonStatus } from './somos-logon.js';
import { applyDisconnect, checkCarriers, disconnect, type DisconnectHost, type DisconnectOrder } from './somos-disconnect.js';
import { addFutureVersion, deleteVersion, findVersion, promoteDue, versionEntries, type VersionHost } from './somos-versions.js';
import {
  FaultStore,
  RequestLog,
  SandboxHttp,
  actionRoute,
  cliArgs,
  configRoute,
  jsonSender,
  jsonText,
  numberFields,
  readStateFile,
  readText,
  runIfMain,
  safeEqual,
  stateSaver,
  type ApiResult,
  type FaultRule,
  type SandboxBaseOptions,
} from './kit.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface SomosSandboxUser {
  username: string;
  password: string;
  /** Active RespOrg units (5 characters) the user may send as ROID. */
  respOrgIds: string[];
  /** 2-character RespOrg entity. */
  entityId: string;
  /** Units of the entity listed as INACTIVE by the entity lookup (not usable as ROID). */
  inactiveRespOrgIds?: string[];
}

export interface SomosSandboxOptions extends SandboxBaseOptions {
  users: SomosSandboxUser[];
  /** Access token lifetime (default 3600, C1). */
  tokenTtlSeconds?: number;
  /** Refresh token lifetime, counted from the session open (default 86400, C1; G: anchored to the session). */
  refreshTtlSeconds?: number;
  /** Path prefixes answered with 202 + reqId (the work is done and kept for GET ?reqId=). */
  syncTimeoutPaths?: string[];
  /** HTTP status of the 701003 "already logged in" answer (G: default 200). */
  alreadyLoggedInStatus?: number;
  /** Consecutive wrong passwords that lock a user (permRecord.maxLogonAttempts; default 5, somos-logon.ts). */
  maxLogonAttempts?: number;
  /** Whether a 701003 answer carries a sessOverrideKey (default true; false exercises forceFlag). */
  sessOverrideKeys?: boolean;
  /** Where unsolicited notifications go (url + /v3/ext/uns/...). */
  notifications?: { url: string; secret: string };
  /** Clock (tests share a fake clock with the token manager). */
  now?: () => number;
  /** Inventory seed (default 0). */
  seed?: number;
}

export interface SomosInjectedFault extends FaultRule {
  errCode?: string;
  errMsg?: string;
  /** Raw JSON body to answer instead of an errList. */
  body?: unknown;
}

export interface SomosLoggedRequest {
  method: string;
  path: string;
  status: number;
  roid?: string;
  acceptVersion?: string;
  auth: 'bearer' | 'basic' | 'none';
  /** Top-level keys of a JSON body, or names of form fields. */
  bodyKeys: string[];
  reqId?: string;
}

export type SandboxSessionStatus = 'open' | 'closed' | 'overridden';
export interface SomosSandboxSession {
  clientKey: string;
  username: string;
  status: SandboxSessionStatus;
  openedAt: string;
  refreshExpiresAt: string;
}

export type SandboxNumberStatus = 'SPARE' | 'RESERVED' | 'ASSIGNED' | 'WORKING' | 'DISCONNECT' | 'TRANSITIONAL' | 'UNAVAILABLE';
export interface SandboxNumber {
  num: string;
  status: SandboxNumberStatus;
  ctrlRespOrgId?: string;
  effDt?: string;
  resUntilDt?: string;
  recVersionId: string;
  lastActDt?: string;
  conName?: string;
  conPhone?: string;
  shrtNotes?: string;
}

export type RespOrgChangeStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'COMPLETED' | 'CANCELLED';
export interface SandboxRespOrgChange {
  rchId: string;
  num: string;
  oldRespOrgId: string;
  newRespOrgId: string;
  status: RespOrgChangeStatus;
  createdAt: string;
  updatedAt: string;
}

export type TssStatus = 'pending' | 'enabled' | 'rejected' | 'disabled';
export interface SandboxTextEnablement {
  requestId: string;
  num: string;
  respOrgId: string;
  sms: boolean;
  mms: boolean;
  webhookUrl?: string;
  status: TssStatus;
  /** Why it was rejected (G). */
  reason?: TssReason;
  submittedAt: string;
  updatedAt: string;
}

export interface SentNotification {
  url: string;
  body: unknown;
  status: number; // 0 = failed to connect
}

export interface SomosSandbox {
  url: string;
  close(): Promise<void>;
  injectFault(f: SomosInjectedFault): void;
  clearFaults(): void;
  requestLog(): SomosLoggedRequest[];
  /** Forget everything except users and configuration. */
  reset(): void;
  /** Successful session opens (override opens included). */
  sessionsOpened(): number;
  /** Successful refresh_token grants. */
  tokensRefreshed(): number;
  /** Sessions closed through /sec/session/close. */
  sessionsClosed(): number;
  sessions(): SomosSandboxSession[];
  /** Makes every access token expired now (refresh tokens stay valid). */
  expireAccessTokens(): void;
  advanceClock(ms: number): void;
  configure(changes: {
    latencyMs?: number;
    syncTimeoutPaths?: string[];
    /** The next N `GET …?reqId=` answer 202 again. */
    pendingRetrievals?: number;
    notifications?: { url: string; secret: string } | null;
    alreadyLoggedInStatus?: number;
    sessOverrideKeys?: boolean;
  }): void;
  /** Lockout state of a user (somos-logon.ts). */
  userStatus(username: string): UserLogonStatus;
  /** The Help Desk's unlock: a locked user may log on again. */
  unlockUser(username: string): UserLogonStatus;
  number(num: string): SandboxNumber;
  seedNumber(num: string, state: { status: SandboxNumberStatus; respOrgId?: string }): SandboxNumber;
  respOrgChange(id: string): SandboxRespOrgChange | undefined;
  /** Moves a RespOrg change on (multi-day process) and POSTs uns/rch when notifications are configured. */
  advanceRespOrgChange(id: string, status: RespOrgChangeStatus): Promise<SandboxRespOrgChange>;
  /** POSTs an unsolicited uns/rsv notification. */
  sendReservationNotification(numbers: string[], respOrgId: string): Promise<SentNotification>;
  /** A decision; a rejection carries `reason` (default: rejected on review). */
  advanceTextEnablement(requestId: string, status: TssStatus, reason?: TssReason): Promise<SandboxTextEnablement>;
  textEnablement(requestId: string): SandboxTextEnablement | undefined;
  notificationsSent(): SentNotification[];
}

/** G: header carrying the shared secret on outgoing notifications. */
export const NOTIFICATION_SECRET_HEADER = 'x-somos-notification-secret';
export const UNS_RCH_PATH = '/v3/ext/uns/rch';
export const UNS_RSV_PATH = '/v3/ext/uns/rsv';
export const TOLL_FREE_NPAS = ['800', '833', '844', '855', '866', '877', '888'] as const;

// ---------------------------------------------------------------------------------------------
// Error codes (G: the sandbox's own; 701003 is C, 805102 is C1)

const E = {
  badField: '700001',
  unknownField: '700002',
  missingRoid: '700400',
  roidNotAllowed: '700403',
  noRoute: '700404',
  badMethod: '700405',
  badVersion: '700406',
  unknownReqId: '700202',
  badLogin: '701001',
  alreadyLoggedIn: '701003',
  badOverrideKey: '701004',
  noSession: '701005',
  badToken: '900901',
  notSpare: '805100',
  heldElsewhere: '805101',
  invalidTfn: '805102',
  notControlled: '805103',
  badQty: '805300',
  versionMismatch: '805200',
  notReserved: '805201',
  crExists: '810001',
  crNeedsReservation: '810002',
  crNotFound: '810404',
  crInvalid: '810003',
  rchInvalid: '820001',
  rchNotFound: '820404',
  tssInvalid: '830001',
  tssNotFound: '830404',
} as const;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const errBody = (code: string, msg: string) => ({ errList: [{ errCode: code, errMsg: msg, errLvl: 'ERROR' }] });
const bad = (field: string, msg: string) => new ApiError(400, E.badField, `${field}: ${msg}`);

// ---------------------------------------------------------------------------------------------
// Deterministic inventory

function hash32(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}

const TFN_RE = /^(800|833|844|855|866|877|888)[2-9]\d{6}$/;

/** The registry state of a number nobody touched in this sandbox (deterministic per seed). */
function baseNumber(num: string, seed: number): SandboxNumber {
  const h = hash32(`${seed}|${num}`) % 100;
  const recVersionId = `B${(hash32(`v|${num}`) % 1_000_000).toString().padStart(6, '0')}`;
  // 800 numbers are mostly in use; the newer NPAs mostly spare.
  const working = num.startsWith('800') ? 85 : 12;
  if (h < working) return { num, status: 'WORKING', ctrlRespOrgId: h % 2 ? 'OTH01' : 'OTH02', effDt: '2019-05-01', recVersionId, lastActDt: '2019-05-01' };
  if (h < working + 6) return { num, status: 'RESERVED', ctrlRespOrgId: 'OTH03', effDt: '2025-01-02', resUntilDt: '2099-01-01', recVersionId };
  if (h < working + 9) return { num, status: 'DISCONNECT', effDt: '2024-06-01', recVersionId };
  if (h < working + 10) return { num, status: 'TRANSITIONAL', effDt: '2024-06-01', recVersionId };
  return { num, status: 'SPARE', recVersionId };
}

// ---------------------------------------------------------------------------------------------
// Sandbox state

interface Session {
  clientKey: string;
  clientSecret: string;
  username: string;
  status: SandboxSessionStatus;
  openedAt: number;
  refreshExpiresAt: number;
}
interface AccessToken {
  clientKey: string;
  expiresAt: number;
}
interface RefreshToken {
  clientKey: string;
  used: boolean;
}
interface CustomerRecord {
  body: Record<string, unknown>;
  recVersionId: string;
  effDtTm: string;
  effAt: number;
  custRecStat: 'ACTIVE' | 'PENDING' | 'SAVED';
  ctrlRespOrgId: string;
}
interface StoredReply {
  username: string;
  path: string;
  result: ApiResult;
}
interface State {
  sessions: Record<string, Session>;
  accessTokens: Record<string, AccessToken>;
  refreshTokens: Record<string, RefreshToken>;
  overrideKeys: Record<string, { key: string; expiresAt: number }>;
  numbers: Record<string, SandboxNumber>;
  holds: Record<string, { roid: string; until: number }>;
  crs: Record<string, CustomerRecord>;
  /** Disconnect orders (somos-disconnect.ts). */
  disconnects: Record<string, DisconnectOrder>;
  /** Future-dated customer record versions (somos-versions.ts). */
  futureCrs: Record<string, CustomerRecord[]>;
  changes: Record<string, SandboxRespOrgChange>;
  tss: Record<string, SandboxTextEnablement>;
  /** Wrong passwords in a row, and locked users (somos-logon.ts). */
  logonFailures: Record<string, number>;
  lockedUsers: Record<string, string>;
  replies: Record<string, StoredReply>;
  counters: { sessionsOpened: number; tokensRefreshed: number; sessionsClosed: number; seq: number; cursor: number };
}

const emptyState = (): State => ({
  sessions: {},
  accessTokens: {},
  refreshTokens: {},
  overrideKeys: {},
  numbers: {},
  holds: {},
  crs: {},
  disconnects: {},
  futureCrs: {},
  changes: {},
  tss: {},
  logonFailures: {},
  lockedUsers: {},
  replies: {},
  counters: { sessionsOpened: 0, tokensRefreshed: 0, sessionsClosed: 0, seq: 0, cursor: 0 },
});

interface Caller {
  user: SomosSandboxUser;
  roid: string;
}

const HOLD_MS = 15 * 60_000; // G: pre-reservation hold after a search
const RESERVATION_DAYS = 45; // official tariff: reservations expire after at most 45 days
const MAX_QTY = 10; // G: larger quantities are bulk requests (blkId), not simulated
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

const ALLOWED_KEYS = {
  random: ['qty', 'npa', 'nxx', 'line', 'cons', 'asyncId', 'requestDesc'],
  wildcard: ['qty', 'wildCardNum', 'asyncId', 'requestDesc'],
  specific: ['numList', 'asyncId', 'requestDesc'],
  reserveExtra: ['conName', 'conTel', 'shrtNotes'],
  update: ['tfNumList', 'status', 'conName', 'conPhone', 'resUntilDt', 'ctrlRespOrgId', 'shrtNotes', 'requestDesc', 'email', 'asyncId'],
  query: ['numList', 'requestDesc', 'email', 'asyncId'],
  cr: [
    'num', 'effDtTm', 'cmd', 'newRespOrgId', 'hldIndFlag', 'priority', 'svcOrderNum', 'suppFormNum', 'onAccCust', 'agent', 'telco',
    'endSub', 'endSubAddr', 'conName', 'conTel', 'notes', 'aos', 'interLATACarrier', 'intraLATACarrier', 'destNums', 'cprSectName',
    'lbl', 'tmZn', 'dayLightSavings', 'priIntraLT', 'priInterLT', 'recVersionId', 'custRecStat', 'reqSntFrom', 'asyncId',
  ],
  session: ['usrName', 'password', 'withPerm', 'sessOverrideKey', 'forceFlag'],
  close: ['clientKey', 'clientSecret'],
  rch: ['numList', 'newRespOrgId', 'asyncId'],
  tss: ['num', 'sms', 'mms', 'webhookUrl'],
} as const;

function checkKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new ApiError(400, E.unknownField, `Unknown field(s): ${unknown.join(', ')}`);
}

function tfnOf(value: unknown, field = 'num'): string {
  if (typeof value !== 'string' || !TFN_RE.test(value)) throw new ApiError(400, E.invalidTfn, `Invalid Toll-Free Number. (${field})`);
  return value;
}

class Sandbox {
  state: State = emptyState();
  readonly faults = new FaultStore<SomosInjectedFault>();
  readonly log = new RequestLog<SomosLoggedRequest>();
  sent: SentNotification[] = [];
  latencyMs: number;
  syncTimeoutPaths: string[];
  /** The next this many `GET …?reqId=` retrievals answer 202 again (the registry still working). */
  pendingRetrievals = 0;
  notifications: { url: string; secret: string } | undefined;
  clockOffset = 0;
  alreadyLoggedInStatus: number;
  sessOverrideKeys: boolean;
  readonly maxLogonAttempts: number;
  readonly users = new Map<string, SomosSandboxUser>();
  readonly seed: number;
  readonly tokenTtlMs: number;
  readonly refreshTtlMs: number;

  constructor(private readonly opts: SomosSandboxOptions) {
    for (const u of opts.users) {
      for (const r of [...u.respOrgIds, ...(u.inactiveRespOrgIds ?? [])]) {
        if (!/^[A-Z0-9]{5}$/.test(r)) throw new Error(`Invalid RespOrg unit ${r}`);
      }
      if (!/^[A-Z0-9]{2}$/.test(u.entityId)) throw new Error(`Invalid entity id ${u.entityId}`);
      this.users.set(u.username, u);
    }
    this.seed = opts.seed ?? 0;
    this.tokenTtlMs = (opts.tokenTtlSeconds ?? 3600) * 1000;
    this.refreshTtlMs = (opts.refreshTtlSeconds ?? 86400) * 1000;
    this.latencyMs = opts.latencyMs ?? 0;
    this.syncTimeoutPaths = [...(opts.syncTimeoutPaths ?? [])];
    this.notifications = opts.notifications;
    this.alreadyLoggedInStatus = opts.alreadyLoggedInStatus ?? 200;
    this.sessOverrideKeys = opts.sessOverrideKeys ?? true;
    this.maxLogonAttempts = opts.maxLogonAttempts ?? DEFAULT_MAX_LOGON_ATTEMPTS;
  }

  now(): number {
    return (this.opts.now ?? Date.now)() + this.clockOffset;
  }

  /** The customer record versions (somos-versions.ts) over this state. */
  get versions(): VersionHost {
    return {
      now: () => this.now(),
      nextVersion: () => this.nextVersion(),
      crs: this.state.crs,
      futureCrs: (this.state.futureCrs ??= {}),
      fail: (status, code, message) => {
        throw new ApiError(status, code, message);
      },
    };
  }

  /** Disconnects and carriers (somos-disconnect.ts) over this state. */
  get disconnectHost(): DisconnectHost {
    return {
      now: () => this.now(),
      nextVersion: () => this.nextVersion(),
      disconnects: (this.state.disconnects ??= {}),
      customerRecord: (num) => {
        const cr = this.state.crs[num];
        return cr ? { recVersionId: cr.recVersionId, ctrlRespOrgId: cr.ctrlRespOrgId, setVersion: (id) => void (cr.recVersionId = id) } : undefined;
      },
      number: (num) => this.number(num),
      setNumber: (n) => this.setNumber(n as SandboxNumber),
      dropCustomerRecord: (num) => {
        delete this.state.crs[num];
        if (this.state.futureCrs) delete this.state.futureCrs[num];
      },
      fail: (status, code, message) => {
        throw new ApiError(status, code, message);
      },
    };
  }

  nextVersion(): string {
    this.state.counters.seq += 1;
    return `V${String(this.state.counters.seq).padStart(6, '0')}`;
  }

  // --- numbers -----------------------------------------------------------------------------------

  number(num: string): SandboxNumber {
    const explicit = this.state.numbers[num];
    const n = explicit ? { ...explicit } : baseNumber(num, this.seed);
    const t = this.now();
    // A disconnected number moves on: DISCONNECT (referral) → TRANSITIONAL (aging) → SPARE.
    const disconnected = explicit ? applyDisconnect(this.disconnectHost, num) : undefined;
    if (disconnected) return { ...(disconnected as SandboxNumber) };
    // Reservations lapse (official: at most 45 days).
    if (explicit && n.status === 'RESERVED' && n.resUntilDt && Date.parse(`${n.resUntilDt}T23:59:59Z`) < t) {
      const spare: SandboxNumber = { num, status: 'SPARE', recVersionId: this.nextVersion() };
      this.state.numbers[num] = spare;
      return { ...spare };
    }
    // A future-dated version becomes the current record at its effective time.
    if (promoteDue(this.versions, num)) {
      const working: SandboxNumber = { ...n, status: 'WORKING', recVersionId: this.nextVersion(), lastActDt: isoDay(t) };
      delete working.resUntilDt;
      this.state.numbers[num] = working;
      return { ...working };
    }
    // A pending CR becomes active at its effective time.
    const cr = this.state.crs[num];
    if (cr && cr.custRecStat === 'PENDING' && cr.effAt <= t) {
      cr.custRecStat = 'ACTIVE';
      const working: SandboxNumber = { ...n, status: 'WORKING', effDt: isoDay(cr.effAt), lastActDt: isoDay(t) };
      delete working.resUntilDt;
      this.state.numbers[num] = working;
      return { ...working };
    }
    return n;
  }

  setNumber(n: SandboxNumber): void {
    this.state.numbers[n.num] = { ...n };
  }

  heldByOther(num: string, roid: string): boolean {
    const h = this.state.holds[num];
    return !!h && h.until > this.now() && h.roid !== roid;
  }

  heldByAnyone(num: string): boolean {
    const h = this.state.holds[num];
    return !!h && h.until > this.now();
  }

  available(num: string, roid: string, allowOwnHold: boolean): boolean {
    if (this.number(num).status !== 'SPARE') return false;
    return allowOwnHold ? !this.heldByOther(num, roid) : !this.heldByAnyone(num);
  }

  // --- sessions and auth ---------------------------------------------------------------------------

  issueSession(user: SomosSandboxUser): Record<string, unknown> {
    const t = this.now();
    const clientKey = hex(12);
    const clientSecret = hex(12);
    const session: Session = { clientKey, clientSecret, username: user.username, status: 'open', openedAt: t, refreshExpiresAt: t + this.refreshTtlMs };
    this.state.sessions[clientKey] = session;
    const accessToken = hex(16);
    const refreshToken = hex(16);
    this.state.accessTokens[accessToken] = { clientKey, expiresAt: t + this.tokenTtlMs };
    this.state.refreshTokens[refreshToken] = { clientKey, used: false };
    this.state.counters.sessionsOpened += 1;
    return {
      oauthToken: accessToken,
      refreshToken,
      clientKey,
      clientSecret,
      expiresIn: Math.round(this.tokenTtlMs / 1000),
      tokenType: 'Bearer',
      scope: 'default',
      permRecord: {
        respOrgId: user.respOrgIds[0],
        usrGrp: 'RESPORG',
        usrClass: 'API',
        updList: ['NUM', 'CUS', 'ORG'],
        viewList: ['NUM', 'CUS', 'ORG'],
        maxLogonAttempts: this.maxLogonAttempts,
      },
    };
  }

  liveSession(username: string): Session | undefined {
    const t = this.now();
    return Object.values(this.state.sessions).find((s) => s.username === username && s.status === 'open' && s.refreshExpiresAt > t);
  }

  endSession(session: Session, status: SandboxSessionStatus): void {
    session.status = status;
    for (const [tok, a] of Object.entries(this.state.accessTokens)) if (a.clientKey === session.clientKey) delete this.state.accessTokens[tok];
    for (const [tok, r] of Object.entries(this.state.refreshTokens)) if (r.clientKey === session.clientKey) delete this.state.refreshTokens[tok];
  }

  /** Lockout and forceFlag rules (somos-logon.ts) over this state. */
  get logon(): LogonHost {
    return {
      now: () => this.now(),
      state: this.state,
      maxLogonAttempts: this.maxLogonAttempts,
      fail: (status, code, message) => {
        throw new ApiError(status, code, message);
      },
    };
  }

  openSession(body: Record<string, unknown>): ApiResult {
    checkKeys(body, ALLOWED_KEYS.session);
    if (typeof body.usrName !== 'string' || typeof body.password !== 'string') throw bad('usrName/password', 'required');
    const force = forceFlagOf(this.logon, body);
    const user = this.users.get(body.usrName);
    if (user) refuseIfLocked(this.logon, user.username);
    if (!user || !safeEqual(user.password, body.password)) {
      if (user) recordBadPassword(this.logon, user.username);
      throw new ApiError(401, E.badLogin, 'Invalid user name or password.');
    }
    recordGoodLogon(this.logon, user.username);
    const live = this.liveSession(user.username);
    if (live && force === 'Y') this.endSession(live, 'overridden');
    else if (live) {
      const key = body.sessOverrideKey;
      if (key === undefined) {
        const overrideKey = hex(8);
        this.state.overrideKeys[user.username] = { key: overrideKey, expiresAt: this.now() + 5 * 60_000 };
        return {
          status: this.alreadyLoggedInStatus,
          body: {
            ...errBody(E.alreadyLoggedIn, 'User is already logged in. Use sessOverrideKey to override the existing session.'),
            ...(this.sessOverrideKeys ? { sessOverrideKey: overrideKey } : {}),
          },
        };
      }
      const expected = this.state.overrideKeys[user.username];
      if (typeof key !== 'string' || !expected || expected.expiresAt < this.now() || !safeEqual(expected.key, key)) {
        throw new ApiError(400, E.badOverrideKey, 'Invalid or expired session override key.');
      }
      delete this.state.overrideKeys[user.username];
      this.endSession(live, 'overridden');
    }
    return { status: 200, body: this.issueSession(user) };
  }

  closeSession(body: Record<string, unknown>): ApiResult {
    checkKeys(body, ALLOWED_KEYS.close);
    const session = typeof body.clientKey === 'string' ? this.state.sessions[body.clientKey] : undefined;
    if (!session || typeof body.clientSecret !== 'string' || !safeEqual(session.clientSecret, body.clientSecret)) {
      throw new ApiError(400, E.noSession, 'Session not found.');
    }
    // G: closing a session that already ended is answered 200 (idempotent).
    if (session.status === 'open') {
      this.endSession(session, 'closed');
      this.state.counters.sessionsClosed += 1;
    }
    return { status: 200, body: { clientKey: session.clientKey, status: 'CLOSED' } };
  }

  /** POST /token — OAuth2-style errors ({error, error_description}), as a WSO2-style gateway answers. */
  token(req: IncomingMessage, raw: string): ApiResult {
    const oauthError = (status: number, error: string, description: string) => ({ status, body: { error, error_description: description } });
    const m = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const i = decoded.indexOf(':');
    const session = i > 0 ? this.state.sessions[decoded.slice(0, i)] : undefined;
    if (!session || !safeEqual(session.clientSecret, decoded.slice(i + 1))) return oauthError(401, 'invalid_client', 'Client authentication failed');
    const form = new URLSearchParams(raw);
    const grant = form.get('grant_type');
    if (grant !== 'refresh_token') return oauthError(400, 'unsupported_grant_type', `grant_type ${grant ?? '(none)'} is not supported by the sandbox`);
    const rt = form.get('refresh_token') ?? '';
    const record = this.state.refreshTokens[rt];
    const t = this.now();
    if (session.status !== 'open') return oauthError(401, 'invalid_client', 'Session is not open');
    if (!record || record.clientKey !== session.clientKey || record.used || session.refreshExpiresAt <= t) {
      return oauthError(400, 'invalid_grant', 'Invalid or expired refresh token');
    }
    record.used = true; // G: refresh tokens rotate
    delete this.state.refreshTokens[rt];
    const accessToken = hex(16);
    const refreshToken = hex(16);
    this.state.accessTokens[accessToken] = { clientKey: session.clientKey, expiresAt: t + this.tokenTtlMs };
    this.state.refreshTokens[refreshToken] = { clientKey: session.clientKey, used: false };
    this.state.counters.tokensRefreshed += 1;
    return {
      status: 200,
      body: { access_token: accessToken, refresh_token: refreshToken, scope: 'default', token_type: 'Bearer', expires_in: Math.round(this.tokenTtlMs / 1000) },
    };
  }

  authenticate(req: IncomingMessage): Caller {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    const record = m ? this.state.accessTokens[m[1]!] : undefined;
    const session = record ? this.state.sessions[record.clientKey] : undefined;
    if (!record || !session || session.status !== 'open' || record.expiresAt <= this.now()) {
      throw new ApiError(401, E.badToken, 'Invalid Credentials. Make sure you have given the correct access token.');
    }
    const user = this.users.get(session.username)!;
    const version = req.headers['accept-version'];
    if (version !== undefined && !/^3\.\d+$/.test(String(version))) throw new ApiError(400, E.badVersion, `Unsupported Accept-Version ${String(version)}`);
    const roid = req.headers.roid;
    if (typeof roid !== 'string' || roid === '') throw new ApiError(400, E.missingRoid, 'ROID header is required.');
    if (!user.respOrgIds.includes(roid)) throw new ApiError(403, E.roidNotAllowed, `User is not permitted to act for RespOrg ${roid}.`);
    return { user, roid };
  }

  // --- number administration -----------------------------------------------------------------------

  private qty(body: Record<string, unknown>): number {
    const q = body.qty;
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > MAX_QTY) throw new ApiError(400, E.badQty, `qty must be 1-${MAX_QTY}`);
    return q;
  }

  private randomCandidates(body: Record<string, unknown>, qty: number, roid: string): string[] {
    const npa = body.npa;
    const nxx = body.nxx;
    const line = body.line;
    const cons = body.cons === 'Y';
    if (npa !== undefined && !(typeof npa === 'string' && (TOLL_FREE_NPAS as readonly string[]).includes(npa))) throw bad('npa', 'must be a toll-free NPA');
    if (nxx !== undefined && !(typeof nxx === 'string' && /^[2-9]\d{2}$/.test(nxx))) throw bad('nxx', 'must be 3 digits');
    if (line !== undefined && !(typeof line === 'string' && /^\d{4}$/.test(line))) throw bad('line', 'must be 4 digits');
    if (body.cons !== undefined && body.cons !== 'Y' && body.cons !== 'N') throw bad('cons', "must be 'Y' or 'N'");
    const rng = createRng(hash32(`${this.seed}|random|${this.state.counters.cursor++}`));
    const pickNpa = () => npa ?? TOLL_FREE_NPAS[1 + Math.floor(rng() * (TOLL_FREE_NPAS.length - 1))]!;
    const pickNxx = () => nxx ?? String(200 + Math.floor(rng() * 800));
    const found: string[] = [];
    if (line !== undefined || cons) {
      // Sequential scan from a start (STARTING LINE NUMBER, or a random block for consecutive).
      for (let attempt = 0; attempt < 50 && found.length < qty; attempt++) {
        const base = `${pickNpa()}${pickNxx()}`;
        let ln = line !== undefined && attempt === 0 ? Number(line) : Math.floor(rng() * 9000);
        const block: string[] = [];
        for (; ln <= 9999 && block.length < qty; ln++) {
          const num = `${base}${String(ln).padStart(4, '0')}`;
          if (this.available(num, roid, false)) block.push(num);
          else if (cons) block.length = 0; // consecutive: the run starts over
        }
        if (!cons || block.length === qty) {
          found.push(...block.slice(0, qty - found.length));
        }
      }
      return found;
    }
    for (let attempt = 0; attempt < qty * 200 && found.length < qty; attempt++) {
      const num = `${pickNpa()}${pickNxx()}${String(Math.floor(rng() * 10000)).padStart(4, '0')}`;
      if (!found.includes(num) && this.available(num, roid, false)) found.push(num);
    }
    return found;
  }

  private wildcardCandidates(body: Record<string, unknown>, qty: number, roid: string): string[] {
    const raw = body.wildCardNum;
    if (typeof raw !== 'string' || !/^[0-9*&A-Za-z]{10}$/.test(raw)) throw bad('wildCardNum', "must be 10 characters: digits, '*', '&' or letters");
    const pattern = patternToDigits(raw); // letters as keypad digits
    const rng = createRng(hash32(`${this.seed}|wild|${pattern}|${this.state.counters.cursor++}`));
    const found: string[] = [];
    const stars = (pattern.match(/[*&]/g) ?? []).length;
    const attempts = Math.min(20_000, 10 ** stars * 3);
    for (let attempt = 0; attempt < attempts && found.length < qty; attempt++) {
      const same = String(Math.floor(rng() * 10));
      const num = pattern.replace(/[*&]/g, (c) => (c === '&' ? same : String(Math.floor(rng() * 10))));
      if (TFN_RE.test(num) && !found.includes(num) && this.available(num, roid, false)) found.push(num);
    }
    return found;
  }

  /** Runs a search; returns found numbers and per-number errors (specific). */
  private searchNumbers(kind: string, body: Record<string, unknown>, roid: string, reserving: boolean): { found: string[]; errors: Array<{ errCode: string; errMsg: string }> } {
    const extra = reserving ? ALLOWED_KEYS.reserveExtra : [];
    if (kind === 'random') {
      checkKeys(body, [...ALLOWED_KEYS.random, ...extra]);
      return { found: this.randomCandidates(body, this.qty(body), roid), errors: [] };
    }
    if (kind === 'wildcard') {
      checkKeys(body, [...ALLOWED_KEYS.wildcard, ...extra]);
      return { found: this.wildcardCandidates(body, this.qty(body), roid), errors: [] };
    }
    checkKeys(body, [...ALLOWED_KEYS.specific, ...extra]);
    if (!Array.isArray(body.numList) || body.numList.length === 0 || body.numList.length > MAX_QTY) throw bad('numList', `must list 1-${MAX_QTY} numbers`);
    const found: string[] = [];
    const errors: Array<{ errCode: string; errMsg: string }> = [];
    for (const [i, item] of body.numList.entries()) {
      const num = tfnOf(item, `numList[${i}]`);
      if (this.available(num, roid, true)) found.push(num);
      else if (this.heldByOther(num, roid)) errors.push({ errCode: E.heldElsewhere, errMsg: `${num}: Number is reserved by another RespOrg (pre-reservation hold).` });
      else errors.push({ errCode: E.notSpare, errMsg: `${num}: Number is not available (status ${this.number(num).status}).` });
    }
    return { found, errors };
  }

  search(kind: string, body: Record<string, unknown>, caller: Caller): ApiResult {
    const { found, errors } = this.searchNumbers(kind, body, caller.roid, false);
    const until = this.now() + HOLD_MS;
    for (const num of found) this.state.holds[num] = { roid: caller.roid, until };
    return { status: 200, body: { numList: found, ...(errors.length ? { errList: errors.map((e) => ({ ...e, errLvl: 'ERROR' })) } : {}) } };
  }

  searchAndReserve(kind: string, body: Record<string, unknown>, caller: Caller): ApiResult {
    if (typeof body.conName !== 'string' || !body.conName.trim()) throw bad('conName', 'required');
    if (typeof body.conTel !== 'string' || !/^\d{10}$/.test(body.conTel)) throw bad('conTel', 'must be 10 digits');
    if (body.shrtNotes !== undefined && typeof body.shrtNotes !== 'string') throw bad('shrtNotes', 'must be a string');
    const { found, errors } = this.searchNumbers(kind, body, caller.roid, true);
    if (found.length === 0) {
      if (errors.length) return { status: 409, body: { errList: errors.map((e) => ({ ...e, errLvl: 'ERROR' })) } };
      return { status: 409, body: errBody(E.notSpare, 'No spare numbers match the request.') };
    }
    const t = this.now();
    for (const num of found) {
      delete this.state.holds[num];
      this.setNumber({
        num,
        status: 'RESERVED',
        ctrlRespOrgId: caller.roid,
        effDt: isoDay(t),
        resUntilDt: isoDay(t + RESERVATION_DAYS * 86_400_000),
        recVersionId: this.nextVersion(),
        conName: body.conName,
        conPhone: body.conTel,
        ...(typeof body.shrtNotes === 'string' ? { shrtNotes: body.shrtNotes } : {}),
      });
    }
    return { status: 200, body: { numList: found, ...(errors.length ? { errList: errors.map((e) => ({ ...e, errLvl: 'ERROR' })) } : {}) } };
  }

  queryView(num: string): Record<string, unknown> {
    const n = this.number(num);
    const out: Record<string, unknown> = { num: n.num, status: n.status, recVersionId: n.recVersionId, auctnInd: 'N' };
    for (const k of ['ctrlRespOrgId', 'effDt', 'resUntilDt', 'lastActDt', 'conName', 'conPhone', 'shrtNotes'] as const) if (n[k] !== undefined) out[k] = n[k];
    return out;
  }

  update(body: Record<string, unknown>, caller: Caller): ApiResult {
    checkKeys(body, ALLOWED_KEYS.update);
    if (!Array.isArray(body.tfNumList) || body.tfNumList.length === 0) throw bad('tfNumList', 'must list at least one {num, recVersionId}');
    if (body.status !== undefined && body.status !== 'SPARE') throw bad('status', "only 'SPARE' is supported");
    const ok: Array<Record<string, unknown>> = [];
    const failures: ApiError[] = [];
    for (const [i, item] of body.tfNumList.entries()) {
      try {
        const entry = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
        const num = tfnOf(entry.num, `tfNumList[${i}].num`);
        const n = this.number(num);
        if (n.ctrlRespOrgId !== caller.roid) throw new ApiError(403, E.notControlled, `${num}: Number is not controlled by RespOrg ${caller.roid}.`);
        if (entry.recVersionId !== n.recVersionId) throw new ApiError(409, E.versionMismatch, `${num}: Record was modified (recVersionId mismatch).`);
        if (body.status === 'SPARE') {
          if (n.status !== 'RESERVED') throw new ApiError(400, E.notReserved, `${num}: Only a RESERVED number can be set to SPARE (status ${n.status}).`);
          delete this.state.crs[num];
          delete this.state.futureCrs[num];
          const spare: SandboxNumber = { num, status: 'SPARE', recVersionId: this.nextVersion() };
          this.setNumber(spare);
          ok.push({ num, status: 'SPARE', recVersionId: spare.recVersionId });
        } else {
          if (n.status !== 'RESERVED') throw new ApiError(400, E.notReserved, `${num}: Only a RESERVED number can be updated here.`);
          const next: SandboxNumber = { ...n, recVersionId: this.nextVersion() };
          if (typeof body.conName === 'string') next.conName = body.conName;
          if (typeof body.conPhone === 'string') next.conPhone = body.conPhone;
          if (typeof body.shrtNotes === 'string') next.shrtNotes = body.shrtNotes;
          if (typeof body.resUntilDt === 'string') {
            const until = Date.parse(`${body.resUntilDt}T00:00:00Z`);
            if (Number.isNaN(until) || until > this.now() + RESERVATION_DAYS * 86_400_000) throw bad('resUntilDt', `must be a date within ${RESERVATION_DAYS} days`);
            next.resUntilDt = body.resUntilDt;
          }
          this.setNumber(next);
          ok.push({ num, status: next.status, recVersionId: next.recVersionId });
        }
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        failures.push(err);
      }
    }
    if (ok.length === 0 && failures[0]) throw failures[0];
    return {
      status: 200,
      body: {
        tfNumList: ok,
        ...(ok.length === 1 ? { recVersionId: ok[0]!.recVersionId } : {}),
        ...(failures.length ? { errList: failures.map((f) => ({ errCode: f.code, errMsg: f.message, errLvl: 'ERROR' })) } : {}),
      },
    };
  }

  // --- customer records ------------------------------------------------------------------------------

  private validateCr(body: Record<string, unknown>): { num: string; effAt: number; effDtTm: string } {
    checkKeys(body, ALLOWED_KEYS.cr);
    checkCarriers(body, (status, code, message) => {
      throw new ApiError(status, code, message);
    });
    const num = tfnOf(body.num);
    if (body.cmd !== 'U' && body.cmd !== 'S') throw bad('cmd', "must be 'U' (submit) or 'S' (save)");
    const t = this.now();
    let effAt: number;
    let effDtTm: string;
    if (body.effDtTm === 'NOW') {
      effAt = t;
      effDtTm = 'NOW';
    } else if (typeof body.effDtTm === 'string' && !Number.isNaN(Date.parse(body.effDtTm))) {
      effAt = Date.parse(body.effDtTm);
      if (effAt < t - 60_000) throw bad('effDtTm', 'must not be in the past');
      effDtTm = body.effDtTm;
    } else {
      throw bad('effDtTm', "must be 'NOW' or an ISO date-time");
    }
    for (const flag of ['hldIndFlag', 'priority', 'dayLightSavings'] as const) {
      if (body[flag] !== undefined && body[flag] !== 'Y' && body[flag] !== 'N') throw bad(flag, "must be 'Y' or 'N'");
    }
    if (!Array.isArray(body.destNums) || body.destNums.length === 0) throw new ApiError(400, E.crInvalid, 'destNums: at least one destination number is required.');
    const dests = new Set<string>();
    for (const [i, d] of body.destNums.entries()) {
      const e = (d && typeof d === 'object' ? d : {}) as Record<string, unknown>;
      if (typeof e.destNum !== 'string' || !/^[2-9]\d{2}[2-9]\d{6}$/.test(e.destNum)) throw bad(`destNums[${i}].destNum`, 'must be a 10-digit number');
      if (typeof e.numTermLine !== 'number' || !Number.isInteger(e.numTermLine) || e.numTermLine < 1) throw bad(`destNums[${i}].numTermLine`, 'must be a positive whole number');
      dests.add(e.destNum);
    }
    const aos = body.aos;
    if (!aos || typeof aos !== 'object') throw new ApiError(400, E.crInvalid, 'aos: area of service is required.');
    const lists = ['aosNet', 'aosNPA', 'aosLATA', 'aosState', 'aosLbl'];
    const aosObj = aos as Record<string, unknown>;
    const unknownAos = Object.keys(aosObj).filter((k) => !lists.includes(k));
    if (unknownAos.length) throw new ApiError(400, E.unknownField, `Unknown field(s): aos.${unknownAos.join(', aos.')}`);
    if (!lists.some((k) => Array.isArray(aosObj[k]) && (aosObj[k] as unknown[]).length > 0)) throw new ApiError(400, E.crInvalid, 'aos: at least one area of service is required.');
    for (const k of ['interLATACarrier', 'intraLATACarrier'] as const) {
      if (body[k] !== undefined && !(Array.isArray(body[k]) && (body[k] as unknown[]).every((c) => typeof c === 'string'))) throw bad(k, 'must be a list of carrier codes');
    }
    // G: a CPR may only terminate on listed destination numbers.
    if (body.cprSectName !== undefined) {
      if (!Array.isArray(body.cprSectName)) throw bad('cprSectName', 'must be a list');
      for (const sect of body.cprSectName as unknown[]) {
        const nodes = sect && typeof sect === 'object' ? (sect as { nodes?: unknown }).nodes : undefined;
        if (!Array.isArray(nodes) || nodes.length === 0) throw bad('cprSectName[].nodes', 'required');
        for (const node of nodes) {
          const term = node && typeof node === 'object' ? (node as { termNum?: unknown }).termNum : undefined;
          if (typeof term !== 'string' || !dests.has(term)) throw new ApiError(400, E.crInvalid, `cprSectName: termNum ${String(term)} is not in destNums.`);
        }
      }
      if (typeof body.tmZn !== 'string') throw bad('tmZn', 'required with a CPR');
    }
    return { num, effAt, effDtTm };
  }

  private crView(num: string, version?: CustomerRecord): Record<string, unknown> {
    this.number(num); // lazy activation
    const cr = version ?? this.state.crs[num]!;
    const n = this.number(num);
    return {
      ...cr.body,
      num,
      effDtTm: cr.effDtTm === 'NOW' ? new Date(cr.effAt).toISOString().slice(0, 16) + 'Z' : cr.effDtTm,
      recVersionId: cr.recVersionId,
      ctrlRespOrgId: cr.ctrlRespOrgId,
      numStatus: n.status,
      custRecEntity: cr.ctrlRespOrgId.slice(0, 2),
      custRecStat: cr.custRecStat,
      lstEffDtTms: version ? versionEntries(this.versions, num).filter((v) => v.recVersionId === version.recVersionId) : versionEntries(this.versions, num),
    };
  }

  createCr(body: Record<string, unknown>, caller: Caller): ApiResult {
    const { num, effAt, effDtTm } = this.validateCr(body);
    if (body.recVersionId !== undefined) throw bad('recVersionId', 'not allowed on create');
    const n = this.number(num);
    if (n.ctrlRespOrgId !== caller.roid) throw new ApiError(403, E.notControlled, `Number ${num} is not controlled by RespOrg ${caller.roid}.`);
    if (this.state.crs[num] && effAt > this.now() && body.cmd === 'U') {
      const { recVersionId: _none, ...stored } = body;
      const added = addFutureVersion(this.versions, num, { body: stored, effDtTm, effAt, ctrlRespOrgId: caller.roid });
      return { status: 200, body: { num, effDtTm: new Date(effAt).toISOString().slice(0, 16) + 'Z', recVersionId: added.recVersionId, custRecStat: added.custRecStat } };
    }
    if (this.state.crs[num]) throw new ApiError(409, E.crExists, `A customer record already exists for ${num}; update it with its recVersionId.`);
    if (n.status !== 'RESERVED') throw new ApiError(409, E.crNeedsReservation, `Number ${num} must be RESERVED to create a customer record (status ${n.status}).`);
    const { recVersionId: _ignored, ...stored } = body;
    const cr: CustomerRecord = {
      body: stored,
      recVersionId: this.nextVersion(),
      effDtTm,
      effAt,
      custRecStat: body.cmd === 'S' ? 'SAVED' : effAt <= this.now() ? 'ACTIVE' : 'PENDING',
      ctrlRespOrgId: caller.roid,
    };
    this.state.crs[num] = cr;
    if (cr.custRecStat !== 'SAVED') {
      const next: SandboxNumber = { ...n, status: cr.custRecStat === 'ACTIVE' ? 'WORKING' : 'ASSIGNED', recVersionId: this.nextVersion(), effDt: isoDay(effAt) };
      delete next.resUntilDt;
      if (cr.custRecStat === 'ACTIVE') next.lastActDt = isoDay(this.now());
      this.setNumber(next);
    }
    return { status: 200, body: { num, effDtTm: this.crView(num).effDtTm, recVersionId: cr.recVersionId, custRecStat: cr.custRecStat } };
  }

  updateCr(body: Record<string, unknown>, caller: Caller): ApiResult {
    const { num, effAt, effDtTm } = this.validateCr(body);
    this.number(num); // due versions first
    const current = this.state.crs[num];
    if (!current) throw new ApiError(404, E.crNotFound, `No customer record for ${num}.`);
    if (current.ctrlRespOrgId !== caller.roid) throw new ApiError(403, E.notControlled, `Number ${num} is not controlled by RespOrg ${caller.roid}.`);
    if (typeof body.recVersionId !== 'string') throw bad('recVersionId', 'required on update');
    const cr = [current, ...(this.state.futureCrs[num] ?? [])].find((v) => v.recVersionId === body.recVersionId);
    if (!cr) throw new ApiError(409, E.versionMismatch, 'Record was modified by another user (recVersionId mismatch).');
    if (cr === current && cr.custRecStat === 'ACTIVE' && effAt > this.now()) {
      throw bad('effDtTm', 'the active customer record cannot be moved to a future date; create a new version (POST) for a scheduled change');
    }
    if (cr !== current && effAt <= this.now()) throw bad('effDtTm', 'a pending version must stay in the future (delete it and change the current record instead)');
    const { recVersionId: _ignored, ...stored } = body;
    cr.body = stored;
    cr.recVersionId = this.nextVersion();
    cr.effDtTm = effDtTm;
    cr.effAt = effAt;
    if (body.cmd === 'U') {
      cr.custRecStat = effAt <= this.now() ? 'ACTIVE' : 'PENDING';
      const n = this.number(num);
      if (cr.custRecStat === 'ACTIVE' && n.status !== 'WORKING') {
        const next: SandboxNumber = { ...n, status: 'WORKING', recVersionId: this.nextVersion(), lastActDt: isoDay(this.now()) };
        delete next.resUntilDt;
        this.setNumber(next);
      }
    }
    if (cr !== current) {
      this.state.futureCrs[num]!.sort((a, b) => a.effAt - b.effAt);
      return { status: 200, body: { num, effDtTm: new Date(cr.effAt).toISOString().slice(0, 16) + 'Z', recVersionId: cr.recVersionId, custRecStat: cr.custRecStat } };
    }
    return { status: 200, body: { num, effDtTm: this.crView(num).effDtTm, recVersionId: cr.recVersionId, custRecStat: cr.custRecStat } };
  }

  retrieveCr(num: string, caller: Caller, effDtTm?: string | null): ApiResult {
    tfnOf(num);
    this.number(num); // due versions first
    const cr = this.state.crs[num];
    if (!cr) throw new ApiError(404, E.crNotFound, `No customer record for ${num}.`);
    if (cr.ctrlRespOrgId !== caller.roid) throw new ApiError(403, E.notControlled, `Number ${num} is not controlled by RespOrg ${caller.roid}.`);
    if (!effDtTm) return { status: 200, body: this.crView(num) };
    const version = findVersion(this.versions, num, effDtTm);
    if (!version) throw new ApiError(404, E.crNotFound, `No customer record for ${num} at ${effDtTm}.`);
    return { status: 200, body: this.crView(num, version) };
  }

  // --- RespOrg ----------------------------------------------------------------------------------------

  entity(entityId: string): ApiResult {
    const members = [...this.users.values()].filter((u) => u.entityId === entityId);
    if (members.length === 0) throw new ApiError(404, E.noRoute, `RespOrg entity ${entityId} not found.`);
    const units = new Map<string, string>();
    for (const u of members) {
      for (const r of u.respOrgIds) units.set(r, 'ACTIVE');
      for (const r of u.inactiveRespOrgIds ?? []) if (!units.has(r)) units.set(r, 'INACTIVE');
    }
    return { status: 200, body: { respOrgEntity: entityId, associatedRespOrgs: [...units].map(([respOrgId, status]) => ({ respOrgId, status })) } };
  }

  requestChange(body: Record<string, unknown>, caller: Caller): ApiResult {
    checkKeys(body, ALLOWED_KEYS.rch);
    if (!Array.isArray(body.numList) || body.numList.length === 0) throw new ApiError(400, E.rchInvalid, 'numList: at least one number is required.');
    const target = body.newRespOrgId;
    if (typeof target !== 'string' || !caller.user.respOrgIds.includes(target)) {
      throw new ApiError(400, E.rchInvalid, 'newRespOrgId must be one of your active RespOrg units.');
    }
    const t = new Date(this.now()).toISOString();
    const created: SandboxRespOrgChange[] = [];
    const errors: Array<{ errCode: string; errMsg: string; errLvl: string }> = [];
    for (const [i, item] of body.numList.entries()) {
      const num = tfnOf(item, `numList[${i}]`);
      const n = this.number(num);
      if (!n.ctrlRespOrgId || (n.status !== 'WORKING' && n.status !== 'RESERVED')) {
        errors.push({ errCode: E.rchInvalid, errMsg: `${num}: Number has no controlling RespOrg to change from (status ${n.status}).`, errLvl: 'ERROR' });
        continue;
      }
      if (n.ctrlRespOrgId === target) {
        errors.push({ errCode: E.rchInvalid, errMsg: `${num}: Number is already controlled by ${target}.`, errLvl: 'ERROR' });
        continue;
      }
      this.state.counters.seq += 1;
      const change: SandboxRespOrgChange = {
        rchId: `RCH${String(this.state.counters.seq).padStart(6, '0')}`,
        num,
        oldRespOrgId: n.ctrlRespOrgId,
        newRespOrgId: target,
        status: 'PENDING',
        createdAt: t,
        updatedAt: t,
      };
      this.state.changes[change.rchId] = change;
      created.push(change);
    }
    if (created.length === 0) return { status: 400, body: { errList: errors } };
    return { status: 200, body: { rchList: created.map((c) => ({ ...c })), ...(errors.length ? { errList: errors } : {}) } };
  }

  getChange(id: string, caller: Caller): ApiResult {
    const change = this.state.changes[id];
    const units = caller.user.respOrgIds;
    if (!change || (!units.includes(change.newRespOrgId) && !units.includes(change.oldRespOrgId))) {
      throw new ApiError(404, E.rchNotFound, `RespOrg change ${id} not found.`);
    }
    return { status: 200, body: { ...change } };
  }

  /** G: DELETE /v3/ip/num/rch/{id} — the gaining RespOrg withdraws a change not completed yet. */
  cancelChange(id: string, caller: Caller): ApiResult {
    const change = this.state.changes[id];
    if (!change || !caller.user.respOrgIds.includes(change.newRespOrgId)) throw new ApiError(404, E.rchNotFound, `RespOrg change ${id} not found.`);
    if (change.status !== 'PENDING' && change.status !== 'APPROVED') {
      throw new ApiError(409, E.rchInvalid, `RespOrg change ${id} is ${change.status}; only a pending or approved change can be cancelled.`);
    }
    change.status = 'CANCELLED';
    change.updatedAt = new Date(this.now()).toISOString();
    return { status: 200, body: { ...change } };
  }

  advanceChange(id: string, status: RespOrgChangeStatus): SandboxRespOrgChange {
    const change = this.state.changes[id];
    if (!change) throw new Error(`RespOrg change ${id} not found`);
    const allowed: Record<RespOrgChangeStatus, RespOrgChangeStatus[]> = {
      PENDING: ['APPROVED', 'REJECTED', 'CANCELLED', 'COMPLETED'],
      APPROVED: ['COMPLETED', 'CANCELLED'],
      REJECTED: [],
      COMPLETED: [],
      CANCELLED: [],
    };
    if (!allowed[change.status].includes(status)) throw new Error(`RespOrg change ${id}: ${change.status} → ${status} is not allowed`);
    change.status = status;
    change.updatedAt = new Date(this.now()).toISOString();
    if (status === 'COMPLETED') {
      const n = this.number(change.num);
      this.setNumber({ ...n, ctrlRespOrgId: change.newRespOrgId, recVersionId: this.nextVersion() });
      const cr = this.state.crs[change.num];
      if (cr) cr.ctrlRespOrgId = change.newRespOrgId;
      for (const v of this.state.futureCrs[change.num] ?? []) v.ctrlRespOrgId = change.newRespOrgId;
    }
    return { ...change };
  }

  // --- TSS (G) ---------------------------------------------------------------------------------------

  tssRequest(body: Record<string, unknown>, caller: Caller): ApiResult {
    checkKeys(body, ALLOWED_KEYS.tss);
    const num = tfnOf(body.num);
    if (typeof body.sms !== 'boolean' || typeof body.mms !== 'boolean') throw new ApiError(400, E.tssInvalid, 'sms and mms must be booleans.');
    if (!body.sms && !body.mms) throw new ApiError(400, E.tssInvalid, 'Request sms and/or mms.');
    if (body.webhookUrl !== undefined && (typeof body.webhookUrl !== 'string' || !/^https?:\/\//.test(body.webhookUrl))) throw new ApiError(400, E.tssInvalid, 'webhookUrl must be an http(s) URL.');
    const n = this.number(num);
    if (n.ctrlRespOrgId !== caller.roid) throw new ApiError(403, E.notControlled, `Number ${num} is not controlled by RespOrg ${caller.roid}.`);
    this.state.counters.seq += 1;
    const t = new Date(this.now()).toISOString();
    const rec: SandboxTextEnablement = {
      requestId: `TSS${String(this.state.counters.seq).padStart(6, '0')}`,
      num,
      respOrgId: caller.roid,
      sms: body.sms,
      mms: body.mms,
      ...(typeof body.webhookUrl === 'string' ? { webhookUrl: body.webhookUrl } : {}),
      status: 'pending',
      submittedAt: t,
      updatedAt: t,
    };
    this.state.tss[rec.requestId] = rec;
    return { status: 201, body: { requestId: rec.requestId, num, status: rec.status, submittedAt: t } };
  }

  tssStatus(id: string, caller: Caller): ApiResult {
    const rec = this.state.tss[id];
    if (!rec || !caller.user.respOrgIds.includes(rec.respOrgId)) throw new ApiError(404, E.tssNotFound, `Text enablement request ${id} not found.`);
    if (rec.status === 'pending') {
      // The review: a number the RespOrg no longer controls, or out of service, is rejected with why.
      const why = ineligibility(this.number(rec.num), rec.respOrgId);
      if (why) Object.assign(rec, { status: 'rejected', reason: why, updatedAt: new Date(this.now()).toISOString() });
    }
    return { status: 200, body: this.tssView(rec) };
  }

  tssView(rec: SandboxTextEnablement): Record<string, unknown> {
    return { requestId: rec.requestId, num: rec.num, sms: rec.sms, mms: rec.mms, status: rec.status, ...(rec.reason ? { reason: rec.reason } : {}), updatedAt: rec.updatedAt };
  }

  /** DELETE: withdraws a pending request or turns an enabled number off (idempotent); a rejected one has nothing to disable. */
  tssDisable(id: string, caller: Caller): ApiResult {
    const rec = this.state.tss[id];
    if (!rec || !caller.user.respOrgIds.includes(rec.respOrgId)) throw new ApiError(404, E.tssNotFound, `Text enablement request ${id} not found.`);
    if (rec.status === 'rejected') throw new ApiError(409, E.tssInvalid, `Text enablement request ${id} was rejected; there is nothing to disable.`);
    if (rec.status !== 'disabled') Object.assign(rec, { status: 'disabled', updatedAt: new Date(this.now()).toISOString() });
    return { status: 200, body: this.tssView(rec) };
  }

  // --- routing -----------------------------------------------------------------------------------------

  handle(method: string, url: URL, req: IncomingMessage, raw: string): ApiResult {
    const p = url.pathname.replace(/\/+$/, '');
    if (p === '/token') {
      if (method !== 'POST') throw new ApiError(405, E.badMethod, 'Method not allowed');
      return this.token(req, raw);
    }
    const json = (): Record<string, unknown> => {
      if (!raw) return {};
      const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') throw new ApiError(400, E.badField, 'Content-Type must be application/json');
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        throw new ApiError(400, E.badField, 'Body is not valid JSON');
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, E.badField, 'Body must be a JSON object');
      return v as Record<string, unknown>;
    };
    const only = (m: string) => {
      if (method !== m) throw new ApiError(405, E.badMethod, `Method ${method} not allowed on ${p}`);
    };
    if (p === '/v3/ip/sec/session/open') return only('POST'), this.openSession(json());
    if (p === '/v3/ip/sec/session/close') return only('PUT'), this.closeSession(json());

    const caller = this.authenticate(req);
    const reqId = url.searchParams.get('reqId');
    if (reqId !== null) {
      only('GET');
      const stored = this.state.replies[reqId];
      if (!stored || stored.username !== caller.user.username || stored.path !== p) throw new ApiError(404, E.unknownReqId, `Unknown reqId ${reqId}.`);
      if (this.pendingRetrievals > 0) {
        this.pendingRetrievals--;
        return { status: 202, body: { reqId } }; // still working on it
      }
      return stored.result;
    }

    let m: RegExpExecArray | null;
    if ((m = /^\/v3\/ip\/num\/tfn\/(random|wildcard|specific)$/.exec(p))) return only('PUT'), this.search(m[1]!, json(), caller);
    if ((m = /^\/v3\/ip\/num\/tfn\/srchres\/(random|wildcard|specific)$/.exec(p))) return only('POST'), this.searchAndReserve(m[1]!, json(), caller);
    if ((m = /^\/v3\/ip\/num\/tfn\/query\/tfn\/([^/]+)$/.exec(p))) {
      only('GET');
      return { status: 200, body: this.queryView(tfnOf(m[1]!)) };
    }
    if (p === '/v3/ip/num/tfn/query') {
      only('PUT');
      const body = json();
      checkKeys(body, ALLOWED_KEYS.query);
      if (!Array.isArray(body.numList) || body.numList.length === 0) throw bad('numList', 'required');
      return { status: 200, body: { queryResult: body.numList.map((n, i) => this.queryView(tfnOf(n, `numList[${i}]`))) } };
    }
    if (p === '/v3/ip/num/tfn/update') return only('PUT'), this.update(json(), caller);
    if (p === '/v3/ip/cus/rec/disconnect') return only('POST'), disconnect(this.disconnectHost, json(), caller.roid);
    if (p === '/v3/ip/cus/rec') {
      if (method === 'POST') return this.createCr(json(), caller);
      if (method === 'PUT') return this.updateCr(json(), caller);
      throw new ApiError(405, E.badMethod, `Method ${method} not allowed on ${p}`);
    }
    if ((m = /^\/v3\/ip\/cus\/rec\/tfnum\/([^/]+)$/.exec(p))) return only('GET'), this.retrieveCr(m[1]!, caller);
    if ((m = /^\/v3\/ip\/cus\/rec\/query\/([^/]+)$/.exec(p))) return only('GET'), this.retrieveCr(m[1]!, caller, url.searchParams.get('effDtTm'));
    if ((m = /^\/v3\/ip\/cus\/rec\/tfnum\/([^/]+)\/effDtTm\/([^/]+)\/recVersionId\/([^/]+)$/.exec(p))) {
      only('DELETE');
      const num = tfnOf(m[1]!);
      this.number(num); // due versions first
      return { status: 200, body: deleteVersion(this.versions, num, decodeURIComponent(m[2]!), decodeURIComponent(m[3]!), caller.roid) };
    }
    if ((m = /^\/v3\/ip\/org\/resporg\/ent\/([^/]+)$/.exec(p))) return only('GET'), this.entity(m[1]!);
    if (p === '/v3/ip/num/rch') return only('POST'), this.requestChange(json(), caller);
    if ((m = /^\/v3\/ip\/num\/rch\/([^/]+)$/.exec(p))) {
      if (method === 'DELETE') return this.cancelChange(decodeURIComponent(m[1]!), caller);
      return only('GET'), this.getChange(decodeURIComponent(m[1]!), caller);
    }
    if (p === '/tss/v1/text-enablements') return only('POST'), this.tssRequest(json(), caller);
    if ((m = /^\/tss\/v1\/text-enablements\/([^/]+)$/.exec(p))) {
      if (method === 'DELETE') return this.tssDisable(decodeURIComponent(m[1]!), caller);
      return only('GET'), this.tssStatus(decodeURIComponent(m[1]!), caller);
    }
    throw new ApiError(404, E.noRoute, `No such resource ${p}`);
  }

  /** 202 + reqId for configured paths: the answer is kept for GET <path>?reqId=. */
  maybeDefer(method: string, url: URL, req: IncomingMessage, result: ApiResult): ApiResult {
    const p = url.pathname.replace(/\/+$/, '');
    if (url.searchParams.has('reqId') || p === '/token' || p.startsWith('/v3/ip/sec/')) return result;
    if (!this.syncTimeoutPaths.some((prefix) => p === prefix || p.startsWith(`${prefix}/`))) return result;
    if (result.status === 401) return result;
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    const session = m ? this.state.sessions[this.state.accessTokens[m[1]!]?.clientKey ?? ''] : undefined;
    if (!session) return result;
    const reqId = `${Date.now().toString(36)}${hex(4)}`;
    this.state.replies[reqId] = { username: session.username, path: p, result };
    return { status: 202, body: { reqId } }; // G: the field name of the 202 body
  }

  sessionsView(): SomosSandboxSession[] {
    return Object.values(this.state.sessions).map((s) => ({
      clientKey: s.clientKey,
      username: s.username,
      status: s.status,
      openedAt: new Date(s.openedAt).toISOString(),
      refreshExpiresAt: new Date(s.refreshExpiresAt).toISOString(),
    }));
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

const BODY_LIMIT = { maxBytes: 1024 * 1024, tooLarge: () => new ApiError(413, E.badField, 'Request body too large') };

const send = jsonSender('application/json');

function bodyKeys(raw: string, contentType: string): string[] {
  if (!raw) return [];
  if (contentType.startsWith('application/x-www-form-urlencoded')) return [...new URLSearchParams(raw).keys()];
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
  } catch {
    return [];
  }
}

export async function startSomosSandbox(opts: SomosSandboxOptions): Promise<SomosSandbox> {
  const sandbox = new Sandbox(opts);
  const restored = readStateFile<Partial<State>>(opts.stateFile);
  if (restored) sandbox.state = { ...emptyState(), ...restored };
  const saveState = stateSaver(opts.stateFile, () => sandbox.state);

  const toResult = (err: unknown): ApiResult => {
    if (err instanceof ApiError) return { status: err.status, body: { ...errBody(err.code, err.message), ...err.extra } };
    console.error('[somos-sandbox] unexpected error', err);
    return { status: 500, body: errBody('799500', 'Internal Server Error') };
  };

  const http = new SandboxHttp({
    name: 'somos-sandbox',
    sandbox,
    send,
    bodyLimit: BODY_LIMIT,
    readBody: (req) => readText(req, BODY_LIMIT),
    errorResult: toResult,
    faultResult: (f: SomosInjectedFault): ApiResult => ({
      status: f.status,
      body: f.body ?? errBody(f.errCode ?? (f.status === 401 ? E.badToken : '799999'), f.errMsg ?? `Injected fault (HTTP ${f.status})`),
      ...(f.status === 429 ? { headers: { 'Retry-After': '1' } } : {}),
    }),
  });

  async function notify(pathSuffix: string, body: unknown, target?: { url: string; secret: string }): Promise<SentNotification> {
    const dest = target ?? sandbox.notifications;
    if (!dest) throw new Error('notifications are not configured (pass notifications or configure({notifications}))');
    const url = `${dest.url.replace(/\/+$/, '')}${pathSuffix}`;
    let status = 0;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [NOTIFICATION_SECRET_HEADER]: dest.secret },
        body: JSON.stringify(body),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    const entry = { url, body, status };
    sandbox.sent.push(entry);
    return entry;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const contentType = String(req.headers['content-type'] ?? '');
    const entry: SomosLoggedRequest = {
      method,
      path: url.pathname,
      status: 0,
      auth: /^Bearer /i.test(String(req.headers.authorization ?? '')) ? 'bearer' : /^Basic /i.test(String(req.headers.authorization ?? '')) ? 'basic' : 'none',
      bodyKeys: [],
      ...(typeof req.headers.roid === 'string' ? { roid: req.headers.roid } : {}),
      ...(typeof req.headers['accept-version'] === 'string' ? { acceptVersion: req.headers['accept-version'] } : {}),
      ...(url.searchParams.get('reqId') ? { reqId: url.searchParams.get('reqId')! } : {}),
    };
    await http.run({
      req,
      res,
      method,
      faultPath: url.pathname,
      record: (status) => {
        entry.status = status;
        sandbox.log.record(entry);
      },
      onBody: (raw) => {
        entry.bodyKeys = bodyKeys(raw, contentType);
      },
      effect: (raw) => {
        let result: ApiResult;
        try {
          result = sandbox.handle(method, url, req, raw);
        } catch (err) {
          result = toResult(err);
        }
        result = sandbox.maybeDefer(method, url, req, result);
        if (method !== 'GET' && result.status < 300) saveState();
        return result;
      },
    });
  }

  const api: Omit<SomosSandbox, 'url' | 'close' | 'injectFault' | 'clearFaults'> = {
    requestLog: () => sandbox.log.list().map((e) => ({ ...e, bodyKeys: [...e.bodyKeys] })),
    reset: () => {
      sandbox.state = emptyState();
      sandbox.faults.clear();
      sandbox.log.clear();
      sandbox.sent = [];
      sandbox.clockOffset = 0;
      saveState();
    },
    sessionsOpened: () => sandbox.state.counters.sessionsOpened,
    tokensRefreshed: () => sandbox.state.counters.tokensRefreshed,
    sessionsClosed: () => sandbox.state.counters.sessionsClosed,
    sessions: () => sandbox.sessionsView(),
    expireAccessTokens: () => {
      const t = sandbox.now();
      for (const a of Object.values(sandbox.state.accessTokens)) a.expiresAt = Math.min(a.expiresAt, t);
    },
    advanceClock: (ms) => {
      sandbox.clockOffset += ms;
    },
    configure: (changes) => {
      if (changes.latencyMs !== undefined) sandbox.latencyMs = changes.latencyMs;
      if (changes.syncTimeoutPaths !== undefined) sandbox.syncTimeoutPaths = [...changes.syncTimeoutPaths];
      if (changes.pendingRetrievals !== undefined) sandbox.pendingRetrievals = changes.pendingRetrievals;
      if (changes.notifications !== undefined) sandbox.notifications = changes.notifications ?? undefined;
      if (changes.alreadyLoggedInStatus !== undefined) sandbox.alreadyLoggedInStatus = changes.alreadyLoggedInStatus;
      if (changes.sessOverrideKeys !== undefined) sandbox.sessOverrideKeys = changes.sessOverrideKeys;
    },
    userStatus: (username) => userLogonStatus(sandbox.logon, username),
    unlockUser: (username) => {
      const status = unlockUser(sandbox.logon, username);
      saveState();
      return status;
    },
    number: (num) => sandbox.number(tfnOfControl(num)),
    seedNumber: (num, state) => {
      const n = tfnOfControl(num);
      const rec: SandboxNumber = {
        num: n,
        status: state.status,
        recVersionId: sandbox.nextVersion(),
        ...(state.respOrgId ? { ctrlRespOrgId: state.respOrgId } : {}),
        ...(state.status === 'RESERVED' ? { resUntilDt: isoDay(sandbox.now() + RESERVATION_DAYS * 86_400_000), effDt: isoDay(sandbox.now()) } : {}),
        ...(state.status === 'WORKING' ? { effDt: isoDay(sandbox.now()), lastActDt: isoDay(sandbox.now()) } : {}),
      };
      sandbox.setNumber(rec);
      saveState();
      return { ...rec };
    },
    respOrgChange: (id) => (sandbox.state.changes[id] ? { ...sandbox.state.changes[id] } : undefined),
    advanceRespOrgChange: async (id, status) => {
      const change = sandbox.advanceChange(id, status);
      saveState();
      if (sandbox.notifications) {
        // Official body: {tfNum, respOrgId, oldRespOrgId, newRespOrgId, status}; G: respOrgId = the notified (gaining) unit.
        await notify(UNS_RCH_PATH, {
          tfNum: change.num,
          respOrgId: change.newRespOrgId,
          oldRespOrgId: change.oldRespOrgId,
          newRespOrgId: change.newRespOrgId,
          status: change.status,
        });
      }
      return change;
    },
    sendReservationNotification: (numbers, respOrgId) =>
      // Official body: {tfNumList:[{tfn_number}], RespOrgId}.
      notify(UNS_RSV_PATH, { tfNumList: numbers.map((n) => ({ tfn_number: tfnOfControl(n) })), RespOrgId: respOrgId }),
    advanceTextEnablement: async (requestId, status, reason) => {
      const rec = sandbox.state.tss[requestId];
      if (!rec) throw new Error(`text enablement ${requestId} not found`);
      if (rec.status !== 'pending') throw new Error(`text enablement ${requestId} is already ${rec.status}`);
      if (status !== 'enabled' && status !== 'rejected') throw new Error(`status must be enabled or rejected`);
      rec.status = status;
      if (status === 'rejected') rec.reason = reason ?? defaultRejection(rec.num);
      rec.updatedAt = new Date(sandbox.now()).toISOString();
      saveState();
      if (rec.webhookUrl) {
        const secret = sandbox.notifications?.secret ?? '';
        await notify('', { requestId: rec.requestId, num: rec.num, status: rec.status }, { url: rec.webhookUrl, secret });
      }
      return { ...rec };
    },
    textEnablement: (id) => (sandbox.state.tss[id] ? { ...sandbox.state.tss[id] } : undefined),
    notificationsSent: () => sandbox.sent.map((s) => ({ ...s })),
  };

  const basics = await http.serve(opts, {
    faultInjected: () => ({ ok: true }),
    api: handleApi,
    controls: [
      {
        method: 'GET',
        path: '/__sandbox/counters',
        run: () => ({ status: 200, body: { sessionsOpened: api.sessionsOpened(), tokensRefreshed: api.tokensRefreshed(), sessionsClosed: api.sessionsClosed() } }),
      },
      { method: 'GET', path: '/__sandbox/sessions', run: () => ({ status: 200, body: { sessions: api.sessions() } }) },
      { method: 'GET', path: /^\/__sandbox\/users\/([^/]+)$/, run: (c) => ({ status: 200, body: api.userStatus(decodeURIComponent(c.match![1]!)) }) },
      { method: 'POST', path: /^\/__sandbox\/users\/([^/]+)\/unlock$/, run: (c) => ({ status: 200, body: api.unlockUser(decodeURIComponent(c.match![1]!)) }) },
      actionRoute('POST', '/__sandbox/reset', () => api.reset()),
      configRoute(
        (body) => {
          const changes: Parameters<SomosSandbox['configure']>[0] = numberFields(body, ['latencyMs', 'alreadyLoggedInStatus', 'pendingRetrievals']);
          if (Array.isArray(body.syncTimeoutPaths)) changes.syncTimeoutPaths = body.syncTimeoutPaths.map(String);
          if (typeof body.sessOverrideKeys === 'boolean') changes.sessOverrideKeys = body.sessOverrideKeys;
          if (body.notifications === null) changes.notifications = null;
          else if (body.notifications && typeof body.notifications === 'object') {
            const n = body.notifications as Record<string, unknown>;
            changes.notifications = { url: jsonText(n.url), secret: jsonText(n.secret) };
          }
          api.configure(changes);
        },
        () => ({ latencyMs: sandbox.latencyMs, syncTimeoutPaths: sandbox.syncTimeoutPaths, pendingRetrievals: sandbox.pendingRetrievals, notifications: sandbox.notifications ? { url: sandbox.notifications.url } : null }),
      ),
      {
        method: 'POST',
        path: '/__sandbox/clock',
        run: async (c) => {
          const body = await c.json();
          api.advanceClock(Number(body.advanceMs ?? 0));
          return { status: 200, body: { now: new Date(sandbox.now()).toISOString() } };
        },
      },
      actionRoute('POST', '/__sandbox/expire-tokens', () => api.expireAccessTokens()),
      { method: 'GET', path: /^\/__sandbox\/numbers\/([^/]+)$/, run: (c) => ({ status: 200, body: api.number(c.match![1]!) }) },
      {
        method: 'POST',
        path: /^\/__sandbox\/numbers\/([^/]+)$/,
        run: async (c) => {
          const body = await c.json();
          const state = { status: String(body.status) as SandboxNumberStatus, ...(typeof body.respOrgId === 'string' ? { respOrgId: body.respOrgId } : {}) };
          return { status: 201, body: api.seedNumber(c.match![1]!, state) };
        },
      },
      {
        method: 'POST',
        path: /^\/__sandbox\/rch\/([^/]+)$/,
        run: async (c) => {
          const body = await c.json();
          return { status: 200, body: await api.advanceRespOrgChange(c.match![1]!, String(body.status) as RespOrgChangeStatus) };
        },
      },
      {
        method: 'POST',
        path: '/__sandbox/uns/rsv',
        run: async (c) => {
          const body = await c.json();
          return { status: 200, body: await api.sendReservationNotification((body.numbers as string[]) ?? [], jsonText(body.respOrgId)) };
        },
      },
      {
        method: 'POST',
        path: /^\/__sandbox\/tss\/([^/]+)$/,
        run: async (c) => {
          const body = await c.json();
          const id = c.match![1]!;
          const reason = body.reason === undefined ? undefined : reasonFrom(body.reason, sandbox.state.tss[id]?.num ?? '');
          return { status: 200, body: await api.advanceTextEnablement(id, String(body.status) as TssStatus, reason) };
        },
      },
      { method: 'GET', path: '/__sandbox/notifications', run: () => ({ status: 200, body: { notifications: api.notificationsSent() } }) },
    ],
    internalErrorBody: errBody('799500', 'Internal Server Error'),
  });

  return { ...basics, ...api };
}

function tfnOfControl(num: string): string {
  const digits = num.replace(/\D/g, '');
  const ten = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  if (!TFN_RE.test(ten)) throw new Error(`${num} is not a toll-free number`);
  return ten;
}

// ---------------------------------------------------------------------------------------------
// CLI

export const DEFAULT_SANDBOX_USER: SomosSandboxUser = {
  username: 'sandbox-api-user',
  password: 'sandbox-password-please-change',
  respOrgIds: ['NPS01', 'NPS02'],
  entityId: 'NP',
  inactiveRespOrgIds: ['NPS09'],
};

runIfMain(import.meta.url, async (argv) => {
  const { arg } = cliArgs(argv);
  const user: SomosSandboxUser = {
    ...DEFAULT_SANDBOX_USER,
    username: process.env.SOMOS_SANDBOX_USERNAME || DEFAULT_SANDBOX_USER.username,
    password: process.env.SOMOS_SANDBOX_PASSWORD || DEFAULT_SANDBOX_USER.password,
  };
  const options: SomosSandboxOptions = { host: arg('host') ?? '127.0.0.1', port: Number(arg('port') ?? 4020), users: [user] };
  const latency = arg('latency');
  if (latency !== undefined) options.latencyMs = Number(latency);
  const state = arg('state');
  if (state) options.stateFile = state;
  const notifyUrl = arg('notify-url');
  if (notifyUrl) options.notifications = { url: notifyUrl, secret: arg('notify-secret') ?? '' };
  const sandbox = await startSomosSandbox(options);
  console.log(`Somos TFN Registry sandbox listening on ${sandbox.url}`);
  console.log(`  user ${user.username} (RespOrg units ${user.respOrgIds.join(', ')}, entity ${user.entityId})`);
  return sandbox;
});
