/**
 * Somos TFN Registry token manager: one platform session shared by every instance.
 *
 * Where things live:
 * - Platform credentials: Secret Manager, JSON `{username, password, environment}` (secret name passed in).
 * - Token state: a NEW VERSION of a state secret on every renewal (SecretStore.put). Never in
 *   Firestore, never logged.
 * - Coordination: a Firestore lease document (default `platform/somosTokenLease`: holder,
 *   expiresAt, consecutiveFailures, lastOutcome). Only the lease holder talks to /token or
 *   /sec/session/*; other instances poll the state secret for the new version.
 *
 * Registry calls (labels from ../shared/contracts/somos/README.md):
 * - C:  POST /v3/ip/sec/session/open {usrName, password, withPerm} → {oauthToken, refreshToken,
 *       clientKey, clientSecret, expiresIn, tokenType, scope, permRecord}.
 * - C:  701003 "already logged in" + top-level sessOverrideKey → repeat with sessOverrideKey.
 *       G: the HTTP status of that answer (handled on 2xx and on error statuses alike).
 * - C:  POST /token (no /v3/ip prefix), form grant_type=refresh_token&refresh_token=…, HTTP Basic
 *       clientKey:clientSecret. C1: response {access_token, refresh_token, expires_in}.
 * - C:  PUT /v3/ip/sec/session/close {clientKey, clientSecret}.
 * - C1: lifetimes 60 min (access) / 24 h (refresh). G: expiresIn is in seconds; the refresh
 *       token's lifetime stays anchored to the session open (a refresh does not extend it).
 *
 * Pass an UNCACHED SecretStore: waiting instances must see the new state version at once
 * (this manager keeps its own short in-memory cache).
 */
import { randomUUID } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { logger as rootLogger, type Logger } from '../../log.js';
import { SecretNotFoundError, type SecretStore } from '../../secrets/secret-store.js';
import { createProviderHttp, type ProviderHttpOptions } from '../http.js';
import { ProviderError } from '../types.js';
import { mapSomosError, parseErrList, sessionOverrideKey, unexpectedResponse } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Types and constants

/** C: the two public hosts. */
export const SOMOS_HOSTS = {
  production: 'https://api-tfnregistry.somos.com',
  sandbox: 'https://sandbox-api-tfnregistry.somos.com',
} as const;

export const SOMOS_SESSION_OPEN_PATH = '/v3/ip/sec/session/open'; // C
export const SOMOS_SESSION_CLOSE_PATH = '/v3/ip/sec/session/close'; // C
export const SOMOS_TOKEN_PATH = '/token'; // C
export const DEFAULT_ACCEPT_VERSION = '3.11'; // C: 3.2, 3.8 and 3.11 are seen
export const DEFAULT_LEASE_DOC = 'platform/somosTokenLease';

/** C1 (unofficial notes): token lifetimes when the registry does not say. */
export const DEFAULT_ACCESS_TTL_SECONDS = 60 * 60;
export const DEFAULT_REFRESH_TTL_SECONDS = 24 * 60 * 60;

/** Stable log messages (a log-based alert policy matches the second one). */
export const AUTH_FAILURE_EVENT = 'somos.auth_failure';
export const AUTH_FAILURES_CONSECUTIVE_EVENT = 'somos.auth_failures_consecutive';

export const platformCredentialsSchema = z
  .object({
    username: z.string().min(1, 'username is required'),
    password: z.string().min(1, 'password is required'),
    environment: z.enum(['production', 'sandbox']),
  })
  .strict();
export type SomosPlatformCredentials = z.infer<typeof platformCredentialsSchema>;

/** Persisted as the state secret's payload (epoch milliseconds). */
export interface SomosTokenState {
  accessToken: string;
  expiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
  clientKey: string;
  clientSecret: string;
  sessionOpenedAt: number;
}

export type TokenAction = 'none' | 'refreshed' | 'reopened' | 'opened';

export interface RefreshOutcome {
  action: TokenAction;
  expiresAt: string;
  refreshExpiresAt: string;
}

/** Something that hands out a valid access token (what the registry client needs). */
export interface SomosTokenSource {
  /**
   * forceRefresh: renew even though the token looks valid (the registry answered 401).
   * rejectedToken: the token that was refused; when the current token differs, it is
   * returned without renewing (another caller already replaced it).
   */
  getToken(options?: { forceRefresh?: boolean; rejectedToken?: string }): Promise<string>;
}

// ---------------------------------------------------------------------------------------------
// Lease port (+ Firestore and in-memory implementations)

export interface LeaseOutcome {
  ok: boolean;
  action: TokenAction | 'failed';
  reason?: string;
}

export interface TokenLeaseStore {
  /** Takes the lease when it is free, expired or already ours; true when we hold it now. */
  tryAcquire(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (no-op unless we hold it). */
  release(holder: string): Promise<void>;
  /**
   * Records a renewal outcome and returns the consecutive-failure count after it:
   * a failure adds one, a renewal resets it to 0, action 'none' leaves it unchanged.
   */
  recordOutcome(outcome: LeaseOutcome): Promise<number>;
}

interface LeaseDoc {
  holder?: string | null;
  expiresAt?: string | null;
  acquiredAt?: string | null;
  consecutiveFailures?: number;
  lastOutcome?: { ok: boolean; action: string; reason?: string; at: string };
}

const nextFailureCount = (previous: number | undefined, outcome: LeaseOutcome): number =>
  !outcome.ok ? (previous ?? 0) + 1 : outcome.action === 'none' ? (previous ?? 0) : 0;

/** The lease as one Firestore document, changed in transactions. */
export function createFirestoreTokenLease(
  firestore: Firestore | (() => Promise<Firestore>),
  options: { path?: string; now?: () => number } = {},
): TokenLeaseStore {
  const path = options.path ?? DEFAULT_LEASE_DOC;
  const now = options.now ?? Date.now;
  const db = async () => (typeof firestore === 'function' ? firestore() : firestore);
  return {
    async tryAcquire(holder, ttlMs) {
      const fs = await db();
      const ref = fs.doc(path);
      // Compare-and-set instead of a transaction: a contended transaction is retried with
      // backoff (seconds), while a failed precondition answers at once and means "someone else won".
      const snap = await ref.get();
      const data = (snap.data() ?? {}) as LeaseDoc;
      const t = now();
      const held = data.holder && data.expiresAt && Date.parse(data.expiresAt) > t;
      if (held && data.holder !== holder) return false;
      const fields = { holder, acquiredAt: new Date(t).toISOString(), expiresAt: new Date(t + ttlMs).toISOString() };
      try {
        if (!snap.exists) await ref.create(fields);
        else await ref.update(fields, { lastUpdateTime: snap.updateTime! });
        return true;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 6 /* ALREADY_EXISTS */ || code === 9 /* FAILED_PRECONDITION */ || code === 10 /* ABORTED */) return false;
        throw err;
      }
    },
    async release(holder) {
      const fs = await db();
      const ref = fs.doc(path);
      await fs.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        const data = (snap.data() ?? {}) as LeaseDoc;
        if (data.holder === holder) tx.set(ref, { holder: null, expiresAt: null }, { merge: true });
      });
    },
    async recordOutcome(outcome) {
      const fs = await db();
      const ref = fs.doc(path);
      return fs.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        const data = (snap.data() ?? {}) as LeaseDoc;
        const count = nextFailureCount(data.consecutiveFailures, outcome);
        tx.set(
          ref,
          {
            consecutiveFailures: count,
            lastOutcome: {
              ok: outcome.ok,
              action: outcome.action,
              ...(outcome.reason ? { reason: outcome.reason } : {}),
              at: new Date(now()).toISOString(),
            },
          },
          { merge: true },
        );
        return count;
      });
    },
  };
}

/** Same semantics in memory: one process (dev stack, unit tests). Share one instance between managers. */
export function createMemoryTokenLease(options: { now?: () => number } = {}): TokenLeaseStore & { snapshot(): LeaseDoc } {
  const now = options.now ?? Date.now;
  const doc: LeaseDoc = {};
  return {
    async tryAcquire(holder, ttlMs) {
      const t = now();
      const held = doc.holder && doc.expiresAt && Date.parse(doc.expiresAt) > t;
      if (held && doc.holder !== holder) return false;
      doc.holder = holder;
      doc.acquiredAt = new Date(t).toISOString();
      doc.expiresAt = new Date(t + ttlMs).toISOString();
      return true;
    },
    async release(holder) {
      if (doc.holder === holder) {
        doc.holder = null;
        doc.expiresAt = null;
      }
    },
    async recordOutcome(outcome) {
      doc.consecutiveFailures = nextFailureCount(doc.consecutiveFailures, outcome);
      doc.lastOutcome = { ok: outcome.ok, action: outcome.action, ...(outcome.reason ? { reason: outcome.reason } : {}), at: new Date(now()).toISOString() };
      return doc.consecutiveFailures;
    },
    snapshot: () => structuredClone(doc),
  };
}

// ---------------------------------------------------------------------------------------------
// Pure state logic (unit-tested with a fake clock)

export interface TokenMargins {
  /** Renew when the access token has less than this left (getToken). */
  refreshMarginMs: number;
  /** Re-open the session instead of refreshing when the refresh token has less than this left. */
  reopenMarginMs: number;
}

/**
 * What to do with the stored state at `now`:
 * - 'use': the access token has more than refreshMarginMs left (and is not the rejected one).
 * - 'open': no state.
 * - 'reopen': the refresh token is within reopenMarginMs of its end (or past it).
 * - 'refresh': otherwise.
 */
export function decideTokenAction(
  state: SomosTokenState | undefined,
  now: number,
  margins: TokenMargins,
  rejectedToken?: string,
): 'use' | 'refresh' | 'reopen' | 'open' {
  if (!state) return 'open';
  const accessOk = state.expiresAt - now > margins.refreshMarginMs && state.refreshExpiresAt > now;
  if (accessOk && state.accessToken !== rejectedToken) return 'use';
  if (state.refreshExpiresAt - now <= margins.reopenMarginMs) return 'reopen';
  return 'refresh';
}

const positiveSeconds = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
};

/** C: session open response → state. G: expiresIn in seconds; refresh lifetime from options (C1 24 h). */
export function stateFromSessionResponse(
  body: unknown,
  now: number,
  defaults: { accessTtlSeconds?: number; refreshTtlSeconds?: number } = {},
): SomosTokenState {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
  const accessToken = str('oauthToken');
  const refreshToken = str('refreshToken');
  const clientKey = str('clientKey');
  const clientSecret = str('clientSecret');
  if (!accessToken || !refreshToken || !clientKey || !clientSecret) {
    const missing = [
      !accessToken && 'oauthToken',
      !refreshToken && 'refreshToken',
      !clientKey && 'clientKey',
      !clientSecret && 'clientSecret',
    ].filter(Boolean);
    throw unexpectedResponse('session open', `missing ${missing.join(', ')}`);
  }
  const accessTtl = positiveSeconds(b.expiresIn) ?? defaults.accessTtlSeconds ?? DEFAULT_ACCESS_TTL_SECONDS;
  const refreshTtl = defaults.refreshTtlSeconds ?? DEFAULT_REFRESH_TTL_SECONDS;
  return {
    accessToken,
    expiresAt: now + accessTtl * 1000,
    refreshToken,
    refreshExpiresAt: now + refreshTtl * 1000,
    clientKey,
    clientSecret,
    sessionOpenedAt: now,
  };
}

/**
 * C1: /token response {access_token, refresh_token, expires_in} → next state. The client
 * key/secret and session start carry over. G: the refresh token keeps the session's end unless
 * the answer states its own lifetime (refresh_token_expires_in, a common OAuth2 extension).
 */
export function stateFromRefreshResponse(previous: SomosTokenState, body: unknown, now: number): SomosTokenState {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const accessToken = typeof b.access_token === 'string' && b.access_token ? b.access_token : undefined;
  if (!accessToken) throw unexpectedResponse('token refresh', 'missing access_token');
  const refreshToken = typeof b.refresh_token === 'string' && b.refresh_token ? b.refresh_token : previous.refreshToken;
  const accessTtl = positiveSeconds(b.expires_in) ?? DEFAULT_ACCESS_TTL_SECONDS;
  const refreshTtl = positiveSeconds(b.refresh_token_expires_in);
  return {
    ...previous,
    accessToken,
    refreshToken,
    expiresAt: now + accessTtl * 1000,
    refreshExpiresAt: refreshTtl !== undefined ? now + refreshTtl * 1000 : previous.refreshExpiresAt,
  };
}

const stateSchema = z.object({
  accessToken: z.string().min(1),
  expiresAt: z.number(),
  refreshToken: z.string().min(1),
  refreshExpiresAt: z.number(),
  clientKey: z.string().min(1),
  clientSecret: z.string().min(1),
  sessionOpenedAt: z.number(),
});

export function serializeTokenState(state: SomosTokenState): string {
  return JSON.stringify({ v: 1, ...state });
}

/** undefined for an unreadable payload (treated like "no state": a new session is opened). */
export function parseTokenState(payload: string): SomosTokenState | undefined {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The manager

export interface SomosTokenManagerOptions {
  secrets: SecretStore;
  /** Secret holding {username, password, environment}. */
  credentialsSecret: string;
  /** Secret whose versions hold the token state. */
  stateSecret: string;
  /** Firestore for the cross-instance lease (document leaseDocPath)... */
  firestore?: Firestore | (() => Promise<Firestore>);
  /** ...or any lease store (tests, dev stack). One of the two is required. */
  lease?: TokenLeaseStore;
  leaseDocPath?: string;
  /** Overrides the host chosen by credentials.environment (sandboxes, tests). */
  baseUrl?: string;
  acceptVersion?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** HTTP client overrides (dispatcher, maxRetries, sleep, timeoutMs...). */
  http?: Partial<ProviderHttpOptions>;
  /** Identifies this instance as lease holder (default: random). */
  instanceId?: string;
  refreshMarginMs?: number; // default 10 min
  /** Margin used by refreshIfNeeded() (scheduled every 10 min): default 25 min. */
  scheduledRefreshMarginMs?: number;
  reopenMarginMs?: number; // default 1 h
  memoryTtlMs?: number; // default 30 s
  /** How long a renewal may hold the lease before another instance may take over. Default 60 s. */
  leaseTtlMs?: number;
  pollIntervalMs?: number; // default 200 ms
  /** How long a caller waits for another instance's renewal before giving up. Default 30 s. */
  waitTimeoutMs?: number;
  /** The failure count that logs AUTH_FAILURES_CONSECUTIVE_EVENT at ERROR. Default 3. */
  alertThreshold?: number;
  /** C1 defaults when the registry does not state lifetimes. */
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
}

export interface SomosTokenManager extends SomosTokenSource {
  /** For the scheduled function: renews well before expiry, re-opens near the refresh token's end. */
  refreshIfNeeded(): Promise<RefreshOutcome>;
  /** Low level (used by the manager under the lease; exposed for tools and tests). */
  openSession(): Promise<SomosTokenState>;
  refresh(state: SomosTokenState): Promise<SomosTokenState>;
  closeSession(state: Pick<SomosTokenState, 'clientKey' | 'clientSecret'> & { accessToken?: string }): Promise<void>;
  /** Drops the in-memory cache (the next call reads the state secret). */
  invalidate(): void;
}

type Stage = 'credentials' | 'session_open' | 'refresh' | 'state_write' | 'lease' | 'lease_wait';

class StageError extends Error {
  constructor(
    readonly stage: Stage,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'StageError';
  }
}

/** A stable, secret-free reason for logs. */
export function authFailureReason(stage: Stage, err: unknown): string {
  if (stage === 'credentials') return err instanceof SecretNotFoundError ? 'credentials_missing' : 'credentials_invalid';
  if (stage === 'lease_wait') return 'lease_wait_timeout';
  if (err instanceof ProviderError) {
    if (err.info.kind === 'auth' || err.info.httpStatus === 401 || err.info.httpStatus === 403) {
      return stage === 'refresh' ? 'refresh_rejected' : 'session_rejected';
    }
    if (err.info.kind === 'unavailable' || err.info.kind === 'rate_limited') return 'registry_unavailable';
    return stage === 'refresh' ? 'refresh_failed' : 'session_failed';
  }
  return `${stage}_failed`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSomosTokenManager(options: SomosTokenManagerOptions): SomosTokenManager {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const log = (options.logger ?? rootLogger).child({ provider: 'somos', component: 'somos-token' });
  const holder = options.instanceId ?? `somos-${randomUUID()}`;
  const margins: TokenMargins = {
    refreshMarginMs: options.refreshMarginMs ?? 10 * 60_000,
    reopenMarginMs: options.reopenMarginMs ?? 60 * 60_000,
  };
  const scheduledMargins: TokenMargins = {
    refreshMarginMs: options.scheduledRefreshMarginMs ?? 25 * 60_000,
    reopenMarginMs: margins.reopenMarginMs,
  };
  const memoryTtlMs = options.memoryTtlMs ?? 30_000;
  // Longer than a worst-case renewal (session open + override + close, each with HTTP timeouts).
  const leaseTtlMs = options.leaseTtlMs ?? 60_000;
  const pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 200);
  const maxPolls = Math.max(1, Math.ceil((options.waitTimeoutMs ?? 30_000) / pollIntervalMs));
  const alertThreshold = options.alertThreshold ?? 3;
  const acceptVersion = options.acceptVersion ?? DEFAULT_ACCEPT_VERSION;
  let lease: TokenLeaseStore;
  if (options.lease) lease = options.lease;
  else if (options.firestore) lease = createFirestoreTokenLease(options.firestore, { path: options.leaseDocPath ?? DEFAULT_LEASE_DOC, now });
  else throw new Error('createSomosTokenManager: pass firestore (or a lease store)');

  let cached: { state: SomosTokenState; until: number } | undefined;
  let inflight: Promise<SomosTokenState> | undefined;
  /** Used only when the lease document cannot be written (Firestore down). */
  let localFailures = 0;

  // --- credentials and state -------------------------------------------------------------------

  async function loadCredentials(): Promise<SomosPlatformCredentials> {
    const raw = await options.secrets.access(options.credentialsSecret);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error('Somos platform credentials secret is not JSON');
    }
    const parsed = platformCredentialsSchema.safeParse(json);
    if (!parsed.success) {
      // Field names only: never the values.
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw new Error(`Somos platform credentials secret is invalid (${fields})`);
    }
    return parsed.data;
  }

  async function readState(): Promise<SomosTokenState | undefined> {
    try {
      const payload = await options.secrets.access(options.stateSecret);
      const state = parseTokenState(payload);
      if (!state) log.warn('somos.token_state_unreadable', { secret: options.stateSecret });
      return state;
    } catch (err) {
      if (err instanceof SecretNotFoundError) return undefined;
      throw err;
    }
  }

  function httpFor(baseUrl: string, secrets: readonly (string | undefined)[], onErrorBody?: (body: unknown) => void) {
    const overrides = options.http ?? {};
    return createProviderHttp({
      ...overrides,
      provider: 'somos',
      baseUrl,
      logger: options.logger ?? overrides.logger ?? rootLogger,
      mapError: (status, body, headers) => {
        onErrorBody?.(body);
        return mapSomosError(status, body, headers, secrets);
      },
    });
  }

  const baseUrlFor = (creds: SomosPlatformCredentials) => options.baseUrl ?? SOMOS_HOSTS[creds.environment];

  // --- registry calls ----------------------------------------------------------------------------

  async function sessionOpenCall(
    creds: SomosPlatformCredentials,
    body: Record<string, unknown>,
    secrets: (string | undefined)[],
  ): Promise<{ ok: true; body: unknown } | { ok: false; error: ProviderError; body: unknown }> {
    let errorBody: unknown;
    // One client per call so the error body (which carries sessOverrideKey) is this call's.
    const http = httpFor(baseUrlFor(creds), secrets, (b) => {
      errorBody = b;
    });
    try {
      const res = await http.request({
        method: 'POST',
        path: SOMOS_SESSION_OPEN_PATH,
        json: body,
        headers: { 'accept-version': acceptVersion },
        // Opening twice is not harmless (the second answers 701003): never auto-retried on 5xx.
        idempotent: false,
        operation: 'somos.session.open',
      });
      return { ok: true, body: res.body };
    } catch (err) {
      if (err instanceof ProviderError && err.info.httpStatus !== undefined) return { ok: false, error: err, body: errorBody };
      throw err;
    }
  }

  async function openSessionWith(creds: SomosPlatformCredentials): Promise<SomosTokenState> {
    const secrets: (string | undefined)[] = [creds.password];
    const base = { usrName: creds.username, password: creds.password, withPerm: true };
    let result = await sessionOpenCall(creds, base, secrets);
    // C: 701003 + sessOverrideKey → repeat once with the key (G: on 2xx or on an error status).
    const overrideKey = sessionOverrideKey(result.body);
    if (overrideKey) {
      secrets.push(overrideKey);
      log.info('somos.session_override', { httpStatus: result.ok ? 200 : result.error.info.httpStatus });
      result = await sessionOpenCall(creds, { ...base, sessOverrideKey: overrideKey }, secrets);
      if (sessionOverrideKey(result.body)) {
        throw new ProviderError('somos', 'Somos session open: still "already logged in" after sessOverrideKey', {
          providerCode: '701003',
          retryable: false,
          kind: 'auth',
        });
      }
    }
    if (!result.ok) throw result.error;
    const errs = parseErrList(result.body);
    const b = result.body as Record<string, unknown> | undefined;
    if (errs.length > 0 && (!b || typeof b.oauthToken !== 'string')) {
      // A 2xx that only carries errors (C: errList shape) is a refusal.
      throw mapSomosError(401, result.body, {}, secrets);
    }
    return stateFromSessionResponse(result.body, now(), {
      ...(options.accessTtlSeconds !== undefined ? { accessTtlSeconds: options.accessTtlSeconds } : {}),
      ...(options.refreshTtlSeconds !== undefined ? { refreshTtlSeconds: options.refreshTtlSeconds } : {}),
    });
  }

  async function refreshWith(creds: SomosPlatformCredentials, state: SomosTokenState): Promise<SomosTokenState> {
    const basic = Buffer.from(`${state.clientKey}:${state.clientSecret}`, 'utf8').toString('base64');
    const http = httpFor(baseUrlFor(creds), [state.refreshToken, state.clientSecret, state.accessToken, basic]);
    const res = await http.request({
      method: 'POST',
      path: SOMOS_TOKEN_PATH,
      form: { grant_type: 'refresh_token', refresh_token: state.refreshToken },
      headers: { authorization: `Basic ${basic}` },
      // A refresh token may be single-use: a blind retry could burn it.
      idempotent: false,
      operation: 'somos.token.refresh',
    });
    return stateFromRefreshResponse(state, res.body, now());
  }

  async function closeWith(
    creds: SomosPlatformCredentials,
    state: Pick<SomosTokenState, 'clientKey' | 'clientSecret'> & { accessToken?: string },
  ): Promise<void> {
    const http = httpFor(baseUrlFor(creds), [state.clientSecret, state.accessToken]);
    await http.request({
      method: 'PUT',
      path: SOMOS_SESSION_CLOSE_PATH,
      json: { clientKey: state.clientKey, clientSecret: state.clientSecret },
      headers: {
        'accept-version': acceptVersion,
        // G: whether close wants the session's bearer token; sending it is harmless.
        ...(state.accessToken ? { authorization: `Bearer ${state.accessToken}` } : {}),
      },
      idempotent: true,
      operation: 'somos.session.close',
    });
  }

  // --- renewal under the lease ---------------------------------------------------------------------

  async function renew(current: SomosTokenState | undefined, decision: 'refresh' | 'reopen' | 'open'): Promise<{ state: SomosTokenState; action: TokenAction }> {
    let creds: SomosPlatformCredentials;
    try {
      creds = await loadCredentials();
    } catch (err) {
      throw new StageError('credentials', err);
    }
    const open = async () => {
      try {
        return await openSessionWith(creds);
      } catch (err) {
        throw new StageError('session_open', err);
      }
    };
    const rotate = async (old: SomosTokenState) => {
      const next = await open();
      // The new session replaces the old one: close the old (best effort; an override may already have).
      try {
        await closeWith(creds, old);
      } catch (err) {
        log.info('somos.session_close_failed', {
          httpStatus: err instanceof ProviderError ? err.info.httpStatus : undefined,
          providerCode: err instanceof ProviderError ? err.info.providerCode : undefined,
        });
      }
      return next;
    };
    if (!current || decision === 'open') return { state: await open(), action: 'opened' };
    if (decision === 'reopen') return { state: await rotate(current), action: 'reopened' };
    try {
      return { state: await refreshWith(creds, current), action: 'refreshed' };
    } catch (err) {
      const status = err instanceof ProviderError ? err.info.httpStatus : undefined;
      const oauthCode = err instanceof ProviderError ? err.info.providerCode : undefined;
      // 401 (or OAuth invalid_grant): the refresh token is dead → a new session. Anything else propagates.
      if (status === 401 || (status === 400 && oauthCode === 'invalid_grant')) {
        log.warn(AUTH_FAILURE_EVENT, { reason: 'refresh_rejected', stage: 'refresh', httpStatus: status, recovery: 'reopen_session' });
        return { state: await rotate(current), action: 'reopened' };
      }
      throw new StageError('refresh', err);
    }
  }

  async function recordFailure(stage: Stage, err: unknown): Promise<void> {
    const reason = authFailureReason(stage, err);
    let count: number;
    try {
      count = await lease.recordOutcome({ ok: false, action: 'failed', reason });
      localFailures = count;
    } catch {
      count = ++localFailures;
    }
    const fields = {
      reason,
      stage,
      attempt: count,
      consecutiveFailures: count,
      ...(err instanceof ProviderError ? { httpStatus: err.info.httpStatus, providerCode: err.info.providerCode } : {}),
    };
    log.warn(AUTH_FAILURE_EVENT, fields);
    if (count >= alertThreshold) {
      log.error(AUTH_FAILURES_CONSECUTIVE_EVENT, { ...fields, threshold: alertThreshold });
    }
  }

  async function recordSuccess(action: TokenAction): Promise<void> {
    localFailures = action === 'none' ? localFailures : 0;
    try {
      await lease.recordOutcome({ ok: true, action });
    } catch (err) {
      log.warn('somos.token_outcome_not_recorded', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * Returns a usable state: from the state secret when it is good enough, otherwise renewed by
   * whoever holds the lease (this instance or another one, whose result we poll for).
   */
  async function obtain(m: TokenMargins, rejectedToken: string | undefined): Promise<{ state: SomosTokenState; action: TokenAction }> {
    for (let poll = 0; ; poll++) {
      const state = await readState();
      if (decideTokenAction(state, now(), m, rejectedToken) === 'use') return { state: state!, action: 'none' };
      let acquired: boolean;
      try {
        acquired = await lease.tryAcquire(holder, leaseTtlMs);
      } catch (err) {
        throw new StageError('lease', err);
      }
      if (acquired) {
        try {
          // Re-read under the lease: another instance may have just finished.
          const fresh = await readState();
          const decision = decideTokenAction(fresh, now(), m, rejectedToken);
          if (decision === 'use') return { state: fresh!, action: 'none' };
          let renewed: { state: SomosTokenState; action: TokenAction };
          try {
            renewed = await renew(fresh, decision);
          } catch (err) {
            const staged = err instanceof StageError ? err : new StageError('session_open', err);
            await recordFailure(staged.stage, staged.cause);
            throw staged.cause;
          }
          try {
            await options.secrets.put(options.stateSecret, serializeTokenState(renewed.state), { component: 'somos-token' });
            // Each renewal is a new version; keep a few (readers mid-rotation) and destroy the rest.
            await options.secrets.pruneVersions?.(options.stateSecret, 3).catch((err: unknown) => log.warn('could not prune old token versions', { err }));
          } catch (err) {
            await recordFailure('state_write', err);
            throw err;
          }
          await recordSuccess(renewed.action);
          log.info('somos.token_renewed', {
            action: renewed.action,
            expiresAt: new Date(renewed.state.expiresAt).toISOString(),
            refreshExpiresAt: new Date(renewed.state.refreshExpiresAt).toISOString(),
          });
          return renewed;
        } finally {
          await lease.release(holder).catch((err: unknown) => {
            log.warn('somos.token_lease_release_failed', { error: err instanceof Error ? err.message : String(err) });
          });
        }
      }
      if (poll >= maxPolls) {
        log.warn(AUTH_FAILURE_EVENT, { reason: 'lease_wait_timeout', stage: 'lease_wait', polls: poll });
        throw new ProviderError('somos', 'Somos token renewal by another instance did not finish in time', {
          retryable: true,
          kind: 'unavailable',
        });
      }
      await sleep(pollIntervalMs);
    }
  }

  function remember(state: SomosTokenState): void {
    cached = { state, until: now() + memoryTtlMs };
  }

  function join(rejectedToken: string | undefined): Promise<SomosTokenState> {
    if (!inflight) {
      inflight = obtain(margins, rejectedToken)
        .then(({ state }) => {
          remember(state);
          return state;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  }

  async function withCreds<T>(fn: (creds: SomosPlatformCredentials) => Promise<T>): Promise<T> {
    return fn(await loadCredentials());
  }

  return {
    async getToken(opts = {}) {
      const t = now();
      const rejected = opts.forceRefresh ? (opts.rejectedToken ?? cached?.state.accessToken ?? '') : undefined;
      if (cached && t < cached.until && decideTokenAction(cached.state, t, margins, rejected) === 'use') {
        return cached.state.accessToken;
      }
      // Single flight: every concurrent caller shares one obtain().
      let state = await join(rejected);
      if (rejected !== undefined && state.accessToken === rejected) {
        // We joined a flight that started before the rejection and kept the old token: one more, never a loop.
        state = await join(rejected);
      }
      return state.accessToken;
    },

    async refreshIfNeeded() {
      if (inflight) await inflight.catch(() => undefined);
      const { state, action } = await obtain(scheduledMargins, undefined);
      remember(state);
      if (action === 'none') await recordSuccess('none');
      return {
        action,
        expiresAt: new Date(state.expiresAt).toISOString(),
        refreshExpiresAt: new Date(state.refreshExpiresAt).toISOString(),
      };
    },

    openSession: () => withCreds(openSessionWith),
    refresh: (state) => withCreds((creds) => refreshWith(creds, state)),
    closeSession: (state) => withCreds((creds) => closeWith(creds, state)),
    invalidate() {
      cached = undefined;
    },
  };
}
